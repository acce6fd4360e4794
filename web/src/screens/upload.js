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
import { readSheet, toCsv, offerDownload } from '../sheet.js';
import { KINDS, T as C, colLabel, templateRows, mapHeaders, guessKind, checkRow, columnOf, message } from './upload_columns.js';
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
    receipt: 'ارسال شمارهٔ {id}: {ok} رکورد پذیرفته شد و {bad} رکورد خطا دارد؛ در انتظار بررسی کارشناس.',
    replayed: 'این دسته پیش‌تر در همین برگه فرستاده شده بود؛ چیزی دوباره ثبت نشد.',
    open: 'دیدن ارسال شمارهٔ {id}',
    unfinished: 'ارسالی در این برگه بی‌پاسخ ماند (قطع ارتباط یا بارگذاری دوباره). همان فایل را دوباره انتخاب و ارسال کنید؛ کلید همان ارسال به کار می‌رود و چیزی دو بار ثبت نمی‌شود.',
    show: 'نمایش ردیف‌ها', show_all: 'همهٔ ردیف‌ها', show_bad: 'فقط ردیف‌های دارای خطا',
    not_allowed: 'نقش شما اجازهٔ ارسال رکورد ندارد.', list: 'فهرست ارسال‌ها',
    center_error: 'این مرکز پیدا نشد یا در حوزهٔ شما نیست.',
    st_local_bad: 'خطا دارد؛ فرستاده نمی‌شود', st_ready: 'آمادهٔ ارسال', st_valid: 'پذیرفته شد؛ در انتظار بررسی',
    st_invalid: 'نپذیرفت؛ خانه‌های نشان‌دار را درست کنید',
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
    receipt: 'Submission {id}: {ok} records accepted and {bad} with problems; awaiting an officer\'s review.',
    replayed: 'This batch had been sent from this tab already; nothing was recorded again.',
    open: 'Open submission {id}',
    unfinished: 'A submission from this tab got no answer (a lost connection or a reload). Pick and send the same file again: the same key is used and nothing is recorded twice.',
    show: 'Rows shown', show_all: 'All rows', show_bad: 'Rows with problems only',
    not_allowed: 'Your role may not send records.', list: 'Submissions',
    center_error: 'This center was not found or is outside your scope.',
    st_local_bad: 'Has problems; not sent', st_ready: 'Ready to send', st_valid: 'Accepted; awaiting review',
    st_invalid: 'Refused; fix the marked cells',
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
  const [receipts, setReceipts] = useState([]); // per batch sent: {id, ok, bad, replayed}
  const [progress, setProgress] = useState(null);   // {i, n} while sending
  const [failure, setFailure] = useState(null);     // {i, n, error}
  const [show, setShow] = useState('all');
  const sending = useRef(false);                // a second click before the screen redraws must find it set
  const done = useRef(new Set());               // batches answered (by their first row's index)
  const [unfinished] = useState(unfinishedBatches);

  function reset() {
    setServer({});
    setReceipts([]);
    setFailure(null);
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

  async function send() {
    if (sending.current || !sheet || !validCenter) return;
    sending.current = true;
    setFailure(null);
    try {
      for (let bi = 0; bi < batches.length; bi++) {
        const b = batches[bi];
        if (done.current.has(b[0].i)) continue;
        setProgress({ i: bi + 1, n: batches.length });
        const body = { records: b.map((x) => x.r.record) };
        if (!ngo) body.center_id = Number(centerId);
        let out;
        try {
          out = await sendBatch(body);
        } catch (error) {
          setFailure({ i: bi + 1, n: batches.length, error });
          return;
        }
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
        setServer((s) => ({ ...s, ...verdicts }));
        setReceipts((rs) => [...rs, { id: out.reply.id, ok, bad: b.length - ok, replayed: out.replayed }]);
      }
    } finally {
      sending.current = false;
      setProgress(null);
    }
  }

  const bad = sheet ? sheet.rows.length - ready.length : 0;
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
        <button type="button" onClick=${() => offerDownload(toCsv(templateRows(kind, ctx)), `template-${kind}.csv`)}>
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
      ${failure ? html`<div class="notice error" role="alert">${T('failed', { i: digits(failure.i), n: digits(failure.n), why: errorText(failure.error) })}
        ${failure.error.fields && Object.keys(failure.error.fields).length ? html`<ul>${Object.entries(failure.error.fields).map(([f, m]) => html`<li><bdi>${f}</bdi>: ${m}</li>`)}</ul>` : null}</div>` : null}
      ${receipts.map((r) => html`<${Notice} kind=${r.bad ? 'warn' : 'ok'}>
        ${T('receipt', { id: digits(r.id), ok: num(r.ok), bad: num(r.bad) })} ${r.replayed ? T('replayed') + ' ' : ''}
        <a href=${'/console/submissions/' + r.id}>${T('open', { id: digits(r.id) })}</a><//>`)}
      <${SelectField} label=${T('show')} value=${show} options=${[['all', T('show_all')], ['bad', T('show_bad')]]} onChange=${setShow} />
      ${shown.length > MAX_SHOWN ? html`<${Notice}>${T('first_shown', { n: num(MAX_SHOWN), all: num(shown.length) })}<//>` : null}
      <${RowsTable} kind=${sheet.kind} caption=${sheet.name} rows=${shown.slice(0, MAX_SHOWN)} />
    ` : null}
  <//>`;
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
        : v.status === 'valid' ? ['good', T('st_valid')] : ['bad', T('st_invalid')],
    });
  });
  return out;
}
