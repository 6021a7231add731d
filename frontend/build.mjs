// Builds the browser bundles into service/web/static/dist/ (git-ignored; made by `npm run build`).
//
//   form  viewer  modeler  charts  form-editor   one ES module entry per kind of page
//   pages                                        small behaviours of every page (no inline script)
//   chunks/                                      code two or more entries share (React, rjsf, ajv, bpmn-js ...)
//   app.css                                      every page's stylesheet
//   fonts/                                       bpmn-js's icon font, referenced by app.css
//   manifest.json                                "form.js" -> "form-HASH.js", ... and each entry's chunks
//                                                (read by the service's asset_url)
//
// Every file but the manifest is named by its content's hash, so the service serves them as immutable
// and a browser never keeps a stale bundle after an upgrade: changed code gets a new name, unchanged
// code (a shared React chunk, say) keeps its name and stays cached. The entries are ES modules
// (<script type="module">) because esbuild splits shared code into chunks only for that format.
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
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
export const DIST = path.join(root, 'service', 'web', 'static', 'dist');
// Libraries kept in chunks of their own, so that a change to the pages' own code leaves their names (and
// the browsers' cached copies) alone. esbuild splits code by the set of entries reaching it, so each group
// is made an extra entry of its own; the pages never load these entries, only the chunks they give rise to.
const VENDOR = {
  'vendor-react': ['react', 'react-dom/client'],
  'vendor-rjsf': ['@rjsf/core', '@rjsf/utils'],
  'vendor-ajv': ['@rjsf/validator-ajv8'],
  'vendor-bpmn': ['bpmn-js/lib/NavigatedViewer'],
};
const vendorEntries = {
  name: 'vendor-entries',
  setup(b) {
    b.onResolve({ filter: /^vendor:/ }, (args) => ({ path: args.path.slice('vendor:'.length), namespace: 'vendor' }));
    b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => ({
      contents: VENDOR[args.path].map((lib) => `export * from ${JSON.stringify(lib)};`).join('\n'),
      resolveDir: root,
      loader: 'js',
    }));
  },
};
const ENTRIES = { form: 'form.jsx', viewer: 'viewer.js', modeler: 'modeler.js', charts: 'charts.js',
  'form-editor': 'form-editor.jsx', pages: 'pages.js' };

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

/**
 * Build every bundle from `srcdir` into `outdir` (emptied first) and write its manifest.json.
 * Returns the manifest: {"files": {"form.js": "form-HASH.js", "app.css": "app-HASH.css", ...},
 * "imports": {"form.js": ["chunks/chunk-HASH.js", ...], ...}}, the chunks each entry loads (a page
 * preloads them rather than discovering them one import at a time).
 */
export async function buildBundles({ srcdir = path.join(here, 'src'), outdir = DIST } = {}) {
  const src = (name) => path.join(srcdir, name);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const common = {
    absWorkingDir: root,
    nodePaths: [path.join(root, 'node_modules')], // a source tree copied elsewhere (the naming test) still finds them
    bundle: true,
    minify: true,
    sourcemap: false,
    target: 'es2020',
    outdir,
    logLevel: 'warning',
    legalComments: 'eof',
    metafile: true,
    entryNames: '[name]-[hash]',
    assetNames: 'fonts/[name]-[hash]',
  };
  const [scripts, styles] = await Promise.all([
    build({
      ...common,
      entryPoints: {
        ...Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, src(file)])),
        ...Object.fromEntries(Object.keys(VENDOR).map((name) => [name, `vendor:${name}`])),
      },
      plugins: [vendorEntries],
      format: 'esm',
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
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
    }),
  ]);
  const manifest = { files: {}, imports: {} };
  const outputs = { ...scripts.metafile.outputs, ...styles.metafile.outputs };
  const relative = (file) => path.relative(outdir, path.resolve(root, file)).split(path.sep).join('/');
  for (const [file, output] of Object.entries(outputs)) {
    if (!output.entryPoint || output.entryPoint.startsWith('vendor:')) continue;
    const name = `${output.entryPoint.endsWith('.css') ? 'app' : entryName(output.entryPoint, srcdir)}${path.extname(file)}`;
    manifest.files[name] = relative(file);
    const chunks = staticImports(outputs, file, new Set());
    if (chunks.length) manifest.imports[name] = chunks.map(relative);
  }
  await writeFile(path.join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function entryName(entryPoint, srcdir) {
  const file = path.relative(srcdir, path.resolve(root, entryPoint));
  const [name] = Object.entries(ENTRIES).find(([, source]) => source === file) || [];
  if (!name) throw new Error(`unexpected entry point ${entryPoint}`);
  return name;
}

/** Every chunk an output loads before it runs, transitively (esbuild lists only the direct ones). */
function staticImports(outputs, file, seen) {
  for (const { path: chunk, kind } of outputs[file].imports) {
    if (kind !== 'import-statement' || seen.has(chunk)) continue;
    seen.add(chunk);
    staticImports(outputs, chunk, seen);
  }
  return [...seen].sort();
}

async function report(outdir) {
  const files = [];
  for (const entry of await readdir(outdir, { recursive: true })) {
    const full = path.join(outdir, entry);
    if ((await stat(full)).isFile()) files.push([entry, (await stat(full)).size]);
  }
  files.sort();
  for (const [name, size] of files) console.log(`  ${name.padEnd(34)} ${(size / 1024).toFixed(1).padStart(8)} kB`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  await buildBundles();
  await report(DIST);
  console.log(`built ${path.relative(root, DIST)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
