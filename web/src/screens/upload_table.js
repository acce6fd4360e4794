// upload_table.js - the rows of a sheet or of a submission as a table: one column per field of the record kind
// (Persian names), each cell with its value and, when the check here or the API refused it, marked with the reason
// beneath; the row's own problems and its status at the end. Shared by the upload and the review screens.
import { html } from '../html.js';
import { strings } from '../i18n.js';
import { digits } from '../format.js';
import { COLUMNS, colLabel } from './upload_columns.js';

const T = strings({
  fa: { row: 'ردیف', status: 'وضعیت', problems: 'ایرادهای ردیف', bad_cell: 'نادرست' },
  en: { row: 'Row', status: 'Status', problems: 'Row problems', bad_cell: 'wrong' },
});

// rows: [{key, n, cells: {field: text}, errors: {field: message}, rowErrors: [message], status: [class, text]}];
// extra: an optional last column {label, render(row)}.
export function RowsTable({ kind, caption, rows, extra }) {
  const cols = COLUMNS[kind];
  return html`<div class="table-wrap rows-table" tabindex="0" role="region" aria-label=${caption}><table>
    <caption><bdi>${caption}</bdi></caption>
    <thead><tr>
      <th scope="col" class="num">${T('row')}</th>
      ${cols.map((c) => html`<th scope="col">${colLabel(c.field)}</th>`)}
      <th scope="col">${T('status')}</th>
      ${extra ? html`<th scope="col">${extra.label}</th>` : null}
    </tr></thead>
    <tbody>${rows.map((r) => html`<tr key=${r.key} class=${r.status[0] === 'bad' ? 'row-bad' : ''}>
      <th scope="row" class="num">${digits(r.n)}</th>
      ${cols.map((c) => {
        const err = r.errors[c.field];
        return html`<td class=${err ? 'cell-bad' : ''}>
          <bdi class="cell-value">${digits(r.cells[c.field] ?? '')}</bdi>
          ${err ? html`<small class="cell-error"><span class="visually-hidden">${T('bad_cell')}: </span>${err}</small>` : null}
        </td>`;
      })}
      <td class=${'status st-' + (r.status[0] || 'none')}>${r.status[1]}
        ${r.rowErrors && r.rowErrors.length ? html`<ul class="row-errors">${r.rowErrors.map((m) => html`<li>${m}</li>`)}</ul>` : null}</td>
      ${extra ? html`<td>${extra.render(r)}</td>` : null}
    </tr>`)}</tbody>
  </table></div>`;
}
