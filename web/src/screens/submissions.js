// submissions.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function SubmissionList() { return html`<${Page} title="SubmissionList"><p>…</p><//>`; }
export function SubmissionPage() { return html`<${Page} title="SubmissionPage"><p>…</p><//>`; }
