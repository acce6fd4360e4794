// lib.mjs - what the console's browser tests share: a real registry (stack.py: PostgreSQL + registryd + demo data),
// a real browser (Debian's chromium by default, firefox-esr with CONSOLE_BROWSER=firefox or launchBrowser('firefox')),
// signing in through the sign-in form, screenshots, the axe-core check, helpers that read what a person sees, and
// an API client so a test can compare what the screen says with what the API answers.
//
// Environment (ctest sets all of it; see README.md for running by hand):
//   REGISTRY_BIN_DIR, REGISTRY_SOURCE_DIR  as for tests/e2e/harness.py (registryd/registryctl, the repository)
//   CONSOLE_SCREENSHOT_DIR                 where shot() writes PNGs (default <repository>/build/console-screenshots)
//   CONSOLE_BROWSER                        chromium (default) or firefox
//   CHROMIUM_BIN, FIREFOX_BIN              the browsers (default /usr/bin/chromium, /usr/bin/firefox-esr)
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const sourceDir = path.resolve(process.env.REGISTRY_SOURCE_DIR || path.join(here, '..', '..'));
export const screenshotDir = path.resolve(process.env.CONSOLE_SCREENSHOT_DIR ||
                                          path.join(sourceDir, 'build', 'console-screenshots'));
// Screenshots are named after the file that takes them (sign_in.test.mjs -> sign_in), which also clears its own
// screenshots of an earlier run when it starts, so none of them is left over from an older console.
const shotPrefix = path.basename(process.argv[1] || 'script').replace(/\.(test\.)?m?js$/, '');
let shotsCleared = false;

// -- the registry ----------------------------------------------------------------------------------------------------

/** Starts tests/console/stack.py and resolves to its description ({base_url, port, ca_file, spki_sha256, password,
 *  users: {role: username}, server_log}) plus ca (the certificate's PEM) and stop(). The stack lives until stop() closes
 *  its stdin (or this process dies: the pipe closes and the harness's watchdog cleans up). */
export async function startStack() {
  const child = spawn('/usr/bin/python3', [path.join(here, 'stack.py')], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, REGISTRY_SOURCE_DIR: sourceDir, PYTHONDONTWRITEBYTECODE: '1' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => {
    stderr += d;
    if (process.env.CONSOLE_VERBOSE) process.stderr.write(d);
  });
  const lines = readline.createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([l]) => l),
    once(child, 'exit').then(([code]) => { throw new Error(`stack.py exited (${code}) before it was up:\n${stderr}`); }),
  ]);
  lines.close();
  const info = JSON.parse(first);
  info.ca = fs.readFileSync(info.ca_file, 'utf8');
  info.stderr = () => stderr;
  // The stack kills a browser it was told about when it stops, even if this process dies without closing it.
  info.watchBrowser = (pid, profile) => { child.stdin.write(`browser ${pid} ${profile}\n`); };
  info.stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit');
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    const [code] = await exited;
    clearTimeout(timer);
    if (code !== 0) process.stderr.write(`stack.py exited with ${code}:\n${stderr}\n`);
    return code;
  };
  return info;
}

// -- the browser -----------------------------------------------------------------------------------------------------

const browserNames = new WeakMap();     // Browser -> 'chromium' | 'firefox'
const pageProblems = new WeakMap();     // Page -> [text of a console error, an uncaught exception, a failed request]

/** A fresh browser with a throw-away profile, trusting only the stack's certificate (Chromium: its SPKI hash;
 *  Firefox: acceptInsecureCerts, as geckodriver is not there to install a certificate). name: 'chromium' (default,
 *  or CONSOLE_BROWSER) or 'firefox'. close() also removes the profile. */
export async function launchBrowser(stack, name = process.env.CONSOLE_BROWSER || 'chromium') {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `registry-console-${name}-`));
  let browser;
  if (name === 'chromium') {
    browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
      headless: true,
      userDataDir: profile,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
             `--ignore-certificate-errors-spki-list=${stack.spki_sha256}`, '--lang=fa'],
      defaultViewport: { width: 1280, height: 900 },
    });
  } else if (name === 'firefox') {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: process.env.FIREFOX_BIN || '/usr/bin/firefox-esr',
      headless: true,
      userDataDir: profile,
      acceptInsecureCerts: true,
      extraPrefsFirefox: { 'intl.accept_languages': 'fa', 'network.http.http3.enable': false },
      defaultViewport: { width: 1280, height: 900 },
    });
  } else {
    throw new Error(`unknown browser ${name} (chromium or firefox)`);
  }
  browserNames.set(browser, name);
  stack.watchBrowser?.(browser.process().pid, profile);
  // puppeteer kills the browser when this process exits (an uncaught error, a signal); the profile goes too.
  const removeProfile = () => fs.rmSync(profile, { recursive: true, force: true });
  process.once('exit', removeProfile);
  const close = browser.close.bind(browser);
  browser.close = async () => {
    try { await close(); } finally { removeProfile(); process.off('exit', removeProfile); }
  };
  return browser;
}

/** A new page in a new (incognito-like) browser context, so no cookie of an earlier test leaks in. Console errors,
 *  uncaught exceptions, failed requests and 5xx answers are kept for problems(page). */
export async function newPage(browser) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const seen = [];
  pageProblems.set(page, seen);
  // A 4xx answer is part of a flow (401 before signing in, a 422 for a wrong field): the browser's own "Failed to
  // load resource" line for it is not a problem; a 5xx answer, a failed request or a script's error is.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) seen.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => seen.push(`exception: ${e.message}`));
  // Chromium reports a fetch answered 204 as net::ERR_ABORTED after its response (a known quirk): only a request
  // that got no answer at all failed.
  page.on('requestfailed', (r) => {
    if (!r.response()) seen.push(`request failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => { if (r.status() >= 500) seen.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`); });
  page.closeContext = () => context.close();
  return page;
}

/** What went wrong on the page so far (console errors, exceptions, failed requests), as text lines. */
export function problems(page) {
  return [...(pageProblems.get(page) || [])];
}

/** One stack and one browser for the tests of a file: call at the top level; the returned object gets stack and
 *  browser before the first test, and both are closed after the last. */
export function useConsole({ browser: name } = {}) {
  const ctx = {};
  before(async () => {
    ctx.stack = await startStack();
    ctx.browser = await launchBrowser(ctx.stack, name);
  }, { timeout: 180_000 });
  after(async () => {
    try { await ctx.browser?.close(); } finally { await ctx.stack?.stop(); }
  }, { timeout: 90_000 });
  return ctx;
}

// -- signing in ------------------------------------------------------------------------------------------------------

/** Signs user (a username) in as a person does: the sign-in page (opened unless the page already shows it), the
 *  username and password fields (found by their autocomplete tokens), the form's submit button; resolves once the
 *  URL has left /console/login. */
export async function signIn(page, stack, user, password = stack.password) {
  const now = new URL(page.url());
  if (now.origin !== new URL(stack.base_url).origin || !now.pathname.startsWith('/console/login'))
    await page.goto(`${stack.base_url}/console/login`, { waitUntil: 'load' });
  await fillSignInForm(page, user, password);
  await page.waitForFunction(() => !location.pathname.startsWith('/console/login'), { timeout: 30_000 });
}

/** Types into the sign-in form and submits it, without waiting for anything after. */
export async function fillSignInForm(page, user, password) {
  const username = await page.waitForSelector('input[autocomplete="username"]', { visible: true });
  await username.click({ count: 3 });
  await username.type(user);
  const secret = await page.$('input[autocomplete="current-password"]');
  assert.ok(secret, 'the sign-in form has no field with autocomplete="current-password"');
  await secret.click({ count: 3 });
  await secret.type(password);
  const submit = await page.$('form button[type="submit"], form button:not([type]), form input[type="submit"]');
  assert.ok(submit, 'the sign-in form has no submit button');
  await submit.click();
}

/** The value of the session cookie the browser holds for the stack ('' when there is none). */
export async function sessionCookie(page) {
  const cookies = await page.browserContext().cookies();
  return cookies.find((c) => c.name === '__Host-registry_session')?.value || '';
}

// -- screenshots and accessibility -----------------------------------------------------------------------------------

/** Saves a PNG of the whole page as <CONSOLE_SCREENSHOT_DIR>/<file>.<browser>-<name>.png (file: the test file's name
 *  without .test.mjs); returns its path. A page taller
 *  than the window is shot in a window made as tall as the page (puppeteer's fullPage clips from the left edge, which
 *  in Chromium misses the right-to-left page's right side). */
export async function shot(page, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  if (!shotsCleared) {
    for (const f of fs.readdirSync(screenshotDir))
      if (f.startsWith(`${shotPrefix}.`) && f.endsWith('.png')) fs.rmSync(path.join(screenshotDir, f), { force: true });
    shotsCleared = true;
  }
  const who = browserNames.get(page.browser()) || 'browser';
  const file = path.join(screenshotDir, `${shotPrefix}.${who}-${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.png`);
  const viewport = page.viewport();
  const height = await page.evaluate(() => Math.ceil(document.documentElement.scrollHeight));
  if (!viewport || height <= viewport.height) {
    await page.screenshot({ path: file });
    return file;
  }
  await page.setViewport({ ...viewport, height: Math.min(height, 16_000) });
  try {
    await page.screenshot({ path: file });
  } finally {
    await page.setViewport(viewport);
  }
  return file;
}

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core on the page as it is now and fails (assert) on any violation of impact serious or critical, listing
 *  each rule with its help text and the elements it found. Resolves to all violations (minor ones included). axe is
 *  evaluated as source text through the browser's protocol, so the console's Content-Security-Policy stays as is. */
export async function axeCheck(page, label = page.url()) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(' ')} ${n.html.slice(0, 160)}: ${(n.failureSummary || '')
        .split('\n').slice(1).map((l) => l.trim()).join('; ')}`),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.equal(bad.length, 0, `axe-core finds serious or critical violations on ${label}:\n` +
    bad.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 5).join('\n    ')}`).join('\n'));
  return violations;
}

// -- what a person sees ----------------------------------------------------------------------------------------------

/** The text a person sees in the first element matching selector (default: the main landmark), whitespace
 *  collapsed ('' when there is none). */
export async function visibleText(page, selector = 'main, [role="main"]') {
  const text = await page.evaluate((sel) => document.querySelector(sel)?.innerText ?? '', selector);
  return text.replace(/\s+/g, ' ').trim();
}

/** Waits until the text a person sees in selector (default: the whole page) contains text (a string or a RegExp);
 *  resolves to that text. */
export async function waitForText(page, text, { selector = 'body', timeout = 30_000 } = {}) {
  const isRe = text instanceof RegExp;
  try {
    await page.waitForFunction((sel, src, flags, re) => {
      const t = (document.querySelector(sel)?.innerText ?? '').replace(/\s+/g, ' ');
      return re ? new RegExp(src, flags).test(t) : t.includes(src);
    }, { timeout }, selector, isRe ? text.source : text, isRe ? text.flags : '', isRe);
  } catch (e) {
    const seen = await visibleText(page, selector).catch(() => '(page gone)');
    throw new Error(`${text} did not appear in ${selector} within ${timeout} ms; it shows: ${seen.slice(0, 800)}`,
                    { cause: e });
  }
  return visibleText(page, selector);
}

/** Polls fn (sync or async) until it gives a truthy value and resolves to that value; rejects after timeout ms,
 *  naming what was awaited and the last value seen. For what the page shows after an answer, or what Node hears from
 *  the page (problems()), where no single event says "now". */
export async function until(fn, what, { timeout = 15_000, every = 50 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() >= end) throw new Error(`${what}: not within ${timeout} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** The element a person (or a screen reader) knows by its role and accessible name, e.g. byRole(page, 'button',
 *  'خروج'); waits for it to appear. */
export async function byRole(page, role, name, { timeout = 30_000 } = {}) {
  const q = (s) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return page.waitForSelector(`::-p-aria([name="${q(name)}"][role="${q(role)}"])`, { timeout });
}

/** The cells of a table as a person reads them: rows (header row first) of cell texts. selector: the table (default
 *  the first table in the main landmark). */
export async function tableTexts(page, selector = 'main table, [role="main"] table') {
  return page.evaluate((sel) => {
    const table = document.querySelector(sel);
    if (!table) return null;
    return [...table.querySelectorAll('tr')].map((tr) => [...tr.querySelectorAll('th, td')]
      .map((c) => c.innerText.replace(/\s+/g, ' ').trim()));
  }, selector);
}

/** Text with Persian and Arabic-Indic digits as ASCII digits, and the Persian/Arabic thousands separators and
 *  decimal sign as ',' and '.': lets a test compare "۱۲٬۳۴۵" on screen with 12345 from the API. */
export function latinDigits(text) {
  return text.replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06F0))
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/\u066C/g, ',').replace(/\u066B/g, '.');
}

/** The numbers written in a text (any digits; thousands separators dropped), in order. */
export function numbersIn(text) {
  return (latinDigits(text).match(/\d[\d,]*/g) || []).map((n) => Number(n.replace(/,/g, '')));
}

// -- the API, from Node ----------------------------------------------------------------------------------------------

/** One HTTPS request to the stack from Node (trusting only its certificate). opts: method, token (bearer), cookie
 *  (the session cookie's value), body (sent as JSON), headers. Resolves to {status, headers, text, json()}. */
export function api(stack, pathname, { method = 'GET', token, cookie, body, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (cookie) h.Cookie = `__Host-registry_session=${cookie}`;
  let payload;
  if (body !== undefined) {
    payload = Buffer.from(JSON.stringify(body));
    h['Content-Type'] = 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', servername: 'localhost', port: stack.port, path: pathname, method,
                                headers: h, ca: stack.ca, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${pathname}: no answer within 30 s`)));
    req.end(payload);
  });
}

/** Signs user in through the API (bearer token); resolves to the token. */
export async function apiToken(stack, user, password = stack.password) {
  const r = await api(stack, '/api/v1/auth/login', { method: 'POST', body: { username: user, password } });
  assert.equal(r.status, 200, `API sign-in of ${user}: ${r.status} ${r.text}`);
  return r.json().token;
}
