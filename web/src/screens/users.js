// users.js - the admins' users screen (/console/users: the users of their scope; create one, change its role or
// scope, deactivate or reactivate it; only the roles and places the API would accept are offered, and whatever the
// API still refuses is said beside its field or as one sentence) and everyone's own password (/console/password).
import { useState, useRef, useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { api, get } from '../api.js';
import { strings, t, label } from '../i18n.js';
import { session, readsUsers } from '../session.js';
import { digits } from '../format.js';
import { Page, ErrorBox, Notice, Loading, TextField, SelectField, DataTable, Pager, useLoad, useSignal, errorText, useFocusNext } from '../ui.js';
import { provinces, counties, centers, byKey, placeName } from './places.js';

const T = strings({
  fa: {
    title: 'کاربران', caption: 'کاربران حوزهٔ شما', username: 'نام کاربری', full_name: 'نام و نام خانوادگی',
    role: 'نقش', scope: 'حوزه', active: 'وضعیت', is_active: 'فعال', is_inactive: 'غیرفعال', actions: 'کارها',
    new_user: 'کاربر تازه', create_title: 'ساختن کاربر تازه', create: 'ساختن کاربر', created: 'کاربر {name} ساخته شد.',
    edit: 'ویرایش', edit_title: 'تغییر نقش و حوزهٔ {name}', saved: 'تغییرات {name} ذخیره شد.',
    deactivate: 'غیرفعال کردن', activate: 'فعال کردن', deactivated: 'کاربر {name} غیرفعال شد و دیگر نمی‌تواند وارد شود.',
    activated: 'کاربر {name} دوباره فعال شد.', password: 'گذرواژه', province: 'استان', county: 'شهرستان', center: 'مرکز',
    nation: 'سراسر کشور', choose: 'برگزینید', required: 'این خانه را پر کنید.', filter_role: 'نمایش نقش', filter_province: 'نمایش استان',
    username_taken: 'این نام کاربری پیش‌تر گرفته شده است.', taken: 'این مقدار پیش‌تر ثبت شده است.',
    refused: 'سامانه نپذیرفت: {why}', changed_meanwhile: 'این کاربر را کس دیگری در این فاصله تغییر داده است؛ نسخهٔ تازه بارگذاری شد، دوباره بکوشید.',
    password_hint: 'دست‌کم ۱۲ نویسه؛ نه نام کاربری، نه تکرار یک نویسه، نه رشته‌ای پشت سر هم، نه گذرواژه‌ای رایج.',
    roles_note: 'فقط نقش‌هایی که شما اجازهٔ دادنشان را دارید.', only_admins: 'این بخش فقط برای مدیران ملی و استانی است.',
  },
  en: {
    title: 'Users', caption: 'Users of your scope', username: 'Username', full_name: 'Full name',
    role: 'Role', scope: 'Scope', active: 'Status', is_active: 'Active', is_inactive: 'Inactive', actions: 'Actions',
    new_user: 'New user', create_title: 'Create a user', create: 'Create the user', created: 'User {name} is created.',
    edit: 'Edit', edit_title: 'Role and scope of {name}', saved: 'Changes to {name} are saved.',
    deactivate: 'Deactivate', activate: 'Activate', deactivated: 'User {name} is deactivated and can no longer sign in.',
    activated: 'User {name} is active again.', password: 'Password', province: 'Province', county: 'County', center: 'Center',
    nation: 'Nationwide', choose: 'Choose', required: 'Fill in this field.', filter_role: 'Show role', filter_province: 'Show province',
    username_taken: 'This username is taken.', taken: 'This value is already registered.',
    refused: 'The registry refused: {why}', changed_meanwhile: 'Someone else changed this user meanwhile; the new version is loaded, try again.',
    password_hint: 'At least 12 characters; not the username, not one character repeated, not a straight run, not a common password.',
    roles_note: 'Only the roles you may give.', only_admins: 'This section is for national and provincial admins.',
  },
});

const ROLES = ['national_admin', 'national_viewer', 'provincial_admin', 'provincial_officer', 'county_officer', 'ngo_submitter'];
const LEVEL = { national_admin: 0, national_viewer: 0, provincial_admin: 1, provincial_officer: 1, county_officer: 2, ngo_submitter: 3 };

// The roles the API lets this admin give (server/auth/identity.c, may_manage_user): a national admin any, a
// provincial admin those below theirs, in their own province.
export function rolesFor(user) {
  if (!user) return [];
  if (user.role === 'national_admin') return ROLES;
  if (user.role === 'provincial_admin') return ['provincial_officer', 'county_officer', 'ngo_submitter'];
  return [];
}

// A form's values as the scope fields the role needs (the users table's shape: the rest null). The database derives
// a county officer's province from the county and an NGO submitter's county and province from the center.
function scopeBody(v) {
  const level = LEVEL[v.role];
  return {
    role: v.role,
    province: level === 0 ? null : v.province || null,
    county_id: level === 2 ? (v.county_id ? Number(v.county_id) : null) : null,
    center_id: level === 3 ? (v.center_id ? Number(v.center_id) : null) : null,
  };
}

function missing(v, creating) {
  const errs = {};
  if (creating && !v.username.trim()) errs.username = T('required');
  if (creating && !v.password) errs.password = T('required');
  if (!v.role) errs.role = T('required');
  const level = LEVEL[v.role];
  if (level >= 1 && !v.province) errs.province = T('required');
  if (level === 2 && !v.county_id) errs.county_id = T('required');
  if (level === 3 && !v.center_id) errs.center_id = T('required');
  return errs;
}

// The API's refusal: each field's message beside its field (a taken username, a password rule); what names no field
// (a 403 for a role or place outside the admin's scope) as one sentence.
function refusal(e) {
  const errs = { ...e.fields };
  // a 409's field errors are the database's unique keys (not yet coded by the API): the field says which
  if (e.status === 409) for (const k of Object.keys(errs)) if (k) errs[k] = k === 'username' ? T('username_taken') : T('taken');
  const general = errs[''];
  delete errs[''];
  if (general || !Object.keys(errs).length) errs[''] = T('refused', { why: [errorText(e), general].filter(Boolean).join(' ') });
  return errs;
}

function UserForm({ admin, values, setValues, errors, busy, creating, onSubmit, onCancel, heading }) {
  const set = (k) => (v) => setValues({ ...values, [k]: v,
    ...(k === 'province' ? { county_id: '', center_id: '' } : {}), ...(k === 'role' ? { county_id: '', center_id: '' } : {}) });
  const level = LEVEL[values.role];
  const provs = useLoad(provinces, []);
  const cnts = useLoad(() => (values.province ? counties(values.province) : Promise.resolve([])), [values.province]);
  const ctrs = useLoad(centers, []);
  const head = useRef(null);
  useEffect(() => { if (head.current) head.current.focus(); }, [heading]);
  const centerOptions = (ctrs.data || []).filter((c) => c.province === values.province && c.status !== 'closed');
  return html`<form class="card user-form" onSubmit=${(e) => { e.preventDefault(); onSubmit(); }} novalidate>
    <h2 tabindex="-1" ref=${head}>${heading}</h2>
    <div class="grid2">
      ${creating ? html`<${TextField} label=${T('username')} value=${values.username} onInput=${set('username')}
          error=${errors.username} autocomplete="off" dir="ltr" required />
        <${TextField} label=${T('full_name')} value=${values.full_name} onInput=${set('full_name')} error=${errors.full_name} />
        <${TextField} label=${T('password')} type="password" value=${values.password} onInput=${set('password')}
          error=${errors.password} hint=${T('password_hint')} autocomplete="new-password" dir="ltr" required />` : null}
      <${SelectField} label=${T('role')} value=${values.role} placeholder=${T('choose')} error=${errors.role}
        options=${rolesFor(admin).map((r) => [r, label('role', r)])} onChange=${set('role')} required />
      ${level >= 1 ? html`<${SelectField} label=${T('province')} value=${values.province} placeholder=${T('choose')}
        error=${errors.province} options=${(provs.data || []).map((p) => [p.code, placeName(p)])} onChange=${set('province')}
        disabled=${admin.role !== 'national_admin'} required />` : null}
      ${level === 2 ? html`<${SelectField} label=${T('county')} value=${values.county_id} placeholder=${T('choose')}
        error=${errors.county_id} options=${(cnts.data || []).map((c) => [String(c.id), placeName(c)])}
        onChange=${set('county_id')} required />` : null}
      ${level === 3 ? html`<${SelectField} label=${T('center')} value=${values.center_id} placeholder=${T('choose')}
        error=${errors.center_id} options=${centerOptions.map((c) => [String(c.id), c.name])}
        onChange=${set('center_id')} required />` : null}
    </div>
    <small class="hint">${T('roles_note')}</small>
    ${errors[''] ? html`<div class="notice error" role="alert">${errors['']}</div>` : null}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${creating ? T('create') : t('save')}</button>
      <button type="button" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}

export function Users() {
  const admin = useSignal(session);
  const [filter, setFilter] = useState({ role: '', province: '' });
  const [cursor, setCursor] = useState('');
  const list = useLoad(() => get('/users', { ...filter, cursor, limit: 100 }).then((r) => r.data), [filter.role, filter.province, cursor]);
  const provs = useLoad(provinces, []);
  const ctrs = useLoad(centers, []);
  const [mode, setMode] = useState(null);         // null | {create: true} | {user, etag}
  const [values, setValues] = useState(null);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');
  const [pageError, setPageError] = useState(null);
  const pmap = byKey(provs.data, 'code'), cmap = byKey(ctrs.data);
  const [countyNames, setCountyNames] = useState(new Map());
  // After a save or a cancel the form is gone: the focus goes to the notice saying what happened, or back to the
  // button that opened the form (the new-user button, or the row's edit button when it is still there).
  const noticeBox = useRef(null), newButton = useRef(null), opener = useRef(null), focusNext = useFocusNext();
  const backToOpener = () => {
    const was = opener.current;
    focusNext.current = () => (was && was.isConnected ? was : newButton.current);
  };

  // the county names of the listed county officers, by their provinces
  useEffect(() => {
    const provsNeeded = new Set((list.data?.items || []).filter((u) => u.county_id).map((u) => u.province));
    Promise.all([...provsNeeded].map((p) => counties(p))).then((lists) => setCountyNames(byKey(lists.flat())), () => {});
  }, [list.data]);

  if (!readsUsers(admin)) return html`<${Page} title=${T('title')}><div class="notice error" role="alert">${T('only_admins')}</div><//>`;

  const scopeText = (u) => {
    if (u.center_id) return html`<bdi>${cmap.get(u.center_id)?.name || digits(String(u.center_id))}</bdi>`;
    if (u.county_id) {
      const county = countyNames.get(u.county_id);      // not yet (or not) loaded: its number meanwhile
      return county ? placeName(county) : digits(String(u.county_id));
    }
    if (u.province) return placeName(pmap.get(u.province));
    return T('nation');
  };
  const mayManage = (u) => u.id !== admin.id && rolesFor(admin).includes(u.role);

  function startCreate() {
    setValues({ username: '', full_name: '', password: '', role: '', province: admin.province || '', county_id: '', center_id: '' });
    setErrors({});
    setNotice('');
    opener.current = null;
    setMode({ create: true });
  }

  async function startEdit(u, button) {
    if (button) opener.current = button;
    setNotice('');
    setErrors({});
    try {
      const r = await get('/users/' + u.id);      // the ETag for If-Match
      const x = r.data;
      setValues({ role: x.role, province: x.province || '', county_id: x.county_id ? String(x.county_id) : '',
        center_id: x.center_id ? String(x.center_id) : '' });
      setMode({ user: x, etag: r.etag });
    } catch (e) { setPageError(e); }
  }

  async function submit() {
    const creating = !!mode.create;
    const errs = missing(values, creating);
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      if (creating) {
        const body = { username: values.username.trim(), password: values.password, ...scopeBody(values) };
        for (const k of ['province', 'county_id', 'center_id']) if (body[k] === null) delete body[k];
        if (values.full_name.trim()) body.full_name = values.full_name.trim();
        const r = await api('POST', '/users', { body });
        setNotice(T('created', { name: r.data.username }));
      } else {
        const r = await api('PATCH', '/users/' + mode.user.id, { body: scopeBody(values), headers: { 'If-Match': mode.etag } });
        setNotice(T('saved', { name: r.data.username }));
      }
      setMode(null);
      focusNext.current = () => noticeBox.current;
      list.reload();
    } catch (e) {
      if (e.status === 412) {
        await startEdit(mode.user);
        setErrors({ '': T('changed_meanwhile') });
      } else setErrors(refusal(e));
    } finally {
      setBusy(false);
    }
  }

  async function setActive(u, active) {
    setNotice('');
    setPageError(null);
    try {
      const cur = await get('/users/' + u.id);
      const r = await api('PATCH', '/users/' + u.id, { body: { active }, headers: { 'If-Match': cur.etag } });
      setNotice(T(active ? 'activated' : 'deactivated', { name: r.data.username }));
      focusNext.current = () => noticeBox.current;
      list.reload();
    } catch (e) { setPageError(e); }
  }

  const columns = [
    { key: 'username', label: T('username'), render: (u) => html`<bdi dir="ltr">${u.username}</bdi>` },
    { key: 'full_name', label: T('full_name'), render: (u) => (u.full_name ? html`<bdi>${u.full_name}</bdi>` : t('none')) },
    { key: 'role', label: T('role'), render: (u) => label('role', u.role) },
    { key: 'scope', label: T('scope'), render: scopeText },
    { key: 'active', label: T('active'), render: (u) => (u.active ? T('is_active') : T('is_inactive')) },
    { key: 'actions', label: T('actions'), render: (u) => (mayManage(u) ? html`<span class="row-actions">
      <button type="button" onClick=${(e) => startEdit(u, e.currentTarget)} aria-label=${T('edit') + ' ' + u.username}>${T('edit')}</button>
      <button type="button" class=${u.active ? 'danger' : ''} onClick=${() => setActive(u, !u.active)}
        aria-label=${(u.active ? T('deactivate') : T('activate')) + ' ' + u.username}>${u.active ? T('deactivate') : T('activate')}</button>
    </span>` : t('none')) },
  ];
  const roleOptions = admin.role === 'national_admin' ? ROLES : ['provincial_admin', ...rolesFor(admin)];
  return html`<${Page} title=${T('title')} actions=${mode || !rolesFor(admin).length ? null : html`<button type="button" class="primary" ref=${newButton} onClick=${startCreate}>${T('new_user')}</button>`}>
    ${notice ? html`<div tabindex="-1" ref=${noticeBox}><${Notice} kind="ok">${notice}<//></div>` : null}
    <${ErrorBox} error=${pageError} />
    ${mode ? html`<${UserForm} admin=${admin} values=${values} setValues=${setValues} errors=${errors} busy=${busy}
      creating=${!!mode.create} onSubmit=${submit} onCancel=${() => { setMode(null); backToOpener(); }}
      heading=${mode.create ? T('create_title') : T('edit_title', { name: mode.user.username })} />` : null}
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <${SelectField} label=${T('filter_role')} value=${filter.role} placeholder=${t('all')}
        options=${roleOptions.map((r) => [r, label('role', r)])} onChange=${(v) => { setCursor(''); setFilter({ ...filter, role: v }); }} />
      ${admin.role === 'national_admin' ? html`<${SelectField} label=${T('filter_province')} value=${filter.province}
        placeholder=${t('all')} options=${(provs.data || []).map((p) => [p.code, placeName(p)])}
        onChange=${(v) => { setCursor(''); setFilter({ ...filter, province: v }); }} />` : null}
    </form>
    <${ErrorBox} error=${list.error} />
    ${list.loading && !list.data ? html`<${Loading} />` : null}
    ${list.data ? html`<${DataTable} caption=${T('caption')} columns=${columns} rows=${list.data.items} />
      <${Pager} cursor=${cursor} next=${list.data.next_cursor} onNext=${setCursor} onFirst=${() => setCursor('')} />` : null}
  <//>`;
}

// Everyone's own password --------------------------------------------------------------------------------------

const P = strings({
  fa: {
    title: 'تغییر گذرواژه', current: 'گذرواژهٔ کنونی', next: 'گذرواژهٔ تازه', confirm: 'تکرار گذرواژهٔ تازه',
    submit: 'تغییر گذرواژه', busy: 'در حال تغییر…', done: 'گذرواژهٔ شما تغییر کرد؛ نشست‌های دیگر شما پایان یافتند.',
    mismatch: 'تکرار با گذرواژهٔ تازه یکی نیست.', same: 'گذرواژهٔ تازه باید با گذرواژهٔ کنونی فرق کند.',
    required: 'این خانه را پر کنید.', locked: 'بررسی‌های نادرست گذرواژه زیاد بود؛ کمی بعد دوباره بکوشید.',
    rules: 'دست‌کم ۱۲ نویسه؛ نه نام کاربری، نه تکرار یک نویسه، نه رشته‌ای پشت سر هم، نه گذرواژه‌ای رایج.',
  },
  en: {
    title: 'Change password', current: 'Current password', next: 'New password', confirm: 'New password again',
    submit: 'Change password', busy: 'Changing…', done: 'Your password is changed; your other sessions have ended.',
    mismatch: 'This does not match the new password.', same: 'The new password must differ from the current one.',
    required: 'Fill in this field.', locked: 'Too many wrong password checks; try again shortly.',
    rules: 'At least 12 characters; not the username, not one character repeated, not a straight run, not a common password.',
  },
});

export function Password() {
  const [v, setV] = useState({ current: '', next: '', confirm: '' });
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const set = (k) => (x) => setV({ ...v, [k]: x });

  async function submit(e) {
    e.preventDefault();
    const errs = {};
    for (const k of ['current', 'next', 'confirm']) if (!v[k]) errs[k] = P('required');
    if (!errs.confirm && v.next !== v.confirm) errs.confirm = P('mismatch');
    if (!errs.next && v.next === v.current) errs.next = P('same');
    setErrors(errs);
    setDone(false);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await api('POST', '/auth/password', { body: { current_password: v.current, new_password: v.next } });
      setV({ current: '', next: '', confirm: '' });
      setDone(true);
    } catch (err) {
      const f = err.fields || {};
      const out = {};
      if (f.current_password) out.current = f.current_password;
      if (f.new_password) out.next = f.new_password;
      if (!out.current && !out.next) out[''] = err.status === 429 ? P('locked') : errorText(err);
      setErrors(out);
    } finally {
      setBusy(false);
    }
  }

  return html`<${Page} title=${P('title')}>
    ${done ? html`<${Notice} kind="ok">${P('done')}<//>` : null}
    <form class="card password-form" method="post" action="/console/password" onSubmit=${submit} novalidate>
      <input type="text" name="username" autocomplete="username" value=${session.get()?.username || ''} hidden readonly />
      <${TextField} label=${P('current')} type="password" value=${v.current} onInput=${set('current')} error=${errors.current}
        name="current-password" autocomplete="current-password" dir="ltr" required />
      <${TextField} label=${P('next')} type="password" value=${v.next} onInput=${set('next')} error=${errors.next}
        hint=${P('rules')} name="new-password" autocomplete="new-password" dir="ltr" required />
      <${TextField} label=${P('confirm')} type="password" value=${v.confirm} onInput=${set('confirm')} error=${errors.confirm}
        name="confirm-password" autocomplete="new-password" dir="ltr" required />
      ${errors[''] ? html`<div class="notice error" role="alert">${errors['']}</div>` : null}
      <button type="submit" class="primary" disabled=${busy}>${busy ? P('busy') : P('submit')}</button>
    </form>
  <//>`;
}
