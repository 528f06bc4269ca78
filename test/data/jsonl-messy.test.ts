// JSON Lines as people break it: a stray "{" above pretty-printed records, a line break or a tab typed into a string value,
// a file cut short in its last line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJson } from '../../src/data/ingest/json.ts';
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

test('a pretty-printed record that a "{" left open inside it, a record after it, is one invalid_json record of its lines: the records from there are read', () => {
  // its "{" line was rejected as a stray "{", then each of its lines as a record of its own: 4 rejections for one record
  const items = read('open-inside.jsonl', '{"text": "a"}\n{\n  "text": "b",\n  "n": {4\n}\n{"text": "c"}\n{"text": "d"}\n');
  assert.deepEqual(lines(items), [[1, { text: 'a' }], [2, 'invalid_json'], [6, { text: 'c' }], [7, { text: 'd' }]]);
  assert.equal(items[1]!.raw, '{\n  "text": "b",\n  "n": {4\n}');
  assert.equal(items[1]!.error!.detail, 'a line holding only "{" opens an object that is not closed before the end of the file, and line 6 inside it holds a record where a key belongs: a "{" or "[" in it left open? (lines 2–5 are this record; the lines from line 6 are read as lines)');
  // comments between a stray "{" and the records are no lines of its own (a .json file): the "{" alone, as before
  const f = writeFiles(dir, { 'stray-comment-lines.json': '{"text": "a"}\n{\n// note\n{"text": "b"}\n{"text": "c"}\n' })['stray-comment-lines.json']!;
  assert.deepEqual(lines([...readJson(f)]), [[1, { text: 'a' }], [2, 'invalid_json'], [4, { text: 'b' }], [5, { text: 'c' }]]);
});

test('an object value on the line after its key ("meta":, then "{") is no record where a key belongs: a file cut short inside it is one truncated record', () => {
  for (const value of ['  {\n    "a": 1\n', '  {"a": 1},\n  "x": 2\n']) {
    const items = read('value-next-line.jsonl', '{\n  "text": "hi",\n  "meta":\n' + value);
    assert.deepEqual(lines(items), [[1, 'truncated']], value);
  }
  // whole, it is one record
  assert.deepEqual(lines(read('value-whole.jsonl', '{\n  "text": "hi",\n  "meta":\n  {\n    "a": 1\n  }\n}\n')), [[1, { text: 'hi', meta: { a: 1 } }]]);
});

test('a line break typed into a string value of a JSON Lines record is one invalid_json record at its first line, not one per line', () => {
  // each line of it was its own invalid_json record: two (or more) rejections for one broken record
  const items = read('line-break.jsonl', [
    '{"text": "a"}',
    '{"instruction": "line one', 'line two", "output": "x"}', // 2
    '{"text": "he said "hi"}', // 4: broken on its own line: the record after it is read
    '{"text": "b"}',
    '{"text": "cut', // 6: left open, the next line a record of its own: it alone is rejected
    '{"text": "c"}',
    '{"instruction": "p1', '', 'p2', 'p3", "output": "x"}', // 8: paragraphs
    '{"text": "d"}',
  ].join('\n') + '\n');
  assert.deepEqual(lines(items), [[1, { text: 'a' }], [2, 'invalid_json'], [4, 'invalid_json'], [5, { text: 'b' }], [6, 'invalid_json'], [7, { text: 'c' }], [8, 'invalid_json'], [12, { text: 'd' }]]);
  assert.equal(items[1]!.raw, '{"instruction": "line one\nline two", "output": "x"}');
  assert.equal(items[1]!.error!.detail, 'a line break inside a string (line 2): JSON writes it as \\n');
  assert.equal(items[4]!.raw, '{"text": "cut');
  assert.equal(items[6]!.raw, '{"instruction": "p1\n\np2\np3", "output": "x"}');
  // lines of text that no line closing the string follows are read as lines, each as it is
  assert.deepEqual(lines(read('no-close.jsonl', '{"text": "open\nplain\n{"text": "e"}\n')), [[1, 'invalid_json'], [2, 'invalid_json'], [3, { text: 'e' }]]);
});

test('a line break typed into a string of a pretty-printed record is one invalid_json record at its "{" line', () => {
  // its "{" line was rejected as a stray "{", and every line after it read as a line: four rejections
  const items = read('pretty-break.jsonl', '{\n  "text": "line one\n\nline two",\n  "n": 1\n}\n{"text": "ok"}\n');
  assert.deepEqual(lines(items), [[1, 'invalid_json'], [7, { text: 'ok' }]]);
  assert.equal(items[0]!.error!.detail, 'a line break inside a string (line 2): JSON writes it as \\n');
  assert.equal(items[0]!.raw, '{\n  "text": "line one\n\nline two",\n  "n": 1\n}');
  // cut short inside the string, lines of text after it: one truncated record holding them
  const cut = read('pretty-cut.jsonl', '{"text": "kept"}\n{\n  "text": "a\nmore text\n\n');
  assert.deepEqual(lines(cut), [[1, { text: 'kept' }], [2, 'truncated']]);
  assert.equal(cut[1]!.raw, '{\n  "text": "a\nmore text');
});

test('a JSON Lines file whose last line ends inside a record with no line end after it (`{"text": "on` at the end) is cut short: truncated, as the other readers say', () => {
  // it was invalid_json ("Unterminated string"), where a JSON array's element or a CSV cell cut so is truncated
  for (const [cut, inside] of [['{"text": "on', 'inside a string'], ['{"text": "a", "meta": {"n": 1', 'a bracket open'], ['\ufeff{"text": "on', 'inside a string']] as const) {
    const items = read('cut.jsonl', cut.startsWith('\ufeff') ? cut : `{"text": "a"}\n${cut}`);
    assert.deepEqual(lines(items).at(-1), [cut.startsWith('\ufeff') ? 1 : 2, 'truncated'], cut);
    assert.equal(items.at(-1)!.error!.detail, `the file ends inside this record (${inside}, no line end after it): the file cut short?`);
  }
  // so is a JSON text sequence's last text (its RS left out of the line), and a record after a comment on a .json's last line
  assert.deepEqual(lines(read('cut.jsonl', '\x1e{"text": "a"}\n\x1e{"text": "on')), [[1, { text: 'a' }], [2, 'truncated']]);
  const jsonc = writeFiles(dir, { 'cut.json': '{"text": "a"}\n/* the last */ {"text": "on' })['cut.json']!;
  assert.deepEqual(lines([...readJsonl(jsonc, {}, true)]), [[1, { text: 'a' }], [2, 'truncated']]);
  // a last line closed by its line end was written whole (broken as it is); a line left open before the last is broken too
  assert.deepEqual(lines(read('ended.jsonl', '{"text": "a"}\n{"text": "on\n')), [[1, { text: 'a' }], [2, 'invalid_json']]);
  assert.deepEqual(lines(read('ended-crlf.jsonl', '{"text": "on\r\n{"text": "b"}')), [[1, 'invalid_json'], [2, { text: 'b' }]]);
  // a line that closes but does not parse stays invalid_json at the end too
  assert.deepEqual(lines(read('bad-end.jsonl', '{"text": "a"} x')), [[1, 'invalid_json']]);
  // a last line that starts no record is no record cut short: a line of text with a quote, a stray "}", a key's line
  for (const end of ['a note on "the best one', '}', '"text": "on']) {
    assert.deepEqual(lines(read('no-record-end.jsonl', `{"text": "a"}\n${end}`)), [[1, { text: 'a' }], [2, 'invalid_json']], end);
  }
});

test('a raw tab or other control character typed into a string is said in JSON\'s words (which character, where, how JSON writes it), not V8\'s "Bad control character"', () => {
  const items = read('tab.jsonl', '{"text": "a\tb"}\n{"text": "c\u0001"}\n{"text": "ok"}\n');
  assert.deepEqual(lines(items), [[1, 'invalid_json'], [2, 'invalid_json'], [3, { text: 'ok' }]]);
  assert.equal(items[0]!.error!.detail, 'a raw tab inside a string at character 12: JSON writes it as \\t');
  assert.equal(items[1]!.error!.detail, 'a raw control character (U+0001) inside a string at character 12: JSON writes it as \\u0001');
  // a JSON array's element spanning lines: where, as a line and column of the file
  const f = writeFiles(dir, { 'tab.json': '[\n  {\n    "text": "a\tb"\n  }\n]\n' })['tab.json']!;
  assert.deepEqual([...readJson(f)].map((i) => i.error?.detail), ['a raw tab inside a string at line 3 column 15: JSON writes it as \\t']);
});

test('a pretty-printed record that a quote or a bracket left open inside it, closed by a "}" indented as its "{", is one invalid_json record: its neighbours are read', () => {
  // its "{" line was rejected as a stray "{", then each of its lines as a record of its own: 4 rejections for one record
  const quote = read('open-quote.jsonl', '{"text": "a"}\n{\n  "text": "broken,\n  "label": "x"\n}\n{\n  "text": "b"\n}\n{"text": "c"}\n');
  assert.deepEqual(lines(quote), [[1, { text: 'a' }], [2, 'invalid_json'], [6, { text: 'b' }], [9, { text: 'c' }]]);
  assert.equal(quote[1]!.raw, '{\n  "text": "broken,\n  "label": "x"\n}');
  assert.equal(quote[1]!.error!.detail, 'a line holding only "{" opens an object that is not closed (a string on line 3 runs to the end of its line); line 5, a "}" indented as its "{", ends it: a quote or a bracket left open inside it? (lines 2–5 are this record; the lines after it are read)');
  // a "[" left open, the next object opening below the "}"; indented records (an array's body pasted), the "}" with its comma
  assert.deepEqual(lines(read('open-bracket.jsonl', '{\n  "text": "a",\n  "tags": ["x", "y"\n}\n{\n  "text": "b"\n}\n')), [[1, 'invalid_json'], [5, { text: 'b' }]]);
  assert.deepEqual(lines(read('open-indented.jsonl', '  {\n    "text": "a,\n    "x": 1\n  },\n  {\n    "text": "b"\n  }\n')), [[1, 'invalid_json'], [5, { text: 'b' }]]);
  // a line indented no deeper than its "{" before any such "}" (a record of its own) leaves it as before: its "{" alone
  assert.deepEqual(lines(read('open-record-below.jsonl', '{\n  "text": "a,\n{"text": "b"}\n')), [[1, 'invalid_json'], [2, 'invalid_json'], [3, { text: 'b' }]]);
});

test('a pretty-printed record given up past maxRawChars, closed by a "}" indented as its "{" within twice that, is one too_long record: its neighbours are read', () => {
  // its "{" line was rejected as a stray "{", then each of its lines as a record of its own (one of them too_long)
  const text = `{"text": "a"}\n{\n  "text": "${'x'.repeat(30)}",\n  "n": 1\n}\n{"text": "c"}\n`;
  const long = [...readJsonl(writeFiles(dir, { 'long-pretty.jsonl': text })['long-pretty.jsonl']!, { maxRawChars: 30 })];
  assert.deepEqual(lines(read('whole-pretty.jsonl', text)), [[1, { text: 'a' }], [2, { text: 'x'.repeat(30), n: 1 }], [6, { text: 'c' }]]);
  assert.deepEqual(lines(long), [[1, { text: 'a' }], [2, 'too_long'], [6, { text: 'c' }]]);
  assert.equal(long[1]!.error!.detail, 'a line holding only "{" opens an object that is not closed within 30 characters, more than any record within --max-chars can take; line 5, a "}" indented as its "{", ends it (lines 2–5 are this record, rejected unparsed; the lines after it are read)');
  // past twice the bound, as before: its "{" alone, its lines read as lines
  const longer = [...readJsonl(writeFiles(dir, { 'longer-pretty.jsonl': `{\n  "text": "${'x'.repeat(70)}",\n  "n": 1\n}\n` })['longer-pretty.jsonl']!, { maxRawChars: 30 })];
  assert.equal(longer[0]!.raw, '{');
});

test('a .json file\'s pretty-printed record that a quote left open, closed by a "}" with a comment after it (`}  // end`) at its "{" indent, is one invalid_json record', () => {
  // closedAtIndent took only `}` or `},`: the comment kept it open, and each of its lines was a rejection of its own (4)
  const f = writeFiles(dir, { 'open-quote-jsonc.json': '{"text": "a"}\n{\n  "text": "broken,\n  "label": "x"\n}  // end of b\n{"text": "c"}\n' })['open-quote-jsonc.json']!;
  const items = [...readJson(f)];
  assert.deepEqual(lines(items), [[1, { text: 'a' }], [2, 'invalid_json'], [6, { text: 'c' }]]);
  assert.equal(items[1]!.raw, '{\n  "text": "broken,\n  "label": "x"\n}  // end of b');
  // in a .jsonl, where no comment is allowed, that line is no "}" alone: as before
  assert.equal(lines(read('open-quote-comment.jsonl', '{\n  "text": "broken,\n}  // end\n{"text": "c"}\n')).length, 4);
});

test('a .json file\'s pretty-printed record that a quote left open, a `/* */` over lines inside it, is one invalid_json record: the comment\'s lines are its text', () => {
  // closedAtIndent blanked comments a line at a time: a "/*" line at the "{" indent kept the object open (4 rejections),
  // and a "}" inside the comment closed it there (its "*/" and the real "}" rejected after it: 3)
  const atIndent = writeFiles(dir, { 'comment-at-indent.json': '{"text": "a"}\n{\n  "text": "broken,\n/*\n * a note\n */\n  "label": 1\n}\n{\n  "text": "c"\n}\n' })['comment-at-indent.json']!;
  assert.deepEqual(lines([...readJson(atIndent)]), [[1, { text: 'a' }], [2, 'invalid_json'], [9, { text: 'c' }]]);
  const braceInside = writeFiles(dir, { 'comment-brace.json': '{\n  "text": "broken,\n  /* a note\n}\n  */\n} /* end */\n{"text": "c"}\n' })['comment-brace.json']!;
  const items = [...readJson(braceInside)];
  assert.deepEqual(lines(items), [[1, 'invalid_json'], [7, { text: 'c' }]]);
  assert.match(items[0]!.error!.detail, /line 6, a "}" indented as its "{", ends it/);
  // a "}" right after the comment's "*/" (`*/}`) at the "{" indent closes it: its column was taken after the comment
  // was blanked (2, deeper than the "{"), and each line was a rejection of its own (4)
  const afterEnd = writeFiles(dir, { 'comment-end-brace.json': '{\n  "text": "broken,\n  /* a note\n*/}\n{"text": "c"}\n' })['comment-end-brace.json']!;
  const closed = [...readJson(afterEnd)];
  assert.deepEqual(lines(closed), [[1, 'invalid_json'], [5, { text: 'c' }]]);
  assert.match(closed[0]!.error!.detail, /line 4, a "}" indented as its "{", ends it/);
  const oneLine = writeFiles(dir, { 'comment-then-brace.json': '{\n  "text": "broken,\n/* end */ }\n{"text": "c"}\n' })['comment-then-brace.json']!;
  assert.deepEqual(lines([...readJson(oneLine)]), [[1, 'invalid_json'], [4, { text: 'c' }]]);
  // a nested object's "}" after a comment's end at the "{" indent (`*/  },`), a member below it: that "}" closed the
  // nested object, not this one (it ended the record there, and the member and the real "}" were rejections of their own: 3)
  const nested = writeFiles(dir, { 'comment-end-nested.json': '{\n  "text": "broken,\n  "meta": {\n    /* a note\n*/  },\n  "label": "x"\n}\n{"text": "c"}\n' })['comment-end-nested.json']!;
  const items2 = [...readJson(nested)];
  assert.deepEqual(lines(items2), [[1, 'invalid_json'], [8, { text: 'c' }]]);
  assert.match(items2[0]!.error!.detail, /line 7, a "}" indented as its "{", ends it/);
  // with the object's own "}" right below it, that one ends it too (line 5's ended it, and line 6 was a stray "}")
  const nestedLast = writeFiles(dir, { 'comment-end-nested-last.json': '{\n  "text": "broken,\n  "meta": {\n    /* a note\n*/  }\n}\n{"text": "c"}\n' })['comment-end-nested-last.json']!;
  assert.deepEqual(lines([...readJson(nestedLast)]), [[1, 'invalid_json'], [7, { text: 'c' }]]);
});
