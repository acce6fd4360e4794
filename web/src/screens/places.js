// places.js - the names behind the ids the centers, staff and users screens show: provinces, a province's counties,
// the centers in the reader's scope (kept by ref_cache.js), and a license's state.
import { provinceList, countyList, centerList, allItems, forgetCenters, byKey, placeName } from '../ref_cache.js';

// The lists live in ref_cache.js (one cache for every screen, keyed by the signed-in user); these names stay for the
// screens that import them from here.
export { forgetCenters, byKey, placeName };
export const allPages = allItems;
export const provinces = provinceList;
export const counties = countyList;
export const centers = centerList;

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
