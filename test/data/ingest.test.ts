// Readers of JSON, JSON Lines and plain text (CSV and TSV: ingest-csv.test.ts): the counting rule (one item per
// input record), its starting line, raw text and parse errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCsv } from '../../src/data/ingest/csv.ts';
import { readJson } from '../../src/data/ingest/json.ts';
import { scanObjectMembers } from '../../src/data/ingest/json-object-scan.ts';
import { readJsonl } from '../../src/data/ingest/jsonl.ts';
import { formatOf, readRecords } from '../../src/data/ingest/read.ts';
import { readText } from '../../src/data/ingest/text.ts';
import type { RawItem } from '../../src/data/ingest/types.ts';
import { detectRecord, textFields } from '../../src/data/record.ts';
import { readLines } from '../../src/util/lines.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const summary = (items: RawItem[]) => items.map((i) => ({ line: i.line, value: i.value, reason: i.error?.reason }));

test('JSONL: BOM on any line, CRLF, whitespace around a line, blank lines skipped, invalid JSON kept as an item', () => {
  const f = writeFiles(dir, {
    'a.jsonl': '\ufeff{"text":"a"}\r\n\r\n   {"text":"b"}  \t\n\n\ufeff {"text":"c"}\n{oops\n   \n{"text":"d"}',
  })['a.jsonl']!;
  const items = [...readJsonl(f)];
  assert.deepEqual(summary(items), [
    { line: 1, value: { text: 'a' }, reason: undefined },
    { line: 3, value: { text: 'b' }, reason: undefined },
    { line: 5, value: { text: 'c' }, reason: undefined },
    { line: 6, value: undefined, reason: 'invalid_json' },
    { line: 8, value: { text: 'd' }, reason: undefined },
  ]);
  assert.equal(items[3]!.raw, '{oops');
});

test('JSONL: pretty-printed objects one after another (jq without -c) are one record each, at the line of their "{"; a stray "{" rejects only its line', () => {
  // every line of such a file was its own invalid_json record: nothing was kept of `jq . data.jsonl > out.jsonl`
  const pretty = (o: unknown) => JSON.stringify(o, null, 2) + '\n';
  const f = writeFiles(dir, {
    'jq.jsonl': pretty({ text: 'first' }) + pretty({ messages: [{ role: 'user', content: 'a } and a {' }, { role: 'assistant', content: 'b' }] }) + '{"text": "a plain line"}\n',
  })['jq.jsonl']!;
  assert.deepEqual(summary([...readJsonl(f)]), [
    { line: 1, value: { text: 'first' }, reason: undefined },
    { line: 4, value: { messages: [{ role: 'user', content: 'a } and a {' }, { role: 'assistant', content: 'b' }] }, reason: undefined },
    { line: 16, value: { text: 'a plain line' }, reason: undefined },
  ]);
  // read as .json too (an object followed by more text is JSON Lines)
  const j = writeFiles(dir, { 'jq.json': pretty({ text: 'one' }) + pretty({ text: 'two' }) })['jq.json']!;
  assert.deepEqual([...readJson(j)].map((i) => [i.line, i.value]), [[1, { text: 'one' }], [4, { text: 'two' }]]);
  // an object cut off before the next one opens: its "{" line is rejected, the lines after it are read as lines
  const g = writeFiles(dir, { 'cut.jsonl': '{\n  "text": "cut off",\n{\n  "text": "whole"\n}\n{\n' })['cut.jsonl']!;
  const items = [...readJsonl(g)];
  assert.deepEqual(items.map((i) => [i.line, i.value ?? i.error!.reason]), [[1, 'invalid_json'], [2, 'invalid_json'], [3, { text: 'whole' }], [6, 'invalid_json']]);
  assert.equal(items[0]!.error!.detail, 'a line holding only "{" opens an object that is not closed before the next object opens on line 3');
  assert.equal(items[3]!.error!.detail, 'a line holding only "{" opens an object that is not closed before the end of the file');
  // a file cut short inside its last pretty-printed record (in a string, or between members; a chat's turns a level
  // down): that record is one rejection at its "{" line, its lines its raw (each line was its own invalid_json)
  const record = pretty({ messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a long answer' }] });
  for (const end of [record.indexOf('long'), record.indexOf('"role": "assistant"'), record.lastIndexOf('}') - 1]) {
    const cut = writeFiles(dir, { 'cut-end.jsonl': pretty({ text: 'kept' }) + record.slice(0, end) })['cut-end.jsonl']!;
    const got = [...readJsonl(cut)];
    assert.deepEqual(got.map((i) => [i.line, i.value ?? i.error!.reason]), [[1, { text: 'kept' }], [4, 'truncated']], String(end));
    assert.equal(got[1]!.raw, record.slice(0, end).trim());
    assert.match(got[1]!.error!.detail, /^the file ends inside the object that the line holding only "\{" opens \(lines 4–\d+\): the file cut short\?$/);
  }
  // a stray "{" whose lines to the end of the file hold a record of its own at its top level: its line alone, as before
  const strayEnd = writeFiles(dir, { 'stray-end.jsonl': '{"text": "a"}\n{\n{"text": "b"}\n' })['stray-end.jsonl']!;
  assert.deepEqual([...readJsonl(strayEnd)].map((i) => [i.line, i.value ?? i.error!.reason]), [[1, { text: 'a' }], [2, 'invalid_json'], [3, { text: 'b' }]]);
  // a stray "{" above records and a stray "}" (or a record's extra one) below them: the object closes but does not
  // parse, and records stand where its keys belong: its "{" line is rejected, the lines after it are read as lines
  const closed = writeFiles(dir, { 'closed.jsonl': '{\n{"text": "r1"}\n  {"text": "r2"},\n}\n{"text": "r3"}\n{\n{"text": "r4"}}\n' })['closed.jsonl']!;
  const back = [...readJsonl(closed)];
  assert.deepEqual(back.map((i) => [i.line, i.value ?? i.error!.reason]),
    [[1, 'invalid_json'], [2, { text: 'r1' }], [3, { text: 'r2' }], [4, 'invalid_json'], [5, { text: 'r3' }], [6, 'invalid_json'], [7, 'invalid_json']]);
  assert.equal(back[0]!.error!.detail, 'a line holding only "{" opens an object that does not parse, and line 2 inside it holds a record where a key belongs: a stray "{"? (the lines after it are read as lines)');
  // a pretty-printed chat's turns, objects on their own lines, stand in its array, not where keys belong: one record
  const chat = writeFiles(dir, { 'chat.jsonl': '{\n  "messages": [\n    {"role": "user", "content": "hi"},\n    {"role": "assistant", "content": "yo"}\n  ]\n}\n' })['chat.jsonl']!;
  assert.deepEqual([...readJsonl(chat)].map((i) => [i.line, i.error?.reason]), [[1, undefined]]);
  // a stray "{" before 200,000 records: they are read ahead to the bound, then read again as lines (a spread of them
  // into the queue overflowed the stack)
  const stray = writeFiles(dir, { 'stray.jsonl': '{\n' + Array.from({ length: 200_000 }, (_, i) => `{"text": "r${i}"}`).join('\n') + '\n' })['stray.jsonl']!;
  const read = [...readJsonl(stray, { maxRawChars: 4 << 20 })];
  assert.deepEqual([read.length, read.filter((i) => i.error).length, read[200_000]!.value], [200_001, 1, { text: 'r199999' }]);
  // one past maxRawChars is not held: its first line is rejected, and its lines are read as lines
  const h = writeFiles(dir, { 'long.jsonl': pretty({ text: 'x'.repeat(100) }) + '{"text": "after"}\n' })['long.jsonl']!;
  assert.deepEqual([...readJsonl(h, { maxRawChars: 50 })].map((i) => [i.line, i.value ?? i.error!.reason]), [[1, 'invalid_json'], [2, 'too_long'], [3, 'invalid_json'], [4, { text: 'after' }]]);
});

test('a JSON array saved as .jsonl is read as the array (as HF reads it), not as one record per line', () => {
  const f = writeFiles(dir, { 'array.jsonl': '[\n  {"text": "first"},\n  {"text": "second"},\n  {"text": "third"}\n]\n' })['array.jsonl']!;
  assert.deepEqual(summary([...readRecords(f, formatOf(f))]), [
    { line: 2, value: { text: 'first' }, reason: undefined },
    { line: 3, value: { text: 'second' }, reason: undefined },
    { line: 4, value: { text: 'third' }, reason: undefined },
  ]);
});

test('a .jsonl (or .json) whose first line is a whole JSON array with more lines after it is JSON Lines: a line that is an array of records is read as them, each at its line, and a note says so', () => {
  // it was read as one JSON array: the lines after it became one invalid_json record (two records counted as one)
  const notes: string[] = [];
  const f = writeFiles(dir, {
    'first-array.jsonl': '[{"text":"a"}, {"text": "b", "n": 1.50}]\n{"text":"c"}\n{oops\n[]\n{"text":"d"}\n[{"text":"e"}, 5]\n',
    'first-array.json': '[{"text":"a"}]\n{"text":"b"}\n{"text":"c"}\n',
  });
  const items = [...readRecords(f['first-array.jsonl']!, 'jsonl', { onNote: (n) => notes.push(n) })];
  assert.deepEqual(summary(items), [
    { line: 1, value: { text: 'a' }, reason: undefined },
    { line: 1, value: { text: 'b', n: 1.5 }, reason: undefined },
    { line: 2, value: { text: 'c' }, reason: undefined },
    { line: 3, value: undefined, reason: 'invalid_json' },
    { line: 5, value: { text: 'd' }, reason: undefined }, // an empty array holds no record
    { line: 6, value: [{ text: 'e' }, 5], reason: undefined }, // not all records: one value, rejected by its shape
  ]);
  assert.deepEqual(items.slice(0, 2).map((i) => i.raw), ['{"text":"a"}', '{"text": "b", "n": 1.50}']);
  assert.deepEqual(notes, ['2 lines hold a JSON array of records, not one record (line 1 first): read as the 2 records they hold, each at its line (JSON Lines holds one record a line)']);
  assert.deepEqual(summary([...readRecords(f['first-array.json']!, 'json')]).map((i) => [i.line, i.value]), [[1, { text: 'a' }], [2, { text: 'b' }], [3, { text: 'c' }]]);
  // arrays one after another are still streamed element by element: a line of many records longer than any one record
  // may be is no too_long record
  const batches = writeFiles(dir, { 'batches.jsonl': '[{"text":"a"}, {"text":"b"}, {"text":"c"}]\n[{"text":"d"}]\n' })['batches.jsonl']!;
  assert.deepEqual(summary([...readRecords(batches, 'jsonl', { maxRawChars: 20 })]).map((i) => i.value), [{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }]);
  // … nor is such a line among JSON Lines (before: one too_long rejection for the line): each record is judged on its own
  const mixed = writeFiles(dir, { 'mixed-batches.jsonl': '{"text":"x"}\n[{"text":"a"}, {"text":"b"}, {"text":"c"}]\n[{"text":"far too long for it"}, {"text":"d"}]\n[1, 2, 3, 4, 5, 6, 7, 8, 9]\n' })['mixed-batches.jsonl']!;
  assert.deepEqual(summary([...readRecords(mixed, 'jsonl', { maxRawChars: 20 })]).map((i) => [i.line, i.reason ?? i.value]),
    [[1, { text: 'x' }], [2, { text: 'a' }], [2, { text: 'b' }], [2, { text: 'c' }], [3, 'too_long'], [3, { text: 'd' }], [4, 'too_long']]);
});

test('JSON: an array element that is an array of records (a nested batch) holds them, as a JSON Lines line does; an array of chat turns is one value', () => {
  // before: `[[{...}, {...}]]`'s element was one unknown_shape record ("records batched in a list, all rejected")
  const notes: string[] = [];
  const f = writeFiles(dir, {
    'nested.json': '[\n[{"text":"a"}, {"text": "b"}],\n{"text":"c"},\n[]\n]\n',
    'turns.jsonl': '{"text":"x"}\n[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]\n',
  });
  const items = [...readRecords(f['nested.json']!, 'json', { onNote: (n) => notes.push(n) })];
  assert.deepEqual(summary(items), [
    { line: 2, value: { text: 'a' }, reason: undefined },
    { line: 2, value: { text: 'b' }, reason: undefined },
    { line: 3, value: { text: 'c' }, reason: undefined },
  ]);
  assert.deepEqual(items.slice(0, 2).map((i) => i.raw), ['{"text":"a"}', '{"text": "b"}']);
  assert.deepEqual(notes, ['2 array elements are JSON arrays of records, not records (line 2 first): read as the 2 records they hold, each at the line its array starts']);
  // a conversation's turns in a list are one chat written without "messages", not a batch of records
  const turns = [...readRecords(f['turns.jsonl']!, 'jsonl')];
  assert.deepEqual(turns.map((i) => i.line), [1, 2]);
  const det = detectRecord(turns[1]!.value, 'generation');
  assert.ok('reason' in det && det.reason === 'unknown_shape' && det.detail.includes('an array of 2 chat turns'), JSON.stringify(det));
});

test('JSON: a nested batch longer than the raw-length bound is one too_long record that says it held records, and what to do', () => {
  // before: "the record's JSON is more than N characters" alone, for an element holding thousands of small records, and
  // no raw text at all when its first line was past the bound
  const batch = `[${Array.from({ length: 20 }, (_, i) => `{"text": "r${i}"}`).join(', ')}]`;
  const f = writeFiles(dir, { 'long-nested.json': `[\n${batch},\n{"text": "after"}\n]\n` })['long-nested.json']!;
  const items = [...readJson(f, { maxRawChars: 100 })];
  assert.deepEqual(summary(items), [{ line: 2, value: undefined, reason: 'too_long' }, { line: 3, value: { text: 'after' }, reason: undefined }]);
  assert.match(items[0]!.error!.detail, /rejected unparsed: an array element that is itself an array \(a batch of records\?\), with every record it holds: give its records as elements of the top-level array, or one a line as JSON Lines$/);
  assert.equal(items[0]!.raw, batch); // its head (up to 64K) for rejected.jsonl, though its first line alone is past the bound: it was ''
});

test('JSON: an object wrapping the records ({"version": 1, "data": [...]}, HF\'s field=) is read as those records, each with its line', () => {
  const f = writeFiles(dir, { 'wrapped.json': '{\n  "version": "1.0",\n  "data": [\n    {"text": "one [x]"},\n    {"text": "two {y}",\n     "id": 2}\n  ]\n}\n' })['wrapped.json']!;
  assert.deepEqual(summary([...readJson(f)]), [
    { line: 4, value: { text: 'one [x]' }, reason: undefined },
    { line: 5, value: { text: 'two {y}', id: 2 }, reason: undefined },
  ]);
  // two arrays of records, or nested objects beside one: one value, as before
  const g = writeFiles(dir, { 'two.json': '{"a": [{"text": "x"}], "b": [{"text": "y"}]}' })['two.json']!;
  assert.equal([...readJson(g)].length, 1);
});

test('JSON: a wrapped record holding an empty object ({"parameters": {}}, {"meta": {}}) leaves the records wrapped, not the file one record', () => {
  // before: the scan still expected a key after "{}" and gave up at the next "," or "]": the whole dataset was one
  // unknown_shape record ("no text field (keys: version, data)"), as was one with an empty object beside the list
  const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];
  const chat = { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }], tools };
  const f = writeFiles(dir, {
    'tools.json': JSON.stringify({ version: '1.0', data: [chat, { text: 'two' }] }),
    'meta.json': '{"meta": {}, "data": [{"text": "one", "extra": {}}, {"text": "two"}]}',
  });
  assert.deepEqual(summary([...readJson(f['tools.json']!)]), [{ line: 1, value: chat, reason: undefined }, { line: 1, value: { text: 'two' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['meta.json']!)]), [{ line: 1, value: { text: 'one', extra: {} }, reason: undefined }, { line: 1, value: { text: 'two' }, reason: undefined }]);
  assert.deepEqual(scanObjectMembers(f['meta.json']!), [{ key: 'meta', kind: 'object', line: 1, char: 9 }, { key: 'data', kind: 'records', line: 1, char: 21 }]);
});

test('JSON: an empty list beside the records ({"data": [...], "errors": []}) is no other list to read: the records are read; beside a scalar the object stays one record', () => {
  // before: refused as one object holding a list of records (the empty list taken for another possible one)
  const entities = { text: 'Paris is in France.', entities: [{ start: 0, end: 5, label: 'LOC' }], relations: [] };
  const f = writeFiles(dir, {
    'errors.json': '{"data": [\n  {"text": "x"},\n  {"text": "y"}\n], "errors": [], "meta": {"page": 1}}\n',
    'entities.json': JSON.stringify(entities),
    'two.json': '{"data": [{"text": "x"}], "extra": [{"text": "y"}], "errors": []}',
    'splits.json': '{"train": [{"text": "x"}], "test": []}',
    'versioned.json': '{"version": "1.0", "data": [{"text": "x"}], "errors": []}',
  });
  assert.deepEqual(summary([...readJson(f['errors.json']!)]), [{ line: 2, value: { text: 'x' }, reason: undefined }, { line: 3, value: { text: 'y' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['entities.json']!)]), [{ line: 1, value: entities, reason: undefined }]);
  assert.equal([...readJson(f['two.json']!)].length, 1, 'two lists of records: one value (that prepare refuses when it is no record)');
  assert.throws(() => [...readJson(f['splits.json']!)], /holds the splits "train", "test" in one object/);
  // before: refused, its scalar taken for a record's text
  assert.deepEqual(summary([...readJson(f['versioned.json']!)]), [{ line: 1, value: { text: 'x' }, reason: undefined }]);
});

test('JSON: one record with one list of objects ({"text": …, "entities": [{…}]}) is that record, not a wrapper of its annotations', () => {
  // before: its entities were read as the records (each rejected, unknown_shape), the record lost
  const entities = { text: 'Paris is in France.', entities: [{ start: 0, end: 5, label: 'LOC' }] };
  const pair = { question: 'Where is Paris?', answer: 'France', sources: [{ url: 'http://example.org' }] };
  const f = writeFiles(dir, { 'entities.json': JSON.stringify(entities), 'pair.json': JSON.stringify(pair), 'wrapper.json': '{"version": "1.0", "data": [{"text": "x"}]}' });
  assert.deepEqual(summary([...readJson(f['entities.json']!)]), [{ line: 1, value: entities, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['pair.json']!)]), [{ line: 1, value: pair, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['wrapper.json']!)]), [{ line: 1, value: { text: 'x' }, reason: undefined }], 'a wrapper is still one');
});

test('JSON: one object too long to be a record that holds a list of records: its too_long rejection names the list and what to do', () => {
  // before: it said only that the record's JSON was too long, though a file as small holding the same is refused naming the list
  const f = writeFiles(dir, { 'big.json': '{"columns": ["text"], "data": [{"text": "a"}, {"text": "b"}]}\n' })['big.json']!;
  const [item, ...more] = [...readJson(f, { maxRawChars: 10 })];
  assert.equal(more.length, 0);
  assert.equal(item!.error?.reason, 'too_long');
  assert.match(item!.error!.detail, /^the file's one object is not a record but holds a list of records \("data"\): save .*jq -c '\.data\[\]'.*; as one record it is 62 bytes, more than any record within --max-chars can take: rejected unparsed$/);
});

test('JSON: one object read as one record for its text key though it holds a list of records: a note names the list and what to do', () => {
  // before: {"text": "A dataset of …", "data": [...]} was kept as one record, its records dropped without a word
  const f = writeFiles(dir, { 'desc.json': '{"text": "Our reviews", "data": [{"text": "a"}, {"text": "b"}]}\n' })['desc.json']!;
  const notes: string[] = [];
  assert.deepEqual(summary([...readJson(f, { onNote: (n) => notes.push(n) })]), [{ line: 1, value: { text: 'Our reviews', data: [{ text: 'a' }, { text: 'b' }] }, reason: undefined }]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^the file's one object is read as one record \(its "text" is a record's text\), not as a wrapper of its list of records \("data" \(2 objects\)\): if it holds the records to train on, save them as their own file \(JSON Lines: jq -c '\.data\[\]' /);
  // a record's annotations (no record's text in them) are no list of records to say anything of
  const g = writeFiles(dir, { 'ents.json': '{"text": "Paris", "entities": [{"start": 0, "end": 5, "label": "LOC"}], "meta": {"spans": [{"start": 0}]}}\n' })['ents.json']!;
  notes.length = 0;
  assert.equal([...readJson(g, { onNote: (n) => notes.push(n) })].length, 1);
  assert.deepEqual(notes, []);
});

test('JSON: with --field text=body, one record {"body": …, "entities": [{…}]} is that record, not a wrapper of its annotations', () => {
  // before: only the default text keys made an object a record: its entities were read as the records, the record lost
  const rec = { body: 'Paris is in France.', entities: [{ start: 0, end: 5, label: 'LOC' }] };
  const f = writeFiles(dir, { 'body.json': JSON.stringify(rec) })['body.json']!;
  assert.deepEqual(summary([...readJson(f, { textField: 'body' })]), [{ line: 1, value: rec, reason: undefined }]);
});

test('JSON: the records of a wrapping object are streamed as an array\'s are: a bad element is one record, the key\'s text elsewhere does not shift lines, a long one is too_long', () => {
  const f = writeFiles(dir, {
    'wrapped.json': '{"name": "data", "info": {"data": [1]},\n "data": [\n  {"text": "one"},\n  {"text": bad},\n  {"text": "three"},\n  {"text": "' + 'x'.repeat(300) + '"}\n ],\n "n": 3}\n',
  })['wrapped.json']!;
  assert.deepEqual(summary([...readJson(f, { maxRawChars: 200 })]), [
    { line: 3, value: { text: 'one' }, reason: undefined },
    { line: 4, value: undefined, reason: 'invalid_json' },
    { line: 5, value: { text: 'three' }, reason: undefined },
    { line: 6, value: undefined, reason: 'too_long' },
  ]);
});

test('JSON: a wrapped list with an element that is no object (null, a number, a string) is read as a top-level array is: that element its own record, the others kept', () => {
  // before: the list was no list of records, and the whole file one unknown_shape record, its records lost with no word of the bad element
  const f = writeFiles(dir, {
    'inline.json': '{"version":"1","data":[{"text":"a"}, null, {"text":"b"}]}',
    'lines.json': '{\n "version": "1",\n "data": [\n  {"text": "a"},\n  42,\n  {"text": "b"},\n  "c",\n  {"text": "d"}\n ]\n}\n',
    'array.json': '[{"text":"a"}, null, {"text":"b"}]',
    'python.json': "{'version': '1', 'data': [{'text': 'a'}, None, {'text': 'b'}]}",
    'scalars.json': '{"version": "1", "data": [null, 1, {"text": "a"}]}',
  });
  const inline = summary([...readJson(f['inline.json']!)]);
  assert.deepEqual(inline, [{ line: 1, value: { text: 'a' }, reason: undefined }, { line: 1, value: null, reason: undefined }, { line: 1, value: { text: 'b' }, reason: undefined }]);
  assert.deepEqual(inline, summary([...readJson(f['array.json']!)]), 'as the same elements in a top-level array');
  assert.deepEqual(summary([...readJson(f['python.json']!)]), inline, 'a Python dict, as its JSON');
  assert.deepEqual(summary([...readJson(f['lines.json']!)]), [
    { line: 4, value: { text: 'a' }, reason: undefined }, { line: 5, value: 42, reason: undefined }, { line: 6, value: { text: 'b' }, reason: undefined },
    { line: 7, value: 'c', reason: undefined }, { line: 8, value: { text: 'd' }, reason: undefined },
  ]);
  // a list mostly of scalars is no list of records: the object is one record, as before
  assert.deepEqual(summary([...readJson(f['scalars.json']!)]), [{ line: 1, value: { version: '1', data: [null, 1, { text: 'a' }] }, reason: undefined }]);
});

test('JSON: a line break typed into a wrapped record\'s string makes that record invalid_json, not the whole file JSON Lines', () => {
  const f = writeFiles(dir, { 'typed.json': '{"data": [\n  {"text": "one"},\n  {"text": "two\nlines"},\n  {"text": "three"}\n]}\n' })['typed.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(summary(items), [
    { line: 2, value: { text: 'one' }, reason: undefined },
    { line: 3, value: undefined, reason: 'invalid_json' },
    { line: 5, value: { text: 'three' }, reason: undefined },
  ]);
  assert.match(items[1]!.error!.detail, /a line break inside a string \(line 3\)/);
});

test('JSON: a blank line typed into an array element\'s string (a paragraph break) is one invalid_json record, the line break inside a string, not two (was: the string unterminated, its rest a second record)', () => {
  const f = writeFiles(dir, {
    'para.json': '[\n{"text": "para one\n\npara two"},\n{"text": "b"}\n]\n',
    'paras.json': '{"data": [\n{"text": "one\n\n  \n\ntwo"},\n{"text": "open\n\n{"text": "c"}\n]}\n',
  });
  const items = [...readJson(f['para.json']!)];
  assert.deepEqual(summary(items), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 5, value: { text: 'b' }, reason: undefined }]);
  assert.equal(items[0]!.error!.detail, 'a line break inside a string (line 2): JSON writes it as \\n');
  assert.equal(items[0]!.raw, '{"text": "para one\n\npara two"}');
  // blank lines of spaces too; a string left open before a blank line and the next element is still cut there
  assert.deepEqual(summary([...readJson(f['paras.json']!)]), [
    { line: 2, value: undefined, reason: 'invalid_json' }, { line: 7, value: undefined, reason: 'invalid_json' }, { line: 9, value: { text: 'c' }, reason: undefined },
  ]);
});

test('JSON: lines of text typed into an array element\'s string (paragraphs, no quote in them) are one invalid_json record too; a string left open at the end of the file with such lines after it, one truncated record', () => {
  // the string was unterminated at the first such line, and its rest a second invalid_json record
  const f = writeFiles(dir, {
    'text-lines.json': '[\n  {"text": "p1\n\np2\nstill"},\n  {"text": "b"}\n]\n',
    'open-end.json': '[\n  {"text": "a"},\n  {"text": "b\nplain\n',
  });
  const items = [...readJson(f['text-lines.json']!)];
  assert.deepEqual(summary(items), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 6, value: { text: 'b' }, reason: undefined }]);
  assert.equal(items[0]!.raw, '{"text": "p1\n\np2\nstill"}');
  assert.equal(items[0]!.error!.detail, 'a line break inside a string (line 2): JSON writes it as \\n');
  assert.deepEqual(summary([...readJson(f['open-end.json']!)]), [{ line: 2, value: { text: 'a' }, reason: undefined }, { line: 3, value: undefined, reason: 'truncated' }]);
});

test('JSON: a stray "{" line above array elements is rejected alone and the elements after it are read, not swallowed as one truncated element', () => {
  // the "{" opened an object that every element after it nested in: one truncated record for the whole array
  const f = writeFiles(dir, {
    'stray-open.json': '[\n  {\n  {"text": "a"},\n  {\n    "text": "b"\n  }\n]\n',
    'stray-comment.json': '[\n  {\n  // a comment\n\n  {"text": "a"}\n]\n',
    'value-next-line.json': '[\n  {\n    "meta":\n    {"a": 1}, "text": "x"\n  }\n]\n',
  });
  const items = [...readJson(f['stray-open.json']!)];
  assert.deepEqual(summary(items), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 3, value: { text: 'a' }, reason: undefined }, { line: 4, value: { text: 'b' }, reason: undefined }]);
  assert.equal(items[0]!.raw, '{');
  assert.equal(items[0]!.error!.detail, 'a line holding only "{" opens an object, and line 3 inside it holds a record where a key belongs: a stray "{"? (the elements after it are read)');
  assert.deepEqual(summary([...readJson(f['stray-comment.json']!)]), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 5, value: { text: 'a' }, reason: undefined }]);
  // an object value on the line after its key is no record where a key belongs: the element is read whole
  assert.deepEqual(summary([...readJson(f['value-next-line.json']!)]), [{ line: 2, value: { meta: { a: 1 }, text: 'x' }, reason: undefined }]);
});

test('JSON: a stray "{" line with a comment after it is rejected alone; a stray "}" line between elements is rejected alone and the element above it read', () => {
  // `{  // note`: the comment made the "{" not alone, and the array was one truncated record; a "}" below an element,
  // with or without a comma between, was read into that element (rejected with it)
  const f = writeFiles(dir, {
    'open-comment.json': '[\n  {"text": "a1"},\n  {  // note\n  {"text": "a2"},\n  {"text": "a3"}\n]\n',
    'close-below.json': '[\n{"text": "b1"},\n{"text": "b2"}\n}\n]\n',
    'close-comma.json': '[\n{"text": "b1"},\n{\n  "text": "b2"\n}\n},\n{"text": "b3"}\n]\n',
    'close-after-comma.json': '[\n{"text": "b1"},\n}\n]\n',
    'no-open.json': '[\n  "text": "c"\n  },\n  {"text": "d"}\n]\n',
  });
  const open = [...readJson(f['open-comment.json']!)];
  assert.deepEqual(summary(open), [{ line: 2, value: { text: 'a1' }, reason: undefined }, { line: 3, value: undefined, reason: 'invalid_json' },
    { line: 4, value: { text: 'a2' }, reason: undefined }, { line: 5, value: { text: 'a3' }, reason: undefined }]);
  assert.equal(open[1]!.raw, '{');
  const stray = { value: undefined, reason: 'invalid_json' };
  const below = [...readJson(f['close-below.json']!)];
  assert.deepEqual(summary(below), [{ line: 2, value: { text: 'b1' }, reason: undefined }, { line: 3, value: { text: 'b2' }, reason: undefined }, { line: 4, ...stray }]);
  assert.equal(below[2]!.raw, '}');
  assert.equal(below[2]!.error!.detail, 'a line that starts with "}" where no object is open (between the array\'s elements): a stray "}"? (the elements around it are read)');
  // its comma is no empty element
  assert.deepEqual(summary([...readJson(f['close-comma.json']!)]), [{ line: 2, value: { text: 'b1' }, reason: undefined }, { line: 3, value: { text: 'b2' }, reason: undefined },
    { line: 6, ...stray }, { line: 7, value: { text: 'b3' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['close-after-comma.json']!)]), [{ line: 2, value: { text: 'b1' }, reason: undefined }, { line: 3, ...stray }]);
  // an element that is no object (its "{" left out) is read with the "}" below it: one record
  const noOpen = [...readJson(f['no-open.json']!)];
  assert.deepEqual(summary(noOpen), [{ line: 2, ...stray }, { line: 4, value: { text: 'd' }, reason: undefined }]);
  assert.equal(noOpen[0]!.raw, '"text": "c"\n  }');
});

test('JSON: an element that a "{" left open ends above the next line that starts a record where no value belongs; the elements from it are read', () => {
  // the element took every line to the end of the file: one truncated record, the elements after it lost
  const f = writeFiles(dir, {
    'open-value.json': '[\n  {\n    "text": "a",\n    "n": {4\n  },\n  {\n    "text": "b"\n  },\n  {"text": "c"}\n]\n',
    'open-after.json': '[\n  {"text": "a"}{,\n  {"text": "b"},\n  {"text": "c"}\n]\n',
    'open-key.json': '[\n  {\n    "text": {"a",\n    "n": 3\n  },\n  {"text": "b"}\n]\n',
    // JSON: a value on the line after its key, a record in a list after its comma
    'valid.json': '[\n  {"text": "a", "m":\n  {"x": 1}, "l": [1,\n  {"y": 2}]},\n  {"text": "b"}\n]\n',
  });
  const open = [...readJson(f['open-value.json']!)];
  assert.deepEqual(summary(open), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 6, value: { text: 'b' }, reason: undefined }, { line: 9, value: { text: 'c' }, reason: undefined }]);
  assert.equal(open[0]!.raw, '{\n    "text": "a",\n    "n": {4\n  },');
  assert.equal(open[0]!.error!.detail, 'a "{" or "[" in it is not closed before line 6, which starts a record inside it where no value belongs: the element ends above it (the elements from line 6 are read)');
  assert.deepEqual(summary([...readJson(f['open-after.json']!)]), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 3, value: { text: 'b' }, reason: undefined }, { line: 4, value: { text: 'c' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['open-key.json']!)]), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 6, value: { text: 'b' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['valid.json']!)]), [{ line: 2, value: { text: 'a', m: { x: 1 }, l: [1, { y: 2 }] }, reason: undefined }, { line: 5, value: { text: 'b' }, reason: undefined }]);
});

test('JSON: an element that a "[" left open, the file ending inside it, ends above the first record below that "[" indented no deeper than the element; the elements from it are read', () => {
  // the element took the records below it as its list's, to the end of the file: one truncated record, the elements lost
  const f = writeFiles(dir, {
    'open-list.json': '[\n  {"text": "a", "tags": ["x", "y",\n  {"text": "b"},\n  {"text": "c"}\n]\n',
    'open-bracket.json': '[\n  {"text": "a", "tags": [\n  {"text": "b"},\n  {"text": "c"}\n]\n',
    'open-pretty.json': '[\n  {\n    "text": "a",\n    "turns": [\n  {\n    "text": "b"\n  },\n  {"text": "c"}\n]\n',
    // JSON: a nested batch, and a list, whose records are indented as the element is; a file cut short inside an element
    'valid.json': '[\n  [\n  {"text": "a"},\n  {"text": "b"}\n  ],\n  {"text": "c", "l": [\n  {"y": 2}\n  ]}\n]\n',
    'cut-short.json': '[\n  {"text": "a", "tags": [\n    {"x": 1},\n    {"x": 2}\n',
    // the "[" closed, the file cut short inside an object after it: the list's records are the element's, not elements
    'list-closed.json': '[\n  {"text": "a", "tags": [\n  {"text": "b"}\n  ], "meta": {"n": 1,\n',
  });
  const open = [...readJson(f['open-list.json']!)];
  assert.deepEqual(summary(open), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 3, value: { text: 'b' }, reason: undefined }, { line: 4, value: { text: 'c' }, reason: undefined }]);
  assert.equal(open[0]!.raw, '{"text": "a", "tags": ["x", "y",');
  assert.equal(open[0]!.error!.detail, 'a "[" in it is not closed before the end of the file: line 3, which starts a record indented no deeper than the element inside that "[", starts the next element (the elements from line 3 are read)');
  assert.deepEqual(summary([...readJson(f['open-bracket.json']!)]), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 3, value: { text: 'b' }, reason: undefined }, { line: 4, value: { text: 'c' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['open-pretty.json']!)]), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 5, value: { text: 'b' }, reason: undefined }, { line: 8, value: { text: 'c' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['valid.json']!)]), [{ line: 2, value: { text: 'a' }, reason: undefined }, { line: 2, value: { text: 'b' }, reason: undefined }, { line: 6, value: { text: 'c', l: [{ y: 2 }] }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['cut-short.json']!)]), [{ line: 2, value: undefined, reason: 'truncated' }]);
  assert.deepEqual(summary([...readJson(f['list-closed.json']!)]), [{ line: 2, value: undefined, reason: 'truncated' }]);
});

test('JSON: an element whose "[" closes and that closes after it, the array\'s "]" not written, is read whole: no record of its list read as an element', () => {
  // b771a640's cut stayed past the "]" and "}" that closed the list and the element: the element was rejected as a "["
  // left open and {"x": 1}, a record of its list, was read (and trained on) as the next element
  const f = writeFiles(dir, { 'list-closed-no-end.json': '[\n  {"text": "a", "tags": [\n  {"x": 1}\n  ]}\n' });
  assert.deepEqual(summary([...readJson(f['list-closed-no-end.json']!)]), [{ line: 2, value: undefined, reason: 'truncated' }]);
});

test('JSON: elements read again after a "[" left open are bounded in lines too: a file of 20,000 "[" lines is read in few records, every line in one', () => {
  // REPLAY_LIMIT counted characters only: 1,790 nested readings of up to 20,000 lines each (32M lines, 11 s of CPU and
  // 845 MB for a 40 KB file); past the bound an element keeps the lines it took (none read again)
  const f = writeFiles(dir, { 'open-lines.json': '[\n' + '[\n'.repeat(20000) });
  const items = [...readJson(f['open-lines.json']!)];
  assert.ok(items.length < 200, `${items.length} records`);
  assert.ok(items.slice(0, -1).every((r) => r.error?.reason === 'invalid_json'));
  assert.equal(items.at(-1)!.error!.reason, 'truncated');
  assert.equal(items.reduce((n, r) => n + r.raw.split('\n').length, 0), 20000); // lines 2–20001, each in one record
});

test('JSON: a record of a list inside an element, its "{" lost above it, does not end the element there (no fragment of it read as a record)', () => {
  // 988a2a4d's cut took line 6, indented deeper than the element, for the next element: {"text": "z"} was read (and
  // trained on), the "]" below it closed the array, and the lines after it were read as JSON Lines
  const f = writeFiles(dir, {
    'lost-open.json': '[\n  {\n    "examples": [\n      {"text": "x"},\n      "text": "y"},\n      {"text": "z"}\n    ]\n  },\n  {"text": "b"}\n]\n',
  });
  const notes: string[] = [];
  const items = [...readJson(f['lost-open.json']!, { onNote: (n) => notes.push(n) })];
  assert.deepEqual(items.filter((i) => i.error === undefined).map((i) => i.value), [{ text: 'b' }]);
  assert.equal(items[0]!.line, 2);
  assert.equal(items[0]!.error!.reason, 'invalid_json');
  assert.ok(items[0]!.raw.includes('{"text": "z"}'), items[0]!.raw);
  assert.deepEqual(notes, []);
});

test('JSON: JSON Lines saved as .json are found so by a streaming scan (not parsed whole first); one object past maxRawChars is too_long unparsed', () => {
  const f = writeFiles(dir, {
    'lines.json': '{"text": "one"}\n{"text": "two"}\n',
    'one.json': '{"version": 1, "data": ["not records"]}',
    'big.json': JSON.stringify({ text: 'x'.repeat(400) }),
  });
  assert.equal(scanObjectMembers(f['lines.json']!), 'lines');
  assert.deepEqual(summary([...readJson(f['lines.json']!)]), [{ line: 1, value: { text: 'one' }, reason: undefined }, { line: 2, value: { text: 'two' }, reason: undefined }]);
  assert.deepEqual(scanObjectMembers(f['one.json']!), [{ key: 'version', kind: 'scalar', line: 1, char: 12 }, { key: 'data', kind: 'array', line: 1, char: 23 }]);
  const [big] = [...readJson(f['big.json']!, { maxRawChars: 100 })];
  assert.equal(big!.error?.reason, 'too_long');
  assert.match(big!.error!.detail, /^the record's JSON is 411 bytes, more than any record within --max-chars can take; rejected unparsed$/);
  assert.equal([...readJson(f['big.json']!, { maxRawChars: 200 })][0]!.error, undefined, 'within 3 bytes a character it may fit: parsed');
});

test('JSON: a file holding one conversation ({"messages": [...]}, ShareGPT\'s {"conversations": [...]}) is one record, not one per turn', () => {
  const chat = { id: 'c1', messages: [{ role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Paris.' }] };
  const share = { id: 7, conversations: [{ from: 'human', value: 'Capital of Spain?' }, { from: 'gpt', value: 'Madrid.' }] };
  const f = writeFiles(dir, { 'chat.json': JSON.stringify(chat, null, 2), 'share.json': JSON.stringify(share) });
  assert.deepEqual(summary([...readJson(f['chat.json']!)]), [{ line: 1, value: chat, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['share.json']!)]), [{ line: 1, value: share, reason: undefined }]);
  // records that have a "from" or a "role" of their own (e-mails, OpenAssistant messages) are still records
  const mails = { data: [{ from: 'a@x.org', text: 'Win a prize', label: 'spam' }, { role: 'prompter', text: 'Hi?' }] };
  const g = writeFiles(dir, { 'mails.json': JSON.stringify(mails) })['mails.json']!;
  assert.deepEqual([...readJson(g)].map((i) => i.value), mails.data);
});

test("JSON: pandas' to_json layouts: orient=\"table\" is read as its records; by column, by index, split, and several splits in one object are one-line errors", () => {
  const rows = [{ text: 'The first review.', label: 1 }, { text: 'The second review.', label: 0 }];
  const table = { schema: { fields: [{ name: 'index', type: 'integer' }, { name: 'text', type: 'string' }], primaryKey: ['index'], pandas_version: '1.4.0' },
    data: rows.map((r, index) => ({ index, ...r })) };
  const t = writeFiles(dir, { 'table.json': JSON.stringify(table) })['table.json']!;
  assert.deepEqual([...readJson(t)].map((i) => i.value), table.data);
  const refused: Array<[string, unknown, RegExp]> = [
    ['columns.json', { text: { 0: rows[0]!.text, 1: rows[1]!.text }, label: { 0: 1, 1: 0 } }, /orient="columns" layout .*DataFrame\.to_json\(\)'s default/],
    ['index.json', { 0: rows[0], 1: rows[1] }, /orient="index" layout/],
    ['split.json', { columns: ['text', 'label'], index: [0, 1], data: rows.map((r) => [r.text, r.label]) }, /orient="split" layout/],
    ['splits.json', { train: [rows[0]], test: [rows[1]] }, /holds the splits "train", "test" in one object: save each as its own file .*--val or --test/],
    ['lists.json', { text: rows.map((r) => r.text), label: rows.map((r) => r.label) }, /a table by column \(each of "text", "label" a list of 2 values: json\.dump of Dataset\.to_dict\(\)/],
  ];
  for (const [name, value, message] of refused) {
    const f = writeFiles(dir, { [name]: JSON.stringify(value) })[name]!;
    assert.throws(() => [...readJson(f)], (e: Error) => e.name === 'UserError' && e.message.startsWith(`${f}:1: `) && message.test(e.message) && !e.message.includes('\n'), name);
  }
  // a record with object fields, an object keyed by ids that are not row numbers, or a pre-tokenized record's lists of
  // numbers, is one value as before
  for (const value of [{ text: 'T', meta: { source: 'web' } }, { a1: { text: 'x' }, b2: { text: 'y' } }, { input_ids: [1, 2, 3], labels: [-100, 2, 3] }]) {
    const f = writeFiles(dir, { 'one.json': JSON.stringify(value) })['one.json']!;
    assert.deepEqual([...readJson(f)].map((i) => i.value), [value]);
  }
});

test('JSON array: elements streamed with the line each starts on; strings with brackets, nesting, bad elements', () => {
  const f = writeFiles(dir, {
    'a.json': '\ufeff[\n  {"text": "has ] and [ and \\" and , inside"},\n  {"messages": [{"role": "user", "content": "{x}"},\n    {"role": "assistant", "content": "y"}]},\n  {"text": bad},\n  3, {"text": "two on a line"}\n]\n',
  })['a.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(summary(items), [
    { line: 2, value: { text: 'has ] and [ and " and , inside' }, reason: undefined },
    { line: 3, value: { messages: [{ role: 'user', content: '{x}' }, { role: 'assistant', content: 'y' }] }, reason: undefined },
    { line: 5, value: undefined, reason: 'invalid_json' },
    { line: 6, value: 3, reason: undefined },
    { line: 6, value: { text: 'two on a line' }, reason: undefined },
  ]);
  assert.equal(items[2]!.raw, '{"text": bad}');
});

test('JSON array: an empty element, text after the array, and an unclosed array are reported', () => {
  const f = writeFiles(dir, {
    'b.json': '[{"text":"a"},,{"text":"b"}] trailing',
    'c.json': '[{"text":"a"},\n{"text":"b"',
    'd.json': '[]',
  });
  assert.deepEqual(summary([...readJson(f['b.json']!)]), [
    { line: 1, value: { text: 'a' }, reason: undefined },
    { line: 1, value: undefined, reason: 'invalid_json' },
    { line: 1, value: { text: 'b' }, reason: undefined },
    { line: 1, value: undefined, reason: 'invalid_json' },
  ]);
  assert.deepEqual(summary([...readJson(f['c.json']!)]), [
    { line: 1, value: { text: 'a' }, reason: undefined },
    { line: 2, value: undefined, reason: 'truncated' }, // the file ends inside it: cut short
  ]);
  assert.deepEqual([...readJson(f['d.json']!)], []);
});

test('JSON array: a trailing comma before "]" is the array\'s end, not an element; a note says so', () => {
  const f = writeFiles(dir, {
    'trail.json': '[\n {"text":"a"},\n {"text":"b"},\n]\n[{"text":"c"},]',
    'lead.json': '[,{"text":"a"}]',
  });
  const notes: string[] = [];
  assert.deepEqual(summary([...readJson(f['trail.json']!, { onNote: (n) => notes.push(n) })]), [
    { line: 2, value: { text: 'a' }, reason: undefined },
    { line: 3, value: { text: 'b' }, reason: undefined },
    { line: 5, value: { text: 'c' }, reason: undefined },
  ]);
  assert.deepEqual(notes, ['2 commas before "]" (a trailing comma, which JSON does not allow) read as the end of the array']);
  // a comma with no element before it is no trailing comma: an empty element
  assert.deepEqual(summary([...readJson(f['lead.json']!)]).map((r) => r.reason), ['invalid_json', undefined]);
});

test('JSON: a single object is one record; a .json file of lines is read as JSONL', () => {
  const f = writeFiles(dir, {
    'one.json': '\n{\n  "prompt": "p",\n  "completion": "c"\n}\n',
    'lines.json': '{"text":"a"}\n{"text":"b"}\n',
  });
  assert.deepEqual(summary([...readJson(f['one.json']!)]), [{ line: 2, value: { prompt: 'p', completion: 'c' }, reason: undefined }]);
  assert.deepEqual(summary([...readJson(f['lines.json']!)]).map((x) => x.line), [1, 2]);
});

test('every reader of JSON gives the text of a number as the file spells it (JSONL, an array, a wrapping object, one object); values stay JSON.parse\'s', () => {
  const lines = [
    '{"prompt": "Price?", "completion": 3.50}',
    '{"text": 12345678901234567890}',
    '{"text": -1.0e-3, "id": 7}',
    '{"messages": [{"role": "user", "content": "Rate?"}, {"role": "assistant", "content": 1e5}]}',
    '{"text": -42, "score": 0.5}', // written as String() writes them: as before
  ];
  const expected = [['Price?', '3.50'], ['12345678901234567890'], ['-1.0e-3'], ['Rate?', '1e5'], ['-42']];
  const texts = (items: RawItem[]) => items.map((i) => {
    const det = detectRecord(i.value, 'generation');
    return 'record' in det ? textFields(det.record).map((f) => f.text) : det.reason;
  });
  const f = writeFiles(dir, {
    'spelled.jsonl': lines.join('\n') + '\n',
    'spelled-array.json': '[\n' + lines.join(',\n') + '\n]\n',
    'spelled-array.jsonl': '[' + lines.join(', ') + ']',
    'spelled-wrapped.json': '{"version": 1.0, "data": [\n' + lines.join(',\n') + '\n]}\n',
  });
  for (const [name, file] of Object.entries(f)) {
    const items = [...readRecords(file, formatOf(file))];
    assert.deepEqual(texts(items), expected, name);
    assert.deepEqual(items.map((i) => i.value), lines.map((l) => JSON.parse(l)), `${name}: the values are JSON.parse's`);
  }
  const one = writeFiles(dir, { 'one-spelled.json': '{\n  "prompt": "Price?",\n  "completion": 1.0\n}\n' })['one-spelled.json']!;
  assert.deepEqual(texts([...readRecords(one, 'json')]), [['Price?', '1.0']]);
});

test('plain text: one record per file, or one per blank-line block', () => {
  const f = writeFiles(dir, { 'a.txt': '\n\nFirst block\nstill first\n\n\nSecond\n  \nThird\n' })['a.txt']!;
  assert.deepEqual(summary([...readText(f)]), [{ line: 1, value: { text: '\n\nFirst block\nstill first\n\n\nSecond\n  \nThird' }, reason: undefined }]);
  assert.deepEqual(summary([...readText(f, { textSplit: 'blank-lines', textField: 'body' })]), [
    { line: 3, value: { body: 'First block\nstill first' }, reason: undefined },
    { line: 7, value: { body: 'Second' }, reason: undefined },
    { line: 9, value: { body: 'Third' }, reason: undefined },
  ]);
});

test('formats by extension', () => {
  assert.deepEqual(['a.jsonl', 'b.NDJSON', 'c.json', 'd.csv', 'e.tsv', 'f.txt', 'g.md', 'h.jsonlines', 'i.tab'].map((x) => formatOf(x)), ['jsonl', 'jsonl', 'json', 'csv', 'tsv', 'text', 'text', 'jsonl', 'tsv']);
  assert.equal(formatOf('x.txt', 'jsonl'), 'jsonl');
});

test('JSON array: an unterminated string ends its element at the end of the line; the elements after it are read', () => {
  const f = writeFiles(dir, {
    'broken.json': '[\n{"text": "a"},\n{"text": "unterminated},\n{"text": "b"},\n  {\n    "text": "pretty but broken\n  },\n  {"text": "c"}, {"text": "x\n, {"text": "d"}\n]\n',
  })['broken.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(summary(items), [
    { line: 2, value: { text: 'a' }, reason: undefined },
    { line: 3, value: undefined, reason: 'invalid_json' },
    { line: 4, value: { text: 'b' }, reason: undefined },
    { line: 5, value: undefined, reason: 'invalid_json' },
    { line: 8, value: { text: 'c' }, reason: undefined },
    { line: 8, value: undefined, reason: 'invalid_json' },
    { line: 9, value: { text: 'd' }, reason: undefined },
  ]);
  assert.equal(items[1]!.raw, '{"text": "unterminated},');
  assert.match(items[1]!.error!.detail, /Unterminated string/);
});

test('JSON array: a line break typed into a nested string is one broken element; the nesting holds and every later element is read', () => {
  const f = writeFiles(dir, {
    'nested.json': '[\n  {"messages": [\n    {"role": "user", "content": "line one\nline two"},\n    {"role": "assistant", "content": "ok"}\n  ]},\n' +
      '  {"text": "record two"},\n  {"text": "line a\nline b"},\n  {"text": "record four"}\n]\n',
  })['nested.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(summary(items), [
    { line: 2, value: undefined, reason: 'invalid_json' },
    { line: 7, value: { text: 'record two' }, reason: undefined },
    { line: 8, value: undefined, reason: 'invalid_json' },
    { line: 10, value: { text: 'record four' }, reason: undefined },
  ]);
  assert.match(items[0]!.error!.detail, /a line break inside a string \(line 3\)/);
  assert.match(items[0]!.raw, /"ok"\}\n {2}\]\}$/, 'the whole element, to its closing brackets');
});

test('JSON: arrays one after another are all read; text after a closing "]" is read on, not dropped', () => {
  const f = writeFiles(dir, { 'batches.json': '[{"text":"first one"}]\n[{"text":"second one"}]\n[{"text":"third one"}]\n', 'tail.json': '[{"text":"a"}]\ngarbage\n' });
  assert.deepEqual(summary([...readJson(f['batches.json']!)]).map((r) => r.value), [{ text: 'first one' }, { text: 'second one' }, { text: 'third one' }]);
  assert.deepEqual(summary([...readJson(f['tail.json']!)]), [{ line: 1, value: { text: 'a' }, reason: undefined }, { line: 2, value: undefined, reason: 'invalid_json' }]);
});

test('JSON Lines whose first lines are batches ([{…}] a line) and then records: every line is read as JSON Lines, none rejected for following a "]"', () => {
  // before: a second one-line array made the file arrays one after another, and the record line after them was
  // rejected (invalid_json: "text after the closing \"]\" of the array"), where one such array before it was read so
  const f = writeFiles(dir, {
    'batches.jsonl': '[{"text":"first one"}]\n[{"text":"second one"}, {"text":"third one"}]\n{"text":"fourth one"}\n[{"text":"fifth one"}]\n',
    'batches-then-record.json': '[{"text":"first one"}]\n\n[{"text":"second one"}]\n{"text":"third one"}\n',
  });
  assert.deepEqual(summary([...readRecords(f['batches.jsonl']!, 'jsonl')]).map((r) => [r.line, r.value, r.reason]),
    [[1, { text: 'first one' }, undefined], [2, { text: 'second one' }, undefined], [2, { text: 'third one' }, undefined], [3, { text: 'fourth one' }, undefined], [4, { text: 'fifth one' }, undefined]]);
  assert.deepEqual(summary([...readJson(f['batches-then-record.json']!)]).map((r) => [r.line, r.value, r.reason]),
    [[1, { text: 'first one' }, undefined], [3, { text: 'second one' }, undefined], [4, { text: 'third one' }, undefined]]);
});

test('a multi-line JSON array followed by JSON Lines records: each record after the "]" read (or rejected) at its own line, none lumped', () => {
  // before: every line after the "]" was one invalid_json record ("text after the closing \"]\""): 3 records read as 2
  const f = writeFiles(dir, {
    'then-lines.json': '[\n{"text":"a"}\n]\n{"text":"b"}\n{"text":"c"}\n',
    'then-mixed.json': '[\n  {"text": "a"},\n  {"text": "b"}\n]\n\n{"text": "c"}\nnot json\n{\n  "text": "d"\n}\n',
  });
  const notes: string[] = [];
  assert.deepEqual(summary([...readJson(f['then-lines.json']!, { onNote: (n) => notes.push(n) })]),
    [{ line: 2, value: { text: 'a' }, reason: undefined }, { line: 4, value: { text: 'b' }, reason: undefined }, { line: 5, value: { text: 'c' }, reason: undefined }]);
  assert.deepEqual(notes, ['the array that closes at line 3 is followed by more text (line 4 on): read as JSON Lines, one record a line']);
  assert.deepEqual(summary([...readJson(f['then-mixed.json']!)]), [
    { line: 2, value: { text: 'a' }, reason: undefined }, { line: 3, value: { text: 'b' }, reason: undefined },
    { line: 6, value: { text: 'c' }, reason: undefined }, { line: 7, value: undefined, reason: 'invalid_json' }, { line: 8, value: { text: 'd' }, reason: undefined },
  ]);
});

test('a JSON array pretty-printed after JSON Lines (after a one-line or a multi-line array and records): its "[" and "]" lines no records, its elements read', () => {
  // before: the later array's "[" and "]" lines were each rejected (invalid_json: "Unexpected end of JSON input",
  // "Unexpected token ']'"); HF's load_dataset("json") and pandas refuse the whole file, this reads what it plainly holds
  const f = writeFiles(dir, {
    'one-line-first.json': '[{"text": "a"}, {"text": "b"}]\n{"text": "c"}\n[\n  {"text": "d"}\n]\n',
    'pretty-first.json': '[\n{"text": "a"}\n]\n{"text": "c"}\n[\n  {\n    "text": "d"\n  },\n  {"text": "e"}\n],\n',
    'among.jsonl': '{"text": "a"}\n[\n  {"text": "b"},\n  {"text": "c"}\n]\n{"text": "d"}\n',
  });
  const notes: string[] = [];
  const read = (name: string) => summary([...readRecords(f[name]!, name.endsWith('.jsonl') ? 'jsonl' : 'json', { onNote: (n) => notes.push(n) })]).map((r) => [r.line, r.value, r.reason]);
  assert.deepEqual(read('one-line-first.json'), [[1, { text: 'a' }, undefined], [1, { text: 'b' }, undefined], [2, { text: 'c' }, undefined], [4, { text: 'd' }, undefined]]);
  assert.ok(notes.includes('a JSON array pretty-printed among the JSON Lines ("[" at line 3): the lines of its "[" and "]" read as no record, those between them as ' +
    'the records they are (HF\'s load_dataset("json") refuses such a file: make it one JSON array, or one record a line)'), notes.join('\n'));
  assert.deepEqual(read('pretty-first.json'), [[2, { text: 'a' }, undefined], [4, { text: 'c' }, undefined], [6, { text: 'd' }, undefined], [9, { text: 'e' }, undefined]]);
  assert.deepEqual(read('among.jsonl'), [[1, { text: 'a' }, undefined], [3, { text: 'b' }, undefined], [4, { text: 'c' }, undefined], [6, { text: 'd' }, undefined]]);
});

test('in JSON Lines, a "[" line that no "]" line closes, and a "]" line that closes no "[", are each rejected saying so; the records around them read', () => {
  const f = writeFiles(dir, { 'stray-open.jsonl': '{"text": "a"}\n[\n{"text": "b"}\n[\n  {"text": "c"}\n]\n', 'stray-close.jsonl': '{"text": "a"}\n]\n{"text": "b"}\n' });
  const items = (name: string) => [...readRecords(f[name]!, 'jsonl')].map((i) => [i.line, i.value ?? i.error?.detail]);
  // (the "]" closes the nearer "[", as nested arrays close)
  assert.deepEqual(items('stray-open.jsonl'), [[1, { text: 'a' }], [3, { text: 'b' }], [5, { text: 'c' }],
    [2, 'a line holding only "[" opens an array that no line holding only "]" closes before the end of the file (the lines after it are read as lines)']]);
  assert.deepEqual(items('stray-close.jsonl'), [[1, { text: 'a' }], [2, 'a line holding only "]" closes no array (no line holding only "[" before it)'], [3, { text: 'b' }]]);
});

test('in JSON Lines, a pretty-printed array of arrays (batches) among the records: its "[" and "]" lines pair as nested, none rejected; "] ," closes one as "]," does', () => {
  // before: the outer "[" was rejected as closed by no "]" (before the inner "["), and the outer "]" as closing none
  const f = writeFiles(dir, {
    'nested.jsonl': '{"text": "a"}\n[\n  [\n    {"text": "b"}\n  ],\n  [\n    {"text": "c"}\n  ]\n]\n{"text": "d"}\n',
    'spaced.jsonl': '{"text": "a"}\n[ \n{"text": "b"}\n] ,\n{"text": "c"}\n',
  });
  const items = (name: string) => [...readRecords(f[name]!, 'jsonl')].map((i) => [i.line, i.value ?? i.error?.detail]);
  assert.deepEqual(items('nested.jsonl'), [[1, { text: 'a' }], [4, { text: 'b' }], [7, { text: 'c' }], [10, { text: 'd' }]]);
  assert.deepEqual(items('spaced.jsonl'), [[1, { text: 'a' }], [3, { text: 'b' }], [5, { text: 'c' }]]);
});

test('batches a line, some followed by a comma (lines cut from an array of batches, hand-joined): each batch\'s records, none swallowed', () => {
  // before: read as arrays one after another, the "," after the second "]" and every line after it were one
  // invalid_json record ("text after the closing \"]\""): 5 records read as 4
  const f = writeFiles(dir, { 'pasted.jsonl': '[{"text":"first one"}]\n[{"text":"second one"}, {"text":"third one"}],\n[{"text":"fourth one"}]\n[{"text":"fifth one"}]\n' });
  assert.deepEqual(summary([...readRecords(f['pasted.jsonl']!, 'jsonl')]).map((r) => [r.line, r.value, r.reason]),
    [[1, { text: 'first one' }, undefined], [2, { text: 'second one' }, undefined], [2, { text: 'third one' }, undefined], [3, { text: 'fourth one' }, undefined], [4, { text: 'fifth one' }, undefined]]);
});

test('JSON array on one line: each element is judged by its own bytes (every bad one rejected, the clean ones kept)', () => {
  const file = path.join(dir, 'minified.json');
  fs.writeFileSync(file, Buffer.concat([Buffer.from('[{"text":"clean one"},{"text":"bad '), Buffer.from([0xff]), Buffer.from(' one"},{"text":"caf'),
    Buffer.from([0xe9]), Buffer.from(' two"},{"text":"nul '), Buffer.from([0]), Buffer.from(' three"},{"text":"clean \u00e9 four"}]\n')]));
  const items = [...readJson(file)];
  assert.deepEqual(items.map((it) => it.error?.reason ?? (it.value as { text: string }).text), ['clean one', 'invalid_utf8', 'invalid_utf8', 'binary', 'clean é four']);
  assert.match(items[2]!.error!.detail, /byte 56 of line 1/); // its own bad byte, not the line's first
});

test('lone CR line ends (classic Mac, Excel\'s "CSV (Macintosh)") end lines; a line too long for any record is a one-line error naming it', () => {
  const f = writeFiles(dir, { 'mac.csv': 'text\rhello there from a mac\rsecond row here\r', 'mac.jsonl': '{"text":"a"}\r{"text":"b"}\r' });
  assert.deepEqual(summary([...readCsv(f['mac.csv']!, ',')]).map((r) => r.value), [{ text: 'hello there from a mac' }, { text: 'second row here' }]);
  assert.deepEqual(summary([...readJsonl(f['mac.jsonl']!)]).map((r) => r.value), [{ text: 'a' }, { text: 'b' }]);
  // a Mac CSV whose cell holds an LF (typed into it): its rows end with CRs still; read at LFs alone, they ran into the header
  const cell = writeFiles(dir, { 'mac-cell.csv': 'text,label\rhello there,a\r"multi\nline cell",b\rlast row,c\r' })['mac-cell.csv']!;
  assert.deepEqual(summary([...readCsv(cell, ',')]).map((r) => [r.line, r.value]), [
    [2, { text: 'hello there', label: 'a' }], [3, { text: 'multi\nline cell', label: 'b' }], [5, { text: 'last row', label: 'c' }],
  ]);
  // an LF file with a stray CR in a line keeps its lines
  const stray = writeFiles(dir, { 'stray-cr.jsonl': '{"text":"a\rb"}\n{"text":"c"}\n{"text":"d"}\n' })['stray-cr.jsonl']!;
  assert.deepEqual([...readLines(stray)].map((l) => l.text), ['{"text":"a\rb"}', '{"text":"c"}', '{"text":"d"}']);
  const long = writeFiles(dir, { 'long.jsonl': `{"text":"ok"}\n{"text":"${'x'.repeat(10000)}"}\n` })['long.jsonl']!;
  assert.throws(() => [...readLines(long, 1024, 4096)], (e: Error) => /long\.jsonl:2: a line of more than 4096 bytes, longer than a string can be: split it/.test(e.message));
  // a first chunk that ends with the CR of a CRLF is not taken for lone-CR line ends
  const crlf = writeFiles(dir, { 'crlf.txt': 'abcdefg\r\nline2\r\nline3\r\n' })['crlf.txt']!;
  assert.deepEqual([...readLines(crlf, 8)].map((l) => l.text), ['abcdefg', 'line2', 'line3']);
});

test('a record past maxRawChars is rejected as too_long without being held whole: a text file, a pretty-printed JSON element', () => {
  const f = writeFiles(dir, { 'big.txt': 'line of text\n'.repeat(100), 'big.json': `[\n{"text":\n"${'y'.repeat(300)}"\n},\n{"text": "small"}\n]\n` });
  const [text] = [...readText(f['big.txt']!, { maxRawChars: 200 })];
  assert.equal(text!.error?.reason, 'too_long');
  assert.ok(text!.raw.length <= 201);
  assert.deepEqual(summary([...readJson(f['big.json']!, { maxRawChars: 200 })]).map((r) => r.reason ?? r.value), ['too_long', { text: 'small' }]);
});

test('JSON array: a line after a string left open is never swallowed when it is well-formed (escaped quotes) or starts an element; Unicode space before "["', () => {
  const f = writeFiles(dir, {
    'escaped.json': '[\n{"text": "abc\n{"text": "say \\"hi\\" now"},\n{"text": "ok"}\n]\n',
    'two-open.json': '[\n{"text": "a\n{"text": "b\n{"text": "c"},\n{"text": "d"}\n]\n',
    'spaces.json': '\ufeff\ufeff[\n{"text":"a"},\n{"text":"b"}\n]\n',
    'nbsp.json': '\u00a0[{"text":"a"}, {"text":"b"}]\n',
    'trailing.json': '[{"text":"a"}],\n',
  });
  const reasons = (name: string) => summary([...readJson(f[name]!)]).map((r) => r.reason ?? (r.value as { text: string }).text);
  assert.deepEqual(reasons('escaped.json'), ['invalid_json', 'say "hi" now', 'ok']);
  assert.deepEqual(reasons('two-open.json'), ['invalid_json', 'invalid_json', 'c', 'd']);
  assert.deepEqual(reasons('spaces.json'), ['a', 'b']);
  assert.deepEqual(reasons('nbsp.json'), ['a', 'b']);
  const trailing = [...readJson(f['trailing.json']!)];
  assert.deepEqual(trailing.map((r) => r.error?.detail ?? 'ok'), ['ok', 'text after the closing "]" of the array (line 1)']);
  // a stray "]" after a whole array (before: skipped without a word) is said, with its line
  const notes: string[] = [];
  const stray = writeFiles(dir, { 'stray.json': '[\n{"text":"a"}\n]\n]\n]\n' })['stray.json']!;
  assert.deepEqual([...readJson(stray, { onNote: (n) => notes.push(n) })].map((r) => r.value ?? r.error), [{ text: 'a' }]);
  assert.deepEqual(notes, ['2 "]" after the array\'s closing "]" (line 4 first) were read as nothing: brackets with nothing to close']);
  // so after an array on one line (before: read as JSON Lines, the "]" line rejected as invalid_json)
  notes.length = 0;
  const oneLine = writeFiles(dir, { 'stray-one-line.json': '[{"text":"a"}, {"text":"b"}]\n]\n' })['stray-one-line.json']!;
  assert.deepEqual([...readJson(oneLine, { onNote: (n) => notes.push(n) })].map((r) => r.value ?? r.error), [{ text: 'a' }, { text: 'b' }]);
  assert.deepEqual(notes, ['a "]" after the array\'s closing "]" (line 2) was read as nothing: a bracket with nothing to close']);
});

test('plain text whose every line is a JSON object (JSON Lines saved as .txt) is read as text, with a note saying how to read it as JSON Lines', () => {
  const f = writeFiles(dir, {
    'data.txt': '{"prompt": "Q1? ", "completion": "A1."}\n\n{"prompt": "Q2? ", "completion": "A2."}\n',
    'prose.txt': '{"a": 1}\nand then prose\n',
  });
  for (const textSplit of ['file', 'blank-lines'] as const) {
    const notes: string[] = [];
    const items = [...readText(f['data.txt']!, { textSplit, onNote: (n) => notes.push(n) })];
    assert.equal(items.length, textSplit === 'file' ? 1 : 2);
    assert.deepEqual(notes, ['read as plain text, yet each of its 2 lines is a JSON object: if it is JSON Lines, name it .jsonl (or pass --format jsonl)']);
  }
  const notes: string[] = [];
  [...readText(f['prose.txt']!, { onNote: (n) => notes.push(n) })];
  assert.deepEqual(notes, []);
});

test('a .jsonl read as plain text (--format text) is told to drop or change --format, not to be named .jsonl, the name it has', () => {
  const f = writeFiles(dir, { 'rows.jsonl': '{"text": "a"}\n{"text": "b"}\n' });
  const notes: string[] = [];
  [...readText(f['rows.jsonl']!, { onNote: (n) => notes.push(n) })];
  assert.deepEqual(notes, ['read as plain text (--format text), yet each of its 2 lines is a JSON object: if it is JSON Lines, pass --format jsonl, or leave --format out']);
});

test('JSON array: a file cut short inside an element, or after a comma, is one truncated record at the element\'s line (was invalid_json, "the array is not closed")', () => {
  const whole = JSON.stringify([{ text: 'one' }, { text: 'two' }, { text: 'three' }], null, 2);
  const f = writeFiles(dir, { 'cut-in.json': whole.slice(0, whole.indexOf('three')), 'cut-after.json': whole.slice(0, whole.indexOf('{', whole.indexOf('two'))) });
  const inside = [...readJson(f['cut-in.json']!)];
  assert.deepEqual(inside.map((i) => [i.line, i.value ?? i.error!.reason]), [[2, { text: 'one' }], [5, { text: 'two' }], [8, 'truncated']]);
  assert.equal(inside[2]!.error!.detail, 'the file ends inside this element (the array is not closed): the file cut short?');
  assert.equal(inside[2]!.raw, '{\n    "text": "');
  const after = [...readJson(f['cut-after.json']!)];
  assert.deepEqual(after.map((i) => [i.value ?? i.error!.reason]), [[{ text: 'one' }], [{ text: 'two' }], ['truncated']]);
  assert.equal(after[2]!.error!.detail, 'the file ends inside the array, after a "," (the array is not closed): the file cut short?');
  // cut just before the closing "]": the last element is whole, the file ends after it, not inside it
  const before = [...readJson(writeFiles(dir, { 'cut-before.json': whole.slice(0, whole.lastIndexOf(']')) })['cut-before.json']!)];
  assert.deepEqual(before.map((i) => [i.line, i.value ?? i.error!.reason]), [[2, { text: 'one' }], [5, { text: 'two' }], [8, 'truncated']]);
  assert.equal(before[2]!.error!.detail, 'the file ends after this element, before the array\'s closing "]" (the array is not closed): the file cut short?');
});

test('a file cut short inside a string, then blank lines, is one truncated record, as without them (was invalid_json: one line looked ahead at, a blank one)', () => {
  const f = writeFiles(dir, {
    'cut-blank.json': '[\n{"text": "a"},\n{"text": "b two\n\n  \n',
    'cut-blank.jsonl': '{"text":"x"}\n{\n  "text": "b two\n\n\n',
    'goes-on.json': '[\n{"text": "a"},\n{"text": "b two\n\n{"text": "c"}]\n',
    'goes-on.jsonl': '{"text":"x"}\n{\n  "text": "b two\n\n{"text":"c"}\n',
  });
  const read = (name: string) => [...(name.endsWith('l') ? readJsonl : readJson)(f[name]!)].map((i) => [i.line, i.value ?? i.error!.reason]);
  assert.deepEqual(read('cut-blank.json'), [[2, { text: 'a' }], [3, 'truncated']]);
  assert.deepEqual(read('cut-blank.jsonl'), [[1, { text: 'x' }], [2, 'truncated']]);
  // text after the blank lines: the string ran to the end of its line, not to the end of the file (as before)
  assert.deepEqual(read('goes-on.json'), [[2, { text: 'a' }], [3, 'invalid_json'], [5, { text: 'c' }]]);
  assert.deepEqual(read('goes-on.jsonl'), [[1, { text: 'x' }], [2, 'invalid_json'], [3, 'invalid_json'], [5, { text: 'c' }]]);
});

test('JSON array: a chat cut short whose turns are written at the element\'s indent inside its open "messages" list is one truncated record, not its turns read as records', () => {
  // the "[" left open took the turns for records below it: the element invalid_json, the user turn read as a record
  // (prepare: unknown_shape, with a "--field text=role" hint), the assistant turn truncated; three rejections for one chat
  const f = writeFiles(dir, {
    'chat-cut.json': '[\n  {"messages": [\n  {"role": "user", "content": "hi"},\n  {"role": "assistant", "content": "hello"}\n',
    // ShareGPT's turns, one spread over lines (its first key says it)
    'share-cut.json': '[\n  {"conversations": [\n  {"from": "human", "value": "hi"},\n  {"from": "gpt",\n   "value": "hello"}\n',
    // records below the turns (a "[" left open in the chat): the element ends above the first of them, as before
    'chat-open.json': '[\n  {"messages": [\n  {"role": "user", "content": "hi"},\n  {"text": "b"},\n  {"text": "c"}\n]\n',
  });
  const cut = [...readJson(f['chat-cut.json']!)];
  assert.deepEqual(summary(cut), [{ line: 2, value: undefined, reason: 'truncated' }]);
  assert.equal(cut[0]!.raw, '{"messages": [\n  {"role": "user", "content": "hi"},\n  {"role": "assistant", "content": "hello"}');
  assert.deepEqual(summary([...readJson(f['share-cut.json']!)]), [{ line: 2, value: undefined, reason: 'truncated' }]);
  const open = [...readJson(f['chat-open.json']!)];
  assert.deepEqual(summary(open), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 4, value: { text: 'b' }, reason: undefined }, { line: 5, value: { text: 'c' }, reason: undefined }]);
  assert.equal(open[0]!.raw, '{"messages": [\n  {"role": "user", "content": "hi"},');
});

test('JSON array: turns written at the element\'s indent with their "{" alone on its line (a comment after it too) are the chat\'s, not records', () => {
  // startsTurn read the "{" line alone: the element ended above the first turn, and each turn was read as a record
  // (prepare: unknown_shape), the chat lost in pieces
  const f = writeFiles(dir, {
    'spread-open.json': '[\n{"messages": [\n{\n  "role": "user", "content": "hi"\n},\n{  // second turn\n  "role": "assistant", "content": "yo"\n},\n{"text": "b"},\n{"text": "c"}\n]\n',
  });
  const open = [...readJson(f['spread-open.json']!)];
  assert.deepEqual(summary(open), [{ line: 2, value: undefined, reason: 'invalid_json' }, { line: 9, value: { text: 'b' }, reason: undefined }, { line: 10, value: { text: 'c' }, reason: undefined }]);
  assert.match(open[0]!.error!.detail, /line 9, which starts a record/);
});
