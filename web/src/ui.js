// ui.js - the pieces every screen is made of: the page frame and navigation, tables, form fields with their errors
// beside them, the error box that turns an API answer into a sentence, a pager over cursors, a bar chart.
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import { html } from './html.js';
import { t, label, lang, setLang } from './i18n.js';
import { location } from './router.js';
import { session, signOut, readsUsers } from './session.js';
import { num } from './format.js';

export function useSignal(sig) {
  const [v, setV] = useState(sig.get());
  useEffect(() => { setV(sig.get()); return sig.subscribe(setV); }, [sig]);
  return v;
}

// Runs load() (returning a promise) when deps change: {loading, data, error, reload}. An answer that arrives after
// the screen moved on is dropped. New deps mean new data: the old data is gone from the very render that has the new
// deps (no screen draws the last filter's figures under the new heading); reload() keeps the data shown meanwhile.
export function useLoad(load, deps) {
  const [st, setSt] = useState({ loading: true, data: null, error: null, deps: undefined });
  const gen = useRef(0);
  const start = useCallback((keep) => {
    const g = ++gen.current;
    setSt((s) => (keep ? { ...s, loading: true, error: null } : { loading: true, data: null, error: null, deps }));
    load().then((data) => { if (g === gen.current) setSt({ loading: false, data, error: null, deps }); },
      (error) => { if (g === gen.current) setSt({ loading: false, data: null, error, deps }); });
  }, deps);
  useEffect(() => start(false), [start]);
  const reload = useCallback(() => start(true), [start]);
  if (!sameDeps(st.deps, deps)) return { loading: true, data: null, error: null, reload };
  return { loading: st.loading, data: st.data, error: st.error, reload };
}

function sameDeps(a, b) {
  return !!a && !!b && a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

// After an action removes the focused control (a form closes, a button becomes another), the screen names what
// should take the focus next: focusNext.current = () => element; it is focused after the next render, if still there.
export function useFocusNext() {
  const next = useRef(null);
  useEffect(() => {
    const pick = next.current;
    next.current = null;
    const el = pick && pick();
    if (el && el.isConnected) el.focus();
  });
  return next;
}

// A screen: its title in the tab and as the heading that takes the focus when the screen opens (so a screen
// reader announces the new screen after a link is followed).
export function Page({ title, actions, children }) {
  const h = useRef(null);
  useEffect(() => {
    document.title = title + ' | ' + t('app_name');
    if (h.current) h.current.focus({ preventScroll: true });
  }, [title]);
  return html`<section class="page">
    <div class="page-head"><h1 tabindex="-1" ref=${h}>${title}</h1>${actions ? html`<div class="actions">${actions}</div>` : null}</div>
    ${children}
  </section>`;
}

export function errorText(error) {
  if (!error) return '';
  if (error.status === 0) return t('err_network');
  const k = 'err_' + error.status, s = t(k);
  return s === k ? t('err_other', { status: error.status }) : s;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="notice error" role="alert">${errorText(error)}</div>`;
}

export function Notice({ kind = 'info', children }) {
  return html`<div class=${'notice ' + kind} role="status">${children}</div>`;
}

export const Loading = () => html`<p class="loading" role="status">${t('loading')}</p>`;

let fieldSeq = 0;
function useId(prefix) { const r = useRef(null); if (!r.current) r.current = prefix + ++fieldSeq; return r.current; }

// A labelled input with its error beside it (aria-describedby, aria-invalid): error is a message or empty.
export function Field({ label: text, error, hint, children, id }) {
  const fid = id || useId('f');
  const eid = fid + '-err', hid = fid + '-hint';
  const described = [error ? eid : null, hint ? hid : null].filter(Boolean).join(' ') || undefined;
  const child = typeof children === 'function' ? children({ id: fid, 'aria-describedby': described, 'aria-invalid': error ? 'true' : undefined }) : children;
  return html`<div class=${'field' + (error ? ' has-error' : '')}>
    <label for=${fid}>${text}</label>
    ${child}
    ${hint ? html`<small id=${hid} class="hint">${hint}</small>` : null}
    ${error ? html`<small id=${eid} class="field-error">${error}</small>` : null}
  </div>`;
}

export function TextField({ label: text, value, onInput, error, hint, type = 'text', ...rest }) {
  return html`<${Field} label=${text} error=${error} hint=${hint}>${(a) =>
    html`<input type=${type} value=${value ?? ''} onInput=${(e) => onInput(e.currentTarget.value)} ...${a} ...${rest} />`}<//>`;
}

// options: [[value, text], ...]; an empty first option when placeholder is given.
export function SelectField({ label: text, value, onChange, options, placeholder, error, ...rest }) {
  return html`<${Field} label=${text} error=${error}>${(a) => html`<select value=${value ?? ''}
      onChange=${(e) => onChange(e.currentTarget.value)} ...${a} ...${rest}>
      ${placeholder !== undefined ? html`<option value="">${placeholder}</option>` : null}
      ${options.map(([v, l]) => html`<option value=${v} selected=${String(v) === String(value ?? '')}>${l}</option>`)}
    </select>`}<//>`;
}

// columns: [{key, label, render(row), num: true for right-aligned figures}]
export function DataTable({ caption, columns, rows, empty }) {
  if (!rows || rows.length === 0) return html`<p class="empty">${empty || t('none')}</p>`;
  return html`<div class="table-wrap" tabindex="0" role="region" aria-label=${caption}><table>
    <caption>${caption}</caption>
    <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.num ? 'num' : ''}>${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r, i) => html`<tr key=${r.id ?? i}>${columns.map((c) =>
      html`<td class=${c.num ? 'num' : ''}>${c.render ? c.render(r) : (r[c.key] ?? t('none'))}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

// Cursor pages: the API gives next_cursor; going back means starting over (keyset pages have no "previous").
// label: what it pages (the table's caption, say): its landmark is named "pages of <label>", apart from the buttons
// and from the other pagers on the same screen.
export function Pager({ cursor, next, onNext, onFirst, label: what }) {
  return html`<nav class="pager" aria-label=${what ? t('pager_of', { what }) : t('pager')}>
    ${cursor ? html`<button type="button" onClick=${onFirst}>${t('first_page')}</button>` : null}
    ${next ? html`<button type="button" onClick=${() => onNext(next)}>${t('next_page')}</button>` : null}
  </nav>`;
}

// A horizontal bar chart drawn as SVG, with its figures in text beside each bar; each bar may be a link one
// level down. items: [{label, value, href}]
export function BarChart({ title, items, format = num }) {
  const max = Math.max(1, ...items.map((i) => Number(i.value) || 0));
  const rowH = 26, width = 640, labelW = 170, valueW = 120, barW = width - labelW - valueW;
  // text inherits the page's direction: in Persian "start" is the right end of a text, so one anchor fits both
  const rtl = lang.get() === 'fa';
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <svg viewBox=${`0 0 ${width} ${items.length * rowH + 4}`} role="img" aria-label=${title} width="100%">
      ${items.map((it, i) => {
        const w = Math.round(((Number(it.value) || 0) / max) * barW);
        const y = i * rowH + 2;
        const barX = rtl ? width - labelW - w : labelW;
        const bar = html`<g>
          <text x=${rtl ? width - 4 : 4} y=${y + 17} text-anchor="start" class="chart-label">${it.label}</text>
          <rect x=${barX} y=${y + 4} width=${Math.max(w, 1)} height=${rowH - 8} class="chart-bar" />
          <text x=${rtl ? barX - 6 : barX + w + 6} y=${y + 17} text-anchor="start" class="chart-value">${format(it.value)}</text>
        </g>`;
        return it.href ? html`<a href=${it.href}>${bar}</a>` : bar;
      })}
    </svg>
  </figure>`;
}

const NAV = [
  ['/console/', 'nav_dashboard', () => true],
  ['/console/clients', 'nav_clients', () => true],
  ['/console/centers', 'nav_centers', () => true],
  ['/console/staff', 'nav_staff', () => true],
  ['/console/submissions', 'nav_submissions', () => true],
  ['/console/money', 'nav_money', () => true],    // an NGO's clerk sees its own center's money (the screen says so)
  ['/console/users', 'nav_users', (u) => readsUsers(u)],
  ['/console/password', 'nav_password', () => true],
];

export function Layout({ children }) {
  const user = useSignal(session);
  const here = useSignal(location).split('?')[0];
  useSignal(lang);
  const current = (href) => (href === '/console/' ? here === '/console/' : here.startsWith(href));
  return html`<div class=${user ? 'shell' : 'shell no-nav'}>
    <a class="skip" href="#main">${t('skip')}</a>
    <header class="top">
      <a class="brand" href="/console/">${t('app_name')}</a>
      ${user ? html`<div class="who"><span>${user.full_name || user.username}</span>
        <span class="role">${label('role', user.role)}</span>
        <button type="button" class="link" lang=${lang.get() === 'fa' ? 'en' : 'fa'} title=${t('language_label')}
          onClick=${() => setLang(lang.get() === 'fa' ? 'en' : 'fa')}>${t('language')}</button>
        <button type="button" onClick=${() => signOut()}>${t('sign_out')}</button></div>` : null}
    </header>
    ${user ? html`<nav class="side" aria-label=${t('nav_label')}><ul>
      ${NAV.filter(([, , ok]) => ok(user)).map(([href, key]) =>
        html`<li><a href=${href} aria-current=${current(href) ? 'page' : undefined}>${t(key)}</a></li>`)}
    </ul><p class="nav-extra"><a href="/api/v1/docs" hreflang="en">${t('nav_api_docs')}</a></p></nav>` : null}
    <main id="main" tabindex="-1">${children}</main>
  </div>`;
}
