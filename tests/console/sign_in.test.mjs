// Signing in and out of the console, as a person does, in Chromium and once in Firefox ESR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, apiToken, axeCheck, byRole, fillSignInForm, launchBrowser, newPage, problems, sessionCookie, shot, signIn, until,
  useConsole, visibleText, waitForText,
} from './lib.mjs';

// What the console says (web/src/i18n.js, web/src/screens/login.js).
const TEXT = {
  signInTitle: 'ورود به سامانه',
  wrongPassword: 'نام کاربری یا گذرواژه درست نیست.',
  signOut: 'خروج',
  signedOut: 'از سامانه خارج شدید.',
  role: { national_admin: 'مدیر ملی', provincial_admin: 'مدیر استان', ngo_submitter: 'کاربر سازمان مردم‌نهاد' },
  staffTitle: 'کارکنان', centerFilter: 'مرکز', all: 'همه',
  skip: 'رفتن به محتوای اصلی',
  notFound: 'پیدا نشد، یا در حوزهٔ دسترسی شما نیست.',
  startFailed: 'سامانه در دسترس نیست', dbDown: 'پایگاه داده در دسترس نیست؛ کمی بعد دوباره بکوشید.',
  retry: 'تلاش دوباره',
};

// The choices a person sees in the select named name (the "all" placeholder left out).
async function choices(page, name) {
  const select = await byRole(page, 'combobox', name);
  return select.evaluate((s) => [...s.options].filter((o) => o.value !== '').map((o) => o.textContent.trim()));
}

const ctx = useConsole();
const PERSIAN = /[\u0600-\u06FF]/;

test('the sign-in page is Persian, right to left, accessible, and served with a Content-Security-Policy',
     { timeout: 120_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    const first = await page.goto(`${ctx.stack.base_url}/`, { waitUntil: 'load' });
    // GET / and GET /console/ lead a person without a session to the sign-in page.
    await page.waitForFunction(() => location.pathname.startsWith('/console/login'), { timeout: 15_000 });
    assert.equal(first.status(), 200, 'the page a person lands on answers 200');
    const csp = first.headers()['content-security-policy'] || '';
    assert.match(csp, /script-src 'self'/, `Content-Security-Policy of ${first.url()}: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, csp);

    const { lang, dir } = await page.evaluate(() => ({ lang: document.documentElement.lang,
                                                       dir: document.documentElement.dir }));
    assert.equal(lang, 'fa');
    assert.equal(dir, 'rtl');
    await page.waitForSelector('input[autocomplete="username"]', { visible: true });
    await waitForText(page, TEXT.signInTitle, { selector: 'main' });
    assert.match(await visibleText(page, 'body'), PERSIAN, 'the sign-in page speaks Persian');
    await shot(page, 'sign-in');
    await axeCheck(page, 'the sign-in page');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('a wrong password keeps the person on the sign-in page with a Persian message beside the form',
     { timeout: 120_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    await page.goto(`${ctx.stack.base_url}/console/login`, { waitUntil: 'load' });
    await page.waitForSelector('input[autocomplete="username"]', { visible: true });
    const before = await visibleText(page, 'body');
    await fillSignInForm(page, ctx.stack.users.national_admin, 'not-the-password-1');
    const message = await waitForText(page, TEXT.wrongPassword, { selector: 'body' });
    assert.ok(!before.includes(TEXT.wrongPassword), 'the message was not there before the attempt');
    // Beside the form: the message is announced (role=alert or a live region) inside the form or next to it.
    const announced = await page.evaluate(() => [...document.querySelectorAll('[role="alert"], [aria-live]')]
      .filter((e) => e.closest('form') || e.parentElement?.querySelector('form'))
      .map((e) => e.innerText).join(' '));
    assert.ok(announced.includes(TEXT.wrongPassword), `announced near the form: "${announced}"; page: ${message}`);
    assert.match(new URL(page.url()).pathname, /^\/console\/login/);
    assert.equal(await sessionCookie(page), '', 'no session cookie after a failed sign-in');
    await shot(page, 'sign-in-wrong-password');
    await axeCheck(page, 'the sign-in page with its error');
  } finally {
    await page.closeContext();
  }
});

test('demo.national signs in, sees who they are, signs out, and the old cookie no longer works',
     { timeout: 120_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    const user = ctx.stack.users.national_admin;
    await signIn(page, ctx.stack, user);
    assert.doesNotMatch(new URL(page.url()).pathname, /^\/console\/login/);
    const seen = await waitForText(page, TEXT.role.national_admin);
    assert.ok(seen.includes(user), `the page names the user ${user}: ${seen.slice(0, 500)}`);
    await shot(page, 'signed-in-national-admin');
    await axeCheck(page, 'the first screen after signing in');

    const cookie = await sessionCookie(page);
    assert.ok(cookie, 'the browser holds the session cookie');
    const me = await api(ctx.stack, '/api/v1/auth/me', { cookie });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json().username, user);

    await (await byRole(page, 'button', TEXT.signOut)).click();
    await page.waitForFunction(() => location.pathname.startsWith('/console/login'), { timeout: 15_000 });
    await waitForText(page, TEXT.signedOut, { selector: 'main' });
    await page.waitForSelector('input[autocomplete="username"]', { visible: true });
    assert.equal(await sessionCookie(page), '', 'signing out removes the cookie from the browser');
    await shot(page, 'signed-out');
    const after = await api(ctx.stack, '/api/v1/auth/me', { cookie });
    assert.equal(after.status, 401, `the old cookie after signing out: ${after.status} ${after.text}`);
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('Firefox ESR: the same sign-in works', { timeout: 180_000 }, async () => {
  const firefox = await launchBrowser(ctx.stack, 'firefox');
  try {
    const page = await newPage(firefox);
    const user = ctx.stack.users.provincial_admin;
    await signIn(page, ctx.stack, user);
    const seen = await waitForText(page, TEXT.role.provincial_admin);
    assert.ok(seen.includes(user), `the page names the user ${user}: ${seen.slice(0, 500)}`);
    await shot(page, 'signed-in-provincial-admin');
    await axeCheck(page, 'the first screen after signing in (Firefox)');
    const cookie = await sessionCookie(page);
    assert.equal((await api(ctx.stack, '/api/v1/auth/me', { cookie })).json().username, user);
    assert.deepEqual(problems(page), []);
  } finally {
    await firefox.close();
  }
});

test('signing out reloads the page: the next person on the same tab sees only their own scope', { timeout: 180_000 },
     async () => {
  const page = await newPage(ctx.browser);
  try {
    const national = (await api(ctx.stack, '/api/v1/centers?limit=500',
      { token: await apiToken(ctx.stack, ctx.stack.users.national_admin) })).json().items.map((c) => c.name);
    const ngo = (await api(ctx.stack, '/api/v1/centers?limit=500',
      { token: await apiToken(ctx.stack, ctx.stack.users.ngo_submitter) })).json().items.map((c) => c.name);
    assert.ok(national.length > 1 && ngo.length === 1 && national.includes(ngo[0]),
              `the demo data: the nation sees ${national.length} centers, the NGO its own: ${ngo}`);

    await signIn(page, ctx.stack, ctx.stack.users.national_admin);
    await page.goto(`${ctx.stack.base_url}/console/staff`, { waitUntil: 'load' });
    await waitForText(page, TEXT.staffTitle, { selector: 'main h1' });
    const seenByNational = await until(async () => {
      const c = await choices(page, TEXT.centerFilter);
      return c.length === national.length && c;
    }, 'every center in the national admin\'s filter');
    assert.deepEqual([...seenByNational].sort(), [...national].sort());
    // something only this page load holds: it must be gone after signing out
    await page.evaluate(() => { window.lastUsersPage = 'national'; });

    await (await byRole(page, 'button', TEXT.signOut)).click();
    await page.waitForFunction(() => location.pathname.startsWith('/console/login'), { timeout: 15_000 });
    await waitForText(page, TEXT.signedOut, { selector: 'main' });
    assert.equal(await page.evaluate(() => window.lastUsersPage ?? 'reloaded'), 'reloaded',
                 'signing out loaded the page anew');

    // the next person signs in on the same tab and lands on the same screen (next= in the address)
    await signIn(page, ctx.stack, ctx.stack.users.ngo_submitter);
    await waitForText(page, TEXT.role.ngo_submitter);
    if (new URL(page.url()).pathname !== '/console/staff')
      await page.goto(`${ctx.stack.base_url}/console/staff`, { waitUntil: 'load' });
    await waitForText(page, TEXT.staffTitle, { selector: 'main h1' });
    const seenByNgo = await until(async () => {
      const c = await choices(page, TEXT.centerFilter);
      return c.length > 0 && c;
    }, 'the NGO\'s center filter');
    assert.deepEqual(seenByNgo, ngo, 'the NGO is offered its own center only');
    await shot(page, 'ngo-after-national');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('the skip link moves to the main content; a broken or non-numeric link says "not found"', { timeout: 120_000 },
     async () => {
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, ctx.stack.users.national_admin);
    await page.goto(`${ctx.stack.base_url}/console/staff`, { waitUntil: 'load' });
    await waitForText(page, TEXT.staffTitle, { selector: 'main h1' });
    const skip = await byRole(page, 'link', TEXT.skip);
    await skip.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'main', { timeout: 10_000 });
    assert.equal(new URL(page.url()).hash, '#main');
    assert.equal(new URL(page.url()).pathname, '/console/staff', 'the same screen, moved within');
    assert.equal(await visibleText(page, 'main h1'), TEXT.staffTitle);

    // a link cut inside a letter's escape (the server serves the page; the bytes are not UTF-8), and ids that are
    // not numbers (one of them would name another API path)
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/api/')) asked.push(new URL(r.url()).pathname); });
    for (const bad of ['/console/clients/%D8', '/console/centers/%E0%A0', '/console/staff/abc',
      '/console/loans/..%2Fclients%2F1']) {
      await page.goto(`${ctx.stack.base_url}${bad}`, { waitUntil: 'load' });
      const text = await waitForText(page, TEXT.notFound, { selector: 'main' });
      assert.equal(await visibleText(page, 'main h1'), TEXT.notFound, `${bad}: ${text}`);
    }
    assert.deepEqual(asked.filter((p) => p !== '/api/v1/auth/me'), [], 'no screen asked the API anything');
    await shot(page, 'not-found');
    await axeCheck(page, 'the not-found screen');
    assert.deepEqual(problems(page), []);
  } finally {
    await page.closeContext();
  }
});

test('when the registry does not answer at start, the page says so in Persian and tries again on request',
     { timeout: 120_000 }, async () => {
  const page = await newPage(ctx.browser);
  try {
    await signIn(page, ctx.stack, ctx.stack.users.national_admin);
    let refuse = true;
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      if (refuse && new URL(r.url()).pathname === '/api/v1/auth/me')
        r.respond({ status: 503, contentType: 'application/problem+json',
                    body: JSON.stringify({ title: 'Service Unavailable', status: 503 }) });
      else r.continue();
    });
    await page.goto(`${ctx.stack.base_url}/console/staff`, { waitUntil: 'load' });
    await waitForText(page, TEXT.dbDown, { selector: 'main [role="alert"]' });
    assert.equal(await visibleText(page, 'main h1'), TEXT.startFailed);
    await shot(page, 'start-failed');
    await axeCheck(page, 'the start-failed screen');

    refuse = false;
    await (await byRole(page, 'button', TEXT.retry)).click();
    await waitForText(page, TEXT.staffTitle, { selector: 'main h1' });
    await waitForText(page, TEXT.role.national_admin);
  } finally {
    await page.closeContext();
  }
});
