// client_ref.js - what the client screens look up (provinces, counties, centers, programs: kept by ref_cache.js)
// and how a client's values read to a person.
import { html } from '../html.js';
import { allItems, provinceList, countyList, centerList, programList, placeName } from '../ref_cache.js';
import { label, lang, t } from '../i18n.js';
import { jdate, digits } from '../format.js';
import { T } from './client_text.js';

export const DISABILITY_TYPES = ['physical', 'visual', 'hearing', 'speech', 'intellectual', 'psychosocial', 'autism',
  'multiple'];
export const SEVERITIES = ['mild', 'moderate', 'severe', 'very_severe'];
export const NEEDS = ['housing', 'employment', 'education', 'healthcare', 'rehabilitation', 'financial', 'caregiving',
  'legal', 'psychosocial', 'assistive_devices'];
export const HOUSEHOLD_ROLES = ['head', 'spouse', 'child', 'parent', 'sibling', 'other'];
export const STATUSES = ['active', 'closed'];

// The lists live in ref_cache.js (one cache for every screen, keyed by the signed-in user).
export const allPages = allItems;
export const loadProvinces = provinceList;
export const loadCounties = countyList;
export const loadCenters = centerList;
export const loadPrograms = programList;

// {provinces, counties, centers} as maps by id/code: what the tables need to name places.
export async function loadPlaces() {
  const [provinces, counties, centers] = await Promise.all([loadProvinces(), loadCounties(''), loadCenters()]);
  return {
    provinces, counties, centers,
    province: new Map(provinces.map((p) => [p.code, p])),
    county: new Map(counties.map((c) => [c.id, c])),
    center: new Map(centers.map((c) => [c.id, c])),
  };
}

// A place's name in the reader's language (Persian by default); an unknown id shows as its number.
export { placeName };
export function countyName(places, id) {
  if (id == null) return t('none');
  const c = places && places.county.get(id);
  return c ? placeName(c) : digits(id);
}
export function centerName(places, id) {
  if (id == null) return t('none');
  const c = places && places.center.get(id);
  return c ? c.name : digits(id);
}

// A person's name as text, isolated so a bidi control inside it cannot reorder the text around it.
export const personName = (c) => html`<bdi>${[c.first_name, c.last_name].filter(Boolean).join(' ')}</bdi>`;

export function disabilityText(d) {
  return d ? label('disability', d.type) + ' (' + label('severity', d.severity) + ')' : T('no_disability');
}
export const needsText = (needs) => (needs && needs.length
  ? needs.map((n) => T('need.' + n)).join(lang.get() === 'fa' ? '، ' : ', ') : t('none'));
export const statusText = (s) => T('status.' + s);
export const hroleText = (r) => (r ? T('hrole.' + r) : t('none'));

// How one client field's API value reads (the detail list and the conflict view use the same words).
export function fieldText(key, value, places) {
  if (value === null || value === undefined || value === '') return key === 'disability' ? T('no_disability') : t('none');
  switch (key) {
    case 'birth_date': return jdate(value);
    case 'sex': return label('sex', value);
    case 'county_id': return countyName(places, value);
    case 'center_id': return centerName(places, value);
    case 'disability': return disabilityText(value);
    case 'needs': return needsText(value);
    case 'household_id': return digits(value);
    case 'household_role': return hroleText(value);
    case 'status': return statusText(value);
    case 'national_id': return digits(value);
    default: return String(value);
  }
}
