// client_edit.js - editing a client with If-Match. Only the fields the person changed are sent, with the version
// the form was opened on; when someone else saved first (412) the page fetches the current version and shows both,
// field by field, and the person chooses: apply their changes on top of the current version, or drop them. Nothing
// is ever overwritten without that choice.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { api } from '../api.js';
import { digits } from '../format.js';
import { ErrorBox } from '../ui.js';
import { t } from '../i18n.js';
import { T } from './client_text.js';
import { fieldText } from './client_ref.js';
import { ClientFields, EDIT_FIELDS, formOf, valuesOf, changedFields, formErrors, sameValue } from './client_form.js';
import { ConflictView } from './conflict.js';

// The rows of the conflict view: every field the form edits, and the two that change elsewhere (transfer, close).
const CONFLICT_FIELDS = [...EDIT_FIELDS, 'county_id', 'status'];
const fieldLabel = (k) => T(k === 'center_id' ? 'center' : k === 'county_id' ? 'county' : k);

// rec: {data, etag} as loaded; onSaved(rec, message) with the record as it now is; onCancel().
export function ClientEdit({ rec, places, centers, onSaved, onCancel }) {
  const [base, setBase] = useState(rec);           // the version the form's changes are made against
  const [form, setForm] = useState(() => formOf(rec.data));
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [conflict, setConflict] = useState(null);   // {mine: body, theirs: {data, etag}}
  const path = '/clients/' + rec.data.id;

  async function send(body, etag, against) {
    setBusy(true);
    setError(null);
    try {
      const r = await api('PATCH', path, { body, headers: { 'If-Match': etag } });
      onSaved(r, T('saved'));
    } catch (e) {
      if (e.status === 412) {
        try {
          const cur = await api('GET', path);
          setConflict({ mine: body, theirs: cur, opened: against });
        } catch (e2) { setError(e2); }
      } else if (e.status === 422) {
        // back to the form, the person's changes laid over the version they were sent against
        setConflict(null);
        setBase(against);
        setForm(formOf({ ...against.data, ...body }));
        setErrors(formErrors(e.fields));
        setError(e);
      } else setError(e);
    } finally {
      setBusy(false);
    }
  }

  function save(e) {
    e.preventDefault();
    setMessage('');
    const { values, errors: errs } = valuesOf(form, false);
    setErrors(errs);
    if (Object.keys(errs).length) { setMessage(T('form_errors')); return; }
    const body = changedFields(values, base.data);
    if (!Object.keys(body).length) { setMessage(T('no_changes')); return; }
    send(body, base.etag, base);
  }

  if (conflict)
    return html`<${ConflictView} fields=${CONFLICT_FIELDS.map((k) => [k, fieldLabel(k), (v) => fieldText(k, v, places)])}
      base=${conflict.opened.data} mine=${conflict.mine} theirs=${conflict.theirs.data} same=${sameValue} every=${true}
      text=${{ title: T('conflict_title'), intro: T('conflict_intro', { theirs: digits(conflict.theirs.data.version) }),
        caption: T('conflict_caption'), keep_mine: T('reapply'), take_theirs: T('discard'), note: T('reapply_note') }}
      busy=${busy} error=${error}
      onKeepMine=${() => send(conflict.mine, conflict.theirs.etag, conflict.theirs)}
      onTakeTheirs=${() => onSaved(conflict.theirs, '')} />`;

  return html`<form class="card" onSubmit=${save} novalidate aria-labelledby="client-edit-h">
    <h2 id="client-edit-h">${T('edit')}</h2>
    <${ClientFields} form=${form} setForm=${setForm} errors=${errors} centers=${centers} />
    ${message ? html`<div class="notice warn" role="alert">${message}</div>` : null}
    ${error && error.status !== 422 ? html`<${ErrorBox} error=${error} />` : null}
    ${error && error.status === 422 ? html`<div class="notice error" role="alert">${T('form_errors')}
      ${error.fields[''] ? html` <span>${error.fields['']}</span>` : null}</div>` : null}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('save')}</button>
      <button type="button" onClick=${onCancel}>${t('cancel')}</button>
    </div>
  </form>`;
}
