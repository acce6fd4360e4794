// ref_cache.js - the reference lists every screen names things from (provinces, counties, centers, programs), each
// asked once and kept for the page's life. The key names the signed-in user: one user's scope (the centers they may
// see) is never offered to the next, even if a sign-out ever stops reloading the page (session.js reloads it).
import { get } from './api.js';
import { lang, t } from './i18n.js';
import { session } from './session.js';

const cache = new Map();

// One request series per user and key; a failure is forgotten so the next screen tries again.
export function once(key, load) {
  const u = session.get();
  const k = (u ? u.id : '-') + ':' + key;
  if (!cache.has(k)) cache.set(k, load().catch((e) => { cache.delete(k); throw e; }));
  return cache.get(k);
}

// Drops the kept lists whose key starts with one of these prefixes (for every user: the lists are refetched on need).
function forget(...prefixes) {
  for (const k of [...cache.keys()]) {
    const key = k.slice(k.indexOf(':') + 1);
    if (prefixes.some((p) => key === p || key.startsWith(p + ':'))) cache.delete(k);
  }
}

// Every page of a list (the API's largest page is 500), up to max items: {items, more}.
export async function pagesOf(path, query = {}, max = Infinity) {
  const items = [];
  let cursor;
  do {
    const r = await get(path, { ...query, limit: 500, cursor });
    items.push(...r.data.items);
    cursor = r.data.next_cursor;
  } while (cursor && items.length < max);
  return { items, more: !!cursor };
}

// Every page of a list, as one array.
export const allItems = (path, query = {}) => pagesOf(path, query).then((r) => r.items);

export const provinceList = () => once('provinces', () => allItems('/provinces'));
// A province's counties; every county in the reader's scope when province is empty.
export const countyList = (province) =>
  once('counties:' + (province || ''), () => allItems('/counties', { province: province || undefined }));
export const centerList = () => once('centers', () => allItems('/centers'));
export const programList = () => once('programs', () => allItems('/programs'));
// One center (centers are not personal data; their reads are not audited).
export const centerRecord = (id) =>
  once('center:' + id, () => get('/centers/' + encodeURIComponent(id)).then((r) => r.data));

// After a center is created or changed: every list and record of centers is asked again.
export function forgetCenters() { forget('centers', 'center'); }

// id or code -> the record, from a list already loaded
export function byKey(list, key = 'id') {
  const m = new Map();
  for (const x of list || []) m.set(x[key], x);
  return m;
}

// A place's (province, county, center, program) name in the reader's language; fallback when there is no record.
export function placeName(p, fallback = t('none')) {
  if (!p) return fallback;
  return (lang.get() === 'en' && p.name_en) || p.name_fa || p.name || String(p.id ?? p.code ?? fallback);
}
