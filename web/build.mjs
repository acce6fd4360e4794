// build.mjs - bundles the console for registryd: `node build.mjs OUTDIR`.
// Writes OUTDIR/assets/* (content-hashed names, served with Cache-Control: immutable) and OUTDIR/shell.html (the one
// page every /console/... path answers, served with no-store). CMake then compiles OUTDIR into registryd
// (tools/embedgen.c). The working directory is pinned to this folder so the hashes do not depend on the build dir.
// The API reference (/api/v1/docs, src/docs/) is a build of its own: nothing of it loads with the console, and its
// page is an asset too (docs-HASH.html), which registryd finds at start and serves at /api/v1/docs.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, 'dist'));
const assets = join(out, 'assets');
rmSync(out, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });

// What both builds share: hashed names under /console/assets, modern browsers, minified, no source maps
const common = {
  absWorkingDir: here,
  bundle: true,
  format: 'esm',
  target: ['chrome109', 'firefox115'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  publicPath: '/console/assets',
  metafile: true,
  logLevel: 'warning',
};
// the file of an entry point among a build's outputs, as the browser asks for it
const outputOf = (build, entry) => {
  for (const [file, o] of Object.entries(build.metafile.outputs))
    if (o.entryPoint === entry) return '/console/assets/' + basename(file);
  throw new Error('no output for ' + entry);
};

const result = await esbuild.build({
  ...common,
  entryPoints: ['src/main.js', 'src/styles.css'],
  splitting: true,            // the spreadsheet reader is a chunk of its own, loaded only by the upload screen
  chunkNames: 'chunk-[hash]',
  loader: { '.woff2': 'file', '.svg': 'file' },
});

const outputs = result.metafile.outputs;
const find = (entry) => outputOf(result, entry);
const fonts = Object.keys(outputs).filter((f) => f.endsWith('.woff2') && /(arabic|latin)-400/.test(f));

// The shell: no inline script or style (the Content-Security-Policy forbids both). registryd replaces
// @IDLE_SECONDS@ once at start with its configured idle sign-out (REGISTRY_CONSOLE_IDLE_TIMEOUT).
const shell = `<!doctype html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="registry-idle-seconds" content="@IDLE_SECONDS@">
<title>سامانهٔ ثبت بهزیستی</title>
<link rel="icon" href="data:,">
${fonts.map((f) => `<link rel="preload" href="/console/assets/${basename(f)}" as="font" type="font/woff2" crossorigin>`).join('\n')}
<link rel="stylesheet" href="${find('src/styles.css')}">
<script type="module" src="${find('src/main.js')}"></script>
</head>
<body>
<div id="app"><noscript>این سامانه برای کار به جاوااسکریپت نیاز دارد.</noscript></div>
</body>
</html>
`;
writeFileSync(join(out, 'shell.html'), shell);
const total = Object.values(outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`console: ${Object.keys(outputs).length} assets, ${total} bytes before compression -> ${out}`);

// The API reference: its own script and style sheet (no splitting, so it shares no chunk with the console) and its
// page. English, left to right: it is for integrators; the Persian it shows is marked where it shows.
const docs = await esbuild.build({
  ...common,
  entryPoints: [{ in: 'src/docs/main.js', out: 'docs' }, { in: 'src/docs/docs.css', out: 'docs' }],
  loader: { '.woff2': 'file' },    // the font: the same name and bytes as the console's copy
});
const docsFind = (entry) => outputOf(docs, entry);
const docsPage = `<!doctype html>
<html lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API reference</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${docsFind('src/docs/docs.css')}">
<script type="module" src="${docsFind('src/docs/main.js')}"></script>
</head>
<body>
<div id="app" aria-busy="true"><p>Reading the API description…</p>
<noscript><p>This page needs JavaScript to show the reference; the description itself is
<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p></noscript></div>
</body>
</html>
`;
// named by its content like the rest, so the name changes whenever the page does
const docsHash = createHash('sha256').update(docsPage).digest('hex').slice(0, 8).toUpperCase();
writeFileSync(join(assets, `docs-${docsHash}.html`), docsPage);
const docsBytes = Object.values(docs.metafile.outputs).reduce((n, o) => n + o.bytes, 0) + docsPage.length;
console.log(`api reference: ${Object.keys(docs.metafile.outputs).length + 1} assets, ${docsBytes} bytes before compression`);
