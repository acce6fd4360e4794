// Users and passwords in the console, as a person does it: an admin creates a user, changes its role, deactivates
// it, and the API agrees at each step; a provincial admin is offered only the roles below theirs and sees the API's
// refusal beside the field; a user changes their own password (the server's rules shown as its field errors) and
// then signs in with the new one and not the old.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, apiToken, axeCheck, byRole, newPage, problems, shot, signIn, tableTexts, useConsole, waitForText,
} from './lib.mjs';

// What the console says (web/src/i18n.js, web/src/screens/users.js) and the API's Persian field messages.
const TEXT = {
  newUser: 'کاربر تازه', username: 'نام کاربری', fullName: 'نام و نام خانوادگی', password: 'گذرواژه', roleField: 'نقش',
  province: 'استان', county: 'شهرستان', create: 'ساختن کاربر', save: 'ذخیره',
  created: (n) => `کاربر ${n} ساخته شد.`, saved: (n) => `تغییرات ${n} ذخیره شد.`,
  deactivated: (n) => `کاربر ${n} غیرفعال شد و دیگر نمی‌تواند وارد شود.`,
  edit: 'ویرایش', deactivate: 'غیرفعال کردن', inactive: 'غیرفعال',
  role: { national_admin: 'مدیر ملی', national_viewer: 'ناظر ملی', provincial_admin: 'مدیر استان',
    provincial_officer: 'کارشناس استان', county_officer: 'کارشناس شهرستان', ngo_submitter: 'کاربر سازمان مردم‌نهاد' },
  choose: 'برگزینید', tehran: 'تهران',
  current: 'گذرواژهٔ کنونی', next: 'گذرواژهٔ تازه', confirm: 'تکرار گذرواژهٔ تازه', change: 'تغییر گذرواژه',
  done: 'گذرواژهٔ شما تغییر کرد؛ نشست‌های دیگر شما پایان یافتند.', mismatch: 'تکرار با گذرواژهٔ تازه یکی نیست.',
  wrongCurrent: 'گذرواژهٔ کنونی درست نیست.', tooShort: 'گذرواژه باید دست‌کم ۱۲ نویسه باشد.',
};
const NEW_PASSWORD = 'Saffron-Kettle-Orbit-5821';

const ctx = useConsole();

async function field(page, labelText) {
  const h = await page.waitForFunction((text) => {
    const l = [...document.querySelectorAll('main label')].find((x) => x.textContent.trim() === text);
    return l && document.getElementById(l.htmlFor);
  }, { timeout: 15_000 }, labelText);
  return h.asElement();
}

// the option values of a select, by their visible texts
async function optionTexts(select) {
  return select.evaluate((s) => [...s.options].filter((o) => o.value).map((o) => o.textContent.trim()));
}

async function choose(page, labelText, optionText) {
  const sel = await field(page, labelText);
  await page.waitForFunction((s, t) => [...s.options].some((o) => o.textContent.trim() === t), { timeout: 15_000 },
                             sel, optionText);
  const value = await sel.evaluate((s, t) => [...s.options].find((o) => o.textContent.trim() === t).value, optionText);
  await sel.select(value);
}

async function userByName(token, username) {
  const r = await api(ctx.stack, '/api/v1/users?limit=500', { token });
  assert.equal(r.status, 200, r.text);
  return r.json().items.find((u) => u.username === username);
}

function rowOf(rows, username) {
  return rows.find((r) => r[0] === username);
}

// Polls the users table until the user's row reads as want (the scope's county name loads after the list).
async function waitForRow(page, username, want) {
  try {
    await page.waitForFunction((n, w) => [...document.querySelectorAll('main table tr')].some((tr) => {
      const cells = [...tr.querySelectorAll('th, td')].map((c) => c.innerText.replace(/\s+/g, ' ').trim());
      return cells[0] === n && JSON.stringify(cells.slice(0, w.length)) === JSON.stringify(w);
    }), { timeout: 15_000 }, username, want);
  } catch (e) {
    throw new Error(`row ${username} never read ${JSON.stringify(want)}: ${JSON.stringify(rowOf(await tableTexts(page) || [], username))}`,
                    { cause: e });
  }
}

// The text of what has the keyboard focus (a screen reader reads it next).
const focusedText = (page) => page.evaluate(() => (document.activeElement?.innerText || '').replace(/\s+/g, ' ').trim());

test('a national admin creates a user, changes its role and deactivates it, and the API agrees',
     { timeout: 240_000 }, async () => {
  const token = await apiToken(ctx.stack, ctx.stack.users.national_admin);
  const page = await newPage(ctx.browser);
  const name = 'console.officer1';
  try {
    await signIn(page, ctx.stack, ctx.stack.users.national_admin);
    await page.goto(`${ctx.stack.base_url}/console/users`, { waitUntil: 'load' });
    await waitForText(page, 'demo.fars', { selector: 'main' });
    await shot(page, 'users-list');
    await axeCheck(page, 'the users list');

    // a form closed by its cancel button gives the focus back to the button that opened it
    await (await byRole(page, 'button', TEXT.newUser)).click();
    await (await byRole(page, 'button', 'انصراف')).click();
    await page.waitForFunction((t) => document.activeElement?.innerText.trim() === t, { timeout: 15_000 }, TEXT.newUser);

    await (await byRole(page, 'button', TEXT.newUser)).click();
    assert.deepEqual(await optionTexts(await field(page, TEXT.roleField)), Object.values(TEXT.role),
                     'a national admin may give every role');
    await (await field(page, TEXT.username)).type(name);
    await (await field(page, TEXT.fullName)).type('نسرین کارگر');
    const pw = await field(page, TEXT.password);
    assert.equal(await pw.evaluate((e) => e.autocomplete), 'new-password');
    await pw.type('short');
    await choose(page, TEXT.roleField, TEXT.role.county_officer);
    await choose(page, TEXT.province, TEXT.tehran);
    await choose(page, TEXT.county, TEXT.tehran);
    await (await byRole(page, 'button', TEXT.create)).click();
    // the server's password rule, in Persian, beside the password field
    await waitForText(page, TEXT.tooShort, { selector: 'main form' });
    await shot(page, 'users-create-refused');
    await axeCheck(page, 'the user form with the API refusal');
    await pw.click({ count: 3 });
    await pw.type(NEW_PASSWORD);
    await (await byRole(page, 'button', TEXT.create)).click();
    await waitForText(page, TEXT.created(name), { selector: 'main' });
    assert.equal(await focusedText(page), TEXT.created(name), 'the focus is on the notice that says what happened');
    let u = await userByName(token, name);
    assert.ok(u, 'the API has the new user');
    assert.equal(u.role, 'county_officer');
    assert.equal(u.province, 'IR-23');
    assert.equal(u.full_name, 'نسرین کارگر');
    assert.ok(u.county_id > 0 && u.active);
    await waitForRow(page, name, [name, 'نسرین کارگر', TEXT.role.county_officer, TEXT.tehran, 'فعال']);

    // change its role: a provincial officer of Tehran
    await (await byRole(page, 'button', `${TEXT.edit} ${name}`)).click();
    await waitForText(page, `نقش و حوزهٔ ${name}`, { selector: 'main h2' });
    await choose(page, TEXT.roleField, TEXT.role.provincial_officer);
    await shot(page, 'users-edit');
    await axeCheck(page, 'the user edit form');
    await (await byRole(page, 'button', TEXT.save)).click();
    await waitForText(page, TEXT.saved(name), { selector: 'main' });
    assert.equal(await focusedText(page), TEXT.saved(name), 'the focus is on the notice after a save');
    u = await userByName(token, name);
    assert.deepEqual([u.role, u.province, u.county_id, u.active], ['provincial_officer', 'IR-23', null, true]);
    const signedIn = await api(ctx.stack, '/api/v1/auth/login', { method: 'POST', body: { username: name, password: NEW_PASSWORD } });
    assert.equal(signedIn.status, 200, 'the user can sign in while active');

    // deactivate it
    await (await byRole(page, 'button', `${TEXT.deactivate} ${name}`)).click();
    await waitForText(page, TEXT.deactivated(name), { selector: 'main' });
    u = await userByName(token, name);
    assert.equal(u.active, false);
    await page.waitForFunction((n) => [...document.querySelectorAll('main tr')].some((tr) =>
      tr.innerText.includes(n) && tr.innerText.includes('غیرفعال') && !tr.innerText.includes('غیرفعال کردن')),
    { timeout: 15_000 }, name);
    const refused = await api(ctx.stack, '/api/v1/auth/login', { method: 'POST', body: { username: name, password: NEW_PASSWORD } });
    assert.equal(refused.status, 401, 'a deactivated user cannot sign in');
    await shot(page, 'users-deactivated');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('a provincial admin is offered only the roles below theirs and sees the API refuse a taken username',
     { timeout: 180_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, ctx.stack.users.provincial_admin);
    await page.goto(`${ctx.stack.base_url}/console/users`, { waitUntil: 'load' });
    await waitForText(page, 'demo.county', { selector: 'main' });
    const names = (await tableTexts(page)).slice(1).map((r) => r[0]);
    const token = await apiToken(ctx.stack, ctx.stack.users.provincial_admin);
    const viaApi = (await api(ctx.stack, '/api/v1/users?limit=500', { token })).json().items.map((u) => u.username);
    assert.deepEqual(names.sort(), viaApi.sort(), 'the list is the API’s list for this admin');
    assert.ok(!names.includes('demo.fars'), 'no user of another province');
    // a form closed by its cancel button gives the focus back to the button that opened it
    await (await byRole(page, 'button', TEXT.newUser)).click();
    await (await byRole(page, 'button', 'انصراف')).click();
    await page.waitForFunction((t) => document.activeElement?.innerText.trim() === t, { timeout: 15_000 }, TEXT.newUser);

    await (await byRole(page, 'button', TEXT.newUser)).click();
    assert.deepEqual(await optionTexts(await field(page, TEXT.roleField)),
                     [TEXT.role.provincial_officer, TEXT.role.county_officer, TEXT.role.ngo_submitter]);
    await choose(page, TEXT.roleField, TEXT.role.provincial_officer);
    assert.equal(await (await field(page, TEXT.province)).evaluate((s) => s.disabled), true, 'their province only');
    await (await field(page, TEXT.username)).type('demo.county');
    await (await field(page, TEXT.password)).type(NEW_PASSWORD);
    await (await byRole(page, 'button', TEXT.create)).click();
    // the API's 409 for the taken username, beside the username field
    const msg = await page.waitForFunction(() => {
      const input = document.querySelector('main input[autocomplete="off"]');
      const id = input && input.getAttribute('aria-describedby');
      return id && document.getElementById(id.split(' ')[0])?.textContent;
    }, { timeout: 15_000 });
    assert.equal(await msg.jsonValue(), 'این نام کاربری پیش‌تر گرفته شده است.', 'the refusal, in Persian, beside the field');
    await shot(page, 'users-provincial-refused');
    await axeCheck(page, 'the provincial admin’s user form');
    const users = (await api(ctx.stack, '/api/v1/users?limit=500', { token })).json().items;
    assert.equal(users.filter((u) => u.username === 'demo.county').length, 1, 'nothing was created');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('the national viewer reads every user account, read-only: no new user, no action on any row',
     { timeout: 180_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, ctx.stack.users.national_viewer);
    await page.goto(`${ctx.stack.base_url}/console/users`, { waitUntil: 'load' });
    await waitForText(page, 'demo.county', { selector: 'main' });
    const rows = (await tableTexts(page)).slice(1);
    const token = await apiToken(ctx.stack, ctx.stack.users.national_viewer);
    const viaApi = (await api(ctx.stack, '/api/v1/users?limit=500', { token })).json().items.map((u) => u.username);
    assert.deepEqual(rows.map((r) => r[0]).sort(), viaApi.sort(), 'the list is the API’s list for the viewer');
    assert.ok(viaApi.includes('demo.fars'), 'every province’s users');
    const buttons = await page.$$eval('main button', (bs) => bs.map((b) => b.textContent.trim()));
    assert.ok(!buttons.includes(TEXT.newUser), 'no new-user button for a role that writes nothing');
    assert.equal(await page.$$eval('main .row-actions', (a) => a.length), 0, 'no action on any row');
    await axeCheck(page, 'the viewer’s users screen');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('a user changes their own password, then signs in with the new one and not the old',
     { timeout: 240_000 }, async () => {
  const admin = await apiToken(ctx.stack, ctx.stack.users.national_admin);
  const name = 'console.viewer2', first = 'Harbor-Quill-Meadow-3307';
  const made = await api(ctx.stack, '/api/v1/users', { method: 'POST', token: admin,
                                                        body: { username: name, password: first, role: 'national_viewer' } });
  assert.equal(made.status, 201, made.text);
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, name, first);
    await page.goto(`${ctx.stack.base_url}/console/password`, { waitUntil: 'load' });
    const current = await field(page, TEXT.current);
    const next = await field(page, TEXT.next);
    const confirm = await field(page, TEXT.confirm);
    assert.deepEqual(await Promise.all([current, next, confirm].map((e) => e.evaluate((x) => x.autocomplete))),
                     ['current-password', 'new-password', 'new-password']);
    await shot(page, 'password');
    await axeCheck(page, 'the password screen');

    const submit = async () => (await byRole(page, 'button', TEXT.change)).click();
    const fill = async (a, b, c) => {
      for (const [el, v] of [[current, a], [next, b], [confirm, c]]) { await el.click({ count: 3 }); await el.type(v); }
    };
    await fill(first, NEW_PASSWORD, NEW_PASSWORD + 'x');
    await submit();
    await waitForText(page, TEXT.mismatch, { selector: 'main form' });
    await fill('Wrong-Current-Pass-1188', NEW_PASSWORD, NEW_PASSWORD);
    await submit();
    await waitForText(page, TEXT.wrongCurrent, { selector: 'main form' });
    await fill(first, 'too-short', 'too-short');
    await submit();
    await waitForText(page, TEXT.tooShort, { selector: 'main form' });
    await shot(page, 'password-refused');
    await axeCheck(page, 'the password screen with the server’s rule');
    await fill(first, NEW_PASSWORD, NEW_PASSWORD);
    await submit();
    await waitForText(page, TEXT.done, { selector: 'main' });
    await shot(page, 'password-changed');

    const old = await api(ctx.stack, '/api/v1/auth/login', { method: 'POST', body: { username: name, password: first } });
    assert.equal(old.status, 401, 'the old password no longer signs in');
    const fresh = await newPage(ctx.browser);
    try {
      await signIn(fresh, ctx.stack, name, NEW_PASSWORD);
      await waitForText(fresh, name, { selector: 'header' });
    } finally {
      await fresh.closeContext();
    }
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});
