// Centers and staff in the console, as a person sees them: the center list and a center's page opened by its pasted
// link show what the API gives (name, type in Persian, staff names, capacity and occupancy, license status); an NGO
// submitter sees only its own center and is refused another's link; an edit that meets someone else's change shows
// both versions; a staff member's page shows their trainings and a writer adds one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, apiToken, axeCheck, byRole, latinDigits, newPage, problems, shot, signIn, tableTexts, useConsole, visibleText,
  waitForText,
} from './lib.mjs';

// What the console says (web/src/i18n.js, web/src/screens/centers.js, staff.js, conflict.js).
const TEXT = {
  listTitle: 'مراکز',
  type: {
    rehabilitation_day: 'توان‌بخشی روزانه', elderly_care: 'نگهداری سالمندان', counseling: 'مشاوره',
    vocational_training: 'آموزش حرفه‌ای', addiction_outpatient: 'درمان سرپایی اعتیاد', kindergarten: 'مهدکودک',
    cbr_office: 'توان‌بخشی مبتنی بر جامعه', social_emergency: 'اورژانس اجتماعی',
  },
  license: { valid: 'معتبر', expiring: 'کمتر از ۹۰ روز تا انقضا', expired: 'منقضی‌شده' },
  notFound: 'پیدا نشد، یا در حوزهٔ دسترسی شما نیست.',
  edit: 'ویرایش', save: 'ذخیره', capacity: 'ظرفیت',
  conflict: 'کس دیگری این پرونده را در این فاصله تغییر داده است', keepMine: 'ذخیرهٔ نسخهٔ من روی نسخهٔ تازه',
  saved: 'تغییرات ذخیره شد.',
  course: 'دوره', hours: 'ساعت', completedOn: 'تاریخ پایان', add: 'افزودن', added: 'دوره افزوده شد.',
};

const ctx = useConsole();
const isoIn = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

async function as(user) {
  const token = await apiToken(ctx.stack, user);
  return async (path, opts = {}) => {
    const r = await api(ctx.stack, path, { token, ...opts });
    assert.ok(r.status < 300, `${opts.method || 'GET'} ${path} as ${user}: ${r.status} ${r.text}`);
    return r;
  };
}

async function opened(user, path) {
  const page = await newPage(ctx.browser);
  await signIn(page, ctx.stack, user);
  await page.goto(ctx.stack.base_url + path, { waitUntil: 'load' });
  return page;
}

// the field a person knows by its label's text (an input or a select)
async function field(page, labelText) {
  const h = await page.waitForFunction((text) => {
    const l = [...document.querySelectorAll('main label')].find((x) => x.textContent.trim() === text);
    return l && document.getElementById(l.htmlFor);
  }, { timeout: 15_000 }, labelText);
  return h.asElement();
}

// One expiring and one expired license among the demo centers (they all expire in 400 days as seeded).
let national, centersById;
async function arrange() {
  if (national) return;
  national = await as(ctx.stack.users.national_admin);
  const list = (await national('/api/v1/centers?limit=100')).json().items;
  const byName = (n) => list.find((c) => c.license_no === n);
  for (const [lic, days] of [['DEMO-02', 30], ['DEMO-04', -5]]) {
    const c = byName(lic);
    const r = await national(`/api/v1/centers/${c.id}`);
    await national(`/api/v1/centers/${c.id}`, { method: 'PATCH', body: { license_expires_on: isoIn(days) },
                                                headers: { 'If-Match': r.headers.etag } });
  }
  centersById = new Map((await national('/api/v1/centers?limit=100')).json().items.map((c) => [c.id, c]));
}
// Waits until every text is in what the main landmark shows (the center's staff and clients load on their own).
async function waitForAll(page, texts, what) {
  try {
    await page.waitForFunction((ts) => {
      const t = (document.querySelector('main')?.innerText ?? '').replace(/\s+/g, ' ');
      return ts.every((x) => t.includes(x));
    }, { timeout: 15_000 }, texts);
  } catch (e) {
    const shown = latinDigits(await visibleText(page));
    throw new Error(`${what}: ${JSON.stringify(texts.filter((x) => !shown.includes(latinDigits(x))))} not shown in: ${shown}`, { cause: e });
  }
}

// The text of what has the keyboard focus (a screen reader reads it next).
const focusedText = (page) => page.evaluate(() => (document.activeElement?.innerText || '').replace(/\s+/g, ' ').trim());

const licenseOf = (c) => {
  const days = Math.round((Date.parse(c.license_expires_on) - Date.parse(new Date().toISOString().slice(0, 10))) / 86400000);
  return days < 0 ? 'expired' : days <= 90 ? 'expiring' : 'valid';
};

test('the center list shows each center of the API: name, type in Persian, capacity, occupancy, license',
     { timeout: 180_000 }, async () => {
  await arrange();
  const page = await opened(ctx.stack.users.national_admin, '/console/centers');
  try {
    await waitForText(page, [...centersById.values()][0].name, { selector: 'main' });
    const rows = (await tableTexts(page)).slice(1);
    assert.equal(rows.length, centersById.size, `one row per center: ${JSON.stringify(rows)}`);
    const seen = new Set();
    for (const c of centersById.values()) {
      const row = rows.find((r) => r[0] === c.name);
      assert.ok(row, `${c.name} is listed: ${JSON.stringify(rows)}`);
      seen.add(c.license_expires_on && licenseOf(c));
      const text = latinDigits(row.join(' | '));
      assert.ok(row.includes(TEXT.type[c.type]), `${c.name}: type ${c.type} in Persian: ${row}`);
      assert.equal(latinDigits(row[4]), c.capacity === null ? '—' : String(c.capacity), `${c.name} capacity`);
      assert.equal(latinDigits(row[5]), String(c.active_clients), `${c.name} active clients`);
      if (c.capacity) assert.ok(text.includes(`${c.active_clients} از ${c.capacity} (${Math.round(100 * c.active_clients / c.capacity)}٪)`),
                                `${c.name} occupancy: ${text}`);
      assert.ok(row[7].startsWith(TEXT.license[licenseOf(c)]), `${c.name} license ${licenseOf(c)}: ${row[7]}`);
    }
    assert.deepEqual([...seen].sort(), ['expired', 'expiring', 'valid'], 'the three license states are all shown');
    await shot(page, 'centers-list');
    await axeCheck(page, 'the center list');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('a center page opened by its pasted link shows its facts, staff, occupancy and license as the API gives them',
     { timeout: 180_000 }, async () => {
  await arrange();
  const c = [...centersById.values()].find((x) => x.license_no === 'DEMO-02');    // the expiring one
  const staff = (await national(`/api/v1/staff?center_id=${c.id}&limit=100`)).json().items;
  const active = (await national(`/api/v1/clients?center_id=${c.id}&status=active&limit=500`)).json().items;
  assert.ok(staff.length > 0 && active.length > 0, 'the demo center has staff and clients');
  assert.equal(c.active_clients, active.length, 'the API counts the active clients it lists');
  const page = await opened(ctx.stack.users.national_admin, `/console/centers/${c.id}`);
  try {
    await waitForAll(page, staff.map((x) => `${x.first_name} ${x.last_name}`), 'the staff');
    await waitForAll(page, active.slice(0, 5).map((x) => `${x.first_name} ${x.last_name}`), 'the clients');
    const heading = await page.$eval('main h1', (h) => h.textContent);
    assert.equal(heading, c.name);
    const text = latinDigits(await visibleText(page));
    assert.ok(text.includes(TEXT.type[c.type]), `the type in Persian: ${text}`);
    for (const s of staff) assert.ok(text.includes(`${s.first_name} ${s.last_name}`), `staff ${s.last_name}: ${text}`);
    assert.ok(text.includes(`${c.active_clients} از ${c.capacity}`), `occupancy: ${text}`);
    assert.ok(text.includes(latinDigits(TEXT.license.expiring)), `the license expires within 90 days: ${text}`);
    assert.ok(text.includes('CBR (24 ساعت)'), `the staff's trainings: ${text}`);
    for (const x of active.slice(0, 5)) assert.ok(text.includes(`${x.first_name} ${x.last_name}`), `client ${x.last_name}`);
    await shot(page, 'center-page');
    await axeCheck(page, 'a center page');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('an NGO submitter sees only its own center and is refused another center by its link',
     { timeout: 180_000 }, async () => {
  await arrange();
  const ngo = await as(ctx.stack.users.ngo_submitter);
  const mine = (await ngo('/api/v1/centers')).json().items;
  assert.equal(mine.length, 1);
  const page = await opened(ctx.stack.users.ngo_submitter, '/console/centers');
  try {
    await waitForText(page, mine[0].name, { selector: 'main' });
    const rows = (await tableTexts(page)).slice(1);
    assert.deepEqual(rows.map((r) => r[0]), [mine[0].name]);
    await shot(page, 'centers-list-ngo');
    await axeCheck(page, 'the NGO submitter’s center list');

    const other = [...centersById.values()].find((x) => x.id !== mine[0].id);
    await page.goto(`${ctx.stack.base_url}/console/centers/${other.id}`, { waitUntil: 'load' });
    await waitForText(page, TEXT.notFound, { selector: 'main' });
    assert.ok(!(await visibleText(page)).includes(other.name), 'nothing of the other center shows');
    await shot(page, 'center-page-refused');
    await axeCheck(page, 'another center refused');
    // the NGO clerk reads its own center but has no edit button
    await page.goto(`${ctx.stack.base_url}/console/centers/${mine[0].id}`, { waitUntil: 'load' });
    await waitForText(page, mine[0].name, { selector: 'main h1' });
    assert.equal(await page.$$eval('main button', (bs) => bs.filter((b) => b.textContent === 'ویرایش').length), 0);
  } finally {
    await page.closeContext();
  }
});

test('an edit that meets someone else’s change shows both versions, and saving mine keeps theirs too',
     { timeout: 180_000 }, async () => {
  await arrange();
  const c = [...centersById.values()].find((x) => x.license_no === 'DEMO-03');
  const page = await opened(ctx.stack.users.national_admin, `/console/centers/${c.id}`);
  try {
    // a cancelled edit gives the focus back to the edit button
    await (await byRole(page, 'button', TEXT.edit)).click();
    await (await byRole(page, 'button', 'انصراف')).click();
    await page.waitForFunction((t) => document.activeElement?.innerText.trim() === t, { timeout: 15_000 }, TEXT.edit);
    await (await byRole(page, 'button', TEXT.edit)).click();
    const cap = await field(page, TEXT.capacity);
    await cap.click({ count: 3 });
    await cap.type('۷۵');
    // meanwhile, someone else renames it
    const now = await national(`/api/v1/centers/${c.id}`);
    await national(`/api/v1/centers/${c.id}`, { method: 'PATCH', body: { name: c.name + ' نو' },
                                                headers: { 'If-Match': now.headers.etag } });
    await (await byRole(page, 'button', TEXT.save)).click();
    const text = await waitForText(page, TEXT.conflict, { selector: 'main' });
    assert.ok(latinDigits(text).includes('75'), `my capacity is shown: ${text}`);
    const table = await tableTexts(page, 'main .conflict table');
    assert.ok(table.some((r) => latinDigits(r.join('|')).includes('75')), JSON.stringify(table));
    // both versions: the other person's name beside the one I read
    assert.ok(table.some((r) => r.includes(c.name) && r.includes(c.name + ' نو')), JSON.stringify(table));
    await shot(page, 'center-edit-conflict');
    await axeCheck(page, 'the conflict view');
    await (await byRole(page, 'button', TEXT.keepMine)).click();
    await waitForText(page, TEXT.saved, { selector: 'main' });
    assert.equal(await focusedText(page), TEXT.saved, 'the focus is on the notice after the save');
    const after = (await national(`/api/v1/centers/${c.id}`)).json();
    assert.equal(after.capacity, 75);
    assert.equal(after.name, c.name + ' نو', 'the other change is kept');
    assert.equal(await page.$eval('main h1', (h) => h.textContent), after.name);
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('a staff member’s page shows their trainings, and a writer adds one the API then has',
     { timeout: 180_000 }, async () => {
  await arrange();
  const s = (await national('/api/v1/staff?limit=1')).json().items[0];
  const page = await opened(ctx.stack.users.national_admin, `/console/staff/${s.id}`);
  try {
    // the heading and the tab name the record, the person's name is the first line (isolated: <bdi>)
    await waitForText(page, `${s.first_name} ${s.last_name}`, { selector: 'main .person-name bdi' });
    assert.equal(latinDigits(await visibleText(page, 'main h1')), `کارمند ${s.id}`);
    assert.ok(!(await page.title()).includes(s.last_name), await page.title());
    const rows = (await tableTexts(page)).slice(1).map((r) => latinDigits(r.join(' | ')));
    assert.deepEqual(rows, s.trainings.map((x) => `${x.course} | ${x.hours} | ${x.completed_on_jalali.replace(/-/g, '/')}`));
    await shot(page, 'staff-page');
    await axeCheck(page, 'a staff member’s page');
    await (await field(page, TEXT.course)).type('مددکاری خانواده');
    await (await field(page, TEXT.hours)).type('۱۶');
    await (await field(page, TEXT.completedOn)).type('۱۴۰۴/۰۲/۱۰');
    await (await byRole(page, 'button', TEXT.add)).click();
    await waitForText(page, TEXT.added, { selector: 'main' });
    const after = (await national(`/api/v1/staff/${s.id}`)).json().trainings;
    assert.deepEqual(after.at(-1), { course: 'مددکاری خانواده', hours: 16, completed_on: '2025-04-30',
                                     completed_on_jalali: '1404-02-10' });
    assert.equal(after.length, s.trainings.length + 1);

    await page.goto(`${ctx.stack.base_url}/console/staff`, { waitUntil: 'load' });
    await waitForText(page, s.last_name, { selector: 'main' });
    const list = (await tableTexts(page)).slice(1);
    const all = (await national('/api/v1/staff?limit=100')).json().items;
    assert.equal(list.length, all.length);
    await shot(page, 'staff-list');
    await axeCheck(page, 'the staff list');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('a training added while a colleague added another: keeping mine adds it to their list, theirs stays',
     { timeout: 180_000 }, async () => {
  await arrange();
  const s = (await national('/api/v1/staff?limit=2')).json().items[1];
  const page = await opened(ctx.stack.users.national_admin, `/console/staff/${s.id}`);
  try {
    await waitForText(page, `${s.first_name} ${s.last_name}`, { selector: 'main .person-name' });
    await (await field(page, TEXT.course)).type('زبان اشاره');
    await (await field(page, TEXT.hours)).type('۸');
    await (await field(page, TEXT.completedOn)).type('۱۴۰۴/۰۳/۰۱');
    // meanwhile a colleague records another training (through the API)
    const now = await national(`/api/v1/staff/${s.id}`);
    const plain = (x) => ({ course: x.course, hours: x.hours, completed_on: x.completed_on });
    const theirs = [...now.json().trainings.map(plain), { course: 'کمک‌های اولیه', hours: 12, completed_on: '2025-05-01' }];
    await national(`/api/v1/staff/${s.id}`, { method: 'PATCH', body: { trainings: theirs },
                                              headers: { 'If-Match': now.headers.etag } });
    await (await byRole(page, 'button', TEXT.add)).click();
    await waitForText(page, TEXT.conflict, { selector: 'main' });
    const table = await tableTexts(page, 'main .conflict table');
    const yours = table[0].indexOf('نسخهٔ شما');      // the column a person reads as their own version
    assert.ok(yours > 0, `a column of my version: ${JSON.stringify(table[0])}`);
    assert.ok(table.slice(1).some((r) => r[yours].includes('کمک‌های اولیه') && r[yours].includes('زبان اشاره')),
              `my version is theirs plus my training: ${JSON.stringify(table)}`);
    await (await byRole(page, 'button', TEXT.keepMine)).click();
    await waitForText(page, TEXT.added, { selector: 'main' });
    const after = (await national(`/api/v1/staff/${s.id}`)).json().trainings.map((x) => x.course);
    assert.deepEqual(after, [...theirs.map((x) => x.course), 'زبان اشاره'], 'the colleague\'s training is kept');
    const rows = (await tableTexts(page)).slice(1).map((r) => r[0]);
    assert.deepEqual(rows, after, 'the page shows the list the API has');
    assert.deepEqual(problems(page).filter((p) => !/status of 412/.test(p)), []);
  } finally {
    await page.closeContext();
  }
});

test('an address whose id is not a number shows "not found" and asks the API for no record', { timeout: 120_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, ctx.stack.users.national_admin);
    const asked = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/api/v1/')) asked.push(new URL(r.url()).pathname); });
    for (const where of ['centers', 'staff', 'clients']) {
      asked.length = 0;
      await page.goto(`${ctx.stack.base_url}/console/${where}/..%2Fusers%2F1`, { waitUntil: 'load' });
      await waitForText(page, TEXT.notFound, { selector: 'main' });
      // (the dashboard signing in opened may still be asking for its figures: only a record's path would be wrong)
      assert.deepEqual(asked.filter((p) => p.startsWith(`/api/v1/${where}/`) || p.startsWith('/api/v1/users/')), [],
                       `${where}: no API path built from the address`);
    }
  } finally {
    await page.closeContext();
  }
});
