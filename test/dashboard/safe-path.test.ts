// safe-path: raw request paths split into plain segments or refused, and files resolved only when their
// real path (symlinks followed) stays inside the root.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { requestPath, resolveInside, safeSegments } from '../../src/dashboard/safe-path.ts';
import { tempDir } from '../temp-dir.ts';

test('requestPath keeps origin-form paths and drops query and fragment', () => {
  assert.equal(requestPath('/run/0/a.json?x=1#y'), '/run/0/a.json');
  assert.equal(requestPath('/'), '/');
  assert.equal(requestPath('http://127.0.0.1/etc/passwd'), null);
  assert.equal(requestPath('//etc/passwd'), null);
  assert.equal(requestPath('*'), null);
  assert.equal(requestPath(''), null);
  assert.equal(requestPath(undefined), null);
});

test('safeSegments decodes plain names and refuses every way out', () => {
  assert.deepEqual(safeSegments('report.json'), ['report.json']);
  assert.deepEqual(safeSegments('best/adapter%20config.json'), ['best', 'adapter config.json']);
  for (const bad of [
    '', '..', '../x', 'a/../../x', '.', './x', 'a//b', '/etc/passwd', 'a/', '%2e%2e/x', '%2E%2E', '..%2fx', 'a%2Fb',
    '%5cwindows', 'a\\..\\b', '..\\x', 'x%00.json', 'x\0.json', '%c0%ae%c0%ae/x', '%zz', 'C:%5cx', 'c:/x', 'a:b',
  ]) {
    assert.equal(safeSegments(bad), null, JSON.stringify(bad));
  }
  // Double encoding decodes once, to a literal name that merely contains '%2e' — it cannot climb.
  assert.deepEqual(safeSegments('%252e%252e'), ['%2e%2e']);
});

let root = '';
let outside = '';
before(() => {
  const base = fs.realpathSync(tempDir('mt-safe-')); // a root is a real path (the dashboard takes each run's as it starts)
  root = path.join(base, 'run');
  outside = path.join(base, 'other');
  fs.mkdirSync(path.join(root, 'best'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'report.json'), '{}');
  fs.writeFileSync(path.join(root, 'best', 'a.json'), '{}');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret.txt'));
  fs.symlinkSync(outside, path.join(root, 'other-dir'));
  fs.symlinkSync('../other/secret.txt', path.join(root, 'relative-out.txt'));
  fs.symlinkSync('report.json', path.join(root, 'alias.json'));
  fs.symlinkSync(root, path.join(base, 'run-link'));
});
after(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

test('resolveInside: regular files inside the root, through symlinks that stay inside', () => {
  assert.equal(resolveInside(root, ['report.json']), path.join(root, 'report.json'));
  assert.equal(resolveInside(root, ['best', 'a.json']), path.join(root, 'best', 'a.json'));
  assert.equal(resolveInside(root, ['alias.json']), path.join(root, 'report.json'));
});

test('resolveInside: symlinks out of the root, folders and missing files are null', () => {
  assert.equal(resolveInside(root, ['secret.txt']), null);
  assert.equal(resolveInside(root, ['relative-out.txt']), null);
  assert.equal(resolveInside(root, ['other-dir', 'secret.txt']), null);
  assert.equal(resolveInside(root, ['best']), null);
  assert.equal(resolveInside(root, ['nope.json']), null);
  assert.equal(resolveInside(path.join(root, 'missing-root'), ['x']), null);
  // a root that is not its own real path (a run folder swapped for a symlink since its real path was taken)
  assert.equal(resolveInside(path.join(path.dirname(root), 'run-link'), ['report.json']), null, 'a symlink in place of the root');
});
