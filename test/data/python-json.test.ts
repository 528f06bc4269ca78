// JSON as Python's json.dumps writes it (NaN, Infinity, -Infinity for floats JSON has no word for): read as
// Python's json.loads reads it — NaN as null, ±Infinity as numbers —, only outside strings, only where JSON.parse
// refused the text; and a record that is Python's str() of a dict, read as ast.literal_eval reads it. prepare's
// report says how many records were read so, per file.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseJsonText } from '../../src/data/ingest/python-json.ts';
import { prepare } from '../../src/data/prepare.ts';
import { detectRecord, textFields } from '../../src/data/record.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

test('parseJsonText: NaN, Infinity and -Infinity outside strings, as Python reads them; strings and other words untouched', () => {
  assert.deepEqual(parseJsonText('{"a": 1}'), { value: { a: 1 }, reading: 'json' });
  assert.deepEqual(parseJsonText('{"text": "NaN Infinity", "score": NaN, "hi": Infinity, "lo": -Infinity, "xs": [NaN,1,-Infinity]}'),
    { value: { text: 'NaN Infinity', score: null, hi: Infinity, lo: -Infinity, xs: [null, 1, -Infinity] }, reading: 'python-floats' });
  // an escaped quote does not end the string: the NaN after it is text
  assert.deepEqual(parseJsonText('{"t": "say \\"NaN\\" twice", "v": NaN}'), { value: { t: 'say "NaN" twice', v: null }, reading: 'python-floats' });
  assert.deepEqual(parseJsonText('{"t": "back\\\\", "v":NaN}'), { value: { t: 'back\\', v: null }, reading: 'python-floats' });
  // not Python's words: JSON.parse's own error, for the text as written
  for (const bad of ['{"y": NaNa}', '{"y": xNaN}', '{"y": nanx}', '{"y": NaN', '{"t": "NaN"']) {
    let message = '';
    try {
      JSON.parse(bad);
    } catch (e) {
      message = (e as Error).message;
    }
    assert.throws(() => parseJsonText(bad), (e) => (e as Error).message === message, bad);
  }
  // single quotes, which JSON stumbles on: where the Python reading stops
  assert.throws(() => parseJsonText("{'y': 1"), /^SyntaxError: not JSON \(single quotes: a Python literal\?\), and read as one it stops at position 7 \(its end\)/);
  assert.throws(() => parseJsonText("{'y' 1}"), /stops at position 5 \("1}"\)/);
});

test('prepare reads Python-written JSONL, JSON arrays and wrapped JSON with NaN: a NaN label is a missing label, each file noted', () => {
  const dir = tempDir('mt-pyjson-');
  const files = writeFiles(dir, {
    'scores.jsonl': ['{"text": "a calm and pleasant review", "label": "pos", "stars": NaN}', '{"text": "an angry review of it", "label": "neg", "stars": 1.0}',
      '{"text": "a review with no label at all", "label": NaN}', '{"text": "a fourth review, Infinity stars", "label": "pos", "stars": Infinity}'].join('\n'),
    'array.json': '[\n {"text": "an array element here", "label": "neg", "w": -Infinity},\n {"text": "another array element", "label": "pos"}\n]\n',
    'wrapped.json': '{"version": NaN, "data": [\n {"text": "a wrapped record here", "label": "neg", "score": NaN}\n]}\n',
  });
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [files['scores.jsonl']!, files['array.json']!, files['wrapped.json']!], outDir: out, tokenizer: mistralTokenizer(),
    task: 'classification', split: [1, 0, 0] });
  assert.equal(report.input_records, 7);
  assert.deepEqual(report.by_reason, { missing_label: 1 });
  assert.equal(report.kept, 6);
  const rej = readJsonl<{ source: { file: string; line: number }; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rej.map((r) => [r.source.file, r.source.line, r.detail]), [['scores.jsonl', 3, '"label" is empty']]);
  const notes = report.warnings.filter((w) => /NaN or Infinity/.test(w));
  assert.deepEqual(notes, [
    'scores.jsonl: 3 records hold NaN or Infinity, as Python\'s json.dumps writes them: read as Python reads them, NaN as a missing value (null), ±Infinity as numbers',
    'array.json: 1 record holds NaN or Infinity, as Python\'s json.dumps writes them: read as Python reads them, NaN as a missing value (null), ±Infinity as numbers',
    'wrapped.json: 1 record holds NaN or Infinity, as Python\'s json.dumps writes them: read as Python reads them, NaN as a missing value (null), ±Infinity as numbers',
  ]);
});

test('parseJsonText: a Python literal (str() of a dict) as ast.literal_eval reads it', () => {
  const lit = (t: string) => parseJsonText(t);
  assert.deepEqual(lit("{'prompt': 'Hi', 'ok': True, 'no': False, 'label': None, 'n': -3, 'x': 2.5e-3}"),
    { value: { prompt: 'Hi', ok: true, no: false, label: null, n: -3, x: 0.0025 }, reading: 'python-literal' });
  // repr's quoting: double quotes around a text with an apostrophe, escapes, non-ASCII as it is
  assert.deepEqual(lit(`{'t': "it's", 'u': 'a\\'b\\n\\tc\\\\', 'v': 'caf\u00e9 \\xe9 \\u20ac \\U0001f600', 'w': '\\q'}`).value,
    { t: "it's", u: "a'b\n\tc\\", v: 'café é € 😀', w: '\\q' });
  // lists, tuples, nesting, trailing commas, r and u prefixes, triple quotes, nan and inf as Python's repr writes them
  assert.deepEqual(lit(`{'messages': [{'role': 'user', 'content': 'a'}, ('b', 1,),], 'r': r'\\d+', 'u': u'x', 'm': '''two\nlines''', 'f': [nan, inf, -inf]}`).value,
    { messages: [{ role: 'user', content: 'a' }, ['b', 1]], r: '\\d+', u: 'x', m: 'two\nlines', f: [null, Infinity, -Infinity] });
  assert.deepEqual(lit('[1, (2,), (3), ( 4 , ), (), {}]').value, [1, [2], 3, [4], [], {}]);
  // a key "__proto__" is a field, as JSON.parse makes it
  assert.deepEqual(Object.keys(lit("{'__proto__': 'x'}").value as object), ['__proto__']);
  // not literals of JSON's kinds: JSON.parse's error, as before
  for (const bad of ["{1: 'a'}", "{'a': b'bytes'}", "{'a': {1, 2}}", "{'a': 1j}", "{'a': 007}", "{'a': f(1)}", "{'a': 'x' b'y'}", "{'a': 1_}", "{'a': 0_7}", "{'a': --1}", "{'a': -(-1)}", "{'a': -(1,)}", "{'a': -True}",
    "{'a': 'open}", "{'a': '\\N{BULLET}'}", "['x'] extra", "{'a': 'line\nbreak'}", `['a', ${'['.repeat(300)}${']'.repeat(300)}]`]) {
    assert.throws(() => parseJsonText(bad), SyntaxError, bad);
  }
});

test('parseJsonText: Python syntax ast.literal_eval reads (strings side by side, 1_000, 0x1F) is read so; where a literal stops, the error says so, not JSON\'s "position 1"', () => {
  // before: each was invalid_json "Expected property name or \'}\' in JSON at position 1", naming the first quote
  assert.deepEqual(parseJsonText("{'a': 'x' 'y', 'r': 'p' r'\\d'\n  # note\n  u'z', 'n': 1_000, 'f': 1_0.5e1_0, 'h': 0x1F, 'o': -0o17, 'b': 0b1_1}"),
    { value: { a: 'xy', r: 'p\\dz', n: 1000, f: 105000000000, h: 31, o: -15, b: 3 }, reading: 'python-literal', comments: 1 });
  // zeros alone (00, 0_0) and one sign before a number in parentheses or after blanks, -(1), + 2, as literal_eval reads
  // them; before: each stopped the literal ("stops at position ...") and the record was invalid_json
  assert.deepEqual(parseJsonText("{'a': 00, 'b': 0_0, 'c': -(1), 'd': +((2.5)), 'e': - 3, 'f': -(0x10), 'g': [- # c\n 4]}").value,
    { a: 0, b: 0, c: -1, d: 2.5, e: -3, f: -16, g: [-4] });
  const texts = (t: string) => {
    const det = detectRecord(parseJsonText(t).value, 'generation');
    return 'record' in det ? textFields(det.record).map((f) => f.text) : det.reason;
  };
  assert.deepEqual(texts("{'prompt': 'How many? ', 'completion': 1_000.50}"), ['How many? ', '1000.50'], 'the separators dropped, the spelling kept');
  assert.deepEqual(texts("{'prompt': 'Hex? ', 'completion': 0xFFFFFFFFFFFFFFFFFF}"), ['Hex? ', '4722366482869645213695'], 'as str() writes it, exactly');
  const message = (t: string) => {
    try {
      parseJsonText(t);
    } catch (e) {
      return (e as Error).message;
    }
    return 'parsed';
  };
  assert.equal(message("{'text': 'ok', 'label': b'x'}"), 'not JSON (single quotes: a Python literal?), and read as one it stops at position 24 ("b\'x\'}"): ' +
    "not Python, or not of JSON's kinds (bytes, sets, calls, complex numbers and keys that are not strings have no JSON form)");
  assert.match(message("{'a': 1_}"), /stops at position 7 \("_}"\)/);
  // JSON's own message where JSON did not stumble on Python's syntax (an apostrophe inside a JSON string)
  assert.match(message('{"a": "it\'s", "b": }'), /^Unexpected token/);
});

test('a number in a text field of a Python literal or of JSON with NaN is its token as written: str() writes the float 1.0 as 1.0', () => {
  const texts = (t: string) => {
    const det = detectRecord(parseJsonText(t).value, 'generation');
    return 'record' in det ? textFields(det.record).map((f) => f.text) : det.reason;
  };
  assert.deepEqual(texts("{'prompt': 'Half of 3?', 'completion': 1.5, 'score': None}"), ['Half of 3?', '1.5']);
  assert.deepEqual(texts("{'prompt': 'Total?', 'completion': 1.0}"), ['Total?', '1.0']);
  assert.deepEqual(texts("{'text': 1e+16, 'x': inf}"), ['1e+16']);
  assert.deepEqual(texts("{'text': 12345678901234567890}"), ['12345678901234567890']);
  assert.deepEqual(texts("{'text': -0.0}"), ['-0.0']);
  assert.deepEqual(texts("{'messages': [{'role': 'user', 'content': 'Rate?'}, {'role': 'assistant', 'content': 2.50}], 'n': (1.0)}"), ['Rate?', '2.50']);
  assert.deepEqual(texts("{'instruction': 'Next?', 'output': 3.0, 'history': [('First?', 1.0)]}"), ['First?', '1.0', 'Next?', '3.0']);
  assert.deepEqual(texts("{'text': 1.0, 'text': 2}"), ['2'], 'a repeated key: the last value, and its spelling');
  assert.deepEqual(texts('{"prompt": "Price?", "completion": 3.50, "discount": NaN}'), ['Price?', '3.50']);
  assert.deepEqual(texts('{"text": -1.50e2, "hi": Infinity}'), ['-1.50e2']);
  assert.deepEqual(parseJsonText("{'text': 1.0, 'n': [2.50, 1e5]}").value, { text: 1, n: [2.5, 100000] }, 'the values are the numbers, as before');
});

test('a number past a double\'s range in a text field (1e400, a 400-digit integer, Infinity) is read as written, as any other number; as a label it is said to be one', () => {
  // before: "\"completion\" is a number, not a string" (unknown_shape), though 1e30 beside it was read as "1e30"
  const texts = (t: string) => {
    const det = detectRecord(parseJsonText(t).value, 'generation');
    return 'record' in det ? textFields(det.record).map((f) => f.text) : `${det.reason}: ${det.detail}`;
  };
  const big = `1${'0'.repeat(400)}`;
  assert.deepEqual(texts('{"prompt": "p ", "completion": 1e400}'), ['p ', '1e400']);
  assert.deepEqual(texts('{"prompt": "p ", "completion": -1E+999}'), ['p ', '-1E+999']);
  assert.deepEqual(texts(`{"text": ${big}}`), [big], "Python's json reads it as this integer, exactly");
  assert.deepEqual(texts('{"prompt": "p ", "completion": Infinity, "x": NaN}'), ['p ', 'Infinity'], "json.dumps' spelling, not the 1e999 read in its place");
  assert.deepEqual(texts('{"prompt": "p ", "completion": -Infinity}'), ['p ', '-Infinity']);
  assert.deepEqual(texts("{'prompt': 'p ', 'completion': inf, 'more': 1e400}"), ['p ', 'inf']);
  assert.deepEqual(texts("{'text': -1e400}"), ['-1e400']);
  const label = (t: string) => {
    const det = detectRecord(parseJsonText(t).value, 'classification');
    return 'record' in det ? 'kept' : `${det.reason}: ${det.detail}`;
  };
  assert.equal(label('{"text": "a", "label": 1e400}'), "unknown_label: label 1e400 is not a class index (past a double's range, it reads as Infinity): a label is an integer, a string, or true/false");
  assert.equal(label('{"text": "a", "label": -Infinity}'), 'unknown_label: label -Infinity is not a class index (an infinite float): a label is an integer, a string, or true/false');
});

test('prepare reads a JSONL file of str(dict) lines, and notes how many', () => {
  const dir = tempDir('mt-pylit-');
  const files = writeFiles(dir, { 'rows.jsonl': [
    "{'prompt': 'What is the capital of France?', 'completion': ' Paris.'}",
    '{"prompt": "What is the capital of Spain?", "completion": " Madrid."}',
    "{'prompt': \"What's 2 + 2?\", 'completion': ' 4.', 'source': None}",
    "{'prompt': 'broken', 'completion': }",
  ].join('\n') });
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [files['rows.jsonl']!], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.equal(report.kept, 3);
  assert.deepEqual(report.by_reason, { invalid_json: 1 });
  const kept = readJsonl<{ prompt: string; completion: string }>(path.join(out, 'train.jsonl'));
  assert.deepEqual(kept.map((r) => r.prompt).sort(), ['What is the capital of France?', 'What is the capital of Spain?', "What's 2 + 2?"]);
  assert.deepEqual(report.warnings.filter((w) => /str\(\)/.test(w)),
    ["rows.jsonl: 2 records are Python's str() of a dict, not JSON (single quotes, None, True): read as Python's ast.literal_eval reads them; json.dumps writes JSON"]);
});

test('a key twice in a record with NaN, or in a str() of a dict, is invalid_json as in JSON: the last value was kept silently', async () => {
  const { readJsonl: readJsonlItems } = await import('../../src/data/ingest/jsonl.ts');
  const dir = tempDir('mt-pydup-');
  const f = writeFiles(dir, { 'dup.jsonl': [
    '{"text": NaN, "text": "b"}',
    "{'text': 'a', 'text': 'b'}",
    "{'messages': [{'role': 'user', 'role': 'assistant', 'content': 'x'}]}",
    "{'text': 'same', \"text\": 'same', 'n': None}",
    '{"text": "x", "score": NaN}',
  ].join('\n') })['dup.jsonl']!;
  const keep = 'appears twice with different values (JSON keeps the last and drops the other): keep one';
  assert.deepEqual([...readJsonlItems(f)].map((i) => i.error ? `${i.error.reason}: ${i.error.detail}` : 'ok'), [
    `invalid_json: the key "text" ${keep}`,
    `invalid_json: the key "text" ${keep}`,
    `invalid_json: the key "role" ${keep.replace('values', 'values in messages[0]')}`,
    'ok',
    'ok',
  ]);
});

test('a .json file of one Python literal with `#` comments (a header line, one after a value) is that record, the comments noted as skipped', async () => {
  // before: the header comment was not skipped: the file was read as JSON Lines, the comment line an invalid_json record
  // and, the literal written over several lines, each of its lines another
  const { readJson } = await import('../../src/data/ingest/json.ts');
  const f = writeFiles(tempDir(), {
    'one.json': "# exported from python\n{'text': 'hi # not a comment', 'ok': True, 'x': None}\n",
    'lines.json': "# header\n# more\n{'text': 'hi', # the text\n 'ok': False}\n",
  });
  for (const [name, value, n] of [['one.json', { text: 'hi # not a comment', ok: true, x: null }, 'a'], ['lines.json', { text: 'hi', ok: false }, '3']] as const) {
    const notes: string[] = [];
    assert.deepEqual([...readJson(f[name]!, { onNote: (x) => notes.push(x) })].map((i) => [i.value, i.error?.reason]), [[value, undefined]], name);
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(notes[0]!, new RegExp(`^the file is Python's str\\(\\) of a dict.*; ${n} \`#\` comments? skipped: comments are not records$`));
  }  // a list after a `#` line is no one value read so: its records are not lost as one (the lines are read as JSON Lines)
  const list = writeFiles(tempDir(), { 'list.json': `# header\n[{"text": "a"}, {"text": "it's"}]\n` })['list.json']!;
  assert.deepEqual([...readJson(list)].map((i) => i.value ?? i.error?.reason), ['invalid_json', { text: 'a' }, { text: "it's" }]);
});

test('a JSON Lines line that is a batch written by Python (str() of a list of dicts, or json.dumps with NaN) holds its records, as a JSON batch does', async () => {
  // before: such a line was one value, rejected as unknown_shape ("records batched in a list, all rejected as this one")
  const { readJsonl } = await import('../../src/data/ingest/jsonl.ts');
  const f = writeFiles(tempDir(), {
    'b.jsonl': `{"text": "first"}\n[{'text': 'a, [b]', 'ok': True}, {'text': "it's"}]\n[{"text": "c", "v": NaN}, {"text": "d"}]\n`,
  })['b.jsonl']!;
  for (const maxRawChars of [undefined, 40]) { // a line parsed whole, and one too long to be
    const items = [...readJsonl(f, maxRawChars === undefined ? {} : { maxRawChars })];
    assert.deepEqual(items.map((i) => [i.line, i.value ?? i.error?.reason, i.python]), [
      [1, { text: 'first' }, undefined], [2, { text: 'a, [b]', ok: true }, 'python-literal'], [2, { text: "it's" }, 'python-literal'],
      [3, { text: 'c', v: null }, 'python-floats'], [3, { text: 'd' }, undefined],
    ], String(maxRawChars));
  }
});

test('a .json file of one Python dict wrapping the records ({\'data\': [...]}) is read as its records, as the JSON one is; other layouts are said as for JSON', async () => {
  // before: the dict was one record, rejected as unknown_shape (its keys "version", "data"), every record in it lost
  const { readJson } = await import('../../src/data/ingest/json.ts');
  const f = writeFiles(tempDir(), {
    'wrap.json': "# export\n{'version': '1.0', 'data': [{'text': 'a', 'ok': True}, {'text': 'b'}]}\n",
    'two.json': "{'data': [{'text': 'a'}], 'extra': [{'text': 'b'}]}\n",
    'text.json': "{'text': '', 'data': [{'text': 'a'}]}\n",
  });
  const notes: string[] = [];
  assert.deepEqual([...readJson(f['wrap.json']!, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value]), [[2, { text: 'a', ok: true }], [2, { text: 'b' }]]);
  assert.deepEqual(notes.map((n) => n.slice(0, 40)), ["the file is Python's str() of a dict, no"]);
  const [two] = [...readJson(f['two.json']!)];
  assert.match(two!.recordLists ?? '', /^the file's one object is not a record but holds lists of records \("data" \(1 object\), "extra" \(1 object\)\)/);
  const [text] = [...readJson(f['text.json']!)];
  assert.match(text!.unreadLists ?? '', /not as a wrapper of its list of records \("data" \(1 object\)\)/);
});

test('a Python dict holding lists of records is told to be saved as JSON Lines with Python (ast.literal_eval), which reads it, not with jq, which cannot', async () => {
  // before: the advice was jq -c '.data[]', which stops at the first single quote
  const { readJson } = await import('../../src/data/ingest/json.ts');
  const f = writeFiles(tempDir(), { 'two.json': "{'data': [{'text': 'a'}], 'extra': [{'text': 'b'}]}\n", 'text.json': "{'text': '', 'response': [{'text': 'a'}]}\n" });
  const py = (keys: string, file: string) => `(JSON Lines: python3 -c 'import ast, json, sys; print("\\n".join(json.dumps(r) for r in ast.literal_eval(open(sys.argv[1], encoding="utf-8").read())${keys}))' ${file} > records.jsonl)`;
  const [two] = [...readJson(f['two.json']!)];
  assert.ok(two!.recordLists?.endsWith(`save the records to train on as their own file ${py('["data"]', f['two.json']!)}`), two!.recordLists);
  const [text] = [...readJson(f['text.json']!)];
  assert.ok(text!.unreadLists?.endsWith(`save them as their own file ${py('["response"]', f['text.json']!)}`), text!.unreadLists);
});

test('a Python literal nested deeper than Python reads (200 levels) is rejected saying so, not with JSON.parse\'s message', async () => {
  // before: "Expected property name or '}' in JSON at position 1", which says nothing of the nesting
  const { parseJsonItem } = await import('../../src/data/ingest/jsonl.ts');
  const nested = (lists: number) => `{'text': 'a', 'tags': ${'['.repeat(lists)}'x'${']'.repeat(lists)}}`;
  // 200 levels (the dict and 199 lists) are read, as ast.literal_eval reads them; 201 are "too many nested parentheses" there
  assert.deepEqual(parseJsonText(nested(199)).reading, 'python-literal');
  const detail = 'a Python literal (single quotes, None, True) nested more than 200 levels deep (dicts, lists, tuples), deeper than Python\'s ast.literal_eval reads ("too many nested parentheses"): no record';
  assert.deepEqual(parseJsonItem(nested(200), 3).error, { reason: 'invalid_json', detail });
  // a .json file of one such dict over several lines is one record so rejected, not each of its lines with JSON's message
  const { readJson } = await import('../../src/data/ingest/json.ts');
  const f = writeFiles(tempDir(), { 'deep.json': `# export\n${nested(200).replace(', ', ',\n ')}\n` })['deep.json']!;
  assert.deepEqual([...readJson(f)].map((i) => [i.line, i.error]), [[2, { reason: 'invalid_json', detail }]]);
});

test('JSON with Python\'s NaN / Infinity holding lists of records is told to be saved as JSON Lines with Python\'s json module, which keeps them as written, not with jq', async () => {
  // before: jq -c '.data[]', which reads NaN as null and Infinity as 1.7976931348623157e+308 (jq 1.6): a finite number
  // where the file, read here, has Infinity
  const { readJson } = await import('../../src/data/ingest/json.ts');
  const f = writeFiles(tempDir(), {
    'nan.json': '{"data": [{"text": "a", "s": NaN}], "extra": [{"text": "b", "s": Infinity}]}\n',
    'text.json': '{"text": "", "s": -Infinity, "response": [{"text": "a"}]}\n',
  });
  const py = (keys: string, file: string) => `(JSON Lines: python3 -c 'import json, sys; print("\\n".join(json.dumps(r) for r in json.load(open(sys.argv[1], encoding="utf-8"))${keys}))' ${file} > records.jsonl)`;
  const [nan] = [...readJson(f['nan.json']!)];
  assert.ok(nan!.recordLists?.endsWith(`save the records to train on as their own file ${py('["data"]', f['nan.json']!)}`), nan!.recordLists);
  const [text] = [...readJson(f['text.json']!)];
  assert.ok(text!.unreadLists?.endsWith(`save them as their own file ${py('["response"]', f['text.json']!)}`), text!.unreadLists);
});

test('a Python dict with nan or inf holding lists of records is told a python3 line that reads them (ast.literal_eval alone refuses them)', async () => {
  // before: ast.literal_eval(...) stopped with "ValueError: malformed node or string: <ast.Name ...>" at the nan this reader reads
  const { readJson } = await import('../../src/data/ingest/json.ts');
  const f = writeFiles(tempDir(), { 'nan.json': "{'data': [{'text': 'a', 's': nan, 't': -inf}], 'extra': [{'text': 'b'}]}\n" });
  const [nan] = [...readJson(f['nan.json']!)];
  const load = 'ast.literal_eval(type("T", (ast.NodeTransformer,), {"visit_Name": lambda s, n: ast.Constant(float(n.id)) if n.id in ("nan", "inf") else n})().visit(ast.parse(open(sys.argv[1], encoding="utf-8").read(), mode="eval")))';
  assert.ok(nan!.recordLists?.endsWith(`(JSON Lines: python3 -c 'import ast, json, sys; print("\\n".join(json.dumps(r) for r in ${load}["data"]))' ${f['nan.json']!} > records.jsonl)`), nan!.recordLists);
});

test('a key twice with NaN and null is two values, as Python\'s json reads them (nan, None); NaN or Infinity written two ways is one', async () => {
  // before: the values were compared in the text with NaN made null, so NaN then null was let be and one dropped silently
  const { readJsonl: readJsonlItems } = await import('../../src/data/ingest/jsonl.ts');
  const dir = tempDir('mt-pydup-nan-');
  const f = writeFiles(dir, { 'dup.jsonl': [
    '{"text": "t", "v": NaN, "v": null}',
    '{"text": "t", "o": {"a": NaN, "b": [Infinity]}, "o": {"b": [1e400], "a":NaN}}',
    '{"text": "t", "v": -Infinity, "v": -1e999}',
    '{"text": "t", "v": Infinity, "v": 1e308}',
  ].join('\n') })['dup.jsonl']!;
  assert.deepEqual([...readJsonlItems(f)].map((i) => i.error?.detail ?? 'ok'), [
    'the key "v" appears twice with different values (JSON keeps the last and drops the other): keep one',
    'ok',
    'ok',
    'the key "v" appears twice with different values (JSON keeps the last and drops the other): keep one',
  ]);
});

test('a key twice in a str() of a dict: values compared as Python\'s json.dumps writes them (key order, 0x1F and 31 one; 1 and 1.0, nan and None two)', async () => {
  // before: compared with JSON.stringify, so 1 and 1.0, nan and None, two big ints were one value (one dropped silently)
  // and a dict with its keys in another order two (the record refused); checked against ast.literal_eval + json.dumps
  const { readJsonl: readJsonlItems } = await import('../../src/data/ingest/jsonl.ts');
  const f = writeFiles(tempDir('mt-pylit-dup-'), { 'dup.jsonl': [
    "{'text': 't', 'o': 1, 'o': 1.0}",
    "{'text': 't', 'o': {'a': 1, 'b': 2}, 'o': {'b': 2, 'a': 1}}",
    "{'text': 't', 'o': nan, 'o': None}",
    "{'text': 't', 'o': {'x': nan}, 'o': {'x': nan}}",
    "{'text': 't', 'o': (1, 2), 'o': [1, 2]}",
    "{'text': 't', 'o': 12345678901234567890, 'o': 12345678901234567891}",
    "{'text': 't', 'o': 0x1F, 'o': 31, 'p': 1e2, 'p': 100.0, 'q': inf, 'q': 1e400}",
    "{'text': 't', 'o': [1.0], 'o': [1]}",
    "{'text': 't', 'o': -0.0, 'o': 0.0}",
  ].join('\n') })['dup.jsonl']!;
  const dup = 'the key "o" appears twice with different values (JSON keeps the last and drops the other): keep one';
  assert.deepEqual([...readJsonlItems(f)].map((i) => i.error?.detail ?? 'ok'), [dup, 'ok', dup, 'ok', 'ok', dup, 'ok', dup, dup]);
});

test('a str() of a dict: nan is Python\'s float nan where a template writes it (a tool call\'s arguments), as JSON\'s NaN is; None stays null', async () => {
  // before: nan was read as None there (null), so `{'x': nan}` trained as {"x": null} where '{"x": NaN}' trained as NaN
  const { pythonJson, withPythonNumbers } = await import('../../src/data/python-numbers.ts');
  const args = (text: string): string => pythonJson(withPythonNumbers((parseJsonText(text).value as { a: unknown }).a));
  assert.equal(args("{'a': {'x': nan, 'y': None, 'z': [nan, 1.0]}}"), '{"x":NaN,"y":null,"z":[NaN,1.0]}');
});
