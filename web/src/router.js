// router.js - the console's addresses: every screen has a link a person can paste (/console/clients/12). The
// server answers the same page for every /console/... path; this picks the screen from location.pathname.
import { signal } from './state.js';

export const location = signal(window.location.pathname + window.location.search);

export function navigate(href, { replace = false } = {}) {
  if (href === location.get()) return;
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  location.set(href);
  window.scrollTo(0, 0);
}
window.addEventListener('popstate', () => location.set(window.location.pathname + window.location.search));

// Matches '/console/clients/:id' against a path; returns the params or null.
export function match(pattern, path) {
  const ps = pattern.split('/'), xs = path.split('/');
  if (ps.length !== xs.length) return null;
  const params = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) {
      if (!xs[i]) return null;
      params[ps[i].slice(1)] = decodeURIComponent(xs[i]);
    } else if (ps[i] !== xs[i]) return null;
  }
  return params;
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
  e.preventDefault();
  navigate(url.pathname + url.search);
}
