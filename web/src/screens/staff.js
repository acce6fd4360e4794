// staff.js - the staff in the reader's scope (/console/staff, filters in the address: profession, province, center)
// and a staff member's page (/console/staff/{id}: who they are, their center, their trainings); writers add a
// training there (If-Match; a 412 shows both versions). Reading a staff member's record is audited by the API.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api, get } from '../api.js';
import { strings, t } from '../i18n.js';
import { navigate, idParam } from '../router.js';
import { session, canWrite } from '../session.js';
import { num, jdate, digits, parseJdate, parseNumber } from '../format.js';
import { Page, ErrorBox, Notice, Loading, TextField, SelectField, DataTable, Pager, useLoad, useSignal, errorText } from '../ui.js';
import { provinces, centers, byKey, placeName } from './places.js';
import { ConflictView } from './conflict.js';

const T = strings({
  fa: {
    list_title: 'کارکنان', caption: 'فهرست کارکنان', name: 'نام', profession: 'حرفه', center: 'مرکز', province: 'استان',
    trainings: 'دوره‌های آموزشی', status: 'وضعیت', national_id: 'کد ملی', search: 'جستجوی نام یا کد ملی',
    'status.active': 'شاغل', 'status.left': 'رفته', details: 'مشخصات',
    member_title: 'کارمند {id}', trainings_caption: 'دوره‌های آموزشی گذرانده', course: 'دوره', hours: 'ساعت', completed_on: 'تاریخ پایان',
    no_trainings: 'دوره‌ای ثبت نشده است.', training_count: '{n} دوره', hours_of: '{course} ({hours} ساعت)',
    add_training: 'افزودن دوره', add: 'افزودن', added: 'دوره افزوده شد.', date_hint: 'به شکل ۱۴۰۳/۰۸/۱۵',
    bad_date: 'تاریخ را به شکل ۱۴۰۳/۰۸/۱۵ بنویسید.', bad_date_range: 'این تاریخ در تقویم نیست.',
    bad_number: 'یک عدد درست بنویسید.', required: 'این خانه را پر کنید.',
    'p.social_worker': 'مددکار اجتماعی', 'p.psychologist': 'روان‌شناس', 'p.physiotherapist': 'فیزیوتراپیست',
    'p.occupational_therapist': 'کاردرمانگر', 'p.speech_therapist': 'گفتاردرمانگر', 'p.nurse': 'پرستار',
    'p.physician': 'پزشک', 'p.caregiver': 'مراقب', 'p.counselor': 'مشاور', 'p.special_educator': 'مربی آموزش ویژه',
    'p.vocational_trainer': 'مربی حرفه‌آموزی', 'p.addiction_counselor': 'مشاور اعتیاد', 'p.administrator': 'کارمند اداری',
    'p.other': 'سایر',
  },
  en: {
    list_title: 'Staff', caption: 'Staff', name: 'Name', profession: 'Profession', center: 'Center', province: 'Province',
    trainings: 'Trainings', status: 'Status', national_id: 'National ID', search: 'Search by name or national ID',
    'status.active': 'Working', 'status.left': 'Left', details: 'Details',
    member_title: 'Staff member {id}', trainings_caption: 'Trainings completed', course: 'Course', hours: 'Hours', completed_on: 'Completed on',
    no_trainings: 'No trainings recorded.', training_count: '{n} trainings', hours_of: '{course} ({hours} h)',
    add_training: 'Add a training', add: 'Add', added: 'The training is added.', date_hint: 'like 1403/08/15',
    bad_date: 'Write the date like 1403/08/15.', bad_date_range: 'No such day in the calendar.',
    bad_number: 'Write a whole number.', required: 'Fill in this field.',
    'p.social_worker': 'Social worker', 'p.psychologist': 'Psychologist', 'p.physiotherapist': 'Physiotherapist',
    'p.occupational_therapist': 'Occupational therapist', 'p.speech_therapist': 'Speech therapist', 'p.nurse': 'Nurse',
    'p.physician': 'Physician', 'p.caregiver': 'Caregiver', 'p.counselor': 'Counselor',
    'p.special_educator': 'Special educator', 'p.vocational_trainer': 'Vocational trainer',
    'p.addiction_counselor': 'Addiction counselor', 'p.administrator': 'Administrator', 'p.other': 'Other',
  },
});

const PROFESSIONS = ['social_worker', 'psychologist', 'physiotherapist', 'occupational_therapist', 'speech_therapist',
  'nurse', 'physician', 'caregiver', 'counselor', 'special_educator', 'vocational_trainer', 'addiction_counselor',
  'administrator', 'other'];
const PAGE = 50;

export function professionLabel(p) {
  const k = 'p.' + p, s = T(k);
  return s === k ? String(p) : s;
}

// "CBR (24 hours), …" for a table cell
export function trainingsText(list) {
  if (!list || !list.length) return t('none');
  return list.map((x) => (x.hours !== undefined && x.hours !== null ? T('hours_of', { course: x.course, hours: num(x.hours) }) : x.course)).join('، ');
}

const staffName = (s) => html`<bdi>${s.first_name} ${s.last_name}</bdi>`;

export function StaffList({ query }) {
  const user = useSignal(session);
  const f = { q: query.get('q') || '', profession: query.get('profession') || '', province: query.get('province') || '',
    center_id: query.get('center_id') || '', status: query.get('status') || '' };
  const cursor = query.get('cursor') || '';
  const [q, setQ] = useState(f.q);
  const list = useLoad(() => get('/staff', { ...f, cursor, limit: PAGE }).then((r) => r.data),
    [f.q, f.profession, f.province, f.center_id, f.status, cursor]);
  const provs = useLoad(provinces, []);
  const ctrs = useLoad(centers, []);
  const pmap = byKey(provs.data, 'code'), cmap = byKey(ctrs.data);

  function go(changes) {
    const p = new URLSearchParams({ ...f, ...changes });
    for (const [k, v] of [...p]) if (!v) p.delete(k);
    const s = p.toString();
    navigate('/console/staff' + (s ? '?' + s : ''));
  }
  const columns = [
    { key: 'name', label: T('name'), render: (s) => html`<a href=${'/console/staff/' + s.id}>${staffName(s)}</a>` },
    { key: 'profession', label: T('profession'), render: (s) => professionLabel(s.profession) },
    { key: 'center', label: T('center'), render: (s) => html`<a href=${'/console/centers/' + s.center_id}><bdi>${cmap.get(s.center_id)?.name || digits(String(s.center_id))}</bdi></a>` },
    { key: 'province', label: T('province'), render: (s) => placeName(pmap.get(s.province)) },
    { key: 'trainings', label: T('trainings'), render: (s) => T('training_count', { n: num((s.trainings || []).length) }) },
    { key: 'status', label: T('status'), render: (s) => T('status.' + s.status) },
  ];
  return html`<${Page} title=${T('list_title')}>
    <form class="filters" role="search" onSubmit=${(e) => { e.preventDefault(); go({ q, cursor: '' }); }}>
      <${TextField} label=${T('search')} value=${q} onInput=${setQ} type="search" />
      <${SelectField} label=${T('profession')} value=${f.profession} placeholder=${t('all')}
        options=${PROFESSIONS.map((x) => [x, professionLabel(x)])} onChange=${(v) => go({ profession: v, cursor: '' })} />
      ${user && !user.province ? html`<${SelectField} label=${T('province')} value=${f.province} placeholder=${t('all')}
        options=${(provs.data || []).map((p) => [p.code, placeName(p)])} onChange=${(v) => go({ province: v, cursor: '' })} />` : null}
      <${SelectField} label=${T('center')} value=${f.center_id} placeholder=${t('all')}
        options=${(ctrs.data || []).map((c) => [String(c.id), c.name])} onChange=${(v) => go({ center_id: v, cursor: '' })} />
      <${SelectField} label=${T('status')} value=${f.status} placeholder=${t('all')}
        options=${['active', 'left'].map((x) => [x, T('status.' + x)])} onChange=${(v) => go({ status: v, cursor: '' })} />
      <button type="submit">${t('search')}</button>
    </form>
    <${ErrorBox} error=${list.error} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    ${list.data ? html`<${DataTable} caption=${T('caption')} columns=${columns} rows=${list.data.items} />
      <${Pager} cursor=${cursor} next=${list.data.next_cursor} onNext=${(c) => go({ cursor: c })}
        onFirst=${() => go({ cursor: '' })} />` : null}
  <//>`;
}

// what a training is sent as (the API adds completed_on_jalali itself)
const plain = (x) => ({ course: x.course, ...(x.hours !== undefined && x.hours !== null ? { hours: x.hours } : {}), completed_on: x.completed_on });

export function StaffPage({ params }) {
  // the staff member's number from the address: digits only (anything else never reaches an API path)
  if (idParam(params) === null) return html`<${Page} title=${T('list_title')}><${ErrorBox} error=${{ status: 404 }} /><//>`;
  return html`<${StaffMember} id=${params.id} />`;
}

function StaffMember({ id }) {
  const user = useSignal(session);
  const [rec, setRec] = useState(null);
  const loaded = useLoad(() => get('/staff/' + id).then((r) => { setRec(r); return r; }), [id]);
  const provs = useLoad(provinces, []);
  const s = rec && rec.data;
  const ctr = useLoad(() => (s ? get('/centers/' + s.center_id).then((r) => r.data) : Promise.resolve(null)), [s && s.center_id]);
  const [form, setForm] = useState({ course: '', hours: '', date: '' });
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [conflict, setConflict] = useState(null);   // {added: the new training, theirs: {data, etag}}
  const [failure, setFailure] = useState(null);     // the current version could not be read after a 412

  if (loaded.error) return html`<${Page} title=${T('list_title')}><${ErrorBox} error=${loaded.error} /><//>`;
  if (!s) return html`<${Page} title=${T('list_title')}><${Loading} /><//>`;

  // Adds one training to the list of the version etag names. When someone else changed the record meanwhile (412),
  // the current version is shown beside it; "keep mine" then adds the new training to THEIR list, so nothing a
  // colleague recorded meanwhile is dropped.
  async function send(added, base) {
    setBusy(true);
    setFailure(null);
    const trainings = [...(base.data.trainings || []).map(plain), added];
    try {
      const r = await api('PATCH', '/staff/' + s.id, { body: { trainings }, headers: { 'If-Match': base.etag } });
      setRec({ data: r.data, etag: r.etag });
      setConflict(null);
      setForm({ course: '', hours: '', date: '' });
      setNotice(T('added'));
    } catch (e) {
      if (e.status === 412) {
        try { setConflict({ added, theirs: await get('/staff/' + s.id) }); } catch (e2) { setFailure(e2); }
      } else setErrors(Object.keys(e.fields).length ? { '': Object.values(e.fields).join(' ') } : { '': errorText(e) });
    } finally {
      setBusy(false);
    }
  }

  function add(e) {
    e.preventDefault();
    const errs = {};
    if (!form.course.trim()) errs.course = T('required');
    let hours;
    if (form.hours.trim()) {
      hours = parseNumber(form.hours);
      if (Number.isNaN(hours) || hours < 0) errs.hours = T('bad_number');
    }
    const d = parseJdate(form.date);
    if (d.error) errs.date = d.error === 'range' ? T('bad_date_range') : T('bad_date');
    else if (!d.iso) errs.date = T('required');
    setErrors(errs);
    setNotice('');
    if (Object.keys(errs).length) return;
    send(plain({ course: form.course.trim(), hours, completed_on: d.iso }), rec);
  }

  const columns = [
    { key: 'course', label: T('course'), render: (x) => html`<bdi>${x.course}</bdi>` },
    { key: 'hours', label: T('hours'), num: true, render: (x) => num(x.hours) },
    { key: 'completed_on', label: T('completed_on'), render: (x) => jdate(x.completed_on) },
  ];
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  // The tab's title and the heading name the record, not the person: browsers keep titles in their history, on shared
  // office computers too. The name is the first line of the page.
  return html`<${Page} title=${T('member_title', { id: digits(String(s.id)) })}>
    <p class="person-name"><bdi>${s.first_name} ${s.last_name}</bdi></p>
    ${notice ? html`<${Notice} kind="ok">${notice}<//>` : null}
    <${ErrorBox} error=${failure} />
    ${conflict ? html`<${ConflictView} fields=${[['trainings', T('trainings'), trainingsText]]} base=${s}
        mine=${{ trainings: [...(conflict.theirs.data.trainings || []), conflict.added] }}
        theirs=${conflict.theirs.data} busy=${busy} onKeepMine=${() => send(conflict.added, conflict.theirs)}
        onTakeTheirs=${() => { setRec(conflict.theirs); setConflict(null); }} />` : null}
    <section class="card" aria-labelledby="facts-h">
      <h2 id="facts-h">${T('details')}</h2>
      <dl class="facts">
        <dt>${T('national_id')}</dt><dd>${digits(s.national_id)}</dd>
        <dt>${T('profession')}</dt><dd>${professionLabel(s.profession)}</dd>
        <dt>${T('center')}</dt><dd><a href=${'/console/centers/' + s.center_id}><bdi>${ctr.data ? ctr.data.name : digits(String(s.center_id))}</bdi></a></dd>
        <dt>${T('province')}</dt><dd>${placeName(byKey(provs.data, 'code').get(s.province))}</dd>
        <dt>${T('status')}</dt><dd>${T('status.' + s.status)}</dd>
      </dl>
    </section>
    <section aria-labelledby="tr-h">
      <h2 id="tr-h">${T('trainings')}</h2>
      <${DataTable} caption=${T('trainings_caption')} columns=${columns} rows=${s.trainings || []} empty=${T('no_trainings')} />
      ${canWrite(user) ? html`<form class="card filters" onSubmit=${add} novalidate aria-labelledby="add-h">
        <h3 id="add-h">${T('add_training')}</h3>
        <${TextField} label=${T('course')} value=${form.course} onInput=${set('course')} error=${errors.course} required />
        <${TextField} label=${T('hours')} value=${form.hours} onInput=${set('hours')} error=${errors.hours} inputmode="numeric" />
        <${TextField} label=${T('completed_on')} value=${form.date} onInput=${set('date')} error=${errors.date}
          hint=${T('date_hint')} inputmode="numeric" required />
        <button type="submit" class="primary" disabled=${busy}>${T('add')}</button>
        ${errors[''] ? html`<div class="notice error" role="alert">${errors['']}</div>` : null}
      </form>` : null}
    </section>
  <//>`;
}
