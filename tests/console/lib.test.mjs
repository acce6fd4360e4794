// The helpers of lib.mjs check what they claim, on pages made here (no registry needed): axeCheck fails on a page
// with serious violations, problems() sees a script's error, the text helpers read what is shown and nothing hidden.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  axeCheck, latinDigits, launchBrowser, newPage, numbersIn, problems, tableTexts, until, visibleText, waitForText,
} from './lib.mjs';

let browser;
before(async () => { browser = await launchBrowser({ spki_sha256: '' }, 'chromium'); }, { timeout: 60_000 });
after(async () => { await browser?.close(); });

async function pageWith(body, { lang = 'fa', dir = 'rtl', title = 'آزمایش' } = {}) {
  const page = await newPage(browser);
  await page.setContent(`<!doctype html><html lang="${lang}" dir="${dir}"><head><title>${title}</title></head>` +
                        `<body>${body}</body></html>`);
  return page;
}

test('until() resolves to the first truthy value and names what it waited for when it gives up', async () => {
  let n = 0;
  assert.equal(await until(() => (++n >= 3 ? 'ready' : 0), 'the third call', { every: 1 }), 'ready');
  assert.equal(n, 3);
  await assert.rejects(until(async () => false, 'never', { timeout: 20, every: 5 }),
                       /never: not within 20 ms \(last: false\)/);
});

test('Persian and Arabic-Indic digits read as numbers', () => {
  assert.equal(latinDigits('۱۲٬۳۴۵٫۵ ریال و ٦٧'), '12,345.5 ریال و 67');
  assert.deepEqual(numbersIn('۴۸ مددجو در ۸ مرکز؛ ۱۲٬۰۰۰٬۰۰۰ ریال'), [48, 8, 12000000]);
  assert.deepEqual(numbersIn('هیچ'), []);
});

test('visibleText and tableTexts read what is shown, not what is hidden', { timeout: 30_000 }, async () => {
  const page = await pageWith(`<header>سرصفحه</header><main><h1>مددجویان</h1><p hidden>پنهان</p>
    <table><thead><tr><th>نام</th><th>سن</th></tr></thead>
    <tbody><tr><td>مریم   رضایی</td><td>۳۴</td></tr><tr><td>علی محمدی</td><td><span style="display:none">۹۹</span>۵۱</td></tr></tbody>
    </table></main>`);
  try {
    const text = await visibleText(page);
    assert.ok(text.startsWith('مددجویان'), text);
    assert.ok(!text.includes('پنهان') && !text.includes('سرصفحه'), text);
    assert.deepEqual(await tableTexts(page), [['نام', 'سن'], ['مریم رضایی', '۳۴'], ['علی محمدی', '۵۱']]);
    assert.equal(await tableTexts(page, 'main table.none'), null);
    await page.evaluate(() => setTimeout(() => { document.querySelector('h1').textContent = 'مراکز'; }, 100));
    assert.match(await waitForText(page, 'مراکز', { selector: 'main' }), /^مراکز/);
    await assert.rejects(waitForText(page, 'هرگز', { timeout: 300 }), /هرگز did not appear in body/);
  } finally {
    await page.closeContext();
  }
});

test('axeCheck fails on serious violations and passes a clean page', { timeout: 60_000 }, async () => {
  const bad = await pageWith('<main><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></main>');
  try {
    await assert.rejects(axeCheck(bad, 'the bad page'), (e) => {
      assert.match(e.message, /serious or critical violations on the bad page/);
      assert.match(e.message, /image-alt \(critical\)/);
      assert.match(e.message, /button-name \(critical\)/);
      return true;
    });
  } finally {
    await bad.closeContext();
  }
  const good = await pageWith('<main><h1>پیشخوان</h1><button type="button">خروج</button></main>');
  try {
    await axeCheck(good, 'the clean page');
  } finally {
    await good.closeContext();
  }
});

test('problems() reports a script error and a console error', { timeout: 30_000 }, async () => {
  const page = await pageWith('<main><h1>خطا</h1></main>');
  try {
    assert.deepEqual(problems(page), []);
    await page.evaluate(() => { console.error('boom'); setTimeout(() => { throw new Error('kaput'); }, 0); });
    // both reach Node as events of their own: wait for them to arrive, not for a guessed time
    const seen = await until(() => { const p = problems(page); return p.length >= 2 && p; }, 'both problems');
    assert.ok(seen.some((p) => p === 'console: boom'), seen.join('\n'));
    assert.ok(seen.some((p) => p.startsWith('exception:') && p.includes('kaput')), seen.join('\n'));
  } finally {
    await page.closeContext();
  }
});
