// NGO submissions end to end, as people do them: demo.ngo downloads the template, uploads a CSV with good and bad
// rows (the bad cells marked in Persian, first by the console's own check, then by the API's verdict), double-clicks
// send (one submission), sends an XLSX whose reply is lost (the retry makes no second submission, nor does a reload
// and a resend); demo.county (whose county holds the center) approves the CSV's submission and the good records are
// in the registry, and rejects the XLSX's with a reason; demo.fars (another province) is refused. Every screen is
// photographed and checked by axe. The spreadsheet reading itself is tested without a browser in web/test/upload.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  api, apiToken, axeCheck, byRole, latinDigits, newPage, problems, shot, signIn, tableTexts, useConsole,
  visibleText, waitForText,
} from './lib.mjs';
import { xlsx } from './fixtures/xlsx.mjs';
import { parseCsv, toCsv } from '../../web/src/sheet.js';

const ctx = useConsole();

// What the console says (spelled out here, so a changed sentence is a decision, not an accident).
const SAY = {
  checkDigit: 'رقم کنترل کد ملی درست نیست.',
  firstName: 'نام را پر کنید.',
  birthDate: 'تاریخ تولد درست نیست؛ تاریخ شمسی را مانند ۱۳۶۸/۰۵/۱۲ بنویسید.',
  sex: 'جنسیت از مقادیر مجاز نیست.',
  pair: 'نوع و شدت معلولیت را با هم بنویسید.',
  county: 'شهرستان باید از استان همین مرکز باشد.',
  registered: 'این کد ملی پیش‌تر در همین مرکز ثبت شده است.',
  profession: 'حرفه از مقادیر مجاز نیست.',
  waiting: 'در انتظار بررسی کارشناس',
  replayed: 'این دسته پیش‌تر در همین برگه فرستاده شده بود؛ چیزی دوباره ثبت نشد.',
  switched: 'ستون‌های فایل با قالب «کارکنان» می‌خواند؛ همان را برگزیدیم.',
  failed: 'انجام نشد',
  retry: 'ارسال دوباره (چیزی دو بار ثبت نمی‌شود)',
  approved: 'تأیید شد: ۲ مددجو، ۰ کارمند و ۰ خدمت در سامانه ثبت شد.',
  rejectNeedsReason: 'دلیل رد را بنویسید.',
  rejected: 'این ارسال رد شد.',
  notFound: 'پیدا نشد، یا در حوزهٔ دسترسی شما نیست.',
  elsewhere: 'این کد ملی در مرکز دیگری ثبت شده است؛ برای تأیید بقیه باید کنار گذاشته شود.',
  mustExclude: '۱ ردیف کد ملی‌ای دارد که در مرکز دیگری ثبت است؛ این ردیف‌ها کنار گذاشته می‌شوند.',
  excluded: 'کارشناس بررسی این ردیف را کنار گذاشت: نیاز به بررسی بیشتر در اداره',
  nowPending: 'وضعیت کنونی: در انتظار بررسی کارشناس.',
  nowRejected: 'وضعیت کنونی: کارشناس آن را رد کرده است.',
  resend: 'فرستادن همین ردیف‌ها به‌عنوان ارسالی تازه',
  resendYes: 'بله، به‌عنوان ارسال تازه بفرست',
};
const CLIENT_HEADER = ['کد ملی', 'نام', 'نام خانوادگی', 'نام پدر', 'تاریخ تولد', 'جنسیت', 'شهرستان', 'نوع معلولیت',
  'شدت معلولیت', 'نیازها'];

// A valid national ID from nine digits (the check digit of the registry's rule), and one with its check digit wrong.
function nid(nine) {
  const d = [...nine].map(Number);
  const r = d.reduce((s, x, i) => s + x * (10 - i), 0) % 11;
  return nine + String(r < 2 ? r : 11 - r);
}
const wrongCheck = (id) => id.slice(0, 9) + String((Number(id[9]) + 1) % 10);

// -- the people -------------------------------------------------------------------------------------------------------

const state = {};      // what the tests learn from each other, in order

async function setUp() {
  if (state.ngo) return;
  const s = ctx.stack;
  state.ngo = await apiToken(s, 'demo.ngo');
  state.county = await apiToken(s, 'demo.county');
  const me = (await api(s, '/api/v1/auth/me', { token: state.ngo })).json();
  state.center = (await api(s, `/api/v1/centers/${me.center_id}`, { token: state.ngo })).json();
  const officer = (await api(s, '/api/v1/auth/me', { token: state.county })).json();
  assert.equal(officer.county_id, state.center.county_id, 'demo.county\'s county holds demo.ngo\'s center');
  state.countyName = (await api(s, `/api/v1/counties?province=${state.center.province}&limit=500`, { token: state.ngo }))
    .json().items.find((c) => c.id === state.center.county_id).name_fa;
  state.foreignCounty = (await api(s, '/api/v1/counties?province=IR-07&limit=1', { token: state.ngo })).json().items[0].id;
  const own = (await api(s, `/api/v1/clients?center_id=${state.center.id}&limit=1`, { token: state.ngo })).json().items;
  assert.equal(own.length, 1, 'the demo center has clients');
  state.registered = own[0].national_id;
}

async function submissionsOf(token) {
  const r = await api(ctx.stack, '/api/v1/submissions?limit=500', { token });
  assert.equal(r.status, 200, r.text);
  return r.json().items;
}

function tmpDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'registry-console-subs-'));
}

// The row of a table whose first cell is the sheet's row number n, as {header: cell text}.
function rowOf(table, n) {
  const [head, ...rows] = table;
  const r = rows.find((x) => latinDigits(x[0]) === String(n));
  return r ? Object.fromEntries(head.map((h, i) => [h, r[i]])) : null;
}

// A button by what it says, whatever digits and thousands separator the browser writes its numbers with.
async function buttonSaying(page, latin) {
  const handle = await page.waitForFunction((want) => [...document.querySelectorAll('button')].find((b) =>
    b.innerText.replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06F0)).replace(/[\u066C\u060C,\u00A0\u202F]/g, ',')
      .trim() === want), {}, latin);
  return handle.asElement();
}

async function pickFile(page, file) {
  const input = await page.waitForSelector('input[type="file"]:not([disabled])');
  await input.uploadFile(file);
}

test('demo.ngo: the template, a CSV checked cell by cell, a double click that sends once', { timeout: 180_000 }, async () => {
  await setUp();
  const page = await newPage(ctx.browser);
  const dir = tmpDir();
  try {
    await signIn(page, ctx.stack, 'demo.ngo');
    await page.goto(`${ctx.stack.base_url}/console/submissions/new`, { waitUntil: 'networkidle0' });
    await waitForText(page, 'ارسال فایل مددجویان، کارکنان یا خدمات', { selector: 'h1' });
    await shot(page, 'submission-upload');
    await axeCheck(page, 'the upload screen');

    // the template: Persian headers, a BOM, one example row that passes the console's own check
    // what the page offers for download, caught where the page hands it to the browser (both browsers alike)
    await page.evaluate(() => {
      window.__offered = [];
      const make = URL.createObjectURL.bind(URL);
      URL.createObjectURL = (blob) => { const href = make(blob); window.__offered.push({ blob, href }); return href; };
      const click = HTMLAnchorElement.prototype.click;
      HTMLAnchorElement.prototype.click = function () {
        const o = window.__offered.find((x) => x.href === this.href);
        if (o) { o.name = this.download; return; }      // kept from the disk: the test reads it here
        click.call(this);
      };
    });
    await (await byRole(page, 'button', 'دریافت قالب مددجویان (CSV)')).click();
    const offered = await page.evaluate(async () => {
      const o = window.__offered[0];
      return { name: o.name, type: o.blob.type, bytes: [...new Uint8Array(await o.blob.arrayBuffer())] };
    });
    assert.equal(offered.name, 'template-client.csv');
    assert.match(offered.type, /^text\/csv/);
    assert.deepEqual(offered.bytes.slice(0, 3), [0xef, 0xbb, 0xbf], 'the template starts with a UTF-8 BOM');
    const text = Buffer.from(offered.bytes).toString('utf8');
    const template = path.join(dir, offered.name);
    fs.writeFileSync(template, text);
    const rows = parseCsv(text);
    assert.deepEqual(rows[0], CLIENT_HEADER);
    assert.equal(rows.length, 2, 'one example row');
    await pickFile(page, template);
    await waitForText(page, '۱ ردیف خوانده شد: ۱ ردیف آمادهٔ ارسال، ۰ ردیف خطا دارد');

    // a CSV of six rows: two good, two the console refuses, two only the API can refuse
    const ids = ['880000001', '880000002', '880000003', '880000004', '880000005'].map(nid);
    state.good = [ids[0], ids[1]];
    state.refusedByApi = ids[3];
    const csv = [CLIENT_HEADER,
      [ids[0], 'سارا', 'محمدی', 'رضا', '۱۳۷۰/۰۲/۱۵', 'زن', state.countyName, 'بینایی', 'شدید', 'مسکن، اشتغال'],
      [ids[1], 'علي', 'كريمي', '', '1365/11/30', 'مرد', String(state.center.county_id), '', '', ''],
      [wrongCheck(ids[2]), '', 'رضایی', '', '1400/13/01', 'نامعلوم', state.countyName, '', '', ''],
      [ids[3], 'مینا', '"احمدی", تهرانی', '', '1369/05/05', 'زن', String(state.foreignCounty), '', '', ''],
      [state.registered, 'حسن', 'تکراری', '', '1360/01/01', 'مرد', state.countyName, '', '', ''],
      [ids[4], 'نگار', 'حسینی', '', '1372/01/01', 'زن', state.countyName, 'بینایی', '', '']];
    const file = path.join(dir, 'مددجویان.csv');
    fs.writeFileSync(file, toCsv(csv));
    await pickFile(page, file);
    await waitForText(page, '۶ ردیف خوانده شد: ۴ ردیف آمادهٔ ارسال، ۲ ردیف خطا دارد و فرستاده نمی‌شود.');
    let table = await tableTexts(page);
    let r4 = rowOf(table, 4), r7 = rowOf(table, 7);
    assert.ok(r4 && r7, JSON.stringify(table));
    assert.match(r4['کد ملی'], new RegExp(SAY.checkDigit));
    assert.match(r4['نام'], new RegExp(SAY.firstName));
    assert.ok(r4['تاریخ تولد'].includes(SAY.birthDate), r4['تاریخ تولد']);
    assert.match(r4['جنسیت'], new RegExp(SAY.sex));
    assert.match(r7['شدت معلولیت'], new RegExp(SAY.pair));
    assert.equal(rowOf(table, 2), null, 'only the rows with problems are shown first');
    await shot(page, 'submission-upload-checked');
    await axeCheck(page, 'the upload screen with a checked file');

    // two clicks before the screen can redraw: one request, one submission
    const before = (await submissionsOf(state.ngo)).length;
    let posts = 0;
    page.on('request', (q) => { if (q.method() === 'POST' && q.url().endsWith('/api/v1/submissions')) posts++; });
    const send = await byRole(page, 'button', 'ارسال ۴ ردیف');
    await send.evaluate((b) => { b.click(); b.click(); });
    await send.click({ count: 2 }).catch(() => {});     // and a person's double click after it
    await waitForText(page, SAY.waiting);
    const after = await submissionsOf(state.ngo);
    assert.equal(after.length, before + 1, 'a double click makes one submission');
    assert.equal(posts, 1, 'one request left the browser');
    const made = after[after.length - 1];
    assert.equal(made.record_count, 4);
    assert.equal(made.valid_count, 2);
    state.csvSubmission = made.id;
    const receipt = await visibleText(page);
    assert.ok(latinDigits(receipt).includes(`ارسال شمارهٔ ${made.id}: 2 رکورد پذیرفته شد و 2 رکورد خطا دارد`), receipt);

    // the API's verdict, row by row, the refused cells marked
    table = await tableTexts(page);
    assert.match(rowOf(table, 5)['شهرستان'], new RegExp(SAY.county));
    assert.match(rowOf(table, 6)['کد ملی'], new RegExp(SAY.registered));
    await shot(page, 'submission-upload-sent');
    await axeCheck(page, 'the upload screen after sending');
    assert.deepEqual(problems(page).filter((p) => !/401|Unauthorized/.test(p)), []);
  } finally {
    await page.closeContext();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('demo.ngo: an XLSX whose reply is lost is sent again with the same key, and a reload resends nothing',
     { timeout: 180_000 }, async () => {
  await setUp();
  const page = await newPage(ctx.browser);
  const dir = tmpDir();
  try {
    await signIn(page, ctx.stack, 'demo.ngo');
    await page.goto(`${ctx.stack.base_url}/console/submissions/new`, { waitUntil: 'networkidle0' });
    const staffId = nid('880000011');
    state.staff = staffId;
    const file = path.join(dir, 'کارکنان.xlsx');
    fs.writeFileSync(file, xlsx([['کد ملی', 'نام', 'نام خانوادگی', 'حرفه'],
      [Number(staffId), 'مریم', 'کریمی', 'مددکار اجتماعی'],      // a number cell, as Excel keeps an ID
      [nid('880000012'), 'پری', 'جادویی', 'جادوگر']]));
    await pickFile(page, file);
    await waitForText(page, SAY.switched);
    await waitForText(page, '۲ ردیف خوانده شد: ۱ ردیف آمادهٔ ارسال، ۱ ردیف خطا دارد');
    assert.match(rowOf(await tableTexts(page), 3)['حرفه'], new RegExp(SAY.profession));
    await shot(page, 'submission-upload-xlsx');
    await axeCheck(page, 'the upload screen with an XLSX');

    // the request reaches the registry, its reply does not reach the page (as when the connection drops after
    // the request left): the page's fetch is wrapped to lose the first reply to POST /submissions
    const before = (await submissionsOf(state.ngo)).length;
    await page.evaluate(() => {
      window.__keys = [];
      window.__lost = 0;
      const real = window.fetch.bind(window);
      window.fetch = async (url, init = {}) => {
        const post = init.method === 'POST' && String(url).endsWith('/api/v1/submissions');
        if (post) window.__keys.push(init.headers['Idempotency-Key']);
        const res = await real(url, init);
        if (post && window.__lost++ === 0) throw new TypeError('NetworkError when attempting to fetch resource.');
        return res;
      };
    });
    await (await byRole(page, 'button', 'ارسال ۱ ردیف')).click();
    await waitForText(page, SAY.failed);
    assert.equal((await submissionsOf(state.ngo)).length, before + 1, 'the registry got it once');
    await shot(page, 'submission-upload-lost');
    await axeCheck(page, 'the upload screen after a lost reply');
    await (await byRole(page, 'button', SAY.retry)).click();
    await waitForText(page, SAY.waiting);
    const keys = await page.evaluate(() => window.__keys);
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1], 'the retry carries the same Idempotency-Key');
    assert.match(keys[0], /^[0-9a-f-]{36}$/);
    assert.equal((await submissionsOf(state.ngo)).length, before + 1, 'the retry made no second submission');

    // a reload and the same file again: the tab remembers the batch's key; the registry answers as before
    await page.reload({ waitUntil: 'networkidle0' });
    await pickFile(page, file);
    await (await byRole(page, 'button', 'ارسال ۱ ردیف')).click();
    await waitForText(page, SAY.replayed);
    await waitForText(page, SAY.nowPending);      // its status read from the registry, not assumed
    const all = await submissionsOf(state.ngo);
    assert.equal(all.length, before + 1, 'the reload sent nothing twice');
    state.xlsxSubmission = all[all.length - 1].id;
    assert.equal(all[all.length - 1].record_count, 1);
  } finally {
    await page.closeContext();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('demo.ngo: 1,001 good rows go as two submissions, of 1,000 and of 1', { timeout: 300_000 }, async () => {
  await setUp();
  const page = await newPage(ctx.browser);
  const dir = tmpDir();
  try {
    await signIn(page, ctx.stack, 'demo.ngo');
    await page.goto(`${ctx.stack.base_url}/console/submissions/new`, { waitUntil: 'networkidle0' });
    const rows = [CLIENT_HEADER];
    for (let i = 0; i < 1001; i++)
      rows.push([nid('881' + String(i).padStart(6, '0')), 'نام' + i, 'خانواده', '', '1370/01/01', 'مرد', state.countyName]);
    const file = path.join(dir, 'many.csv');
    fs.writeFileSync(file, toCsv(rows));
    await pickFile(page, file);
    await waitForText(page, 'ردیف‌های درست در ۲ ارسال');
    const before = (await submissionsOf(state.ngo)).length;
    await (await buttonSaying(page, 'ارسال 1,001 ردیف')).click();
    await waitForText(page, 'همهٔ ردیف‌های درست فرستاده شد.', { timeout: 120_000 });
    const made = (await submissionsOf(state.ngo)).slice(before);
    assert.deepEqual(made.map((x) => [x.record_count, x.valid_count]), [[1000, 1000], [1, 1]]);
    const text = latinDigits(await visibleText(page));
    for (const m of made) assert.ok(text.includes(`ارسال شمارهٔ ${m.id}:`), `the receipt of ${m.id} is shown`);
    await shot(page, 'submission-upload-two-batches');
  } finally {
    await page.closeContext();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('demo.county approves the CSV\'s submission (the good records are then in the registry) and rejects the XLSX\'s',
     { timeout: 180_000 }, async () => {
  assert.ok(state.csvSubmission && state.xlsxSubmission, 'the uploads ran first');
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.county');
    await page.goto(`${ctx.stack.base_url}/console/submissions`, { waitUntil: 'networkidle0' });
    await waitForText(page, 'ارسال‌های سازمان‌های مردم‌نهاد', { selector: 'h1' });
    // the table is drawn once the list and its centers' names came: wait for the submission's row in it
    const pending = (await submissionsOf(state.county)).filter((x) => x.status === 'pending');
    const csvRowOf = (table) => (table || []).find((r) => latinDigits(r[0]) === String(state.csvSubmission));
    await page.waitForFunction((id) => [...document.querySelectorAll('main table tbody tr')].some((tr) =>
      tr.cells[0] && tr.cells[0].innerText.replace(/[\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - 0x06F0)).trim() === id),
    { timeout: 30_000 }, String(state.csvSubmission));
    const list = await tableTexts(page);
    assert.equal(list.length - 1, pending.length, 'the list shows the pending submissions of the officer\'s scope');
    const csvRow = csvRowOf(list);
    assert.ok(csvRow, JSON.stringify(list));
    assert.ok(csvRow.includes(state.center.name), csvRow.join(' | '));
    assert.ok(csvRow.includes('در انتظار بررسی'), csvRow.join(' | '));
    await shot(page, 'submission-list-officer');
    await axeCheck(page, 'the submissions list');

    // the deep link to one submission: every record, its verdict, the refused cells
    await page.goto(`${ctx.stack.base_url}/console/submissions/${state.csvSubmission}`, { waitUntil: 'networkidle0' });
    await waitForText(page, 'مددجویان این ارسال');
    const table = await tableTexts(page);
    assert.equal(table.length - 1, 4, 'the four records sent');
    const first = rowOf(table, 1);
    assert.equal(latinDigits(first['کد ملی']), state.good[0]);
    assert.equal(first['شهرستان'], state.countyName);
    assert.equal(latinDigits(first['تاریخ تولد']), '1370/02/15');
    assert.equal(first['نیازها'], 'مسکن، اشتغال');
    assert.match(rowOf(table, 3)['شهرستان'], new RegExp(SAY.county));
    assert.match(rowOf(table, 4)['کد ملی'], new RegExp(SAY.registered));
    await shot(page, 'submission-review');
    await axeCheck(page, 'a submission under review');
    await (await byRole(page, 'button', 'تأیید و ثبت ۲ رکورد')).click();
    await waitForText(page, SAY.approved);
    assert.equal(await page.evaluate(() => !!document.activeElement.closest('.outcome')), true,
                 'the focus is on the outcome, not lost with the form');
    await waitForText(page, 'تأییدشده');
    await shot(page, 'submission-approved');
    await axeCheck(page, 'an approved submission');
    for (const id of state.good) {
      const found = (await api(ctx.stack, `/api/v1/clients?national_id=${id}`, { token: state.county })).json().items;
      assert.equal(found.length, 1, `client ${id} is in the registry`);
      assert.equal(found[0].center_id, state.center.id);
    }
    const refused = (await api(ctx.stack, `/api/v1/clients?national_id=${state.refusedByApi}`, { token: state.county }))
      .json().items;
    assert.equal(refused.length, 0, 'a refused record is not');

    // rejecting needs a reason, which the NGO then reads
    await page.goto(`${ctx.stack.base_url}/console/submissions/${state.xlsxSubmission}`, { waitUntil: 'networkidle0' });
    await waitForText(page, 'کارکنان این ارسال');
    await page.click('input[type="radio"][value="reject"]');
    await (await byRole(page, 'button', 'رد این ارسال')).click();
    await waitForText(page, SAY.rejectNeedsReason);
    await axeCheck(page, 'a rejection without its reason');
    await page.type('textarea', 'حرفه‌ها را از فهرست قالب بنویسید.');
    await (await byRole(page, 'button', 'رد این ارسال')).click();
    await waitForText(page, SAY.rejected);
    const decided = (await api(ctx.stack, `/api/v1/submissions/${state.xlsxSubmission}`, { token: state.ngo })).json();
    assert.equal(decided.status, 'rejected');
    assert.equal(decided.reason, 'حرفه‌ها را از فهرست قالب بنویسید.');
    const staff = (await api(ctx.stack, `/api/v1/staff?national_id=${state.staff}`, { token: state.county })).json().items;
    assert.equal(staff.length, 0, 'a rejected submission writes nothing');
  } finally {
    await page.closeContext();
  }
});

test('demo.ngo reads the decision; demo.fars (another province) is refused the submission', { timeout: 120_000 }, async () => {
  assert.ok(state.xlsxSubmission, 'the uploads ran first');
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, 'demo.ngo');
    await page.goto(`${ctx.stack.base_url}/console/submissions/${state.xlsxSubmission}`, { waitUntil: 'networkidle0' });
    await waitForText(page, 'حرفه‌ها را از فهرست قالب بنویسید.');
    await waitForText(page, 'ردشده');
    assert.equal(await page.$('input[type="radio"]'), null, 'the NGO cannot decide');
    await shot(page, 'submission-ngo-rejected');
    await axeCheck(page, 'a rejected submission as its NGO sees it');
  } finally {
    await page.closeContext();
  }
  const other = await newPage(ctx.browser);
  try {
    await signIn(other, ctx.stack, 'demo.fars');
    await other.goto(`${ctx.stack.base_url}/console/submissions/${state.csvSubmission}`, { waitUntil: 'networkidle0' });
    await waitForText(other, SAY.notFound);
    assert.ok(!(await visibleText(other)).includes(state.good[0]), 'nothing of the records shows');
    await shot(other, 'submission-other-province');
    await axeCheck(other, 'a submission of another province');
  } finally {
    await other.closeContext();
  }
});

test('a national ID registered in another center: valid to the NGO, named to the officer, left out of the approval',
     { timeout: 180_000 }, async () => {
  await setUp();
  const s = ctx.stack;
  // an ID of a client of another center of the province (the NGO cannot see it; the national admin can)
  const admin = await apiToken(s, 'demo.national');
  const centers = (await api(s, `/api/v1/centers?province=${state.center.province}&limit=50`, { token: admin })).json()
    .items.filter((c) => c.id !== state.center.id);
  let elsewhere = null;
  for (const c of centers) {
    const items = (await api(s, `/api/v1/clients?center_id=${c.id}&limit=1`, { token: admin })).json().items;
    if (items.length) { elsewhere = items[0].national_id; break; }
  }
  assert.ok(elsewhere, 'another center of the province has a client');
  const fresh = nid('880000021');
  const rec = (id, name) => ({ kind: 'client', data: { national_id: id, first_name: name, last_name: 'آزمون',
    birth_date: '1990-01-01', sex: 'female', county_id: state.center.county_id } });
  const r = await api(s, '/api/v1/submissions', { method: 'POST', token: state.ngo, body: { records: [
    rec(fresh, 'شیرین'), rec(elsewhere, 'نسرین')] }, headers: { 'Idempotency-Key': 'console-test-elsewhere' } });
  assert.equal(r.status, 201, r.text);
  const sub = r.json();
  assert.deepEqual(sub.results.map((x) => x.status), ['valid', 'valid'], 'the NGO is told nothing');

  const page = await newPage(ctx.browser);
  try {
    await signIn(page, s, 'demo.county');
    await page.goto(`${s.base_url}/console/submissions/${sub.id}`, { waitUntil: 'networkidle0' });
    await waitForText(page, SAY.mustExclude);
    assert.match(rowOf(await tableTexts(page), 2)['کد ملی'], new RegExp(SAY.elsewhere));
    const forced = await page.$('input[type="checkbox"][aria-label="کنار گذاشتن ردیف ۲"]');
    assert.ok(forced, 'the row has its leave-out box');
    assert.equal(await forced.evaluate((b) => b.checked && b.disabled), true, 'and it cannot be taken back');
    await shot(page, 'submission-review-elsewhere');
    await axeCheck(page, 'a submission holding an ID registered elsewhere');
    await (await byRole(page, 'button', 'تأیید و ثبت ۱ رکورد')).click();
    await waitForText(page, 'تأیید شد: ۱ مددجو، ۰ کارمند و ۰ خدمت در سامانه ثبت شد.');
  } finally {
    await page.closeContext();
  }
  assert.equal((await api(s, `/api/v1/clients?national_id=${fresh}`, { token: state.county })).json().items.length, 1);
  const ngoPage = await newPage(ctx.browser);
  try {
    await signIn(ngoPage, s, 'demo.ngo');
    await ngoPage.goto(`${s.base_url}/console/submissions/${sub.id}`, { waitUntil: 'networkidle0' });
    await waitForText(ngoPage, SAY.excluded);
    assert.ok(!(await visibleText(ngoPage)).includes('مرکز دیگری'), 'the NGO learns nothing of where the ID is');
  } finally {
    await ngoPage.closeContext();
  }
});

test('demo.ngo sends a batch again after the officer rejected it: the rejection is shown, and only after confirming do '
     + 'the same rows go as a new submission with a new key', { timeout: 180_000 }, async () => {
  await setUp();
  const s = ctx.stack;
  const page = await newPage(ctx.browser);
  const dir = tmpDir();
  try {
    await signIn(page, s, 'demo.ngo');
    await page.goto(`${s.base_url}/console/submissions/new`);
    await waitForText(page, 'ارسال فایل مددجویان، کارکنان یا خدمات', { selector: 'h1' });
    const keys = [];
    page.on('request', (q) => {
      if (q.method() === 'POST' && q.url().endsWith('/api/v1/submissions')) keys.push(q.headers()['idempotency-key']);
    });
    const file = path.join(dir, 'again.csv');
    fs.writeFileSync(file, toCsv([CLIENT_HEADER,
      [nid('880000031'), 'لیلا', 'امینی', '', '1371/03/03', 'زن', state.countyName, '', '', '']]));
    const before = (await submissionsOf(state.ngo)).length;
    await pickFile(page, file);
    await (await byRole(page, 'button', 'ارسال ۱ ردیف')).click();
    await waitForText(page, SAY.waiting);
    assert.equal(await page.evaluate(() => !!document.activeElement.closest('.upload-results')), true,
                 'after sending, the focus is on the outcome (the send button is disabled now)');
    const first = (await submissionsOf(state.ngo)).slice(before);
    assert.equal(first.length, 1);
    const reason = 'تاریخ تولد را با شناسنامه بسنجید.';
    const d = await api(s, `/api/v1/submissions/${first[0].id}/decision`, { method: 'POST', token: state.county,
      body: { decision: 'reject', reason } });
    assert.equal(d.status, 200, d.text);

    // the same file again in the same tab: the registry replays the first reply; the screen reads the status now
    await page.reload();
    await pickFile(page, file);
    await (await byRole(page, 'button', 'ارسال ۱ ردیف')).click();
    await waitForText(page, SAY.replayed);
    const shown = await waitForText(page, SAY.nowRejected);
    assert.ok(shown.includes(reason), 'the officer\'s reason is shown');
    assert.ok(!shown.includes(SAY.waiting), 'a rejected submission is not said to await review');
    assert.equal(rowOf(await tableTexts(page), 2)['وضعیت'], 'پذیرفته شد، ولی کارشناس ارسال را رد کرد');
    assert.equal((await submissionsOf(state.ngo)).length, before + 1, 'the replay made nothing');
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1], 'the replay carried the batch\'s key');
    await shot(page, 'submission-upload-replayed-rejected');
    await axeCheck(page, 'a replayed batch whose submission was rejected');

    // sending as new asks first; cancelling sends nothing
    await (await byRole(page, 'button', SAY.resend)).click();
    await byRole(page, 'button', SAY.resendYes);
    assert.equal(await page.evaluate(() => !!document.activeElement.closest('[role="alertdialog"]')), true,
                 'the question takes the focus');
    await axeCheck(page, 'the question before sending again');
    await (await byRole(page, 'button', 'انصراف')).click();
    await page.waitForFunction(() => !document.querySelector('[role="alertdialog"]'));
    assert.equal(keys.length, 2, 'cancelled: nothing sent');
    await (await byRole(page, 'button', SAY.resend)).click();
    await (await byRole(page, 'button', SAY.resendYes)).click();
    await waitForText(page, SAY.waiting);
    const now = (await submissionsOf(state.ngo)).slice(before);
    assert.equal(now.length, 2, 'a new submission was made');
    assert.equal(now[1].record_count, 1);
    assert.equal(now[1].status, 'pending');
    assert.equal(keys.length, 3);
    assert.notEqual(keys[2], keys[0], 'with a new key');
    const text = latinDigits(await visibleText(page));
    assert.ok(text.includes(`ارسال شمارهٔ ${now[1].id}: 1 رکورد پذیرفته شد و 0 رکورد خطا دارد؛ در انتظار بررسی کارشناس.`), text);
    assert.ok(!text.includes(SAY.nowRejected), 'the old receipt gave way to the new one');
    assert.equal(await page.$(`::-p-aria([name="${SAY.resend}"][role="button"])`), null, 'nothing left to send again');
    await shot(page, 'submission-upload-sent-as-new');
  } finally {
    await page.closeContext();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

