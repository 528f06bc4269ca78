// JSON Lines as people break it: a stray "{" above pretty-printed records, a line break typed into a string value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonl } from '../../src/data/ingest/jsonl.ts';
import type { RawItem } from '../../src/data/ingest/types.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const read = (name: string, text: string): RawItem[] => [...readJsonl(writeFiles(dir, { [name]: text })[name]!)];
const lines = (items: RawItem[]) => items.map((i) => [i.line, i.value ?? i.error!.reason]);

test('a stray "{" above records pretty-printed indented (an array\'s body pasted under it) rejects its line alone: the records after it are read', () => {
  // the records were swallowed: the whole file one truncated record (its end reached), or one invalid_json (closed)
  const body = '  {\n    "text": "a"\n  },\n  {\n    "text": "b"\n  }\n';
  const open = read('stray-indented.jsonl', '{\n' + body);
  assert.deepEqual(lines(open), [[1, 'invalid_json'], [2, { text: 'a' }], [5, { text: 'b' }]]);
  assert.equal(open[0]!.error!.detail, 'a line holding only "{" opens an object that is not closed before the end of the file, and line 2 inside it holds a record where a key belongs: a stray "{"? (the lines after it are read as lines)');
  // closed by a stray "}" too: both strays rejected, the records between them read
  assert.deepEqual(lines(read('stray-closed.jsonl', '{\n' + body + '}\n{"text": "c"}\n')), [[1, 'invalid_json'], [2, { text: 'a' }], [5, { text: 'b' }], [8, 'invalid_json'], [9, { text: 'c' }]]);
});

test('an object value on the line after its key ("meta":, then "{") is no record where a key belongs: a file cut short inside it is one truncated record', () => {
  for (const value of ['  {\n    "a": 1\n', '  {"a": 1},\n  "x": 2\n']) {
    const items = read('value-next-line.jsonl', '{\n  "text": "hi",\n  "meta":\n' + value);
    assert.deepEqual(lines(items), [[1, 'truncated']], value);
  }
  // whole, it is one record
  assert.deepEqual(lines(read('value-whole.jsonl', '{\n  "text": "hi",\n  "meta":\n  {\n    "a": 1\n  }\n}\n')), [[1, { text: 'hi', meta: { a: 1 } }]]);
});
