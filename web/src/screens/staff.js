// staff.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function StaffList() { return html`<${Page} title="StaffList"><p>…</p><//>`; }
export function StaffPage() { return html`<${Page} title="StaffPage"><p>…</p><//>`; }
