// html.js - htm bound to preact: templates are parsed into elements, so data is always text, never markup.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
