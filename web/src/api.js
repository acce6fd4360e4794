// api.js - the console's only way to the registry: the public API, with the session cookie (never a token in
// script reach). Errors come back as ApiError carrying the problem document and its field errors.
import { lang } from './i18n.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
    this.status = status;                         // 0: the network failed
    this.problem = problem || null;
    this.fields = {};                             // field -> message (Persian: the request asks for it)
    for (const e of (problem && problem.errors) || []) {
      const f = e.field || '';
      this.fields[f] = this.fields[f] ? this.fields[f] + ' ' + e.message : e.message;
    }
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(f) { onUnauthorized = f; }

function url(path, query) {
  let u = path.startsWith('/api/') ? path : '/api/v1' + path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query))
      if (v !== undefined && v !== null && v !== '') q.set(k, v);
    const s = q.toString();
    if (s) u += (u.includes('?') ? '&' : '?') + s;
  }
  return u;
}

// api('GET', '/clients/12') -> {status, data, etag, headers}. Options: body (JSON), query (object), headers,
// accept (default JSON), blob (answer as a Blob), quiet401 (do not end the session on 401: the sign-in form).
export async function api(method, path, opts = {}) {
  const headers = { Accept: opts.accept || 'application/json', 'Accept-Language': lang.get() === 'fa' ? 'fa' : 'en' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  Object.assign(headers, opts.headers || {});
  let res;
  try {
    res = await fetch(url(path, opts.query), {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    });
  } catch (e) {
    throw new ApiError(0, null);
  }
  if (res.status === 401 && !opts.quiet401) onUnauthorized();
  if (!res.ok) {
    let problem = null;
    try { problem = await res.json(); } catch { /* not JSON: keep the status alone */ }
    throw new ApiError(res.status, problem);
  }
  let data = null;
  if (opts.blob) data = await res.blob();
  else if (res.status !== 204) {
    const text = await res.text();
    data = text ? JSON.parse(text) : null;
  }
  return { status: res.status, data, etag: res.headers.get('ETag'), headers: res.headers };
}

export const get = (path, query, opts) => api('GET', path, { ...opts, query });

// Saves what the API answers (a CSV export of the current filter, say) as a file the browser downloads.
export async function download(path, query, accept, filename) {
  const r = await api('GET', path, { query, accept, blob: true });
  saveBlob(r.data, filename);
}

// Hands a Blob made in the page (an export joined from several pages, say) to the browser as a download.
export function saveBlob(blob, filename) {
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}
