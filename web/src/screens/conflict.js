// conflict.js - when a save answers 412 (someone else changed the record since it was read), the screen says so and
// shows the versions field by field (as the person opened it, theirs, the one in the registry now), instead of
// overwriting: the person then saves their changes over the new version, or drops them and takes the other.
// Every screen that edits with If-Match (centers, staff, clients) shows this one view.
import { html } from '../html.js';
import { strings } from '../i18n.js';
import { ErrorBox } from '../ui.js';

const T = strings({
  fa: {
    title: 'کس دیگری این پرونده را در این فاصله تغییر داده است',
    explain: 'تغییر شما ذخیره نشد. دو نسخه را ببینید و یکی را برگزینید.',
    field: 'خانه', opened: 'هنگام باز کردن', mine: 'نسخهٔ شما', theirs: 'نسخهٔ کنونی در سامانه',
    what: 'چه شد', caption: 'دو نسخهٔ پرونده',
    changed_you: 'شما تغییر دادید', changed_them: 'دیگری تغییر داد', changed_both: 'هر دو تغییر دادید', same: 'یکسان',
    keep_mine: 'ذخیرهٔ نسخهٔ من روی نسخهٔ تازه', take_theirs: 'کنار گذاشتن تغییر من',
  },
  en: {
    title: 'Someone else changed this record meanwhile',
    explain: 'Your change was not saved. Compare the two versions and choose one.',
    field: 'Field', opened: 'When you opened it', mine: 'Your version', theirs: 'Current version',
    what: 'What happened', caption: 'The two versions',
    changed_you: 'You changed it', changed_them: 'They changed it', changed_both: 'Both changed it', same: 'same',
    keep_mine: 'Save mine over the new version', take_theirs: 'Drop my change',
  },
});

const asJson = (k, a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

// fields: [[key, label, show(value)]]; base: the record as the person read it; mine: the values they tried to save
// (the fields they changed); theirs: the record now. The rows: every field either side changed (every field when
// `every`). Optional: same(key, a, b) compares two values of a field (default: equal as JSON); text: the screen's own
// words for any of title, intro, caption, keep_mine, take_theirs, note (a paragraph above the buttons); error: what
// went wrong with the last choice, shown above the buttons.
export function ConflictView({ fields, base, mine, theirs, onKeepMine, onTakeTheirs, busy, same = asJson, every = false,
  text = {}, error = null }) {
  const say = (k) => text[k] ?? T(k === 'intro' ? 'explain' : k);
  const rows = fields.map(([k, label, show]) => {
    const you = k in mine, them = !same(k, base[k], theirs[k]);
    const yours = you ? mine[k] : base[k];
    return { k, label, show, you, them, yours, both: you && them && !same(k, yours, theirs[k]) };
  }).filter((r) => every || r.you || r.them);
  const what = (r) => T(r.both ? 'changed_both' : r.you ? 'changed_you' : r.them ? 'changed_them' : 'same');
  const cell = (r, v) => html`<bdi>${r.show(v)}</bdi>`;
  return html`<section class="conflict card" aria-labelledby="conflict-h">
    <h2 id="conflict-h">${say('title')}</h2>
    <div class="notice warn" role="alert">${say('intro')}</div>
    <div class="table-wrap" tabindex="0" role="region" aria-label=${say('caption')}><table>
      <caption>${say('caption')}</caption>
      <thead><tr><th scope="col">${T('field')}</th><th scope="col">${T('opened')}</th><th scope="col">${T('mine')}</th>
        <th scope="col">${T('theirs')}</th><th scope="col">${T('what')}</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr key=${r.k} class=${r.both ? 'diff both' : r.you || r.them ? 'diff' : ''}>
        <th scope="row">${r.label}</th>
        <td>${cell(r, base[r.k])}</td>
        <td class=${r.you ? 'changed' : ''}>${cell(r, r.yours)}</td>
        <td class=${r.them ? 'changed' : ''}>${cell(r, theirs[r.k])}</td>
        <td>${what(r)}</td></tr>`)}</tbody>
    </table></div>
    ${text.note ? html`<p class="hint">${text.note}</p>` : null}
    <${ErrorBox} error=${error} />
    <div class="actions">
      <button type="button" class="primary" disabled=${busy} onClick=${onKeepMine}>${say('keep_mine')}</button>
      <button type="button" disabled=${busy} onClick=${onTakeTheirs}>${say('take_theirs')}</button>
    </div>
  </section>`;
}
