// router.test.mjs - the address parts of the console (web/src/router.js) under node --test (ctest: web.unit): a
// pasted link with a broken escape matches no screen (the app shows "not found", not a blank page), and an id from
// the address is a number or nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { match, idParam, queryOf } from '../src/router.js';

test('match decodes its params and tells apart what does not fit', () => {
  assert.deepEqual(match('/console/clients/:id', '/console/clients/12'), { id: '12' });
  assert.deepEqual(match('/console/staff/:id', '/console/staff/%D8%B9%D9%84%DB%8C'), { id: 'علی' });
  assert.deepEqual(match('/console/clients', '/console/clients'), {});
  assert.equal(match('/console/clients/:id', '/console/clients/'), null, 'an empty part is no id');
  assert.equal(match('/console/clients/:id', '/console/clients/12/x'), null);
  assert.equal(match('/console/clients/:id', '/console/centers/12'), null);
});

test('a broken % escape in a pasted link matches nothing instead of throwing', () => {
  for (const bad of ['%', '%E0', '%D8%A', '12%', '%zz', '%C0%AF'])
    assert.equal(match('/console/clients/:id', '/console/clients/' + bad), null, bad);
  // the same part in a fixed segment is compared as written, never decoded
  assert.equal(match('/console/clients', '/console/%63lients'), null);
});

test('idParam gives a number only for a path part of plain digits', () => {
  assert.equal(idParam({ id: '12' }), 12);
  assert.equal(idParam({ id: '007' }), 7);
  assert.equal(idParam({ loan: '5' }, 'loan'), 5);
  // what a decoded address may hold that must never reach an API path
  for (const bad of ['../clients/123', '12/repayments', '12?x=1', '-1', '1.5', '1e3', ' 12', '12 ', '', '۱۲', '0x1f',
    '99999999999999999999'])
    assert.equal(idParam({ id: bad }), null, JSON.stringify(bad));
  assert.equal(idParam({}), null);
  assert.equal(idParam(null), null);
  assert.equal(idParam({ id: 12 }), null, 'only text from the address is read');
});

test('queryOf reads the query of an address; a broken escape does not throw', () => {
  assert.equal(queryOf('/console/clients?q=%D8%B9%D9%84%DB%8C&cursor=x').get('q'), 'علی');
  assert.equal(queryOf('/console/clients').toString(), '');
  assert.equal(queryOf('/console/clients?q=%E0').get('q'), '\uFFFD');
  assert.equal(queryOf('/console/clients?q=%').get('q'), '%');
});
