// main.js - the API reference at /api/v1/docs: reads /api/v1/openapi.json (the same description the server builds
// from its route table) and writes it out as one page: the operations grouped by tag, each with its parameters,
// body, responses and security, then the component schemas with their fields. A search box filters the
// operations; each operation's section has its operationId as its id, so #getClient links to it.
// Text only ever goes in as text (textContent, attributes): nothing from the description is parsed as HTML.
import {
  deref, groupOperations, matches, parametersOf, requestBodyOf, responsesOf, schemaAnchor, schemaRows, securityOf,
  typeOf, constraintsOf,
} from './model.js';

const SPEC_URL = '/api/v1/openapi.json';

/** An element: h('a', {href: '#x', class: 'm'}, 'text', child...). Strings become text nodes; null and false are
 *  skipped; arrays are flattened. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'hidden') el.hidden = !!v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  };
  children.forEach(add);
  return el;
}

const shown = (v) => (typeof v === 'string' ? v : JSON.stringify(v));

/** A schema's type phrase with each component it names linked to that component's section. */
function typeNode(doc, schema, known) {
  const { text, refs } = typeOf(doc, schema);
  return h('code', { class: 'type' }, linkTypes(text, refs, known));
}

/** The description cell of a field or parameter: its English title, its Persian label, its description (either
 *  language: dir=auto), then enum, default, example and limits. */
function about(c) {
  return [
    c.title && c.title !== c.name ? h('span', { class: 'title' }, c.title) : null,
    c.labelFa ? h('span', { class: 'label-fa', lang: 'fa', dir: 'rtl' }, c.labelFa) : null,
    c.description ? h('p', { class: 'desc', dir: 'auto' }, c.description) : null,
    c.enum ? h('p', { class: 'fact' }, 'One of: ', c.enum.map((v, i) => [i ? ', ' : '', h('code', null, shown(v))])) : null,
    'default' in c ? h('p', { class: 'fact' }, 'Default: ', h('code', null, shown(c.default))) : null,
    'example' in c ? h('p', { class: 'fact' }, 'Example: ', h('code', { dir: 'auto' }, shown(c.example))) : null,
    c.limits ? h('p', { class: 'fact' }, c.limits.join('; ')) : null,
  ];
}

function table(caption, head, rows) {
  return h('div', { class: 'scroll' },
    h('table', null,
      h('caption', null, caption),
      h('thead', null, h('tr', null, head.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows)));
}

function fieldsTable(doc, schema, caption, known) {
  const rows = schemaRows(doc, schema);
  if (!rows.length) return null;
  return table(caption, ['Field', 'Type', 'Required', 'About'], rows.map((r) =>
    h('tr', null,
      h('th', { scope: 'row' }, h('code', null, r.name)),
      h('td', null, h('code', { class: 'type' }, linkTypes(r.type, r.refs, known))),
      h('td', null, r.required ? 'required' : 'optional'),
      h('td', null, about(r)))));
}

/** A type phrase already worked out (a row's), with its components linked. */
function linkTypes(text, refs, known) {
  const linked = (refs || []).filter((r) => known.has(r));
  if (!linked.length) return text;
  // component names are identifiers, but a description may name anything: escape them for the pattern
  const re = new RegExp(`\\b(${linked.map((r) => r.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`, 'g');
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    parts.push(text.slice(last, m.index), h('a', { href: '#' + schemaAnchor(m[1]) }, m[1]));
    last = m.index + m[1].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function bodyBlock(doc, item, known, caption) {
  return h('div', { class: 'media' },
    h('p', null, h('code', null, item.type), ': ', item.schema ? typeNode(doc, item.schema, known) : 'any'),
    item.schema ? fieldsTable(doc, item.schema, caption, known) : null);
}

function securityNode(doc, op) {
  const alts = securityOf(doc, op.operation);
  if (!alts.length) return h('p', { class: 'badge public' }, 'Public: no token needed');
  const words = alts.map((schemes) => schemes.map((s) =>
    s.type === 'http' && String(s.scheme).toLowerCase() === 'bearer' ? 'a bearer token (Authorization: Bearer …)'
      : s.type === 'apiKey' ? `an API key (${s.in} ${s.name})` : `${s.name} (${s.type || 'scheme'})`).join(' and '));
  return h('p', { class: 'badge token' }, 'Needs ', words.join(', or '));
}

function operationSection(doc, op, known) {
  const o = op.operation;
  const params = parametersOf(doc, op.pathItem, o);
  const body = requestBodyOf(doc, o);
  const responses = responsesOf(doc, o);
  const headingId = op.id + '-title';
  return h('section', { class: 'op', id: op.id, 'aria-labelledby': headingId },
    h('h3', { id: headingId, tabindex: '-1' },
      h('span', { class: 'method m-' + op.method.toLowerCase() }, op.method), ' ',
      h('code', { class: 'path' }, op.path)),
    op.summary ? h('p', { class: 'summary', dir: 'auto' }, op.summary) : null,
    op.description ? h('p', { class: 'desc', dir: 'auto' }, op.description) : null,
    h('p', { class: 'opid' }, 'operationId: ', h('code', null, op.id), ' · ',
      h('a', { href: '#' + op.id, 'aria-label': `Link to ${op.id}` }, 'link')),
    o.deprecated ? h('p', { class: 'badge deprecated' }, 'Deprecated') : null,
    securityNode(doc, op),
    params.length ? h('h4', null, 'Parameters') : null,
    params.length ? table(`Parameters of ${op.id}`, ['Name', 'In', 'Type', 'Required', 'About'], params.map((p) => {
      const s = deref(doc, p.schema).value || {};
      return h('tr', null,
        h('th', { scope: 'row' }, h('code', null, p.name)),
        h('td', null, p.in),
        h('td', null, p.schema ? typeNode(doc, p.schema, known) : 'any'),
        h('td', null, p.required ? 'required' : 'optional'),
        h('td', null, about({ name: p.name, description: p.description, ...constraintsOf(s),
          ...('example' in p ? { example: p.example } : {}), ...(p.deprecated ? { limits: ['deprecated'] } : {}) })));
    })) : null,
    body ? h('h4', null, 'Request body', body.required ? ' (required)' : ' (optional)') : null,
    body && body.description ? h('p', { class: 'desc', dir: 'auto' }, body.description) : null,
    body ? body.content.map((c) => bodyBlock(doc, c, known, `Request body of ${op.id} (${c.type})`)) : null,
    h('h4', null, 'Responses'),
    h('dl', { class: 'responses' }, responses.map((r) => [
      h('dt', null, h('span', { class: 'status s' + r.status[0] }, r.status), ' ',
        h('span', { dir: 'auto' }, r.description)),
      h('dd', null,
        r.content.map((c) => [h('p', null, h('code', null, c.type), ': ',
          c.schema ? typeNode(doc, c.schema, known) : 'any'),
          // a named component is a link; an inline shape (a list's {items, next_cursor}) is spelled out here
          c.schema && !c.schema.$ref
            ? fieldsTable(doc, c.schema, `The ${r.status} response of ${op.id} (${c.type})`, known) : null]),
        r.headers.length ? table(`Headers of the ${r.status} response of ${op.id}`, ['Header', 'Type', 'About'],
          r.headers.map((x) => h('tr', null,
            h('th', { scope: 'row' }, h('code', null, x.name)),
            h('td', null, x.schema ? typeNode(doc, x.schema, known) : 'string'),
            h('td', null, about({ name: x.name, description: x.description })))))
          : null),
    ])));
}

function schemaSection(doc, name, schema, known) {
  const s = deref(doc, schema).value || {};
  const headingId = schemaAnchor(name) + '-title';
  const rows = fieldsTable(doc, schema, `Fields of ${name}`, known);
  const example = 'example' in s ? s.example : Array.isArray(s.examples) && s.examples.length ? s.examples[0] : undefined;
  return h('section', { class: 'schema', id: schemaAnchor(name), 'aria-labelledby': headingId },
    h('h3', { id: headingId, tabindex: '-1' }, name),
    s.title && s.title !== name ? h('p', { class: 'title' }, s.title) : null,
    s['x-label-fa'] ? h('p', { class: 'label-fa', lang: 'fa', dir: 'rtl' }, s['x-label-fa']) : null,
    s.description ? h('p', { class: 'desc', dir: 'auto' }, s.description) : null,
    h('p', null, 'Type: ', typeNode(doc, s, known)),
    s.enum ? h('p', { class: 'fact' }, 'One of: ', s.enum.map((v, i) => [i ? ', ' : '', h('code', null, shown(v))])) : null,
    rows,
    example !== undefined ? [h('p', { class: 'fact' }, 'Example:'),
      h('pre', { class: 'example', dir: 'ltr', tabindex: '0', 'aria-label': `Example of ${name}` },
        JSON.stringify(example, null, 2))] : null);
}

function render(doc, root) {
  const tags = groupOperations(doc);
  const schemas = (doc.components && doc.components.schemas) || {};
  const known = new Set(Object.keys(schemas));
  const all = tags.flatMap((t) => t.operations);
  const info = doc.info || {};

  const search = h('input', { type: 'search', id: 'docs-search', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'docs-count' });
  const count = h('p', { id: 'docs-count', role: 'status' }, `${all.length} operations`);
  const navLinks = new Map();      // op.id -> its <li> in the navigation
  const sections = new Map();      // op.id -> its <section>
  const tagParts = [];             // [{tag, navItem, section}]

  const nav = h('nav', { class: 'side', 'aria-label': 'Operations' },
    h('label', { for: 'docs-search' }, 'Search operations'), search, count,
    h('ul', { class: 'tags' }, tags.map((t) => {
      const item = h('li', null, h('a', { class: 'tag', href: '#tag-' + t.name }, t.name),
        h('ul', null, t.operations.map((op) => {
          const li = h('li', null, h('a', { href: '#' + op.id },
            h('span', { class: 'method m-' + op.method.toLowerCase() }, op.method), ' ', op.id));
          navLinks.set(op.id, li);
          return li;
        })));
      tagParts.push({ tag: t, navItem: item });
      return item;
    })),
    known.size ? h('p', null, h('a', { class: 'tag', href: '#schemas' }, 'Schemas')) : null);

  const main = h('main', { id: 'docs-main', tabindex: '-1' },
    tags.map((t, i) => {
      const section = h('section', { class: 'tag-section', 'aria-labelledby': 'tag-' + t.name },
        h('h2', { id: 'tag-' + t.name, tabindex: '-1' }, t.name),
        t.description ? h('p', { class: 'desc', dir: 'auto' }, t.description) : null,
        t.operations.map((op) => {
          const s = operationSection(doc, op, known);
          sections.set(op.id, s);
          return s;
        }));
      tagParts[i].section = section;
      return section;
    }),
    known.size ? h('section', { class: 'schemas', 'aria-labelledby': 'schemas' },
      h('h2', { id: 'schemas', tabindex: '-1' }, 'Schemas'),
      Object.entries(schemas).map(([name, s]) => schemaSection(doc, name, s, known))) : null);

  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const header = h('header', { class: 'top' },
    h('h1', null, info.title || 'API reference', info.version ? h('span', { class: 'version' }, ' version ' + info.version) : null),
    info.description ? h('p', { class: 'desc', dir: 'auto' }, info.description) : null,
    servers.length ? h('p', null, 'Servers: ', servers.map((s, i) => [i ? ', ' : '', h('code', null, s.url)])) : null,
    h('p', { class: 'links' }, h('a', { href: SPEC_URL }, 'The description as JSON (OpenAPI ', doc.openapi || '3', ')'),
      ' · ', h('a', { href: '/console/' }, 'The console')));

  root.replaceChildren(
    h('a', { class: 'skip', href: '#docs-main' }, 'Skip to the operations'),
    header, h('div', { class: 'layout' }, nav, main));

  const applyFilter = () => {
    const q = search.value;
    let n = 0;
    for (const op of all) {
      const hit = matches(op, q);
      sections.get(op.id).hidden = !hit;
      navLinks.get(op.id).hidden = !hit;
      if (hit) n++;
    }
    for (const p of tagParts) {
      const any = p.tag.operations.some((op) => !sections.get(op.id).hidden);
      p.section.hidden = !any;
      p.navItem.hidden = !any;
    }
    count.textContent = q.trim() ? `${n} of ${all.length} operations match` : `${all.length} operations`;
  };
  search.addEventListener('input', () => { applyFilter(); reachScrollers(); });

  // A deep link (#getClient, #schema-Client): the page is written after it loaded, so the browser's own jump to
  // the fragment found nothing; go there now, and again when the fragment changes. A target the search hides is
  // shown by clearing the search.
  const goToHash = () => {
    let id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch { return; }
    const target = id && document.getElementById(id);
    if (!target) return;
    if (target.closest('[hidden]') && search.value) {
      search.value = '';
      applyFilter();
    }
    // an operation's or a schema's section: its heading takes the focus; anything else (the skip link's main) itself
    const focus = target.matches('section') ? target.querySelector('h2, h3') : target;
    target.scrollIntoView({ block: 'start' });
    if (focus && focus.hasAttribute('tabindex')) focus.focus({ preventScroll: true });
  };
  window.addEventListener('hashchange', goToHash);
  // A table wider than the page scrolls sideways: a keyboard must reach it too (WCAG 2.1.1), so an overflowing
  // one becomes a named, focusable region; the others stay out of the Tab order.
  function reachScrollers() {
    for (const box of root.querySelectorAll('.scroll')) {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        box.setAttribute('aria-label', box.querySelector('caption')?.textContent || 'table');
      } else {
        box.removeAttribute('tabindex');
        box.removeAttribute('role');
        box.removeAttribute('aria-label');
      }
    }
  }
  reachScrollers();
  window.addEventListener('resize', reachScrollers);
  if (location.hash) goToHash();
  document.title = `${info.title || 'API'} reference`;
  root.setAttribute('aria-busy', 'false');
}

async function start() {
  const root = document.getElementById('app');
  try {
    const res = await fetch(SPEC_URL, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new Error(`${SPEC_URL} answered ${res.status}`);
    render(await res.json(), root);
  } catch (e) {
    root.replaceChildren(h('main', { id: 'docs-main' },
      h('h1', null, 'API reference'),
      h('p', { role: 'alert' }, `The API description could not be read: ${e.message}. `,
        h('a', { href: SPEC_URL }, 'Open it as JSON'), '.')));
    root.setAttribute('aria-busy', 'false');
  }
}

start();
