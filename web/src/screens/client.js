// client.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function ClientPage() { return html`<${Page} title="ClientPage"><p>…</p><//>`; }
export function ClientCreate() { return html`<${Page} title="ClientCreate"><p>…</p><//>`; }
