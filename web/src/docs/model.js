// model.js - the API reference's reading of an OpenAPI 3.1 description (/api/v1/openapi.json), as pure functions
// over plain objects (no DOM), so node --test checks them (web/test/docs.test.mjs): local $ref resolution, the
// operations grouped by tag, parameters merged from the path and the operation, who needs a token, a schema as
// rows of fields, and the search.

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The value a local reference ("#/components/schemas/Client") points at in doc, or undefined (an external or
 *  unknown reference). JSON Pointer escapes (~1 for '/', ~0 for '~') and percent-encoding are decoded. */
export function resolveRef(doc, ref) {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined;
  let pointer;
  try { pointer = decodeURIComponent(ref.slice(1)); } catch { return undefined; }
  if (pointer === '') return doc;
  if (!pointer.startsWith('/')) return undefined;
  let at = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, key)) return undefined;
    at = at[key];
  }
  return at;
}

/** The name a component reference gives ("#/components/schemas/Client" -> "Client"), or null. */
export function refName(ref) {
  const m = /^#\/components\/[^/]+\/([^/]+)$/.exec(ref || '');
  return m ? m[1].replace(/~1/g, '/').replace(/~0/g, '~') : null;
}

/** Follows obj's $ref chain to what it names: {value, name} (name: the last component named on the way, or null).
 *  A loop or a dangling reference gives {value: undefined, name, broken: ref}. */
export function deref(doc, obj) {
  let name = null;
  const seen = new Set();
  while (obj && typeof obj === 'object' && typeof obj.$ref === 'string') {
    if (seen.has(obj.$ref)) return { value: undefined, name, broken: obj.$ref };
    seen.add(obj.$ref);
    name = refName(obj.$ref) || name;
    const next = resolveRef(doc, obj.$ref);
    if (next === undefined) return { value: undefined, name, broken: obj.$ref };
    obj = next;
  }
  return { value: obj, name };
}

/** A schema's type as a short phrase: "string (date)", "integer | null", "array of Client", "Client". A referenced
 *  component is named, not expanded: the page links the name to the component's section. Returns
 *  {text, refs: [component names it mentions]}. */
export function typeOf(doc, schema) {
  const refs = [];
  const walk = (s, depth) => {
    if (!s || typeof s !== 'object') return 'any';
    if (typeof s.$ref === 'string') {
      const n = refName(s.$ref);
      if (n) { refs.push(n); return n; }
      const { value } = deref(doc, s);
      return depth > 4 ? 'any' : walk(value, depth + 1);
    }
    for (const k of ['oneOf', 'anyOf', 'allOf'])
      if (Array.isArray(s[k]) && s[k].length)
        return s[k].map((x) => walk(x, depth + 1)).join(k === 'allOf' ? ' & ' : ' | ');
    let types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (!types.length && s.properties) types = ['object'];
    if (!types.length && s.items) types = ['array'];
    if (!types.length && 'const' in s) return JSON.stringify(s.const);
    if (!types.length) return 'any';
    return types.map((t) => {
      if (t === 'array') return 'array of ' + (s.items ? walk(s.items, depth + 1) : 'any');
      if (t !== 'null' && s.format) return `${t} (${s.format})`;
      return t;
    }).join(' | ');
  };
  const text = walk(schema, 0);
  return { text, refs: [...new Set(refs)] };
}

/** The facts of a schema a row shows beside its type: enum, default, example, limits, pattern. */
export function constraintsOf(schema) {
  const s = schema || {};
  const out = {};
  if (Array.isArray(s.enum)) out.enum = s.enum;
  if ('default' in s) out.default = s.default;
  if ('example' in s) out.example = s.example;
  else if (Array.isArray(s.examples) && s.examples.length) out.example = s.examples[0];
  const limits = [];
  for (const [k, word] of [['minimum', '≥'], ['maximum', '≤'], ['exclusiveMinimum', '>'], ['exclusiveMaximum', '<']])
    if (typeof s[k] === 'number') limits.push(`${word} ${s[k]}`);
  for (const [k, word] of [['minLength', 'min length'], ['maxLength', 'max length'], ['minItems', 'min items'],
    ['maxItems', 'max items']])
    if (typeof s[k] === 'number') limits.push(`${word} ${s[k]}`);
  if (typeof s.pattern === 'string') limits.push(`pattern ${s.pattern}`);
  if (s.readOnly) limits.push('read-only');
  if (s.writeOnly) limits.push('write-only');
  if (s.deprecated) limits.push('deprecated');
  if (limits.length) out.limits = limits;
  return out;
}

/** An object schema as rows of fields, nested objects and arrays of objects written as dotted paths ("user.id",
 *  "items[].name"); a referenced component stays one row (its type names it), so a schema that refers to itself
 *  ends. Each row: {name, type, refs, required, title, labelFa, description, enum, default, example, limits}.
 *  A schema that is not an object gives no rows (its type says what it is). */
export function schemaRows(doc, schema, { maxDepth = 3 } = {}) {
  const rows = [];
  const visit = (s, prefix, depth) => {
    if (!s || typeof s !== 'object' || depth > maxDepth) return;
    if (typeof s.$ref === 'string') {
      if (depth > 0) return;       // only the top is opened: nested components are linked
      const { value } = deref(doc, s);
      visit(value, prefix, depth);
      return;
    }
    if (Array.isArray(s.allOf)) for (const part of s.allOf) visit(part, prefix, depth);
    const props = s.properties && typeof s.properties === 'object' ? s.properties : {};
    const required = new Set(Array.isArray(s.required) ? s.required : []);
    for (const [key, raw] of Object.entries(props)) {
      const name = prefix + key;
      const p = raw && typeof raw === 'object' ? raw : {};
      const t = typeOf(doc, p);
      const shown = typeof p.$ref === 'string' ? { ...(deref(doc, p).value || {}), ...p } : p;
      rows.push({
        name, type: t.text, refs: t.refs, required: required.has(key),
        title: shown.title || null, labelFa: shown['x-label-fa'] || null, description: shown.description || null,
        ...constraintsOf(shown),
      });
      if (typeof p.$ref === 'string') continue;
      if (p.properties) visit(p, name + '.', depth + 1);
      else if (p.items && typeof p.items === 'object' && !p.items.$ref && p.items.properties)
        visit(p.items, name + '[].', depth + 1);
    }
  };
  const top = deref(doc, schema).value;
  if (top && typeof top === 'object' && !top.properties && top.items && typeof top.items === 'object') {
    // a bare array: its items' fields, if the items are an inline object
    if (!top.items.$ref) visit(top.items, '[].', 0);
    return rows;
  }
  visit(schema, '', 0);
  return rows;
}

/** The tags in the order the description gives them (its top-level tags first, then in order of first use), each
 *  with its operations in path order: [{name, description, operations: [op]}], op = {id, method, path, tag,
 *  summary, description, operation, pathItem}. An operation without an operationId gets "METHOD-path" as its id. */
export function groupOperations(doc) {
  const tags = new Map();
  const tagOf = (name) => {
    if (!tags.has(name)) tags.set(name, { name, description: null, operations: [] });
    return tags.get(name);
  };
  for (const t of Array.isArray(doc.tags) ? doc.tags : [])
    if (t && t.name) tagOf(t.name).description = t.description || null;
  for (const [path, rawItem] of Object.entries(doc.paths || {})) {
    const pathItem = deref(doc, rawItem).value || {};
    for (const method of METHODS) {
      const operation = pathItem[method];
      if (!operation || typeof operation !== 'object') continue;
      const tag = (Array.isArray(operation.tags) && operation.tags[0]) || 'other';
      tagOf(tag).operations.push({
        id: operation.operationId || `${method.toUpperCase()}-${path}`, method: method.toUpperCase(), path, tag,
        summary: operation.summary || '', description: operation.description || '', operation, pathItem,
      });
    }
  }
  return [...tags.values()].filter((t) => t.operations.length);
}

/** The operation's parameters: the path item's, overridden by the operation's of the same name and place, $refs
 *  resolved; path parameters first, then query, header, cookie. */
export function parametersOf(doc, pathItem, operation) {
  const byKey = new Map();
  for (const list of [pathItem && pathItem.parameters, operation && operation.parameters])
    for (const raw of Array.isArray(list) ? list : []) {
      const p = deref(doc, raw).value;
      if (p && p.name && p.in) byKey.set(`${p.in}:${p.name}`, p);
    }
  const order = { path: 0, query: 1, header: 2, cookie: 3 };
  return [...byKey.values()].sort((a, b) => (order[a.in] ?? 9) - (order[b.in] ?? 9));
}

/** The security an operation asks for: [] when it is public (security: [] on the operation, or no requirement at
 *  all), else the schemes of each alternative, e.g. [[{name: 'bearer', type: 'http', scheme: 'bearer'}]]. */
export function securityOf(doc, operation) {
  const reqs = Array.isArray(operation && operation.security) ? operation.security
    : Array.isArray(doc.security) ? doc.security : [];
  const schemes = (doc.components && doc.components.securitySchemes) || {};
  const alternatives = reqs.map((r) => Object.keys(r || {}).map((name) => ({ name, ...(deref(doc, schemes[name]).value || {}) })));
  // an empty requirement ({}) among the alternatives means "or nothing": the operation is public
  return alternatives.some((a) => a.length === 0) ? [] : alternatives;
}

/** The responses in status order ("2XX" and "default" after the numbers), each {status, description, content:
 *  [{type, schema}], headers: [{name, description, schema, required}]}. */
export function responsesOf(doc, operation) {
  const out = [];
  for (const [status, raw] of Object.entries((operation && operation.responses) || {})) {
    const r = deref(doc, raw).value || {};
    const content = Object.entries(r.content || {}).map(([type, media]) => ({ type, schema: (media || {}).schema }));
    const headers = Object.entries(r.headers || {}).map(([name, h]) => {
      const v = deref(doc, h).value || {};
      return { name, description: v.description || null, schema: v.schema, required: !!v.required };
    });
    out.push({ status, description: r.description || '', content, headers });
  }
  const rank = (s) => (/^\d{3}$/.test(s) ? Number(s) : /^\dXX$/i.test(s) ? Number(s[0]) * 100 + 99 : 1000);
  return out.sort((a, b) => rank(a.status) - rank(b.status));
}

/** The request body: {required, description, content: [{type, schema}]} or null. */
export function requestBodyOf(doc, operation) {
  if (!operation || !operation.requestBody) return null;
  const b = deref(doc, operation.requestBody).value;
  if (!b) return null;
  return {
    required: !!b.required, description: b.description || null,
    content: Object.entries(b.content || {}).map(([type, media]) => ({ type, schema: (media || {}).schema })),
  };
}

/** Folds case and the Arabic/Persian letter forms (ي/ی, ك/ک) and strips the spaces at both ends. */
export function fold(text) {
  return String(text ?? '').toLowerCase().replace(/ي/g, 'ی').replace(/ك/g, 'ک').trim();
}

/** Whether op matches the search words: every word appears in its operationId, method, path, tag, summary or
 *  description (an empty search matches everything). */
export function matches(op, query) {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = fold([op.id, op.method, op.path, op.tag, op.summary, op.description].join(' '));
  return words.every((w) => hay.includes(w));
}

/** The id of a component schema's section ("schema-Client"); operations use their operationId as it is. */
export function schemaAnchor(name) {
  return 'schema-' + name;
}
