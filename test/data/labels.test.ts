// Class lists: integer labels are their own index only when they look like class indices; ids and dates
// used as labels become sorted names instead of crashing (RangeError) or exhausting memory; a class list
// naming a label twice is a UserError.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { LabelSet, classList } from '../../src/data/labels.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { isUserError } from '../../src/util/errors.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();

test('classList: small integer labels are their own index; huge ones, dates and sparse ids are sorted names', () => {
  assert.deepEqual(classList([0, 1, 2, 5]), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(classList([2]), [0, 1, 2], 'a few classes unseen in a small sample is fine');
  assert.deepEqual(classList([1023, 0]).length, 1024);
  assert.deepEqual(classList([999999999999999, 3]), [3, 999999999999999]);
  assert.deepEqual(classList([20240102, 20240101, 20240101]), [20240101, 20240102]);
  assert.deepEqual(classList([0, 1024]), [0, 1024]);
  const many = Array.from({ length: 3000 }, (_, i) => i * 2); // 3000 distinct, max + 1 = 5999 ≤ 6000
  assert.equal(classList(many).length, 5999);
  const sparse = Array.from({ length: 200_000 }, (_, i) => 1e9 + i * 7); // more labels than a spread call allows
  assert.equal(classList(sparse).length, 200_000);
  assert.deepEqual(classList(['b', 1, 'a']), [1, 'a', 'b']);
});

test('prepare and loadTokenRows with id- and date-like integer labels: one class per label, no crash', () => {
  const f = writeFiles(dir, {
    'ids.jsonl': [
      '{"text": "first review text", "label": 999999999999999}',
      '{"text": "second review text", "label": 20240101}',
      '{"text": "third review text", "label": 20240101}',
    ].join('\n'),
  })['ids.jsonl']!;
  const out = path.join(dir, 'ids');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(report.labels, [20240101, 999999999999999]);
  assert.equal(report.kept, 3);
  const loaded = loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok, task: 'classification' });
  assert.deepEqual(loaded.rows.map((r) => r.label), [1, 0, 0]);
  const raw = loadTokenRows(f, { tokenizer: tok, task: 'classification' });
  assert.deepEqual(raw.labels, [20240101, 999999999999999]);
});

test('a class list naming a label twice is a UserError', () => {
  for (const labels of [['pos', 'neg', 'pos'], [3, 3]] as Array<Array<string | number>>) {
    assert.throws(() => new LabelSet(labels), (e) => isUserError(e) && /names the label .* twice/.test(e.message));
  }
});
