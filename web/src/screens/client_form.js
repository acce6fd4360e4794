// client_form.js - a client's fields as a form (the new-client form and the edit form share them): the form's own
// shape (texts as typed, a Jalali birth date) to and from the API's values, the checks the page can make before
// asking, and the API's field errors placed beside their fields.
import { html } from '../html.js';
import { label, t } from '../i18n.js';
import { jdate, parseJdate, parseNumber } from '../format.js';
import { toLatinDigits } from '../digits.js';
import { SelectField, TextField } from '../ui.js';
import { T } from './client_text.js';
import { DISABILITY_TYPES, SEVERITIES, NEEDS, HOUSEHOLD_ROLES } from './client_ref.js';

// The fields an edit may change (the county changes by transfer, the status by closing or reopening).
export const EDIT_FIELDS = ['first_name', 'last_name', 'father_name', 'birth_date', 'sex', 'center_id', 'disability',
  'needs', 'household_id', 'household_role'];

// A record's values -> the form's texts.
export function formOf(c) {
  return {
    national_id: c.national_id || '', first_name: c.first_name || '', last_name: c.last_name || '',
    father_name: c.father_name || '', birth_date: c.birth_date ? jdate(c.birth_date) : '', sex: c.sex || '',
    county_id: c.county_id ? String(c.county_id) : '', center_id: c.center_id ? String(c.center_id) : '',
    dis_type: c.disability ? c.disability.type : '', dis_sev: c.disability ? c.disability.severity : '',
    needs: c.needs ? [...c.needs] : [], household_id: c.household_id ? String(c.household_id) : '',
    household_role: c.household_role || '',
  };
}

// The form -> {values (the API's fields), errors (form field -> message)}; create adds national_id and county_id.
export function valuesOf(form, create) {
  const values = {}, errors = {};
  const text = (k, required) => {
    const v = form[k].trim();
    if (!v && required) errors[k] = T('required');
    values[k] = v || null;
  };
  if (create) {
    text('national_id', true);
    if (values.national_id) values.national_id = latinId(values.national_id);
  }
  text('first_name', true);
  text('last_name', true);
  text('father_name', false);
  const d = parseJdate(form.birth_date);
  if (d.error) errors.birth_date = T(d.error === 'format' ? 'date_format' : 'date_range');
  else if (!d.iso) errors.birth_date = T('required');
  values.birth_date = d.iso || null;
  if (!form.sex) errors.sex = T('required');
  values.sex = form.sex || null;
  if (create) {
    if (!form.county_id) errors.county_id = T('required');
    values.county_id = form.county_id ? Number(form.county_id) : null;
  }
  values.center_id = form.center_id ? Number(form.center_id) : null;
  if (!!form.dis_type !== !!form.dis_sev) errors[form.dis_type ? 'dis_sev' : 'dis_type'] = T('need_both');
  values.disability = form.dis_type && form.dis_sev ? { type: form.dis_type, severity: form.dis_sev } : null;
  values.needs = NEEDS.filter((n) => form.needs.includes(n));
  if (form.household_id.trim()) {
    const n = parseNumber(form.household_id);
    if (!(n > 0)) errors.household_id = T('bad_number');
    values.household_id = n > 0 ? n : null;
  } else values.household_id = null;
  values.household_role = form.household_role || null;
  if (create) for (const k of Object.keys(values)) if (values[k] === null) delete values[k];
  return { values, errors };
}

// Two values of one field are the same (needs as a set, a disability by its two parts, absent as null).
function norm(k, v) {
  if (v === undefined || v === null || v === '') return null;
  if (k === 'needs') return [...v].sort();
  if (k === 'disability') return { type: v.type, severity: v.severity };
  return v;
}
export const sameValue = (k, a, b) => JSON.stringify(norm(k, a)) === JSON.stringify(norm(k, b));

// The fields of values that differ from the record: the PATCH body (nothing else is sent, so a field the person
// did not touch never overwrites someone else's change).
export function changedFields(values, record) {
  const body = {};
  for (const k of EDIT_FIELDS) if (k in values && !sameValue(k, values[k], record[k])) body[k] = values[k];
  return body;
}

// The API's field errors (by its field names) -> the form's.
export function formErrors(apiFields) {
  const out = {};
  const to = { 'disability.type': 'dis_type', 'disability.severity': 'dis_sev', disability: 'dis_type',
    birth_date_jalali: 'birth_date' };
  for (const [k, m] of Object.entries(apiFields || {})) {
    const f = to[k] || k;
    out[f] = out[f] ? out[f] + ' ' + m : m;
  }
  return out;
}

// The inputs. centers: [[id, name]] for the center select; create: also national ID and the place (placeFields).
export function ClientFields({ form, setForm, errors, centers, create, placeFields }) {
  const set = (k) => (v) => setForm({ ...form, [k]: v });
  const toggleNeed = (n) => setForm({ ...form, needs: form.needs.includes(n) ? form.needs.filter((x) => x !== n) : [...form.needs, n] });
  return html`<div class="client-form">
    ${create ? html`<${TextField} label=${T('national_id')} value=${form.national_id} onInput=${set('national_id')}
      error=${errors.national_id} dir="ltr" inputmode="numeric" autocomplete="off" />` : null}
    <div class="grid2">
      <${TextField} label=${T('first_name')} value=${form.first_name} onInput=${set('first_name')} error=${errors.first_name} />
      <${TextField} label=${T('last_name')} value=${form.last_name} onInput=${set('last_name')} error=${errors.last_name} />
      <${TextField} label=${T('father_name')} value=${form.father_name} onInput=${set('father_name')} error=${errors.father_name} />
      <${TextField} label=${T('birth_date')} value=${form.birth_date} onInput=${set('birth_date')} error=${errors.birth_date}
        hint=${T('date_hint')} dir="ltr" inputmode="numeric" placeholder="1367/01/01" />
      <${SelectField} label=${T('sex')} value=${form.sex} onChange=${set('sex')} error=${errors.sex} placeholder=${t('none')}
        options=${['female', 'male'].map((s) => [s, label('sex', s)])} />
      ${placeFields || null}
      <${SelectField} label=${T('center')} value=${form.center_id} onChange=${set('center_id')} error=${errors.center_id}
        placeholder=${t('none')} options=${centers} />
      <${SelectField} label=${T('disability_type')} value=${form.dis_type} onChange=${set('dis_type')} error=${errors.dis_type}
        placeholder=${T('no_disability')} options=${DISABILITY_TYPES.map((v) => [v, label('disability', v)])} />
      <${SelectField} label=${T('severity')} value=${form.dis_sev} onChange=${set('dis_sev')} error=${errors.dis_sev}
        placeholder=${t('none')} options=${SEVERITIES.map((v) => [v, label('severity', v)])} />
      <${TextField} label=${T('household_id')} value=${form.household_id} onInput=${set('household_id')}
        error=${errors.household_id} dir="ltr" inputmode="numeric" />
      <${SelectField} label=${T('household_role')} value=${form.household_role} onChange=${set('household_role')}
        error=${errors.household_role} placeholder=${t('none')} options=${HOUSEHOLD_ROLES.map((r) => [r, T('hrole.' + r)])} />
    </div>
    <fieldset class=${'needs' + (errors.needs ? ' has-error' : '')}>
      <legend>${T('needs')}</legend>
      ${NEEDS.map((n) => html`<label class="check"><input type="checkbox" checked=${form.needs.includes(n)}
        onChange=${() => toggleNeed(n)} /> ${T('need.' + n)}</label>`)}
      ${errors.needs ? html`<small class="field-error">${errors.needs}</small>` : null}
    </fieldset>
  </div>`;
}

// A national ID typed with Persian digits is sent as Latin digits (the API reads both; this keeps the echo plain).
export const latinId = (s) => toLatinDigits(s).replace(/[\s-]/g, '');
