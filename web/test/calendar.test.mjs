// calendar.test.mjs - the console's pure parts under node --test (ctest: web.unit): the Jalali calendar against the
// platform's own Persian calendar (ICU) for every day of 1970-2069, and the parsing and display of dates, numbers
// and digits a person types and reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJalali, toGregorian, jalaliMonthLength, isLeapJalaliYear, fiscalYearOf } from '../src/jalali.js';
import { toLatinDigits, toPersianDigits } from '../src/digits.js';
import { jdate, parseJdate, parseNumber, num, rials } from '../src/format.js';
import { lang } from '../src/i18n.js';

const icu = new Intl.DateTimeFormat('en-u-ca-persian-nu-latn', { year: 'numeric', month: 'numeric', day: 'numeric', timeZone: 'UTC' });
function icuJalali(ms) {
  const parts = Object.fromEntries(icu.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { jy: parseInt(parts.year, 10), jm: +parts.month, jd: +parts.day };
}

test('every day from 1970 to 2069 converts as ICU says, and back', () => {
  let days = 0;
  for (let ms = Date.UTC(1970, 0, 1); ms < Date.UTC(2070, 0, 1); ms += 86400000, days++) {
    const d = new Date(ms), gy = d.getUTCFullYear(), gm = d.getUTCMonth() + 1, gd = d.getUTCDate();
    const j = toJalali(gy, gm, gd);
    assert.deepEqual(j, icuJalali(ms), `${gy}-${gm}-${gd}`);
    assert.deepEqual(toGregorian(j.jy, j.jm, j.jd), { gy, gm, gd });
    assert.ok(j.jd <= jalaliMonthLength(j.jy, j.jm));
  }
  assert.equal(days, 36525);   // 100 years, 25 of them leap
});

test('known days: Nowruz 1403 and 1404, the leap Esfand of 1403', () => {
  assert.deepEqual(toJalali(2024, 3, 20), { jy: 1403, jm: 1, jd: 1 });
  assert.deepEqual(toJalali(2025, 3, 20), { jy: 1403, jm: 12, jd: 30 });
  assert.deepEqual(toJalali(2025, 3, 21), { jy: 1404, jm: 1, jd: 1 });
  assert.equal(isLeapJalaliYear(1403), true);
  assert.equal(isLeapJalaliYear(1404), false);
  assert.equal(fiscalYearOf(new Date(2024, 2, 19)), 1402);
  assert.equal(fiscalYearOf(new Date(2024, 2, 20)), 1403);
});

test('dates typed in Persian or Latin digits, with / or -, become ISO dates; wrong ones say why', () => {
  assert.deepEqual(parseJdate('۱۴۰۳/۰۸/۱۵'), { iso: '2024-11-05' });
  assert.deepEqual(parseJdate('1403-8-15'), { iso: '2024-11-05' });
  assert.deepEqual(parseJdate(' 1403/12/30 '), { iso: '2025-03-20' });
  assert.deepEqual(parseJdate('1404/12/30'), { error: 'range' });     // 1404 is not a leap year
  assert.deepEqual(parseJdate('1403/07/31'), { error: 'range' });     // the second half's months have 30 days
  assert.deepEqual(parseJdate('1403/13/01'), { error: 'range' });
  assert.deepEqual(parseJdate('15/08/1403'), { error: 'format' });
  assert.deepEqual(parseJdate('hello'), { error: 'format' });
  assert.deepEqual(parseJdate(''), { iso: null });
});

test('dates, numbers and money read in Persian, and in English when switched', () => {
  lang.set('fa');
  assert.equal(jdate('2024-11-05'), '۱۴۰۳/۰۸/۱۵');
  assert.equal(jdate(null), '—');
  assert.equal(num(1234567), '۱٬۲۳۴٬۵۶۷');
  assert.equal(rials(2500000), '۲٬۵۰۰٬۰۰۰ ریال');
  lang.set('en');
  assert.equal(jdate('2024-11-05'), '1403/08/15');
  assert.equal(num(1234567), '1,234,567');
  lang.set('fa');
});

test('digits of every script', () => {
  assert.equal(toLatinDigits('۰۱۲۳۴۵۶۷۸۹ ٠١٢٣٤٥٦٧٨٩'), '0123456789 0123456789');
  assert.equal(toPersianDigits('IR-23 1403'), 'IR-۲۳ ۱۴۰۳');
  assert.equal(parseNumber('۱٬۲۳۴,۵۶۷'), 1234567);
  assert.ok(Number.isNaN(parseNumber('12a')));
});
