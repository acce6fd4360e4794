// clients.js - the list of clients in the reader's scope: a search by name (the API normalises Persian and Arabic
// letter forms) or national ID, filters, pages over the API's cursor and a CSV export of the current filter. The
// search, the filters and the page live in the address (replaceState), so a pasted link shows the same list; a
// searched national ID does not (see go()).
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, saveBlob } from '../api.js';
import { label, t } from '../i18n.js';
import { navigate } from '../router.js';
import { session, canWrite } from '../session.js';
import { jdate, digits, num } from '../format.js';
import { toLatinDigits } from '../digits.js';
import { Page, ErrorBox, Notice, Loading, DataTable, Pager, SelectField, Field, useLoad, useSignal, errorText } from '../ui.js';
import { T } from './client_text.js';
import { DISABILITY_TYPES, SEVERITIES, STATUSES, loadPlaces, loadCounties, placeName, countyName, centerName,
  personName, disabilityText, statusText } from './client_ref.js';

// the address's parameters, in the order they are written back
const KEYS = ['q', 'province', 'county_id', 'center_id', 'disability_type', 'disability_severity', 'status', 'sex', 'cursor'];

// A search text that is a national ID (ten digits, any digit forms, spaces or dashes allowed), as ten Latin digits;
// else ''.
function nationalIdOf(text) {
  const id = toLatinDigits((text || '').trim()).replace(/[\s-]/g, '');
  return /^\d{10}$/.test(id) ? id : '';
}

// A national ID searched for is kept out of the address (the address bar, the browser's history, a "next=" after a
// session expires): it lives in the history entry's state, which stays with that entry (back, forward, reload) and
// is never shown or sent anywhere. Names may stay in the address.
const STATE_KEY = 'clientSearch';
const hiddenSearch = () => (window.history.state && window.history.state[STATE_KEY]) || '';

// Records in a CSV text (RFC 4180: a line break inside quotes is part of a cell), header included.
function csvRecords(text) {
  let n = 0, quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n' && !quoted) n++;
  }
  return n + (text.length && !text.endsWith('\n') ? 1 : 0);
}

function hrefOf(f) {
  const q = new URLSearchParams();
  for (const k of KEYS) if (f[k] && !(k === 'q' && nationalIdOf(f.q))) q.set(k, f[k]);
  const s = q.toString();
  return '/console/clients' + (s ? '?' + s : '');
}

// Shows the list of filter f: its address without a national ID, which goes into the entry's state instead.
function go(f, { replace = false } = {}) {
  navigate(hrefOf(f), { replace });
  const id = nationalIdOf(f.q);
  window.history.replaceState(id ? { [STATE_KEY]: f.q.trim() } : null, '', window.location.href);
}

// What the address asks for, as the API's query: ten digits are a national ID, anything else a name.
function apiQuery(f) {
  const q = {};
  for (const k of KEYS) if (k !== 'q' && k !== 'cursor' && f[k]) q[k] = f[k];
  const text = (f.q || '').trim();
  const id = nationalIdOf(text);
  if (id) q.national_id = id;
  else if (text) q.q = text;
  return q;
}

export function ClientList({ query }) {
  const user = useSignal(session);
  // the searched national ID, from the history entry's state (read again when back or forward changes the entry)
  const [hidden, setHidden] = useState(hiddenSearch);
  useEffect(() => {
    const onPop = () => setHidden(hiddenSearch());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const f = Object.fromEntries(KEYS.map((k) => [k, query.get(k) || '']));
  if (!f.q) f.q = hidden;
  // a pasted or typed address with a national ID in it: moved out of the address at once
  useEffect(() => {
    if (nationalIdOf(query.get('q'))) { go(f, { replace: true }); setHidden(f.q); }
  }, [query.get('q')]);
  const [text, setText] = useState(f.q);
  useEffect(() => setText(f.q), [f.q]);     // back and forward change the address under the screen
  const [exporting, setExporting] = useState(null);   // {n} while running, {done: n} or {error} after
  const national = !user.province;
  const province = national ? f.province : user.province;

  const places = useLoad(() => loadPlaces(), [user.id]);
  const counties = useLoad(() => (province ? loadCounties(province) : Promise.resolve([])), [province]);
  const list = useLoad(() => api('GET', '/clients', { query: { ...apiQuery(f), cursor: f.cursor || undefined } }),
    [JSON.stringify(apiQuery(f)), f.cursor]);

  // a filter changed: back to the first page, the address rewritten in place
  const setFilter = (changes) => {
    const next = { ...f, ...changes, cursor: '' };
    go(next, { replace: true });
    setHidden(nationalIdOf(next.q) ? next.q.trim() : '');
  };

  function search(e) {
    e.preventDefault();
    setFilter({ q: text.trim() });
  }

  async function exportCsv() {
    // every page of the current filter, 500 rows a request, joined under one header
    // the byte order mark the server sends (Blob.text() drops it) tells a spreadsheet the file is UTF-8
    let parts = ['\uFEFF'], n = 0, cursor;
    setExporting({ n: 0 });
    try {
      do {
        const r = await api('GET', '/clients', { query: { ...apiQuery(f), limit: 500, cursor }, accept: 'text/csv', blob: true });
        let body = (await r.data.text()).replace(/^\uFEFF/, '');
        n += Math.max(0, csvRecords(body) - 1);
        if (parts.length > 1) body = body.slice(body.indexOf('\n') + 1);    // a later page: without its header line
        parts.push(body);
        setExporting({ n });
        cursor = r.headers.get('X-Next-Cursor') || undefined;
      } while (cursor);
      saveBlob(new Blob(parts, { type: 'text/csv;charset=utf-8' }), 'clients.csv');
      setExporting({ done: n });
    } catch (err) {
      setExporting({ error: errorText(err) });
    }
  }

  const P = places.data;
  const countyOptions = (counties.data || []).map((c) => [c.id, placeName(c)]);
  const centerOptions = (P ? P.centers : [])
    .filter((c) => (!province || c.province === province) && (!f.county_id || String(c.county_id) === f.county_id))
    .map((c) => [c.id, c.name]);
  const rows = list.data ? list.data.data.items : null;
  const next = list.data ? list.data.data.next_cursor : null;
  const filtered = KEYS.some((k) => k !== 'cursor' && f[k]);

  const columns = [
    { key: 'name', label: T('name'), render: (c) => html`<a href=${'/console/clients/' + c.id}>${personName(c)}</a>` },
    { key: 'national_id', label: T('national_id'), render: (c) => html`<span dir="ltr">${digits(c.national_id)}</span>` },
    { key: 'birth_date', label: T('birth_date'), render: (c) => jdate(c.birth_date) },
    { key: 'county_id', label: T('county'), render: (c) => countyName(P, c.county_id) },
    { key: 'center_id', label: T('center'), render: (c) => html`<bdi>${centerName(P, c.center_id)}</bdi>` },
    { key: 'disability', label: T('disability'), render: (c) => disabilityText(c.disability) },
    { key: 'status', label: T('status'), render: (c) => statusText(c.status) },
  ];
  const enumOptions = (kind, values) => values.map((v) => [v, label(kind, v)]);

  return html`<${Page} title=${T('list_title')}
      actions=${canWrite(user) ? html`<a class="button primary" href="/console/clients/new">${T('new_client')}</a>` : null}>
    <form class="filters card" role="search" onSubmit=${search}>
      <${Field} label=${T('search_label')} hint=${T('search_hint')}>${(a) => html`<input type="search" name="q"
        value=${text} onInput=${(e) => setText(e.currentTarget.value)} ...${a} />`}<//>
      <button type="submit" class="primary">${t('search')}</button>
    </form>
    <form class="filters" aria-label=${T('filters')} onSubmit=${(e) => e.preventDefault()}>
      ${national ? html`<${SelectField} label=${T('province')} value=${f.province} placeholder=${T('any')}
        options=${(P ? P.provinces : []).map((p) => [p.code, placeName(p)])}
        onChange=${(v) => setFilter({ province: v, county_id: '', center_id: '' })} />` : null}
      ${user.county_id ? null : html`<${SelectField} label=${T('county')} value=${f.county_id} placeholder=${T('any')}
        options=${countyOptions} disabled=${!province}
        onChange=${(v) => setFilter({ county_id: v, center_id: '' })} />`}
      <${SelectField} label=${T('center')} value=${f.center_id} placeholder=${T('any')} options=${centerOptions}
        onChange=${(v) => setFilter({ center_id: v })} />
      <${SelectField} label=${T('disability_type')} value=${f.disability_type} placeholder=${T('any')}
        options=${enumOptions('disability', DISABILITY_TYPES)} onChange=${(v) => setFilter({ disability_type: v })} />
      <${SelectField} label=${T('severity')} value=${f.disability_severity} placeholder=${T('any')}
        options=${enumOptions('severity', SEVERITIES)} onChange=${(v) => setFilter({ disability_severity: v })} />
      <${SelectField} label=${T('status')} value=${f.status} placeholder=${T('any')}
        options=${STATUSES.map((s) => [s, statusText(s)])} onChange=${(v) => setFilter({ status: v })} />
      <${SelectField} label=${T('sex')} value=${f.sex} placeholder=${T('any')}
        options=${enumOptions('sex', ['female', 'male'])} onChange=${(v) => setFilter({ sex: v })} />
      ${filtered ? html`<button type="button" onClick=${() => { setText(''); setFilter(Object.fromEntries(KEYS.map((k) => [k, '']))); }}>
        ${T('clear_filters')}</button>` : null}
    </form>
    <${ErrorBox} error=${places.error || counties.error} />
    ${list.error ? html`<div class="notice error" role="alert">${errorText(list.error)}
        ${Object.values(list.error.fields || {}).map((m) => html` <span>${m}</span>`)}</div>`
      : list.loading && !rows ? html`<${Loading} />`
      : html`<p class="hint" role="status">${T('on_page', { n: num(rows.length) })}</p>
        <${DataTable} caption=${T('results')} columns=${columns} rows=${rows} empty=${T('none_found')} />
        <${Pager} cursor=${f.cursor} next=${next}
          onNext=${(c) => go({ ...f, cursor: c })} onFirst=${() => go({ ...f, cursor: '' })} />`}
    <div class="actions">
      <button type="button" onClick=${exportCsv} disabled=${exporting && exporting.n !== undefined}>${T('export_csv')}</button>
    </div>
    ${exporting ? html`<${Notice} kind=${exporting.error ? 'error' : exporting.done !== undefined ? 'ok' : 'info'}>${
      exporting.error ? T('export_failed', { why: exporting.error })
        : exporting.done !== undefined ? T('exported', { n: num(exporting.done) }) : T('exporting', { n: num(exporting.n) })}<//>` : null}
  <//>`;
}
