// readme_screenshots.mjs - the README's pictures of the console, made from the real thing (not a test):
//
//   REGISTRY_BIN_DIR=$PWD/../../build/bin node readme_screenshots.mjs [OUT_DIR]   (default: docs/screenshots)
//
// Starts its own stack with the demo data (stack.py), signs in as demo.national in Chromium at 1280 px and saves
// dashboard.png (the summary of the current fiscal year) and client.png (the first client of the clients list).
import path from 'node:path';
import fs from 'node:fs';
import { launchBrowser, newPage, signIn, startStack, sourceDir, until } from './lib.mjs';

const out = path.resolve(process.argv[2] || path.join(sourceDir, 'docs', 'screenshots'));
fs.mkdirSync(out, { recursive: true });
const stack = await startStack();
const browser = await launchBrowser(stack, 'chromium');
try {
  const page = await newPage(browser);
  await page.setViewport({ width: 1280, height: 900 });
  await signIn(page, stack, 'demo.national');
  await page.goto(`${stack.base_url}/console/`, { waitUntil: 'load' });
  await until(() => page.evaluate(() => document.querySelectorAll('main table tbody tr').length > 3), 'the summary table');
  await page.screenshot({ path: path.join(out, 'dashboard.png') });
  await page.goto(`${stack.base_url}/console/clients`, { waitUntil: 'load' });
  const href = await until(() => page.evaluate(() => {
    const a = [...document.querySelectorAll('main a[href^="/console/clients/"]')].find((x) => /\/\d+$/.test(x.getAttribute('href')));
    return a && a.getAttribute('href');
  }), 'a client in the list');
  await page.goto(`${stack.base_url}${href}`, { waitUntil: 'load' });
  await until(() => page.evaluate(() => document.querySelectorAll('main table').length >= 2), 'the client file');
  await new Promise((r) => setTimeout(r, 500));     // the last sections' loads (a picture, not a test)
  await page.screenshot({ path: path.join(out, 'client.png') });
  console.log(`saved ${path.join(out, 'dashboard.png')} and ${path.join(out, 'client.png')}`);
} finally {
  await browser.close();
  await stack.stop();
}
