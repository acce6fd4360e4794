// client_sections.js - the parts of a client's page that come from other resources: the household, enrollments,
// services, loans (each with its schedule and what is still owed), and for admins the audit trail of the file
// (its changes, and who read it). Each asks the API on its own, so one refusal does not hide the rest.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, get } from '../api.js';
import { label, lang, t } from '../i18n.js';
import { jdate, digits, num, rials, tomanHint } from '../format.js';
import { DataTable, ErrorBox, Loading, useLoad } from '../ui.js';
import { T } from './client_text.js';
import { allPages, loadPrograms, centerName, hroleText, fieldText, placeName } from './client_ref.js';
import { installmentStates, localToday } from '../installments.js';

function Section({ id, title, children }) {
  return html`<section class="client-section" aria-labelledby=${id}><h2 id=${id}>${title}</h2>${children}</section>`;
}

function Loaded({ st, children }) {
  if (st.error) return html`<${ErrorBox} error=${st.error} />`;
  if (st.loading && !st.data) return html`<${Loading} />`;
  return children(st.data);
}

export function Household({ householdId }) {
  const st = useLoad(() => (householdId ? get('/households/' + householdId).then((r) => r.data) : Promise.resolve(null)),
    [householdId]);
  return html`<${Section} id="sec-household" title=${T('household')}>
    ${!householdId ? html`<p class="empty">${T('no_household')}</p>` : html`<${Loaded} st=${st}>${(h) => html`
      <dl class="facts"><dt>${T('household_id')}</dt><dd>${digits(h.id)}</dd>
        <dt>${T('address')}</dt><dd><bdi>${h.address || t('none')}</bdi></dd></dl>
      <${DataTable} caption=${T('members')} rows=${h.members} columns=${[
        { key: 'name', label: T('name'), render: (m) => html`<a href=${'/console/clients/' + m.client_id}><bdi>${m.first_name} ${m.last_name}</bdi></a>` },
        { key: 'household_role', label: T('household_role'), render: (m) => hroleText(m.household_role) },
      ]} />`}<//>`}
  <//>`;
}

export function Enrollments({ clientId, gen }) {
  const st = useLoad(() => Promise.all([allPages('/clients/' + clientId + '/enrollments'), loadPrograms()]), [clientId, gen]);
  return html`<${Section} id="sec-enrollments" title=${T('enrollments')}>
    <${Loaded} st=${st}>${([items, programs]) => {
      const name = (code) => {
        const p = programs.find((x) => x.code === code);
        return p ? (lang.get() === 'en' ? p.name_en : p.name_fa) : code;
      };
      return html`<${DataTable} caption=${T('enrollments')} rows=${items} empty=${T('no_enrollments')} columns=${[
        { key: 'program', label: T('program'), render: (e) => name(e.program) },
        { key: 'started_on', label: T('started_on'), render: (e) => jdate(e.started_on) },
        { key: 'ended_on', label: T('ended_on'), render: (e) => jdate(e.ended_on) },
        { key: 'status', label: T('status'), render: (e) => T('enr.' + e.status) },
      ]} />`;
    }}<//>
  <//>`;
}

export function Services({ clientId, places, gen }) {
  const st = useLoad(() => allPages('/clients/' + clientId + '/services'), [clientId, gen]);
  return html`<${Section} id="sec-services" title=${T('services')}>
    <${Loaded} st=${st}>${(items) => html`<${DataTable} caption=${T('services')} rows=${items} empty=${T('no_services')}
      columns=${[
        { key: 'service', label: T('service'), render: (s) => html`<bdi>${s.service}</bdi>` },
        { key: 'center_id', label: T('center'), render: (s) => html`<bdi>${centerName(places, s.center_id)}</bdi>` },
        { key: 'provided_on', label: T('provided_on'), render: (s) => jdate(s.provided_on) },
        { key: 'notes', label: T('notes'), render: (s) => html`<bdi>${s.notes || t('none')}</bdi>` },
      ]} />`}<//>
  <//>`;
}

export function Loans({ clientId, gen }) {
  const st = useLoad(() => allPages('/loans', { client_id: clientId }), [clientId, gen]);
  const today = localToday();
  return html`<${Section} id="sec-loans" title=${T('loans')}>
    <${Loaded} st=${st}>${(loans) => (loans.length === 0 ? html`<p class="empty">${T('no_loans')}</p>` : loans.map((l) => html`
      <div class="card loan" key=${l.id}>
        <h3>${T('loan', { id: digits(l.id) })}</h3>
        <dl class="facts">
          <dt>${T('amount')}</dt><dd>${rials(l.amount_rials)} <small class="hint">(${tomanHint(l.amount_rials)})</small></dd>
          <dt>${T('installments')}</dt><dd>${num(l.installments)}</dd>
          <dt>${T('loan_status')}</dt><dd>${T('loan.' + l.status)}</dd>
          <dt>${T('repaid')}</dt><dd>${rials(l.repaid_rials)}</dd>
          <dt>${T('outstanding')}</dt><dd><strong>${rials(l.outstanding_rials)}</strong></dd>
        </dl>
        <p><a href=${'/console/loans/' + l.id}>${T('open_loan')}</a></p>
        <${DataTable} caption=${T('schedule', { id: digits(l.id) })} rows=${installmentStates(l, today)} columns=${[
          { key: 'n', label: T('inst_n'), num: true, render: (s) => num(s.n) },
          { key: 'due_on', label: T('due_on'), render: (s) => jdate(s.due_on) },
          { key: 'amount_rials', label: T('inst_amount'), num: true, render: (s) => rials(s.amount_rials) },
          { key: 'state', label: T('inst_state'), render: (s) => html`<span class=${'inst ' + s.state}>${T('inst.' + s.state)}</span>` },
        ]} />
      </div>`))}<//>
  <//>`;
}

// What changed in one entry of the trail: the columns whose value differs between before and after.
const SKIP = new Set(['version', 'updated_at', 'created_at', 'name_key', 'id']);
const COLUMN_FIELD = { disability_type: 'disability_type', disability_severity: 'severity', province_code: 'province',
  province: 'province', county_id: 'county', center_id: 'center' };
function changes(entry, places) {
  const b = entry.before || {}, a = entry.after || {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => !SKIP.has(k) &&
    JSON.stringify(b[k] ?? null) !== JSON.stringify(a[k] ?? null));
  if (!keys.length) return t('none');
  const show = (k, v) => (k === 'disability_type' ? label('disability', v) : k === 'disability_severity' ? label('severity', v)
    : (k === 'province' || k === 'province_code') && places && places.province.get(v) ? placeName(places.province.get(v))
    : fieldText(k, v, places));
  const name = (k) => T(COLUMN_FIELD[k] || k);
  const arrow = lang.get() === 'fa' ? ' ← ' : ' → ';     // from before to after, in the reading direction
  return html`<ul class="changes">${keys.map((k) => html`<li><span>${name(k)}</span>: ${entry.before
    ? html`<bdi>${show(k, b[k])}</bdi>${arrow}` : null}<bdi>${show(k, a[k])}</bdi></li>`)}</ul>`;
}

// One page of the trail at a time (newest first), "more" follows the cursor.
function Trail({ id, title, caption, empty, query, columns }) {
  const [pages, setPages] = useState([]);
  const [cursor, setCursor] = useState(undefined);
  const st = useLoad(() => api('GET', '/audit', { query: { ...query, limit: 50, cursor } })
    .then((r) => { setPages((p) => (cursor ? p.concat(r.data.items) : r.data.items)); return r.data.next_cursor; }),
  [JSON.stringify(query), cursor]);
  return html`<${Section} id=${id} title=${title}>
    ${st.error ? html`<${ErrorBox} error=${st.error} />` : st.loading && !pages.length ? html`<${Loading} />`
      : html`<${DataTable} caption=${caption} rows=${pages} empty=${empty} columns=${columns} />
        ${st.data ? html`<button type="button" onClick=${() => setCursor(st.data)}>${T('more')}</button>` : null}`}
  <//>`;
}

const who = (e) => html`<bdi>${e.username || t('none')}</bdi>`;
// an action the console has no word for shows as the trail wrote it
const actionText = (a) => (T('action.' + a) === 'action.' + a ? a : T('action.' + a));

export function History({ clientId, places, gen }) {
  return html`<${Trail} key=${gen} id="sec-history" title=${T('history')} caption=${T('history_caption')}
    empty=${T('no_history')} query=${{ entity: 'client', entity_id: clientId, kind: 'change' }} columns=${[
      { key: 'at', label: T('at'), render: (e) => jdate(e.at, true) },
      { key: 'username', label: T('user'), render: who },
      { key: 'role', label: T('role'), render: (e) => label('role', e.role) },
      { key: 'action', label: T('action'), render: (e) => actionText(e.action) },
      { key: 'change', label: T('change'), render: (e) => changes(e, places) },
    ]} />`;
}

export function Readers({ clientId, gen }) {
  return html`<${Trail} key=${gen} id="sec-readers" title=${T('readers')} caption=${T('readers_caption')}
    empty=${T('no_readers')} query=${{ entity: 'client', entity_id: clientId, action: 'read' }} columns=${[
      { key: 'at', label: T('at'), render: (e) => jdate(e.at, true) },
      { key: 'username', label: T('user'), render: who },
      { key: 'role', label: T('role'), render: (e) => label('role', e.role) },
      { key: 'address', label: T('net_address'), render: (e) => html`<span dir="ltr">${e.address || t('none')}</span>` },
    ]} />`;
}
