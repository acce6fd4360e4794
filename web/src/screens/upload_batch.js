// upload_batch.js - sends a batch of records as one submission, never twice: each batch gets one Idempotency-Key,
// kept in sessionStorage under the hash of the exact body before the request leaves, and reused for that body after
// a double click, a reload or a lost connection (the API answers the same key and body with the first reply and
// creates nothing). A key whose reply arrived is kept too: sending the same batch again in this tab replays that
// reply instead of making a second submission.
import { api } from '../api.js';

const STORE = 'registry.submission_batches';
const KEEP_MS = 24 * 3600 * 1000;

function load() {
  try {
    const all = JSON.parse(sessionStorage.getItem(STORE) || '{}');
    const now = Date.now();
    for (const [h, e] of Object.entries(all)) if (!e || now - e.at > KEEP_MS) delete all[h];
    return all;
  } catch {
    return {};
  }
}

function save(all) {
  try { sessionStorage.setItem(STORE, JSON.stringify(all)); } catch { /* storage full or off: the key lives in memory */ }
}

const memory = {};      // when sessionStorage refuses, the keys of this page's life

function entry(hash) { return load()[hash] || memory[hash]; }

function put(hash, e) {
  memory[hash] = e;
  const all = load();
  all[hash] = e;
  save(all);
}

function forget(hash) {
  delete memory[hash];
  const all = load();
  delete all[hash];
  save(all);
}

export async function sha256Hex(text) {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Batches whose request left but whose reply never came (a reload or a lost connection in between): picking the
// same file again sends them with their key, and the API answers without making them twice.
export function unfinishedBatches() {
  return Object.values(load()).filter((e) => e.status === 'sending').length;
}

// body: {records, center_id?}. Resolves to {reply, replayed} (replayed: this tab had sent it already and got its
// reply); rejects with the ApiError. A reply that says the request was refused (4xx) frees the key: nothing was
// stored. No reply (network) or a server error keeps it, so the retry is the same request. fresh: the person asked
// for the same rows to go again as a new submission: the batch's old key is dropped and a new one made.
export async function sendBatch(body, { fresh = false } = {}) {
  const text = JSON.stringify(body);
  const hash = await sha256Hex(text);
  if (fresh) forget(hash);
  let e = entry(hash);
  const replayed = !!(e && e.status === 'done');
  if (!e) {
    e = { key: crypto.randomUUID(), status: 'sending', at: Date.now() };
    put(hash, e);
  }
  try {
    const r = await api('POST', '/submissions', { body, headers: { 'Idempotency-Key': e.key } });
    put(hash, { ...e, status: 'done', id: r.data.id, at: Date.now() });
    return { reply: r.data, replayed };
  } catch (err) {
    if (err.status >= 400 && err.status < 500 && err.status !== 408) forget(hash);
    throw err;
  }
}
