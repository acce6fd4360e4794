// upload.test.mjs - the reading of an NGO's spreadsheet under node --test (ctest: web.unit), no browser: the CSV
// format, a row checked as the registry would, the same reading whatever the console's language (Persian and English
// labels and the API's codes, in every enumeration column), and refusals said as rows and columns, never as the
// API's field names.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, toCsv } from '../src/sheet.js';
import {
  checkRow, mapHeaders, guessKind, message, readChoice, enumLabel, refusals, templateRows, COLUMNS,
} from '../src/screens/upload_columns.js';
import { lang, label } from '../src/i18n.js';

afterEach(() => lang.set('fa'));

const CLIENT_HEADER = ['کد ملی', 'نام', 'نام خانوادگی', 'نام پدر', 'تاریخ تولد', 'جنسیت', 'شهرستان', 'نوع معلولیت',
  'شدت معلولیت', 'نیازها'];
const PLACE = { counties: [{ id: 376, name_fa: 'تهران', name_en: 'Tehran' }] };

// A valid national ID from nine digits (the registry's check digit), and one with its check digit wrong.
function nid(nine) {
  const d = [...nine].map(Number);
  const r = d.reduce((s, x, i) => s + x * (10 - i), 0) % 11;
  return nine + String(r < 2 ? r : 11 - r);
}
const wrongCheck = (id) => id.slice(0, 9) + String((Number(id[9]) + 1) % 10);
const persianDigits = (x) => x.replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]);

test('CSV: BOM, quotes holding commas, doubled quotes and line breaks, CRLF, semicolons, blank lines', () => {
  const rows = parseCsv('\ufeffa,b,c\r\n1,"x,y","he said ""hi"""\r\n\r\n2,"two\nlines",3\n');
  assert.deepEqual(rows, [['a', 'b', 'c'], ['1', 'x,y', 'he said "hi"'], ['2', 'two\nlines', '3']]);
  assert.deepEqual(parseCsv('a;b\n1;"2;3"'), [['a', 'b'], ['1', '2;3']]);
  assert.deepEqual(parseCsv('a\tb\r1\t2'), [['a', 'b'], ['1', '2']]);
  assert.deepEqual(parseCsv(toCsv([['نام', 'a "q", b'], ['x\ny', '']])), [['نام', 'a "q", b'], ['x\ny', '']]);
  assert.ok(toCsv([['a']]).startsWith('\ufeff'), 'the template starts with a BOM, so Excel reads it as UTF-8');
  assert.ok(toCsv([['a'], ['b']]).endsWith('a\r\nb\r\n'), 'CRLF line ends');
});

test('a row is checked as the registry would: Persian digits, Arabic letters, dates, enumerations, check digit', () => {
  const { map, missing } = mapHeaders('client', CLIENT_HEADER);
  assert.deepEqual(missing, []);
  const good = checkRow('client', map, [persianDigits(nid('001234567')), 'علي', 'كريمي', '', '۱۳۷۰/۰۲/۱۵', 'زن', 'تهران',
    'بینايي', 'شدید', 'مسکن، اشتغال'], PLACE);
  assert.deepEqual(good.errors, {});
  assert.deepEqual(good.record.data, {
    national_id: nid('001234567'), first_name: 'علي', last_name: 'كريمي', birth_date: '1991-05-05', sex: 'female',
    county_id: 376, disability: { type: 'visual', severity: 'severe' }, needs: ['housing', 'employment'],
  });
  const bad = checkRow('client', map, [wrongCheck(nid('001234567')), '', 'x', '', '1400/13/01', 'نامعلوم', 'قم',
    'بینایی', '', ''], PLACE);
  assert.equal(bad.record, null);
  assert.equal(bad.errors.national_id, 'رقم کنترل کد ملی درست نیست.');
  assert.equal(bad.errors.first_name, 'نام را پر کنید.');
  assert.equal(bad.errors.birth_date, 'تاریخ تولد درست نیست؛ تاریخ شمسی را مانند ۱۳۶۸/۰۵/۱۲ بنویسید.');
  assert.equal(bad.errors.sex, 'جنسیت از مقادیر مجاز نیست.');
  assert.equal(bad.errors.county_id, 'شهرستانی به این نام در استان مرکز نیست.');
  assert.equal(bad.errors.disability_severity, 'نوع و شدت معلولیت را با هم بنویسید.');
  // a spreadsheet that dropped a leading zero still reads as the same ID
  assert.equal(checkRow('client', map, [nid('001234567').slice(2), 'a', 'b', '', '1370/01/01', 'male', '376'],
    PLACE).record.data.national_id, nid('001234567'));
  assert.equal(guessKind(['کد ملی', 'نام', 'نام خانوادگی', 'حرفه']), 'staff');
  assert.equal(mapHeaders('client', ['کد ملی']).missing.length, 5);
  // the API's codes, never its English words, decide the sentence; the field names the column
  assert.equal(message({ field: 'county_id', code: 'county_id.province', message: 'must be...' }, 'client'),
               'شهرستان باید از استان همین مرکز باشد.');
  assert.equal(message({ field: 'disability.type', code: 'disability.type.choice', message: '...' }, 'client'),
               'نوع معلولیت از مقادیر مجاز نیست.');
  assert.equal(message({ field: '', message: 'excluded by the reviewing officer: دوباره بفرستید' }, 'client'),
               'کارشناس بررسی این ردیف را کنار گذاشت: دوباره بفرستید');
});

// One client row written in Persian words, one in English words, one in the API's codes (and English headers),
// each read with the console in Persian and in English: always the same record.
test('a sheet reads the same whatever the console\'s language: Persian, English and the API\'s codes', () => {
  const id = nid('002345678');
  const sheets = [
    [CLIENT_HEADER, [id, 'سارا', 'محمدی', '', '1370/02/15', 'زن', 'تهران', 'جسمی حرکتی', 'خیلی شدید', 'وسایل کمکی، روانی-اجتماعی']],
    [CLIENT_HEADER, [id, 'سارا', 'محمدی', '', '1370/02/15', 'Female', 'Tehran', 'Physical', 'Very severe', 'Assistive devices, Psychosocial']],
    [['National ID', 'First name', 'Last name', 'Birth date', 'Sex', 'County', 'disability_type', 'disability_severity', 'needs'],
      [id, 'سارا', 'محمدی', '1370/02/15', 'FEMALE', '376', 'physical', 'very_severe', 'assistive_devices;psychosocial']],
  ];
  const want = {
    national_id: id, first_name: 'سارا', last_name: 'محمدی', birth_date: '1991-05-05', sex: 'female', county_id: 376,
    disability: { type: 'physical', severity: 'very_severe' }, needs: ['assistive_devices', 'psychosocial'],
  };
  for (const l of ['fa', 'en']) {
    lang.set(l);
    for (const [header, row] of sheets) {
      const m = mapHeaders('client', header);
      assert.deepEqual(m.missing, [], `${l}: ${header}`);
      const r = checkRow('client', m.map, row, PLACE);
      assert.deepEqual(r.errors, {}, `${l}: ${row}`);
      assert.deepEqual(r.record.data, want, `${l}: ${row}`);
    }
    for (const p of ['مددکار اجتماعی', 'Social worker', 'social_worker', 'SOCIAL WORKER']) {
      const m = mapHeaders('staff', ['کد ملی', 'First name', 'last_name', 'Profession']);
      assert.equal(checkRow('staff', m.map, [id, 'مریم', 'کریمی', p], PLACE).record.data.profession, 'social_worker', `${l}: ${p}`);
    }
    assert.equal(checkRow('staff', mapHeaders('staff', ['کد ملی', 'نام', 'نام خانوادگی', 'حرفه']).map,
      [id, 'پری', 'جادویی', 'جادوگر'], PLACE).errors.profession, l === 'fa' ? 'حرفه از مقادیر مجاز نیست.' : 'Profession is not an allowed value.');
  }
});

// Every label the console shows for a value, in either language, is read back as that value: a label changed in
// i18n.js (sex, disability, severity) or here (need, profession) and not in the sheet's words fails here.
test('every enumeration label the console shows, in Persian or English, reads back as its value', () => {
  const values = {
    sex: ['female', 'male'],
    disability: ['physical', 'visual', 'hearing', 'speech', 'intellectual', 'psychosocial', 'autism', 'multiple'],
    severity: ['mild', 'moderate', 'severe', 'very_severe'],
    need: ['housing', 'employment', 'education', 'healthcare', 'rehabilitation', 'financial', 'caregiving', 'legal',
      'psychosocial', 'assistive_devices'],
    profession: ['social_worker', 'psychologist', 'physiotherapist', 'occupational_therapist', 'speech_therapist',
      'nurse', 'physician', 'caregiver', 'counselor', 'special_educator', 'vocational_trainer', 'addiction_counselor',
      'administrator', 'other'],
  };
  // the columns marked as enumerations are exactly these
  const marked = Object.values(COLUMNS).flat().filter((c) => c.enum).map((c) => c.enum).sort();
  assert.deepEqual([...new Set(marked)], ['disability', 'need', 'profession', 'severity', 'sex']);
  let n = 0;
  for (const l of ['fa', 'en']) {
    lang.set(l);
    for (const [kind, vs] of Object.entries(values))
      for (const v of vs) {
        const shown = enumLabel(kind, v);
        assert.notEqual(shown, v, `${l}: ${kind}.${v} has a label of its own, not its code`);
        assert.deepEqual(readChoice(kind, shown), { value: v }, `${l}: ${kind}.${v} shown as ${shown}`);
        if (['sex', 'disability', 'severity'].includes(kind))
          assert.deepEqual(readChoice(kind, label(kind, v)), { value: v }, `${l}: i18n's ${kind}.${v}`);
        assert.deepEqual(readChoice(kind, v), { value: v });
        n++;
      }
  }
  assert.equal(n, 2 * 38);
  // the strings English lacked: a profession and a need read in English when the console is
  lang.set('en');
  assert.equal(enumLabel('profession', 'special_educator'), 'Special educator');
  assert.equal(enumLabel('need', 'assistive_devices'), 'Assistive devices');
  lang.set('fa');
  assert.equal(enumLabel('need', 'assistive_devices'), 'وسایل کمکی');
  assert.deepEqual(readChoice('sex', 'زن‌'), { value: 'female' }, 'a stray zero-width non-joiner');
  assert.deepEqual(readChoice('severity', 'moderately'), { error: 'choice' });
  assert.deepEqual(readChoice('sex', '  '), {});
});

test('the template has Persian headers and Persian example words in either language, and passes its own check', () => {
  for (const l of ['fa', 'en']) {
    lang.set(l);
    for (const kind of Object.keys(COLUMNS)) {
      const [header, example] = templateRows(kind, PLACE);
      assert.ok(header.every((h) => /[\u0600-\u06FF]/.test(h)), `${l}: ${header}`);
      const m = mapHeaders(kind, header);
      assert.deepEqual(m.missing, []);
      assert.deepEqual(checkRow(kind, m.map, example, PLACE).errors, {}, `${l} ${kind}: ${example}`);
    }
    assert.equal(templateRows('client', PLACE)[1][5], 'زن');
  }
});

test('a refused request is said as the rows and columns a person knows, never as records[3]', () => {
  const sheetRow = (i) => [7, 9, 12][i];      // the batch's records came from these rows of the sheet
  const errors = [
    { field: 'records[1].data.sex', code: 'sex.choice', message: 'must be one of female, male' },
    { field: 'records[2]', message: 'must be an object {"kind": ...}' },
    { field: 'records[0].data.favourite_colour', message: 'is not a field of a client record' },
    { field: 'records', message: 'may hold at most 1000 records; send several batches' },
    { field: 'center_id', message: 'is not a center in your scope' },
  ];
  const { lines, others } = refusals(errors, { kindOf: () => 'client', rowOf: sheetRow });
  assert.deepEqual(lines, [
    'ردیف ۹: جنسیت از مقادیر مجاز نیست.',
    'ردیف ۱۲: ساختار این ردیف درست نیست.',
    'ردیف ۷: ساختار این ردیف درست نیست.',
    'شمار یا حجم ردیف‌های این ارسال بیش از اندازه یا سهمیهٔ مجاز است.',
  ]);
  assert.deepEqual(others.map((e) => e.field), ['center_id']);
  for (const l of lines) assert.doesNotMatch(l, /records|\[|data\.|[A-Za-z_]{3,}/, l);
  // the officer's approval refused for a record registered elsewhere: the row of the table and the reason
  const elsewhere = message({ field: 'national_id', code: 'national_id.registered_elsewhere' }, 'client');
  const d = refusals([{ field: 'records[3]', message: 'its national ID is registered outside the submission\'s center' }],
    { kindOf: () => 'client', rowOf: (i) => i + 1, bare: elsewhere });
  assert.deepEqual(d.lines, ['ردیف ۴: ' + elsewhere]);
  lang.set('en');
  assert.deepEqual(refusals(errors.slice(0, 1), { kindOf: () => 'client', rowOf: sheetRow }).lines,
                   ['Row 9: Sex is not an allowed value.']);
});
