// The money screens, as a person reads them: allocations with what is left under the parent's ceiling, campaigns,
// and the overdue loan installments per province, county and loan, each equal to what the API answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, apiToken, axeCheck, byRole, latinDigits, newPage, shot, signIn, useConsole, waitForText } from './lib.mjs';
import { fiscalYearOf } from '../../web/src/jalali.js';
import { installmentStates, localToday } from '../../web/src/installments.js';

// What the console says (web/src/screens/money.js).
const TEXT = {
  county: 'تخصیص به شهرستان‌ها', center: 'تخصیص به مراکز',
  caption: (level, y) => `${level} — سال مالی ${fa(y)}`,
  campaigns: 'کمپین‌ها', national: 'سراسری',
  overdueTab: 'اقساط معوق وام‌ها',
  byProvince: 'اقساط معوق امروز به تفکیک استان',
  byCounty: (name) => `اقساط معوق امروز در شهرستان‌های استان ${name}`,
  installments: (name) => `اقساط معوق شهرستان ${name}`,
  loan: (id) => `وام شمارهٔ ${fa(id)}`, schedule: 'جدول اقساط', overdue: 'معوق',
  notFound: 'پیدا نشد، یا در حوزهٔ دسترسی شما نیست.',
  centerScope: 'ارقام این صفحه به مرکز شما محدود است',
};

const ctx = useConsole();
const year = fiscalYearOf();

function fa(n) {
  return String(n).replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);
}
const plain = (cell) => latinDigits(cell).replace(/,/g, '');
const orNone = (v) => (v === null || v === undefined ? '—' : String(v));
const jalali = (iso) => iso.replace(/-/g, '/');

async function apiGet(token, path) {
  const r = await api(ctx.stack, path, { token });
  assert.equal(r.status, 200, `GET ${path}: ${r.status} ${r.text}`);
  return r.json();
}

async function tableByCaption(page, caption) {
  await page.waitForFunction((cap) => [...document.querySelectorAll('main table caption')]
    .some((c) => c.innerText.trim() === cap), { timeout: 30_000 }, caption);
  return page.evaluate((cap) => {
    const table = [...document.querySelectorAll('main table')]
      .find((t) => (t.querySelector('caption')?.innerText || '').trim() === cap);
    return [...table.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('th, td')]
      .map((c) => c.innerText.replace(/\s+/g, ' ').trim()));
  }, caption);
}

async function names(path) {
  const got = await apiGet(null, path + (path.includes('?') ? '&' : '?') + 'limit=500');
  return new Map(got.items.map((x) => [String(x.code ?? x.id), x.name_fa]));
}

let provinceName;      // code -> Persian name, read from the API by the first test that needs it
const loadProvinces = async () => { provinceName = provinceName || await names('/api/v1/provinces'); };

// Waits for the link (the screen renders after its API calls answer; a loaded machine is slow) and follows it.
async function clickLink(page, text) {
  const link = await page.waitForFunction((t) => [...document.querySelectorAll('main a')]
    .find((a) => a.innerText.trim() === t), { timeout: 30_000 }, text).catch(() => null);
  assert.ok(link && link.asElement(), `no link ${text}`);
  await link.asElement().click();
}

test('demo.national: allocations per level with what is left under the parent\'s ceiling, and the campaigns',
     { timeout: 180_000 }, async () => {
  const token = await apiToken(ctx.stack, 'demo.national');
  await loadProvinces();
  const programs = await apiGet(token, '/api/v1/programs?limit=500');
  const programName = new Map(programs.items.map((p) => [p.code, p.name_fa]));
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(`${ctx.stack.base_url}/console/money`, { waitUntil: 'load' });
    const all = (await apiGet(token, `/api/v1/allocations?fiscal_year=${year}&limit=500`)).items;

    // counties: amount, the province's ceiling, what the counties hold under it, what is left, what was passed on
    const countyNames = new Map();
    for (const p of new Set(all.filter((a) => a.level === 'county').map((a) => a.province)))
      for (const [id, n] of await names(`/api/v1/counties?province=${p}`)) countyNames.set(id, n);
    const counties = all.filter((a) => a.level === 'county');
    assert.ok(counties.length >= 3 && counties.some((a) => a.remaining_under_parent_rials > 0), 'the demo allocations');
    const seen = await tableByCaption(page, TEXT.caption(TEXT.county, year));
    assert.deepEqual(seen.map((r) => [r[0], r[1], ...r.slice(2).map(plain)]), counties.map((a) => [
      `شهرستان ${countyNames.get(String(a.county_id))}`, programName.get(a.program), String(a.amount_rials),
      orNone(a.parent_rials), orNone(a.siblings_rials), orNone(a.remaining_under_parent_rials),
      orNone(a.allocated_below_rials), orNone(a.unallocated_rials)]));
    // centers: left under their county's ceiling
    const centers = all.filter((a) => a.level === 'center');
    const seenC = await tableByCaption(page, TEXT.caption(TEXT.center, year));
    assert.deepEqual(seenC.map((r) => [r[0], ...r.slice(2).map(plain)]), centers.map((a) => [a.center_name,
      String(a.amount_rials), orNone(a.parent_rials), orNone(a.siblings_rials), orNone(a.remaining_under_parent_rials)]));
    await shot(page, 'money-allocations');
    await axeCheck(page, 'allocations');

    // campaigns with what they raised
    await clickLink(page, 'کمک‌ها و کمپین‌ها');
    const camps = (await apiGet(token, '/api/v1/campaigns?limit=500')).items;
    const seenK = await tableByCaption(page, TEXT.campaigns);
    assert.deepEqual(seenK.map((r) => [r[0], r[1], plain(r[3]), plain(r[4]), plain(r[5])]), camps.map((c) => [
      c.name, c.province ? provinceName.get(c.province) : TEXT.national, String(c.goal_rials), String(c.donations_rials),
      String(c.donations_count)]));
    assert.equal(new URL(page.url()).searchParams.get('section'), 'donations');
    await shot(page, 'money-donations');
    await axeCheck(page, 'donations and campaigns');
  } finally {
    await page.closeContext();
  }
});


test('demo.national: overdue installments per province, a province\'s counties, a county\'s installments, a loan',
     { timeout: 180_000 }, async () => {
  const token = await apiToken(ctx.stack, 'demo.national');
  await loadProvinces();
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(`${ctx.stack.base_url}/console/money?fiscal_year=${year}`, { waitUntil: 'load' });
    await clickLink(page, TEXT.overdueTab);
    const nation = (await apiGet(token, '/api/v1/reports/overdue-loans')).items;
    assert.ok(nation.length >= 3, 'the demo data has overdue installments in several provinces');
    const row = (name, x) => [name, String(x.loans), String(x.installments), String(x.unpaid_rials),
      jalali(x.oldest_due_on_jalali)];
    const seen = await tableByCaption(page, TEXT.byProvince);
    assert.deepEqual(seen.map((r) => r.map(plain)), nation.map((x) => row(provinceName.get(x.province), x)));
    await shot(page, 'money-overdue');
    await axeCheck(page, 'overdue per province');

    const tehran = provinceName.get('IR-23');
    await clickLink(page, tehran);
    const countyNames = await names('/api/v1/counties?province=IR-23');
    const perCounty = (await apiGet(token, '/api/v1/reports/overdue-loans?province=IR-23')).items;
    const seenC = await tableByCaption(page, TEXT.byCounty(tehran));
    assert.deepEqual(seenC.map((r) => r.map(plain)),
                     perCounty.map((x) => row(countyNames.get(String(x.county_id)), x)));

    const county = perCounty[0];
    const countyName = countyNames.get(String(county.county_id));
    await clickLink(page, countyName);
    const list = (await apiGet(token, `/api/v1/loans/overdue?county_id=${county.county_id}&limit=50`)).items;
    const seenI = await tableByCaption(page, TEXT.installments(countyName));
    assert.deepEqual(seenI.map((r) => [r[0], ...r.slice(1).map(plain)]), list.map((x) => [TEXT.loan(x.loan_id),
      String(x.client_id), String(x.n), jalali(x.due_on_jalali), String(x.amount_rials), String(x.unpaid_rials)]));
    assert.equal(list.length, county.installments);
    await shot(page, 'money-overdue-county');
    await axeCheck(page, 'a county\'s overdue installments');

    // a loan: as many installments overdue on its page as the API lists
    const loanId = list[0].loan_id;
    await clickLink(page, TEXT.loan(loanId));
    await waitForText(page, TEXT.schedule, { selector: 'main' });
    assert.equal(new URL(page.url()).pathname, `/console/loans/${loanId}`);
    const schedule = await tableByCaption(page, TEXT.schedule);
    const loan = await apiGet(token, `/api/v1/loans/${loanId}`);
    assert.equal(schedule.length, loan.installments);
    assert.deepEqual(schedule.filter((r) => r[3] === TEXT.overdue).map((r) => Number(plain(r[0]))),
                     list.filter((x) => x.loan_id === loanId).map((x) => x.n));
    await shot(page, 'loan');
    await axeCheck(page, 'a loan');
  } finally {
    await page.closeContext();
  }
});

test('demo.fars sees only Fars in the overdue installments', { timeout: 120_000 }, async () => {
  const token = await apiToken(ctx.stack, 'demo.fars');
  await loadProvinces();
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.fars');
    await page.goto(`${ctx.stack.base_url}/console/money?section=overdue`, { waitUntil: 'load' });
    await byRole(page, 'link', TEXT.overdueTab);
    const fars = provinceName.get('IR-07');
    const perCounty = (await apiGet(token, '/api/v1/reports/overdue-loans?province=IR-07')).items;
    const countyNames = await names('/api/v1/counties?province=IR-07');
    const seen = await tableByCaption(page, TEXT.byCounty(fars));
    assert.deepEqual(seen.map((r) => r[0]), perCounty.map((x) => countyNames.get(String(x.county_id))));
    assert.ok(seen.length >= 1);
    await shot(page, 'money-overdue-province-officer');
    await axeCheck(page, 'overdue of a province\'s officer');
  } finally {
    await page.closeContext();
  }
});

test('installment states: repayments pay the schedule in order; overdue is before the local date', () => {
  const loan = { repaid_rials: 150, schedule: [
    { n: 1, due_on: '2025-01-10', amount_rials: 100 }, { n: 2, due_on: '2025-02-10', amount_rials: 100 },
    { n: 3, due_on: '2025-03-10', amount_rials: 100 }, { n: 4, due_on: '2025-04-10', amount_rials: 100 }] };
  assert.deepEqual(installmentStates(loan, '2025-02-10').map((s) => s.state), ['paid', 'partial', 'due', 'due']);
  assert.deepEqual(installmentStates(loan, '2025-03-11').map((s) => [s.state, s.covered]),
                   [['paid', 100], ['overdue', 50], ['overdue', 0], ['due', 0]]);
  // the local date, not the UTC one: 00:30 on 11 March in Tehran is still 10 March in UTC
  assert.equal(localToday(new Date(2025, 2, 11, 0, 30)), '2025-03-11');
});

test('a loan\'s address with anything but digits is "not found", and the console asks the API nothing for it',
     { timeout: 120_000 }, async () => {
  const page = await newPage(ctx.browser);
  const asked = [];
  page.on('request', (r) => { const u = new URL(r.url()); if (u.pathname.startsWith('/api/')) asked.push(u.pathname); });
  try {
    await signIn(page, ctx.stack, 'demo.national');
    for (const bad of ['..%2Fclients%2F1', '1%3Fx%3D2', '12abc', '%DB%B1%DB%B2']) {
      asked.length = 0;
      await page.goto(`${ctx.stack.base_url}/console/loans/${bad}`, { waitUntil: 'load' });
      await waitForText(page, TEXT.notFound, { selector: 'main' });
      // (the dashboard signIn() landed on may still be loading its reports: only a loan's or a client's read counts)
      assert.deepEqual(asked.filter((p) => /^\/api\/v1\/(loans|clients)/.test(p)), [], `${bad}: ${asked}`);
    }
  } finally {
    await page.closeContext();
  }
});

test('demo.ngo (an NGO\'s submitter) reads its own center\'s money, said to be its center\'s', { timeout: 120_000 },
     async () => {
  const token = await apiToken(ctx.stack, 'demo.ngo');
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.ngo');
    await page.goto(`${ctx.stack.base_url}/console/money?fiscal_year=${year}`, { waitUntil: 'load' });
    await waitForText(page, TEXT.centerScope, { selector: 'main' });
    const all = (await apiGet(token, `/api/v1/allocations?fiscal_year=${year}&limit=500`)).items;
    assert.ok(all.every((a) => a.level === 'center'), JSON.stringify(all));
    if (all.length) {
      const seen = await tableByCaption(page, TEXT.caption(TEXT.center, year));
      assert.deepEqual(seen.map((r) => [r[0], plain(r[2])]), all.map((a) => [a.center_name, String(a.amount_rials)]));
    } else {
      await waitForText(page, 'برای این سال چیزی ثبت نشده است.', { selector: 'main' });
    }
    await shot(page, 'money-ngo');
    await axeCheck(page, 'money of an NGO\'s submitter');
  } finally {
    await page.closeContext();
  }
});
