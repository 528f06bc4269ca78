// JSON Lines whose lines end with lone CRs in a file that lines.ts reads by LF (CR-only lines appended to an LF file).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJsonl } from '../../src/data/ingest/jsonl.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();

test('JSON Lines: records ended by lone CRs inside an LF line are read one by one, at that line; a CR within a record is whitespace', () => {
  // before: the CR-ended records were one invalid_json record ("more than one JSON value ... Put each on its own line")
  const f = writeFiles(dir, {
    'mixed.jsonl': '{"text": "lf"}\n'.repeat(6) + '{"text": "cr one"}\r{"text": "cr two"}\r{"text": nope}\r{"text": "cr three"}\r\n{\r"text": "pretty"\r}\n',
  })['mixed.jsonl']!;
  const items = [...readJsonl(f)];
  assert.deepEqual(items.slice(5).map((i) => [i.line, i.error?.reason ?? (i.value as { text: string }).text]), [
    [6, 'lf'], [7, 'cr one'], [7, 'cr two'], [7, 'invalid_json'], [7, 'cr three'], [8, 'pretty'],
  ]);
  assert.equal(items[8]!.raw, '{"text": nope}');
});

test('JSON Lines: a record left open before a lone CR (`{bad`) does not swallow the records after it', () => {
  // before: the CR was inside the open "{", so whitespace: the next record was part of the broken one, lost with it
  const f = writeFiles(dir, {
    'open.jsonl': '{"text": "lf"}\n'.repeat(12) + '{bad\r{"text": "next"}\r{"text": "a", "tags": ["x"\r{"text": "after"}\r\n{\r"items": [\r{"k": 1},\r{"k": 2}\r],\r"text": "pretty"\r}\n',
  })['open.jsonl']!;
  assert.deepEqual([...readJsonl(f)].slice(11).map((i) => [i.line, i.error ? i.raw : (i.value as { text: string }).text]), [
    [12, 'lf'], [13, '{bad'], [13, 'next'], [13, '{"text": "a", "tags": ["x"'], [13, 'after'], [14, 'pretty'],
  ]);
});

test('JSON Lines: a record cut after a comma between keys (`{"a": 1,` CR) does not swallow the record after it; a "{" after a comma in an array is its element', () => {
  // before: a "," before the CR kept it whitespace, so `{"text": "two"}` became the broken record's "key" and was lost with it
  const f = writeFiles(dir, {
    'comma.jsonl': '{"text": "lf"}\n'.repeat(6) + '{"a": 1,\r{"text": "two"}\r{"b": {"c": 2,\r{"text": "mid"}\r{"text": "three"}\r\n{"messages": [\r{"role": "user", "content": "q"},\r{"role": "assistant", "content": "a"}]}\r\n',
  })['comma.jsonl']!;
  assert.deepEqual([...readJsonl(f)].slice(5).map((i) => [i.line, i.error ? i.raw : (i.value as { text?: string }).text ?? 'chat']), [
    [6, 'lf'], [7, '{"a": 1,'], [7, 'two'], [7, '{"b": {"c": 2,'], [7, 'mid'], [7, 'three'], [8, 'chat'],
  ]);
});

test('JSON Lines: a record left open after a comma in an array (`[1,` CR) does not swallow the record after it; a chat left open keeps its turns; one closed reads whole', () => {
  // before: the CR after "[1," was whitespace (a "{" may be the array's next element), so `{"text": "four"}` was lost with the broken record
  const f = writeFiles(dir, {
    'array.jsonl': '{"text": "lf"}\n'.repeat(6) + '{"text": "x", "tags": [1,\r{"text": "four"}\r\n' + '{"text": "y", "tags": [1,\r{"text": "five"}\r{"text": "six"}\r\n' +
      '{"messages": [\r{"role": "user", "content": "q"},\r{"role": "assistant", "content": "a"}\r\n' +
      '{"messages": [\r{"role": "user", "content": "q"},\r{"role": "assistant", "content": "a"}\r]}\r\n',
  })['array.jsonl']!;
  assert.deepEqual([...readJsonl(f)].slice(5).map((i) => [i.line, i.error ? i.raw : (i.value as { text?: string }).text ?? 'chat']), [
    [6, 'lf'], [7, '{"text": "x", "tags": [1,'], [7, 'four'], [8, '{"text": "y", "tags": [1,'], [8, 'five'], [8, 'six'],
    [9, '{"messages": [\r{"role": "user", "content": "q"},\r{"role": "assistant", "content": "a"}'], [10, 'chat'],
  ]);
});
