// A file read as another format than it is written in: a CSV or TSV file read as JSON Lines (--format jsonl, or a
// .jsonl name) is said to be one, once, in the warnings and in the error of a run that keeps nothing (a JSON Lines
// file read as CSV stops at its header row: ingest-csv.test.ts); train's, eval's and classify's readers, which stop at the
// first bad record, say it in that one line.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readRecords } from '../../src/data/ingest/read.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { readTextsToClassify } from '../../src/eval/texts.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
// in a library call's words (options.format), and the CLI's (--format)
const CSV = 'no line is JSON, and the first ("text,label") looks like a CSV header row: the file is CSV, not JSON Lines; read it as such (a .csv name, or options.format \'csv\')';
const CSV_CLI = CSV.replace("options.format 'csv'", '--format csv');

test('prepare: a CSV file named .jsonl, or read with --format jsonl, is said to be CSV once, in the error of a run that keeps nothing and in the warnings', () => {
  // before: every line was rejected with JSON.parse's message ("text,label" is not valid JSON), and nothing said the file is CSV
  const f = writeFiles(dir, { 'c.jsonl': 'text,label\nhello world,1\n"a, b",0\n', 'c.csv': 'text,label\nhello world,1\n', 'good.jsonl': '{"text": "a fine record"}\n' });
  const tok = mistralTokenizer();
  assert.throws(() => prepare({ inputs: [f['c.jsonl']!], outDir: path.join(dir, 'o1'), tokenizer: tok }),
    (e: Error) => e.message.includes(`is not valid JSON; c.jsonl: ${CSV}; rejected.jsonl`) && e.message.split('CSV header').length === 2);
  assert.throws(() => prepare({ inputs: [f['c.csv']!], outDir: path.join(dir, 'o2'), tokenizer: tok, format: 'jsonl' }),
    (e: Error) => e.message.includes(`c.csv: ${CSV}`));
  assert.throws(() => prepare({ inputs: [f['c.csv']!], outDir: path.join(dir, 'o2'), tokenizer: tok, format: 'jsonl' }, FLAG_WORDS),
    (e: Error) => e.message.includes(`c.csv: ${CSV_CLI}`) && !e.message.includes('options.'));
  const { report } = prepare({ inputs: [f['c.jsonl']!, f['good.jsonl']!], outDir: path.join(dir, 'o3'), tokenizer: tok, split: [1, 0, 0] });
  assert.deepEqual(report.by_reason, { invalid_json: 3 });
  assert.deepEqual(report.warnings.filter((w) => w.includes('CSV')), [`c.jsonl: ${CSV}`]);
});

test('a TSV file read as JSON Lines is said to be TSV; JSON Lines with broken lines, or prose, is not said to be CSV', () => {
  const f = writeFiles(dir, {
    't.jsonl': 'text\tlabel\nhello\t1\n',
    'pandas.jsonl': ',text,label\n0,hello,1\n',
    'broken.jsonl': '{"text": "a"\ntext,label\n{"text": "b"}\n',
    'prose.jsonl': 'It was the best of times, it was the worst of times\nand the rest of it\n',
    'one.jsonl': 'text,label\n',
    'r.jsonl': '"","text","label"\n"1","hello, you",1\n', // R's write.csv quotes the names
  });
  const hints = (file: string) => {
    const said: string[] = [];
    for (const _ of readRecords(file, 'jsonl', { onOtherFormat: (h) => said.push(h), formatFlag: false }));
    return said;
  };
  assert.deepEqual(hints(f['t.jsonl']!), ['no line is JSON, and the first ("text\\tlabel") looks like a TSV header row: the file is TSV, not JSON Lines; read it as such (a .tsv name)']);
  assert.deepEqual(hints(f['pandas.jsonl']!), ['no line is JSON, and the first (",text,label") looks like a CSV header row: the file is CSV, not JSON Lines; read it as such (a .csv name)']);
  assert.deepEqual(hints(f['r.jsonl']!), ['no line is JSON, and the first ("\\"\\",\\"text\\",\\"label\\"") looks like a CSV header row: the file is CSV, not JSON Lines; read it as such (a .csv name)']);
  for (const name of ['broken.jsonl', 'prose.jsonl', 'one.jsonl']) assert.deepEqual(hints(f[name]!), [], name);
});

test('train/eval (loadTokenRows) and classify stop at a CSV file named .jsonl with one line that says it is CSV', () => {
  // before: `c.jsonl:1: invalid_json: Unexpected token 'e', "text,label" is not valid JSON` and prepare's advice, nothing more
  const f = writeFiles(dir, {
    'c.jsonl': 'text,label\nhi,1\n', 't.json': 'text\tlabel\nhi\t1\n', 'header-only.jsonl': 'text,label\n',
    'then-json.jsonl': 'text,label\n{"text": "hi"}\n', 'broken.jsonl': '{"text": "a"\n{"text": "b"\n',
  });
  const tok = mistralTokenizer();
  const oneLine = (re: RegExp) => (e: unknown) => isUserError(e) && re.test(e.message) && !e.message.includes('\n');
  assert.throws(() => loadTokenRows(f['c.jsonl']!, { tokenizer: tok, formatFlag: false }), oneLine(new RegExp(
    `^${f['c.jsonl']!.replace(/[.\\]/g, '\\$&')}:1: invalid_json: .*"text,label" is not valid JSON; the first line \\("text,label"\\) looks like a CSV header row: the file is CSV, not JSON Lines; read it as such \\(a \\.csv name\\)$`)));
  assert.throws(() => loadTokenRows(f['t.json']!, { tokenizer: tok }),
    oneLine(/t\.json:1: invalid_json: .*; the first line \("text\\tlabel"\) looks like a TSV header row: the file is TSV, not JSON; read it as such \(a \.tsv name, or options\.format 'tsv'\)$/));
  assert.throws(() => loadTokenRows(f['t.json']!, { tokenizer: tok, words: FLAG_WORDS }), // eval's
    oneLine(/t\.json:1: invalid_json: .*; the first line \("text\\tlabel"\) looks like a TSV header row: the file is TSV, not JSON; read it as such \(a \.tsv name, or --format tsv\)$/));
  assert.throws(() => readTextsToClassify(f['c.jsonl']!), oneLine(/c\.jsonl:1: invalid_json: .*; .*looks like a CSV header row: the file is CSV, not JSON Lines; read it as such \(a \.csv name, or --format csv\)$/));
  // a second line that is JSON, or none, or a broken JSON file: JSON.parse's message and prepare's advice, as before
  for (const name of ['header-only.jsonl', 'then-json.jsonl', 'broken.jsonl']) {
    assert.throws(() => loadTokenRows(f[name]!, { tokenizer: tok }), (e: unknown) => isUserError(e) && /:1: invalid_json: .* \(prepare\(\) cleans raw data and lists every such record\)$/.test(e.message) && !e.message.includes('CSV'), name);
    assert.throws(() => loadTokenRows(f[name]!, { tokenizer: tok, words: FLAG_WORDS }), (e: unknown) => isUserError(e) && /:1: invalid_json: .* \(mistral-tune prepare cleans raw data and lists every such record\)$/.test(e.message), name);
    assert.throws(() => readTextsToClassify(f[name]!), (e: unknown) => isUserError(e) && /:1: invalid_json: /.test(e.message) && !e.message.includes('CSV'), name);
  }
});

test('train/eval (loadTokenRows) and classify refuse a YAML file (a config given as --data) unless a format is given', () => {
  // before: eval --data config.yaml scored the config as one plain-text example, with no word of it
  const f = writeFiles(dir, { 'train-lora.yaml': 'model: m\ndata:\n  test: test.jsonl\n', 'x.yml': 'a: 1\n' });
  const tok = mistralTokenizer();
  const yaml = (ext: string, option: string) => (e: unknown) => isUserError(e) &&
    e.message.endsWith(`: a ${ext} file is YAML (a training config?), not data: give a JSON Lines, JSON, CSV, TSV or plain-text file of records${option}`);
  assert.throws(() => loadTokenRows(f['train-lora.yaml']!, { tokenizer: tok, words: FLAG_WORDS }), yaml('.yaml', ' (or --format text to read it as plain text)'));
  assert.throws(() => loadTokenRows(f['x.yml']!, { tokenizer: tok }), yaml('.yml', " (or options.format 'text' to read it as plain text)"));
  assert.throws(() => loadTokenRows(f['x.yml']!, { tokenizer: tok, formatFlag: false }), yaml('.yml', '')); // train's data.*, which has no format key
  assert.throws(() => readTextsToClassify(f['x.yml']!), yaml('.yml', ' (or --format text to read it as plain text)'));
  // a format given reads it as that
  assert.equal(loadTokenRows(f['train-lora.yaml']!, { tokenizer: tok, format: 'text' }).rows.length, 1);
  assert.deepEqual(readTextsToClassify(f['x.yml']!, 'text', { format: 'text' }).map((t) => t.text), ['a: 1']);
});

test('prepare refuses a YAML file named as an input (a config given as --input) unless a format is given; one found in a folder is read, noted', () => {
  // before: prepare --input train-lora.yaml wrote the config into train.jsonl as one text record, with only a warning
  const f = writeFiles(dir, { 'named/train-lora.yaml': 'model: m\ndata:\n  train: t.jsonl\n', 'folder/meta.yaml': 'license: mit\n', 'folder/d.jsonl': '{"text": "a fine record"}\n' });
  const tok = mistralTokenizer();
  const yaml = (e: unknown) => isUserError(e) && e.message === `${f['named/train-lora.yaml']}: a .yaml file is YAML (a training config?), not data: ` +
    'give a JSON Lines, JSON, CSV, TSV or plain-text file of records (or --format text to read it as plain text)';
  assert.throws(() => prepare({ inputs: [f['named/train-lora.yaml']!], outDir: path.join(dir, 'y1'), tokenizer: tok }, FLAG_WORDS), yaml);
  assert.throws(() => prepare({ inputs: [f['folder/d.jsonl']!], val: [f['named/train-lora.yaml']!], outDir: path.join(dir, 'y2'), tokenizer: tok }, FLAG_WORDS), yaml);
  assert.equal(prepare({ inputs: [f['named/train-lora.yaml']!], outDir: path.join(dir, 'y3'), tokenizer: tok, format: 'text' }).report.kept, 1);
  const read = prepare({ inputs: [path.join(dir, 'folder')], outDir: path.join(dir, 'y4'), tokenizer: tok }).report;
  assert.equal(read.kept, 2);
  assert.ok(read.warnings.some((w) => w.startsWith('read as plain text, their extension not being') && w.endsWith(': meta.yaml')), JSON.stringify(read.warnings));
});

test('a .yaml file whose first line is a JSON object is taken for JSON Lines: the refusal says to read it as such, not as plain text', () => {
  // before: "(or --format text to read it as plain text)", which makes all its records one example
  const f = writeFiles(dir, { 'rows.yaml': '\n{"text": "a"}\n{"text": "b"}\n' });
  const jsonl = (option: string) => (e: unknown) => isUserError(e) && e.message === `${f['rows.yaml']}: a .yaml file whose first line is a JSON object: JSON Lines? read it as such (a .jsonl name${option})`;
  assert.throws(() => readTextsToClassify(f['rows.yaml']!), jsonl(', or --format jsonl'));
  assert.throws(() => loadTokenRows(f['rows.yaml']!, { tokenizer: mistralTokenizer(), formatFlag: false }), jsonl(''));
  assert.throws(() => prepare({ inputs: [f['rows.yaml']!], outDir: path.join(dir, 'y5'), tokenizer: mistralTokenizer() }), jsonl(", or options.format 'jsonl'"));
  assert.equal(prepare({ inputs: [f['rows.yaml']!], outDir: path.join(dir, 'y6'), tokenizer: mistralTokenizer(), format: 'jsonl' }).report.kept, 2);
});

test('a .yaml file whose first JSON object is longer than the window read of it is still taken for JSON Lines', () => {
  // before: a first record of 70,000 characters was past the 64 KiB read, its line did not parse, and the file was
  // said to be YAML, with "--format text", which makes all its records one example
  const f = writeFiles(dir, { 'long.yaml': `${JSON.stringify({ text: 'a'.repeat(70_000) })}\n{"text": "b"}\n`, 'flow.yaml': `{model: ${'m'.repeat(70_000)}}\n` });
  assert.throws(() => readTextsToClassify(f['long.yaml']!), (e: unknown) => isUserError(e) && e.message.includes(': a .yaml file whose first line is a JSON object: JSON Lines?'));
  // a YAML flow mapping as long (its keys not quoted) is YAML still
  assert.throws(() => readTextsToClassify(f['flow.yaml']!), (e: unknown) => isUserError(e) && e.message.includes(': a .yaml file is YAML (a training config?)'));
});
