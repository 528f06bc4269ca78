// prepare --overflow truncate and the records the cut to --max-tokens leaves nothing to train (fully masked: the prompt
// fills the tokens kept): rejected as fully_masked, as loading would drop them, not kept in the splits.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const long = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen';

test('prepare --overflow truncate rejects a record the cut leaves fully masked (fully_masked) and keeps one it leaves a target', () => {
  // before: all four were kept, and the train.jsonl written lost two records when loaded at the same length
  const lines = [
    { prompt: `${long}? `, completion: 'Yes.' }, // 1: the prompt fills the 8 tokens: fully masked
    { prompt: 'Count: ', completion: long }, // 2: cut, with completion tokens left
    { text: long }, // 3: a text trains every token: cut, kept
    { messages: [{ role: 'user', content: long }, { role: 'assistant', content: 'Done.' }] }, // 4: fully masked
    { prompt: 'Hi ', completion: 'there.' }, // 5: fits
  ];
  const f = writeFiles(dir, { 'm.jsonl': lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })['m.jsonl']!;
  const out = path.join(dir, 'out');
  const tok = mistralTokenizer();
  const { report, summary } = prepare({ inputs: [f], outDir: out, tokenizer: tok, split: [1, 0, 0], maxTokens: 8, overflow: 'truncate' });
  const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[1, 'fully_masked'], [4, 'fully_masked']]);
  assert.match(rejected[0]!.detail, /^\d+ tokens: cut to options\.maxTokens 8, no token to train is left \(the prompt fills them\)/);
  // train_on: all trains the prompt too, and would keep it: the detail says whom it is dropped by, and how to keep it
  assert.match(rejected[0]!.detail, /train_on: assistant \(the default\).*train_on: all.*leave options\.maxTokens out/);
  assert.deepEqual(report.by_reason, { fully_masked: 2 });
  assert.equal(report.input_records, report.kept + report.rejected);
  assert.equal(report.kept, 3);
  assert.equal(report.truncated, 2);
  assert.match(summary, /fully_masked\s+2/);
  const train = path.join(out, 'train.jsonl');
  assert.deepEqual(readJsonl<{ source: { line: number } }>(train).map((r) => r.source.line), [2, 3, 5]);
  // the trainer loads at the same length every record kept, none fully masked
  const { stats } = loadTokenRows(train, { tokenizer: tok, maxSeqLen: 8, overflow: 'truncate' });
  assert.deepEqual([stats.records, stats.dropped, stats.fullyMasked, stats.truncated], [3, 0, 0, 2]);
});

test('prepare --overflow reject still rejects those records as too_long', () => {
  const f = writeFiles(dir, { 'r.jsonl': JSON.stringify({ prompt: `${long}? `, completion: 'Yes.' }) + '\n' + JSON.stringify({ text: 'short text' }) + '\n' })['r.jsonl']!;
  const { report } = prepare({ inputs: [f], outDir: path.join(dir, 'rej'), tokenizer: mistralTokenizer(), split: [1, 0, 0], maxTokens: 8 });
  assert.deepEqual(report.by_reason, { too_long: 1 });
});

test('a pre-tokenized row whose targets all fall past --max-tokens is rejected as fully_masked, its detail saying its labels mask the tokens kept (train_on does not apply to it)', () => {
  const f = writeFiles(dir, { 'p.jsonl': '{"input_ids": [1, 5, 6, 7, 8], "labels": [-100, -100, -100, 7, 8]}\n{"input_ids": [1, 9, 10, 11]}\n' })['p.jsonl']!;
  const out = path.join(dir, 'out-pretokenized');
  prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0], maxTokens: 3, overflow: 'truncate' });
  const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[1, 'fully_masked']]);
  assert.equal(rejected[0]!.detail, '5 tokens: cut to options.maxTokens 3, no token to train is left (its labels are -100 up to there); loading at that length would drop it (leave options.maxTokens out to keep it)');
});

test('a classification record over --max-tokens is kept, cut, even where --max-tokens leaves its text no room (not rejected untokenizable with max_seq_len\'s error)', () => {
  const f = writeFiles(dir, { 'c.jsonl': `${JSON.stringify({ text: long, label: 'a' })}\n${JSON.stringify({ text: 'short one', label: 'b' })}\n` })['c.jsonl']!;
  for (const maxTokens of [1, 4]) {
    const { report } = prepare({ inputs: [f], outDir: path.join(dir, `cls-${maxTokens}`), tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0], maxTokens, overflow: 'truncate', dedup: 'none' });
    assert.deepEqual([report.kept, report.by_reason], [2, {}], `--max-tokens ${maxTokens}`);
  }
});
