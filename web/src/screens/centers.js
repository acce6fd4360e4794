// centers.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function CenterList() { return html`<${Page} title="CenterList"><p>…</p><//>`; }
export function CenterPage() { return html`<${Page} title="CenterPage"><p>…</p><//>`; }
