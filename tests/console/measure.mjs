// measure.mjs - the console's weight and speed on the demo data, as numbers to report (not a test: it asserts no
// time limit and exits 0 whatever it measures, unless something does not work at all).
//
//   node measure.mjs [--runs N] [--browser chromium]
//
// Starts its own stack (stack.py: PostgreSQL + registryd + demo data) and Chromium, then prints:
//  1. first load: the bytes a fresh profile transfers (compressed, headers included, as the browser's network events
//     count them: Network.loadingFinished's encodedDataLength) to show the sign-in page at /console/, then again for
//     signing in and the first screen after it; each resource is listed, and beside the total the sum of the
//     Performance API's transferSize (bodies and headers as the page itself sees them) as a cross-check.
//  2. screen change: from a click on a client in the clients list until the client's page shows the client's name,
//     timed inside the page (performance.now() before the click, then in the first animation frame after the text
//     appeared), N times over different clients; prints every time, the median, and the API calls each change made.
// Budgets from the issue (printed beside the numbers): first load <= 250 KB, a one-API-call screen change <= 200 ms.
import { parseArgs } from 'node:util';
import {
  api, apiToken, launchBrowser, newPage, signIn, startStack,
} from './lib.mjs';

const { values: opts } = parseArgs({ options: {
  runs: { type: 'string', default: '15' },
  browser: { type: 'string', default: 'chromium' },
} });
const runs = Math.max(1, Number(opts.runs) || 15);
if (opts.browser !== 'chromium') {
  console.error('measure.mjs counts bytes through the DevTools protocol: --browser chromium only');
  process.exit(2);
}

const FIRST_LOAD_BUDGET = 250 * 1024;
const SCREEN_CHANGE_BUDGET_MS = 200;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Records every response's transferred bytes on page (CDP), until take() returns them and starts again. */
async function byteCounter(page) {
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  let seen = new Map();
  cdp.on('Network.responseReceived', (e) => {
    seen.set(e.requestId, { url: e.response.url, status: e.response.status, bytes: 0,
                            encoding: e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || '',
                            cached: e.response.fromDiskCache || e.response.fromServiceWorker });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = seen.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  return { take() { const out = [...seen.values()]; seen = new Map(); return out; } };
}

async function transferSizes(page) {
  return page.evaluate(() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
    .reduce((sum, e) => sum + (e.transferSize || 0), 0));
}

function printLoad(title, resources, perfTotal) {
  const total = resources.reduce((s, r) => s + r.bytes, 0);
  console.log(`\n${title}: ${kb(total)} transferred in ${resources.length} responses` +
              (perfTotal === undefined ? '' : ` (Performance transferSize sum: ${kb(perfTotal)})`));
  for (const r of resources.sort((a, b) => b.bytes - a.bytes)) {
    const u = new URL(r.url);
    console.log(`  ${String(r.bytes).padStart(8)} B  ${r.status} ${(r.encoding || 'identity').padEnd(8)} ${u.pathname}${u.search}`);
  }
  return total;
}

const stack = await startStack();
const browser = await launchBrowser(stack, 'chromium');
let failed = false;
try {
  // 1. first load, fresh profile (the browser was just started with an empty user-data-dir).
  const page = await newPage(browser);
  const counter = await byteCounter(page);
  await page.goto(`${stack.base_url}/console/`, { waitUntil: 'networkidle0' });
  const signInLoad = printLoad(`first load of /console/ (it shows ${new URL(page.url()).pathname})`, counter.take(),
                               await transferSizes(page));
  await signIn(page, stack, stack.users.national_admin);
  await page.waitForNetworkIdle({ idleTime: 500 });
  const afterSignIn = printLoad('signing in and the first screen after it', counter.take());
  console.log(`\nFIRST LOAD: ${kb(signInLoad)} for the sign-in page, ${kb(signInLoad + afterSignIn)} up to the first` +
              ` screen after signing in (budget ${kb(FIRST_LOAD_BUDGET)})`);

  // 2. clients list -> a client page, N times.
  const token = await apiToken(stack, stack.users.national_admin);
  const list = await api(stack, `/api/v1/clients?limit=${Math.min(runs, 50)}`, { token });
  if (list.status !== 200) throw new Error(`GET /api/v1/clients: ${list.status} ${list.text}`);
  const clients = list.json().items;
  const apiCalls = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/')) apiCalls.push(r.url()); });
  const times = [];
  const calls = [];
  for (let i = 0; i < runs; i++) {
    const client = clients[i % clients.length];
    await page.goto(`${stack.base_url}/console/clients`, { waitUntil: 'networkidle0' });
    const link = await page.waitForSelector(`main a[href$="/clients/${client.id}"]`, { visible: true })
      .catch(() => { throw new Error(`the clients list (/console/clients) shows no link to client ${client.id}`); });
    const name = [client.first_name, client.last_name].filter(Boolean).join(' ');
    apiCalls.length = 0;
    const ms = await link.evaluate((a, expected) => new Promise((resolve, reject) => {
      const main = document.querySelector('main');
      const shows = () => main.innerText.replace(/\s+/g, ' ').includes(expected) && !location.pathname.endsWith('/clients');
      const t0 = performance.now();
      const done = () => requestAnimationFrame(() => resolve(performance.now() - t0));
      const obs = new MutationObserver(() => { if (shows()) { obs.disconnect(); done(); } });
      obs.observe(document.body, { childList: true, subtree: true, characterData: true });
      setTimeout(() => { obs.disconnect(); reject(new Error(`"${expected}" did not appear`)); }, 15000);
      a.click();
    }), name);
    await page.waitForNetworkIdle({ idleTime: 200 });
    times.push(ms);
    calls.push(apiCalls.length);
  }
  console.log(`\nclients list -> client page, ${runs} times (ms): ${times.map((x) => x.toFixed(0)).join(' ')}`);
  console.log(`API calls per change: ${calls.join(' ')}`);
  console.log(`SCREEN CHANGE: median ${median(times).toFixed(0)} ms, max ${Math.max(...times).toFixed(0)} ms` +
              ` (budget ${SCREEN_CHANGE_BUDGET_MS} ms), ${median(calls)} API call(s) each`);
} catch (e) {
  failed = true;
  console.error(`measure.mjs: ${e.stack || e}`);
} finally {
  await browser.close();
  await stack.stop();
}
process.exit(failed ? 1 : 0);
