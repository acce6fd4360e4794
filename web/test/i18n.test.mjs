// i18n.test.mjs - the shared words of the console (web/src/i18n.js) under node --test (ctest: web.unit): English has
// every word and enumeration label Persian has, so English mode never shows a Persian label.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SHARED, lang, label, t } from '../src/i18n.js';

test('every Persian shared key has an English text, and no English key is Persian-only', () => {
  const fa = Object.keys(SHARED.fa), en = new Set(Object.keys(SHARED.en));
  assert.deepEqual(fa.filter((k) => !en.has(k)), [], 'keys without English');
  assert.deepEqual([...en].filter((k) => !(k in SHARED.fa)), [], 'English keys Persian lacks');
  const persian = /[\u0600-\u06FF]/;
  // the one English text in Persian script is the button that switches to Persian ("فارسی")
  assert.deepEqual(Object.entries(SHARED.en).filter(([k, v]) => persian.test(v) && k !== 'language').map(([k]) => k), []);
});

test('label() speaks the chosen language for every enumeration', () => {
  try {
    lang.set('en');
    assert.equal(label('disability', 'autism'), 'Autism');
    assert.equal(label('severity', 'very_severe'), 'Very severe');
    assert.equal(label('sector', 'ngo'), 'NGO');
    assert.equal(label('center_status', 'suspended'), 'Suspended');
    assert.equal(label('center_type', 'cbr_office'), 'Community-based rehabilitation');
    assert.equal(label('center_type', 'no_such_type'), 'no_such_type', 'an unknown value shows as sent');
    assert.equal(t('pager_of', { what: 'Donations' }), 'Pages of Donations');
    lang.set('fa');
    assert.equal(label('disability', 'autism'), 'اوتیسم');
    assert.equal(label('sex', null), '—');
  } finally {
    lang.set('fa');
  }
});
