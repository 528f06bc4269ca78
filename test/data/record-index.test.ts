// A record that shares its line with others (the elements of a one-line JSON array, a batch on one JSON Lines line) is
// named by its place among the file's records as well as by its line (as classify names its texts), in rejected.jsonl,
// in the outputs' source, and in errors: all of a one-line array's were reported at "line 1", with nothing saying which
// record. A record alone on its line is named by its line only.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readRecords } from '../../src/data/ingest/read.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const places = (file: string, format: 'json' | 'jsonl'): Array<[number, number | undefined]> => [...readRecords(file, format)].map((it) => [it.line, it.record]);

test('a record whose line holds other records carries its place among the file\'s records; one alone on its line carries none', () => {
  const f = writeFiles(tempDir(), {
    'one.json': '[{"text": "a"}, {"text": "b"}, {"text": "c"}]\n',
    'lines.json': '[\n{"text": "a"},\n{"text": "b"}, {"text": "c"},\n{"text": "d"}\n]\n',
    'wrapped.json': '{"data": [{"text": "a"}, {"text": "b"}]}\n',
    'batch.jsonl': '{"text": "a"}\n[{"text": "b"}, {"text": "c"}]\n',
  });
  assert.deepEqual(places(f['one.json']!, 'json'), [[1, 1], [1, 2], [1, 3]]);
  // a multi-line array: its own line says which, except for two elements on one line
  assert.deepEqual(places(f['lines.json']!, 'json'), [[2, undefined], [3, 2], [3, 3], [4, undefined]]);
  assert.deepEqual(places(f['wrapped.json']!, 'json'), [[1, 1], [1, 2]]);
  assert.deepEqual(places(f['batch.jsonl']!, 'jsonl'), [[1, undefined], [2, 2], [2, 3]]);
});

test('prepare names a one-line array\'s rejected records by their place in rejected.jsonl and its error; train\'s reading names it in its error', () => {
  const tok = mistralTokenizer();
  const dir = tempDir();
  const f = writeFiles(dir, {
    'rows.json': '[{"text": "The first record is kept whole."}, {"text": ""}, {"foo": 1}, {"text": "The last record is kept too."}]\n',
    'bad.json': '[{"foo": 1}, {"text": ""}]\n',
  });
  const out = path.join(dir, 'prep');
  prepare({ inputs: [f['rows.json']!], outDir: out, tokenizer: tok, split: [1, 0, 0] });
  assert.deepEqual(readJsonl<{ source: unknown; reason: string }>(path.join(out, 'rejected.jsonl')).map((r) => [r.source, r.reason]), [
    [{ file: 'rows.json', line: 1, record: 2 }, 'empty'], [{ file: 'rows.json', line: 1, record: 3 }, 'unknown_shape'],
  ]);
  assert.deepEqual(readJsonl<{ source: unknown }>(path.join(out, 'train.jsonl')).map((r) => r.source).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    [{ file: 'rows.json', line: 1, record: 1 }, { file: 'rows.json', line: 1, record: 4 }]);
  assert.throws(() => prepare({ inputs: [f['bad.json']!], outDir: path.join(dir, 'prep-bad'), tokenizer: tok }), /the first: bad\.json:1 \(record 1\): unknown_shape: /);
  assert.throws(() => loadTokenRows(f['rows.json']!, { tokenizer: tok }), (e: Error) => e.message.startsWith(`${f['rows.json']}:1 (record 2): empty: `));
});
