import { html } from './html.js';
export function App() { return html`<main><h1>سامانهٔ ثبت</h1></main>`; }
