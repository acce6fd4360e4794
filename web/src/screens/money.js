// money.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function Money() { return html`<${Page} title="Money"><p>…</p><//>`; }
export function LoanPage() { return html`<${Page} title="LoanPage"><p>…</p><//>`; }
