// The bundles' names follow their content: a source change renames the bundle it reaches, so browsers
// (which cache dist/ files for a year) fetch the new code, while untouched bundles keep their names and
// stay cached. Builds a copy of frontend/src twice into temporary folders, the second time with pages.js
// changed.
//
//   node frontend/test/names.mjs
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundles } from '../build.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const work = await mkdtemp(path.join(os.tmpdir(), 'bangfu-names-'));
try {
  const srcdir = path.join(work, 'src');
  await cp(path.join(here, '..', 'src'), srcdir, { recursive: true });
  const before = await buildBundles({ srcdir, outdir: path.join(work, 'before') });
  await appendFile(path.join(srcdir, 'pages.js'), '\nconsole.info("pages.js changed");\n');
  const after = await buildBundles({ srcdir, outdir: path.join(work, 'after') });

  for (const [manifest, folder] of [[before, 'before'], [after, 'after']]) {
    for (const file of [...Object.values(manifest.files), ...Object.values(manifest.imports).flat()]) {
      assert.match(file, /-[A-Z0-9]{8}\.(js|css)$/, `${file} carries no content hash`);
      assert.ok(existsSync(path.join(work, folder, file)), `${folder}: the manifest names ${file}, which was not built`);
    }
  }
  assert.notEqual(after.files['pages.js'], before.files['pages.js'], 'a changed pages.js kept its name');
  for (const name of Object.keys(before.files).filter((n) => n !== 'pages.js')) {
    assert.equal(after.files[name], before.files[name], `${name} was renamed though its sources did not change`);
  }
  assert.deepEqual(after.imports, before.imports, 'the shared chunks were renamed though their sources did not change');
  console.log('bundle names: a changed source gets a new name, the others keep theirs');
} finally {
  await rm(work, { recursive: true, force: true });
}
