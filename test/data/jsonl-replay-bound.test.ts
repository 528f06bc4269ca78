// JSON Lines: lines each holding only "{", each indented more than the one before (a nested object's opening, never
// closed), are each read ahead to the file's end and the lines below read again as lines: n of them read the file n
// times (a 1 MB file of 1,400 took 5 s of CPU, 2 MB 15 s). The characters read again are counted across the file: past
// ReadOptions.replayChars (REPLAY_LIMIT, 64M, by default) an object's lines read ahead are its one rejection, said so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonl } from '../../src/data/ingest/jsonl.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();

test('lines of "{" indented deeper each are read again at most replayChars characters in all; then the rest is one rejection naming its lines', () => {
  const n = 60;
  const file = writeFiles(dir, { 'nested-open.jsonl': `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}{`).join('\n')}\n` })['nested-open.jsonl']!;
  const unbounded = [...readJsonl(file)];
  assert.equal(unbounded.length, n, 'each line its own rejection where the bound is not reached');
  const items = [...readJsonl(file, { replayChars: 600 })];
  assert.ok(items.length < n / 2, `${items.length} rejections`);
  const last = items.at(-1)!;
  assert.equal(last.error?.reason, 'invalid_json');
  assert.match(last.error!.detail!, new RegExp(`its lines to line ${n} are this record: more than 600 characters of the file were read again`));
  // nothing lost: every line is in one rejection's raw
  assert.equal(items.map((it) => it.raw).join('\n').split('\n').filter((l) => l.trim() === '{').length, n);
  for (const it of items.slice(0, -1)) assert.doesNotMatch(it.error!.detail!, /are this record/);
});
