// JSONC in JSON files (comments, as hand-edited files and editors write them): skipped before the array, between and
// inside its elements and in an object wrapping the records, never inside strings; one never closed is an error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { readJson } from '../../src/data/ingest/json.ts';
import { readRecords } from '../../src/data/ingest/read.ts';
import { tempDir, writeFiles } from './helpers.ts';

test('a // comment line in a pretty-printed JSON array (JSONC, as people hand-edit) is skipped with a note, and the record after it is read', () => {
  const f = writeFiles(tempDir(), { 'c.json': '[\n  {"text": "a"},\n  // c\n  {"text": "b"}, // after b\n  {"text": "c"}\n]\n' })['c.json']!;
  const notes: string[] = [];
  assert.deepEqual([...readJson(f, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [[2, { text: 'a' }, undefined], [4, { text: 'b' }, undefined], [5, { text: 'c' }, undefined]]);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /2 `\/\/` comments .*line 3 first.*skipped/);
});

test('JSONC: /* */ comments between elements and // or /* */ inside one are skipped (noted); inside strings they are text; an unclosed /* is one error at its line', () => {
  const f = writeFiles(tempDir(), {
    'c.json': '[\n  {"text": "a"},\n  /* a block\n     comment */\n  {"text": "b"}, /* inline */ {"text": "c"},\n' +
      '  {"text": "d // not /* a comment */", // the key after this\n   "source": "x" /* here */, "messages": [/* none */]}\n]\n',
    'py.json': "[{'text': 'http://example.org /* not a comment'},\n {'text': 'it\\'s // text'}]\n",
    'open.json': '[\n  {"text": "a"},\n  /* never closed\n  {"text": "b"}\n]\n',
  });
  const notes: string[] = [];
  assert.deepEqual([...readJson(f['c.json']!, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [
    [2, { text: 'a' }, undefined], [5, { text: 'b' }, undefined], [5, { text: 'c' }, undefined],
    [6, { text: 'd // not /* a comment */', source: 'x', messages: [] }, undefined],
  ]);
  assert.deepEqual(notes, ['5 `/* */` and `//` comments (line 3 first; JSONC, which JSON does not allow) skipped: comments are not records']);
  // a Python literal's single-quoted strings hold no comment either
  assert.deepEqual([...readJson(f['py.json']!)].map((i) => i.value), [{ text: 'http://example.org /* not a comment' }, { text: "it's // text" }]);
  assert.throws(() => [...readJson(f['open.json']!)], (e: Error) => e.message === `${f['open.json']}:3: a \`/*\` comment opened here is never closed: the rest of the file would be comment, its records unread; close it with \`*/\``);
});

test('JSONC: comments before the array\'s "[" (a header) and in an object wrapping the records are skipped too; a header /* never closed is one error', () => {
  // before: a header comment made the file JSON Lines (its brackets and commas rejected lines, a record kept from inside
  // an unclosed comment), and a comment in a wrapping object made it one invalid_json record
  const f = writeFiles(tempDir(), {
    'head.json': '// exported by a tool\n/* two\n   lines */ [\n  {"text": "a"},\n  {"text": "b"}\n]\n',
    'wrapped.json': '{\n  // the records\n  "data": [\n    {"text": "a"}, /* c */\n    {"text": "b"} // d\n  ]\n}\n',
    'open-head.json': '\n/* never closed\n[\n  {"text": "a"}\n]\n',
  });
  for (const name of ['head.json', 'wrapped.json']) {
    assert.deepEqual([...readJson(f[name]!)].map((i) => [i.value, i.error?.reason]), [[{ text: 'a' }, undefined], [{ text: 'b' }, undefined]], name);
  }
  assert.throws(() => [...readJson(f['open-head.json']!)], (e: Error) => e.message === `${f['open-head.json']}:2: a \`/*\` comment opened here is never closed: the rest of the file would be comment, its records unread; close it with \`*/\``);
});

test('JSONC: a `//` right after ":" is no comment (an unquoted URL, not JSON): its element alone is invalid_json, the next ones are read', () => {
  // before: `http://…` hid the rest of its line, "}," among it, and its element swallowed the records after it
  const f = writeFiles(tempDir(), { 'url.json': '[\n  {"url": http://example.org/a, "text": "a"},\n  {"text": "b"},\n  {"text": "c"}\n]\n' })['url.json']!;
  assert.deepEqual([...readJson(f)].map((i) => [i.line, i.value, i.error?.reason]), [[2, undefined, 'invalid_json'], [3, { text: 'b' }, undefined], [4, { text: 'c' }, undefined]]);
});

test('JSONC: a file of one record with comments is that record, not JSON Lines; comments around a wrapped array are counted with those in it', () => {
  // before: the one record was read as JSON Lines (its lines rejected one by one), and a wrapping object's comments
  // outside its array were skipped uncounted
  const f = writeFiles(tempDir(), {
    'one.json': '// a record\n{\n  "text": "a // b /* c */", /* inline */\n  "label": 1 // the label\n}\n',
    'wrapped.json': '// export\n{"url": "http://example.org", "data": [\n {"text": "a"}, // one\n {"text": "b"}\n] /* after */}\n',
  });
  const notes: string[] = [];
  assert.deepEqual([...readJson(f['one.json']!, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [[2, { text: 'a // b /* c */', label: 1 }, undefined]]);
  assert.deepEqual(notes, ['3 `//` and `/* */` comments (line 1 first; JSONC, which JSON does not allow) skipped: comments are not records']);
  notes.length = 0;
  assert.deepEqual([...readJson(f['wrapped.json']!, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value]), [[3, { text: 'a' }], [4, { text: 'b' }]]);
  assert.deepEqual(notes, ['3 `//` and `/* */` comments (line 1 first; JSONC, which JSON does not allow) skipped: comments are not records']);
});

test('JSONC: a header comment line that ends with "]" (`// export [v2]`) before another comment does not make the file JSON Lines', () => {
  // before: its first line was taken for a whole array and the next, not "[", for a JSON Lines line: every line a record,
  // the comments, brackets and commas rejected as invalid_json, one record of two kept
  const f = writeFiles(tempDir(), { 'h.json': '// export [v2]\n// by a tool\n[\n  {"text": "a"},\n  {"text": "b"}\n]\n' })['h.json']!;
  assert.deepEqual([...readJson(f)].map((i) => [i.line, i.value, i.error?.reason]), [[4, { text: 'a' }, undefined], [5, { text: 'b' }, undefined]]);
});

test('JSONC: a /* never closed in an object wrapping the records is one error at its line, as in an array', () => {
  // before: the file was read as JSON Lines, its lines rejected but for the record inside the comment, which was kept
  const f = writeFiles(tempDir(), { 'w.json': '{"data": [\n  {"text": "a"},\n  /* never closed\n  {"text": "b"}\n]}\n' })['w.json']!;
  assert.throws(() => [...readJson(f)], (e: Error) => e.message === `${f}:3: a \`/*\` comment opened here is never closed: the rest of the file would be comment, its records unread; close it with \`*/\``);
});

test("JSONC: a `//` in a single-quoted value (a Python literal's) of an object wrapping the records is no comment: the records after it on its line are read", () => {
  // before: the wrapping object's text before its array took it for a comment, hid the "[" after it, and every record
  // was lost without a word (no record, no rejection)
  const f = writeFiles(tempDir(), { 'w.json': `{"note": 'see // here /* or */', "data": [{"text": "a"}, {"text": "b"}]}\n` })['w.json']!;
  const notes: string[] = [];
  assert.deepEqual([...readJson(f, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [[1, { text: 'a' }, undefined], [1, { text: 'b' }, undefined]]);
  assert.deepEqual(notes, []);
});

test("a JSON array of Python literals: brackets, commas and a double quote inside a single-quoted string are its text", () => {
  // before: single-quoted strings were told only to keep `//` in them from being a comment; a "]" or "," in one ended its
  // element, and a `"` (5" screen) opened a string to the line's end: its record and the next rejected as one or two
  const f = writeFiles(tempDir(), {
    'py.json': `[{'text': 'a 5" screen, [1] or }'}, {'text': 'b'},\n {'text': 'it\\'s ]', 'n': 1}]\n`,
  })['py.json']!;
  assert.deepEqual([...readJson(f)].map((i) => [i.line, i.value, i.error?.reason]), [
    [1, { text: 'a 5" screen, [1] or }' }, undefined], [1, { text: 'b' }, undefined], [2, { text: "it's ]", n: 1 }, undefined],
  ]);
});

test('JSONC: a one-line array followed by comment lines alone is that array, its comments skipped, not JSON Lines', () => {
  // before: the line after the array, not "[", made the file JSON Lines: the comment was rejected as an invalid_json record
  const f = writeFiles(tempDir(), { 'a.json': '[{"text": "a"}, {"text": "b"}]\n\n// exported by a tool\n/* v2\n */\n' })['a.json']!;
  const notes: string[] = [];
  assert.deepEqual([...readJson(f, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [[1, { text: 'a' }, undefined], [1, { text: 'b' }, undefined]]);
  assert.deepEqual(notes, ['2 `//` and `/* */` comments (line 3 first; JSONC, which JSON does not allow) skipped: comments are not records']);
});

test('JSONC: a layout refused after a header comment (splits in one object, a pandas table) is said at the object\'s line, not line 1', () => {
  const f = writeFiles(tempDir(), {
    'splits.json': '// exported\n{"train": [{"text": "a"}], "test": [{"text": "b"}]}\n',
    'table.json': '/* by column */\n\n{"text": {"0": "a", "1": "b"}}\n',
  });
  assert.throws(() => [...readJson(f['splits.json']!)], (e: Error) => e.message.startsWith(`${f['splits.json']}:2: the file holds the splits`));
  assert.throws(() => [...readJson(f['table.json']!)], (e: Error) => e.message.startsWith(`${f['table.json']}:3: a table in pandas' orient="columns" layout`));
});

test('JSONC: comments that start a line in a .json file of JSON Lines (a header, one between records) are skipped and noted, not rejected as records', () => {
  // before: each was an invalid_json record in rejected.jsonl, though the same header before an array or one object is skipped
  const f = writeFiles(tempDir(), {
    'l.json': '// exported by a tool\n/* two\n   lines */\n{"text": "a"}\n  // between\n{"text": "b"}\n/* x */ {"text": "c"}\n',
    'open.json': '{"text": "a"}\n/* never closed\n{"text": "b"}\n',
  });
  const notes: string[] = [];
  assert.deepEqual([...readJson(f['l.json']!, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [
    [4, { text: 'a' }, undefined], [6, { text: 'b' }, undefined], [7, { text: 'c' }, undefined],
  ]);
  assert.deepEqual(notes, ['4 `//` and `/* */` comments (line 1 first; JSONC, which JSON does not allow) skipped: comments are not records']);
  assert.throws(() => [...readJson(f['open.json']!)], (e: Error) => e.message.startsWith(`${f['open.json']}:2: a \`/*\` comment opened here is never closed`));
});

test('JSONC: a comment after a record on its line in a .json file of JSON Lines (the first line a one-line array, too) is skipped', () => {
  // before: the line was an invalid_json record; after a first line's array, the lines after it were read as one broken
  // element (two records one rejection)
  const f = writeFiles(tempDir(), {
    'l.json': '[{"text": "a"}] // first\n{"text": "b // x"}\n{"text": "c"} /* d */ , \n' + "{'text': 'it\\'s // e'} // f\n",
  });
  const notes: string[] = [];
  assert.deepEqual([...readJson(f['l.json']!, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [
    [1, { text: 'a' }, undefined], [2, { text: 'b // x' }, undefined], [3, { text: 'c' }, undefined], [4, { text: "it's // e" }, undefined],
  ]);
  assert.equal(notes.filter((n) => /^3 `\/\/` and `\/\* \*\/` comments \(line 1 first;/.test(n)).length, 1, notes.join('\n'));
});

test('JSONC: pretty-printed objects one after another whose "{" line holds a comment (`{ // first`) are each one record, the comments noted', () => {
  // before: `{ // first` was not taken for the line opening an object: every line of the file was its own invalid_json
  // record (6 rejections for 2 records), the first one's detail JSON.parse's "Expected property name"
  const f = writeFiles(tempDir(), {
    'p.json': '{ // first record\n  "text": "a" // its "text" }\n}\n{ /* second */\n  "text": "b"\n}\n',
  })['p.json']!;
  const notes: string[] = [];
  assert.deepEqual([...readJson(f, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [[1, { text: 'a' }, undefined], [4, { text: 'b' }, undefined]]);
  assert.deepEqual(notes, ['3 `//` and `/* */` comments (line 1 first; JSONC, which JSON does not allow) skipped: comments are not records']);
});

test('JSONC: a pretty-printed object whose "{" line opens a /* */ comment that a later line closes is one record, as inside an array', () => {
  // before: `{ /* note` was not taken for the line opening an object: each of its lines was its own invalid_json record
  // (4 rejections here), and only "b" was read; a quote or a brace in the comment is none of the object's
  const f = writeFiles(tempDir(), {
    'p.json': '{ /* note\n */\n  "text": "a"\n}\n{"text": "b"}\n{  /* a "quoted" {\n   "word } */\n  "text": "c"\n}\n',
  })['p.json']!;
  const notes: string[] = [];
  assert.deepEqual([...readJson(f, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]), [[1, { text: 'a' }, undefined], [5, { text: 'b' }, undefined], [6, { text: 'c' }, undefined]]);
  assert.deepEqual(notes, ['2 `/* */` comments (line 1 first; JSONC, which JSON does not allow) skipped: comments are not records']);
});

test("single-quoted strings (a Python literal's) are told by one rule everywhere: a `\\'` in one, a `//`, a bracket or a double quote in it, is its text", () => {
  // before: the comment blanking honoured `\'` but the scan of an object's members toggled on any "'" (and took brackets
  // and double quotes in a single-quoted string for JSON's): after `'it\'s`, the scan saw a `//` comment or a string
  // and lost the object's members, so the file was read as one record holding its list of records, which prepare
  // rejected as one unknown_shape record, every record in it lost without a word on the list
  const f = writeFiles(tempDir(), {
    'one-line.json': `{"note": 'it\\'s // not a comment', "data": [{"text": "a"}, {"text": "b"}]}\n`,
    'lines.json': `{"note": 'it\\'s // not a comment', "data": [\n  {"text": "a"},\n  {"text": "b"}\n]}\n`,
    'quote.json': `{"note": 'say "hi" [', "data": [\n  {"text": "a"}, // c\n  {"text": "b"}\n]}\n`,
    'literal.json': `{'a': 'it\\'s // not a comment', 'text': 'x'}\n`,
  });
  const read = (name: string) => [...readJson(f[name]!)].map((i) => [i.line, i.value ?? i.error?.reason]);
  assert.deepEqual(read('one-line.json'), [[1, { text: 'a' }], [1, { text: 'b' }]]);
  assert.deepEqual(read('lines.json'), [[2, { text: 'a' }], [3, { text: 'b' }]]);
  assert.deepEqual(read('quote.json'), [[2, { text: 'a' }], [3, { text: 'b' }]]);
  assert.deepEqual(read('literal.json'), [[1, { a: "it's // not a comment", text: 'x' }]]);
});

test('JSONC: a pretty-printed object of JSON Lines in a .json file holding a `/* */` comment over several lines, a "}" in it, is one record', () => {
  // before: the comment's "}" closed the object: its first line was one invalid_json record, its other lines two more
  const f = writeFiles(tempDir(), { 'p.json': '{\n  /* a\n     } */\n  "text": "a"\n}\n{\n  "text": "b"\n}\n' })['p.json']!;
  assert.deepEqual([...readJson(f)].map((i) => [i.line, i.value ?? i.error?.reason]), [[1, { text: 'a' }], [6, { text: 'b' }]]);
});

test('a .jsonl file whose first line is a one-line array is JSON Lines: a comment line there is an invalid_json record, as in any .jsonl, not skipped', () => {
  // before: such a file was read as a .json file of JSON Lines (JSONC), so `//{"text": "b"}` — a record commented out —
  // vanished from the counts with a note, while the same line in a .jsonl starting with "{" was rejected as invalid_json
  const f = writeFiles(tempDir(), {
    'a.jsonl': '[{"text": "a"}]\n//{"text": "b"}\n/* c */\n{"text": "d"}\n',
    'b.jsonl': '{"text": "a"}\n//{"text": "b"}\n/* c */\n{"text": "d"}\n',
  });
  const read = (file: string): unknown[] => [...readRecords(file, 'jsonl')].map((i) => [i.line, i.value, i.error?.reason]);
  const want = [[1, { text: 'a' }, undefined], [2, undefined, 'invalid_json'], [3, undefined, 'invalid_json'], [4, { text: 'd' }, undefined]];
  assert.deepEqual(read(f['a.jsonl']!), want);
  assert.deepEqual(read(f['b.jsonl']!), want);
  // the same text in a .json file is JSONC: its comments are skipped
  const j = writeFiles(tempDir(), { 'a.json': '[{"text": "a"}]\n//{"text": "b"}\n/* c */\n{"text": "d"}\n' })['a.json']!;
  assert.deepEqual([...readRecords(j, 'json')].map((i) => [i.line, i.value]), [[1, { text: 'a' }], [4, { text: 'd' }]]);
});

test('JSONC records one a line: a quote inside a /* */ comment of a record opens no string, so a comment line after it with a quote is not taken for its rest', () => {
  // the record was rejected as "a line break inside a string", the comment line taken for the string's rest
  const f = writeFiles(tempDir(), { 'q.json': '{"text": "a", /* say "hi */ "n": 1}\n// note: the "best one\n{"text": "b"}\n' })['q.json']!;
  assert.deepEqual([...readRecords(f, 'json')].map((i) => [i.line, i.value ?? i.error?.reason]), [[1, { text: 'a', n: 1 }], [3, { text: 'b' }]]);
});

test('JSONC records one a line: a line break typed into a string is one record even where the line that closes the string has a comment with a quote', () => {
  // the rest line was scanned with its comment: its quote left the string open there, so the lines were two rejections
  const f = writeFiles(tempDir(), { 'r.json': '{"text": "a\nb", /* "x */ "n": 1}\n{"text": "c"}\n' })['r.json']!;
  assert.deepEqual([...readRecords(f, 'json')].map((i) => [i.line, i.value ?? i.error?.detail]), [[1, 'a line break inside a string (line 1): JSON writes it as \\n'], [3, { text: 'c' }]]);
});

test('JSONC: a line break typed into a string of a pretty-printed record or an array element is one record where the line that closes the string has a comment with a quote', () => {
  // the comment's quotes made the line no string's rest: the lines were rejected one by one (five for the record)
  const f = writeFiles(tempDir(), {
    'pretty.json': '{\n  "text": "a\nb", /* "x */\n  "n": 1\n}\n{"text": "c"}\n',
    'array.json': '[\n  {"text": "a\nb", /* "x */ "n": 1},\n  {"text": "c"}\n]\n',
  });
  assert.deepEqual([...readRecords(f['pretty.json']!, 'json')].map((i) => [i.line, i.value ?? i.error?.detail]), [[1, 'a line break inside a string (line 2): JSON writes it as \\n'], [6, { text: 'c' }]]);
  assert.deepEqual([...readRecords(f['array.json']!, 'json')].map((i) => [i.line, i.value ?? i.error?.detail]), [[2, 'a line break inside a string (line 2): JSON writes it as \\n'], [4, { text: 'c' }]]);
});

test('JSONC: a file of one record is judged too long by its JSON\'s bytes, not its comments\': a long header comment leaves a short record read', () => {
  const note = 'a long note. '.repeat(40); // 520 bytes of comment
  const f = writeFiles(tempDir(), {
    'header.json': `// ${note}\n{"text": "hi"}\n`,
    'block.json': `{"text": /* ${note}\n${note} */ "${'x'.repeat(400)}"}\n`,
  });
  // the file's 540 bytes were taken for the record's: too_long unparsed, `the record's JSON is 540 bytes`
  assert.deepEqual([...readJson(f['header.json']!, { maxRawChars: 100 })].map((i) => [i.line, i.value ?? i.error?.reason]), [[2, { text: 'hi' }]]);
  const [big] = [...readJson(f['block.json']!, { maxRawChars: 100 })];
  assert.equal(big!.error?.reason, 'too_long');
  assert.equal(big!.error!.detail, 'the record\'s JSON is 414 bytes, more than any record within --max-chars can take; rejected unparsed');
});

test('JSONC: a file of one small record whose comments make it more than twice as long as any record can be is rejected unparsed, saying so (it was read whole)', () => {
  // since comments stopped counting toward the record's length, 200 MB of them beside a short record were read whole
  const note = 'a long note. '.repeat(50); // 650 bytes of comment: the file past 6 × maxRawChars (600)
  const f = writeFiles(tempDir(), { 'noted.json': `// ${note}
{"text": "hi"}
` })['noted.json']!;
  const items = [...readJson(f, { maxRawChars: 100 })];
  assert.deepEqual(items.map((i) => [i.line, i.error?.reason]), [[2, 'too_long']]);
  assert.equal(items[0]!.error!.detail, `the file is ${fs.statSync(f).size} bytes, 653 of them comments: more than twice what any record within --max-chars can take (its comments made it long); rejected unparsed`);
});
