// The dashboard and the summary report, as a person reads them: the figures on the screen (Persian digits read
// back) equal the API's, a province's row leads to its counties and a county's row to its own figures, the year is
// kept in a pasted link, and a province's admin sees only their province.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, apiToken, axeCheck, byRole, latinDigits, newPage, problems, shot, signIn, useConsole, waitForText }
  from './lib.mjs';
import { fiscalYearOf } from '../../web/src/jalali.js';

// What the console says (web/src/screens/dashboard.js, web/src/i18n.js).
const TEXT = {
  byProvince: (y) => `خلاصهٔ استان‌ها در سال مالی ${fa(y)}`,
  byCounty: (name, y) => `خلاصهٔ شهرستان‌های استان ${name} در سال مالی ${fa(y)}`,
  countyFigures: (name, y) => `آمار شهرستان ${name} در سال مالی ${fa(y)}`,
  total: 'جمع کل',
  disability: 'مددجویان فعال به تفکیک نوع معلولیت',
  centers: 'مراکز به تفکیک نوع',
  notFound: 'پیدا نشد، یا در حوزهٔ دسترسی شما نیست.',
};
const FIGURES = ['centers', 'staff', 'clients', 'allocations_rials', 'donations_rials'];

const ctx = useConsole();
const year = fiscalYearOf();

function fa(n) {
  return String(n).replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);
}

// A number as the screen shows it, read back: '۱۲٬۳۴۵' -> '12345'
const plain = (cell) => latinDigits(cell).replace(/,/g, '');

async function apiGet(token, path) {
  const r = await api(ctx.stack, path, { token });
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text}`);
  return r.json();
}

// The cells of the table in main whose caption is caption, rows of texts (header first), once it is drawn (the
// headings above a table are drawn before its data: the caption comes with the data).
async function tableByCaption(page, caption) {
  await page.waitForFunction((cap) => [...document.querySelectorAll('main table caption')]
    .some((c) => c.innerText.trim() === cap), { timeout: 30_000 }, caption);
  return readTable(page, caption);
}

// The same, right now; null when there is none.
async function readTable(page, caption) {
  return page.evaluate((cap) => {
    const table = [...document.querySelectorAll('main table')]
      .find((t) => (t.querySelector('caption')?.innerText || '').trim() === cap);
    if (!table) return null;
    return [...table.querySelectorAll('tr')].map((tr) => [...tr.querySelectorAll('th, td')]
      .map((c) => c.innerText.replace(/\s+/g, ' ').trim()));
  }, caption);
}

// The summary rows as the screen should show them: the place's Persian name, then each figure; and the totals row.
function expectedRows(items, nameOf) {
  const rows = items.map((x) => [nameOf(x), ...FIGURES.map((k) => String(x[k]))]);
  const total = [TEXT.total, ...FIGURES.map((k) => String(items.reduce((s, x) => s + Number(x[k]), 0)))];
  return { rows, total };
}

function screenRows(cells) {
  const body = cells.slice(1, -1).map(([name, ...figs]) => [name, ...figs.map(plain)]);
  const [tname, ...tfigs] = cells[cells.length - 1];
  return { rows: body, total: [tname, ...tfigs.map(plain)] };
}

async function names(path) {
  const got = await apiGet(null, path + (path.includes('?') ? '&' : '?') + 'limit=500');
  return new Map(got.items.map((x) => [String(x.code ?? x.id), x.name_fa]));
}

test('demo.national: the dashboard shows the API\'s summary per province, then a province\'s counties, then a county',
     { timeout: 180_000 }, async () => {
  const token = await apiToken(ctx.stack, 'demo.national');
  const provinceNames = await names('/api/v1/provinces');
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(`${ctx.stack.base_url}/console/`, { waitUntil: 'load' });

    // the nation: every province's row and the totals, as the API gives them for this fiscal year
    const nation = (await apiGet(token, `/api/v1/reports/summary?fiscal_year=${year}`)).items;
    assert.equal(nation.length, 31);
    const want = expectedRows(nation, (x) => provinceNames.get(x.province));
    const seen = screenRows(await tableByCaption(page, TEXT.byProvince(year)));
    assert.deepEqual(seen.rows, want.rows);
    assert.deepEqual(seen.total, want.total);
    // the demo data is there: money of this year in Tehran
    const tehran = nation.find((x) => x.province === 'IR-23');
    assert.ok(tehran.allocations_rials > 0 && tehran.donations_rials > 0 && tehran.clients > 0, JSON.stringify(tehran));

    // clients by disability type: the API's figures, row by row
    const dis = (await apiGet(token, '/api/v1/reports/clients-by-disability')).items;
    const disRows = (await tableByCaption(page, TEXT.disability)).slice(1);
    assert.deepEqual(disRows.map((r) => [plain(r[1]), plain(r[2])]), dis.map((x) => [String(x.clients), String(x.over_60)]));
    // centers by type with licenses expired and expiring: the API's figures (the demo has some expiring, so the
    // column is not all zeros)
    const types = (await apiGet(token, '/api/v1/reports/centers-by-type')).items;
    const typeRows = (await tableByCaption(page, TEXT.centers)).slice(1);
    assert.deepEqual(typeRows.map((r) => [plain(r[1]), plain(r[2]), plain(r[3]), plain(r[5]), plain(r[6])]),
                     types.map((x) => [String(x.centers), String(x.capacity), String(x.clients),
                                       String(x.licenses_expired), String(x.licenses_expiring)]));
    assert.ok(types.some((x) => x.licenses_expiring > 0), JSON.stringify(types));
    await shot(page, 'dashboard');
    await axeCheck(page, 'the dashboard');

    // one level down: Tehran's counties
    await (await byRole(page, 'link', provinceNames.get('IR-23'))).click();
    await tableByCaption(page, TEXT.byCounty(provinceNames.get('IR-23'), year));
    assert.equal(new URL(page.url()).pathname, '/console/reports/summary');
    assert.deepEqual(Object.fromEntries(new URL(page.url()).searchParams),
                     { fiscal_year: String(year), province: 'IR-23' });
    const countyNames = await names('/api/v1/counties?province=IR-23');
    const perCounty = (await apiGet(token, `/api/v1/reports/summary?fiscal_year=${year}&province=IR-23`)).items;
    const wantC = expectedRows(perCounty, (x) => countyNames.get(String(x.county_id)));
    const seenC = screenRows(await tableByCaption(page, TEXT.byCounty(provinceNames.get('IR-23'), year)));
    assert.deepEqual(seenC.rows, wantC.rows);
    assert.deepEqual(seenC.total, wantC.total);
    assert.ok(seenC.rows.length > 1);
    await tableByCaption(page, TEXT.centers);
    await shot(page, 'summary-province');
    await axeCheck(page, 'the summary of a province');

    // and a county: its own figures
    const busiest = perCounty.reduce((a, b) => (b.clients > a.clients ? b : a));
    const countyName = countyNames.get(String(busiest.county_id));
    const link = await page.evaluateHandle((name) => [...document.querySelectorAll('main table a')]
      .find((a) => a.innerText.trim() === name), countyName);
    await link.asElement().click();
    await waitForText(page, TEXT.countyFigures(countyName, year), { selector: 'main' });
    const figures = await page.evaluate(() => [...document.querySelectorAll('main dl dd')].map((d) => d.innerText));
    assert.deepEqual(figures.map(plain), FIGURES.map((k) => String(busiest[k])));
    await shot(page, 'summary-county');
    await axeCheck(page, 'the summary of a county');
    assert.deepEqual(problems(page).filter((p) => !p.includes('/auth/me')), []);
  } finally {
    await page.closeContext();
  }
});

test('a pasted link keeps its fiscal year: /console/reports/summary?fiscal_year=1403', { timeout: 120_000 },
     async () => {
  const token = await apiToken(ctx.stack, 'demo.viewer');
  const provinceNames = await names('/api/v1/provinces');
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.viewer');
    await page.goto(`${ctx.stack.base_url}/console/reports/summary?fiscal_year=1403`, { waitUntil: 'load' });
    await tableByCaption(page, TEXT.byProvince(1403));
    const chosen = await page.evaluate(() => document.querySelector('main select').value);
    assert.equal(chosen, '1403');
    const items = (await apiGet(token, '/api/v1/reports/summary?fiscal_year=1403')).items;
    const want = expectedRows(items, (x) => provinceNames.get(x.province));
    const seen = screenRows(await tableByCaption(page, TEXT.byProvince(1403)));
    assert.deepEqual(seen.rows, want.rows);
    assert.deepEqual(seen.total, want.total);
    // choosing this year on the screen puts it in the address
    await page.select('main select', String(year));
    // the new year's table, with the new year's figures (never 1403's under the new caption)
    const now = (await apiGet(token, `/api/v1/reports/summary?fiscal_year=${year}`)).items;
    const seenNow = screenRows(await tableByCaption(page, TEXT.byProvince(year)));
    assert.deepEqual(seenNow.rows, expectedRows(now, (x) => provinceNames.get(x.province)).rows);
    assert.equal(new URL(page.url()).searchParams.get('fiscal_year'), String(year));
  } finally {
    await page.closeContext();
  }
});

test('demo.tehran (a province\'s admin) sees only Tehran, and another province\'s link is refused',
     { timeout: 120_000 }, async () => {
  const token = await apiToken(ctx.stack, 'demo.tehran');
  const provinceNames = await names('/api/v1/provinces');
  const countyNames = await names('/api/v1/counties?province=IR-23');
  const tehran = provinceNames.get('IR-23');
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.tehran');
    await page.goto(`${ctx.stack.base_url}/console/`, { waitUntil: 'load' });
    const perCounty = (await apiGet(token, `/api/v1/reports/summary?fiscal_year=${year}&province=IR-23`)).items;
    const want = expectedRows(perCounty, (x) => countyNames.get(String(x.county_id)));
    const seen = screenRows(await tableByCaption(page, TEXT.byCounty(tehran, year)));
    assert.deepEqual(seen.rows, want.rows);
    assert.deepEqual(seen.total, want.total);
    // nothing of another province: no table of provinces, no other province's name as a row
    assert.equal(await readTable(page, TEXT.byProvince(year)), null);
    for (const [code, name] of provinceNames)
      if (code !== 'IR-23') assert.ok(!seen.rows.some((r) => r[0] === name), `${name} shows to demo.tehran`);
    await tableByCaption(page, TEXT.centers);
    await shot(page, 'dashboard-province-admin');
    await axeCheck(page, 'the dashboard of a province\'s admin');

    await page.goto(`${ctx.stack.base_url}/console/reports/summary?fiscal_year=${year}&province=IR-07`,
                    { waitUntil: 'load' });
    await waitForText(page, TEXT.notFound, { selector: 'main' });
    assert.equal(await readTable(page, TEXT.byCounty(provinceNames.get('IR-07'), year)), null);
    await shot(page, 'summary-other-province-refused');
    await axeCheck(page, 'another province refused');
  } finally {
    await page.closeContext();
  }
});

test('demo.county (a county\'s officer) sees its county\'s figures, and the breakdowns name the county',
     { timeout: 120_000 }, async () => {
  const token = await apiToken(ctx.stack, 'demo.county');
  const me = await apiGet(token, '/api/v1/auth/me');
  const countyName = (await names(`/api/v1/counties?province=${me.province}`)).get(String(me.county_id));
  assert.ok(countyName, JSON.stringify(me));
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.county');
    await page.goto(`${ctx.stack.base_url}/console/`, { waitUntil: 'load' });
    await waitForText(page, TEXT.countyFigures(countyName, year), { selector: 'main' });
    const row = (await apiGet(token, `/api/v1/reports/summary?fiscal_year=${year}`)).items
      .find((x) => String(x.county_id) === String(me.county_id));
    const figures = await page.evaluate(() => [...document.querySelectorAll('main dl dd')].map((d) => d.innerText));
    assert.deepEqual(figures.map(plain), FIGURES.map((k) => String(row[k])));
    // the breakdowns are the county's (the API scopes them to it), and their headings say so, not the province
    const dis = (await apiGet(token, '/api/v1/reports/clients-by-disability')).items;
    const disRows = (await tableByCaption(page, TEXT.disability)).slice(1);
    assert.deepEqual(disRows.map((r) => plain(r[1])), dis.map((x) => String(x.clients)));
    const headings = await page.evaluate(() => [...document.querySelectorAll('main h2')].map((h) => h.innerText.trim()));
    assert.ok(headings.includes(`${TEXT.disability} (شهرستان ${countyName})`), headings.join(' | '));
    assert.ok(headings.includes(`${TEXT.centers} (شهرستان ${countyName})`), headings.join(' | '));
    assert.ok(!headings.some((h) => h.includes('(استان')), headings.join(' | '));
    await shot(page, 'dashboard-county-officer');
    await axeCheck(page, 'the dashboard of a county\'s officer');
  } finally {
    await page.closeContext();
  }
});
