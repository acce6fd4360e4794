// sheet.js - spreadsheets in and out for NGO uploads: a CSV reader (RFC 4180 quotes, UTF-8 BOM, CRLF or LF, comma,
// semicolon or tab as Excel writes them by locale), a CSV writer for the downloadable templates (with a BOM, so
// Excel opens Persian headers as UTF-8), and XLSX through read-excel-file, loaded only when an XLSX is picked.
// parseCsv and toCsv are pure (web/test/upload.test.mjs runs them under node).
import { saveBlob } from './api.js';

// Parses CSV text into rows of cell strings. Quotes may hold separators, doubled quotes and line breaks. Rows that
// are wholly empty are dropped (spreadsheets leave them at the end).
export function parseCsv(text) {
  let s = String(text);
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  const sep = guessSeparator(s);
  const rows = [];
  let row = [], cell = '', i = 0, quoted = false;
  const endCell = () => { row.push(cell); cell = ''; };
  const endRow = () => { endCell(); if (row.some((c) => c.trim() !== '')) rows.push(row); row = []; };
  while (i < s.length) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"') {
        if (s[i + 1] === '"') { cell += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      cell += ch; i++; continue;
    }
    if (ch === '"' && cell === '') { quoted = true; i++; continue; }
    if (ch === sep) { endCell(); i++; continue; }
    if (ch === '\r') { endRow(); i += s[i + 1] === '\n' ? 2 : 1; continue; }
    if (ch === '\n') { endRow(); i++; continue; }
    cell += ch; i++;
  }
  if (cell !== '' || row.length) endRow();
  return rows;
}

// The separator of the header line: the one of , ; tab found most often outside quotes.
function guessSeparator(s) {
  const line = s.split(/\r?\n/, 1)[0].replace(/"[^"]*"/g, '');
  let best = ',', n = 0;
  for (const c of [',', ';', '\t']) {
    const k = line.split(c).length - 1;
    if (k > n) { best = c; n = k; }
  }
  return best;
}

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

// Rows of values -> CSV text with a BOM and CRLF line ends (what Excel expects).
export function toCsv(rows) {
  return '\ufeff' + rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

// Reads the first sheet of an XLSX file into rows of cell strings (dates as the sheet shows them are left to the
// caller: read-excel-file gives Date objects for date cells, turned here into ISO yyyy-mm-dd).
export async function readXlsx(file) {
  const { readSheet: readFirstSheet } = await import('read-excel-file/browser');
  const rows = await readFirstSheet(file);
  return rows.map((r) => r.map(xlsxCell)).filter((r) => r.some((c) => c.trim() !== ''));
}

function xlsxCell(v) {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    const p = (n) => String(n).padStart(2, '0');
    return `${v.getUTCFullYear()}-${p(v.getUTCMonth() + 1)}-${p(v.getUTCDate())}`;
  }
  return String(v);
}

// A picked file -> rows, by its name (or its first bytes: an XLSX is a zip, "PK").
export async function readSheet(file) {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (/\.xlsx$/i.test(file.name) || (head[0] === 0x50 && head[1] === 0x4b)) return { kind: 'xlsx', rows: await readXlsx(file) };
  return { kind: 'csv', rows: parseCsv(await file.text()) };
}

// Offers rows as a CSV file the browser downloads (through api.js's saveBlob, the console's one download helper).
export function downloadCsv(rows, filename) {
  saveBlob(new Blob([toCsv(rows)], { type: 'text/csv;charset=utf-8' }), filename);
}
