// router.js - the console's addresses: every screen has a link a person can paste (/console/clients/12). The
// server answers the same page for every /console/... path; this picks the screen from location.pathname.
import { signal } from './state.js';

const browser = typeof window !== 'undefined';      // false under node's unit tests (web/test)
export const location = signal(browser ? window.location.pathname + window.location.search : '/console/');

export function navigate(href, { replace = false } = {}) {
  if (href === location.get()) return;
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  location.set(href);
  window.scrollTo(0, 0);
}
if (browser) window.addEventListener('popstate', () => location.set(window.location.pathname + window.location.search));

// Matches '/console/clients/:id' against a path; returns the params (decoded) or null. A part that is not a valid
// escape (a pasted link cut in the middle of %D8%A7) matches nothing, so the screen says "not found".
export function match(pattern, path) {
  const ps = pattern.split('/'), xs = path.split('/');
  if (ps.length !== xs.length) return null;
  const params = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) {
      if (!xs[i]) return null;
      try { params[ps[i].slice(1)] = decodeURIComponent(xs[i]); } catch { return null; }
    } else if (ps[i] !== xs[i]) return null;
  }
  return params;
}

// A record's id from the address (params.id by default) as a number, or null when it is anything but digits: an id
// from the address reaches an API path only through this (/console/loans/..%2Fclients%2F1 must not fetch a client).
export function idParam(params, name = 'id') {
  const v = params && params[name];
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

export function queryOf(href) {
  const i = href.indexOf('?');
  return new URLSearchParams(i < 0 ? '' : href.slice(i + 1));
}

// A link that changes screen without reloading (ctrl/middle click still opens a new tab).
export function onLinkClick(e) {
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, window.location.href);
  if (url.origin !== window.location.origin || !url.pathname.startsWith('/console/')) return;
  // a link within this page (the skip link's #main): the browser moves there itself
  if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
}
