// users.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function Users() { return html`<${Page} title="Users"><p>…</p><//>`; }
export function Password() { return html`<${Page} title="Password"><p>…</p><//>`; }
