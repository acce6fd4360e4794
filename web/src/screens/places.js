// places.js - the names behind the ids the centers, staff and users screens show: provinces, a province's counties,
// the centers in the reader's scope. Reference data changes rarely, so each is asked once per page load.
import { get } from '../api.js';
import { lang, t } from '../i18n.js';

const cache = new Map();
function once(key, load) {
  if (!cache.has(key)) cache.set(key, load().catch((e) => { cache.delete(key); throw e; }));
  return cache.get(key);
}

// Every page of a list (the API's pages are at most 500 rows; these lists are small).
export async function allPages(path, query = {}) {
  const items = [];
  let cursor;
  do {
    const r = await get(path, { ...query, limit: 500, cursor });
    items.push(...r.data.items);
    cursor = r.data.next_cursor;
  } while (cursor);
  return items;
}

export const provinces = () => once('provinces', () => allPages('/provinces'));
export const counties = (province) => once('counties:' + province, () => allPages('/counties', { province }));
export const centers = () => once('centers', () => allPages('/centers'));
export function forgetCenters() { cache.delete('centers'); }

export function placeName(p) {
  if (!p) return t('none');
  return lang.get() === 'fa' ? p.name_fa : p.name_en || p.name_fa;
}

// id or code -> the record, from a list already loaded
export function byKey(list, key = 'id') {
  const m = new Map();
  for (const x of list || []) m.set(x[key], x);
  return m;
}

// Whole days from today (the reader's calendar day) to an ISO date; negative when it is past.
export function daysUntil(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  const now = new Date();
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / 86400000);
}

// A license's state from its expiry date: valid, expiring (within 90 days), expired, or none (no date given).
export function licenseState(expiresOn) {
  if (!expiresOn) return 'none';
  const d = daysUntil(expiresOn);
  return d < 0 ? 'expired' : d <= 90 ? 'expiring' : 'valid';
}
