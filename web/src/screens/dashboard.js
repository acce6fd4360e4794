// dashboard.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function Dashboard() { return html`<${Page} title="Dashboard"><p>…</p><//>`; }
export function SummaryReport() { return html`<${Page} title="SummaryReport"><p>…</p><//>`; }
