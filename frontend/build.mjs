// Builds the browser bundles into service/web/static/dist/ (git-ignored; made by `npm run build`).
//
//   form.js  viewer.js  modeler.js  charts.js  form-editor.js   one IIFE per kind of page
//   pages.js                                                     small behaviours of every page (no inline script)
//   app.css                                                      every page's stylesheet
//   fonts/                                                       bpmn-js's icon font, referenced by app.css
//
// CSS framework: Pico CSS rather than Bootstrap 5. @rjsf/core's default theme emits plain semantic
// markup (fieldset/legend/label/input/select) that Pico styles without classes, so the task forms
// need no extra rjsf theme package and no Bootstrap JavaScript; Pico is also ~80 kB instead of
// ~230 kB, mobile-first (the household-visit form is filled in on a phone), and styles the Flask
// templates' plain tables, navs and forms the same way.
//
// Pico follows the OS dark mode unless <html data-theme=...> is set; the plugin below drops that
// @media (prefers-color-scheme: dark) block so pages stay light (diagrams and charts are drawn on
// white) whatever the templates say. <html data-theme="dark"> would still switch explicitly.
//
// Nothing is loaded from a CDN: every file a page needs is in dist/.
import { build } from 'esbuild';
import { mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const outdir = path.join(root, 'service', 'web', 'static', 'dist');
const src = (name) => path.join(here, 'src', name);

/** Remove every `@media ... (prefers-color-scheme:dark) { ... }` block from a stylesheet. */
export function dropAutoDarkMode(css) {
  let out = '';
  let rest = css;
  const pattern = /@media[^{]*prefers-color-scheme\s*:\s*dark[^{]*\{/;
  for (let m = pattern.exec(rest); m; m = pattern.exec(rest)) {
    out += rest.slice(0, m.index);
    let depth = 1;
    let i = m.index + m[0].length;
    while (depth > 0 && i < rest.length) {
      if (rest[i] === '{') depth += 1;
      else if (rest[i] === '}') depth -= 1;
      i += 1;
    }
    rest = rest.slice(i);
  }
  return out + rest;
}

const lightOnlyPico = {
  name: 'light-only-pico',
  setup(b) {
    b.onLoad({ filter: /@picocss[\\/]pico[\\/]css[\\/]pico\.min\.css$/ }, async (args) => {
      const css = dropAutoDarkMode(await readFile(args.path, 'utf8'));
      if (/prefers-color-scheme\s*:\s*dark/.test(css)) throw new Error('Pico dark-mode block not removed');
      return { contents: css, loader: 'css' };
    });
  },
};

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
      pages: src('pages.js'),
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
    plugins: [lightOnlyPico],
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
