// A bare --import preload resolved as Node resolves it (esm-resolve.ts): against Node's own ESM resolution
// (import.meta.resolve(specifier, parent), behind --experimental-import-meta-resolve in Node 20) over a node_modules
// tree of the forms "exports" takes (conditions nested and custom, subpaths, "*" patterns, arrays, null), "main"'s
// legacy forms, a scoped package, the folder's own package by its name, a package found folders up; and on a command's
// thread, where require.resolve's "require" condition ran a dual package's CommonJS file, and a package exporting for
// "import" alone was an ERR_PACKAGE_PATH_NOT_EXPORTED crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importConditions, resolveBarePackage } from '../../src/cli/esm-resolve.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');

/** Writes `files` (path → text; an object is written as JSON) under `dir`. */
function tree(dir: string, files: Record<string, string | object>): void {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), typeof text === 'string' ? text : JSON.stringify(text));
  }
}

const HOOK = (name: string): string => `import { isMainThread } from 'node:worker_threads';\nimport * as fs from 'node:fs';\n` +
  `fs.writeSync(2, '${name} on ' + (isMainThread ? 'main' : 'thread') + '\\n');\n`;

test('bare specifiers resolve as Node\'s ESM resolution resolves them from the folder, with and without a --conditions', () => {
  const top = tempDir('mt-esm-resolve-');
  const nm = 'node_modules';
  tree(top, {
    [`${nm}/dual/package.json`]: { exports: { '.': { import: './hook.mjs', require: './hook.cjs' } } }, [`${nm}/dual/hook.mjs`]: '', [`${nm}/dual/hook.cjs`]: '',
    [`${nm}/esmonly/package.json`]: { type: 'module', exports: { import: './hook.js' } }, [`${nm}/esmonly/hook.js`]: '',
    [`${nm}/nested/package.json`]: { exports: { '.': { browser: './b.mjs', node: { require: './n-r.cjs', import: { custom: './c.mjs', default: './n-i.mjs' } }, default: './d.mjs' } } },
    [`${nm}/nested/b.mjs`]: '', [`${nm}/nested/n-r.cjs`]: '', [`${nm}/nested/c.mjs`]: '', [`${nm}/nested/n-i.mjs`]: '', [`${nm}/nested/d.mjs`]: '',
    [`${nm}/pats/package.json`]: { exports: { '.': './main.mjs', './feat/*.js': './src/feat/*.mjs', './feat/x/*': './src/x/*.mjs', './sub': ['bad', './sub.mjs'], './gone': null, './cond': { require: './r.cjs' } } },
    [`${nm}/pats/main.mjs`]: '', [`${nm}/pats/src/feat/a.mjs`]: '', [`${nm}/pats/src/x/b.mjs`]: '', [`${nm}/pats/sub.mjs`]: '', [`${nm}/pats/r.cjs`]: '',
    [`${nm}/mainfile/package.json`]: { main: 'lib/entry' }, [`${nm}/mainfile/lib/entry.js`]: '',
    [`${nm}/maindir/package.json`]: { main: 'lib' }, [`${nm}/maindir/lib/index.js`]: '',
    [`${nm}/nomain/package.json`]: { name: 'nomain' }, [`${nm}/nomain/index.js`]: '', [`${nm}/nomain/other.js`]: '',
    [`${nm}/@sc/pkg/package.json`]: { exports: './x.mjs' }, [`${nm}/@sc/pkg/x.mjs`]: '',
    'app/package.json': { name: 'selfpkg', exports: { import: './self.mjs', default: './self.cjs' } }, 'app/self.mjs': '', 'app/self.cjs': '',
  });
  const folder = path.join(top, 'app'); // node_modules one folder up
  const specs = ['dual', 'esmonly', 'nested', 'pats', 'pats/feat/a.js', 'pats/feat/x/b', 'pats/sub', 'pats/gone', 'pats/cond', 'pats/none',
    'mainfile', 'maindir', 'nomain', 'nomain/other.js', '@sc/pkg', 'selfpkg', 'missing', 'fs'];
  for (const conditions of [[], ['--conditions=custom']]) {
    // Node's answers: each URL, or its error's code
    const script = `const parent = ${JSON.stringify(pathToFileURL(folder + path.sep).href)};
console.log(JSON.stringify(${JSON.stringify(specs)}.map((s) => { try { return import.meta.resolve(s, parent); } catch (e) { return e.code; } })));`;
    const r = spawnSync(process.execPath, ['--experimental-import-meta-resolve', '--no-warnings', ...conditions, '--input-type=module', '-e', script], { cwd: folder, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const node = JSON.parse(r.stdout) as string[];
    const ours = specs.map((s) => {
      try {
        return resolveBarePackage(s, folder, importConditions(conditions));
      } catch (e) {
        return (e as { code?: string }).code;
      }
    });
    assert.deepEqual(ours, node, `conditions ${conditions.join(' ') || '(none)'}`);
  }
});

test('a bare-package preload runs on a command\'s thread the module it ran on the main thread: a dual package\'s ESM file, an import-only package', { timeout: 60_000 }, () => {
  const dir = tempDir('mt-esm-preload-');
  tree(dir, {
    'node_modules/dual/package.json': { exports: { '.': { import: './hook.mjs', require: './hook.cjs' } } },
    'node_modules/dual/hook.mjs': HOOK('dual mjs'), 'node_modules/dual/hook.cjs': 'require("node:fs").writeSync(2, "dual cjs\\n");\n',
    'node_modules/esmonly/package.json': { type: 'module', exports: { import: './hook.js' } }, 'node_modules/esmonly/hook.js': HOOK('esmonly'),
    'qa.jsonl': '{"text": "a record to prepare on the thread"}\n',
  });
  // before: "dual mjs on main" then "dual cjs" on the thread; esmonly: ERR_PACKAGE_PATH_NOT_EXPORTED, exit 1
  const r = spawnSync(process.execPath, ['--import', 'dual', '--import', 'esmonly', BIN, 'prepare', '--input', 'qa.jsonl', '--out', 'data', '--quiet'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stderr.split('\n').filter((l) => / on (main|thread)$|^dual cjs/.test(l)), ['dual mjs on main', 'esmonly on main', 'dual mjs on thread', 'esmonly on thread']);
});
