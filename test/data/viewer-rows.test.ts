// Hugging Face dataset-viewer downloads (the datasets-server /rows and /first-rows answers): each row's "row" is the
// record; a row the viewer cut short (truncated_cells) is rejected, not trained as the dataset's text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRecords } from '../../src/data/ingest/read.ts';
import { detectRecord } from '../../src/data/record.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const rows = [
  { row_idx: 0, row: { text: 'hello there' }, truncated_cells: [] },
  { row_idx: 1, row: { text: 'cut sho' }, truncated_cells: ['text'] },
  { row_idx: 2, row: { text: 'and again' }, truncated_cells: [] },
];
const features = [{ feature_idx: 0, name: 'text', type: { dtype: 'string', _type: 'Value' } }];

function read(file: string, format: 'json' | 'jsonl') {
  const notes: string[] = [];
  const items = [...readRecords(file, format, { onNote: (n) => notes.push(n) })];
  return { notes, items: items.map((i) => ({ line: i.line, value: i.value, reason: i.error?.reason, detail: i.error?.detail })) };
}

test('a /rows answer saved as a file: its rows are the records, a truncated row rejected naming its cells, with a note naming the format', () => {
  // before: refused as one object holding several lists of records ("features", "rows")
  const f = writeFiles(dir, { 'rows.json': JSON.stringify({ features, rows, num_rows_total: 3, num_rows_per_page: 100, partial: false }, null, 1) })['rows.json']!;
  const { items, notes } = read(f, 'json');
  assert.deepEqual(items.map((i) => [i.value, i.reason]), [[{ text: 'hello there' }, undefined], [undefined, 'truncated'], [{ text: 'and again' }, undefined]]);
  assert.match(items[1]!.detail!, /^the dataset viewer cut the cell "text" short \(row_idx 1, truncated_cells\): not the dataset's text/);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^3 records are Hugging Face dataset-viewer rows \({"row_idx", "row", "truncated_cells"}\): read as their "row", 1 of them rejected as truncated/);
  const det = detectRecord(items[0]!.value, 'generation');
  assert.ok('record' in det);
});

test('a /first-rows answer (dataset, config, split beside features and rows), and rows one a line (JSON Lines), are read the same', () => {
  const first = writeFiles(dir, { 'first.json': JSON.stringify({ dataset: 'a/b', config: 'default', split: 'train', features, rows, truncated: false }) })['first.json']!;
  assert.deepEqual(read(first, 'json').items.map((i) => i.reason ?? i.value), [{ text: 'hello there' }, 'truncated', { text: 'and again' }]);
  const lines = writeFiles(dir, { 'rows.jsonl': rows.map((r) => JSON.stringify(r)).join('\n') })['rows.jsonl']!;
  assert.deepEqual(read(lines, 'jsonl').items.map((i) => [i.line, i.reason ?? i.value]), [[1, { text: 'hello there' }], [2, 'truncated'], [3, { text: 'and again' }]]);
  // an object with a "row" beside other fields is a record of its own, not a viewer row
  const other = writeFiles(dir, { 'other.jsonl': '{"row": {"text": "a"}, "text": "b"}\n' })['other.jsonl']!;
  assert.deepEqual(read(other, 'jsonl'), { items: [{ line: 1, value: { row: { text: 'a' }, text: 'b' }, reason: undefined, detail: undefined }], notes: [] });
});

test('{"features", "rows"} whose rows are not viewer rows: the records are read from "rows", with a note naming "rows" and the ignored "features"', () => {
  // before: read from "rows" silently, "features" (a list of objects too) dropped without a word
  const f = writeFiles(dir, { 'fr.json': JSON.stringify({ features: [{ name: 'x' }, { name: 'y' }], rows: [{ text: 'a' }, { text: 'b' }, { text: 'c' }] }, null, 1) })['fr.json']!;
  const { items, notes } = read(f, 'json');
  assert.deepEqual(items.map((i) => i.value), [{ text: 'a' }, { text: 'b' }, { text: 'c' }]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /records read from its "rows" \(3 objects\); its "features", not records, ignored/);
  // a viewer answer keeps its one note (the viewer-rows one), no other
  const v = writeFiles(dir, { 'v.json': JSON.stringify({ features, rows }) })['v.json']!;
  assert.equal(read(v, 'json').notes.length, 1);
});
