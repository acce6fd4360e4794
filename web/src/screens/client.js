// client.js - one client's file (/console/clients/{id}): the details as the API returns them, the household,
// programs, services and loans; for writers edit (If-Match, conflicts shown), transfer, close and reopen; for admins
// the file's history and who read it. And the new-client form (/console/clients/new).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate, idParam } from '../router.js';
import { session, canWrite, isAdmin } from '../session.js';
import { jdate, digits } from '../format.js';
import { Page, ErrorBox, Notice, Loading, SelectField, useLoad, useSignal, errorText, useFocusNext } from '../ui.js';
import { T } from './client_text.js';
import { loadPlaces, loadCounties, placeName, countyName, centerName, fieldText } from './client_ref.js';
import { ClientFields, formOf, valuesOf, formErrors } from './client_form.js';
import { ClientEdit } from './client_edit.js';
import { ClientTransfer, ClientClose, reopen } from './client_move.js';
import { Household, Enrollments, Services, Loans, History, Readers } from './client_sections.js';

const fullName = (c) => [c.first_name, c.last_name].filter(Boolean).join(' ');

// The centers a client of county may be at: those of the reader's scope in that county (and the one it is at).
function centerOptions(places, countyId, current) {
  const list = (places ? places.centers : []).filter((c) => String(c.county_id) === String(countyId) || c.id === current);
  return list.map((c) => [c.id, c.name]);
}

// The record's number from the address: digits only (anything else never reaches an API path).
const idOf = (params) => (idParam(params) === null ? null : params.id);   // the path keeps the digits as given

export function ClientPage({ params }) {
  const id = idOf(params);
  if (id === null) return html`<${Page} title=${T('page_title')}><${ErrorBox} error=${{ status: 404 }} /><//>`;
  return html`<${ClientFile} id=${id} />`;
}

function ClientFile({ id }) {
  const user = useSignal(session);
  const [rec, setRec] = useState(null);            // {data, etag}
  const [error, setError] = useState(null);
  const [mode, setMode] = useState('view');        // view | edit | transfer | close
  const [notice, setNotice] = useState(null);      // {kind, text}
  const [gen, setGen] = useState(0);               // bumped after a change: the sections read again
  const places = useLoad(() => loadPlaces(), [user.id]);
  const P = places.data;
  // After an action the pressed button is gone (the form closes, close becomes reopen): the focus goes to the notice
  // saying what happened, to the form that opened, or back to the button that opened a cancelled form.
  const noticeBox = useRef(null), formBox = useRef(null), opener = useRef({});
  const focusNext = useFocusNext();

  async function load(after) {
    try {
      const r = await api('GET', '/clients/' + id);
      setRec(r);
      setError(null);
    } catch (e) {
      if (after === 'transfer' && e.status === 404) {
        setRec(null);
        setNotice({ kind: 'ok', text: T('transferred_away') });
        focusNext.current = () => noticeBox.current;
      } else setError(e);
    }
  }
  useEffect(() => { load(); }, [id]);

  const done = (r, text) => {
    if (r) setRec(r);
    setMode('view');
    setNotice(text ? { kind: 'ok', text } : null);
    setGen((g) => g + 1);
    focusNext.current = () => (text ? noticeBox.current : opener.current.edit);
  };
  const cancel = () => {
    const was = mode;
    setMode('view');
    focusNext.current = () => opener.current[was];
  };
  const noticeView = notice ? html`<div tabindex="-1" ref=${noticeBox}>
    <${Notice} kind=${notice.kind}>${notice.text}<//></div>` : null;

  if (!rec)
    return html`<${Page} title=${T('page_title')}>
      ${noticeView}
      ${error ? html`<${ErrorBox} error=${error} />` : notice ? null : html`<${Loading} />`}
      <p><a href="/console/clients">${T('list_title')}</a></p>
    <//>`;

  const c = rec.data;
  const writer = canWrite(user);
  const active = c.status === 'active';
  // a form opened: the focus goes into it (its first field, or the question of the close confirmation)
  const act = (m) => () => {
    setNotice(null);
    setMode(m);
    focusNext.current = () => formBox.current && formBox.current.querySelector('[tabindex="-1"], input, select, textarea');
  };
  async function doReopen() {
    try { done(await reopen(rec), T('file_reopened')); } catch (e) {
      setNotice({ kind: 'error', text: errorText(e) });
      focusNext.current = () => noticeBox.current;
      if (e.status === 412) load();
    }
  }
  const keep = (m) => (el) => { opener.current[m] = el; };

  const facts = [
    ['national_id', html`<span dir="ltr">${digits(c.national_id)}</span>`],
    ['first_name', html`<bdi>${c.first_name}</bdi>`], ['last_name', html`<bdi>${c.last_name}</bdi>`],
    ['father_name', html`<bdi>${fieldText('father_name', c.father_name)}</bdi>`],
    ['birth_date', jdate(c.birth_date)], ['sex', fieldText('sex', c.sex)],
    ['province', P && P.province.get(c.province) ? placeName(P.province.get(c.province)) : c.province],
    ['county', countyName(P, c.county_id)],
    ['center', c.center_id ? html`<a href=${'/console/centers/' + c.center_id}><bdi>${centerName(P, c.center_id)}</bdi></a>` : t('none')],
    ['disability', fieldText('disability', c.disability)], ['needs', fieldText('needs', c.needs)],
    ['household_role', fieldText('household_role', c.household_role)],
    ['status', fieldText('status', c.status)], ['version', digits(c.version)],
    ['created_at', jdate(c.created_at, true)], ['updated_at', jdate(c.updated_at, true)],
  ];

  // The tab's title names the file, not the person: browsers keep titles in their history, on shared office
  // computers too. The person's name is the first line of the page.
  return html`<${Page} title=${T('file_title', { id: digits(c.id) })}
      actions=${writer && mode === 'view' ? html`
        ${active ? html`<button type="button" ref=${keep('edit')} onClick=${act('edit')}>${T('edit')}</button>
          <button type="button" ref=${keep('transfer')} onClick=${act('transfer')}>${T('transfer')}</button>
          <button type="button" ref=${keep('close')} onClick=${act('close')}>${T('close_file')}</button>`
          : html`<button type="button" ref=${keep('reopen')} onClick=${doReopen}>${T('reopen_file')}</button>`}` : null}>
    <p class="person-name"><bdi>${fullName(c)}</bdi></p>
    <p><a href="/console/clients">${T('list_title')}</a></p>
    ${noticeView}
    <${ErrorBox} error=${error} />
    ${!active ? html`<${Notice} kind="warn">${T('closed_notice')}<//>` : null}
    <div ref=${formBox}>
    ${mode === 'edit' ? html`<${ClientEdit} rec=${rec} places=${P} centers=${centerOptions(P, c.county_id, c.center_id)}
        onSaved=${done} onCancel=${cancel} />` : null}
    ${mode === 'transfer' ? html`<${ClientTransfer} rec=${rec} user=${user} places=${P}
        onDone=${(county) => { done(null, T('transferred', { county })); load('transfer'); }}
        onStale=${() => load()} onCancel=${cancel} />` : null}
    ${mode === 'close' ? html`<${ClientClose} rec=${rec} onDone=${done} onStale=${() => load()}
        onCancel=${cancel} />` : null}
    </div>
    <section class="card" aria-labelledby="sec-details">
      <h2 id="sec-details">${T('details')}</h2>
      <dl class="facts client-facts">${facts.map(([k, v]) => html`<dt>${T(k)}</dt><dd data-field=${k}>${v}</dd>`)}</dl>
    </section>
    <${Household} householdId=${c.household_id} key=${'h' + c.household_id + ':' + gen} />
    <${Enrollments} clientId=${c.id} gen=${gen} />
    <${Services} clientId=${c.id} places=${P} gen=${gen} />
    <${Loans} clientId=${c.id} gen=${gen} />
    ${isAdmin(user) ? html`<${History} clientId=${c.id} places=${P} gen=${gen} />
      <${Readers} clientId=${c.id} gen=${gen} />` : null}
  <//>`;
}

export function ClientCreate() {
  const user = useSignal(session);
  const national = !user.province;
  const [province, setProvince] = useState(user.province || '');
  const [form, setForm] = useState(() => ({ ...formOf({}), county_id: user.county_id ? String(user.county_id) : '',
    center_id: user.center_id ? String(user.center_id) : '' }));
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const places = useLoad(() => loadPlaces(), [user.id]);
  const counties = useLoad(() => (province ? loadCounties(province) : Promise.resolve([])), [province]);

  if (!canWrite(user))
    return html`<${Page} title=${T('create_title')}><div class="notice error" role="alert">${T('not_writer')}</div><//>`;

  async function submit(e) {
    e.preventDefault();
    setMessage('');
    setError(null);
    const { values, errors: errs } = valuesOf(form, true);
    setErrors(errs);
    if (Object.keys(errs).length) { setMessage(T('form_errors')); return; }
    setBusy(true);
    try {
      const r = await api('POST', '/clients', { body: values });
      navigate('/console/clients/' + r.data.id);
    } catch (err) {
      setErrors(formErrors(err.fields));
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const placeFields = html`
    ${national ? html`<${SelectField} label=${T('province')} value=${province} placeholder=${t('none')}
      options=${(places.data ? places.data.provinces : []).map((p) => [p.code, placeName(p)])}
      onChange=${(v) => { setProvince(v); setForm({ ...form, county_id: '', center_id: '' }); }} />` : null}
    <${SelectField} label=${T('county')} value=${form.county_id} placeholder=${t('none')} error=${errors.county_id}
      options=${(counties.data || []).map((x) => [x.id, placeName(x)])} disabled=${!!user.county_id}
      onChange=${(v) => setForm({ ...form, county_id: v, center_id: '' })} />`;

  return html`<${Page} title=${T('create_title')}>
    <form class="card" onSubmit=${submit} novalidate>
      <${ClientFields} form=${form} setForm=${setForm} errors=${errors} create=${true} placeFields=${placeFields}
        centers=${centerOptions(places.data, form.county_id, null)} />
      ${message ? html`<div class="notice warn" role="alert">${message}</div>` : null}
      ${error ? html`<div class="notice error" role="alert">${errorText(error)}
        ${error.fields[''] ? html` <span>${error.fields['']}</span>` : null}</div>` : null}
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>${T('create_go')}</button>
        <a class="button" href="/console/clients">${t('cancel')}</a></div>
    </form>
  <//>`;
}
