// The console's client screens, as a person uses them: a Persian search typed with Arabic letter forms, a filter
// kept in the address, a record opened by its pasted link and compared with the API's answer, an edit that meets
// someone else's change (both versions shown, nothing overwritten), a transfer, closing and reopening, the file's
// history for an admin, the new-client form with its field errors, a record of another province refused, and a name
// with <script> and a bidi control shown as text. Every screen is photographed and checked by axe-core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  api, apiToken, axeCheck, byRole, latinDigits, newPage, problems, shot, signIn, sourceDir, tableTexts, useConsole,
  visibleText, waitForText,
} from './lib.mjs';

// What the console says (web/src/screens/client_text.js, web/src/i18n.js).
const TEXT = {
  search: 'نام یا کد ملی', nextPage: 'صفحهٔ بعد', firstPage: 'صفحهٔ اول', exportCsv: 'خروجی CSV همین فهرست', exported: 'خروجی با', nationalId: 'کد ملی', severity: 'شدت معلولیت', severe: 'شدید',
  edit: 'ویرایش مشخصات', fatherName: 'نام پدر', lastName: 'نام خانوادگی', save: 'ذخیره',
  conflictTitle: 'تعارض ویرایش', conflictIntro: 'کس دیگری این پرونده را پس از باز شدن این صفحه تغییر داده است',
  changedYou: 'شما تغییر دادید', changedThem: 'دیگری تغییر داد', reapply: 'تغییرات من روی نسخهٔ کنونی اعمال شود',
  saved: 'تغییرات ذخیره شد.', transfer: 'انتقال به شهرستان دیگر', transferTo: 'انتقال به', transferGo: 'انتقال',
  transferred: 'منتقل شد', county: 'شهرستان', closeFile: 'بستن پرونده', closeYes: 'بله، بسته شود',
  closed: 'پرونده بسته شد.', reopen: 'بازگشایی پرونده', reopened: 'پرونده دوباره گشوده شد.',
  history: 'تاریخچهٔ پرونده', readers: 'چه کسانی این پرونده را دیده‌اند',
  actions: { create: 'ثبت', update: 'ویرایش', transfer: 'انتقال' },
  notFound: 'پیدا نشد، یا در حوزهٔ دسترسی شما نیست.',
  createTitle: 'ثبت مددجوی تازه', firstName: 'نام', birthDate: 'تاریخ تولد', sex: 'جنسیت', female: 'زن',
  province: 'استان', createGo: 'ثبت مددجو', dateRange: 'این تاریخ در تقویم نیست.',
};
const TEHRAN = 'IR-23';

const ctx = useConsole();
let token, jalali, teh;     // the national admin's API token, web/src/jalali.js, Tehran's counties

// Once per file, when the first test starts (the stack is up by then).
let ready;
function setup() {
  ready ||= (async () => {
    token = await apiToken(ctx.stack, 'demo.national');
    jalali = await import(pathToFileURL(path.join(sourceDir, 'web/src/jalali.js')).href);
    teh = (await apiJson(`/api/v1/counties?province=${TEHRAN}&limit=500`)).items;
  })();
  return ready;
}

async function apiJson(p, opts = {}) {
  const r = await api(ctx.stack, p, { token, ...opts });
  assert.ok(r.status >= 200 && r.status < 300, `${opts.method || 'GET'} ${p}: ${r.status} ${r.text}`);
  return r.json();
}

// A valid national ID nobody else has (check digit as common/national_id.c computes it).
let idSeq = 0;
function nationalId() {
  const base = String(310000000 + (Date.now() % 1000000) * 97 + ++idSeq * 7919).slice(-9);
  const d = [...base].map(Number);
  const r = d.reduce((s, x, i) => s + x * (10 - i), 0) % 11;
  return base + (r < 2 ? r : 11 - r);
}

async function newClient(fields) {
  return apiJson('/api/v1/clients', { method: 'POST', body: {
    national_id: nationalId(), first_name: 'نسرین', last_name: 'آزمون', birth_date: '1988-03-21', sex: 'female',
    county_id: teh[0].id, ...fields } });
}

function jdate(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const j = jalali.toJalali(y, m, d);
  return `${j.jy}/${String(j.jm).padStart(2, '0')}/${String(j.jd).padStart(2, '0')}`;
}

// Polls fn until it returns a truthy value (the screen updates after the API answers).
async function until(fn, what, timeout = 15_000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what}: not within ${timeout} ms (last: ${JSON.stringify(last)})`);
}

// RFC 4180 records of a CSV text (quoted cells may hold commas, quotes and line breaks).
function parseCsv(text) {
  const rows = [[]];
  let cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { rows.at(-1).push(cell); cell = ''; }
    else if (ch === '\n') { rows.at(-1).push(cell.replace(/\r$/, '')); cell = ''; rows.push([]); }
    else cell += ch;
  }
  if (cell || rows.at(-1).length) rows.at(-1).push(cell); else rows.pop();
  return rows;
}

// The facts of the details list as a person reads them: label -> value.
async function facts(page) {
  return page.evaluate(() => {
    const out = {};
    for (const dt of document.querySelectorAll('main dl.client-facts dt'))
      out[dt.innerText.trim()] = dt.nextElementSibling.innerText.replace(/\s+/g, ' ').trim();
    return out;
  });
}

// The national IDs in the result table, in Latin digits.
async function listedIds(page) {
  const rows = await tableTexts(page);
  if (!rows) return null;
  const col = rows[0].indexOf(TEXT.nationalId);
  return rows.slice(1).map((r) => latinDigits(r[col]));
}

// The text of what has the keyboard focus (a screen reader reads it next).
const focusedText = (page) => page.evaluate(() => (document.activeElement?.innerText || '').replace(/\s+/g, ' ').trim());

async function typeInto(page, role, name, text) {
  const el = await byRole(page, role, name);
  await el.click({ count: 3 });
  await page.keyboard.press('Backspace');
  await el.type(text);
  return el;
}

// The message a screen reader announces with a field: its aria-describedby texts.
async function fieldMessage(page, role, name) {
  const el = await byRole(page, role, name);
  return el.evaluate((e) => (e.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
    .map((id) => document.getElementById(id)?.innerText || '').join(' '));
}

test('search in Persian typed with Arabic letter forms, filters in the address, a pasted list link', { timeout: 180_000 }, async () => {
  await setup();
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(`${ctx.stack.base_url}/console/clients`, { waitUntil: 'load' });
    await waitForText(page, TEXT.search);
    await until(async () => (await listedIds(page))?.length > 0, 'the list of clients');     // not "Loading…"
    await shot(page, 'clients-list');
    await axeCheck(page, 'the client list');

    // pages follow the API's cursor; the page is in the address too (enough clients for two pages of 50 first)
    const all = (await apiJson('/api/v1/clients?limit=500')).items.length;
    for (let i = all; i <= 50; i++) await newClient({ last_name: 'صفحه‌آزمون' });
    await page.reload({ waitUntil: 'load' });
    const page1 = await apiJson('/api/v1/clients');
    assert.ok(page1.next_cursor, 'the demo data fills more than one page');
    const page2 = await apiJson('/api/v1/clients?' + new URLSearchParams({ cursor: page1.next_cursor }));
    await until(async () => (await listedIds(page))?.length === page1.items.length, 'the first page');
    assert.deepEqual(await listedIds(page), page1.items.map((c) => c.national_id));
    await (await byRole(page, 'button', TEXT.nextPage)).click();
    await until(async () => new URL(page.url()).searchParams.get('cursor') === page1.next_cursor, 'the cursor in the address');
    await until(async () => JSON.stringify(await listedIds(page)) === JSON.stringify(page2.items.map((c) => c.national_id)),
                'the second page');
    await (await byRole(page, 'button', TEXT.firstPage)).click();
    await until(async () => JSON.stringify(await listedIds(page)) === JSON.stringify(page1.items.map((c) => c.national_id)),
                'back on the first page');

    const historyLength = await page.evaluate(() => window.history.length);

    // "كريمي" with Arabic kaf and yeh finds the "کریمی"s the API finds for the Persian spelling
    const want = (await apiJson('/api/v1/clients?' + new URLSearchParams({ q: 'کریمی', limit: 500 }))).items;
    assert.ok(want.length > 0, 'the demo data holds clients named کریمی');
    await typeInto(page, 'searchbox', TEXT.search, 'كريمي');
    await page.keyboard.press('Enter');
    await until(async () => new URL(page.url()).searchParams.get('q') === 'كريمي', 'the search in the address');
    const shown = await until(async () => {
      const ids = await listedIds(page);
      return ids && ids.length === want.length && ids;
    }, 'the search results');
    assert.deepEqual([...shown].sort(), want.map((c) => c.national_id).sort());
    await shot(page, 'clients-search-arabic-forms');

    // a filter is written into the address in place; the pasted address shows the same list
    const sev = await byRole(page, 'combobox', TEXT.severity);
    await sev.select('severe');
    await until(async () => new URL(page.url()).searchParams.get('disability_severity') === 'severe', 'the filter in the address');
    const wantSevere = (await apiJson('/api/v1/clients?' + new URLSearchParams({ q: 'کریمی', disability_severity: 'severe', limit: 500 }))).items;
    const severe = await until(async () => {
      const ids = await listedIds(page);
      return (ids && ids.length === wantSevere.length && ids) || (wantSevere.length === 0 && (await visibleText(page)).includes('پیدا نشد') && []);
    }, 'the filtered results');
    assert.deepEqual([...severe].sort(), wantSevere.map((c) => c.national_id).sort());
    const link = page.url();
    assert.ok(wantSevere.length > 0, 'the demo data holds a severe کریمی');

    // the export holds exactly the filtered list, every page of it: the file the page hands to the browser (caught
    // at the hand-over, so no browser writes a download anywhere; works alike in Chromium and Firefox)
    await page.evaluate(() => {
      const make = URL.createObjectURL.bind(URL);
      window.__saved = [];
      URL.createObjectURL = (blob) => { window.__saved.push({ blob }); return make(blob); };
      document.addEventListener('click', (e) => {
        const a = e.target.closest && e.target.closest('a[download]');
        if (a) { window.__saved.at(-1).name = a.download; e.preventDefault(); }
      }, true);
    });
    await (await byRole(page, 'button', TEXT.exportCsv)).click();
    await waitForText(page, TEXT.exported);
    const saved = await page.evaluate(async () => {
      const s = window.__saved.at(-1);
      return { name: s.name, type: s.blob.type, bytes: [...new Uint8Array(await s.blob.arrayBuffer())] };
    });
    assert.equal(saved.name, 'clients.csv');
    assert.match(saved.type, /^text\/csv/);
    const bytes = Buffer.from(saved.bytes);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with its byte order mark');
    const csv = parseCsv(bytes.toString('utf8').slice(1));
    const col = csv[0].indexOf('national_id');
    assert.ok(col >= 0, `the export's header: ${csv[0]}`);
    assert.deepEqual(csv.slice(1).map((r) => r[col]).sort(), wantSevere.map((c) => c.national_id).sort());
    const said = /خروجی با (\S+) ردیف آماده شد/.exec(await visibleText(page));
    assert.equal(Number(latinDigits(said[1]).replace(/,/g, '')), wantSevere.length, 'the count the page says');
    await shot(page, 'clients-exported');

    const pasted = await newPage(ctx.browser);
    try {
      await signIn(pasted, ctx.stack, 'demo.national');
      await pasted.goto(link, { waitUntil: 'load' });
      const again = await until(async () => {
        const ids = await listedIds(pasted);
        return ids && ids.length === wantSevere.length && ids;
      }, 'the pasted list', 15_000).catch(() => []);
      assert.deepEqual([...again].sort(), wantSevere.map((c) => c.national_id).sort());
      const sevShown = await (await byRole(pasted, 'combobox', TEXT.severity)).evaluate((s) => s.selectedOptions[0].innerText);
      assert.equal(sevShown, TEXT.severe, 'the pasted link shows its filter chosen');
      assert.equal(await (await byRole(pasted, 'searchbox', TEXT.search)).evaluate((e) => e.value), 'كريمي');
    } finally { await pasted.closeContext(); }
    assert.equal(await page.evaluate(() => window.history.length), historyLength,
                 'a search or filter replaces the address, never adds to history');
    assert.deepEqual(problems(page).filter((p) => !/status of 401/.test(p)), []);
  } finally { await page.closeContext(); }
});

test('a record by its pasted link equals the API; edit meets a change made meanwhile; transfer; close; history',
     { timeout: 240_000 }, async () => {
  await setup();
  // a client with a household, a program, a service and a loan partly repaid
  const household = await apiJson('/api/v1/households', { method: 'POST',
    body: { county_id: teh[0].id, address: 'تهران، خیابان آزمون، پلاک ۷' } });
  const created = await newClient({ last_name: 'پرونده‌آزمون', disability: { type: 'visual', severity: 'moderate' },
    needs: ['housing', 'employment'], household_id: household.id, household_role: 'head' });
  const center = (await apiJson(`/api/v1/centers?county_id=${teh[0].id}&limit=1`)).items[0];
  await apiJson(`/api/v1/clients/${created.id}/enrollments`, { method: 'POST', body: { program: 'cbr', started_on: '2025-03-21' } });
  await apiJson(`/api/v1/clients/${created.id}/services`, { method: 'POST',
    body: { center_id: center.id, service: 'فیزیوتراپی', provided_on: '2025-04-01' } });
  // first due 20 days ago, the next ones a month apart: one past, two to come, whatever the date of the run
  const daysAgo = (n) => {
    const d = new Date(Date.now() - n * 86400000);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  };
  const loan = await apiJson('/api/v1/loans', { method: 'POST', body: { client_id: created.id, amount_rials: 12000000,
    installments: 3, first_due_on: daysAgo(20) } });
  await apiJson(`/api/v1/loans/${loan.id}/repayments`, { method: 'POST', body: { amount_rials: 5000000, paid_on: daysAgo(21) } });
  const link = `${ctx.stack.base_url}/console/clients/${created.id}`;
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(link, { waitUntil: 'load' });
    await waitForText(page, `${created.first_name} ${created.last_name}`, { selector: 'main' });
    // the heading and the tab name the file, never the person (browsers keep titles in their history)
    assert.equal(latinDigits(await visibleText(page, 'main h1')), `پروندهٔ مددجو ${created.id}`);
    assert.ok(!(await page.title()).includes(created.last_name), await page.title());
    await waitForText(page, TEXT.readers);
    const api1 = await apiJson(`/api/v1/clients/${created.id}`);
    const f = await facts(page);
    assert.equal(latinDigits(f[TEXT.nationalId]), api1.national_id);
    assert.equal(f[TEXT.firstName], api1.first_name);
    assert.equal(f[TEXT.lastName], api1.last_name);
    assert.equal(latinDigits(f[TEXT.birthDate]), jdate(api1.birth_date));
    assert.equal(f[TEXT.sex], TEXT.female);
    assert.equal(f[TEXT.county], teh.find((c) => c.id === api1.county_id).name_fa);
    assert.equal(f['معلولیت'], 'بینایی (متوسط)');
    assert.equal(f['نیازها'], 'مسکن، اشتغال');
    assert.equal(latinDigits(f['نسخه']), String(api1.version));

    // the household, program, service and loan sections say what the API says (each section loads on its own: each
    // table is read once it is there)
    const section = (name) => `main section[aria-labelledby="sec-${name}"]`;
    const rowsOf = (name) => until(async () => {
      const t = await tableTexts(page, `${section(name)} table`);
      return t && t.length > 1 && t;
    }, `the ${name} table`);
    const members = await rowsOf('household');
    assert.deepEqual(members.slice(1), [[`${api1.first_name} ${api1.last_name}`, 'سرپرست']]);
    assert.ok((await visibleText(page, section('household'))).includes(household.address));
    const enrolled = await rowsOf('enrollments');
    assert.deepEqual(enrolled.slice(1).map((r) => [latinDigits(r[1]), r[3]]), [[jdate('2025-03-21'), 'فعال']]);
    const services = await rowsOf('services');
    assert.deepEqual(services.slice(1).map((r) => r.slice(0, 2)), [['فیزیوتراپی', center.name]]);
    const owed = (await apiJson(`/api/v1/loans/${loan.id}`));
    assert.equal(owed.outstanding_rials, 7000000);
    const schedule = await rowsOf('loans');
    const loanText = await visibleText(page, section('loans'));
    assert.match(latinDigits(loanText), /مانده \(بدهی\) 7,000,000 ریال/);
    // each installment's state by the API's due dates and the browser's local date (the day a person there sees):
    // 5,000,000 repaid covers the first 4,000,000 installment and 1,000,000 of the second
    const today = await page.evaluate(() => {
      const d = new Date();
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    });
    const covered = [4000000, 1000000, 0];
    const stateOf = (x, i) => (covered[i] >= x.amount_rials ? 'پرداخت‌شده' : x.due_on < today ? 'معوق'
      : covered[i] > 0 ? 'بخشی پرداخت‌شده' : 'سررسید نشده');
    assert.deepEqual(owed.schedule.map((x) => x.amount_rials), [4000000, 4000000, 4000000]);
    assert.deepEqual(schedule.slice(1).map((r) => [latinDigits(r[1]), Number(latinDigits(r[2]).replace(/\D/g, '')), r[3]]),
      owed.schedule.map((x, i) => [jdate(x.due_on), x.amount_rials, stateOf(x, i)]));
    await shot(page, 'client-page');
    await axeCheck(page, 'a client page');

    // the person starts editing; someone else saves first (through the API)
    await (await byRole(page, 'button', TEXT.edit)).click();
    await typeInto(page, 'textbox', TEXT.fatherName, 'حسن');
    await shot(page, 'client-edit');
    await axeCheck(page, 'the edit form');
    const cur = await api(ctx.stack, `/api/v1/clients/${created.id}`, { token });
    const theirs = await api(ctx.stack, `/api/v1/clients/${created.id}`, { token, method: 'PATCH',
      headers: { 'If-Match': cur.headers.etag }, body: { last_name: 'دیگرنویس' } });
    assert.equal(theirs.status, 200, theirs.text);
    await (await byRole(page, 'button', TEXT.save)).click();
    await waitForText(page, TEXT.conflictTitle);
    await waitForText(page, TEXT.conflictIntro);
    const rows = await tableTexts(page, 'main .conflict table');
    const row = (label) => rows.find((r) => r[0] === label);
    assert.deepEqual(row(TEXT.fatherName).slice(2), ['حسن', '—', TEXT.changedYou], 'mine and theirs, side by side');
    assert.deepEqual(row(TEXT.lastName).slice(1), ['پرونده‌آزمون', 'پرونده‌آزمون', 'دیگرنویس', TEXT.changedThem]);
    const stillTheirs = await apiJson(`/api/v1/clients/${created.id}`);
    assert.equal(stillTheirs.father_name, null, 'nothing was written before the person chose');
    await shot(page, 'client-edit-conflict');
    await axeCheck(page, 'the conflict view');

    // reapplying writes only the person's field over the current version: both changes survive
    await (await byRole(page, 'button', TEXT.reapply)).click();
    await waitForText(page, TEXT.saved);
    assert.equal(await focusedText(page), TEXT.saved, 'the focus is on the notice that says what happened');
    const merged = await apiJson(`/api/v1/clients/${created.id}`);
    assert.equal(merged.father_name, 'حسن');
    assert.equal(merged.last_name, 'دیگرنویس');
    const f2 = await facts(page);
    assert.equal(f2[TEXT.fatherName], 'حسن');
    assert.equal(f2[TEXT.lastName], 'دیگرنویس');
    assert.equal(latinDigits(f2['نسخه']), String(merged.version));

    // transfer to another Tehran county
    await (await byRole(page, 'button', TEXT.transfer)).click();
    await waitForText(page, TEXT.transferTo);
    const to = teh[1];
    await (await byRole(page, 'combobox', TEXT.transferTo)).select(String(to.id));
    await shot(page, 'client-transfer');
    await axeCheck(page, 'the transfer form');
    await (await byRole(page, 'button', TEXT.transferGo)).click();
    await waitForText(page, TEXT.transferred);
    assert.ok((await focusedText(page)).includes(TEXT.transferred), 'the focus is on the notice after the transfer');
    const moved = await apiJson(`/api/v1/clients/${created.id}`);
    assert.equal(moved.county_id, to.id);
    await until(async () => (await facts(page))[TEXT.county] === to.name_fa, 'the new county on the page');

    // close (the question takes the focus; cancelling gives it back to the button), then reopen
    await (await byRole(page, 'button', TEXT.closeFile)).click();
    assert.ok((await focusedText(page)).includes('پرونده بسته شود؟'), `the question has the focus: ${await focusedText(page)}`);
    await (await byRole(page, 'button', 'انصراف')).click();
    await page.waitForFunction((t) => document.activeElement?.innerText.trim() === t, { timeout: 15_000 }, TEXT.closeFile);
    await (await byRole(page, 'button', TEXT.closeFile)).click();
    await (await byRole(page, 'button', TEXT.closeYes)).click();
    await waitForText(page, TEXT.closed);
    assert.equal((await apiJson(`/api/v1/clients/${created.id}`)).status, 'closed');
    await shot(page, 'client-closed');
    await (await byRole(page, 'button', TEXT.reopen)).click();
    await waitForText(page, TEXT.reopened);
    assert.equal((await apiJson(`/api/v1/clients/${created.id}`)).status, 'active');

    // the admin's history of the file: what the trail holds, in the words of the page
    await page.reload({ waitUntil: 'load' });
    await waitForText(page, TEXT.history);
    const trail = (await apiJson(`/api/v1/audit?entity=client&entity_id=${created.id}&kind=change&limit=50`)).items;
    const hist = await until(async () => {
      const t = await tableTexts(page, 'main section[aria-labelledby="sec-history"] table');
      return t && t.length - 1 === trail.length && t;
    }, 'the history table');
    const actionCol = hist[0].indexOf('کنش');
    const seen = hist.slice(1).map((r) => r[actionCol]);
    assert.deepEqual(seen, trail.map((e) => ({ create: TEXT.actions.create, update: TEXT.actions.update,
      transfer: TEXT.actions.transfer, close: 'بستن' })[e.action]));
    assert.ok(seen.includes(TEXT.actions.transfer) && seen.includes(TEXT.actions.update));
    await until(async () => ((await tableTexts(page, 'main section[aria-labelledby="sec-readers"] table')) || [])
      .slice(1).some((r) => r.includes('demo.national')), 'the reader listed');
    await shot(page, 'client-history');
    await axeCheck(page, 'a client page with its history');
    assert.deepEqual(problems(page).filter((p) => !/status of (401|412)/.test(p)), []);
  } finally { await page.closeContext(); }
});

test('the new-client form: a Jalali birth date, field errors beside their fields, the record made', { timeout: 180_000 }, async () => {
  await setup();
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(`${ctx.stack.base_url}/console/clients/new`, { waitUntil: 'load' });
    await waitForText(page, TEXT.createTitle, { selector: 'main h1' });
    const good = nationalId();
    const bad = good.slice(0, 9) + String((Number(good[9]) + 1) % 10);
    await typeInto(page, 'textbox', TEXT.nationalId, bad);
    await typeInto(page, 'textbox', TEXT.firstName, 'ياسمن');     // Arabic yeh: stored in the Persian form
    await typeInto(page, 'textbox', TEXT.lastName, 'فرم‌آزمون');
    await typeInto(page, 'textbox', TEXT.birthDate, '1367/13/01');
    await (await byRole(page, 'combobox', TEXT.sex)).select('female');
    await (await byRole(page, 'combobox', TEXT.province)).select(TEHRAN);
    const county = await byRole(page, 'combobox', TEXT.county);
    await page.waitForFunction((id) => [...document.querySelectorAll('select option')].some((o) => o.value === id), {}, String(teh[0].id));
    await county.select(String(teh[0].id));
    await (await byRole(page, 'button', TEXT.createGo)).click();
    // the page's own check: the month 13 is not in the calendar
    await until(async () => (await fieldMessage(page, 'textbox', TEXT.birthDate)).includes(TEXT.dateRange), 'the date error beside the date');
    // Persian digits are fine; the API's check of the national ID comes back beside that field, in Persian
    await typeInto(page, 'textbox', TEXT.birthDate, '۱۳۶۷/۰۱/۰۱');
    await (await byRole(page, 'button', TEXT.createGo)).click();
    const idError = await until(async () => (await fieldMessage(page, 'textbox', TEXT.nationalId)) || '', 'the national ID error');
    assert.match(idError, /[\u0600-\u06FF]/, `a Persian message beside the national ID: ${idError}`);
    assert.equal(await fieldMessage(page, 'textbox', TEXT.birthDate), 'به تقویم خورشیدی، مانند ۱۳۶۷/۰۱/۰۱', 'no error left on the date');
    await shot(page, 'client-new-errors');
    await axeCheck(page, 'the new-client form with errors');
    await typeInto(page, 'textbox', TEXT.nationalId, good);
    await (await byRole(page, 'button', TEXT.createGo)).click();
    await page.waitForFunction(() => /^\/console\/clients\/\d+$/.test(location.pathname), { timeout: 15_000 });
    const id = new URL(page.url()).pathname.split('/').pop();
    const made = await apiJson(`/api/v1/clients/${id}`);
    assert.deepEqual([made.national_id, made.first_name, made.birth_date, made.county_id],
                     [good, 'یاسمن', '1988-03-21', teh[0].id]);
    await waitForText(page, 'یاسمن فرم‌آزمون', { selector: 'main' });
    await shot(page, 'client-new-made');
  } finally { await page.closeContext(); }
});

test('a user of another province opening a Tehran client by its link is refused', { timeout: 120_000 }, async () => {
  await setup();
  const c = await newClient({ last_name: 'تهرانی' });
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.fars');
    await page.goto(`${ctx.stack.base_url}/console/clients/${c.id}`, { waitUntil: 'load' });
    await waitForText(page, TEXT.notFound, { selector: 'main' });
    const text = await visibleText(page);
    assert.ok(!latinDigits(text).includes(c.national_id) && !text.includes('تهرانی'), 'nothing of the record shows');
    await shot(page, 'client-refused-other-province');
    await axeCheck(page, 'the refusal');
  } finally { await page.closeContext(); }
});

test('a name with <script> and a bidi control shows as text', { timeout: 120_000 }, async () => {
  await setup();
  const first = '<script>window.__owned=1</script><img src=x onerror="window.__owned=2">';
  const c = await newClient({ first_name: first, last_name: '\u202Eنوری\u202C عبدی' });
  // the API keeps the markup as text and drops the bidi control (textnorm_clean_input)
  assert.equal(c.first_name, first);
  assert.equal(c.last_name, 'نوری عبدی');
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(`${ctx.stack.base_url}/console/clients/${c.id}`, { waitUntil: 'load' });
    await waitForText(page, first, { selector: 'main' });
    assert.equal(await page.evaluate(() => window.__owned), undefined, 'nothing of the name ran');
    assert.equal(await page.evaluate(() => document.querySelectorAll('main script, main img').length), 0);
    assert.equal((await facts(page))[TEXT.firstName], first);
    await shot(page, 'client-markup-name');
    await axeCheck(page, 'a client with markup in the name');
    // in the list too, found by the national ID of a pasted link, which leaves the address at once
    await page.goto(`${ctx.stack.base_url}/console/clients?q=${c.national_id}`, { waitUntil: 'load' });
    await waitForText(page, first, { selector: 'main table' });
    assert.deepEqual(await listedIds(page), [c.national_id]);
    await until(async () => !page.url().includes(c.national_id), 'the national ID gone from the address');
    assert.equal(await page.evaluate(() => window.__owned), undefined);
    await shot(page, 'clients-markup-name');
  } finally { await page.closeContext(); }
});

test('a national ID typed in the search stays out of the address and the history; a name may stay', { timeout: 120_000 }, async () => {
  await setup();
  const c = await newClient({ last_name: 'نشانی‌آزمون' });
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.national');
    await page.goto(`${ctx.stack.base_url}/console/clients`, { waitUntil: 'load' });
    await until(async () => (await listedIds(page))?.length > 0, 'the list of clients');
    const before = await page.evaluate(() => window.history.length);
    // typed with Persian digits and a dash, as people do
    const typed = c.national_id.replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]).replace(/^(.{3})/, '$1-');
    await typeInto(page, 'searchbox', TEXT.search, typed);
    await page.keyboard.press('Enter');
    await until(async () => JSON.stringify(await listedIds(page)) === JSON.stringify([c.national_id]), 'the client found');
    const seen = await page.evaluate(() => ({ url: location.href, length: history.length }));
    assert.ok(!latinDigits(decodeURIComponent(seen.url)).includes(c.national_id), `not in the address: ${seen.url}`);
    assert.equal(new URL(seen.url).searchParams.get('q'), null);
    assert.equal(seen.length, before, 'no history entry was added');
    // a reload of the same entry shows the same search (the entry keeps it), still not in the address
    await page.reload({ waitUntil: 'load' });
    await until(async () => JSON.stringify(await listedIds(page)) === JSON.stringify([c.national_id]), 'the search after a reload');
    assert.equal(await (await byRole(page, 'searchbox', TEXT.search)).evaluate((e) => e.value), typed);
    assert.ok(!page.url().includes(c.national_id));
    // a name goes into the address as before
    await typeInto(page, 'searchbox', TEXT.search, 'نشانی‌آزمون');
    await page.keyboard.press('Enter');
    await until(async () => new URL(page.url()).searchParams.get('q') === 'نشانی‌آزمون', 'the name in the address');
    await until(async () => (await listedIds(page))?.includes(c.national_id), 'the client found by name');
    // an expired session's sign-in link (next=) carries the address: nothing of the ID either
    await typeInto(page, 'searchbox', TEXT.search, c.national_id);
    await page.keyboard.press('Enter');
    await until(async () => JSON.stringify(await listedIds(page)) === JSON.stringify([c.national_id]), 'found again');
    const ctxt = page.browserContext();
    await ctxt.deleteCookie(...(await ctxt.cookies()));
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => location.pathname === '/console/login', { timeout: 15_000 });
    assert.ok(!page.url().includes(c.national_id), `the sign-in address: ${page.url()}`);
  } finally { await page.closeContext(); }
});
