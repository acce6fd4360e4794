// centers.js - the centers in the reader's scope (/console/centers, filters in the address so a filtered list is a
// link too), a center's page (/console/centers/{id}: its facts, occupancy, license status, staff with their
// trainings, clients) and, for writers, registering and editing a center (If-Match; a 412 shows both versions).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, get } from '../api.js';
import { strings, t, label } from '../i18n.js';
import { navigate, idParam } from '../router.js';
import { session, canWrite } from '../session.js';
import { num, jdate, digits, parseJdate, parseNumber } from '../format.js';
import { Page, ErrorBox, Notice, Loading, TextField, SelectField, DataTable, Pager, useLoad, useSignal, errorText, useFocusNext } from '../ui.js';
import { provinces, counties, byKey, placeName, licenseState, forgetCenters } from './places.js';
import { professionLabel, trainingsText } from './staff.js';
import { ConflictView } from './conflict.js';

const T = strings({
  fa: {
    list_title: 'مراکز', new_center: 'ثبت مرکز تازه', create_title: 'ثبت مرکز تازه', caption: 'فهرست مراکز',
    name: 'نام مرکز', type: 'نوع', sector: 'بخش', province: 'استان', county: 'شهرستان', capacity: 'ظرفیت',
    active_clients: 'مددجویان فعال', occupancy: 'اشغال', license: 'پروانه', license_no: 'شماره پروانه',
    license_expires: 'تاریخ انقضای پروانه', status: 'وضعیت', search_name: 'جستجوی نام', filter: 'پالایش',
    'license.valid': 'معتبر', 'license.expiring': 'کمتر از ۹۰ روز تا انقضا', 'license.expired': 'منقضی‌شده',
    'license.none': 'بدون تاریخ', license_until: '{state} (تا {date})',
    occupancy_of: '{clients} از {capacity} ({pct}٪)', no_capacity: '{clients} (ظرفیت ثبت نشده)',
    staff: 'کارکنان مرکز', staff_caption: 'کارکنان این مرکز و دوره‌های آموزشی آنان', staff_name: 'نام',
    profession: 'حرفه', trainings: 'دوره‌های آموزشی', no_staff: 'کارمندی برای این مرکز ثبت نشده است.',
    clients: 'مددجویان مرکز', clients_caption: 'مددجویان این مرکز', client_name: 'نام', national_id: 'کد ملی',
    no_clients: 'مددجویی در این مرکز نیست.', all_staff: 'همهٔ کارکنان این مرکز در فهرست کارکنان',
    'client_status.active': 'فعال', 'client_status.closed': 'بسته', 'staff_status.active': 'شاغل',
    'staff_status.left': 'رفته',
    details: 'مشخصات', edit_title: 'ویرایش مرکز', saved: 'تغییرات ذخیره شد.', created: 'مرکز ثبت شد.',
    choose: 'برگزینید', date_hint: 'به شکل ۱۴۰۳/۰۸/۱۵', bad_date: 'تاریخ را به شکل ۱۴۰۳/۰۸/۱۵ بنویسید.',
    bad_date_range: 'این تاریخ در تقویم نیست.', bad_number: 'یک عدد درست بنویسید.', required: 'این خانه را پر کنید.',
    check_fields: 'برخی از خانه‌ها درست پر نشده‌اند؛ پیام کنار هر خانه را ببینید.', nothing_changed: 'چیزی تغییر نکرده است.',
    occupancy_stat: 'اشغال', license_stat: 'وضعیت پروانه', pct: '{n}٪',
    taken: 'مرکز دیگری با همین مقدار ثبت شده است.',
  },
  en: {
    list_title: 'Centers', new_center: 'Register a center', create_title: 'Register a center', caption: 'Centers',
    name: 'Name', type: 'Type', sector: 'Sector', province: 'Province', county: 'County', capacity: 'Capacity',
    active_clients: 'Active clients', occupancy: 'Occupancy', license: 'License', license_no: 'License number',
    license_expires: 'License expires on', status: 'Status', search_name: 'Search by name', filter: 'Filter',
    'license.valid': 'Valid', 'license.expiring': 'Expires within 90 days', 'license.expired': 'Expired',
    'license.none': 'No date', license_until: '{state} (until {date})',
    occupancy_of: '{clients} of {capacity} ({pct}%)', no_capacity: '{clients} (no capacity recorded)',
    staff: 'Staff', staff_caption: 'The staff of this center and their trainings', staff_name: 'Name',
    profession: 'Profession', trainings: 'Trainings', no_staff: 'No staff recorded for this center.',
    clients: 'Clients', clients_caption: 'Clients of this center', client_name: 'Name', national_id: 'National ID',
    no_clients: 'No clients at this center.', all_staff: 'All of this center’s staff in the staff list',
    'client_status.active': 'Active', 'client_status.closed': 'Closed', 'staff_status.active': 'Working',
    'staff_status.left': 'Left',
    details: 'Details', edit_title: 'Edit the center', saved: 'Saved.', created: 'The center is registered.',
    choose: 'Choose', date_hint: 'like 1403/08/15', bad_date: 'Write the date like 1403/08/15.',
    bad_date_range: 'No such day in the calendar.', bad_number: 'Write a whole number.', required: 'Fill in this field.',
    check_fields: 'Some fields are not right; see the message beside each.', nothing_changed: 'Nothing changed.',
    occupancy_stat: 'Occupancy', license_stat: 'License', pct: '{n}%',
    taken: 'Another center has this value.',
  },
});

const TYPES = ['rehabilitation_day', 'rehabilitation_residential', 'vocational_training', 'elderly_care',
  'social_work_clinic', 'counseling', 'addiction_outpatient', 'addiction_residential', 'children_home', 'kindergarten',
  'mental_health_rehabilitation', 'genetic_counseling', 'social_emergency', 'cbr_office'];
const SECTORS = ['public', 'ngo'];
const STATUSES = ['active', 'suspended', 'closed'];
const PAGE = 50;

export function licenseText(c) {
  const st = licenseState(c.license_expires_on);
  return st === 'none' ? T('license.none') : T('license_until', { state: T('license.' + st), date: jdate(c.license_expires_on) });
}

export function occupancyText(c) {
  const clients = num(c.active_clients);
  if (!c.capacity) return T('no_capacity', { clients });
  return T('occupancy_of', { clients, capacity: num(c.capacity), pct: num(Math.round((100 * c.active_clients) / c.capacity)) });
}

const LicenseBadge = ({ c }) => html`<span class=${'badge license-' + licenseState(c.license_expires_on)}>${licenseText(c)}</span>`;

// The list ------------------------------------------------------------------------------------------------------

export function CenterList({ query }) {
  const user = useSignal(session);
  const f = { q: query.get('q') || '', type: query.get('type') || '', province: query.get('province') || '',
    status: query.get('status') || '' };
  const cursor = query.get('cursor') || '';
  const [q, setQ] = useState(f.q);
  const list = useLoad(() => get('/centers', { ...f, cursor, limit: PAGE }).then((r) => r.data),
    [f.q, f.type, f.province, f.status, cursor]);
  const provs = useLoad(provinces, []);
  const pmap = byKey(provs.data, 'code');
  const nationWide = user && !user.province;

  function go(changes) {
    const p = new URLSearchParams({ ...f, ...changes });
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    const s = p.toString();
    navigate('/console/centers' + (s ? '?' + s : ''));
  }

  const columns = [
    { key: 'name', label: T('name'), render: (c) => html`<a href=${'/console/centers/' + c.id}><bdi>${c.name}</bdi></a>` },
    { key: 'type', label: T('type'), render: (c) => label('center_type', c.type) },
    { key: 'sector', label: T('sector'), render: (c) => label('sector', c.sector) },
    { key: 'province', label: T('province'), render: (c) => placeName(pmap.get(c.province)) },
    { key: 'capacity', label: T('capacity'), num: true, render: (c) => num(c.capacity) },
    { key: 'active_clients', label: T('active_clients'), num: true, render: (c) => num(c.active_clients) },
    { key: 'occupancy', label: T('occupancy'), render: (c) => occupancyText(c) },
    { key: 'license', label: T('license'), render: (c) => html`<${LicenseBadge} c=${c} />` },
    { key: 'status', label: T('status'), render: (c) => label('center_status', c.status) },
  ];
  const actions = canWrite(user) ? html`<a class="button primary" href="/console/centers/new">${T('new_center')}</a>` : null;
  return html`<${Page} title=${T('list_title')} actions=${actions}>
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); go({ q, cursor: '' }); }}>
      <${TextField} label=${T('search_name')} value=${q} onInput=${setQ} type="search" />
      <${SelectField} label=${T('type')} value=${f.type} placeholder=${t('all')}
        options=${TYPES.map((x) => [x, label('center_type', x)])} onChange=${(v) => go({ type: v, cursor: '' })} />
      ${nationWide ? html`<${SelectField} label=${T('province')} value=${f.province} placeholder=${t('all')}
        options=${(provs.data || []).map((p) => [p.code, placeName(p)])} onChange=${(v) => go({ province: v, cursor: '' })} />` : null}
      <${SelectField} label=${T('status')} value=${f.status} placeholder=${t('all')}
        options=${STATUSES.map((x) => [x, label('center_status', x)])} onChange=${(v) => go({ status: v, cursor: '' })} />
      <button type="submit">${t('search')}</button>
    </form>
    <${ErrorBox} error=${list.error} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    ${list.data ? html`<${DataTable} caption=${T('caption')} columns=${columns} rows=${list.data.items} />
      <${Pager} cursor=${cursor} next=${list.data.next_cursor} onNext=${(c) => go({ cursor: c })}
        onFirst=${() => go({ cursor: '' })} />` : null}
  <//>`;
}

// The form (create and edit) ------------------------------------------------------------------------------------

// The form's text values from a center (or empty ones for a new center in the user's own province).
function formOf(c, user) {
  return {
    name: c ? c.name : '', type: c ? c.type : '', sector: c ? c.sector : '',
    province: c ? c.province : (user.province || ''), county_id: c ? String(c.county_id) : (user.county_id ? String(user.county_id) : ''),
    capacity: c && c.capacity !== null ? digits(String(c.capacity)) : '', license_no: c ? c.license_no || '' : '',
    license_expires_on: c && c.license_expires_on ? jdate(c.license_expires_on) : '', status: c ? c.status : 'active',
  };
}

// The form's values as the API takes them, or {errors} when a value cannot be read.
function bodyOf(v) {
  const errors = {};
  const body = { name: v.name.trim(), type: v.type, sector: v.sector, county_id: v.county_id ? Number(v.county_id) : null,
    license_no: v.license_no.trim() || null, status: v.status };
  for (const k of ['name', 'type', 'sector', 'county_id']) if (!body[k]) errors[k] = T('required');
  if (v.capacity.trim() === '') body.capacity = null;
  else if (Number.isNaN(parseNumber(v.capacity)) || parseNumber(v.capacity) < 0) errors.capacity = T('bad_number');
  else body.capacity = parseNumber(v.capacity);
  const d = parseJdate(v.license_expires_on);
  if (d.error) errors.license_expires_on = d.error === 'range' ? T('bad_date_range') : T('bad_date');
  else body.license_expires_on = d.iso;
  return { body, errors };
}

function CenterForm({ values, setValues, errors, busy, onSubmit, onCancel, user, editing }) {
  const set = (k) => (v) => setValues({ ...values, [k]: v, ...(k === 'province' ? { county_id: '' } : {}) });
  const provs = useLoad(provinces, []);
  const cnts = useLoad(() => (values.province ? counties(values.province) : Promise.resolve([])), [values.province]);
  const provinceFixed = !!user.province;        // a provincial or county user registers in their own province
  const countyFixed = !!user.county_id && !editing;
  return html`<form class="card center-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(); }} novalidate>
    <${TextField} label=${T('name')} value=${values.name} onInput=${set('name')} error=${errors.name} required />
    <div class="grid2">
      <${SelectField} label=${T('type')} value=${values.type} placeholder=${T('choose')} error=${errors.type}
        options=${TYPES.map((x) => [x, label('center_type', x)])} onChange=${set('type')} required />
      <${SelectField} label=${T('sector')} value=${values.sector} placeholder=${T('choose')} error=${errors.sector}
        options=${SECTORS.map((x) => [x, label('sector', x)])} onChange=${set('sector')} required />
      <${SelectField} label=${T('province')} value=${values.province} placeholder=${T('choose')} error=${errors.province}
        options=${(provs.data || []).map((p) => [p.code, placeName(p)])} onChange=${set('province')}
        disabled=${provinceFixed} />
      <${SelectField} label=${T('county')} value=${values.county_id} placeholder=${T('choose')} error=${errors.county_id}
        options=${(cnts.data || []).map((c) => [String(c.id), placeName(c)])} onChange=${set('county_id')}
        disabled=${countyFixed} required />
      <${TextField} label=${T('capacity')} value=${values.capacity} onInput=${set('capacity')} error=${errors.capacity}
        inputmode="numeric" />
      <${TextField} label=${T('license_no')} value=${values.license_no} onInput=${set('license_no')}
        error=${errors.license_no} dir="ltr" />
      <${TextField} label=${T('license_expires')} value=${values.license_expires_on} onInput=${set('license_expires_on')}
        error=${errors.license_expires_on} hint=${T('date_hint')} inputmode="numeric" />
      ${editing ? html`<${SelectField} label=${T('status')} value=${values.status} error=${errors.status}
        options=${STATUSES.map((x) => [x, label('center_status', x)])} onChange=${set('status')} />` : null}
    </div>
    ${Object.keys(errors).length ? html`<div class="notice error" role="alert">${errors[''] || T('check_fields')}</div>` : null}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('save')}</button>
      ${onCancel ? html`<button type="button" onClick=${onCancel}>${t('cancel')}</button>` : null}
    </div>
  </form>`;
}

// The API's refusal as the form's errors: field messages beside their fields, else one sentence.
function apiErrors(e) {
  const errs = { ...e.fields };
  // a 409 names the field of the unique key it met (a center's name in its county, a license number)
  if (e.status === 409) for (const k of Object.keys(errs)) if (k) errs[k] = T('taken');
  if (errs.license_expires_on_jalali && !errs.license_expires_on) errs.license_expires_on = errs.license_expires_on_jalali;
  if (!Object.keys(errs).length) errs[''] = errorText(e);
  return errs;
}

export function CenterCreate() {
  const user = useSignal(session);
  const [values, setValues] = useState(() => formOf(null, user));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  if (!canWrite(user)) return html`<${Page} title=${T('create_title')}><${ErrorBox} error=${{ status: 403 }} /><//>`;
  async function submit() {
    const { body, errors: errs } = bodyOf(values);
    delete body.status;
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const r = await api('POST', '/centers', { body });
      forgetCenters();
      navigate('/console/centers/' + r.data.id + '?created=1');
    } catch (e) {
      setErrors(apiErrors(e));
    } finally {
      setBusy(false);
    }
  }
  return html`<${Page} title=${T('create_title')}>
    <${CenterForm} values=${values} setValues=${setValues} errors=${errors} busy=${busy} onSubmit=${submit}
      onCancel=${() => navigate('/console/centers')} user=${user} />
  <//>`;
}

// A center's page ----------------------------------------------------------------------------------------------

const EDIT_FIELDS = [
  ['name', T.bind(null, 'name'), (v) => v ?? t('none')],
  ['type', T.bind(null, 'type'), (v) => label('center_type', v)],
  ['sector', T.bind(null, 'sector'), (v) => label('sector', v)],
  ['county_id', T.bind(null, 'county'), (v) => (v ? digits(String(v)) : t('none'))],
  ['capacity', T.bind(null, 'capacity'), (v) => num(v)],
  ['license_no', T.bind(null, 'license_no'), (v) => v ?? t('none')],
  ['license_expires_on', T.bind(null, 'license_expires'), (v) => jdate(v)],
  ['status', T.bind(null, 'status'), (v) => label('center_status', v)],
];

export function CenterPage({ params, query }) {
  // the center's number from the address: digits only (anything else never reaches an API path)
  if (idParam(params) === null) return html`<${Page} title=${T('list_title')}><${ErrorBox} error=${{ status: 404 }} /><//>`;
  return html`<${CenterView} id=${params.id} query=${query} />`;
}

function CenterView({ id, query }) {
  const user = useSignal(session);
  const [rec, setRec] = useState(null);          // {data, etag} once loaded; replaced by each save
  const loaded = useLoad(() => get('/centers/' + id).then((r) => { setRec(r); return r; }), [id]);
  const provs = useLoad(provinces, []);
  const c = rec && rec.data;
  const cnts = useLoad(() => (c ? counties(c.province) : Promise.resolve([])), [c && c.province]);
  const [editing, setEditing] = useState(false);
  const [values, setValues] = useState(null);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState(null);   // {mine, theirs: {data, etag}}
  const [notice, setNotice] = useState(query.get('created') ? T('created') : '');
  const [failure, setFailure] = useState(null);     // the current version could not be read after a 412
  // After a save or a cancel the form's buttons are gone: the focus goes to the notice saying what happened, or back
  // to the edit button; an opened form takes it to its first field.
  const noticeBox = useRef(null), editButton = useRef(null), formBox = useRef(null), focusNext = useFocusNext();

  if (loaded.error) return html`<${Page} title=${T('list_title')}><${ErrorBox} error=${loaded.error} /><//>`;
  if (!c) return html`<${Page} title=${T('list_title')}><${Loading} /><//>`;
  const province = byKey(provs.data, 'code').get(c.province);
  const county = byKey(cnts.data).get(c.county_id);
  // NGO submitters may read their center but not change it (the API's PERM_WRITE)
  const mayEdit = canWrite(user);

  function startEdit() {
    setValues(formOf(c, user));
    setErrors({});
    setNotice('');
    setConflict(null);
    setFailure(null);
    setEditing(true);
    focusNext.current = () => formBox.current && formBox.current.querySelector('input, select');
  }
  function stopEdit() {
    setEditing(false);
    focusNext.current = () => editButton.current;
  }

  async function send(changes, etag) {
    setBusy(true);
    setFailure(null);
    try {
      const r = await api('PATCH', '/centers/' + c.id, { body: changes, headers: { 'If-Match': etag } });
      setRec({ data: { ...r.data }, etag: r.etag });
      setEditing(false);
      setConflict(null);
      setNotice(T('saved'));
      focusNext.current = () => noticeBox.current;
      forgetCenters();
    } catch (e) {
      if (e.status === 412) {
        try {
          const now = await get('/centers/' + c.id);
          setConflict({ mine: changes, theirs: now });
        } catch (e2) { setFailure(e2); }
      } else setErrors(apiErrors(e));
    } finally {
      setBusy(false);
    }
  }

  function save() {
    const { body, errors: errs } = bodyOf(values);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const changes = {};
    for (const [k, v] of Object.entries(body)) if (JSON.stringify(v) !== JSON.stringify(c[k] ?? null)) changes[k] = v;
    if (!Object.keys(changes).length) { setErrors({ '': T('nothing_changed') }); return; }
    send(changes, rec.etag);
  }

  return html`<${Page} title=${c.name} actions=${mayEdit && !editing ? html`<button type="button" ref=${editButton} onClick=${startEdit}>${t('edit')}</button>` : null}>
    ${notice ? html`<div tabindex="-1" ref=${noticeBox}><${Notice} kind="ok">${notice}<//></div>` : null}
    <${ErrorBox} error=${failure} />
    ${conflict ? html`<${ConflictView} fields=${EDIT_FIELDS.map(([k, l, s]) => [k, l(), s])} base=${c} mine=${conflict.mine}
        theirs=${conflict.theirs.data} busy=${busy}
        onKeepMine=${() => send(conflict.mine, conflict.theirs.etag)}
        onTakeTheirs=${() => { setRec(conflict.theirs); setConflict(null); stopEdit(); }} />` : null}
    ${editing && !conflict ? html`<section aria-labelledby="edit-h" ref=${formBox}><h2 id="edit-h">${T('edit_title')}</h2>
      <${CenterForm} values=${values} setValues=${setValues} errors=${errors} busy=${busy} onSubmit=${save}
        onCancel=${stopEdit} user=${user} editing=${true} /></section>` : null}
    <div class="stats">
      <div class="stat"><span>${T('capacity')}</span><b>${num(c.capacity)}</b></div>
      <div class="stat"><span>${T('active_clients')}</span><b>${num(c.active_clients)}</b></div>
      <div class="stat"><span>${T('occupancy_stat')}</span><b>${c.capacity ? T('pct', { n: num(Math.round((100 * c.active_clients) / c.capacity)) }) : t('none')}</b></div>
      <div class="stat"><span>${T('license_stat')}</span><b><${LicenseBadge} c=${c} /></b></div>
    </div>
    <section class="card" aria-labelledby="facts-h">
      <h2 id="facts-h">${T('details')}</h2>
      <dl class="facts">
        <dt>${T('type')}</dt><dd>${label('center_type', c.type)}</dd>
        <dt>${T('sector')}</dt><dd>${label('sector', c.sector)}</dd>
        <dt>${T('province')}</dt><dd>${placeName(province)}</dd>
        <dt>${T('county')}</dt><dd>${county ? placeName(county) : digits(String(c.county_id))}</dd>
        <dt>${T('occupancy')}</dt><dd>${occupancyText(c)}</dd>
        <dt>${T('license_no')}</dt><dd><bdi>${c.license_no || t('none')}</bdi></dd>
        <dt>${T('license_expires')}</dt><dd>${jdate(c.license_expires_on)}</dd>
        <dt>${T('status')}</dt><dd>${label('center_status', c.status)}</dd>
      </dl>
    </section>
    <${CenterStaff} center=${c} />
    <${CenterClients} center=${c} />
  <//>`;
}

function CenterStaff({ center }) {
  const staff = useLoad(() => get('/staff', { center_id: center.id, limit: 200 }).then((r) => r.data), [center.id]);
  const columns = [
    { key: 'name', label: T('staff_name'), render: (s) => html`<a href=${'/console/staff/' + s.id}><bdi>${s.first_name} ${s.last_name}</bdi></a>` },
    { key: 'profession', label: T('profession'), render: (s) => professionLabel(s.profession) },
    { key: 'trainings', label: T('trainings'), render: (s) => trainingsText(s.trainings) },
    { key: 'status', label: T('status'), render: (s) => T('staff_status.' + s.status) },
  ];
  return html`<section aria-labelledby="staff-h">
    <h2 id="staff-h">${T('staff')}</h2>
    <${ErrorBox} error=${staff.error} />
    ${staff.loading ? html`<${Loading} />` : staff.data ? html`<${DataTable} caption=${T('staff_caption')} columns=${columns}
      rows=${staff.data.items} empty=${T('no_staff')} />
      ${staff.data.next_cursor ? html`<p><a href=${'/console/staff?center_id=' + center.id}>${T('all_staff')}</a></p>` : null}` : null}
  </section>`;
}

function CenterClients({ center }) {
  const [cursor, setCursor] = useState('');
  const clients = useLoad(() => get('/clients', { center_id: center.id, limit: 25, cursor }).then((r) => r.data),
    [center.id, cursor]);
  const columns = [
    { key: 'name', label: T('client_name'), render: (x) => html`<a href=${'/console/clients/' + x.id}><bdi>${x.first_name} ${x.last_name}</bdi></a>` },
    { key: 'national_id', label: T('national_id'), render: (x) => digits(x.national_id) },
    { key: 'status', label: T('status'), render: (x) => T('client_status.' + x.status) },
  ];
  return html`<section aria-labelledby="clients-h">
    <h2 id="clients-h">${T('clients')}</h2>
    <${ErrorBox} error=${clients.error} />
    ${clients.loading && !clients.data ? html`<${Loading} />` : null}
    ${clients.data ? html`<${DataTable} caption=${T('clients_caption')} columns=${columns} rows=${clients.data.items}
      empty=${T('no_clients')} />
      <${Pager} cursor=${cursor} next=${clients.data.next_cursor} onNext=${setCursor} onFirst=${() => setCursor('')} />` : null}
  </section>`;
}
