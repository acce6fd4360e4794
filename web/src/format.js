// format.js - numbers, money and dates as a person reads them: Persian digits with separators, rials (toman only
// as a spoken label), Jalali dates 1403/08/15. Input: Persian or Latin digits, Jalali dates with / or -.
import { lang } from './i18n.js';
import { toLatinDigits, toPersianDigits } from './digits.js';
import { toGregorian, toJalali, jalaliMonthLength } from './jalali.js';

const nf = { fa: new Intl.NumberFormat('fa-IR'), en: new Intl.NumberFormat('en-US') };

export function digits(s) {
  return lang.get() === 'fa' ? toPersianDigits(s) : String(s);
}

export function num(n) {
  if (n === null || n === undefined || n === '') return '—';
  return nf[lang.get()].format(Number(n));
}

// Money is stored in rials; the toman (10 rials) is a way of speaking, shown only as a hint.
export function rials(n) {
  if (n === null || n === undefined) return '—';
  return num(n) + (lang.get() === 'fa' ? ' ریال' : ' rials');
}

export function tomanHint(n) {
  if (n === null || n === undefined) return '';
  return num(Math.floor(Number(n) / 10)) + (lang.get() === 'fa' ? ' تومان' : ' toman');
}

const pad = (n) => String(n).padStart(2, '0');

// ISO 'YYYY-MM-DD' (or a timestamp) -> '1403/08/15' (with the time for a timestamp when withTime).
export function jdate(iso, withTime = false) {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(iso);
  if (!m) return String(iso);
  let y = +m[1], mo = +m[2], d = +m[3], time = '';
  if (m[4] !== undefined) {
    // a timestamp is shown in the reader's local time
    const dt = new Date(iso);
    if (!isNaN(dt)) {
      y = dt.getFullYear(); mo = dt.getMonth() + 1; d = dt.getDate();
      time = ' ' + pad(dt.getHours()) + ':' + pad(dt.getMinutes());
    }
  }
  const j = toJalali(y, mo, d);
  return digits(`${j.jy}/${pad(j.jm)}/${pad(j.jd)}` + (withTime ? time : ''));
}

// '1403/8/15', '۱۴۰۳-۰۸-۱۵' -> {iso: '2024-11-05'} or {error: 'format' | 'range'}; '' -> {iso: null}.
export function parseJdate(input) {
  const s = toLatinDigits(String(input || '')).trim();
  if (!s) return { iso: null };
  const m = /^(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})$/.exec(s);
  if (!m) return { error: 'format' };
  const jy = +m[1], jm = +m[2], jd = +m[3];
  if (jy < 1200 || jy > 1600 || jm < 1 || jm > 12 || jd < 1 || jd > jalaliMonthLength(jy, jm)) return { error: 'range' };
  const g = toGregorian(jy, jm, jd);
  return { iso: `${g.gy}-${pad(g.gm)}-${pad(g.gd)}` };
}

// A number typed with Persian or Latin digits and separators -> Number, or NaN.
export function parseNumber(input) {
  const s = toLatinDigits(String(input || '')).replace(/[,٬\s]/g, '').trim();
  return /^-?\d+$/.test(s) ? Number(s) : NaN;
}
