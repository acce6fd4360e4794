// submissions.js - NGO submissions: the list of a scope's submissions (/console/submissions?status=pending) and one
// submission (/console/submissions/{id}): each record in Persian with the API's verdict on it, and for an officer
// the decision: approve (records registered elsewhere, and any the officer picks, left out with a reason) or reject
// with a reason, after which the approved records are in the registry.
import { useState, useRef, useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { strings, t } from '../i18n.js';
import { api, get } from '../api.js';
import { navigate } from '../router.js';
import { session, canReview, canWrite, hasRole } from '../session.js';
import { Page, ErrorBox, Notice, Loading, SelectField, Field, DataTable, Pager, useLoad, useSignal, errorText } from '../ui.js';
import { num, digits, jdate } from '../format.js';
import { COLUMNS, KINDS, T as C, columnOf, message, showValue, refusals } from './upload_columns.js';
import { RowsTable } from './upload_table.js';

const T = strings({
  fa: {
    list_title: 'ارسال‌های سازمان‌های مردم‌نهاد', new: 'ارسال فایل تازه', status: 'وضعیت', caption: 'ارسال‌ها',
    none: 'ارسالی با این وضعیت نیست.', id: 'شماره', center: 'مرکز', created: 'زمان ارسال', records: 'رکوردها',
    valid: 'بی‌خطا', reason: 'دلیل', decided: 'زمان تصمیم', filter: 'نمایش', all: 'همه',
    'st.pending': 'در انتظار بررسی', 'st.approved': 'تأییدشده', 'st.rejected': 'ردشده',
    title: 'ارسال شمارهٔ {id}', kind_records: '{kind} این ارسال', valid_rec: 'بی‌خطا', invalid_rec: 'خطا دارد',
    decision: 'تصمیم', approve: 'تأیید و ثبت رکوردهای بی‌خطا', reject: 'رد کل ارسال', reason_label: 'دلیل',
    reason_hint: 'برای رد کردن لازم است؛ سازمان مردم‌نهاد آن را می‌بیند.', reason_required: 'دلیل رد را بنویسید.',
    exclude: 'کنار گذاشتن', exclude_one: 'کنار گذاشتن ردیف {n}', exclude_reason: 'دلیل کنار گذاشتن ردیف‌ها',
    exclude_hint: 'سازمان مردم‌نهاد همین جمله را کنار ردیف می‌بیند.', exclude_default: 'نیاز به بررسی بیشتر در اداره',
    exclude_reason_required: 'دلیل کنار گذاشتن را بنویسید.',
    exclude_refused: 'کنار گذاشتن این ردیف‌ها پذیرفته نشد: فقط ردیف‌های بی‌خطای این ارسال را می‌توان کنار گذاشت، هر کدام یک بار و با دلیل.',
    must_exclude: '{n} ردیف کد ملی‌ای دارد که در مرکز دیگری ثبت است؛ این ردیف‌ها کنار گذاشته می‌شوند.',
    submit_approve: 'تأیید و ثبت {n} رکورد', submit_reject: 'رد این ارسال', busy: 'در حال ثبت تصمیم…',
    approved: 'تأیید شد: {client} مددجو، {staff} کارمند و {service} خدمت در سامانه ثبت شد.',
    rejected: 'این ارسال رد شد.',
    other_fields: 'سایر', list: 'فهرست ارسال‌ها', back_list: 'بازگشت به فهرست',
    conflict: 'تصمیم ثبت نشد: یا کس دیگری در این فاصله تصمیم گرفته است، یا برخی رکوردها اکنون تکراری‌اند (ارسال را رد کنید تا اصلاح و دوباره فرستاده شود). وضعیت کنونی در بالا آمده است.',
  },
  en: {
    list_title: 'NGO submissions', new: 'Send a new file', status: 'Status', caption: 'Submissions',
    none: 'No submissions with this status.', id: 'Number', center: 'Center', created: 'Sent', records: 'Records',
    valid: 'Valid', reason: 'Reason', decided: 'Decided', filter: 'Show', all: 'All',
    'st.pending': 'Awaiting review', 'st.approved': 'Approved', 'st.rejected': 'Rejected',
    title: 'Submission {id}', kind_records: '{kind} in this submission', valid_rec: 'Valid', invalid_rec: 'Has problems',
    decision: 'Decision', approve: 'Approve and record the valid records', reject: 'Reject the whole submission',
    reason_label: 'Reason', reason_hint: 'Required to reject; the NGO sees it.', reason_required: 'Write why it is rejected.',
    exclude: 'Leave out', exclude_one: 'Leave out row {n}', exclude_reason: 'Why the rows are left out',
    exclude_hint: 'The NGO sees this sentence beside each row.', exclude_default: 'Needs further review at the office',
    exclude_reason_required: 'Write why the rows are left out.',
    exclude_refused: 'Leaving these rows out was refused: only valid rows of this submission can be left out, each once and with a reason.',
    must_exclude: '{n} rows hold a national ID registered in another center; they are left out.',
    submit_approve: 'Approve and record {n} records', submit_reject: 'Reject this submission', busy: 'Recording…',
    approved: 'Approved: {client} clients, {staff} staff and {service} services recorded.',
    rejected: 'This submission was rejected.',
    other_fields: 'Other', list: 'Submissions', back_list: 'Back to the list',
    conflict: 'No decision was recorded: someone else decided meanwhile, or some records are duplicates now (reject it so it is fixed and resent). The status now is shown above.',
  },
});

const STATUSES = ['pending', 'approved', 'rejected'];

function StatusBadge({ status }) {
  return html`<span class=${'status-badge ' + status}>${T('st.' + status)}</span>`;
}

// The names of the centers a page of submissions names (one request per center; a page names few).
async function centerNames(ids) {
  const out = {};
  await Promise.all([...new Set(ids)].filter(Boolean).map(async (id) => {
    try { out[id] = (await get('/centers/' + id)).data.name; } catch { /* shown by number */ }
  }));
  return out;
}

export function SubmissionList({ query }) {
  const user = useSignal(session);
  const reviewer = canReview(user);
  const status = query.get('status') || (reviewer ? 'pending' : 'all');
  const cursor = query.get('cursor') || '';
  const list = useLoad(async () => {
    const r = await get('/submissions', { status: status === 'all' ? '' : status, cursor, limit: 50 });
    const names = await centerNames(r.data.items.map((s) => s.center_id));
    return { ...r.data, names };
  }, [status, cursor]);
  const go = (q) => navigate('/console/submissions?' + new URLSearchParams(q).toString());
  const mayUpload = hasRole(user, 'ngo_submitter') || canWrite(user);
  const columns = [
    { key: 'id', label: T('id'), num: true, render: (s) => html`<a href=${'/console/submissions/' + s.id}>${digits(s.id)}</a>` },
    { key: 'center', label: T('center'), render: (s) => html`<bdi>${list.data.names[s.center_id] || digits(s.center_id)}</bdi>` },
    { key: 'created', label: T('created'), render: (s) => jdate(s.created_at, true) },
    { key: 'records', label: T('records'), num: true, render: (s) => num(s.record_count) },
    { key: 'valid', label: T('valid'), num: true, render: (s) => num(s.valid_count) },
    { key: 'status', label: T('status'), render: (s) => html`<${StatusBadge} status=${s.status} />` },
    { key: 'reason', label: T('reason'), render: (s) => (s.reason ? html`<bdi>${s.reason}</bdi>` : t('none')) },
  ];
  return html`<${Page} title=${T('list_title')} actions=${mayUpload ? html`<a class="button primary" href="/console/submissions/new">${T('new')}</a>` : null}>
    <form class="filters" onSubmit=${(e) => e.preventDefault()}>
      <${SelectField} label=${T('filter')} value=${status} name="status"
        options=${[['all', T('all')], ...STATUSES.map((s) => [s, T('st.' + s)])]} onChange=${(v) => go({ status: v })} />
    </form>
    ${list.loading ? html`<${Loading} />` : list.error ? html`<${ErrorBox} error=${list.error} />` : html`
      <${DataTable} caption=${T('caption') + ' — ' + (status === 'all' ? T('all') : T('st.' + status))} columns=${columns}
        rows=${list.data.items} empty=${T('none')} />
      <${Pager} cursor=${cursor} next=${list.data.next_cursor} onFirst=${() => go({ status })}
        onNext=${(c) => go({ status, cursor: c })} />`}
  <//>`;
}

// A submission's records of one kind as table rows: the values in Persian, the API's verdict, the refused cells.
function recordRows(d, kind, ctx) {
  const results = {};
  for (const r of d.results || []) results[r.index] = r;
  const rows = [];
  (d.records || []).forEach((rec, index) => {
    if (!rec || rec.kind !== kind) return;
    const data = rec.data || {};
    const res = results[index] || { status: 'invalid', errors: [] };
    const cells = {}, errors = {}, rowErrors = [];
    for (const c of COLUMNS[kind]) cells[c.field] = showValue(kind, c.field, data, ctx);
    for (const e of res.errors || []) {
      const col = columnOf(kind, e.field), text = message(e, kind);
      if (col) errors[col] = errors[col] ? errors[col] + ' ' + text : text;
      else rowErrors.push(text);
    }
    const known = new Set([...COLUMNS[kind].map((c) => c.field), 'disability']);
    const others = Object.entries(data).filter(([k]) => !known.has(k));
    if (others.length)
      rowErrors.push(T('other_fields') + ': ' + others.map(([k, v]) => k + ' = ' + (typeof v === 'object' ? JSON.stringify(v) : String(v))).join('، '));
    rows.push({
      key: index, n: index + 1, index, cells, errors, rowErrors,
      status: res.status === 'valid' ? ['good', T('valid_rec')] : ['bad', T('invalid_rec')],
      valid: res.status === 'valid',
      elsewhere: (res.errors || []).some((e) => e.code === 'national_id.registered_elsewhere'),
    });
  });
  return rows;
}

export function SubmissionPage({ params }) {
  const user = useSignal(session);
  const id = params.id;
  const sub = useLoad(async () => {
    const d = (await get('/submissions/' + encodeURIComponent(id))).data;
    // the counties of its province, so a record's county reads as its name
    const [names, counties] = await Promise.all([centerNames([d.center_id]),
      get('/counties', { province: d.province, limit: 500 }).then((r) => r.data.items, () => [])]);
    return { ...d, centerName: names[d.center_id], counties };
  }, [id]);
  const [outcome, setOutcome] = useState(null);
  // the decision form goes away with the focused button in it: the focus moves to what came of the decision
  const outcomeBox = useRef(null);
  useEffect(() => { if (outcome && outcomeBox.current) outcomeBox.current.focus(); }, [outcome]);
  const title = T('title', { id: digits(id) });
  if (sub.loading && !sub.data) return html`<${Page} title=${title}><${Loading} /><//>`;
  if (sub.error) return html`<${Page} title=${title}><${ErrorBox} error=${sub.error} /><p><a href="/console/submissions">${T('back_list')}</a></p><//>`;
  const d = sub.data;
  const kinds = KINDS.filter((k) => (d.records || []).some((r) => r && r.kind === k));
  const rowsByKind = Object.fromEntries(kinds.map((k) => [k, recordRows(d, k, { counties: d.counties })]));
  const decide = d.status === 'pending' && canReview(user);
  return html`<${Page} title=${title} actions=${html`<a href="/console/submissions">${T('list')}</a>`}>
    ${outcome ? html`<div class="outcome" tabindex="-1" ref=${outcomeBox}><${Notice} kind=${outcome.kind}>${outcome.text}<//></div>` : null}
    <div class="card"><dl class="facts">
      <dt>${T('status')}</dt><dd><${StatusBadge} status=${d.status} /></dd>
      <dt>${T('center')}</dt><dd><a href=${'/console/centers/' + d.center_id}><bdi>${d.centerName || digits(d.center_id)}</bdi></a></dd>
      <dt>${T('created')}</dt><dd>${jdate(d.created_at, true)}</dd>
      <dt>${T('records')}</dt><dd>${num(d.record_count)}</dd>
      <dt>${T('valid')}</dt><dd>${num(d.valid_count)}</dd>
      ${d.decided_at ? html`<dt>${T('decided')}</dt><dd>${jdate(d.decided_at, true)}</dd>` : null}
      ${d.reason ? html`<dt>${T('reason')}</dt><dd><bdi>${d.reason}</bdi></dd>` : null}
    </dl></div>
    ${decide ? html`<${Decision} d=${d} rowsByKind=${rowsByKind} kinds=${kinds}
        onDone=${(o) => { setOutcome(o); sub.reload(); }} onReload=${sub.reload} />`
      : kinds.map((k) => html`<${RowsTable} kind=${k} caption=${T('kind_records', { kind: C('kind.' + k) })} rows=${rowsByKind[k]} />`)}
  <//>`;
}

// The officer's decision, with the records' tables (each valid row may be left out of an approval).
function Decision({ d, rowsByKind, kinds, onDone, onReload }) {
  const all = kinds.flatMap((k) => rowsByKind[k]);
  const forced = all.filter((r) => r.elsewhere);
  const [choice, setChoice] = useState('approve');
  const [reason, setReason] = useState('');
  const [excluded, setExcluded] = useState(() => new Set());
  const [exReason, setExReason] = useState(forced.length ? T('exclude_default') : '');
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const leaving = new Set([...excluded, ...forced.map((r) => r.index)]);
  const writing = all.filter((r) => r.valid && !leaving.has(r.index)).length;

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const errs = {};
    const body = { decision: choice };
    if (reason.trim()) body.reason = reason.trim();
    if (choice === 'reject' && !reason.trim()) errs.reason = T('reason_required');
    if (choice === 'approve' && leaving.size) {
      if (!exReason.trim()) errs.exclude = T('exclude_reason_required');
      body.exclude = [...leaving].sort((a, b) => a - b).map((index) => ({ index, reason: exReason.trim() }));
    }
    setErrors(errs);
    setError(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const r = await api('POST', `/submissions/${d.id}/decision`, { body });
      const a = r.data.applied || {};
      onDone(r.data.status === 'approved'
        ? { kind: 'ok', text: T('approved', { client: num(a.client || 0), staff: num(a.staff || 0), service: num(a.service || 0) }) }
        : { kind: 'ok', text: T('rejected') });
    } catch (err) {
      // where the API points, said as the table's rows and this form's fields (never its names, records[3])
      const { lines, others } = refusals(err.problem && err.problem.errors, {
        kindOf: (i) => d.records[i] && d.records[i].kind, rowOf: (i) => i + 1,
        bare: message({ field: 'national_id', code: 'national_id.registered_elsewhere' }, 'client'),
      });
      const errs = {};
      for (const e of others) {
        if (e.field === 'reason') errs.reason = e.code ? e.message : T('reason_required');
        else if (/^exclude(\[\d+\])?$/.test(e.field)) errs.exclude = T('exclude_refused');
      }
      setErrors(errs);
      setError({ error: err, lines });
      // decided by someone else, or records that became duplicates: the page shows the submission as it is now
      if (err.status === 409) onReload();
    } finally {
      setBusy(false);
    }
  }

  const extra = choice === 'approve' ? {
    label: T('exclude'),
    render: (r) => (r.valid || r.elsewhere ? html`<input type="checkbox" aria-label=${T('exclude_one', { n: digits(r.n) })}
      checked=${leaving.has(r.index)} disabled=${r.elsewhere}
      onChange=${(e) => { const s = new Set(excluded); if (e.currentTarget.checked) s.add(r.index); else s.delete(r.index); setExcluded(s); }} />` : null),
  } : null;
  return html`
    ${kinds.map((k) => html`<${RowsTable} kind=${k} caption=${T('kind_records', { kind: C('kind.' + k) })} rows=${rowsByKind[k]} extra=${extra} />`)}
    <form class="card decision" onSubmit=${submit} novalidate>
      <fieldset><legend>${T('decision')}</legend>
        <label class="choice"><input type="radio" name="decision" value="approve" checked=${choice === 'approve'}
          onChange=${() => setChoice('approve')} /> ${T('approve')}</label>
        <label class="choice"><input type="radio" name="decision" value="reject" checked=${choice === 'reject'}
          onChange=${() => setChoice('reject')} /> ${T('reject')}</label>
      </fieldset>
      ${choice === 'approve' && forced.length ? html`<${Notice} kind="warn">${T('must_exclude', { n: num(forced.length) })}<//>` : null}
      ${choice === 'approve' && leaving.size ? html`<${Field} label=${T('exclude_reason')} hint=${T('exclude_hint')} error=${errors.exclude}>${(a) =>
        html`<input type="text" value=${exReason} maxlength="500" onInput=${(e) => setExReason(e.currentTarget.value)} ...${a} />`}<//>` : null}
      <${Field} label=${T('reason_label')} hint=${T('reason_hint')} error=${errors.reason}>${(a) =>
        html`<textarea rows="3" maxlength="2000" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} ...${a}></textarea>`}<//>
      ${error ? html`<div class="notice error" role="alert">${error.error.status === 409 && !error.lines.length
        ? T('conflict') : errorText(error.error)}
        ${error.lines.map((l) => html`<div>${l}</div>`)}</div>` : null}
      <button type="submit" class=${choice === 'reject' ? 'danger' : 'primary'} disabled=${busy || (choice === 'approve' && writing === 0)}>
        ${busy ? T('busy') : choice === 'approve' ? T('submit_approve', { n: num(writing) }) : T('submit_reject')}</button>
    </form>`;
}
