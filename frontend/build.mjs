// Builds the browser bundles into service/web/static/dist/ (git-ignored; made by `npm run build`).
//
//   form.js  viewer.js  modeler.js  charts.js  form-editor.js   one IIFE per kind of page
//   app.css                                                      every page's stylesheet
//   fonts/                                                       bpmn-js's icon font, referenced by app.css
//
// CSS framework: Pico CSS rather than Bootstrap 5. @rjsf/core's default theme emits plain semantic
// markup (fieldset/legend/label/input/select) that Pico styles without classes, so the task forms
// need no extra rjsf theme package and no Bootstrap JavaScript; Pico is also ~80 kB instead of
// ~230 kB, mobile-first (the household-visit form is filled in on a phone), and styles the Flask
// templates' plain tables, navs and forms the same way.
//
// Nothing is loaded from a CDN: every file a page needs is in dist/.
import { build } from 'esbuild';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const outdir = path.join(root, 'service', 'web', 'static', 'dist');
const src = (name) => path.join(here, 'src', name);

const started = Date.now();
await rm(outdir, { recursive: true, force: true });
await mkdir(outdir, { recursive: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: false,
  target: 'es2020',
  outdir,
  logLevel: 'warning',
  legalComments: 'eof',
};

await Promise.all([
  build({
    ...common,
    entryPoints: {
      form: src('form.jsx'),
      viewer: src('viewer.js'),
      modeler: src('modeler.js'),
      charts: src('charts.js'),
      'form-editor': src('form-editor.jsx'),
    },
    format: 'iife',
    platform: 'browser',
    jsx: 'automatic',
    loader: { '.js': 'jsx' },
    define: { 'process.env.NODE_ENV': '"production"' },
  }),
  build({
    ...common,
    entryPoints: { app: src('app.css') },
    loader: { '.woff2': 'file', '.woff': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
    assetNames: 'fonts/[name]-[hash]',
  }),
]);

const files = [];
for (const entry of await readdir(outdir, { recursive: true })) {
  const full = path.join(outdir, entry);
  if ((await stat(full)).isFile()) files.push([entry, (await stat(full)).size]);
}
files.sort();
for (const [name, size] of files) console.log(`  ${name.padEnd(34)} ${(size / 1024).toFixed(1).padStart(8)} kB`);
console.log(`built ${path.relative(root, outdir)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
