// upload.js - an NGO clerk sends the center's people from a spreadsheet (/console/submissions/new): picks a CSV or
// XLSX laid out as the downloadable template, sees every row checked here first (bad cells marked, those rows not
// sent), sends the rest as submissions of at most 1,000 records (one Idempotency-Key per batch: upload_batch.js),
// then sees the API's verdict on each row, which is the truth, with the cells it refused marked.
import { useState, useRef, useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { strings } from '../i18n.js';
import { get } from '../api.js';
import { session, canWrite, hasRole } from '../session.js';
import { Page, Field, TextField, SelectField, Notice, ErrorBox, errorText, useLoad, useSignal } from '../ui.js';
import { num, digits } from '../format.js';
import { readSheet, downloadCsv } from '../sheet.js';
import { KINDS, T as C, colLabel, templateRows, mapHeaders, guessKind, checkRow, columnOf, message, refusals } from './upload_columns.js';
import { sendBatch, unfinishedBatches } from './upload_batch.js';
import { RowsTable } from './upload_table.js';

const BATCH = 1000;
const MAX_ROWS = 20000;
const MAX_SHOWN = 1000;     // rows drawn at once: a table of 20,000 rows is no help to anyone, and slow

const T = strings({
  fa: {
    title: 'ارسال فایل مددجویان، کارکنان یا خدمات', kind: 'نوع رکوردهای فایل', template: 'دریافت قالب {kind} (CSV)',
    template_hint: 'ستون‌ها با سرعنوان فارسی، با یک ردیف نمونه. تاریخ‌ها شمسی مانند ۱۴۰۳/۰۸/۱۵.',
    file: 'فایل CSV یا XLSX', file_hint: 'ردیف اول سرعنوان ستون‌هاست؛ ترتیب ستون‌ها مهم نیست.',
    center: 'شمارهٔ مرکز', center_hint: 'مرکزی که این رکوردها برای آن فرستاده می‌شود.', center_is: 'مرکز: {name}',
    reading: 'در حال خواندن فایل…', unreadable: 'این فایل خوانده نشد؛ یک فایل CSV (UTF-8) یا XLSX انتخاب کنید.',
    empty: 'این فایل ردیفی ندارد.', too_many: 'این فایل {n} ردیف دارد؛ هر بار حداکثر {max} ردیف بفرستید.',
    missing: 'این ستون‌ها در فایل نیست: {cols}. قالب را دریافت کنید و ستون‌ها را مانند آن بنویسید.',
    unknown: 'این ستون‌ها شناخته نشد و خوانده نمی‌شود: {cols}.',
    switched: 'ستون‌های فایل با قالب «{kind}» می‌خواند؛ همان را برگزیدیم.',
    summary: '{rows} ردیف خوانده شد: {ok} ردیف آمادهٔ ارسال، {bad} ردیف خطا دارد و فرستاده نمی‌شود.',
    batches: 'ردیف‌های درست در {n} ارسال (هر کدام حداکثر ۱٬۰۰۰ رکورد) فرستاده می‌شوند.',
    send: 'ارسال {n} ردیف', sending: 'در حال ارسال {i} از {n}…', sent_all: 'همهٔ ردیف‌های درست فرستاده شد.',
    retry: 'ارسال دوباره (چیزی دو بار ثبت نمی‌شود)',
    failed: 'ارسال {i} از {n} انجام نشد: {why} می‌توانید دوباره بفرستید؛ ردیف‌هایی که رسیده‌اند دوباره ثبت نمی‌شوند.',
    receipt: 'ارسال شمارهٔ {id}: {ok} رکورد پذیرفته شد و {bad} رکورد خطا دارد',
    waiting: '؛ در انتظار بررسی کارشناس.',
    replayed: 'این دسته پیش‌تر در همین برگه فرستاده شده بود؛ چیزی دوباره ثبت نشد.',
    'now.pending': 'وضعیت کنونی: در انتظار بررسی کارشناس.', 'now.approved': 'وضعیت کنونی: کارشناس آن را تأیید کرده است.',
    'now.rejected': 'وضعیت کنونی: کارشناس آن را رد کرده است.', 'now.reason': 'دلیل:',
    'now.unknown': 'وضعیت کنونی آن خوانده نشد؛ آن را در فهرست ارسال‌ها ببینید.',
    resend: 'فرستادن همین ردیف‌ها به‌عنوان ارسالی تازه',
    resend_confirm: 'همین ردیف‌ها یک بار دیگر، جدا از ارسال شمارهٔ {ids}، برای بررسی فرستاده می‌شوند. اگر آن ارسال تأیید شده باشد، ردیف‌هایی که ثبت شده‌اند این بار خطای تکرار می‌گیرند. فرستاده شود؟',
    resend_yes: 'بله، به‌عنوان ارسال تازه بفرست', resend_no: 'انصراف',
    center_refused: 'این مرکز پیدا نشد یا در حوزهٔ شما نیست.',
    open: 'دیدن ارسال شمارهٔ {id}',
    unfinished: 'ارسالی در این برگه بی‌پاسخ ماند (قطع ارتباط یا بارگذاری دوباره). همان فایل را دوباره انتخاب و ارسال کنید؛ کلید همان ارسال به کار می‌رود و چیزی دو بار ثبت نمی‌شود.',
    show: 'نمایش ردیف‌ها', show_all: 'همهٔ ردیف‌ها', show_bad: 'فقط ردیف‌های دارای خطا',
    not_allowed: 'نقش شما اجازهٔ ارسال رکورد ندارد.', list: 'فهرست ارسال‌ها',
    center_error: 'این مرکز پیدا نشد یا در حوزهٔ شما نیست.',
    st_local_bad: 'خطا دارد؛ فرستاده نمی‌شود', st_ready: 'آمادهٔ ارسال', st_valid: 'پذیرفته شد؛ در انتظار بررسی',
    st_invalid: 'نپذیرفت؛ خانه‌های نشان‌دار را درست کنید', st_approved: 'پذیرفته شد و کارشناس تأیید کرد',
    st_rejected: 'پذیرفته شد، ولی کارشناس ارسال را رد کرد', st_sent: 'پذیرفته شد',
    first_shown: '{n} ردیف نخست از {all} ردیف نشان داده شده است؛ برای دیدن ردیف‌های دارای خطا، «فقط ردیف‌های دارای خطا» را برگزینید.',
  },
  en: {
    title: 'Send a file of clients, staff or services', kind: 'Kind of records in the file',
    template: 'Download the {kind} template (CSV)',
    template_hint: 'Persian column headers and one example row. Dates in the Jalali calendar, like 1403/08/15.',
    file: 'CSV or XLSX file', file_hint: 'The first row holds the column headers; their order does not matter.',
    center: 'Center number', center_hint: 'The center these records are sent for.', center_is: 'Center: {name}',
    reading: 'Reading the file…', unreadable: 'This file could not be read; pick a CSV (UTF-8) or XLSX file.',
    empty: 'This file has no rows.', too_many: 'This file has {n} rows; send at most {max} at a time.',
    missing: 'These columns are missing: {cols}. Download the template and name the columns as it does.',
    unknown: 'These columns are unknown and are not read: {cols}.',
    switched: 'The file\'s columns fit the “{kind}” template; it was chosen.',
    summary: '{rows} rows read: {ok} ready to send, {bad} with problems that are not sent.',
    batches: 'The good rows go in {n} submissions (at most 1,000 records each).',
    send: 'Send {n} rows', sending: 'Sending {i} of {n}…', sent_all: 'Every good row was sent.',
    retry: 'Send again (nothing is recorded twice)',
    failed: 'Submission {i} of {n} did not go through: {why} You may send again; rows that arrived are not recorded twice.',
    receipt: 'Submission {id}: {ok} records accepted and {bad} with problems',
    waiting: '; awaiting an officer\'s review.',
    replayed: 'This batch had been sent from this tab already; nothing was recorded again.',
    'now.pending': 'Status now: awaiting an officer\'s review.', 'now.approved': 'Status now: approved by an officer.',
    'now.rejected': 'Status now: rejected by an officer.', 'now.reason': 'Reason:',
    'now.unknown': 'Its status now could not be read; see it in the list of submissions.',
    resend: 'Send these rows as a new submission',
    resend_confirm: 'These rows go once more for review, apart from submission {ids}. If that one was approved, the rows it recorded are refused as repeated this time. Send them?',
    resend_yes: 'Yes, send as a new submission', resend_no: 'Cancel',
    center_refused: 'This center was not found or is outside your scope.',
    open: 'Open submission {id}',
    unfinished: 'A submission from this tab got no answer (a lost connection or a reload). Pick and send the same file again: the same key is used and nothing is recorded twice.',
    show: 'Rows shown', show_all: 'All rows', show_bad: 'Rows with problems only',
    not_allowed: 'Your role may not send records.', list: 'Submissions',
    center_error: 'This center was not found or is outside your scope.',
    st_local_bad: 'Has problems; not sent', st_ready: 'Ready to send', st_valid: 'Accepted; awaiting review',
    st_invalid: 'Refused; fix the marked cells', st_approved: 'Accepted and approved by an officer',
    st_rejected: 'Accepted, but an officer rejected the submission', st_sent: 'Accepted',
    first_shown: 'The first {n} of {all} rows are shown; choose “Rows with problems only” to see those.',
  },
});

// The center the records go to and the counties of its province (a county may be named in the sheet).
async function loadPlace(centerId) {
  const center = (await get('/centers/' + centerId)).data;
  const counties = (await get('/counties', { province: center.province, limit: 500 })).data.items;
  return { center, counties };
}

export function Upload() {
  const user = useSignal(session);
  const ngo = hasRole(user, 'ngo_submitter');
  const [kind, setKind] = useState('client');
  const [centerId, setCenterId] = useState(ngo && user.center_id ? String(user.center_id) : '');
  const validCenter = /^\d+$/.test(centerId) && Number(centerId) > 0;
  const place = useLoad(() => (validCenter ? loadPlace(centerId) : Promise.resolve(null)), [centerId]);
  const ctx = place.data || {};

  const [sheet, setSheet] = useState(null);     // {name, kind, rows: [{n, cells, errors, record}], unknown, switched}
  const [fileNote, setFileNote] = useState(null);
  const [server, setServer] = useState({});     // row index -> {status, errors: {field: msg}, rowErrors: [msg]}
  const [receipts, setReceipts] = useState([]); // per batch sent: {first, id, ok, bad, replayed, status, reason}
  const [progress, setProgress] = useState(null);   // {i, n} while sending
  const [failure, setFailure] = useState(null);     // {i, n, error, batch}
  const [confirming, setConfirming] = useState(false);   // asking before replayed rows go again as new
  const [sent, setSent] = useState(0);              // counts finished sends: the focus then moves to their outcome
  const results = useRef(null);
  useEffect(() => { if (sent && results.current) results.current.focus(); }, [sent]);
  const confirmBox = useRef(null);
  useEffect(() => { if (confirming && confirmBox.current) confirmBox.current.focus(); }, [confirming]);
  const [show, setShow] = useState('all');
  const sending = useRef(false);                // a second click before the screen redraws must find it set
  const done = useRef(new Set());               // batches answered (by their first row's index)
  const [unfinished] = useState(unfinishedBatches);

  function reset() {
    setServer({});
    setReceipts([]);
    setFailure(null);
    setConfirming(false);
    done.current = new Set();
  }

  function check(k, name, rows, switched) {
    const header = rows[0];
    const m = mapHeaders(k, header);
    if (m.missing.length) {
      setSheet(null);
      setFileNote({ error: T('missing', { cols: m.missing.map(colLabel).join('، ') }) });
      return;
    }
    const body = rows.slice(1).map((r, i) => ({ n: i + 2, ...checkRow(k, m.map, r, ctx) }));
    setSheet({ name, kind: k, rows: body, unknown: m.unknown, switched, raw: rows });
    setShow(body.some((r) => !r.record) ? 'bad' : 'all');
    setFileNote(null);
  }

  async function pick(e) {
    const file = e.currentTarget.files && e.currentTarget.files[0];
    reset();
    setSheet(null);
    if (!file) return;
    setFileNote({ info: T('reading') });
    let rows;
    try {
      rows = (await readSheet(file)).rows;
    } catch {
      setFileNote({ error: T('unreadable') });
      return;
    }
    if (rows.length < 2) { setFileNote({ error: T('empty') }); return; }
    if (rows.length - 1 > MAX_ROWS) {
      setFileNote({ error: T('too_many', { n: num(rows.length - 1), max: num(MAX_ROWS) }) });
      return;
    }
    let k = kind, switched = false;
    if (mapHeaders(kind, rows[0]).missing.length) {
      const g = guessKind(rows[0]);
      if (g) { k = g; switched = true; setKind(g); }
    }
    check(k, file.name, rows, switched);
  }

  // the place (counties by name) may arrive after the file was read: check again with it
  useEffect(() => { if (sheet && place.data) check(sheet.kind, sheet.name, sheet.raw, sheet.switched); }, [place.data]);

  const ready = sheet ? sheet.rows.map((r, i) => ({ r, i })).filter((x) => x.r.record) : [];
  const batches = [];
  for (let b = 0; b < ready.length; b += BATCH) batches.push(ready.slice(b, b + BATCH));
  const allSent = batches.length > 0 && batches.every((b) => done.current.has(b[0].i));

  // One batch to the API and its verdicts on the screen; a replayed batch's real status is read from the API (the
  // replay repeats the first reply, which was "pending"). Throws the ApiError.
  async function sendOne(b, fresh) {
    const body = { records: b.map((x) => x.r.record) };
    if (!ngo) body.center_id = Number(centerId);
    const out = await sendBatch(body, { fresh });
    done.current.add(b[0].i);
    const verdicts = {};
    let ok = 0;
    for (const res of out.reply.results) {
      const x = b[res.index];
      if (!x) continue;
      const errors = {}, rowErrors = [];
      for (const e of res.errors || []) {
        const col = columnOf(sheet.kind, e.field), text = message(e, sheet.kind);
        if (col) errors[col] = errors[col] ? errors[col] + ' ' + text : text;
        else rowErrors.push(text);
      }
      if (res.status === 'valid') ok++;
      verdicts[x.i] = { status: res.status, errors, rowErrors };
    }
    let status = 'pending', reason = null;
    if (out.replayed) {
      try {
        const now = (await get('/submissions/' + out.reply.id)).data;
        status = now.status;
        reason = now.reason;
      } catch {
        status = null;       // said as unknown, with the link to the submission
      }
    }
    for (const v of Object.values(verdicts)) v.now = status;
    setServer((s) => ({ ...s, ...verdicts }));
    const receipt = { first: b[0].i, id: out.reply.id, ok, bad: b.length - ok, replayed: out.replayed, status, reason };
    setReceipts((rs) => [...rs.filter((r) => r.first !== receipt.first), receipt]);
  }

  async function send() {
    if (sending.current || !sheet || !validCenter) return;
    sending.current = true;
    setFailure(null);
    try {
      for (let bi = 0; bi < batches.length; bi++) {
        const b = batches[bi];
        if (done.current.has(b[0].i)) continue;
        setProgress({ i: bi + 1, n: batches.length });
        try {
          await sendOne(b, false);
        } catch (error) {
          setFailure({ i: bi + 1, n: batches.length, error, batch: b });
          return;
        }
      }
    } finally {
      sending.current = false;
      setProgress(null);
      setSent((n) => n + 1);
    }
  }

  // The person confirmed: the replayed batches go again, each with a new key, as new submissions.
  async function sendAsNew() {
    if (sending.current) return;
    sending.current = true;
    setConfirming(false);
    setFailure(null);
    const again = batches.filter((b) => receipts.some((r) => r.replayed && r.first === b[0].i));
    try {
      for (let bi = 0; bi < again.length; bi++) {
        setProgress({ i: bi + 1, n: again.length });
        try {
          await sendOne(again[bi], true);
        } catch (error) {
          setFailure({ i: bi + 1, n: again.length, error, batch: again[bi] });
          return;
        }
      }
    } finally {
      sending.current = false;
      setProgress(null);
      setSent((n) => n + 1);
    }
  }

  const bad = sheet ? sheet.rows.length - ready.length : 0;
  const replayed = receipts.filter((r) => r.replayed);
  const shown = sheet ? rowsToShow(sheet, server, show) : [];
  if (!ngo && !canWrite(user))
    return html`<${Page} title=${T('title')}><div class="notice error" role="alert">${T('not_allowed')}</div><//>`;

  const kinds = KINDS.map((k) => [k, C('kind.' + k)]);
  return html`<${Page} title=${T('title')} actions=${html`<a href="/console/submissions">${T('list')}</a>`}>
    ${unfinished ? html`<${Notice} kind="warn">${T('unfinished')}<//>` : null}
    <div class="card upload-form">
      ${!ngo ? html`<${TextField} label=${T('center')} value=${centerId} inputmode="numeric"
        hint=${ctx.center ? T('center_is', { name: ctx.center.name }) : T('center_hint')}
        onInput=${(v) => { setCenterId(v.trim()); setSheet(null); reset(); }} dir="ltr" />` : null}
      ${place.error ? html`<div class="notice error" role="alert">${place.error.status === 404 || place.error.status === 403 ? T('center_error') : errorText(place.error)}</div>` : null}
      <${SelectField} label=${T('kind')} value=${kind} options=${kinds}
        onChange=${(v) => { setKind(v); reset(); if (sheet) check(v, sheet.name, sheet.raw, false); }} />
      <p class="template">
        <button type="button" onClick=${() => downloadCsv(templateRows(kind, ctx), `template-${kind}.csv`)}>
          ${T('template', { kind: C('kind.' + kind) })}</button>
        <small class="hint">${T('template_hint')}</small>
      </p>
      <${Field} label=${T('file')} hint=${T('file_hint')}>${(a) => html`<input type="file" name="sheet"
        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        disabled=${!!progress || !validCenter} onChange=${pick} ...${a} />`}<//>
    </div>
    ${fileNote && fileNote.error ? html`<div class="notice error" role="alert">${fileNote.error}</div>` : null}
    ${fileNote && fileNote.info ? html`<p class="loading" role="status">${fileNote.info}</p>` : null}
    ${sheet ? html`
      ${sheet.switched ? html`<${Notice}>${T('switched', { kind: C('kind.' + sheet.kind) })}<//>` : null}
      ${sheet.unknown.length ? html`<${Notice} kind="warn">${T('unknown', { cols: sheet.unknown.join('، ') })}<//>` : null}
      <p class="upload-summary" role="status">${T('summary', { rows: num(sheet.rows.length), ok: num(ready.length), bad: num(bad) })}
        ${batches.length > 1 ? ' ' + T('batches', { n: num(batches.length) }) : ''}</p>
      <div class="upload-actions">
        <button type="button" class="primary" disabled=${!!progress || allSent || ready.length === 0 || !validCenter}
          aria-busy=${progress ? 'true' : undefined} onClick=${send}>
          ${progress ? T('sending', { i: digits(progress.i), n: digits(progress.n) }) : failure ? T('retry') : T('send', { n: num(ready.length) })}
        </button>
        ${allSent ? html`<span class="done">${T('sent_all')}</span>` : null}
      </div>
      <div class="upload-results" tabindex="-1" ref=${results}>
        ${failure ? html`<${Failure} failure=${failure} kind=${sheet.kind} />` : null}
        ${receipts.map((r) => html`<${Receipt} r=${r} />`)}
        ${replayed.length > 0 && !progress ? html`<p class="upload-actions">
          <button type="button" disabled=${confirming} onClick=${() => setConfirming(true)}>${T('resend')}</button></p>` : null}
        ${confirming ? html`<div class="notice warn confirm" role="alertdialog" aria-labelledby="resend-q" tabindex="-1" ref=${confirmBox}>
          <p id="resend-q">${T('resend_confirm', { ids: replayed.map((r) => digits(r.id)).join('، ') })}</p>
          <button type="button" class="primary" onClick=${sendAsNew}>${T('resend_yes')}</button>
          <button type="button" onClick=${() => setConfirming(false)}>${T('resend_no')}</button>
        </div>` : null}
      </div>
      <${SelectField} label=${T('show')} value=${show} options=${[['all', T('show_all')], ['bad', T('show_bad')]]} onChange=${setShow} />
      ${shown.length > MAX_SHOWN ? html`<${Notice}>${T('first_shown', { n: num(MAX_SHOWN), all: num(shown.length) })}<//>` : null}
      <${RowsTable} kind=${sheet.kind} caption=${sheet.name} rows=${shown.slice(0, MAX_SHOWN)} />
    ` : null}
  <//>`;
}

// What came of one batch: its number, its counts, and for a batch this tab had sent before, its status now.
function Receipt({ r }) {
  const now = !r.replayed ? T('waiting') : '. ' + T('replayed') + ' ' + (r.status ? T('now.' + r.status) : T('now.unknown'));
  return html`<${Notice} kind=${r.bad || (r.replayed && r.status !== 'pending') ? 'warn' : 'ok'}>
    ${T('receipt', { id: digits(r.id), ok: num(r.ok), bad: num(r.bad) })}${now}
    ${r.replayed && r.reason ? html` ${T('now.reason')} <bdi>${r.reason}</bdi>` : null}
    ${' '}<a href=${'/console/submissions/' + r.id}>${T('open', { id: digits(r.id) })}</a><//>`;
}

// A batch the API refused: why, and where in the sheet (row numbers and column names, never the API's field names).
function Failure({ failure, kind }) {
  const { i, n, error, batch } = failure;
  const { lines, others } = refusals(error.problem && error.problem.errors, {
    kindOf: () => kind, rowOf: (index) => (batch[index] ? batch[index].r.n : index + 1),
  });
  for (const e of others) lines.push(e.field === 'center_id' ? T('center_refused') : e.code ? e.message : errorText(error));
  return html`<div class="notice error" role="alert">${T('failed', { i: digits(i), n: digits(n), why: errorText(error) })}
    ${lines.length ? html`<ul>${[...new Set(lines)].map((l) => html`<li>${l}</li>`)}</ul>` : null}</div>`;
}

// The rows as the table shows them: what the sheet says, the API's verdict once it came, else the check made here.
function rowsToShow(sheet, server, show) {
  const out = [];
  sheet.rows.forEach((r, i) => {
    const v = server[i];
    const bad = !r.record || (v && v.status !== 'valid');
    if (show === 'bad' && !bad) return;
    out.push({
      key: r.n, n: r.n, cells: r.cells, errors: v ? v.errors : r.errors, rowErrors: v ? v.rowErrors : [],
      status: !r.record ? ['bad', T('st_local_bad')] : !v ? ['', T('st_ready')]
        : v.status !== 'valid' ? ['bad', T('st_invalid')]
          : v.now === 'pending' ? ['good', T('st_valid')] : v.now === 'approved' ? ['good', T('st_approved')]
            : v.now === 'rejected' ? ['bad', T('st_rejected')] : ['good', T('st_sent')],
    });
  });
  return out;
}
