// The bundles' names follow their content: a source change renames the bundle it reaches, so browsers
// (which cache dist/ files for a year) fetch the new code, while untouched bundles keep their names and
// stay cached; and a change to the pages' own code leaves the libraries' chunks (React, rjsf, ajv) alone.
// Builds a copy of frontend/src into temporary folders: as it is, with pages.js changed, then with
// lib/formats.js (the task form's own code) changed too.
//
//   node frontend/test/names.mjs
import assert from 'node:assert/strict';
import { appendFile, cp, mkdtemp, rm, stat } from 'node:fs/promises';
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

  await appendFile(path.join(srcdir, 'lib', 'formats.js'), '\nconsole.info("formats.js changed");\n');
  const formChanged = await buildBundles({ srcdir, outdir: path.join(work, 'form-changed') });

  for (const [manifest, folder] of [[before, 'before'], [after, 'after'], [formChanged, 'form-changed']]) {
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

  // What a browser that had the task page cached fetches again after an upgrade changing the form's own code.
  const formFiles = (m) => [m.files['form.js'], ...m.imports['form.js']];
  const size = async (folder, files) => (await Promise.all(files.map((f) => stat(path.join(work, folder, f)))))
    .reduce((sum, s) => sum + s.size, 0);
  const refetched = formFiles(formChanged).filter((f) => !formFiles(after).includes(f));
  assert.ok(refetched.length > 0, 'a changed lib/formats.js renamed none of the task form\'s files');
  const [again, total] = [await size('form-changed', refetched), await size('form-changed', formFiles(formChanged))];
  assert.ok(again < 50_000 && total > 500_000, `the task form refetches ${again} of its ${total} bytes after a change to its own code`);
  console.log(`bundle names: a change to the form's own code refetches ${refetched.length} file(s), ${again} of ${total} bytes`);
  console.log('bundle names: a changed source gets a new name, the others keep theirs');
} finally {
  await rm(work, { recursive: true, force: true });
}
