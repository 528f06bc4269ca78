// JSON and JSON Lines label fields typed as HF datasets' json loader (pyarrow's JSON reader) types them, and the class
// list as run_classification.py builds it from them (label_list = sorted(str(label)), label_to_id its index). Each
// expected class list below is what datasets 5.0.1 load_dataset("json") and run_classification.py's label code gave for
// the same records (/tmp/hfvenv, 2026-12): a field of strings is Value('string'), each string its own class ("007",
// "7", "-1", "True" and "true" five); one that mixes strings, numbers or booleans is Json(), on which
// raw_datasets["train"].unique("label") fails (ArrowNotImplementedError: Function 'unique' has no kernel matching input
// types (extension<arrow.json>)).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { isUserError } from '../../src/util/errors.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();
const jsonl = (labels: unknown[], tag = 'a short'): string =>
  labels.map((l, i) => JSON.stringify({ text: `${tag} text number ${i} about ${'abcdefgh'[i % 8]} things ${i * 7919 % 113}`, label: l })).join('\n') + '\n';
const prepared = (name: string, inputs: string[], more: { val?: string[] } = {}) =>
  prepare({ inputs, ...more, outDir: path.join(dir, `out-${name}`), tokenizer: tok, task: 'classification', split: [1, 0, 0] }).report;

test('a JSON Lines field of strings is a string column: "007", "7", "-1", "True" and "true" are five classes, sorted as run_classification.py sorts str(label)', () => {
  // before: [7, "True", "x"] and "-1" rejected as missing_label: the strings read by value as a CSV cell of a column of numbers is
  const f = writeFiles(dir, { 'codes.jsonl': jsonl(['007', '7', '-1', 'True', 'true', 'x', '007']) })['codes.jsonl']!;
  const report = prepared('codes', [f]);
  // HF: label_to_id {'-1': 0, '007': 1, '7': 2, 'True': 3, 'true': 4, 'x': 5}
  assert.deepEqual(report.labels, ['-1', '007', '7', 'True', 'true', 'x']);
  assert.deepEqual(report.by_reason, {});
  assert.deepEqual(report.warnings.filter((w) => w.startsWith('codes.jsonl: labels')), [
    'codes.jsonl: labels "007", "7", "-1" and 2 more of field "label" are class names as written, not numbers or booleans: Hugging Face datasets reads the field as strings (it holds "x"); ' +
      'the classes are sorted as text ("10" before "9"); give --labels to name and order them otherwise; "-1" is a class here, not Hugging Face\'s "no label" as -1 is in a field of numbers ' +
      '(run_classification.py keeps the string): to reject its records as missing_label, give --labels naming the other classes',
  ]);
  // what prepare wrote reads back as those classes, at train: the report's class list beside the split
  const out = path.join(dir, 'out-codes', 'train.jsonl');
  const loaded = loadTokenRows(out, { tokenizer: tok, task: 'classification' });
  assert.deepEqual(loaded.labels, ['-1', '007', '7', 'True', 'true', 'x']);
  const written = readJsonl<{ label: string }>(out).map((r) => r.label);
  assert.deepEqual(loaded.rows.map((r) => r.label), written.map((l) => loaded.labels!.indexOf(l)));
  // a raw file read at train or eval is typed alike
  assert.deepEqual(loadTokenRows(f, { tokenizer: tok, task: 'classification' }).labels, ['-1', '007', '7', 'True', 'true', 'x']);
});

test('a JSON Lines field that mixes strings, numbers and booleans is refused at its first other type, naming file:line and field, as HF datasets fails on it', () => {
  // before: 1 and "1" one class, true and 0 two: HF's load gives a Json() column whose unique() fails
  const f = writeFiles(dir, {
    'str-int.jsonl': jsonl(['1', null, 1, 'a']), 'int-str.jsonl': jsonl([1, 2, '1']), 'bool-int.jsonl': jsonl([true, 0]),
    'int-words.json': JSON.stringify([{ text: 'one record', label: 0 }, { text: 'another record', label: 'neg' }]),
  });
  const refusals: Array<[string, RegExp]> = [
    ['str-int.jsonl', /str-int\.jsonl:3: field "label" holds the number 1 where line 1 holds the string "1": Hugging Face datasets cannot type a label field that mixes strings, numbers and booleans/],
    ['int-str.jsonl', /int-str\.jsonl:3: field "label" holds the string "1" where line 1 holds the number 1: .*; write every label as a string, or every one as a number \(null where a record has none\)$/],
    ['bool-int.jsonl', /bool-int\.jsonl:2: field "label" holds the number 0 where line 1 holds the boolean true/],
    // a one-line JSON array: both records are on line 1, the first named by its place in the file too
    ['int-words.json', /int-words\.json:1 \(record 2\): field "label" holds the string "neg" where line 1 \(record 1\) holds the number 0/],
  ];
  for (const [name, message] of refusals) {
    assert.throws(() => prepared(name, [f[name]!]), (e) => isUserError(e) && message.test(e.message) && !e.message.includes('\n'), name);
    // train and eval read a raw file alike (they stop at str-int.jsonl's null first: a record without a label)
    if (name !== 'str-int.jsonl') assert.throws(() => loadTokenRows(f[name]!, { tokenizer: tok, task: 'classification' }), (e) => isUserError(e) && message.test(e.message), name);
  }
  // a field renamed by --field is the one told of
  const g = writeFiles(dir, { 'cat.jsonl': '{"text": "a", "category": 1}\n{"text": "b", "category": "x"}\n' })['cat.jsonl']!;
  assert.throws(() => prepare({ inputs: [g], outDir: path.join(dir, 'cat'), tokenizer: tok, task: 'classification', fields: { label: 'category' } }),
    (e) => isUserError(e) && /cat\.jsonl:2: field "category" holds the string "x"/.test(e.message));
  // a class list given reads the labels by it, as before: no refusal
  const given = prepare({ inputs: [f['int-str.jsonl']!], outDir: path.join(dir, 'given'), tokenizer: tok, task: 'classification', labels: [1, 2], split: [1, 0, 0] }).report;
  assert.equal(given.kept, 3);
});

test('JSON numbers, booleans and nulls: ints and -1 by value, true/false the classes "False"/"True", null and -1 missing labels in rejected.jsonl', () => {
  // HF: int64 → label_to_id {'-1': 0, '0': 1, '1': 2} but the -1 records get the target -1 (out of bounds for the loss),
  // and a null is str(None), a class "None"; here both are rejected as missing_label, each said in rejected.jsonl
  const f = writeFiles(dir, { 'ints.jsonl': jsonl([0, -1, 1, null, 1.0, 0]), 'bools.jsonl': jsonl([true, false, true]) });
  const ints = prepared('ints', [f['ints.jsonl']!]);
  assert.deepEqual(ints.labels, [0, 1]);
  assert.deepEqual(ints.by_reason, { missing_label: 2 });
  const rej = readJsonl<{ reason: string; source: { line: number } }>(path.join(dir, 'out-ints', 'rejected.jsonl'));
  assert.deepEqual(rej.map((r) => [r.source.line, r.reason]), [[2, 'missing_label'], [4, 'missing_label']]);
  // HF: Value('bool') → label_to_id {'False': 0, 'True': 1}
  assert.deepEqual(prepared('bools', [f['bools.jsonl']!]).labels, ['False', 'True']);
});

test('a JSON Lines train file and a CSV val file are typed with one schema: strings in one make the other\'s numbers class names as written', () => {
  // before: the JSON strings were not counted, so the CSV column of numbers read "007" and "7" as 7, and the JSON's "007" as 7 too: [7, "x"]
  const f = writeFiles(dir, { 'words.jsonl': jsonl(['007', 'x', '007', 'x']), 'nums.csv': 'text,label\none val text,7\nanother val text,007\n', 'ints.jsonl': jsonl([7, 0, 7], 'an integer') });
  const report = prepared('json-csv', [f['words.jsonl']!], { val: [f['nums.csv']!] });
  assert.deepEqual(report.labels, ['007', '7', 'x']);
  assert.deepEqual(readJsonl<{ label: unknown }>(path.join(dir, 'out-json-csv', 'val.jsonl')).map((r) => r.label), ['7', '007']);
  // a JSON file of strings beside a JSON file of integers (HF: a string train file casts the val file's 7 to "7")
  const two = prepared('json-json', [f['words.jsonl']!], { val: [f['ints.jsonl']!] });
  assert.deepEqual(two.labels, ['0', '007', '7', 'x']);
  // integers in both: numbers, classes by index
  const g = writeFiles(dir, { 'n.csv': 'text,label\nsome val text,1\nmore val text,007\n' })['n.csv']!;
  assert.deepEqual(prepared('ints-csv', [f['ints.jsonl']!], { val: [g] }).labels, [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('a JSON Lines field of numbers made text by another file of the dataset is said, as a CSV column of numbers is: its classes are sorted as text, -1 the class "-1"', () => {
  // before: nothing said of coded.jsonl, whose 2 and 10 silently became the classes "10" before "2"; and its -1 was rejected
  // as "no label" with a warning to leave out a --labels never given (HF: a string train file casts the val file's -1 to "-1", a class)
  const f = writeFiles(dir, { 'named.jsonl': jsonl(['x', 'y', 'x'], 'a named'), 'coded.jsonl': jsonl([2, 10, -1, 2], 'a coded') });
  const report = prepared('coded-named', [f['named.jsonl']!], { val: [f['coded.jsonl']!] });
  assert.deepEqual(report.labels, ['-1', '10', '2', 'x', 'y']);
  assert.deepEqual(report.by_reason, {});
  const said = report.warnings.filter((w) => w.startsWith('coded.jsonl: labels'));
  assert.equal(said.length, 1, report.warnings.join('\n'));
  assert.match(said[0]!, /^coded\.jsonl: labels "2", "10", "-1" of field "label" are class names as written, not numbers or booleans: the field is text in another file of the dataset, and Hugging Face datasets types every file alike; the classes are sorted as text.*; "-1" is a class here/);
  assert.ok(!report.warnings.some((w) => w.includes('leave --labels out')), report.warnings.join('\n'));
});
