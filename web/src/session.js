// session.js - who is signed in (GET /auth/me), sign-in and sign-out through the cookie session, and the idle
// sign-out: after the configured minutes without a key press, click or touch (the server puts the number in the
// page's registry-idle-seconds meta), the console ends the session on the server and says why.
import { api, setUnauthorizedHandler } from './api.js';
import { location } from './router.js';
import { signal } from './state.js';

export const session = signal(undefined);       // undefined: not known yet; null: signed out; else the user

const meta = document.querySelector('meta[name="registry-idle-seconds"]');
export const idleSeconds = Math.max(60, parseInt(meta && meta.content, 10) || 1800);

// Every way out (sign-out, idle, expiry, a sign-out in another tab) is a full page load of the sign-in page: nothing
// the last user's screens kept in memory (lists, names, form state) survives into the next user's session.
let leaving = false;
function toLogin(reason) {
  if (leaving) return;
  leaving = true;
  const here = location.get();
  const next = here.startsWith('/console/login') ? '' : '&next=' + encodeURIComponent(here);
  window.location.replace('/console/login?reason=' + reason + next);
}

let signingOut = false;
setUnauthorizedHandler(() => {
  if (session.get() && !signingOut) toLogin('expired');
});

// Why GET /auth/me failed at start (the network, 503): App shows it with a retry button; null when it did not.
export const sessionError = signal(null);

export async function loadSession() {
  sessionError.set(null);
  try {
    const r = await api('GET', '/auth/me', { quiet401: true });
    session.set(r.data);
  } catch (e) {
    if (e.status === 401) session.set(null);
    else sessionError.set(e);
  }
}

export async function signIn(username, password) {
  const r = await api('POST', '/auth/login', { query: { cookie: 'true' }, body: { username, password }, quiet401: true });
  session.set(r.data.user);
  lastActivity = Date.now();
  store(ACTIVITY_KEY, String(lastActivity));
  return r.data.user;
}

export async function signOut(reason = 'signed_out') {
  if (signingOut || leaving) return;
  signingOut = true;              // the screens' requests answered 401 meanwhile are not an expiry
  try { await api('POST', '/auth/logout', { quiet401: true }); } catch { /* the session may be gone already */ }
  store(SIGNOUT_KEY, reason + ':' + Date.now());
  toLogin(reason);
}

// Activity is shared between the console's tabs (a timestamp in localStorage, no secret): a person working in one
// tab is not signed out by another tab left idle. Signing out in one tab sends the others to the sign-in page.
const ACTIVITY_KEY = 'registry.activity', SIGNOUT_KEY = 'registry.signout';
let lastActivity = Date.now(), lastShared = 0;
function store(key, value) { try { localStorage.setItem(key, value); } catch { /* storage off: this tab alone */ } }
function stored(key) { try { return Number(localStorage.getItem(key)) || 0; } catch { return 0; } }

for (const ev of ['keydown', 'pointerdown', 'wheel', 'touchstart'])
  window.addEventListener(ev, () => {
    lastActivity = Date.now();
    if (lastActivity - lastShared > 5000) { lastShared = lastActivity; store(ACTIVITY_KEY, String(lastActivity)); }
  }, { passive: true, capture: true });

window.addEventListener('storage', (e) => {
  if (e.key === SIGNOUT_KEY && e.newValue && session.get())
    toLogin(e.newValue.split(':')[0] === 'idle' ? 'idle' : 'signed_out');
});

// Checked every few seconds rather than one long timer: a sleeping laptop's timers stop, the clock does not.
setInterval(() => {
  const last = Math.max(lastActivity, stored(ACTIVITY_KEY));
  if (session.get() && Date.now() - last >= idleSeconds * 1000) signOut('idle');
}, 5000);

export function hasRole(user, ...roles) { return !!user && roles.includes(user.role); }
export const canWrite = (u) => hasRole(u, 'national_admin', 'provincial_admin', 'provincial_officer', 'county_officer');
export const isAdmin = (u) => hasRole(u, 'national_admin', 'provincial_admin');
// the oversight role reads every user account too (never changes one): the users screen, read-only
export const readsUsers = (u) => isAdmin(u) || hasRole(u, 'national_viewer');
export const canReview = (u) => hasRole(u, 'national_admin', 'provincial_admin', 'provincial_officer', 'county_officer');
