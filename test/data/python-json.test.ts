// JSON as Python's json.dumps writes it (NaN, Infinity, -Infinity for floats JSON has no word for): read as
// Python's json.loads reads it — NaN as null, ±Infinity as numbers —, only outside strings, only where JSON.parse
// refused the text; prepare's report says how many records were read so, per file.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseJsonText } from '../../src/data/ingest/python-json.ts';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

test('parseJsonText: NaN, Infinity and -Infinity outside strings, as Python reads them; strings and other words untouched', () => {
  assert.deepEqual(parseJsonText('{"a": 1}'), { value: { a: 1 }, pythonFloats: false });
  assert.deepEqual(parseJsonText('{"text": "NaN Infinity", "score": NaN, "hi": Infinity, "lo": -Infinity, "xs": [NaN,1,-Infinity]}'),
    { value: { text: 'NaN Infinity', score: null, hi: Infinity, lo: -Infinity, xs: [null, 1, -Infinity] }, pythonFloats: true });
  // an escaped quote does not end the string: the NaN after it is text
  assert.deepEqual(parseJsonText('{"t": "say \\"NaN\\" twice", "v": NaN}'), { value: { t: 'say "NaN" twice', v: null }, pythonFloats: true });
  assert.deepEqual(parseJsonText('{"t": "back\\\\", "v":NaN}'), { value: { t: 'back\\', v: null }, pythonFloats: true });
  // not Python's words: JSON.parse's own error, for the text as written
  for (const bad of ['{"y": NaNa}', '{"y": xNaN}', '{"y": nan}', '{"y": inf}', '{"y": NaN', '{"t": "NaN"']) {
    let message = '';
    try {
      JSON.parse(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.throws(() => parseJsonText(bad), (e) => (e as Error).message === message, bad);
  }
});

test('prepare reads Python-written JSONL, JSON arrays and wrapped JSON with NaN: a NaN label is a missing label, each file noted', () => {
  const dir = tempDir('mt-pyjson-');
  const files = writeFiles(dir, {
    'scores.jsonl': ['{"text": "a calm and pleasant review", "label": "pos", "stars": NaN}', '{"text": "an angry review of it", "label": "neg", "stars": 1.0}',
      '{"text": "a review with no label at all", "label": NaN}', '{"text": "a fourth review, Infinity stars", "label": "pos", "stars": Infinity}'].join('\n'),
    'array.json': '[\n {"text": "an array element here", "label": "neg", "w": -Infinity},\n {"text": "another array element", "label": "pos"}\n]\n',
    'wrapped.json': '{"version": NaN, "data": [\n {"text": "a wrapped record here", "label": "neg"}\n]}\n',
  });
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [files['scores.jsonl']!, files['array.json']!, files['wrapped.json']!], outDir: out, tokenizer: mistralTokenizer(),
    task: 'classification', split: [1, 0, 0] });
  assert.equal(report.input_records, 7);
  assert.deepEqual(report.by_reason, { missing_label: 1 });
  assert.equal(report.kept, 6);
  const rej = readJsonl<{ source: { file: string; line: number }; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rej.map((r) => [r.source.file, r.source.line, r.detail]), [['scores.jsonl', 3, '"label" is empty']]);
  const notes = report.warnings.filter((w) => /NaN or Infinity/.test(w));
  assert.deepEqual(notes, [
    'scores.jsonl: 3 records hold NaN or Infinity, as Python\'s json.dumps writes them: read as Python reads them, NaN as a missing value (null), ±Infinity as numbers',
    'array.json: 1 record holds NaN or Infinity, as Python\'s json.dumps writes them: read as Python reads them, NaN as a missing value (null), ±Infinity as numbers',
    'wrapped.json: the file holds NaN or Infinity, as Python\'s json.dumps writes them: read as Python reads them, NaN as a missing value (null), ±Infinity as numbers',
  ]);
});
