// money_places.js - what the dashboard and the money screens share: the names of places and programs (kept by
// ref_cache.js), every page of a list, the fiscal year in the address, and percents.
import { fiscalYearOf } from '../jalali.js';
import { toLatinDigits } from '../digits.js';
import { lang } from '../i18n.js';
import { once, pagesOf, provinceList, countyList, programList, centerRecord, placeName } from '../ref_cache.js';

// Every page of a list (the API's largest page is 500), up to max items; resolves to {items, more}.
export const allPages = (path, query = {}, max = 2000) => pagesOf(path, query, max);

// The lists come from ref_cache.js (one cache for every screen, keyed by the signed-in user), as maps by code or id
// (keys as strings: the address gives them as text).
const mapBy = (items, key) => new Map(items.map((x) => [String(x[key]), x]));
export const provinces = () => once('map:provinces', () => provinceList().then((l) => mapBy(l, 'code')));
export const counties = (province) =>
  once('map:counties:' + (province || ''), () => countyList(province).then((l) => mapBy(l, 'id')));
export const programs = () => once('map:programs', () => programList().then((l) => mapBy(l, 'code')));
// A center's record (its name).
export const center = (id) => centerRecord(id);

// The name of a province, county or program record in the console's language.
export const nameOf = (rec, fallback) => placeName(rec, fallback ?? '—');

// The fiscal year the address asks for (Persian digits accepted), else this Jalali year.
export function yearOf(query) {
  const y = parseInt(toLatinDigits(query.get('fiscal_year') || ''), 10);
  return y >= 1300 && y <= 1500 ? y : fiscalYearOf();
}

// The years a person may pick: a few back, the next one, and whatever the address asked for.
export function yearChoices(year) {
  const now = fiscalYearOf();
  const ys = new Set([year]);
  for (let y = now + 1; y >= now - 5; y--) ys.add(y);
  return [...ys].sort((a, b) => b - a);
}

// An address under /console/ with these query values (empty ones left out).
export function hrefWith(path, values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? path + '?' + s : path;
}

// '0.8533' -> '۸۵٫۳٪'
export function percent(share) {
  if (share === null || share === undefined || share === '') return '—';
  return new Intl.NumberFormat(lang.get() === 'fa' ? 'fa-IR' : 'en-US', { style: 'percent', maximumFractionDigits: 1 })
    .format(Number(share));
}

// The API's role -> how far down the tree its scope starts: 0 the nation, 1 a province, 2 a county, 3 a center.
export function levelOf(user) {
  switch (user && user.role) {
    case 'national_admin': case 'national_viewer': return 0;
    case 'provincial_admin': case 'provincial_officer': return 1;
    case 'county_officer': return 2;
    default: return 3;
  }
}
