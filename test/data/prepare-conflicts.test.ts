// What prepare can tell only once every record is read: classification copies with different labels (every copy is
// rejected as conflicting_label, a record that only nearly duplicates such a text is kept, whichever comes first in the
// file), and which of the records cut to --max-tokens were kept (report.truncated).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const text = 'The quick brown fox jumps over the lazy dog near the river bank on a sunny afternoon in May';

test('a copy or a near duplicate read before the conflicting copy is judged as one read after it', () => {
  // before: line 2 was rejected as a near_duplicate of line 1 and line 3 as a duplicate of it, though line 1 was then
  // rejected for its conflicting labels: line 2 lost, and line 3 given another reason than the copies after the conflict
  const lines = [
    { text, label: 'a' }, // 1: rejected at the end (conflict)
    { text: `${text}!`, label: 'a' }, // 2: a near duplicate of line 1: placed again once all is read, as if it came last
    { text, label: 'a' }, // 3: a copy before the conflict: conflicting_label
    { text, label: 'b' }, // 4: the conflict
    { text, label: 'a' }, // 5: a copy after it
    { text: 'Something else entirely, about the weather in the mountains', label: 'b' },
    { text: `${text}?`, label: 'a' }, // 7: read after the conflict: kept, and line 2 is its near duplicate
  ];
  const f = writeFiles(dir, { 'c.jsonl': lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })['c.jsonl']!;
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0] });
  const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
  const byLine = Object.fromEntries(rejected.map((r) => [r.source.line, r.reason]));
  assert.deepEqual(byLine, { 1: 'conflicting_label', 2: 'near_duplicate', 3: 'conflicting_label', 4: 'conflicting_label', 5: 'conflicting_label' });
  assert.match(rejected.find((r) => r.source.line === 2)!.detail, /^near-duplicate of c\.jsonl:7 /);
  assert.equal(rejected.find((r) => r.source.line === 3)!.detail, 'the same text is labelled "a" at c.jsonl:1 and "b" at c.jsonl:4 (here "a")');
  assert.deepEqual(readJsonl<{ source: { line: number } }>(path.join(out, 'train.jsonl')).map((k) => k.source.line).sort(), [6, 7]);
  // without line 7, line 2 is kept
  const h = writeFiles(dir, { 'e.jsonl': lines.slice(0, 6).map((l) => JSON.stringify(l)).join('\n') + '\n' })['e.jsonl']!;
  prepare({ inputs: [h], outDir: path.join(dir, 'out3'), tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(readJsonl<{ source: { line: number } }>(path.join(dir, 'out3', 'train.jsonl')).map((k) => k.source.line).sort(), [2, 6]);
  assert.deepEqual(report.by_reason, { conflicting_label: 4, near_duplicate: 1 });
  // the same records in another order: the same fates
  const g = writeFiles(dir, { 'd.jsonl': [lines[0], lines[3], lines[2], lines[1], lines[4], lines[5], lines[6]].map((l) => JSON.stringify(l)).join('\n') + '\n' })['d.jsonl']!;
  const other = prepare({ inputs: [g], outDir: path.join(dir, 'out2'), tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0] }).report;
  assert.deepEqual(other.by_reason, report.by_reason);
});

test('report.truncated counts the kept records cut to --max-tokens, not the duplicates or conflicting copies rejected after the cut', () => {
  // before: every record over --max-tokens was counted, kept or not (3 here)
  const long = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen';
  const f = writeFiles(dir, { 't.jsonl': [{ text: long, label: 'a' }, { text: `${long}!`, label: 'a' }, { text: `${long} again`, label: 'b' }, { text: `${long} again`, label: 'a' }]
    .map((l) => JSON.stringify(l)).join('\n') + '\n' })['t.jsonl']!;
  const { report } = prepare({ inputs: [f], outDir: path.join(dir, 'trunc'), tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0], maxTokens: 8, overflow: 'truncate' });
  assert.equal(report.kept, 1);
  assert.equal(report.truncated, 1);
});

test('a conflicting_label detail names a long label cut, as the other class messages do (quotedClass)', () => {
  const long = `x${'\u00a0'}${'y'.repeat(1 << 20)}`;
  const f = writeFiles(dir, { 'long.jsonl': [{ text, label: 'a' }, { text, label: long }, { text: 'Something else entirely, about the sea', label: 'a' }].map((l) => JSON.stringify(l)).join('\n') + '\n' })['long.jsonl']!;
  const out = path.join(dir, 'out-long');
  prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0], labels: ['a', long] });
  const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => r.reason), ['conflicting_label', 'conflicting_label']);
  for (const r of rejected) assert.ok(r.detail.length < 1000, `${r.detail.length} characters`);
  assert.ok(rejected.some((r) => /"x\\u00a0y+…" \(1048578 characters\)/.test(r.detail)), rejected.map((r) => r.detail).join('\n'));
});
