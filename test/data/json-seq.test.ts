// RFC 7464 JSON text sequences (`jq --seq`, application/json-seq): each record after the RS byte 0x1E. Every line
// was rejected as invalid_json ("Unexpected token '\u001e'"); they are JSON records, read as JSON Lines are, and noted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readRecords } from '../../src/data/ingest/read.ts';
import { readText } from '../../src/data/ingest/text.ts';
import { tempDir, writeFiles } from './helpers.ts';

const RS = '\x1e';

test('an RFC 7464 JSON text sequence is read as JSON Lines, its RS taken off and noted; one a line or pretty-printed; in .jsonl and .json', () => {
  const text = `${RS}{"text": "one"}\n${RS}{\n  "text": "two"\n}\n${RS}${RS}{"text": "three"}\n{"text": "four"}\n`;
  const files = writeFiles(tempDir(), { 'a.jsonl': text, 'a.json': text });
  for (const [file, format] of [[files['a.jsonl']!, 'jsonl'], [files['a.json']!, 'json']] as const) {
    const notes: string[] = [];
    const items = [...readRecords(file, format, { onNote: (n) => notes.push(n) })];
    assert.deepEqual(items.map((i) => [i.line, i.value, i.error]), [
      [1, { text: 'one' }, undefined], [2, { text: 'two' }, undefined], [5, { text: 'three' }, undefined], [6, { text: 'four' }, undefined],
    ], format);
    assert.deepEqual(notes, ['3 lines start with the record separator byte RS (0x1E) of an RFC 7464 JSON text sequence (line 1 first; ' +
      '`jq --seq`, application/json-seq): read as JSON Lines, the RS taken off'], format);
  }
  // one such record is a .json file of one record; a file without RS is not noted
  const one = writeFiles(tempDir(), { 'b.json': `${RS}{"text": "x"}\n`, 'c.jsonl': '{"text": "y"}\n' });
  const notes: string[] = [];
  assert.deepEqual([...readRecords(one['b.json']!, 'json', { onNote: (n) => notes.push(n) })].map((i) => i.value), [{ text: 'x' }]);
  assert.deepEqual([...readRecords(one['c.jsonl']!, 'jsonl', { onNote: (n) => notes.push(n) })].map((i) => i.value), [{ text: 'y' }]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^1 line starts with the record separator byte RS \(0x1E\) .*\(line 1; /);
});

test('an RS inside a record, not at the start of its line, is left to the JSON reading: a string may hold it escaped, not raw', () => {
  const files = writeFiles(tempDir(), { 'a.jsonl': `{"text": "a\\u001eb"}\n{"text": "c"}${RS}\n` });
  const items = [...readRecords(files['a.jsonl']!, 'jsonl')];
  assert.deepEqual(items[0]!.value, { text: 'a\x1eb' });
  assert.equal(items[1]!.error?.reason, 'invalid_json');
});

test('a JSON text sequence read as plain text (.txt, .json-seq) is noted as JSON Lines read as text, as one without the RS is', () => {
  const files = writeFiles(tempDir(), { 'a.json-seq': `${RS}{"text": "one"}\n${RS}{"text": "two"}\n` });
  const notes: string[] = [];
  const items = [...readText(files['a.json-seq']!, { onNote: (n) => notes.push(n) })];
  assert.equal(items.length, 1);
  assert.deepEqual(notes, ['read as plain text, yet each of its 2 lines is a JSON object: if it is JSON Lines, name it .jsonl (or pass --format jsonl)']);
});

test('a pretty-printed text cut short before the next RS is one truncated record, and the text after the RS is read (RFC 7464: an RS starts the next text)', () => {
  // was: the "{" ran on over the RS line to the end of the file, and the whole, the next record with it, was one truncated record
  const files = writeFiles(tempDir(), {
    'between.jsonl': `${RS}{\n  "text": "a",\n${RS}{\n  "text": "b"\n}\n`,
    'in-string.jsonl': `${RS}{\n  "text": "a\n${RS}{"text": "b"}\n`,
    'nested.jsonl': `${RS}{\n  "text": "a",\n  "meta": {\n${RS}{\n  "text": "b"\n}\n${RS}{"text": "c"}\n`,
  });
  for (const [name, file] of Object.entries(files)) {
    const items = [...readRecords(file, 'jsonl')];
    const got = items.map((i) => [i.line, i.value ?? i.error!.reason]);
    const last = name === 'nested.jsonl' ? 3 : 2;
    assert.deepEqual(got.slice(0, 2), [[1, 'truncated'], [last + 1, { text: 'b' }]], name);
    assert.equal(items[0]!.error!.detail, `the next JSON text's RS (0x1E) on line ${last + 1} comes inside the object that the line holding only "{" opens (lines 1–${last}): the text cut short?`, name);
    assert.equal(items[0]!.raw, file === files['in-string.jsonl'] ? '{\n  "text": "a' : name === 'nested.jsonl' ? '{\n  "text": "a",\n  "meta": {' : '{\n  "text": "a",', name);
  }
  assert.deepEqual([...readRecords(files['nested.jsonl']!, 'jsonl')].map((i) => i.value ?? i.error!.reason).slice(2), [{ text: 'c' }]);
});
