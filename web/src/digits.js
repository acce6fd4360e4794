// digits.js - Persian (۰-۹) and Arabic-Indic (٠-٩) digits in and out.
const FA = '۰۱۲۳۴۵۶۷۸۹';

export function toLatinDigits(s) {
  return String(s).replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x0660));
}

export function toPersianDigits(s) {
  return String(s).replace(/[0-9]/g, (d) => FA[d]);
}
