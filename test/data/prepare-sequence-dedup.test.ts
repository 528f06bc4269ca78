// Exact dedup across shapes trained as the same sequence (exact-dedup.ts's sequenceKey): a text and a prompt with its
// completion joined are the same tokens; a chat, rendered by a template, is not (near-dedup compares its turns).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare, type DedupMode } from '../../src/data/prepare.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const tok = mistralTokenizer();

test('a text that is a kept pair\'s prompt and completion joined (or the reverse) is a duplicate: the same sequence is trained; a chat is not the same sequence', () => {
  // before: exact dedup keyed each shape apart, so the same tokens were trained twice, or landed in train and in test
  const lines = [
    { text: 'What is the capital of France? Paris is.' },
    { prompt: 'What is the capital of France?', completion: ' Paris is.' },
    { prompt: 'Name the largest planet.', completion: ' Jupiter is the largest.' },
    { text: 'Name the largest planet. Jupiter is the largest.' },
    { prompt: 'Name the largest planet. Jupiter', completion: ' is the largest.' },
    { messages: [{ role: 'user', content: 'Name the largest planet.' }, { role: 'assistant', content: ' Jupiter is the largest.' }] },
  ].map((r) => JSON.stringify(r));
  const f = writeFiles(dir, { 'cross-shape.jsonl': lines.join('\n') })['cross-shape.jsonl']!;
  const run = (dedup: DedupMode) => {
    const outDir = path.join(dir, dedup);
    const { report } = prepare({ inputs: [f], outDir, tokenizer: tok, dedup, split: [1, 0, 0] });
    return { report, rejected: readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(outDir, 'rejected.jsonl')) };
  };
  const { report, rejected } = run('exact');
  assert.equal(report.kept, 3);
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason, r.detail]), [
    [2, 'duplicate', "duplicate of cross-shape.jsonl:1 (its prompt and completion joined are that record's text: the same sequence, trained there whole)"],
    [4, 'duplicate', "duplicate of cross-shape.jsonl:3 (its text is that record's prompt and completion joined: the same sequence, trained there on the completion)"],
    [5, 'duplicate', "duplicate of cross-shape.jsonl:3 (its prompt and completion joined are that record's, split at another place: the same sequence)"],
  ]);
  assert.equal(run('none').report.kept, 6);
});

test('a text and a pair joined that differ only by a soft hyphen (or a ZWJ after a Latin letter) are the same sequence, as two texts so are one content', () => {
  // before: canonicalContent left them out of the key (invisible-fold.ts) but sequenceKey did not: "co\u00ADoperate" was
  // a duplicate of the text "cooperate" but not of the pair "coop" + "erate"
  const lines = [
    { text: 'Please co\u00ADoperate with the team.' },
    { prompt: 'Please cooperate', completion: ' with the team.' },
    { prompt: 'Please co\u00ADoperate with', completion: ' the team.' },
    { text: 'Please cooperate with the team.' },
  ].map((r) => JSON.stringify(r));
  const f = writeFiles(dir, { 'soft-hyphen.jsonl': lines.join('\n') })['soft-hyphen.jsonl']!;
  const outDir = path.join(dir, 'soft-hyphen');
  const { report } = prepare({ inputs: [f], outDir, tokenizer: tok, dedup: 'exact', split: [1, 0, 0] });
  assert.equal(report.kept, 1);
  assert.deepEqual(readJsonl<{ source: { line: number }; reason: string }>(path.join(outDir, 'rejected.jsonl')).map((r) => [r.source.line, r.reason]),
    [[2, 'duplicate'], [3, 'duplicate'], [4, 'duplicate']]);
});

test('--dedup none keeps a text and the pair that is it joined in one split, as it keeps copies', () => {
  // before: only copies of one content were kept together, so the same sequence could train and test
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) {
    lines.push(JSON.stringify({ text: `Question number ${i} asks about item ${i * 7}. The answer is ${i * 3}.` }));
    lines.push(JSON.stringify({ prompt: `Question number ${i} asks about item ${i * 7}.`, completion: ` The answer is ${i * 3}.` }));
  }
  const f = writeFiles(dir, { 'none-groups.jsonl': lines.join('\n') })['none-groups.jsonl']!;
  const outDir = path.join(dir, 'none-groups');
  const { report } = prepare({ inputs: [f], outDir, tokenizer: tok, dedup: 'none' });
  assert.equal(report.kept, 60);
  const splitOf = new Map<string, string[]>();
  for (const s of ['train', 'val', 'test']) {
    for (const r of readJsonl<{ text?: string; prompt?: string; completion?: string }>(path.join(outDir, `${s}.jsonl`))) {
      const seq = r.text ?? r.prompt! + r.completion!;
      splitOf.set(seq, [...(splitOf.get(seq) ?? []), s]);
    }
  }
  assert.equal(splitOf.size, 30);
  for (const [seq, where] of splitOf) assert.equal(new Set(where).size, 1, `"${seq}" is in ${where.join(', ')}`);
  assert.ok(report.splits.val > 0 && report.splits.test > 0);
});
