// Placeholders: a text field that is, whole, what an export writes for a missing value or what a forum leaves of a
// removed post. prepare rejects such a record as `placeholder` (prepare.test.ts's messy file has one of each shape)
// unless --keep-placeholders; the words inside real text are text.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { placeholderWhy } from '../../src/data/placeholder.ts';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';

test('placeholderWhy: whole fields only, any case, trimmed', () => {
  for (const p of ['nan', 'NaN', 'None', ' null ', 'NULL', 'undefined', 'N/A', 'n/a', '#N/A', '#VALUE!', '[deleted]', '[Removed]']) {
    assert.ok(placeholderWhy(p), p);
  }
  assert.match(placeholderWhy('nan')!, /^"nan" is what an export writes for a missing value, not text \(--keep-placeholders keeps it\)$/);
  assert.match(placeholderWhy('[deleted]')!, /^"\[deleted\]" is what a forum leaves of a removed post/);
  for (const t of ['None of these', 'banana', 'NA', 'no', '-', '?', 'N/A.', 'null pointer', '0', 'nil']) assert.equal(placeholderWhy(t), null, t);
});

test('prepare --keep-placeholders keeps them, and says so in report.json', () => {
  const dir = tempDir('mt-placeholder-');
  const f = writeFiles(dir, { 'p.jsonl': '{"prompt": "What does print() return?", "completion": "None"}\n{"text": "a real record of some length"}\n' })['p.jsonl']!;
  const tok = mistralTokenizer();
  const rejected = prepare({ inputs: [f], outDir: path.join(dir, 'a'), tokenizer: tok, split: [1, 0, 0] }).report;
  assert.deepEqual(rejected.by_reason, { placeholder: 1 });
  const kept = prepare({ inputs: [f], outDir: path.join(dir, 'b'), tokenizer: tok, split: [1, 0, 0], keepPlaceholders: true }).report;
  assert.equal(kept.kept, 2);
  assert.equal(kept.options.keep_placeholders, true);
});
