// upload.js - PLACEHOLDER: replaced by the screen's real implementation before issue 15 closes.
import { html } from '../html.js';
import { Page } from '../ui.js';
export function Upload() { return html`<${Page} title="Upload"><p>…</p><//>`; }
