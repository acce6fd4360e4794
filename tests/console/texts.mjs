// texts.mjs - the console's own Persian texts, read from web/src/i18n.js, so a test looks for exactly what a person
// is shown (and fails if the console shows something else), without copying the texts here.
import * as i18n from '../../web/src/i18n.js';

const table = i18n.fa ?? i18n.messages?.fa ?? i18n.default?.fa;
if (!table || typeof table !== 'object') throw new Error('web/src/i18n.js exports no Persian text table (fa)');

/** The Persian text for key ('login.failed', or a nested path of the table); throws if the console has no such text,
 *  so a renamed key fails the test instead of matching nothing. */
export function t(key) {
  const v = key in table ? table[key] : key.split('.').reduce((o, k) => (o == null ? o : o[k]), table);
  if (typeof v !== 'string' || !v) throw new Error(`web/src/i18n.js has no Persian text "${key}"`);
  return v;
}
