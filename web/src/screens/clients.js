// clients.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function ClientList() { return html`<${Page} title="ClientList"><p>…</p><//>`; }
