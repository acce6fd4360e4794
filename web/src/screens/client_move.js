// client_move.js - moving a client to another county (POST /clients/{id}/transfer, with If-Match so a record
// changed meanwhile is not moved blind) and closing or reopening the file (DELETE / PATCH status, If-Match).
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { ErrorBox, SelectField, useLoad } from '../ui.js';
import { T } from './client_text.js';
import { loadCounties, placeName } from './client_ref.js';

// onDone(countyName) after the move; onStale() when the record changed meanwhile (the page reads it again, so the
// next try carries its new version); onCancel().
export function ClientTransfer({ rec, user, places, onDone, onStale, onCancel }) {
  const c = rec.data;
  const national = !user.province;
  const [province, setProvince] = useState(c.province);
  const [county, setCounty] = useState('');
  const [center, setCenter] = useState('');
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const counties = useLoad(() => loadCounties(province), [province]);
  const centers = (places ? places.centers : []).filter((x) => String(x.county_id) === county);

  async function submit(e) {
    e.preventDefault();
    const errs = {};
    if (!county) errs.county = T('choose_county');
    else if (Number(county) === c.county_id) errs.county = T('same_county');
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setError(null);
    try {
      const body = { county_id: Number(county) };
      if (center) body.center_id = Number(center);
      await api('POST', '/clients/' + c.id + '/transfer', { body, headers: { 'If-Match': rec.etag } });
      const target = (counties.data || []).find((x) => String(x.id) === county);
      onDone(target ? placeName(target) : county);
    } catch (err) {
      setErrors({ county: err.fields.county_id, center: err.fields.center_id });
      setError(err);
      if (err.status === 412) onStale();
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="card" onSubmit=${submit} novalidate aria-labelledby="transfer-h">
    <h2 id="transfer-h" tabindex="-1">${T('transfer')}</h2>
    <div class="grid2">
      ${national ? html`<${SelectField} label=${T('province')} value=${province}
        options=${(places ? places.provinces : []).map((p) => [p.code, placeName(p)])}
        onChange=${(v) => { setProvince(v); setCounty(''); setCenter(''); }} />` : null}
      <${SelectField} label=${T('transfer_to')} value=${county} placeholder=${T('choose_county')} error=${errors.county}
        options=${(counties.data || []).map((x) => [x.id, placeName(x)])}
        onChange=${(v) => { setCounty(v); setCenter(''); }} />
      <${SelectField} label=${T('center_optional')} value=${center} placeholder=${T('no_center')} error=${errors.center}
        options=${centers.map((x) => [x.id, x.name])} onChange=${setCenter} disabled=${!county} />
    </div>
    <${ErrorBox} error=${error || counties.error} />
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${T('transfer_go')}</button>
      <button type="button" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}

// Closing asks once more; reopening does not (nothing is lost either way: the file is kept).
export function ClientClose({ rec, onDone, onStale, onCancel }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  async function close() {
    setBusy(true);
    setError(null);
    try {
      const r = await api('DELETE', '/clients/' + rec.data.id, { headers: { 'If-Match': rec.etag } });
      onDone(r, T('file_closed'));
    } catch (e) {
      setError(e);
      if (e.status === 412) onStale();
    } finally { setBusy(false); }
  }
  return html`<div class="card" role="group" aria-labelledby="close-q" tabindex="-1">
    <p id="close-q">${T('close_confirm')}</p>
    <${ErrorBox} error=${error} />
    <div class="actions">
      <button type="button" class="danger" disabled=${busy} onClick=${close}>${T('close_yes')}</button>
      <button type="button" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </div>`;
}

export async function reopen(rec) {
  return api('PATCH', '/clients/' + rec.data.id, { body: { status: 'active' }, headers: { 'If-Match': rec.etag } });
}
