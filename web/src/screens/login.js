// login.js - the console's sign-in: the same password check, lock-out and audit as the API's login; the session
// comes back as an HttpOnly cookie the page's scripts never see.
import { useState, useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { strings, t } from '../i18n.js';
import { signIn, session, idleSeconds } from '../session.js';
import { navigate } from '../router.js';
import { Page, TextField, Notice, errorText } from '../ui.js';
import { digits } from '../format.js';

const T = strings({
  fa: {
    title: 'ورود به سامانه', username: 'نام کاربری', password: 'گذرواژه', submit: 'ورود', busy: 'در حال ورود…',
    wrong: 'نام کاربری یا گذرواژه درست نیست.', locked: 'ورودهای نادرست زیاد بود؛ چند دقیقهٔ دیگر دوباره بکوشید.',
    required: 'این خانه را پر کنید.',
  },
  en: {
    title: 'Sign in', username: 'Username', password: 'Password', submit: 'Sign in', busy: 'Signing in…',
    wrong: 'Wrong username or password.', locked: 'Too many failed attempts; try again in a few minutes.',
    required: 'Fill in this field.',
  },
});

// Only a path of the console itself may be where the sign-in leads (never another site).
function safeNext(next) {
  return next && next.startsWith('/console/') && !next.startsWith('/console/login') && !next.startsWith('//') ? next : '/console/';
}

export function Login({ query }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const reason = query.get('reason');
  const next = safeNext(query.get('next'));

  useEffect(() => { if (session.get()) navigate(next, { replace: true }); }, []);

  async function submit(e) {
    e.preventDefault();
    const errs = {};
    if (!username.trim()) errs.username = T('required');
    if (!password) errs.password = T('required');
    setErrors(errs);
    setMessage('');
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await signIn(username.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      setPassword('');
      setMessage(err.status === 401 ? T('wrong') : err.status === 429 ? T('locked') : errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const why = reason === 'idle' ? t('idle_signed_out', { minutes: digits(Math.round(idleSeconds / 60)) })
    : reason === 'expired' ? t('expired_signed_out') : reason === 'signed_out' ? t('signed_out') : '';
  return html`<${Page} title=${T('title')}>
    ${why ? html`<${Notice}>${why}<//>` : null}
    <form class="login card" method="post" action="/console/login" onSubmit=${submit} novalidate>
      <${TextField} label=${T('username')} value=${username} onInput=${setUsername} error=${errors.username}
        name="username" autocomplete="username" dir="ltr" required />
      <${TextField} label=${T('password')} type="password" value=${password} onInput=${setPassword}
        error=${errors.password} name="password" autocomplete="current-password" dir="ltr" required />
      ${message ? html`<div class="notice error" role="alert">${message}</div>` : null}
      <button type="submit" class="primary" disabled=${busy}>${busy ? T('busy') : T('submit')}</button>
    </form>
  <//>`;
}
