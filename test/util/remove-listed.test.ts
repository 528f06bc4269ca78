// removeListed deletes a listing taken earlier and nothing else: an entry made after the listing (a user's file,
// in the moment between a check and the delete) survives with the folders that hold it, which are named.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { removeListed } from '../../src/util/remove-listed.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('remove-listed');

function tree(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).map((p) => p.split(path.sep).join('/')).sort();
}

test('every listed entry is deleted, deepest first, folders with them', () => {
  const root = fs.mkdtempSync(path.join(dir, 'all-'));
  fs.mkdirSync(path.join(root, 'run', 'adapter'), { recursive: true });
  fs.writeFileSync(path.join(root, 'run', 'adapter', 'a.bin'), 'x');
  fs.writeFileSync(path.join(root, 'marker.json'), '{}');
  fs.symlinkSync('/nonexistent', path.join(root, 'run', 'link')); // a link is removed, never followed
  const listed = ['marker.json', 'run', 'run/adapter', 'run/adapter/a.bin', 'run/link'];
  assert.deepEqual(removeListed(root, listed), []);
  assert.deepEqual(tree(root), []);
});

test('an entry made after the listing is kept, with its folders, and the deepest of them is named', () => {
  const root = fs.mkdtempSync(path.join(dir, 'race-'));
  fs.mkdirSync(path.join(root, 'run', 'adapter'), { recursive: true });
  fs.writeFileSync(path.join(root, 'run', 'adapter', 'a.bin'), 'x');
  fs.mkdirSync(path.join(root, 'data'));
  fs.writeFileSync(path.join(root, 'data', 'train.jsonl'), 'x');
  const listed = ['data', 'data/train.jsonl', 'run', 'run/adapter', 'run/adapter/a.bin'];
  fs.writeFileSync(path.join(root, 'run', 'adapter', 'notes.md'), 'mine'); // made after the listing
  assert.deepEqual(removeListed(root, listed), ['run/adapter']);
  assert.deepEqual(tree(root), ['run', 'run/adapter', 'run/adapter/notes.md']);
  assert.equal(fs.readFileSync(path.join(root, 'run', 'adapter', 'notes.md'), 'utf8'), 'mine');
});

test('a listed entry already gone is no error', () => {
  const root = fs.mkdtempSync(path.join(dir, 'gone-'));
  fs.writeFileSync(path.join(root, 'kept.txt'), 'x');
  assert.deepEqual(removeListed(root, ['gone', 'gone/file']), []);
  assert.deepEqual(tree(root), ['kept.txt']);
});
