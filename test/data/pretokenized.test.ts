// Pre-tokenized records ({input_ids, labels?, label?}): an attention_mask beside them marks padding, which is not text.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { detectRecord } from '../../src/data/record.ts';
import { parsePretokenized } from '../../src/data/pretokenized.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const gen = (v: unknown) => detectRecord(v, 'generation');
const outcome = (r: ReturnType<typeof detectRecord>) => ('reason' in r ? `${r.reason}: ${r.detail}` : r.record);

test('a padded row (HF tokenizer(..., padding=True): attention_mask 0 over the pad tokens) keeps only the attended tokens', () => {
  // before: the mask was ignored and the pad tokens trained and attended as text
  assert.deepEqual(outcome(gen({ input_ids: [1, 415, 2, 2], attention_mask: [1, 1, 0, 0] })), { shape: 'pretokenized', inputIds: [1, 415] });
  assert.deepEqual(outcome(gen({ input_ids: [2, 2, 1, 415], labels: [-100, -100, 1, 415], attention_mask: [0, 0, 1, 1] })),
    { shape: 'pretokenized', inputIds: [1, 415], labels: [1, 415] });
  assert.deepEqual((gen({ input_ids: [1, 415, 2], attention_mask: [1, 1, 0] }) as { padding?: number }).padding, 1);
  assert.deepEqual(outcome(detectRecord({ input_ids: [1, 415, 0], attention_mask: '[1, 1, 0]', label: 'pos' }, 'classification')),
    { shape: 'pretokenized', inputIds: [1, 415], label: 'pos' });
  // all ones (no padding) changes nothing, and says nothing
  const whole = gen({ input_ids: [1, 415], attention_mask: [1, 1] });
  assert.deepEqual(whole, { record: { shape: 'pretokenized', inputIds: [1, 415] } });
  // what is not padding is rejected, saying why
  assert.equal(outcome(gen({ input_ids: [1, 415, 2], attention_mask: [1, 1] })), 'invalid_tokens: "attention_mask" must be an array of 0s and 1s as long as input_ids (3)');
  assert.equal(outcome(gen({ input_ids: [1, 415], attention_mask: [1, 2] })), 'invalid_tokens: "attention_mask" must be an array of 0s and 1s as long as input_ids (2)');
  assert.equal(outcome(gen({ input_ids: [1, 415, 9], attention_mask: [1, 0, 1] })),
    'invalid_tokens: attention_mask[1] is 0 between attended tokens: not padding at either end (packed rows?); give each row unpadded, its tokens all attended');
  assert.equal(outcome(gen({ input_ids: [2, 2], attention_mask: [0, 0] })), 'invalid_tokens: "attention_mask" is 0 everywhere: the row holds only padding');
});

test('prepare writes padded rows unpadded, so that copies with other padding are duplicates, and counts them in a warning', () => {
  const dir = tempDir();
  const f = writeFiles(dir, {
    'tok.jsonl': [
      '{"input_ids": [1, 415, 2936, 2, 2], "attention_mask": [1, 1, 1, 0, 0]}',
      '{"input_ids": [1, 415, 2936, 2], "attention_mask": [1, 1, 1, 0]}',
      '{"input_ids": [1, 9060, 2], "attention_mask": [1, 1, 0]}',
    ].join('\n'),
  })['tok.jsonl']!;
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.deepEqual(readJsonl(path.join(out, 'train.jsonl')).map((r) => r.input_ids), [[1, 415, 2936], [1, 9060]]);
  assert.deepEqual(report.by_reason, { duplicate: 1 });
  assert.ok(report.warnings.includes('3 pre-tokenized records had padding (attention_mask 0) on 4 tokens: those tokens were left out, as the model never attends to them'), JSON.stringify(report.warnings));
  assert.ok(fs.existsSync(path.join(out, 'report.json')));
});

test('a number past float64\'s range (1e400, which JSON.parse reads as Infinity) is named as such, not as null', () => {
  // before: "input_ids[1] = null is not a token id", naming a value the file does not hold
  const parsed = (line: string): unknown => JSON.parse(line);
  assert.throws(() => parsePretokenized(parsed('{"input_ids": [1, 1e400]}'), 'rows.jsonl:3', 512),
    /^UserError: rows\.jsonl:3: input_ids\[1\] = Infinity \(a number past float64's range, as 1e400\) is not a token id in \[0, 512\)$/);
  assert.throws(() => parsePretokenized(parsed('{"input_ids": [1, 2], "labels": [-100, -1e400]}'), 'rows.jsonl:4'), /labels\[1\] = -Infinity \(a number past/);
  assert.throws(() => parsePretokenized(parsed('{"input_ids": [1, 2], "label": 1e999}'), 'rows.jsonl:5'), /"label" must be a class index ≥ 0, got Infinity \(a number past/);
});
