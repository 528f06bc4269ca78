// What a JSON Lines line that does not parse is rejected with: a trailing comma and a comment line said so, where V8's
// words were "Expected double-quoted property name in JSON at position 14" and "Unexpected token '/'".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonItem } from '../../src/data/ingest/jsonl.ts';

const detail = (t: string) => parseJsonItem(t, 1).error?.detail;

test('a trailing comma in a record and a comment line are named as such', () => {
  assert.equal(detail('{"text": "a", }'), 'a comma before "}" at character 13 (a trailing comma): JSON allows none; remove it');
  assert.equal(detail('{"messages": [{"role": "user", "content": "q"},]}'), 'a comma before "]" at character 47 (a trailing comma): JSON allows none; remove it');
  assert.equal(detail('// exported 2024-01-01'), 'a comment line: JSON Lines holds no comments (every line that is not blank is a record); remove it');
  assert.match(detail('# header')!, /^a comment line/);
  // a comma inside a string is text, and other errors keep JSON.parse's words
  assert.match(detail('{"text": "a, }" "b"}')!, /^Expected ',' or '}' after property value/);
  assert.equal(parseJsonItem('{"text": "x, ]"}', 1).error, undefined);
});
