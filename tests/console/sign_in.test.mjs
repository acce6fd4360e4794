// Signing in and out of the console, as a person does, in Chromium and once in Firefox ESR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, axeCheck, byRole, fillSignInForm, launchBrowser, newPage, problems, sessionCookie, shot, signIn, useConsole,
  visibleText, waitForText,
} from './lib.mjs';

// What the console says (web/src/i18n.js, web/src/screens/login.js).
const TEXT = {
  signInTitle: 'ورود به سامانه',
  wrongPassword: 'نام کاربری یا گذرواژه درست نیست.',
  signOut: 'خروج',
  signedOut: 'از سامانه خارج شدید.',
  role: { national_admin: 'مدیر ملی', provincial_admin: 'مدیر استان' },
};

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
