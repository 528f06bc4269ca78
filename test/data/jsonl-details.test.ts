// What a JSON Lines line (or a .json array's element) that does not parse is rejected with: a trailing comma and a
// comment line said so where they are the first error, where V8's words were "Expected double-quoted property name in
// JSON at position 14" and "Unexpected token '/'"; a position past a record's first line as a line and column.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJson } from '../../src/data/ingest/json.ts';
import { jsonErrorDetail } from '../../src/data/ingest/json-error-detail.ts';
import { parseJsonItem, readJsonl } from '../../src/data/ingest/jsonl.ts';
import { tempDir, writeFiles } from './helpers.ts';

const detail = (t: string) => parseJsonItem(t, 1).error?.detail;

test('a trailing comma in a record and a comment line are named as such', () => {
  assert.equal(detail('{"text": "a", }'), 'a comma before "}" at character 13 (a trailing comma): JSON allows none; remove it');
  assert.equal(detail('{"messages": [{"role": "user", "content": "q"},]}'), 'a comma before "]" at character 47 (a trailing comma): JSON allows none; remove it');
  assert.equal(detail('// exported 2024-01-01'), 'a comment line: JSON Lines holds no comments (every line that is not blank is a record); remove it');
  assert.match(detail('# header')!, /^a comment line/);
  // a comma inside a string is text, and other errors keep JSON.parse's words, but for Python's syntax (below)
  assert.match(detail('{"text": "a, }" "b"}')!, /^two strings side by side at character 17 with no comma between them/);
  assert.match(detail('{"text": "a, }" 3}')!, /^Expected ',' or '}' after property value/);
  assert.equal(parseJsonItem('{"text": "x, ]"}', 1).error, undefined);
});

test('Python\'s syntax in a JSON record is named as such: 1_000 and strings side by side (V8 said "Expected \',\' or \'}\' after property value")', () => {
  assert.equal(detail('{"text": "q", "n": 1_000}'), 'a "_" between digits at character 21 (Python\'s digit separator, 1_000): JSON numbers have none; remove it');
  assert.equal(detail('{"text": "a" "b"}'), 'two strings side by side at character 14 with no comma between them: JSON does not join them as Python joins "a" "b"; make them one string, or put the comma in');
  assert.match(detail('["a",\n "b"\n "c"]')!, /^two strings side by side at line 3 column 2 /);
});

test('a bare word where a value belongs (a literal cut short, text unquoted) is named with where, the first of two', () => {
  // V8 said "Unexpected token ',', ...\"text\": tru, \"x\": nul\"... is not valid JSON": a comma, no place, both words
  assert.equal(detail('{"text": tru, "x": nul}'), '"tru" at character 10 is no JSON value (true?): JSON\'s words are true, false and null, and it quotes text');
  assert.equal(detail('{"text": "tru", "ok": true, "x": undefined}'), '"undefined" at character 34 is no JSON value: JSON quotes text ("undefined"); its words are true, false and null');
  assert.match(detail('{"a": 1e5, "b": fals }')!, /^"fals" at character 17 is no JSON value \(false\?\)/);
  assert.match(jsonErrorDetail('{"a":\n  nul\n}', 5, 'Unexpected token \'\n\', "{"a":\n  nul\n}" is not valid JSON', 'array element'), /^"nul" at line 6 column 3 is no JSON value \(null\?\)/);
  // V8's other words stay where no such word is its error, and for a line of text that is no record (prose, CSV)
  assert.match(detail('{"a": -}')!, /^No number after minus sign/);
  assert.match(detail('text,label')!, /^Unexpected token 'e', "text,label" is not valid JSON/);
});

test('a trailing comma is named only when it is the first error, and a comment line before one is a comment', () => {
  // before: "a comma before "]"", though the missing comma at character 14 comes first
  assert.match(detail('{"text": "x" "y": [1, ]}')!, /^two strings side by side at character 14 with no comma between them/);
  // before: a trailing comma
  assert.match(detail('# see {"text": "a", }')!, /^a comment line/);
  // V8's 0-based "at position 7" said as the details above say where (1-based): before, "in JSON at position 7"
  assert.match(detail('{"a":1,,}')!, /in JSON at character 8$/);
  assert.match(detail('{,}')!, /in JSON at character 2$/);
  assert.equal(detail('{"a": [1, {"b": 2},\n]}'), 'a comma before "]" at character 19 (a trailing comma): JSON allows none; remove it');
});

test('a "#" line in a .json array is named as such, and errors past a record\'s first line as a line and column', () => {
  const f = writeFiles(tempDir(), {
    'hash.json': '[\n  # a hash comment\n  {"text": "a"},\n  {"text": "ok"}\n]\n',
    'lines.json': '[\n  {"text": "a",\n   "b": [1,\n  ]},\n  {"text":\n "x" 3},\n  {"text": "ok"}\n]\n',
  });
  const rejected = (file: string) => [...readJson(file)].filter((i) => i.error).map((i) => [i.line, i.error!.detail]);
  // before: "a comment line: JSON Lines holds no comments", which a .json file is not
  assert.deepEqual(rejected(f['hash.json']!), [[2, 'a "#" comment, read with the element after it: JSON has none (a .json file\'s // and /* */ comments are skipped, "#" ones only in a Python literal\'s record); remove it or write it as //']]);
  // before: "at character 25", "at position 14" of the record's text
  assert.deepEqual(rejected(f['lines.json']!), [
    [2, 'a comma before "]" at line 3 column 11 (a trailing comma): JSON allows none; remove it'],
    [5, "Expected ',' or '}' after property value in JSON at line 6 column 6"],
  ]);
});

test('Node 21+\'s "(line L column C)" after V8\'s position is replaced with it, not left to name a second place', () => {
  const t = '{"text":\n "x" 3}';
  // V8 on Node >= 21 words it so; its line and column are of the record's text, not of the file
  const message = `Expected ',' or '}' after property value in JSON at position 14 (line 2 column 6)`;
  // before: "... at line 6 column 6 (line 2 column 6)"
  assert.equal(jsonErrorDetail(t, 5, message, 'array element'), "Expected ',' or '}' after property value in JSON at line 6 column 6");
  // on the record's first line V8's position is its character, 1-based; its "line 1" is not the file's line 5
  assert.equal(jsonErrorDetail('{"a" 1}', 5, 'Expected \':\' after property name in JSON at position 5 (line 1 column 6)', 'line'),
    'Expected \':\' after property name in JSON at character 6');
});

test('"at character N" is the column of the file\'s line (1-based, as Python\'s json and an editor count), not of the record with its indent, RS or comment cut off', () => {
  // before: `  {"text":   nul}` said character 12 (the record's 12th) where Python's json says column 14; each number below
  // is the column an editor shows (Python's json.loads says the same where it names the same character: 14, 9, 10, 28)
  const f = writeFiles(tempDir(), {
    'lead.jsonl': '  {"text":   nul}\n\t{"a":1,,}\n\x1e  {"text": "a" "b"}\n  {"a":1}{"b":2}\n  [{"text": "a"}, {"text": tru}]\n\x1e{"a": 1}\r  {"b":  nul}\n',
    'c.json': '{"text": "a"}\n/* c */ {"text": tru}\n',
    'arr.json': '[\n  {"text":   nul},\n  {"text": "ok"}, {"text": "a",  }\n]\n',
  });
  const details = (items: Iterable<{ error?: { detail: string } }>) => [...items].flatMap((i) => (i.error ? [i.error.detail] : []));
  // maxRawChars 20: the fifth line is read as a batch element by element (longBatchItems), its second element at 18;
  // the last, cut at its lone CR, has its second part counted from the CR (an editor's line), not from the RS before it
  const lead = details(readJsonl(f['lead.jsonl']!, { maxRawChars: 20 }));
  assert.deepEqual(lead.map((d) => /at character (\d+)/.exec(d)?.[1]), ['14', '9', '17', '10', '28', '10'], lead.join('\n'));
  assert.deepEqual(details(readJson(f['c.json']!)).map((d) => /at character (\d+)/.exec(d)?.[1]), ['18']);
  assert.deepEqual(details(readJson(f['arr.json']!)).map((d) => /at character (\d+)/.exec(d)?.[1]), ['14', '31']);
});

test('a place said in an array element past a comment inside it is the file\'s: the comment is blanked, not cut out', () => {
  // before: "at character 11" (the element's text with the comment one space) for 17, and "at character 21" and 19 (the
  // lines after a comment joined to its line) for line 3 column 9 and line 6 column 11
  const f = writeFiles(tempDir(), { 'cm.json': '[\n  {"a": 1, // c\n   "b": nul},\n  {"a": /* c */ nul},\n  {"a": 1, /* c\n  */ "b": nul}\n]\n' })['cm.json']!;
  assert.deepEqual([...readJson(f)].map((i) => /at (character \d+|line \d+ column \d+)/.exec(i.error?.detail ?? '')?.[1]), ['line 3 column 9', 'character 17', 'line 6 column 11']);
});

test('an array element with a comment inside it keeps the comment as written in its raw; maxRawChars counts no comment', () => {
  // (rejected.jsonl's raw: a user fixing the element needs their text; the parse and its places use the blanked copy)
  const f = writeFiles(tempDir(), { 'cr.json': '[\n  {"a": 1, // why\n   "b": nul},\n  {"txt": "a" /* my note */},\n  {"a": /* long note */ 1}\n]\n' })['cr.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(items.map((i) => i.raw), ['{"a": 1, // why\n   "b": nul}', '{"txt": "a" /* my note */}', '{"a": /* long note */ 1}']);
  assert.match(items[0]!.error!.detail, /at line 3 column 9/);
  // within maxRawChars but for their comments: read, as before comments were blanked, and their raw as written
  const within = [...readJson(f, { maxRawChars: 20 })].slice(1);
  assert.deepEqual(within.map((i) => [i.value, i.raw]), [[{ txt: 'a' }, '{"txt": "a" /* my note */}'], [{ a: 1 }, '{"a": /* long note */ 1}']]);
});

test('the records of an array element that is itself an array keep their comments as written in their raw', () => {
  const f = writeFiles(tempDir(), { 'nb.json': '[\n  [{"txt": "a" /* n */}, /* between */ {"b": 2}],\n  [{"c": 3 /* m */}, {"d": 4},]\n]\n' })['nb.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(items.map((i) => [i.value, i.raw]), [[{ txt: 'a' }, '{"txt": "a" /* n */}'], [{ b: 2 }, '{"b": 2}'], [{ c: 3 }, '{"c": 3 /* m */}'], [{ d: 4 }, '{"d": 4}']]);
});

test('a JSON Lines record and a pretty-printed object in a .json file keep a comment inside them as written in raw; maxRawChars counts no comment', () => {
  // before: raw `{"txt": "b"         }` (the comment blanked), and the third line too_long at maxRawChars 20
  const f = writeFiles(tempDir(), { 'cl.json': '{"txt": "a"}\n{"txt": "b" /* n2 */}\n{"a": 1, /* why */ "b": nul},\n[{"c": 3 /* m */}, {"d": 4}]\n{\n  "txt": "d", // note\n  "x": 1\n}\n' })['cl.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(items.map((i) => i.raw), ['{"txt": "a"}', '{"txt": "b" /* n2 */}', '{"a": 1, /* why */ "b": nul},', '{"c": 3 /* m */}', '{"d": 4}', '{\n  "txt": "d", // note\n  "x": 1\n}']);
  assert.match(items[2]!.error!.detail, /at character 25/); // the file's column: the parse used the blanked copy
  const within = [...readJson(f, { maxRawChars: 20 })];
  assert.deepEqual(within.slice(1, 3).map((i) => [i.value, i.raw, i.error?.reason]), [[{ txt: 'b' }, '{"txt": "b" /* n2 */}', undefined], [undefined, '{"a": 1, /* why */ "b": nul},', 'invalid_json']]);
});

test('a pretty-printed object in a .json file is read to its close within maxRawChars of JSON, its comments not counted', () => {
  // before: at maxRawChars 36 "not closed within 36 characters" (its 29 characters of JSON and its comments), its lines read as lines
  const f = writeFiles(tempDir(), { 'pc.json': '{\n  "txt": "d", // a note, a note\n  "x": 1 /* and\n  more */\n}\n{"a": 1}\n' })['pc.json']!;
  assert.deepEqual([...readJson(f, { maxRawChars: 36 })].map((i) => [i.line, i.value, i.raw]), [[1, { txt: 'd', x: 1 }, '{\n  "txt": "d", // a note, a note\n  "x": 1 /* and\n  more */\n}'], [6, { a: 1 }, '{"a": 1}']]);
  // past maxRawChars of comments too, it is not read (memory stays within twice the limit)
  const long = writeFiles(tempDir(), { 'lc.json': `{\n  "a": 1 // ${'n'.repeat(40)}\n}\n{"b": 2}\n` })['lc.json']!;
  assert.match([...readJson(long, { maxRawChars: 30 })][0]!.error!.detail, /not closed within 30 characters of comments/);
});
