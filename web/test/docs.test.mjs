// docs.test.mjs - the API reference's reading of an OpenAPI description (web/src/docs/model.js) under node --test
// (ctest: web.unit): local $refs and their escapes, loops and dangling references, schemas as rows of fields,
// operations by tag, parameters merged and overridden, who needs a token, responses in status order, the search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deref, groupOperations, matches, parametersOf, refName, requestBodyOf, resolveRef, responsesOf, schemaRows,
  securityOf, typeOf, fold,
} from '../src/docs/model.js';

const doc = {
  openapi: '3.1.0',
  tags: [{ name: 'registry', description: 'the records' }],
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/healthz': { get: { operationId: 'getHealth', tags: ['meta'], summary: 'Liveness', security: [],
      responses: { 200: { description: 'OK' } } } },
    '/api/v1/clients/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } },
        { $ref: '#/components/parameters/Lang' }],
      get: {
        operationId: 'getClient', tags: ['registry'], summary: 'One client',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' }, description: 'the id' },
          { name: 'If-None-Match', in: 'header', schema: { type: 'string' } },
          { name: 'fields', in: 'query', schema: { type: 'string', enum: ['a', 'b'] } }],
        responses: {
          default: { description: 'anything else' },
          404: { $ref: '#/components/responses/NotFound' },
          200: { description: 'OK', headers: { ETag: { $ref: '#/components/headers/ETag' } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Client' } } } },
          '4XX': { description: 'client errors' },
        },
      },
      patch: { operationId: 'updateClient', tags: ['registry'], summary: 'Change a client',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Client' } } } },
        responses: { 200: { description: 'OK' } } },
    },
    '/api/v1/clients': { get: { operationId: 'listClients', tags: ['registry'], summary: 'مددجویان: clients',
      responses: { 200: { description: 'OK' } } } },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    parameters: { Lang: { name: 'Accept-Language', in: 'header', schema: { type: 'string' } } },
    headers: { ETag: { description: 'the version', schema: { type: 'string' } } },
    responses: { NotFound: { description: 'Not found', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } } },
    schemas: {
      Problem: { type: 'object', properties: { title: { type: 'string' } } },
      'a/b~c': { type: 'string' },
      Loop: { $ref: '#/components/schemas/Loop2' },
      Loop2: { $ref: '#/components/schemas/Loop' },
      Client: {
        type: 'object', required: ['id', 'name'],
        properties: {
          id: { type: 'integer', example: 7 },
          name: { type: 'string', title: 'Name', 'x-label-fa': 'نام', description: 'given name', minLength: 1 },
          sex: { type: ['string', 'null'], enum: ['female', 'male', null] },
          birth: { type: 'string', format: 'date' },
          disability: { oneOf: [{ $ref: '#/components/schemas/Disability' }, { type: 'null' }] },
          household: { $ref: '#/components/schemas/Household' },
          address: { type: 'object', required: ['city'], properties: { city: { type: 'string' }, zip: { type: 'string' } } },
          phones: { type: 'array', items: { type: 'object', properties: { number: { type: 'string' } } } },
          tags: { type: 'array', items: { type: 'string' } },
        },
      },
      Disability: { type: 'object', properties: { type: { type: 'string' } } },
      Household: { type: 'object', properties: { members: { type: 'array', items: { $ref: '#/components/schemas/Client' } } } },
    },
  },
};

test('resolveRef follows local JSON pointers, with their escapes, and nothing else', () => {
  assert.equal(resolveRef(doc, '#/components/schemas/Client'), doc.components.schemas.Client);
  assert.equal(resolveRef(doc, '#/components/schemas/a~1b~0c'), doc.components.schemas['a/b~c']);
  assert.equal(resolveRef(doc, '#/components/schemas/a%7E1b~0c'), doc.components.schemas['a/b~c'], 'percent-encoded');
  assert.equal(resolveRef(doc, '#'), doc);
  for (const bad of ['#/components/schemas/Nope', 'other.json#/x', '#/components/schemas/Client/properties/id/type/x',
    '#components', '#/%E0', '#/components/schemas/toString', 42, undefined])
    assert.equal(resolveRef(doc, bad), undefined, String(bad));
  assert.equal(refName('#/components/schemas/a~1b~0c'), 'a/b~c');
  assert.equal(refName('#/paths/x'), null);
});

test('deref names what it followed and stops on a loop or a dangling reference', () => {
  const d = deref(doc, { $ref: '#/components/responses/NotFound' });
  assert.equal(d.name, 'NotFound');
  assert.equal(d.value.description, 'Not found');
  assert.deepEqual(deref(doc, { type: 'string' }), { value: { type: 'string' }, name: null });
  const loop = deref(doc, { $ref: '#/components/schemas/Loop' });
  assert.equal(loop.value, undefined);
  assert.equal(loop.broken, '#/components/schemas/Loop');
  assert.equal(deref(doc, { $ref: '#/nowhere' }).broken, '#/nowhere');
});

test('typeOf writes a type as a phrase and names the components it refers to', () => {
  const p = doc.components.schemas.Client.properties;
  assert.deepEqual(typeOf(doc, p.sex), { text: 'string | null', refs: [] });
  assert.deepEqual(typeOf(doc, p.birth), { text: 'string (date)', refs: [] });
  assert.deepEqual(typeOf(doc, p.disability), { text: 'Disability | null', refs: ['Disability'] });
  assert.deepEqual(typeOf(doc, p.tags), { text: 'array of string', refs: [] });
  assert.deepEqual(typeOf(doc, doc.components.schemas.Household.properties.members),
    { text: 'array of Client', refs: ['Client'] });
  assert.deepEqual(typeOf(doc, p.address), { text: 'object', refs: [] });
  assert.deepEqual(typeOf(doc, {}), { text: 'any', refs: [] });
});

test('schemaRows lists the fields, nested ones as dotted paths, with required, labels, enum and limits', () => {
  const rows = schemaRows(doc, { $ref: '#/components/schemas/Client' });
  assert.deepEqual(rows.map((r) => r.name), ['id', 'name', 'sex', 'birth', 'disability', 'household', 'address',
    'address.city', 'address.zip', 'phones', 'phones[].number', 'tags']);
  const by = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.equal(by.id.required, true);
  assert.equal(by.id.example, 7);
  assert.equal(by.sex.required, false);
  assert.deepEqual(by.sex.enum, ['female', 'male', null]);
  assert.equal(by.name.title, 'Name');
  assert.equal(by.name.labelFa, 'نام');
  assert.equal(by.name.description, 'given name');
  assert.deepEqual(by.name.limits, ['min length 1']);
  assert.equal(by['address.city'].required, true, 'required inside the nested object');
  assert.equal(by['address.zip'].required, false);
  assert.deepEqual(by.household.refs, ['Household'], 'a referenced component is one linked row, not opened');
  // a schema that refers to itself ends
  assert.deepEqual(schemaRows(doc, { $ref: '#/components/schemas/Household' }).map((r) => r.name), ['members']);
  assert.deepEqual(schemaRows(doc, { type: 'string' }), [], 'not an object: no rows');
  assert.deepEqual(schemaRows(doc, { $ref: '#/components/schemas/Loop' }), [], 'a loop: no rows, no hang');
  assert.deepEqual(schemaRows(doc, { type: 'array', items: { type: 'object', properties: { x: { type: 'integer' } } } })
    .map((r) => r.name), ['[].x']);
});

test('groupOperations keeps the description\'s tag order, then the order of first use', () => {
  const tags = groupOperations(doc);
  assert.deepEqual(tags.map((t) => t.name), ['registry', 'meta']);
  assert.equal(tags[0].description, 'the records');
  assert.deepEqual(tags[0].operations.map((o) => `${o.method} ${o.path} ${o.id}`), [
    'GET /api/v1/clients/{id} getClient', 'PATCH /api/v1/clients/{id} updateClient', 'GET /api/v1/clients listClients']);
  const noId = groupOperations({ paths: { '/x': { post: { responses: {} } } } });
  assert.equal(noId[0].name, 'other');
  assert.equal(noId[0].operations[0].id, 'POST-/x');
});

test('parametersOf merges the path item\'s and the operation\'s, the operation winning, path ones first', () => {
  const item = doc.paths['/api/v1/clients/{id}'];
  const ps = parametersOf(doc, item, item.get);
  assert.deepEqual(ps.map((p) => `${p.in}:${p.name}`),
    ['path:id', 'query:fields', 'header:Accept-Language', 'header:If-None-Match']);
  assert.equal(ps[0].schema.type, 'integer', "the operation's own id parameter");
  assert.deepEqual(parametersOf(doc, {}, {}), []);
});

test('securityOf: public when the operation says security: [], else the document\'s schemes', () => {
  assert.deepEqual(securityOf(doc, doc.paths['/api/v1/healthz'].get), []);
  assert.deepEqual(securityOf(doc, doc.paths['/api/v1/clients'].get), [[{ name: 'bearer', type: 'http', scheme: 'bearer' }]]);
  assert.deepEqual(securityOf(doc, { security: [{ bearer: [] }, {}] }), [], 'an empty alternative makes it optional');
  assert.deepEqual(securityOf({}, {}), []);
});

test('responsesOf puts statuses in order, resolves responses and headers', () => {
  const rs = responsesOf(doc, doc.paths['/api/v1/clients/{id}'].get);
  assert.deepEqual(rs.map((r) => r.status), ['200', '404', '4XX', 'default']);
  assert.deepEqual(rs[0].content.map((c) => c.type), ['application/json']);
  assert.deepEqual(rs[0].headers, [{ name: 'ETag', description: 'the version', schema: { type: 'string' }, required: false }]);
  assert.equal(rs[1].description, 'Not found');
  assert.deepEqual(rs[1].content[0].schema, { $ref: '#/components/schemas/Problem' });
  const body = requestBodyOf(doc, doc.paths['/api/v1/clients/{id}'].patch);
  assert.equal(body.required, true);
  assert.deepEqual(body.content.map((c) => c.type), ['application/json']);
  assert.equal(requestBodyOf(doc, doc.paths['/api/v1/clients'].get), null);
});

test('matches: every word, in any field, case and Arabic/Persian letter forms folded', () => {
  const ops = groupOperations(doc).flatMap((t) => t.operations);
  const ids = (q) => ops.filter((o) => matches(o, q)).map((o) => o.id);
  assert.deepEqual(ids(''), ['getClient', 'updateClient', 'listClients', 'getHealth']);
  assert.deepEqual(ids('  '), ids(''));
  assert.deepEqual(ids('GETCLIENT'), ['getClient']);
  assert.deepEqual(ids('patch clients'), ['updateClient']);
  assert.deepEqual(ids('{id}'), ['getClient', 'updateClient']);
  assert.deepEqual(ids('liveness'), ['getHealth']);
  assert.deepEqual(ids('مددجويان'), ['listClients'], 'an Arabic yeh finds the Persian one');
  assert.deepEqual(ids('no such thing'), []);
  assert.equal(fold('  ABC ك '), 'abc ک');
});
