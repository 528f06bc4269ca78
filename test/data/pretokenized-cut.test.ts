// A pre-tokenized generation row whose targets all fall past --max-seq-len / max_seq_len is dropped and counted as
// fully masked, as TRL 1.13's SFTTrainer drops it (its truncation and "Dropping fully masked examples" filter run on a
// dataset that already has input_ids too), and as eval --help says ("one left with no target token is dropped"). A
// row given with no target at all, and not cut, is kept as given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { loadNotes } from '../../src/train/data.ts';
import { tempDir, writeFiles } from './helpers.ts';

test('a pre-tokenized row cut to no target is dropped (fully masked); one with a target left is kept, cut', () => {
  const masked = tokenizeRecord({ shape: 'pretokenized', inputIds: [1, 5, 6, 7], labels: [-100, -100, 6, 7] }, null, { maxSeqLen: 2 });
  assert.equal(masked.row, null);
  assert.equal(masked.overflow, 'truncated');
  const kept = tokenizeRecord({ shape: 'pretokenized', inputIds: [1, 5, 6, 7], labels: [-100, -100, 6, 7] }, null, { maxSeqLen: 3 });
  assert.deepEqual(Array.from(kept.row!.labels!), [-100, -100, 6]);
});

test('a pre-tokenized row with no target that is not cut is kept as given', () => {
  const r = tokenizeRecord({ shape: 'pretokenized', inputIds: [1, 5, 6], labels: [-100, -100, -100] }, null, { maxSeqLen: 8 });
  assert.deepEqual(Array.from(r.row!.inputIds), [1, 5, 6]);
});

test('loadTokenRows counts such a row as dropped, fully masked, and the notes train and eval print say so', () => {
  const f = writeFiles(tempDir(), {
    'p.jsonl': '{"input_ids": [1, 5, 6, 7], "labels": [-100, -100, 6, 7]}\n{"input_ids": [1, 5, 6, 7]}\n',
  })['p.jsonl']!;
  const loaded = loadTokenRows(f, { vocabSize: 16, maxSeqLen: 2 });
  assert.equal(loaded.rows.length, 1);
  assert.equal(loaded.stats.dropped, 1);
  assert.equal(loaded.stats.fullyMasked, 1);
  assert.match(loadNotes(loaded.stats, 2).join('; '), /1 dropped \(fully masked: no target token left within 2 tokens/);
});
