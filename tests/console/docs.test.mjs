// The API reference at /api/v1/docs (web/src/docs/): public, served with the console's Content-Security-Policy,
// it shows every operation of /api/v1/openapi.json with what the description says of it, filters by a search,
// opens at a deep link (#getClient), works by keyboard, passes axe-core with no violation at all, and is never
// loaded by the console itself (the console's first-load budget is not its business).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, axeCheck, launchBrowser, newPage, problems, shot, signIn, until, useConsole, waitForText,
} from './lib.mjs';

const ctx = useConsole();
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

async function description() {
  const r = await api(ctx.stack, '/api/v1/openapi.json');
  assert.equal(r.status, 200);
  const doc = r.json();
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const m of METHODS)
      if (item[m]) ops.push({ method: m.toUpperCase(), path, op: item[m], id: item[m].operationId });
  return { doc, ops };
}

// a local reference of the description ('#/components/parameters/IfMatch'), as the page resolves it
function resolve(doc, ref) {
  return ref.slice(2).split('/').reduce((at, k) => at?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

async function openDocs(page, hash = '') {
  const res = await page.goto(`${ctx.stack.base_url}/api/v1/docs${hash}`, { waitUntil: 'load' });
  await page.waitForSelector('#docs-main nav, #docs-main section, nav.side', { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('app')?.getAttribute('aria-busy') === 'false');
  return res;
}

// The operations a person sees (not hidden by the search): their section ids, in page order.
const visibleOps = (page) => page.$$eval('section.op', (all) => all.filter((s) => s.offsetParent !== null).map((s) => s.id));

test('the page is public, a page (text/html, HEAD too), under the console\'s Content-Security-Policy, not cached',
     { timeout: 60_000 }, async () => {
  const r = await api(ctx.stack, '/api/v1/docs', { headers: { Accept: 'text/html' } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers['content-type'], /^text\/html; charset=utf-8$/);
  assert.equal(r.headers['cache-control'], 'no-store');
  const csp = r.headers['content-security-policy'] || '';
  assert.match(csp, /script-src 'self'/, csp);
  assert.match(csp, /frame-ancestors 'none'/, csp);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, csp);
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.doesNotMatch(r.text, /<script(?![^>]*\bsrc=)[^>]*>|<style|\bstyle=/, 'no inline script or style');
  const scripts = [...r.text.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(scripts.length && scripts.every((s) => s.startsWith('/console/assets/docs-')), scripts.join(' '));
  const head = await api(ctx.stack, '/api/v1/docs', { method: 'HEAD', headers: { Accept: 'text/html' } });
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  assert.match(head.headers['content-type'], /^text\/html/);
  // the description describes this route as a public page
  const { doc } = await description();
  const get = doc.paths['/api/v1/docs'].get;
  assert.equal(get.operationId, 'getApiDocs');
  assert.deepEqual(get.security, []);
  assert.ok(get.responses['200'].content['text/html'], JSON.stringify(get.responses['200']));
});

test('every operation of the description has its section: method, path, summary, parameters, body, responses, '
     + 'security; every schema has its fields', { timeout: 300_000 }, async () => {   // axe over ~16,000 elements
  const { doc, ops } = await description();
  const page = await newPage(ctx.browser);
  try {
    const res = await openDocs(page);
    assert.match(res.headers()['content-security-policy'] || '', /script-src 'self'/);
    assert.deepEqual(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir]),
      ['en', 'ltr']);
    const seen = await page.$$eval('section.op', (all) => Object.fromEntries(all.map((s) => [s.id, s.innerText])));
    assert.equal(ops.length, Object.keys(seen).length, 'one section per operation');
    for (const { method, path, op, id } of ops) {
      const text = seen[id];
      assert.ok(text, `no section for ${id}`);
      const where = `${method} ${path} (${id})`;
      assert.ok(text.includes(method) && text.includes(path), `${where}: method and path`);
      assert.ok(text.includes(op.summary), `${where}: summary`);
      assert.ok(text.includes(`operationId: ${id}`), `${where}: operationId`);
      for (const raw of op.parameters || []) {
        const p = raw.$ref ? resolve(doc, raw.$ref) : raw;
        assert.ok(p && text.includes(p.name), `${where}: parameter ${p?.name ?? raw.$ref}`);
      }
      for (const status of Object.keys(op.responses)) assert.ok(text.includes(status), `${where}: status ${status}`);
      if (op.requestBody) assert.match(text, /Request body \((required|optional)\)/, `${where}: request body`);
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      assert.ok(text.includes(isPublic ? 'Public: no token needed' : 'Needs a bearer token'), `${where}: security`);
    }
    // a request body's fields are listed with the description's words (createClient's national_id, say)
    const createClient = seen.createClient;
    assert.match(createClient, /national_id\s+string[^\n]*\srequired/);
    // the schemas: each has its section and its fields; Persian labels are marked Persian
    const schemas = doc.components.schemas;
    const shown = await page.$$eval('section.schema', (all) => Object.fromEntries(all.map((s) => [s.id, s.innerText])));
    for (const [name, s] of Object.entries(schemas)) {
      assert.ok(shown[`schema-${name}`], `no section for schema ${name}`);
      for (const field of Object.keys(s.properties || {}))
        assert.ok(shown[`schema-${name}`].includes(field), `schema ${name}: field ${field}`);
    }
    const labelled = Object.entries(schemas.Client.properties).find(([, p]) => p['x-label-fa']);
    assert.ok(labelled, 'the Client schema has fields with Persian labels (x-label-fa)');
    const [field, spec] = labelled;
    const label = await page.$eval(`[id="schema-Client"]`, (s, want) =>
      [...s.querySelectorAll('[lang="fa"]')].filter((e) => e.textContent === want).map((e) => e.dir), spec['x-label-fa']);
    assert.deepEqual(label, ['rtl'], `Client.${field}'s Persian label, marked lang=fa dir=rtl`);
    // a type that names a component links to its section
    await page.click('[id="getClient"] a[href="#schema-Client"]');
    await until(() => page.evaluate(() => location.hash === '#schema-Client'), 'the link to the Client schema');
    await shot(page, 'reference');
    const all = await axeCheck(page, 'the API reference');
    assert.deepEqual(all.map((v) => `${v.id} (${v.impact}): ${v.nodes[0]}`), [], 'axe-core: no violation at all');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('the search filters the operations, says how many match, and clearing it shows them all', { timeout: 90_000 },
     async () => {
  const { ops } = await description();
  const page = await newPage(ctx.browser);
  try {
    await openDocs(page);
    assert.equal((await visibleOps(page)).length, ops.length);
    await page.click('#docs-search');       // a person finds it by its label
    assert.equal(await page.evaluate(() => document.activeElement.labels?.[0]?.textContent), 'Search operations');
    await page.keyboard.type('transfer');
    const want = ops.filter((o) => [o.id, o.path, o.op.summary, o.op.description || ''].join(' ').toLowerCase()
      .includes('transfer')).map((o) => o.id);
    assert.ok(want.length > 0 && want.length < ops.length, `"transfer" should pick some: ${want}`);
    await until(async () => (await visibleOps(page)).length === want.length, 'the filtered list');
    assert.deepEqual((await visibleOps(page)).sort(), [...want].sort());
    await waitForText(page, `${want.length} of ${ops.length} operations match`, { selector: '[role="status"]' });
    // the navigation follows: only the matching operations are links a person can reach
    const navLinks = await page.$$eval('nav.side ul ul a', (as) => as.filter((a) => a.offsetParent !== null)
      .map((a) => a.getAttribute('href').slice(1)));
    assert.deepEqual(navLinks.sort(), [...want].sort());
    await shot(page, 'search');
    await page.keyboard.type(' zzzz-nothing');
    await until(async () => (await visibleOps(page)).length === 0, 'nothing left');
    await waitForText(page, `0 of ${ops.length} operations match`, { selector: '[role="status"]' });
    await page.$eval('#docs-search', (i) => { i.select(); });
    await page.keyboard.press('Backspace');
    await until(async () => (await visibleOps(page)).length === ops.length, 'all back');
    await waitForText(page, `${ops.length} operations`, { selector: '[role="status"]' });
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('a deep link opens the page at its operation, focused; a link to an operation the search hides clears it',
     { timeout: 90_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    await openDocs(page, '#getClient');
    const at = await until(() => page.evaluate(() => {
      const s = document.getElementById('getClient');
      const top = s.getBoundingClientRect().top;
      return scrollY > 0 && Math.abs(top) < 40 ? { top, scrollY, focused: document.activeElement.closest('section')?.id } : null;
    }), 'the page scrolled to #getClient');
    assert.equal(at.focused, 'getClient', 'the focus is in the operation the link names');
    await waitForText(page, 'GET /api/v1/clients/{id}', { selector: '[id="getClient"] h3' });
    // the same for a schema
    await page.evaluate(() => { location.hash = '#schema-Client'; });
    await until(() => page.evaluate(() => Math.abs(document.getElementById('schema-Client').getBoundingClientRect().top) < 40),
      'the page scrolled to #schema-Client');
    // filter to something else, then follow a link to getClient: the search gives way
    await page.click('#docs-search');
    await page.keyboard.type('login');
    await until(async () => !(await visibleOps(page)).includes('getClient'), 'getClient filtered out');
    await page.evaluate(() => { location.hash = '#getClient'; });
    await until(async () => (await visibleOps(page)).includes('getClient'), 'getClient shown again');
    assert.equal(await page.$eval('#docs-search', (i) => i.value), '');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('by keyboard: the skip link, the search, then an operation\'s link that moves the focus there',
     { timeout: 90_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    await openDocs(page);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the operations');
    await page.keyboard.press('Enter');
    await until(() => page.evaluate(() => document.activeElement.id === 'docs-main'), 'the skip link moves the focus');
    // from the search box, Tab walks the navigation; filter first so the link we want is the first
    await page.focus('#docs-search');
    await page.keyboard.type('transferClient');
    await until(async () => (await visibleOps(page)).length === 1, 'one operation left');
    let reached = null;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => (document.activeElement.getAttribute('href') === '#transferClient' ? 'yes' : null));
    }
    assert.equal(reached, 'yes', 'Tab from the search reaches the link to transferClient');
    await page.keyboard.press('Enter');
    await until(() => page.evaluate(() => document.activeElement.closest('section')?.id === 'transferClient'),
      'Enter on the link moves the focus to the operation');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('the console links to the reference and never loads its files', { timeout: 120_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    const requested = [];
    page.on('request', (r) => requested.push(new URL(r.url()).pathname));
    await signIn(page, ctx.stack, ctx.stack.users.national_admin);
    const link = await page.waitForSelector('nav a[href="/api/v1/docs"]', { visible: true });
    assert.equal(await link.evaluate((a) => a.textContent), 'راهنمای API (انگلیسی)');
    assert.ok(requested.some((p) => p.startsWith('/console/assets/main-')), requested.join(' '));
    assert.deepEqual(requested.filter((p) => p.includes('/docs')), [], 'the console loaded a file of the reference');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), link.click()]);
    assert.equal(new URL(page.url()).pathname, '/api/v1/docs');
    await page.waitForFunction(() => document.getElementById('app')?.getAttribute('aria-busy') === 'false');
    assert.ok(await page.$('section.op'), 'the reference shows its operations');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('Firefox ESR: the same page, deep link and search, with no violation and no error', { timeout: 240_000 },
     async () => {
  const { ops } = await description();
  const firefox = await launchBrowser(ctx.stack, 'firefox');
  try {
    const page = await newPage(firefox);
    await openDocs(page, '#getClient');
    assert.equal((await visibleOps(page)).length, ops.length);
    await until(() => page.evaluate(() => scrollY > 0 &&
      Math.abs(document.getElementById('getClient').getBoundingClientRect().top) < 40), 'at #getClient');
    await page.click('#docs-search');
    await page.keyboard.type('transfer');
    await until(async () => (await visibleOps(page)).length > 0 && (await visibleOps(page)).length < ops.length,
      'the search filters');
    const all = await axeCheck(page, 'the API reference (Firefox)');
    assert.deepEqual(all.map((v) => `${v.id} (${v.impact})`), []);
    assert.deepEqual(problems(page), []);
  } finally {
    await firefox.close();
  }
});
