// Class lists: integer labels are their own index only when they look like class indices; ids and dates
// used as labels become sorted names instead of crashing (RangeError) or exhausting memory; a class list
// naming a label twice is a UserError. Labels as datasets write them: pandas' "1.0", HF's -1 ("no label"),
// 1-based integers (AG News, Yelp) refused with named --labels unless mapped (--labels 1=World,…), and
// classes with no kept record, and classes only val or test has, named in a warning.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { LabelSet, canonicalLabel, classList, labelText, labelsIs, nearClassHint, parseLabelsOption, readClassNames, sortLabels } from '../../src/data/labels.ts';
import { classWarnings, unevaluatedClassWarning } from '../../src/data/label-warnings.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();

test('classList: small integer labels are their own index; huge ones, dates and sparse ids are sorted names', () => {
  assert.deepEqual(classList([0, 1, 2, 5]), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(classList([2]), [0, 1, 2], 'a few classes unseen in a small sample is fine');
  assert.deepEqual(classList([1023, 0]).length, 1024);
  assert.deepEqual(classList([999999999999999, 3]), [3, 999999999999999]);
  assert.deepEqual(classList([20240102, 20240101, 20240101]), [20240101, 20240102]);
  assert.deepEqual(classList([0, 1024]), [0, 1024]);
  const many = Array.from({ length: 3000 }, (_, i) => i * 2); // 3000 distinct, max + 1 = 5999 ≤ 6000
  assert.equal(classList(many).length, 5999);
  const sparse = Array.from({ length: 200_000 }, (_, i) => 1e9 + i * 7); // more labels than a spread call allows
  assert.equal(classList(sparse).length, 200_000);
  assert.deepEqual(classList(['b', 1, 'a']), [1, 'a', 'b']);
});

test('prepare and loadTokenRows with id- and date-like integer labels: one class per label, no crash', () => {
  const f = writeFiles(dir, {
    'ids.jsonl': [
      '{"text": "first review text", "label": 999999999999999}',
      '{"text": "second review text", "label": 20240101}',
      '{"text": "third review text", "label": 20240101}',
    ].join('\n'),
  })['ids.jsonl']!;
  const out = path.join(dir, 'ids');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(report.labels, [20240101, 999999999999999]);
  assert.equal(report.kept, 3);
  const loaded = loadTokenRows(path.join(out, 'train.jsonl'), { tokenizer: tok, task: 'classification' });
  assert.deepEqual(loaded.rows.map((r) => r.label), [1, 0, 0]);
  const raw = loadTokenRows(f, { tokenizer: tok, task: 'classification' });
  assert.deepEqual(raw.labels, [20240101, 999999999999999]);
});

test('a class list naming a label twice is a UserError', () => {
  for (const labels of [['pos', 'neg', 'pos'], [3, 3]] as Array<Array<string | number>>) {
    assert.throws(() => new LabelSet(labels), (e) => isUserError(e) && /names the label .* twice/.test(e.message));
  }
});

test('canonicalLabel: a string label is read as pandas reads a CSV cell: "1e0", "1E0", "1.0e0", "1.", " 1 " are the class 1, as "1.0" and 1e0 are', () => {
  // before: "1.0" was the class 1 but "1e0" the string "1e0", a class beside it, where pandas' read_csv (and HF
  // datasets' csv loader, which uses it) reads every one of these cells as the float 1.0, the class 1 once cast to int
  for (const [raw, want] of [['1e0', 1], ['1E0', 1], ['1.0e0', 1], [' 1 ', 1], ['1.', 1], ['1e+0', 1], ['+1e0', 1], ['10e-1', 1], ['1.e0', 1],
    ['.5e1', 5], ['1.5e1', 15], ['1e3', 1000], ['.0', 0], ['0e99999', 0], ['-0.0e0', 0], ['1.0000000000000000e0', 1], ['123456789012345e0', 123456789012345],
    // not an exact integer of at most 15 digits: the string, as a fraction or a code past a double's exact integers is
    ['1.5', '1.5'], ['1e-1', '1e-1'], ['15e-1', '15e-1'], ['1e15', '1e15'], ['1e99999999999999999999', '1e99999999999999999999'], ['1e-99999999999999999999', '1e-99999999999999999999'],
    ['1e', '1e'], ['e1', 'e1'], ['.', '.'], ['.e1', '.e1'], ['1e1.5', '1e1.5'], ['0x10', '0x10'], ['1_000', '1_000'], ['inf', 'inf']] as Array<[string, unknown]>) {
    assert.deepEqual(canonicalLabel(raw), { label: want }, JSON.stringify(raw));
  }
  // -1 however written is HF's "no label", as "-1.0" is
  for (const raw of ['-1e0', '-10E-1', '-.1e1']) assert.deepEqual(canonicalLabel(raw), canonicalLabel(-1), raw);
});

test('canonicalLabel: an integer written as a float is that integer; -1 is HF\'s "no label"', () => {
  for (const [raw, want] of [['1.0', 1], [' 2.00 ', 2], ['0.0', 0], [1.0, 1], ['-3.0', -3], ['1.5', '1.5'], ['01.0', 1], ['1.', 1], ['1e3', 1000],
    // as pandas reads a CSV cell: zero-padded codes are integers, so "01" … "12" are twelve integer classes, not
    // nine strings and three integers
    ['01', 1], ['007', 7], ['00', 0], ['+3', 3], ['-0', 0], ['-007', -7], ['0000000000000001', 1], ['1234567890123456', '1234567890123456']] as Array<[unknown, unknown]>) {
    assert.deepEqual(canonicalLabel(raw), { label: want }, JSON.stringify(raw));
  }
  for (const raw of [-1, '-1', ' -1 ', '-1.0']) {
    const c = canonicalLabel(raw);
    assert.ok('label' in c && c.label === null && /-1 is Hugging Face's "no label"/.test(c.why ?? ''), JSON.stringify(raw));
  }
  assert.deepEqual(canonicalLabel(-2), { label: -2 });
});

test('canonicalLabel: the boolean cells pandas reads (TRUE from R or Excel, true, True) are the JSON true\'s class', () => {
  // R's write.csv and Excel write TRUE/FALSE: a CSV export of a JSON dataset with true/false labels made two more classes
  for (const raw of [true, 'True', 'TRUE', 'true', ' true ']) assert.deepEqual(canonicalLabel(raw), { label: 'True' }, JSON.stringify(raw));
  for (const raw of [false, 'False', 'FALSE', 'false']) assert.deepEqual(canonicalLabel(raw), { label: 'False' }, JSON.stringify(raw));
  for (const raw of ['tRuE', 'yes', 'T']) assert.deepEqual(canonicalLabel(raw), { label: raw }, 'what pandas does not read as a boolean stays a name');
  assert.deepEqual(parseLabelsOption('false,true'), { labels: ['False', 'True'] });
});

test('parseLabelsOption: a list in index order, or INTEGER=NAME pairs ordered by their integers; bad ones refused', () => {
  assert.deepEqual(parseLabelsOption('neg, pos'), { labels: ['neg', 'pos'] });
  assert.deepEqual(parseLabelsOption('0,1,2'), { labels: [0, 1, 2] });
  assert.deepEqual(parseLabelsOption('2=Sports, 1=World,4=Sci/Tech,3=Business'), { labels: ['World', 'Sports', 'Business', 'Sci/Tech'], codes: [1, 2, 3, 4] });
  assert.deepEqual(parseLabelsOption('1.0=neg,2=pos'), { labels: ['neg', 'pos'], codes: [1, 2] });
  // -1 mapped to a name is a class (sentiment's -1/0/1); the class list then reads the data's -1 as that class
  const sentiment = parseLabelsOption('0=neutral,-1=negative,1=positive');
  assert.deepEqual(sentiment, { labels: ['negative', 'neutral', 'positive'], codes: [-1, 0, 1] });
  const set = new LabelSet(sentiment.labels, sentiment.codes);
  assert.equal(set.minusOne, 'class');
  assert.equal(set.classIndex(-1), 0);
  assert.equal(new LabelSet(['neg', 'pos']).minusOne, 'no label');
  assert.equal(new LabelSet(['a', 'b'], [0, 1]).minusOne, 'no label');
  const bad: Array<[string, RegExp]> = [
    ['1=a,1=b', /^--labels maps the integer 1 twice: "1=a" and "1=b"$/],
    ['1=a, 01.0=b', /^--labels maps the integer 1 twice: "1=a" and "01.0=b"$/],
    ['x=World,2=Sports', /"x=World": the label before "=" must be an integer/],
    ['1=World,Sports', /"Sports" has no "=": give every class as INTEGER=NAME/],
    ['1=2,2=3', /"1=2": the class name after "=" must not be an integer/],
    ['1=,2=b', /--labels has an empty class name in "1=,2=b"/],
    ['-1,0,1', /^--labels: -1 is Hugging Face's "no label", not a class; if it is one, give every class as INTEGER=NAME \(-1=negative,0=neutral,1=positive\)$/],
    ['a,,b', /--labels has an empty class name/],
  ];
  for (const [s, re] of bad) assert.throws(() => parseLabelsOption(s), (e) => isUserError(e) && re.test(e.message), s);
  // a name twice: refused as --labels (the class list, which a library call reaches, says "labels")
  assert.throws(() => parseLabelsOption('1=a,2=a'), { message: '--labels lists the class "a" twice' });
  assert.throws(() => new LabelSet(['a', 'a'], [1, 2]), (e) => isUserError(e) && /names the label "a" twice/.test(e.message));
});

const ag = (labels: Array<number | string>) => labels.map((l, i) => JSON.stringify({ text: `news story number ${i} about ${'abcdefgh'[i % 8]} things ${i * 7919 % 113}`, label: l })).join('\n');

test('the --labels a hint prints is one shell word: quoted where a class name holds a space or a quote', () => {
  assert.equal(labelsIs(FLAG_WORDS, [{ name: 'World', code: 1 }, { name: 'Sci/Tech', code: 2 }]), '--labels 1=World,2=Sci/Tech');
  assert.equal(labelsIs(FLAG_WORDS, [{ name: 'Africa', code: 1 }, { name: 'North America', code: 2 }]), "--labels '1=Africa,2=North America'");
  assert.equal(labelsIs(FLAG_WORDS, [{ name: "it's", code: 1 }, { name: 'b', code: 2 }]), "--labels '1=it'\\''s,2=b'");
  // the value as a shell reads it back is what parseLabelsOption takes
  const quoted = labelsIs(FLAG_WORDS, [{ name: 'Africa', code: 1 }, { name: 'North America', code: 2 }]).slice('--labels '.length);
  assert.deepEqual(parseLabelsOption(quoted.slice(1, -1)).labels, ['Africa', 'North America']);
});

test('--labels as JSON: class names holding a comma or "=" (a list, or an object of INTEGER: NAME); bad JSON refused in one line', () => {
  assert.deepEqual(parseLabelsOption('["café, au lait", "x"]'), { labels: ['café, au lait', 'x'] });
  assert.deepEqual(parseLabelsOption(' ["a=b", 0]'), { labels: ['a=b', 0] });
  assert.deepEqual(parseLabelsOption('{"2": "x", "1": "café, au lait"}'), { labels: ['café, au lait', 'x'], codes: [1, 2] });
  assert.deepEqual(parseLabelsOption('{"-1": "neg, strongly", "0": "neutral"}'), { labels: ['neg, strongly', 'neutral'], codes: [-1, 0] });
  const bad: Array<[string, RegExp]> = [
    ['["a", "b"', /^--labels starts with "\[" but is no JSON \(.*\): a value that starts with \[ or \{ is read as JSON; give the classes as a JSON list \["a, b","c"\]/],
    // a comma list whose first class starts with [ or { (it was the classes "[x]" and "y"): the JSON list that names them
    ['[x],y', /^--labels starts with "\[" but is no JSON \(.*\): a value that starts with \[ or \{ is read as JSON; give these classes as a JSON list, --labels '\["\[x\]","y"\]'$/],
    ['{a}, b', /; give these classes as a JSON list, --labels '\["\{a\}","b"\]'$/],
    ['[]', /^--labels as JSON must be a list of class names or an object/],
    ['["a", null]', /^--labels: null is no class name/],
    ['["a", "a"]', /^--labels lists the class "a" twice$/],
    ['{"1": "a", "1": "b"}', /^--labels: the key "1" appears twice with different values/],
    ['{"1": "a", "01": "b"}', /^--labels maps the integer 1 twice: \{"1": "a"\} and \{"01": "b"\}$/],
    ['{"x": "a"}', /^--labels: \{"x": "a"\}: the key must be an integer/],
    ['1=a, b,2=c', /"b" has no "=".*a class name that holds a comma: give them as JSON/],
  ];
  for (const [s, re] of bad) assert.throws(() => parseLabelsOption(s), (e) => isUserError(e) && re.test(e.message), s);
  // a hint names such classes as JSON, one shell word, which parseLabelsOption reads back
  const hint = labelsIs(FLAG_WORDS, [{ name: 'café, au lait' }, { name: 'x' }]);
  assert.equal(hint, `--labels '["café, au lait","x"]'`);
  assert.deepEqual(parseLabelsOption(hint.slice('--labels \''.length, -1)).labels, ['café, au lait', 'x']);
  assert.equal(labelsIs(FLAG_WORDS, [{ name: 'a=b', code: 1 }, { name: 'c', code: 2 }]), `--labels '{"1":"a=b","2":"c"}'`);
});

test('prepare --labels A,B that split a class name of the data at its comma is refused, naming the classes it made and the JSON list (it made three classes and rejected the records)', () => {
  const f = writeFiles(dir, { 'comma.jsonl': ['café, au lait', 'x', 'café, au lait', 'x'].map((l, i) => JSON.stringify({ text: `drink ${i}`, label: l })).join('\n') + '\n' });
  const out = path.join(dir, 'comma');
  assert.throws(() => prepare({ inputs: [f['comma.jsonl']!], outDir: out, tokenizer: tok, task: 'classification', labels: parseLabelsOption('café, au lait,x').labels }, FLAG_WORDS),
    { message: `comma.jsonl:1: "café, au lait", a label of the data, is no class of --labels, which names its pieces "café", "au lait" as classes, one after another: ` +
      `a comma list A,B,… splits a name at its commas; give class names that hold a comma as a JSON list, --labels '["café, au lait","x"]'` });
  assert.ok(!fs.existsSync(path.join(out, 'train.jsonl')));
  // the JSON list keeps it whole; a library caller's list is never split (its unknown label is a rejection, as before)
  const { report } = prepare({ inputs: [f['comma.jsonl']!], outDir: path.join(dir, 'comma-json'), tokenizer: tok, task: 'classification', labels: parseLabelsOption('["café, au lait","x"]').labels }, FLAG_WORDS);
  assert.deepEqual(report.labels, ['café, au lait', 'x']);
  const { report: lib } = prepare({ inputs: [f['comma.jsonl']!], outDir: path.join(dir, 'comma-lib'), tokenizer: tok, task: 'classification', labels: ['café', 'au lait', 'x'] });
  assert.equal(lib.by_reason.unknown_label, 2);
});

test('prepare --labels a,b on data whose labels are "a", "b" and "a, b": the records of "a, b" are unknown_label, as before (it was refused with no way out)', () => {
  // a and b have records of their own: the list split nothing; "a, b" (both) is left out, however --labels is given
  const f = writeFiles(dir, { 'multi.jsonl': ['a', 'b', 'a, b', 'a', 'b', 'a, b', 'a', 'b'].map((l, i) => JSON.stringify({ text: `item ${i}`, label: l })).join('\n') + '\n' });
  for (const [i, given] of ['a,b', '["a","b"]'].entries()) {
    const { report } = prepare({ inputs: [f['multi.jsonl']!], outDir: path.join(dir, `multi-${i}`), tokenizer: tok, task: 'classification', labels: parseLabelsOption(given).labels }, FLAG_WORDS);
    assert.deepEqual(report.labels, ['a', 'b'], given);
    assert.equal(report.by_reason.unknown_label, 2, given);
  }
});

test('1-based integer labels with named --labels are refused (nothing written); a mapping names them', () => {
  const f = writeFiles(dir, { 'ag.jsonl': ag([1, 2, 3, 4, 3, 2, 1, 4]) })['ag.jsonl']!;
  const out = path.join(dir, 'ag');
  const names = ['World', 'Sports', 'Business', 'Sci/Tech'];
  assert.throws(() => prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', labels: names }), (e) => isUserError(e) && !e.message.includes('\n') &&
    /^prepare: options\.labels names 4 classes and the integer labels run up to 4 with no 0: they look 1-based .*1 would be "Sports", 4 unknown.*options\.labels \['World', 'Sports', 'Business', 'Sci\/Tech'\] with options\.labelCodes \[1, 2, 3, 4\]/.test(e.message));
  assert.deepEqual(fs.readdirSync(out), [], 'no output written');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', labels: names, labelCodes: [1, 2, 3, 4], split: [1, 0, 0] });
  assert.equal(report.kept, 8);
  assert.deepEqual(report.labels, names);
  assert.deepEqual(report.label_counts!.train, { 'Business': 2, 'Sci/Tech': 2, 'Sports': 2, 'World': 2 });
  assert.deepEqual(readJsonl<{ label: string }>(path.join(out, 'train.jsonl')).map((r) => r.label), ['World', 'Sports', 'Business', 'Sci/Tech', 'Business', 'Sports', 'World', 'Sci/Tech']);
  assert.deepEqual(report.options.label_map, { 1: 'World', 2: 'Sports', 3: 'Business', 4: 'Sci/Tech' });
  // with a mapping an integer it does not name is unknown, not an index; the names themselves are labels too
  const g = writeFiles(dir, { 'ag0.jsonl': ag([0, 1, 'World', 5]) })['ag0.jsonl']!;
  const r0 = prepare({ inputs: [g], outDir: path.join(dir, 'ag0'), tokenizer: tok, task: 'classification', labels: names, labelCodes: [1, 2, 3, 4], split: [1, 0, 0] });
  assert.deepEqual(r0.report.by_reason, { unknown_label: 2 });
  const rej = readJsonl<{ detail: string }>(path.join(dir, 'ag0', 'rejected.jsonl'));
  assert.equal(rej[0]!.detail, "label 0 is not one of options.labels ['World', 'Sports', 'Business', 'Sci/Tech'] with options.labelCodes [1, 2, 3, 4]");
  // 0-based labels (a 0 present) stay class indices, as before
  const z = writeFiles(dir, { 'zero.jsonl': ag([0, 1, 2, 3]) })['zero.jsonl']!;
  const rz = prepare({ inputs: [z], outDir: path.join(dir, 'zero'), tokenizer: tok, task: 'classification', labels: names, split: [1, 0, 0] });
  assert.deepEqual(rz.report.label_counts!.train, { 'Business': 1, 'Sci/Tech': 1, 'Sports': 1, 'World': 1 });
  // Yelp polarity: 1–2 with two names
  const y = writeFiles(dir, { 'yelp.jsonl': ag([1, 2, 2, 1]) })['yelp.jsonl']!;
  assert.throws(() => prepare({ inputs: [y], outDir: path.join(dir, 'yelp'), tokenizer: tok, task: 'classification', labels: ['negative', 'positive'] }),
    (e) => isUserError(e) && e.message.includes("options.labels ['negative', 'positive'] with options.labelCodes [1, 2]"));
});

test('prepare: -1 is a missing label (HF\'s "no label"), 1.0 is 1, and classes with no kept record are named in a warning', () => {
  // (this file mixed the strings "1.0" and "-1" with numbers, which HF datasets cannot type: refused now, label-json-field.test.ts)
  const floats = ag([0, -1, 1, 1, -1, 2, 2, 0]).split('\n').map((l, i) => (i === 2 || i === 6 ? l.replace(/([0-9])\}$/, '$1.0}') : l)).join('\n');
  assert.match(floats, /"label":1\.0\}\n/);
  const f = writeFiles(dir, { 'snli.jsonl': floats })['snli.jsonl']!;
  const out = path.join(dir, 'snli');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(report.labels, [0, 1, 2]);
  assert.deepEqual(report.by_reason, { missing_label: 2 });
  assert.deepEqual(report.label_counts!.train, { 0: 2, 1: 2, 2: 2 });
  const rej = readJsonl<{ reason: string; detail: string; source: { line: number } }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rej.map((r) => [r.source.line, r.reason]), [[2, 'missing_label'], [5, 'missing_label']]);
  assert.match(rej[0]!.detail, /^label -1 is Hugging Face's "no label" \(ClassLabel/);
  assert.ok(!report.warnings.some((w) => /no record/.test(w)), report.warnings.join('; '));

  // 2 of 8 records is no SNLI's 0.1 %: the warning says how -1 would be a class, with the integers kept
  assert.ok(report.warnings.includes('2 records have the label -1 (25 % of those read), read as Hugging Face\'s "no label" and rejected (missing_label); ' +
    'if -1 is a class (sentiment\'s -1/0/1, ±1 labels), name every class: options.labels [NAME, NAME, NAME, NAME] with options.labelCodes [-1, 0, 1, 2]'), report.warnings.join('; '));
  // one in 200 (0.5 %), as SNLI: rejected, no warning
  const rare = writeFiles(dir, { 'rare.jsonl': ag(Array.from({ length: 200 }, (_, i) => (i === 7 ? -1 : i % 3))) })['rare.jsonl']!;
  const rr = prepare({ inputs: [rare], outDir: path.join(dir, 'rare'), tokenizer: tok, task: 'classification', split: [1, 0, 0], dedup: 'exact' }).report;
  assert.deepEqual(rr.by_reason, { missing_label: 1 });
  assert.ok(!rr.warnings.some((w) => /label -1/.test(w)), rr.warnings.join('; '));

  // star ratings 1–5 without --labels: classes 0 … 5, class 0 empty, said
  const s = writeFiles(dir, { 'stars.jsonl': ag([1, 2, 3, 4, 5, 5]) })['stars.jsonl']!;
  const stars = prepare({ inputs: [s], outDir: path.join(dir, 'stars'), tokenizer: tok, task: 'classification', split: [1, 0, 0] }).report;
  assert.deepEqual(stars.labels, [0, 1, 2, 3, 4, 5]);
  assert.ok(stars.warnings.includes('class 0 has no record in the kept data: integer labels are class indices 0 … 5 (labels that start at 1 are 1-based: name them with options.labels [NAME, NAME, …] with options.labelCodes [1, 2, …]); the model gets a class for each'), stars.warnings.join('; '));
  // a --labels class the data never uses
  const n = writeFiles(dir, { 'named3.jsonl': ag(['neg', 'pos', 'neg']) })['named3.jsonl']!;
  const named = prepare({ inputs: [n], outDir: path.join(dir, 'named3'), tokenizer: tok, task: 'classification', labels: ['neg', 'neu', 'pos'], split: [1, 0, 0] }).report;
  assert.ok(named.warnings.includes('class "neu" has no record in the kept data: the model gets a class for each'), named.warnings.join('; '));
});

test('prepare: a class that only val or test has (a --val/--test file\'s, a one-record class) is named in a warning: never trained, every such record an error', () => {
  const rows = Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: `review ${i} of ${'abcdef'[i % 6]} item ${i * 7919 % 97}`, label: i % 2 ? 'pos' : 'neg' }));
  const f = writeFiles(dir, {
    'reviews.jsonl': rows.join('\n') + '\n',
    'reviews-val.jsonl': ['{"text": "a fine review of the val file", "label": "pos"}', '{"text": "so-so, neither good nor bad", "label": "neutral"}'].join('\n') + '\n',
    'reviews-test.jsonl': '{"text": "middling at best, the test file says", "label": "neutral"}\n{"text": "gibberish", "label": "spam"}\n',
  });
  const { report } = prepare({ inputs: [f['reviews.jsonl']!], val: [f['reviews-val.jsonl']!], test: [f['reviews-test.jsonl']!], outDir: path.join(dir, 'untrained'), tokenizer: tok, task: 'classification' });
  assert.deepEqual(report.labels, ['neg', 'neutral', 'pos', 'spam']);
  assert.equal(report.label_counts!.train.neutral, undefined);
  assert.ok(report.warnings.includes('classes "neutral" (val 1, test 1), "spam" (test 1) have records in val or test but none in train: the model is never trained on them, ' +
    'and every such record is scored as an error (give training records of them, or leave them out of options.val/options.test)'), report.warnings.join('; '));
  // every class in train: no such warning
  const { report: ok } = prepare({ inputs: [f['reviews.jsonl']!], outDir: path.join(dir, 'all-trained'), tokenizer: tok, task: 'classification' });
  assert.ok(!ok.warnings.some((w) => /none in train/.test(w)), ok.warnings.join('; '));
  // six classes of one record each: each trains (a class's first record goes to train, split.ts), val and test are
  // empty and said to be; no class is left untrained
  const six = writeFiles(dir, { 'six.jsonl': ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'].map((w, i) => JSON.stringify({ text: `the word ${w}`, label: `c${i}` })).join('\n') + '\n' })['six.jsonl']!;
  const { report: r6 } = prepare({ inputs: [six], outDir: path.join(dir, 'six'), tokenizer: tok, task: 'classification' });
  assert.deepEqual(r6.splits, { train: 6, val: 0, test: 0 });
  assert.ok(!r6.warnings.some((w) => /none in train/.test(w)), r6.warnings.join('; '));
  assert.ok(r6.warnings.some((w) => w.startsWith('the val split is empty')), r6.warnings.join('; '));
});

test('prepare: a trained class that val or test has no record of (a rare class, a --val file without it) is named in a warning: never evaluated there', () => {
  // 40 records of "pos" and "neg", 2 of "rare": stratified, rare's two records both train (a class's first goes to train)
  const rows = Array.from({ length: 42 }, (_, i) => JSON.stringify({ text: `review number ${i} says ${'abcdefg'[i % 7]} of item ${i * 7919 % 101}`, label: i >= 40 ? 'rare' : i % 2 ? 'pos' : 'neg' }));
  const f = writeFiles(dir, { 'skewed.jsonl': rows.join('\n') + '\n', 'skewed-val.jsonl': '{"text": "a val review, positive", "label": "pos"}\n' });
  const { report } = prepare({ inputs: [f['skewed.jsonl']!], outDir: path.join(dir, 'skewed'), tokenizer: tok, task: 'classification' });
  assert.deepEqual([report.label_counts!.train.rare, report.label_counts!.val.rare, report.label_counts!.test.rare], [2, undefined, undefined]);
  assert.ok(report.warnings.includes('class "rare" (train 2) has training records but none in val or test: no evaluation there measures it ' +
    '(its accuracy and F1 there go unseen; in val, best/ and early stopping choose without it; val and test are cut from too few records of it to give each one: give it more)'), report.warnings.join('; '));
  // a --val file of one class: the others are named, the fix is the file's (test, the input's share, has each of them)
  const { report: given } = prepare({ inputs: [f['skewed.jsonl']!], val: [f['skewed-val.jsonl']!], outDir: path.join(dir, 'skewed-val'), tokenizer: tok, task: 'classification' });
  const counts = given.label_counts!;
  assert.deepEqual([counts.val.neg, counts.val.rare, counts.test.rare], [undefined, undefined, 1]);
  assert.ok(given.warnings.includes(`classes "neg" (train ${counts.train.neg}, test ${counts.test.neg}), "rare" (train ${counts.train.rare}, test 1) have training records but none in val: no evaluation there measures them ` +
    '(their accuracy and F1 there go unseen; in val, best/ and early stopping choose without them; add records of them to options.val)'), given.warnings.join('; '));
  // test alone lacking it (a --test file of two classes): val's choices are not said to miss it
  const testFile = writeFiles(dir, { 'skewed-test.jsonl': '{"text": "a test review, positive", "label": "pos"}\n{"text": "a test review, negative", "label": "neg"}\n' })['skewed-test.jsonl']!;
  const many = Array.from({ length: 30 }, (_, i) => JSON.stringify({ text: `rare review ${i} of kind ${'hijklmn'[i % 7]} ${i * 104729 % 211}`, label: 'rare' }));
  const r3 = writeFiles(dir, { 'three.jsonl': [...rows.slice(0, 40), ...many].join('\n') + '\n' })['three.jsonl']!;
  const { report: t } = prepare({ inputs: [r3], test: [testFile], outDir: path.join(dir, 'skewed-test'), tokenizer: tok, task: 'classification' });
  assert.ok(t.label_counts!.val.rare! > 0);
  assert.ok(t.warnings.includes(`class "rare" (train ${t.label_counts!.train.rare}, val ${t.label_counts!.val.rare}) has training records but none in test: no evaluation there measures it ` +
    '(its accuracy and F1 there go unseen; add records of it to options.test)'), t.warnings.join('; '));
  // every class in every split: no such warning
  const even = writeFiles(dir, { 'even.jsonl': rows.slice(0, 40).join('\n') + '\n' })['even.jsonl']!;
  const { report: ok } = prepare({ inputs: [even], outDir: path.join(dir, 'even'), tokenizer: tok, task: 'classification' });
  assert.ok(!ok.warnings.some((w) => /no evaluation/.test(w)), ok.warnings.join('; '));
});

test('unevaluatedClassWarning: classes lacking different splits each say which they lack (one with a val record is not said to have none in val)', () => {
  const counts = [new Map([['neutral', 2], ['pos', 3], ['neg', 5]]), new Map([['neutral', 1], ['neg', 1]]), new Map([['neg', 1]])];
  const w = unevaluatedClassWarning(counts, ['neg', 'neutral', 'pos'], [false, false, false], FLAG_WORDS);
  assert.equal(w, 'classes "neutral" (train 2, val 1; none in test), "pos" (train 3; none in val or test) have training records but none in the split each names: ' +
    'no evaluation there measures them (their accuracy and F1 there go unseen; in val, best/ and early stopping choose without them; val and test are cut from too few records of them to give each one: give them more)');
  // all lacking the same splits: said once, as before
  assert.match(unevaluatedClassWarning([counts[0]!, new Map([['neg', 1]]), counts[2]!], ['neg', 'neutral', 'pos'], [false, false, false], FLAG_WORDS)!, /^classes "neutral" \(train 2\), "pos" \(train 3\) have training records but none in val or test: /);
});

test('prepare --labels -1=negative,0=neutral,1=positive: -1 is a class, written as its name; a mapping without -1 says how to add it', () => {
  const f = writeFiles(dir, { 'tweets.jsonl': ag([-1, 0, 1, '-1', 1, 0, -1, '1.0']) })['tweets.jsonl']!;
  const out = path.join(dir, 'tweets');
  const { labels, codes } = parseLabelsOption('-1=negative,0=neutral,1=positive');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', labels, labelCodes: codes, split: [1, 0, 0] });
  assert.equal(report.kept, 8);
  assert.deepEqual(report.by_reason, {});
  assert.deepEqual(report.labels, ['negative', 'neutral', 'positive']);
  assert.deepEqual(report.options.label_map, { '-1': 'negative', 0: 'neutral', 1: 'positive' });
  assert.deepEqual(readJsonl<{ label: string }>(path.join(out, 'train.jsonl')).map((r) => r.label),
    ['negative', 'neutral', 'positive', 'negative', 'positive', 'neutral', 'negative', 'positive']);
  assert.ok(!report.warnings.some((w) => /label -1/.test(w)), report.warnings.join('; '));
  // train reads the prepared split as three named classes, -1's records in the first
  const rows = loadTokenRows(path.join(out, 'train.jsonl'), { task: 'classification', tokenizer: tok });
  assert.deepEqual(rows.labels, ['negative', 'neutral', 'positive']);
  assert.deepEqual(rows.rows.map((r) => r.label), [0, 1, 2, 0, 2, 1, 0, 2]);

  // a mapping that leaves -1 out: its records are "no label", and the warning gives the mapping with -1 added
  const r2 = prepare({ inputs: [f], outDir: path.join(dir, 'tweets2'), tokenizer: tok, task: 'classification', labels: ['neutral', 'positive'], labelCodes: [0, 1], split: [1, 0, 0] }).report;
  assert.deepEqual(r2.by_reason, { missing_label: 3 });
  assert.ok(r2.warnings.some((w) => w.endsWith("name every class: options.labels [NAME, 'neutral', 'positive'] with options.labelCodes [-1, 0, 1]")), r2.warnings.join('; '));
  // a raw file read by train: the error at the -1 record says how to make it a class, in the caller's words
  assert.throws(() => loadTokenRows(f, { task: 'classification', tokenizer: tok, words: FLAG_WORDS }),
    (e) => isUserError(e) && /tweets\.jsonl:1: /.test(e.message) && /if -1 is a class, name it: prepare --labels -1=NAME,…/.test(e.message));
  assert.throws(() => loadTokenRows(f, { task: 'classification', tokenizer: tok }),
    (e) => isUserError(e) && /tweets\.jsonl:1: /.test(e.message) && e.message.includes('if -1 is a class, name it: options.labels [NAME, …] with options.labelCodes [-1, …]') && !e.message.includes('--'));
});

test('prepare: zero-padded integer labels of a CSV ("01" … "12") are one kind of label, integers as pandas reads them', () => {
  const rows = Array.from({ length: 12 }, (_, i) => `story ${i} about ${'abcdefgh'[i % 8]} things ${i * 7919 % 113},${String(i + 1).padStart(2, '0')}`);
  const f = writeFiles(dir, { 'months.csv': 'text,label\n' + rows.join('\n') + '\n' })['months.csv']!;
  const { report } = prepare({ inputs: [f], outDir: path.join(dir, 'months'), tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(report.labels, Array.from({ length: 13 }, (_, i) => i));
  assert.equal(Object.keys(report.label_counts!.train).length, 12);
});

test('classWarnings: classes that differ only in character form (full-width "ｐｏｓ", "ﬁne") are named, as those that differ in case', async () => {
  // before: "ｐｏｓ" (an IME's full-width letters) beside "pos" made two classes without a word
  const { classWarnings } = await import('../../src/data/label-warnings.ts');
  const { FLAG_WORDS } = await import('../../src/util/option-words.ts');
  const labels = ['neg', 'pos', 'ｐｏｓ', 'ＰＯＳ', 'ﬁne', 'fine'];
  assert.deepEqual(classWarnings(new Set(labels), labels, true, FLAG_WORDS), [
    'classes "pos" and "ｐｏｓ" and "ＰＯＳ" differ only in case or character form (full-width letters, ligatures): they are separate classes (give --labels, or fix the data)',
    'classes "ﬁne" and "fine" differ only in case or character form (full-width letters, ligatures): they are separate classes (give --labels, or fix the data)',
  ]);
  assert.deepEqual(classWarnings(new Set(['Pos', 'pos']), ['Pos', 'pos'], true, FLAG_WORDS),
    ['classes "Pos" and "pos" differ only in case: they are separate classes (give --labels, or fix the data)']);
});

test('canonicalLabel: direction marks, other invisible format characters (soft hyphen, CGJ) and control characters are no part of a class name', () => {
  // before: "pos\u200e" (an RTL export's direction mark) printed as "pos" yet was another class, without a word
  for (const raw of ['pos\u200e', '\u200fpos', '\u202apos\u202c', '\u2066pos\u2069', 'p\u00ados', 'po\u034fs', '\u061cpos']) {
    assert.deepEqual(canonicalLabel(raw), { label: 'pos' }, JSON.stringify(raw));
  }
  // control characters too, as text fields lose them ("pos\u0000": a C string's NUL)
  for (const raw of ['pos\u0000', 'pos\u0007', 'p\u001bos', 'pos\u007f']) assert.deepEqual(canonicalLabel(raw), { label: 'pos' }, JSON.stringify(raw));
  assert.deepEqual(canonicalLabel('\u200e'), { label: null });
  assert.deepEqual(canonicalLabel('\u200f1'), { label: 1 });
  // ZWJ and variation selectors make an emoji what it is: kept
  assert.deepEqual(canonicalLabel('\u2764\ufe0f'), { label: '\u2764\ufe0f' });
  assert.deepEqual(canonicalLabel('\u{1F468}\u200d\u{1F469}'), { label: '\u{1F468}\u200d\u{1F469}' });
});

test('canonicalLabel: a ZWJ after a Latin letter, which joins nothing there, is no part of a class name, as exact dedup folds it (invisible-fold.ts)', () => {
  // before: "neg\u200d" was a class apart from "neg", though it prints as "neg"
  for (const raw of ['neg\u200d', 'n\u200deg', 'neg\u200b\u200d', 'ne\u00adg\u200d']) assert.deepEqual(canonicalLabel(raw), { label: 'neg' }, JSON.stringify(raw));
  // after an emoji, or a letter of a script that joins (Devanagari), it changes what is shown: kept
  assert.deepEqual(canonicalLabel('\u{1F468}\u200d\u{1F469}\u200d\u{1F467}'), { label: '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}' });
  assert.deepEqual(canonicalLabel('\u0915\u094d\u200d\u0937'), { label: '\u0915\u094d\u200d\u0937' });
});

test('a label not among the classes that differs from one only in case or character form names it (prepare\'s --labels, train\'s and eval\'s class list)', async () => {
  // before: only `label "Pos" is not one of --labels neg,pos`, the near miss left to be spotted
  const { checkRecord } = await import('../../src/data/record-checks.ts');
  const limits = { maxChars: 1000, maxCharsGiven: false, keepPlaceholders: false };
  const set = new LabelSet(['neg', 'pos']);
  const detail = (label: string) => checkRecord({ shape: 'classification', text: 'good', label }, limits, [], set)?.detail;
  assert.equal(detail('Pos'), 'label "Pos" is not one of --labels neg,pos (it differs only in case or character form from "pos")');
  assert.equal(detail('ｐｏｓ'), 'label "ｐｏｓ" is not one of --labels neg,pos (it differs only in case or character form from "pos")');
  assert.equal(detail('maybe'), 'label "maybe" is not one of --labels neg,pos');
  assert.equal(detail('pos'), undefined);
  // train's and eval's reader say it too (the model's classes "POSITIVE"/"NEGATIVE", the data's "positive")
  const f = writeFiles(dir, { 'cased.jsonl': '{"text": "good", "label": "positive"}\n' })['cased.jsonl']!;
  assert.throws(() => loadTokenRows(f, { tokenizer: tok, task: 'classification', labels: ['NEGATIVE', 'POSITIVE'] }),
    (e) => isUserError(e) && e.message.endsWith('label "positive" is not one of the classes ["NEGATIVE", "POSITIVE"] (it differs only in case or character form from "POSITIVE")'));
});

test('labelText: its ASCII short cut gives what the full reading gives, for every string of up to 3 characters of the ASCII range and NEL', () => {
  const full = (raw: string): string => raw.normalize('NFC').replace(/[\x00-\x08\x0E-\x1F\x7F-\x84\x86-\x9F\u200B\u2060\uFEFF\u180E\u00AD\u034F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '').trim();
  const chars = [...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)), '\x85', '\xa0'];
  const differ: string[] = [];
  for (const a of chars) for (const b of chars) for (const c of ['', ' ', '  ', 'x', '\t', '\x7f', '\x00']) {
    for (const s of [a + b + c, c + a + b, ` ${a}${c}${b} `]) if (labelText(s) !== full(s)) differ.push(JSON.stringify(s));
  }
  assert.deepEqual(differ.slice(0, 5), []);
  assert.equal(labelText(' very  negative '), 'very  negative', 'the white space inside is kept, as HF datasets keeps it');
});

test('prepare: labels that differ only in the white space inside ("very  bad", "very bad") are two classes, as HF datasets reads them, and a warning names them', () => {
  // before: "very  bad" was read as "very bad", one class, where load_dataset("csv") keeps the two strings apart
  const rows = ['good film,good', 'bad film,very bad', 'awful film,very  bad', 'fine film,good', 'poor film,very bad', 'dire film,very  bad'];
  const f = writeFiles(dir, { 'spaced.csv': 'text,label\n' + rows.join('\n') + '\n' })['spaced.csv']!;
  const { report } = prepare({ inputs: [f], outDir: path.join(dir, 'spaced'), tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(report.labels, ['good', 'very  bad', 'very bad']);
  assert.ok(report.warnings.some((w) => w.includes('classes "very  bad" and "very bad" differ only in white space')), report.warnings.join('\n'));
});

test('classWarnings: classes that differ only in a white space the eye cannot tell from a space (a no-break space) are told apart', () => {
  // before: 'classes "very  bad" and "very bad" and "very bad" differ only in white space': the last two looked the same
  const labels = ['very  bad', 'very bad', 'very\u00a0bad', 'very\u3000bad'];
  const w = classWarnings(new Set(labels), labels, true, FLAG_WORDS).filter((x) => x.includes('differ only in white space'));
  assert.deepEqual(w, ['classes "very  bad" and "very bad" and "very\\u00a0bad" and "very\\u3000bad" differ only in white space: they are separate classes (give --labels, or fix the data)']);
});

test('classWarnings: classes that differ only in the punctuation or quotes at their ends ("positive.", "\\"positive\\"") are named', () => {
  // before: an LLM's labels "positive.", "Negative." and "\"positive\"" beside "positive" and "negative" made five classes
  // without a word ("negative!" was said to differ "by one letter")
  const labels = ['"positive"', 'Negative.', 'negative', 'negative!', 'positive', 'positive.', 'C', 'C++', '+', '-'];
  assert.deepEqual(classWarnings(new Set(labels), labels, true, FLAG_WORDS), [
    'classes "\\"positive\\"" and "positive" and "positive." differ only in the punctuation or quotes at their ends: they are separate classes (give --labels, or fix the data)',
    'classes "Negative." and "negative" and "negative!" differ only in the punctuation or quotes at their ends, and in case, white space or character form: they are separate classes (give --labels, or fix the data)',
  ]);
});

test('classWarnings: names that are their punctuation (emoticons) are not said to differ in it, and a typo beside such a pair is still said', () => {
  // before: 'classes ":)" and ";)" differ only in the punctuation or quotes at their ends', and with "positive." beside
  // "positive", the typo "postive" went unsaid (every form of the pair was left out of the typo check)
  const emoticons = [':)', ';)', ':(', ':D', 'XD'];
  assert.deepEqual(classWarnings(new Set(emoticons), emoticons, true, FLAG_WORDS), []);
  assert.equal(nearClassHint(':)', [';)', ':(']), '');
  const typo = ['negative', 'positive', 'positive.', 'postive'];
  assert.deepEqual(classWarnings(new Set(typo), typo, true, FLAG_WORDS), [
    'classes "positive" and "positive." differ only in the punctuation or quotes at their ends: they are separate classes (give --labels, or fix the data)',
    'classes "positive" and "postive" differ by one letter: a typo? They are separate classes (give --labels to reject the misspelt one as unknown_label, or fix the data)',
  ]);
});

test('nearClassHint: a label that differs from a class only in the punctuation or quotes at its ends says which class', () => {
  // before: 'label "pos." is not one of --labels neg,neutral,pos', with no hint, where "Pos" got one
  assert.equal(nearClassHint('pos.', ['neg', 'pos']), ' (it differs only in the punctuation or quotes at its ends from "pos")');
  assert.equal(nearClassHint('"Positive"', ['negative', 'positive']), ' (it differs only in the punctuation or quotes at its ends, and in case or character form, from "positive")');
  assert.equal(nearClassHint('Pos', ['neg', 'pos']), ' (it differs only in case or character form from "pos")');
  assert.equal(nearClassHint('C++', ['C', 'D']), '');
  assert.equal(nearClassHint('?', ['!', 'x']), '');
});

test('readClassNames: a name list holding "-1" (a CSV word column\'s class) is read as text, each name as written; by value otherwise', () => {
  // before: { at: 0, problem: '"-1" is not a class name' }: "-1" read by value is HF's "no label"
  assert.deepEqual(readClassNames(['-1', 'neg', 'pos']), { labels: ['-1', 'neg', 'pos'] });
  assert.deepEqual(readClassNames(['-1', '007', 'neg']), { labels: ['-1', '007', 'neg'] });
  assert.deepEqual(readClassNames(['-1.0', '0', '1', 'x']), { labels: ['-1.0', '0', '1', 'x'] });
  assert.deepEqual(readClassNames(['007', 'neg']), { labels: [7, 'neg'] }, 'no "-1": by value, as the data\'s labels are read');
  assert.deepEqual(readClassNames(['-1', ' ']), { at: 1, problem: '" " is not a class name' });
});

test('word labels sort by code point, as run_classification.py sorts them (Python): U+FF01 before an emoji, whose UTF-16 surrogates come first as code units', () => {
  // Python: sorted(['😀', '！', 'b', 'a']) == ['a', 'b', '！', '😀']
  assert.deepEqual(sortLabels(['😀', '！', 'b', 'a', 2, 0]), [0, 2, 'a', 'b', '！', '😀']);
});

test("train's and eval's reader name a model's many classes cut, with how many there are in all", () => {
  const dir = tempDir();
  const classes = Array.from({ length: 5000 }, (_, i) => `class-${i}-${'x'.repeat(200)}`);
  const f = writeFiles(dir, { 'many.jsonl': '{"text": "good", "label": "unknown"}\n' })['many.jsonl']!;
  assert.throws(() => loadTokenRows(f, { tokenizer: tok, task: 'classification', labels: classes }), (e) => {
    assert.ok(isUserError(e));
    assert.match(e.message, /label "unknown" is not one of the classes \["class-0-x+.*"class-19-x+.* and 4980 more \(5000 in all\)\]$/);
    assert.ok(e.message.length < 5000, `${e.message.length} characters`);
    return true;
  });
});

test("train's and eval's reader name a long unknown label, and the class it is near, cut", () => {
  // a label of 200,000 characters (an unclosed quote ran a text into it) was echoed whole, and the class it differs
  // from only in case whole again in the hint after it
  const long = 'pos' + 'x'.repeat(200_000);
  const dir = tempDir();
  const f = writeFiles(dir, { 'long.jsonl': `${JSON.stringify({ text: 'good', label: long.toUpperCase() })}\n` })['long.jsonl']!;
  for (const [classes, hint] of [[['neg', 'pos'], ''], [['neg', long], ` \\(it differs only in case or character form from "posx+…" \\(200003 characters\\)\\)`]] as const) {
    assert.throws(() => loadTokenRows(f, { tokenizer: tok, task: 'classification', labels: [...classes] }), (e) => {
      assert.ok(isUserError(e));
      assert.match(e.message, new RegExp(`: label "POSX+…" \\(200003 characters\\) is not one of the classes \\[.*\\]${hint}$`));
      assert.ok(e.message.length < 1000, `${e.message.length} characters`);
      return true;
    });
  }
  assert.match(nearClassHint(`${long}.`, ['neg', long]), /^ \(it differs only in the punctuation or quotes at its ends from "posx+…" \(200003 characters\)\)$/);
});
