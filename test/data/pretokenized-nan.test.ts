// A NaN among a pre-tokenized row's ids (Python's json.dumps writes a missing float so) is read as null, as Python's
// json.loads reads NaN as a missing value here: the error says that a null may be the file's NaN, which it quotes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonText } from '../../src/data/ingest/python-json.ts';
import { parsePretokenized } from '../../src/data/pretokenized.ts';

test('parsePretokenized: an id that is NaN in the file is named as null read from NaN, not as a bare null', () => {
  // before: "input_ids[1] = null is not a token id" for a file that holds NaN there
  const row = parseJsonText('{"input_ids": [1, NaN, 3]}').value;
  assert.throws(() => parsePretokenized(row, 'rows.jsonl:2', 512),
    { message: 'rows.jsonl:2: input_ids[1] = null (a NaN in the file is read as null) is not a token id in [0, 512)' });
  const labels = parseJsonText('{"input_ids": [1, 2, 3], "labels": [-100, 2, NaN]}').value;
  assert.throws(() => parsePretokenized(labels, 'rows.jsonl:3'), { message: 'rows.jsonl:3: labels[2] = null (a NaN in the file is read as null) is neither a token id nor -100' });
  assert.throws(() => parsePretokenized({ input_ids: [1, 'x'] }, 'rows.jsonl:4'), { message: 'rows.jsonl:4: input_ids[1] = "x" is not a token id ≥ 0' });
});
