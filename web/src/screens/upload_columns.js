// upload_columns.js - what a row of an NGO's spreadsheet is: the columns of each record kind (Persian headers, the
// API field each fills, how a cell is read and checked here before sending), the templates, and the Persian sentence
// for each error code the API gives a record (submission results use the validation's codes "field.reason").
import { strings, label, SHARED } from '../i18n.js';
import { toLatinDigits } from '../digits.js';
import { parseJdate, jdate, digits } from '../format.js';

const DICT = {
  fa: {
    'kind.client': 'مددجویان', 'kind.staff': 'کارکنان', 'kind.service': 'خدمات',
    'kind1.client': 'مددجو', 'kind1.staff': 'کارمند', 'kind1.service': 'خدمت',
    'col.national_id': 'کد ملی', 'col.first_name': 'نام', 'col.last_name': 'نام خانوادگی', 'col.father_name': 'نام پدر',
    'col.birth_date': 'تاریخ تولد', 'col.sex': 'جنسیت', 'col.county_id': 'شهرستان',
    'col.disability_type': 'نوع معلولیت', 'col.disability_severity': 'شدت معلولیت', 'col.needs': 'نیازها',
    'col.profession': 'حرفه', 'col.client_id': 'شمارهٔ مددجو', 'col.service': 'خدمت', 'col.provided_on': 'تاریخ ارائه',
    'col.notes': 'یادداشت', 'col.record': 'ردیف',
    'profession.social_worker': 'مددکار اجتماعی', 'profession.psychologist': 'روان‌شناس',
    'profession.physiotherapist': 'فیزیوتراپیست', 'profession.occupational_therapist': 'کاردرمانگر',
    'profession.speech_therapist': 'گفتاردرمانگر', 'profession.nurse': 'پرستار', 'profession.physician': 'پزشک',
    'profession.caregiver': 'مراقب', 'profession.counselor': 'مشاور', 'profession.special_educator': 'مربی آموزش ویژه',
    'profession.vocational_trainer': 'مربی حرفه‌آموزی', 'profession.addiction_counselor': 'مشاور اعتیاد',
    'profession.administrator': 'کارمند اداری', 'profession.other': 'سایر',
    'need.housing': 'مسکن', 'need.employment': 'اشتغال', 'need.education': 'آموزش', 'need.healthcare': 'درمان',
    'need.rehabilitation': 'توان‌بخشی', 'need.financial': 'مالی', 'need.caregiving': 'مراقبت', 'need.legal': 'حقوقی',
    'need.psychosocial': 'روانی-اجتماعی', 'need.assistive_devices': 'وسایل کمکی',
    // errors: {l} is the column's name
    'e.required': '{l} را پر کنید.', 'e.empty': '{l} نباید خالی باشد.', 'e.null': '{l} نباید خالی باشد.',
    'e.too_long': '{l} بیش از اندازه بلند است.', 'e.too_short': '{l} بیش از اندازه کوتاه است.',
    'e.choice': '{l} از مقادیر مجاز نیست.', 'e.type': '{l} از نوع درست نیست.',
    'e.not_integer': '{l} باید عددی صحیح باشد.', 'e.range': '{l} بیرون از محدودهٔ مجاز است.',
    'e.date': '{l} درست نیست؛ تاریخ شمسی را مانند ۱۳۶۸/۰۵/۱۲ بنویسید.', 'e.jalali_date': '{l} تاریخ شمسی درستی نیست.',
    'e.date_before_min': '{l} درست نیست؛ تاریخ شمسی را مانند ۱۳۶۸/۰۵/۱۲ بنویسید.',
    'e.date_mismatch': '{l} با تاریخ دیگر این ردیف نمی‌خواند.',
    'e.characters': '{l} نویسه‌های غیرمجاز دارد.', 'e.control_characters': '{l} نویسه‌های غیرمجاز دارد.',
    'e.nul': '{l} نویسه‌های غیرمجاز دارد.', 'e.not_utf8': '{l} نویسه‌های غیرمجاز دارد.',
    'e.length': '{l} باید دقیقاً ۱۰ رقم باشد.', 'e.not_digits': '{l} فقط باید رقم داشته باشد.',
    'e.same_digits': '{l} نمی‌تواند از یک رقم تکراری باشد.', 'e.check_digit': 'رقم کنترل {l} درست نیست.',
    'e.invalid': '{l} معتبر نیست.', 'e.shape': '{l} ساختار درستی ندارد.',
    'e.registered': 'این {l} پیش‌تر در همین مرکز ثبت شده است.',
    'e.registered_elsewhere': 'این {l} در مرکز دیگری ثبت شده است؛ برای تأیید بقیه باید کنار گذاشته شود.',
    'e.repeated': 'این {l} در همین فایل تکرار شده است.', 'e.scope': '{l} در حوزهٔ دسترسی شما نیست.',
    'e.province': '{l} باید از استان همین مرکز باشد.', 'e.center': '{l} باید همین مرکز باشد.',
    'e.record_shape': 'ساختار این ردیف درست نیست.', 'e.unknown_field': 'ستون {l} شناخته نیست.',
    'e.pair': 'نوع و شدت معلولیت را با هم بنویسید.', 'e.county_name': 'شهرستانی به این نام در استان مرکز نیست.',
    'e.excluded': 'کارشناس بررسی این ردیف را کنار گذاشت: {reason}', 'e.other': '{l} پذیرفته نشد.',
    // a whole request refused: where (a row the person knows) and what
    'at_row': 'ردیف {n}: {text}',
    'e.batch': 'شمار یا حجم ردیف‌های این ارسال بیش از اندازه یا سهمیهٔ مجاز است.',
  },
  en: {
    'kind.client': 'Clients', 'kind.staff': 'Staff', 'kind.service': 'Services',
    'kind1.client': 'client', 'kind1.staff': 'staff member', 'kind1.service': 'service',
    'col.national_id': 'National ID', 'col.first_name': 'First name', 'col.last_name': 'Last name',
    'col.father_name': "Father's name", 'col.birth_date': 'Birth date', 'col.sex': 'Sex', 'col.county_id': 'County',
    'col.disability_type': 'Disability type', 'col.disability_severity': 'Disability severity', 'col.needs': 'Needs',
    'col.profession': 'Profession', 'col.client_id': 'Client number', 'col.service': 'Service',
    'col.provided_on': 'Provided on', 'col.notes': 'Notes', 'col.record': 'Row',
    'profession.social_worker': 'Social worker', 'profession.psychologist': 'Psychologist',
    'profession.physiotherapist': 'Physiotherapist', 'profession.occupational_therapist': 'Occupational therapist',
    'profession.speech_therapist': 'Speech therapist', 'profession.nurse': 'Nurse', 'profession.physician': 'Physician',
    'profession.caregiver': 'Caregiver', 'profession.counselor': 'Counselor', 'profession.special_educator': 'Special educator',
    'profession.vocational_trainer': 'Vocational trainer', 'profession.addiction_counselor': 'Addiction counselor',
    'profession.administrator': 'Administrative staff', 'profession.other': 'Other',
    'need.housing': 'Housing', 'need.employment': 'Employment', 'need.education': 'Education',
    'need.healthcare': 'Healthcare', 'need.rehabilitation': 'Rehabilitation', 'need.financial': 'Financial',
    'need.caregiving': 'Caregiving', 'need.legal': 'Legal', 'need.psychosocial': 'Psychosocial',
    'need.assistive_devices': 'Assistive devices',
    'e.required': '{l} is required.', 'e.empty': '{l} must not be empty.', 'e.null': '{l} must not be empty.',
    'e.too_long': '{l} is too long.', 'e.too_short': '{l} is too short.', 'e.choice': '{l} is not an allowed value.',
    'e.type': '{l} has the wrong type.', 'e.not_integer': '{l} must be a whole number.',
    'e.range': '{l} is out of range.', 'e.date': '{l} is not a date; write it like 1368/05/12.',
    'e.jalali_date': '{l} is not a Jalali date.', 'e.date_before_min': '{l} is not a date; write it like 1368/05/12.',
    'e.date_mismatch': '{l} does not match the row\'s other date.', 'e.characters': '{l} holds characters not allowed.',
    'e.control_characters': '{l} holds characters not allowed.', 'e.nul': '{l} holds characters not allowed.',
    'e.not_utf8': '{l} holds characters not allowed.', 'e.length': '{l} must be exactly 10 digits.',
    'e.not_digits': '{l} must hold digits only.', 'e.same_digits': '{l} cannot be one digit repeated.',
    'e.check_digit': 'The check digit of {l} is wrong.', 'e.invalid': '{l} is not valid.',
    'e.shape': '{l} is not well formed.', 'e.registered': 'This {l} is already registered in this center.',
    'e.registered_elsewhere': 'This {l} is registered in another center; exclude it to approve the rest.',
    'e.repeated': 'This {l} appears twice in this file.', 'e.scope': '{l} is not within your scope.',
    'e.province': '{l} must be in the center\'s province.', 'e.center': '{l} must be this center.',
    'e.record_shape': 'This row is not well formed.', 'e.unknown_field': 'Column {l} is unknown.',
    'e.pair': 'Give the disability type and severity together.',
    'e.county_name': 'No county of this name in the center\'s province.',
    'e.excluded': 'Left out by the reviewing officer: {reason}', 'e.other': '{l} was not accepted.',
    'at_row': 'Row {n}: {text}',
    'e.batch': 'This submission holds more rows or bytes than allowed, or than your quota.',
  },
};
export const T = strings(DICT);

// The values of each enumeration a sheet may hold.
const ENUMS = {
  sex: ['female', 'male'],
  disability: ['physical', 'visual', 'hearing', 'speech', 'intellectual', 'psychosocial', 'autism', 'multiple'],
  severity: ['mild', 'moderate', 'severe', 'very_severe'],
  need: ['housing', 'employment', 'education', 'healthcare', 'rehabilitation', 'financial', 'caregiving', 'legal',
    'psychosocial', 'assistive_devices'],
  profession: ['social_worker', 'psychologist', 'physiotherapist', 'occupational_therapist', 'speech_therapist',
    'nurse', 'physician', 'caregiver', 'counselor', 'special_educator', 'vocational_trainer', 'addiction_counselor',
    'administrator', 'other'],
};

// The words of the enumerations i18n.js labels for display (sex, disability, severity) come from its SHARED
// dictionary, in both languages: a sheet reads the same whatever the console's language, so reading cannot go
// through label(), which answers in the current one only.
const word = (l, kind, value) => SHARED[l][kind + '.' + value] || DICT[l][kind + '.' + value];

// Arabic letter forms, Persian digits, zero-width joiners and spaces do not make two words different.
export function normalizeWord(s) {
  return toLatinDigits(String(s)).replace(/[يى]/g, 'ی').replace(/ك/g, 'ک').replace(/[\u200c\u200d\s_-]+/g, ' ')
    .trim().toLowerCase();
}

// Per enumeration, every word a sheet may write for a value -> the value: the API's code and the Persian and the
// English label, whatever language the console shows.
const VOCABULARY = Object.fromEntries(Object.entries(ENUMS).map(([kind, values]) => {
  const words = new Map();
  for (const v of values)
    for (const w of [v, word('fa', kind, v), word('en', kind, v)]) if (w) words.set(normalizeWord(w), v);
  return [kind, words];
}));

// A cell of an enumeration column -> {value} | {error: 'choice'}; '' -> {} (absent).
export function readChoice(kind, cell) {
  const v = normalizeWord(cell);
  if (!v) return {};
  const value = VOCABULARY[kind].get(v);
  return value ? { value } : { error: 'choice' };
}

// The label of an enumeration value as the console shows it (shared labels first, then this screen's own).
export function enumLabel(kind, value) {
  const shared = label(kind, value);
  if (shared !== String(value)) return shared;
  const k = kind + '.' + value, s = T(k);
  return s === k ? String(value) : s;
}

// The Persian word of a value, for the template, whose headers are Persian whatever the console's language.
const faWord = (kind, value) => word('fa', kind, value);

// cell -> {value} | {error: reason}; '' -> {value: undefined} (absent)
const read = {
  text: (max) => (cell) => {
    const v = String(cell).trim();
    if (!v) return {};
    return [...v].length > max ? { error: 'too_long' } : { value: v };
  },
  nationalId: (cell) => {
    const v = toLatinDigits(String(cell)).replace(/[\s-]/g, '');
    if (!v) return {};
    if (!/^\d+$/.test(v)) return { error: 'not_digits' };
    const id = v.length === 8 || v.length === 9 ? v.padStart(10, '0') : v;   // spreadsheets drop leading zeros
    if (id.length !== 10) return { error: 'length' };
    if (/^(\d)\1{9}$/.test(id)) return { error: 'same_digits' };
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(id[i]) * (10 - i);
    const r = sum % 11, check = Number(id[9]);
    return (r < 2 ? check === r : check === 11 - r) ? { value: id } : { error: 'check_digit' };
  },
  // a Jalali date (1368/05/12, Persian or Latin digits); an ISO Gregorian date (an XLSX date cell) is taken as is
  date: (cell) => {
    const v = toLatinDigits(String(cell)).trim();
    if (!v) return {};
    const g = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    if (g && +g[1] >= 1800) return { value: v };
    const p = parseJdate(v);
    return p.iso ? { value: p.iso } : { error: 'date' };
  },
  list: (kind) => (cell) => {
    const parts = String(cell).split(/[,،;؛]/).map((p) => p.trim()).filter(Boolean);
    const out = [];
    for (const p of parts) {
      const r = readChoice(kind, p);
      if (r.error) return r;
      if (!out.includes(r.value)) out.push(r.value);
    }
    return out.length ? { value: out } : {};
  },
  integer: (cell) => {
    const v = toLatinDigits(String(cell)).replace(/[,٬\s]/g, '');
    if (!v) return {};
    return /^\d{1,15}$/.test(v) && Number(v) > 0 ? { value: Number(v) } : { error: 'not_integer' };
  },
};

// A county by its number or its Persian or English name, among the counties of the center's province.
function readCounty(cell, ctx) {
  const v = normalizeWord(cell);
  if (!v) return {};
  if (/^\d+$/.test(v)) return { value: Number(v) };
  const c = (ctx.counties || []).find((k) => normalizeWord(k.name_fa) === v || normalizeWord(k.name_en || '') === v);
  return c ? { value: c.id } : { error: 'county_name' };
}

// Each kind's columns in the template's order: field, required, reader, example cell, display of a stored value.
export const COLUMNS = {
  client: [
    { field: 'national_id', required: true, read: read.nationalId, example: () => '0499370899' },
    { field: 'first_name', required: true, read: read.text(100), example: () => 'زهرا' },
    { field: 'last_name', required: true, read: read.text(100), example: () => 'احمدی' },
    { field: 'father_name', read: read.text(100), example: () => 'علی' },
    { field: 'birth_date', required: true, read: read.date, example: () => '1367/01/01', date: true },
    { field: 'sex', required: true, read: (c) => readChoice('sex', c), example: () => faWord('sex', 'female'), enum: 'sex' },
    { field: 'county_id', required: true, read: readCounty, example: (ctx) => (ctx.counties && ctx.counties[0] ? ctx.counties[0].name_fa : '') },
    { field: 'disability_type', read: (c) => readChoice('disability', c), example: () => faWord('disability', 'visual'), enum: 'disability' },
    { field: 'disability_severity', read: (c) => readChoice('severity', c), example: () => faWord('severity', 'severe'), enum: 'severity' },
    { field: 'needs', read: read.list('need'), example: () => faWord('need', 'housing') + '، ' + faWord('need', 'employment'), enum: 'need' },
  ],
  staff: [
    { field: 'national_id', required: true, read: read.nationalId, example: () => '0499370899' },
    { field: 'first_name', required: true, read: read.text(100), example: () => 'مریم' },
    { field: 'last_name', required: true, read: read.text(100), example: () => 'کریمی' },
    { field: 'profession', required: true, read: (c) => readChoice('profession', c), example: () => faWord('profession', 'social_worker'), enum: 'profession' },
  ],
  service: [
    { field: 'client_id', required: true, read: read.integer, example: () => '1042' },
    { field: 'service', required: true, read: read.text(100), example: () => 'فیزیوتراپی' },
    { field: 'provided_on', required: true, read: read.date, example: () => '1403/08/15', date: true },
    { field: 'notes', read: read.text(2000), example: () => '' },
  ],
};
export const KINDS = Object.keys(COLUMNS);

export const colLabel = (field) => T('col.' + field);

// The template of a kind: the Persian headers (whatever the console's language) and one example row.
export function templateRows(kind, ctx) {
  return [COLUMNS[kind].map((c) => DICT.fa['col.' + c.field]), COLUMNS[kind].map((c) => c.example(ctx))];
}

// The headers a column answers to: its Persian and English names and the API's field name.
function headerNames(field) {
  return [field, field.replace(/_/g, ' '), DICT.fa['col.' + field], DICT.en['col.' + field]].map(normalizeWord);
}
const HEADERS = Object.fromEntries(KINDS.map((k) => [k, COLUMNS[k].map((c) => headerNames(c.field))]));

// Which sheet column holds which field: {map: [field per sheet column or null], missing: [fields], unknown: [headers]}
export function mapHeaders(kind, header) {
  const map = header.map((h) => {
    const n = normalizeWord(h);
    const i = HEADERS[kind].findIndex((names) => names.includes(n));
    return i < 0 ? null : COLUMNS[kind][i].field;
  });
  const missing = COLUMNS[kind].filter((c) => c.required && !map.includes(c.field)).map((c) => c.field);
  const unknown = header.filter((h, i) => map[i] === null && String(h).trim() !== '');
  return { map, missing, unknown };
}

// The kind whose columns a header row fits best (all its required columns present, most columns known), or null.
export function guessKind(header) {
  let best = null, score = -1;
  for (const k of KINDS) {
    const m = mapHeaders(k, header);
    const known = m.map.filter(Boolean).length;
    if (m.missing.length === 0 && known > score) { best = k; score = known; }
  }
  return best;
}

// One sheet row -> {cells: {field: text}, errors: {field: message}, record: {kind, data} | null}.
export function checkRow(kind, map, row, ctx) {
  const cells = {}, errors = {}, data = {};
  map.forEach((field, i) => { if (field) cells[field] = row[i] === undefined ? '' : String(row[i]); });
  for (const c of COLUMNS[kind]) {
    const r = c.field === 'county_id' ? readCounty(cells[c.field] ?? '', ctx) : c.read(cells[c.field] ?? '');
    if (r.error) errors[c.field] = message({ code: c.field + '.' + r.error, field: c.field }, kind);
    else if (r.value === undefined && c.required) errors[c.field] = message({ code: c.field + '.required', field: c.field }, kind);
    else if (r.value !== undefined) data[c.field] = r.value;
  }
  // the API takes the disability as one {type, severity}
  if (kind === 'client') {
    const t = data.disability_type, s = data.disability_severity;
    delete data.disability_type;
    delete data.disability_severity;
    if (t && s) data.disability = { type: t, severity: s };
    else if ((t || s) && !errors.disability_type && !errors.disability_severity)
      errors[t ? 'disability_severity' : 'disability_type'] = T('e.pair');
  }
  return { cells, errors, record: Object.keys(errors).length ? null : { kind, data } };
}

// The column of an error's field ('birth_date', 'disability.type', 'records[3].data.needs'), or null for the row.
export function columnOf(kind, field) {
  const f = String(field || '').replace(/^records\[\d+\]\.(data\.)?/, '');
  if (kind === 'client' && (f === 'disability.type' || f === 'disability')) return 'disability_type';
  if (kind === 'client' && f === 'disability.severity') return 'disability_severity';
  const base = f.split(/[.[]/)[0].replace(/_jalali$/, '');
  return COLUMNS[kind] && COLUMNS[kind].some((c) => c.field === base) ? base : null;
}

const EXCLUDED = 'excluded by the reviewing officer: ';

// An error of the API ({field, code, message}) in the reader's language: the code decides, never the English text.
// The one uncoded error is an officer's exclusion (migration 0018 writes it with field '' and a fixed prefix before
// the officer's own words).
export function message(err, kind) {
  const col = columnOf(kind, err.field);
  const l = col ? colLabel(col) : T('col.record');
  if (!err.code && !err.field && String(err.message || '').startsWith(EXCLUDED))
    return T('e.excluded', { reason: err.message.slice(EXCLUDED.length) });
  const reason = err.code ? (err.code === 'unknown_field' ? 'unknown_field' : err.code.split('.').pop()) : 'other';
  const k = 'e.' + reason, s = T(k, { l });
  return s === k ? T('e.other', { l }) : s;
}

// A stored value of a record as a person reads it (Jalali dates, Persian labels, a county's name from ctx.counties).
export function showValue(kind, field, data, ctx = {}) {
  if (field === 'disability_type' || field === 'disability_severity') {
    const d = data.disability;
    if (!d || typeof d !== 'object') return '';
    return field === 'disability_type' ? enumLabel('disability', d.type) : enumLabel('severity', d.severity);
  }
  const v = data[field];
  if (v === undefined || v === null) return '';
  const c = COLUMNS[kind].find((x) => x.field === field);
  if (c && c.date) return jdate(String(v));
  if (field === 'county_id') {
    const k = (ctx.counties || []).find((x) => x.id === v);
    return k ? k.name_fa : String(v);
  }
  if (c && c.enum) return Array.isArray(v) ? v.map((x) => enumLabel(c.enum, x)).join('، ') : enumLabel(c.enum, v);
  return Array.isArray(v) ? v.join('، ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// A refused request's field errors (the problem's errors) as sentences a person reads: "ردیف ۵: جنسیت از مقادیر
// مجاز نیست." and never the API's names (records[3].data.sex). Errors of records[i] are said at the row the person
// knows, rowOf(i), in the words of the record's kind, kindOf(i); a coded error by its code, an uncoded one (the
// submission's own refusals of the request's shape) by where it points; bare: the sentence for an error on the
// whole record (records[i]). Errors not on a record are left to the screen: {field, message} in `others`.
export function refusals(errors, { kindOf, rowOf, bare }) {
  const lines = [], others = [];
  for (const e of errors || []) {
    const m = /^records\[(\d+)\](.*)$/.exec(String(e.field || ''));
    if (!m) {
      if (e.field === 'records') lines.push(T('e.batch'));
      else others.push(e);
      continue;
    }
    const i = Number(m[1]), kind = kindOf(i) || '';
    const text = e.code ? message(e, kind) : m[2] === '' && bare ? bare : T('e.record_shape');
    lines.push(T('at_row', { n: digits(rowOf(i)), text }));
  }
  return { lines, others };
}

