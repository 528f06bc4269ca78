// prepare writes rejected.jsonl in each input's line order, inputs in their order: a JSON Lines "[" line that no "]"
// closes is known stray only at the end of its file, after the records read since were rejected or kept.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
interface Rejected { source: { file: string; line: number }; reason: string }

test('a stray "[" line of JSON Lines is listed in rejected.jsonl at its line, before the rejections of the lines after it, and before the next input\'s', () => {
  const f = writeFiles(dir, {
    'a.jsonl': ['{"text": "first record here"}', '[', '{"text": "second record here"}', 'not json', '{"text": "first record here"}',
      '[', '{"nope": 1}', ']', 'x', '{"text": "third record here"}'].join('\n') + '\n',
    'b.jsonl': 'bad\n{"text": "fourth record here"}\n',
  });
  const outDir = path.join(dir, 'out');
  const { report } = prepare({ inputs: [f['a.jsonl']!, f['b.jsonl']!], outDir, tokenizer: mistralTokenizer(), split: [1, 0, 0], dedup: 'exact' });
  const rejected = readJsonl<Rejected>(path.join(outDir, 'rejected.jsonl')).map((r) => [r.source.file, r.source.line, r.reason]);
  // before: a.jsonl's line 2 came after its line 9, as the reader rejects it at the end of the file
  assert.deepEqual(rejected, [['a.jsonl', 2, 'invalid_json'], ['a.jsonl', 4, 'invalid_json'], ['a.jsonl', 5, 'duplicate'], ['a.jsonl', 7, 'unknown_shape'],
    ['a.jsonl', 9, 'invalid_json'], ['b.jsonl', 1, 'invalid_json']]);
  assert.equal(report.input_records, report.kept + report.rejected);
  assert.deepEqual(fs.readdirSync(outDir).filter((n) => n.includes('held')), []); // the scratch file of held rejections is gone
});

test('the rejections read inside a "[" … "]" pretty-printed array among JSON Lines stay in line order with those after it', () => {
  const f = writeFiles(dir, { 'c.jsonl': ['{"text": "one record"}', '[', 'oops', '{"text": "two record"}', ']', '{"nope": 2}', '{"text": "one record"}'].join('\n') + '\n' });
  const outDir = path.join(dir, 'out-c');
  prepare({ inputs: [f['c.jsonl']!], outDir, tokenizer: mistralTokenizer(), split: [1, 0, 0], dedup: 'exact' });
  assert.deepEqual(readJsonl<Rejected>(path.join(outDir, 'rejected.jsonl')).map((r) => [r.source.line, r.reason]), [[3, 'invalid_json'], [6, 'unknown_shape'], [7, 'duplicate']]);
});

test('thousands of stray "[" lines (their rejections past the memory bound, in scratch files) are listed each at its line, and the scratch files removed', () => {
  const n = 10000; // each "[" line's rejection is ~150 characters: past the 1 MB held in memory
  const lines = ['{"text": "a kept record"}'];
  for (let i = 0; i < n; i++) lines.push('[', `bad ${i}`);
  const f = writeFiles(dir, { 'd.jsonl': lines.join('\n') + '\n' });
  const outDir = path.join(dir, 'out-d');
  prepare({ inputs: [f['d.jsonl']!], outDir, tokenizer: mistralTokenizer(), split: [1, 0, 0], dedup: 'exact' });
  const rejected = readJsonl<Rejected>(path.join(outDir, 'rejected.jsonl'));
  assert.equal(rejected.length, 2 * n);
  assert.deepEqual(rejected.map((r) => r.source.line), Array.from({ length: 2 * n }, (_, i) => i + 2));
  assert.ok(Buffer.byteLength(rejected.filter((r) => r.source.line % 2 === 0).map((r) => JSON.stringify(r)).join('\n')) > 1 << 20);
  assert.deepEqual(fs.readdirSync(outDir).filter((name) => name.includes('held')), []);
});
