// A classification file read by a generation prepare: every record is rejected as wrong_task, those whose label is
// missing ("N/A", "", "nan", "None", -1, null) too, where they were kept as stray text records; a file whose label
// column is empty throughout is a text file. markLabelledFile's marks are the same when its held records overflow.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { markLabelledFile } from '../../src/data/labelled-file.ts';
import { readRecords } from '../../src/data/ingest/read.ts';
import { DEFAULT_FIELDS } from '../../src/data/record.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();
// a text file beside the one under test, so that prepare keeps something
const TEXTS = Array.from({ length: 3 }, (_, i) => JSON.stringify({ text: `plain text record number ${i} about rivers` })).join('\n');

function fates(name: string, body: string): { kept: string[]; rejected: Array<{ line: number; reason: string; detail: string }> } {
  const files = writeFiles(path.join(dir, name), { [name]: body, 'texts.jsonl': TEXTS });
  const outDir = path.join(dir, `${name}-out`);
  const { report } = prepare({ inputs: [files[name]!, files['texts.jsonl']!], outDir, tokenizer: tok, tokenizerName: 'mistral-7b-v0.1', split: [1, 0, 0] });
  const kept = readJsonl<{ source: { file: string }; text: string }>(path.join(outDir, 'train.jsonl')).filter((r) => r.source.file === name).map((r) => r.text);
  const rejected = readJsonl<{ source: { file: string; line: number }; reason: string; detail: string }>(path.join(outDir, 'rejected.jsonl'))
    .filter((r) => r.source.file === name).map((r) => ({ line: r.source.line, reason: r.reason, detail: r.detail }));
  assert.equal(report.input_records, report.kept + report.rejected);
  return { kept, rejected };
}

test('a generation prepare of a CSV or TSV classification file rejects its rows with a missing label as wrong_task too, saying which row is labelled', () => {
  for (const [name, body] of [
    ['reviews.csv', 'text,label\n"good movie",pos\n"bad movie",neg\n"great",N/A\n"fine",nan\n"ok",""\n"meh",None\n"so-so",-1\n'],
    ['reviews.tsv', 'text\tlabel\ngood movie\tpos\nbad movie\tneg\ngreat\tN/A\nfine\tnan\nok\t\nmeh\tNone\nso-so\t-1\n'],
  ] as const) {
    const { kept, rejected } = fates(name, body);
    assert.deepEqual(kept, [], name);
    assert.deepEqual(rejected.map((r) => [r.line, r.reason]), [2, 3, 4, 5, 6, 7, 8].map((l) => [l, 'wrong_task']), name);
    assert.equal(rejected[2]!.detail, `a record whose "label" holds no label ("N/A") in a generation run, in a file of labelled records (line 2 is one): a classification record with its label missing (use options.task 'classification')`);
  }
});

test('rows with a missing label before the first labelled one are rejected too; JSON Lines labels null and absent', () => {
  const csv = fates('late.csv', 'text,label\n"great",N/A\n"fine",\n"good movie",pos\n"ok",\n');
  assert.deepEqual(csv.kept, []);
  assert.deepEqual(csv.rejected.map((r) => r.line), [2, 3, 4, 5]);
  assert.match(csv.rejected[0]!.detail, /in a file of labelled records \(line 4 is one\)/);
  // {"text", "label": null} is a missing label, as pandas' to_json writes one; a record without the field is a text record
  const jsonl = fates('late.jsonl', ['{"text": "great", "label": null}', '{"text": "good movie", "label": "pos"}', '{"text": "fine", "label": ""}', '{"text": "no label field here"}'].join('\n'));
  assert.deepEqual(jsonl.rejected.map((r) => [r.line, r.reason]), [[1, 'wrong_task'], [2, 'wrong_task'], [3, 'wrong_task']]);
  assert.match(jsonl.rejected[0]!.detail, /holds no label \(null\)/);
  assert.deepEqual(jsonl.kept, ['no label field here']);
});

test('in a JSON array on one line, the labelled record is named by its place on the line, not the line alone', () => {
  const { rejected } = fates('one-line.json', '[{"text": "great", "label": null}, {"text": "good movie", "label": "pos"}]');
  assert.deepEqual(rejected.map((r) => r.reason), ['wrong_task', 'wrong_task']);
  assert.match(rejected[0]!.detail, /in a file of labelled records \(line 1 \(record 2\) is one\)/);
});

test('a chat or prompt/completion record with a label (kept in a generation run) does not make its file labelled', () => {
  const chat = JSON.stringify({ messages: [{ role: 'user', content: 'hi there' }, { role: 'assistant', content: 'hello to you' }], label: 'good' });
  const pair = JSON.stringify({ prompt: 'The capital of France is', completion: ' Paris.', label: true });
  const { kept, rejected } = fates('mixed.jsonl', [chat, pair, '{"text": "a text record of this file", "label": null}'].join('\n'));
  assert.deepEqual(rejected, []);
  assert.equal(kept.length, 3);
});

test('a label column empty throughout is no label: its rows are text records', () => {
  const { kept, rejected } = fates('empty.csv', 'text,label\n"great",N/A\n"fine",\n"ok",nan\n');
  assert.deepEqual(rejected, []);
  assert.deepEqual(kept, ['great', 'fine', 'ok']);
});

test('markLabelledFile: past its hold bound, a quiet read finds the labelled record; every item comes once, in order', () => {
  const files = writeFiles(path.join(dir, 'hold'), { 'h.csv': 'text,label\na,\nb,N/A\nc,\nd,pos\ne,\n', 'none.csv': 'text,label\na,\nb,N/A\nc,\n' });
  let quietReads = 0;
  const read = (file: string) => (quiet: boolean) => { if (quiet) quietReads++; return readRecords(file, 'csv'); };
  for (const [holdBytes, quiet] of [[0, 2], [1 << 20, 0]] as const) {
    quietReads = 0;
    const marks = [...markLabelledFile(DEFAULT_FIELDS, read(files['h.csv']!), holdBytes)].map((i) => [i.line, i.labelledAt?.line]);
    assert.deepEqual(marks, [[2, 5], [3, 5], [4, 5], [5, undefined], [6, 5]], `holdBytes ${holdBytes}`);
    const none = [...markLabelledFile(DEFAULT_FIELDS, read(files['none.csv']!), holdBytes)].map((i) => [i.line, i.labelledAt?.line]);
    assert.deepEqual(none, [[2, undefined], [3, undefined], [4, undefined]], `holdBytes ${holdBytes}`);
    assert.equal(quietReads, quiet, 'the quiet read runs only past the bound, once a file');
  }
});
