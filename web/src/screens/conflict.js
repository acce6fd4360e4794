// conflict.js - when a save answers 412 (someone else changed the record since it was read), the screen says so and
// shows both versions field by field, instead of overwriting: the person then saves theirs over the new version, or
// drops their change and takes the other.
import { html } from '../html.js';
import { strings } from '../i18n.js';

const T = strings({
  fa: {
    title: 'کس دیگری این پرونده را در این فاصله تغییر داده است',
    explain: 'تغییر شما ذخیره نشد. دو نسخه را ببینید و یکی را برگزینید.',
    field: 'خانه', mine: 'نسخهٔ شما', theirs: 'نسخهٔ کنونی در سامانه', caption: 'دو نسخهٔ پرونده',
    keep_mine: 'ذخیرهٔ نسخهٔ من روی نسخهٔ تازه', take_theirs: 'کنار گذاشتن تغییر من',
    same: 'یکسان',
  },
  en: {
    title: 'Someone else changed this record meanwhile',
    explain: 'Your change was not saved. Compare the two versions and choose one.',
    field: 'Field', mine: 'Your version', theirs: 'Current version', caption: 'The two versions',
    keep_mine: 'Save mine over the new version', take_theirs: 'Drop my change',
    same: 'same',
  },
});

// fields: [[key, label, show(value)]]; base: the record as the person read it; mine: the values they tried to save;
// theirs: the record now. The rows: every field either side changed.
export function ConflictView({ fields, base, mine, theirs, onKeepMine, onTakeTheirs, busy }) {
  const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  const rows = fields.filter(([k]) => k in mine || !same(base[k], theirs[k]));
  mine = Object.fromEntries(rows.map(([k]) => [k, k in mine ? mine[k] : base[k]]));
  const differs = (k) => !same(mine[k], theirs[k]);
  return html`<div class="conflict card" role="alert">
    <h2>${T('title')}</h2>
    <p>${T('explain')}</p>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${T('caption')}><table>
      <caption>${T('caption')}</caption>
      <thead><tr><th scope="col">${T('field')}</th><th scope="col">${T('mine')}</th><th scope="col">${T('theirs')}</th></tr></thead>
      <tbody>${rows.map(([k, label, show]) => html`<tr key=${k} class=${differs(k) ? 'bad' : ''}>
        <th scope="row">${label}</th>
        <td><bdi>${show(mine[k])}</bdi></td>
        <td><bdi>${show(theirs[k])}</bdi>${differs(k) ? null : html` <small class="hint">(${T('same')})</small>`}</td>
      </tr>`)}</tbody>
    </table></div>
    <div class="actions">
      <button type="button" class="primary" disabled=${busy} onClick=${onKeepMine}>${T('keep_mine')}</button>
      <button type="button" disabled=${busy} onClick=${onTakeTheirs}>${T('take_theirs')}</button>
    </div>
  </div>`;
}
