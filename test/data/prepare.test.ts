// prepare end to end on messy files: every defect rejected with its reason and line, nothing lost
// (report.json balances), normalised output, byte-identical reruns, splits, classification, --dedup none,
// --val/--test files, and errors that stop the run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare, type PrepareOptions } from '../../src/data/prepare.ts';
import type { PrepareReport } from '../../src/data/report.ts';
import { Rng } from '../../src/util/rng.ts';
import { isUserError } from '../../src/util/errors.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';
import { literal } from '../helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();
const OUTPUTS = ['train.jsonl', 'val.jsonl', 'test.jsonl', 'rejected.jsonl', 'report.json'];

interface Kept { id: string; source: { file: string; line: number }; [k: string]: unknown }
interface Rejected { source: { file: string; line: number }; reason: string; detail: string; raw: string }

function run(name: string, opts: Omit<PrepareOptions, 'outDir' | 'tokenizer'>) {
  const outDir = path.join(dir, name);
  const { report, summary } = prepare({ ...opts, outDir, tokenizer: tok, tokenizerName: 'mistral-7b-v0.1' });
  const splits = { train: readJsonl<Kept>(path.join(outDir, 'train.jsonl')), val: readJsonl<Kept>(path.join(outDir, 'val.jsonl')), test: readJsonl<Kept>(path.join(outDir, 'test.jsonl')) };
  const rejected = readJsonl<Rejected>(path.join(outDir, 'rejected.jsonl'));
  const onDisk = JSON.parse(fs.readFileSync(path.join(outDir, 'report.json'), 'utf8')) as PrepareReport;
  assert.deepEqual(onDisk, report);
  checkBalance(report, splits, rejected);
  return { outDir, report, summary, splits, rejected, kept: [...splits.train, ...splits.val, ...splits.test] };
}

function checkBalance(r: PrepareReport, splits: Record<string, Kept[]>, rejected: Rejected[]): void {
  const sum = (o: object) => Object.values(o).reduce((a: number, b) => a + (b as number), 0);
  assert.equal(r.input_records, r.kept + r.rejected, 'input_records = kept + rejected');
  assert.equal(sum(r.splits), r.kept, 'splits add up to kept');
  assert.equal(sum(r.by_reason), r.rejected);
  assert.equal(sum(r.by_shape), r.kept);
  assert.equal(rejected.length, r.rejected, 'one rejected.jsonl line per rejected record');
  for (const s of ['train', 'val', 'test'] as const) assert.equal(splits[s]!.length, r.splits[s], `${s}.jsonl lines`);
}

function words(rng: Rng, n: number): string {
  const vocab = ['river', 'stone', 'cloud', 'maple', 'lantern', 'copper', 'meadow', 'falcon', 'harbor', 'violet', 'ember', 'quartz', 'willow', 'canyon', 'saffron', 'glacier'];
  return Array.from({ length: n }, () => vocab[rng.below(vocab.length)]! + rng.below(1000)).join(' ');
}

// The messy JSONL: [line text, expected fate]. Blank lines are not records.
const rng = new Rng(11);
const longOriginal = words(rng, 50);
const nearCopy = longOriginal.replace(/^(\S+ \S+)/, 'CHANGED START') + ' plus a tail';
const MESSY: Array<[string, string | null]> = [
  ['\ufeff{"text": "The first clean record, about apples and oranges."}\r', 'kept'],
  ['\r', null],
  ['   {"prompt": "What is the capital of France?", "completion": "Paris."}   ', 'kept'],
  ['{"messages": [{"role": "user", "content": "Hi!"}, {"role": "assistant", "content": "Hello, how can I help?"}]}', 'kept'],
  ['{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"}, {"role": "user", "content": "3+3?"}, {"role": "assistant", "content": "6"}]}', 'kept'],
  ['{"text": "unterminated', 'invalid_json'],
  ['[1, 2, 3]', 'unknown_shape'],
  ['{"foo": "bar"}', 'unknown_shape'],
  ['{"text": "a", "prompt": "b", "completion": "c"}', 'unknown_shape'],
  ['{"text": [12345]}', 'unknown_shape'],
  ['{"text": "   \\u200b  \\t "}', 'empty'],
  ['{"prompt": "Question with no answer", "completion": ""}', 'empty'],
  ['{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": " "}]}', 'empty'],
  ['{"messages": [{"role": "user", "content": "only a question"}]}', 'invalid_roles'],
  ['{"messages": [{"role": "bot", "content": "hi"}, {"role": "assistant", "content": "x"}]}', 'invalid_roles'],
  ['{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "assistant", "content": "c"}]}', 'invalid_roles'],
  ['', null],
  ['{"text": "The first clean record,   about apples and oranges.  "}', 'duplicate'],
  ['{"completion": "Paris.", "prompt": "What is the capital of France?"}', 'duplicate'],
  [JSON.stringify({ text: longOriginal }), 'kept'],
  [JSON.stringify({ text: nearCopy }), 'near_duplicate'],
  ['{"text": "please stop </s> here"}', 'special_token'],
  ['{"text": "hi"}', 'too_short'],
  [JSON.stringify({ text: 'x'.repeat(5000) }), 'too_long'],
  [JSON.stringify({ text: words(rng, 200) }), 'too_long'],
  ['{"text": "a labelled record", "label": "pos"}', 'wrong_task'],
  ['{"input_ids": [1, -3, 5]}', 'invalid_tokens'],
  ['{"input_ids": [1, 99999]}', 'invalid_tokens'],
  ['{"input_ids": [1, 415, 2936, 9060], "labels": [-100, -100, 2936, 9060]}', 'kept'],
  ['{"text": "Contr\\u0000ol chars\\u0007 and zero\\u200bwidth\\r\\n\\r\\n\\r\\n\\r\\nare removed   "}', 'kept'],
  ['{"text": "Cafe\\u0301 au lait, NFC"}', 'kept'],
  ['{"text": "Caf\\u00e9 au lait, NFC"}', 'duplicate'],
  ['\t{"text": "a tab-indented line"}\r', 'kept'],
  ...Array.from({ length: 40 }, (): [string, string] => [JSON.stringify({ text: words(rng, 25) }), 'kept']),
  ['{"prompt": "What is <unk>?", "completion": " A token."}', 'special_token'],
  ['{"text": "nan"}', 'placeholder'],
  ['{"prompt": "What did the post say?", "completion": "[deleted]"}', 'placeholder'],
  ['{"messages": [{"role": "user", "content": " None "}, {"role": "assistant", "content": "Any thoughts?"}]}', 'placeholder'],
  ['{"text": "the last line has no newline"}', 'kept'],
];
const messyText = MESSY.map(([l]) => l).join('\n');
const files = writeFiles(dir, { 'messy.jsonl': messyText });
const messyOpts = { inputs: [files['messy.jsonl']!], minChars: 3, maxChars: 2000, maxTokens: 300 };

test('messy JSONL: every defect is rejected with its reason and line; everything else is kept; report.json balances', () => {
  const { report, rejected, kept } = run('messy', messyOpts);
  const expected = new Map<number, string>();
  MESSY.forEach(([, fate], i) => { if (fate) expected.set(i + 1, fate); });
  assert.equal(report.input_records, expected.size);
  const got = new Map<number, string>();
  for (const r of rejected) {
    assert.equal(r.source.file, 'messy.jsonl');
    assert.ok(!got.has(r.source.line));
    got.set(r.source.line, r.reason);
    assert.ok(r.detail.length > 0);
    assert.equal(typeof r.raw, 'string');
    // prepare's --task reads it: the one command where the record's own rejection says so
    if (r.reason === 'wrong_task') assert.equal(r.detail, `a record with "label" in a generation run (use options.task 'classification')`);
  }
  for (const k of kept) {
    assert.ok(!got.has(k.source.line), `line ${k.source.line} both kept and rejected`);
    got.set(k.source.line, 'kept');
  }
  assert.deepEqual(Object.fromEntries([...got].sort((a, b) => a[0] - b[0])), Object.fromEntries(expected));
  const want: Record<string, number> = {};
  for (const fate of expected.values()) if (fate !== 'kept') want[fate] = (want[fate] ?? 0) + 1;
  assert.deepEqual(report.by_reason, Object.fromEntries(Object.entries(want).sort()));
  assert.deepEqual(report.by_shape, { chat: 2, pretokenized: 1, prompt_completion: 1, text: 46 });
  // details say what and where
  const byLine = new Map(rejected.map((r) => [r.source.line, r]));
  assert.match(byLine.get(18)!.detail, /duplicate of messy\.jsonl:1$/);
  assert.match(byLine.get(21)!.detail, /near-duplicate of messy\.jsonl:20 \(Jaccard 0\.\d+/);
  assert.match(byLine.get(25)!.detail, /tokens, more than options.maxTokens 300/);
  assert.equal(byLine.get(6)!.raw, '{"text": "unterminated');
  assert.equal(byLine.get(24)!.raw, `{"text":"${'x'.repeat(4096 - 9)}…[${5011 - 4096} more characters]`, 'raw is clipped to 4 KB, saying how much was cut');
});

test('messy JSONL: kept records are normalised, with stable unique ids and their source', () => {
  const { kept, report } = run('messy-ids', messyOpts);
  const byLine = new Map(kept.map((k) => [k.source.line, k]));
  assert.equal(byLine.get(1)!.text, 'The first clean record, about apples and oranges.');
  assert.equal(byLine.get(30)!.text, 'Control chars and zerowidth\n\nare removed');
  assert.equal(byLine.get(31)!.text, 'Caf\u00e9 au lait, NFC');
  assert.deepEqual(byLine.get(29)!.input_ids, [1, 415, 2936, 9060]);
  assert.deepEqual(Object.keys(byLine.get(3)!), ['id', 'source', 'prompt', 'completion']);
  assert.deepEqual(byLine.get(5)!.messages, [
    { role: 'system', content: 'Be brief.' }, { role: 'user', content: '2+2?' }, { role: 'assistant', content: '4' },
    { role: 'user', content: '3+3?' }, { role: 'assistant', content: '6' },
  ]);
  const ids = kept.map((k) => k.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(report.tokens.total, report.tokens.train + report.tokens.val + report.tokens.test);
  assert.ok(report.tokens.total > 1000);
  assert.deepEqual(report.splits, { train: 40, val: 5, test: 5 });
});

test("a record's own id is kept as source.id beside the content hash (a string or an integer; nothing for another value)", () => {
  // before: the hash replaced it, and a kept record named its input line alone
  const f = writeFiles(dir, {
    'own-ids.jsonl': ['{"id": "q-17", "prompt": "What is 2+2?", "completion": "4"}', '{"id": 18, "text": "an integer id"}',
      '{"id": {"n": 1}, "text": "an object is no id"}', '{"id": "", "text": "nor is an empty string"}', '{"text": "no id at all"}',
      // JSON spells a lone surrogate, which no UTF-8 file holds: written as source.id, Python's json read it back and failed to print or save it
      '{"id": "q-\\ud800", "text": "nor is a lone surrogate"}'].join('\n') + '\n',
    'own-ids.csv': 'id,text\nrow-1,a CSV row with its id column\n',
  });
  const { kept } = run('own-ids', { inputs: [f['own-ids.jsonl']!, f['own-ids.csv']!], split: [1, 0, 0] });
  const at = (file: string, line: number) => kept.find((k) => k.source.file === file && k.source.line === line)!;
  assert.deepEqual(at('own-ids.jsonl', 1).source, { file: 'own-ids.jsonl', line: 1, id: 'q-17' });
  assert.match(at('own-ids.jsonl', 1).id, /^[0-9a-f]{16}$/);
  assert.deepEqual(at('own-ids.jsonl', 2).source, { file: 'own-ids.jsonl', line: 2, id: 18 });
  for (const line of [3, 4, 5, 6]) assert.deepEqual(at('own-ids.jsonl', line).source, { file: 'own-ids.jsonl', line });
  assert.deepEqual(at('own-ids.csv', 2).source, { file: 'own-ids.csv', line: 2, id: 'row-1' });
});

test('byte-identical reruns: same inputs and seed give the same files, whatever the output folder; no paths or times inside', () => {
  const a = run('rerun-a', { ...messyOpts, seed: 7 });
  const b = run('another-folder-name', { ...messyOpts, seed: 7 });
  for (const f of OUTPUTS) {
    const x = fs.readFileSync(path.join(a.outDir, f)), y = fs.readFileSync(path.join(b.outDir, f));
    assert.ok(x.equals(y), `${f} differs between reruns`);
    const text = x.toString('utf8');
    for (const bad of [dir, 'rerun-a', path.basename(dir), '/tmp', String(new Date().getFullYear()) + '-']) assert.ok(!text.includes(bad), `${f} contains "${bad}"`);
  }
  assert.deepEqual(fs.readdirSync(a.outDir).sort(), [...OUTPUTS].sort(), 'no temporary files are left');
  const c = run('rerun-c', { ...messyOpts, seed: 8 });
  assert.ok(!fs.readFileSync(path.join(a.outDir, 'train.jsonl')).equals(fs.readFileSync(path.join(c.outDir, 'train.jsonl'))), 'another seed, another split');
  assert.deepEqual(c.report.splits, a.report.splits);
});

test('JSON arrays, CSV and plain text in one run; the counting rule; mixed shapes in a file', () => {
  const f = writeFiles(dir, {
    'mixed/a.json': '[\n {"text": "json element one"},\n {"prompt": "json prompt", "completion": "json completion"},\n {"text": ""},\n 7\n]',
    'mixed/b.csv': 'prompt,completion\n"Hello, CSV","multi\nline answer"\nonly-one-field\n"say ""hi""",hi\n',
    'mixed/c.txt': 'A whole text file\nis one record.\n',
    'mixed/notes.md': 'Also text.\n',
    'mixed/.hidden.jsonl': '{"text": "skipped: hidden"}\n',
  });
  const mixedDir = path.dirname(f['mixed/a.json']!);
  const { report, kept, rejected } = run('mixed-out', { inputs: [mixedDir] });
  assert.equal(report.input_records, 4 + 3 + 1 + 1);
  assert.deepEqual(report.inputs.map((i) => [i.file, i.records, i.kept, i.rejected]), [
    ['a.json', 4, 2, 2], ['b.csv', 3, 2, 1], ['c.txt', 1, 1, 0], ['notes.md', 1, 1, 0],
  ]);
  assert.deepEqual(rejected.map((r) => [r.source.file, r.source.line, r.reason]), [
    ['a.json', 4, 'empty'], ['a.json', 5, 'unknown_shape'], ['b.csv', 4, 'bad_columns'],
  ]);
  const csv = kept.filter((k) => k.source.file === 'b.csv').sort((x, y) => x.source.line - y.source.line);
  assert.deepEqual(csv.map((k) => [k.source.line, k.prompt, k.completion]), [[2, 'Hello, CSV', 'multi\nline answer'], [5, 'say "hi"', 'hi']]);
  assert.equal(kept.find((k) => k.source.file === 'c.txt')!.text, 'A whole text file\nis one record.');
  // an output folder inside an input folder is not read back; the input folder itself cannot be the output
  const inside = prepare({ inputs: [mixedDir], outDir: path.join(mixedDir, 'prepared'), tokenizer: tok });
  const again = prepare({ inputs: [mixedDir], outDir: path.join(mixedDir, 'prepared'), tokenizer: tok });
  assert.equal(again.report.input_records, 9);
  assert.deepEqual(again.report, inside.report);
  assert.throws(() => prepare({ inputs: [mixedDir], outDir: mixedDir, tokenizer: tok }), /output folder cannot be an input folder/);
  const link = path.join(dir, 'link-to-mixed');
  fs.symlinkSync(mixedDir, link);
  assert.throws(() => prepare({ inputs: [mixedDir], outDir: link, tokenizer: tok }), /output folder cannot be an input folder/, 'nor a symlink to it');
});

test('classification CSV: labels validated, conflicting duplicates rejected (all copies), split stratified by label', () => {
  const r2 = new Rng(3);
  const rows = ['text,label', '"Great, really great",pos', '"He said ""meh""",neu', '"line one\nline two",neg', 'too,many,columns', 'no label here,', 'same text,pos', 'same text,neg', 'same text,pos', 'unknown class,maybe'];
  for (let i = 0; i < 300; i++) rows.push(`${words(r2, 12)},${['pos', 'neg', 'neu'][i % 3]}`);
  const f = writeFiles(dir, { 'cls.csv': rows.join('\r\n') + '\r\n' })['cls.csv']!;
  const { report, rejected, splits } = run('cls', { inputs: [f], task: 'classification', labels: ['neg', 'neu', 'pos'] });
  const reasons = Object.fromEntries(rejected.map((r) => [r.source.line, r.reason]));
  assert.deepEqual(reasons, { 6: 'bad_columns', 7: 'missing_label', 8: 'conflicting_label', 9: 'conflicting_label', 10: 'conflicting_label', 11: 'unknown_label' });
  assert.deepEqual(report.labels, ['neg', 'neu', 'pos']);
  assert.deepEqual(report.splits, { train: 243, val: 30, test: 30 }); // 303 kept
  for (const s of ['train', 'val', 'test'] as const) {
    const c = report.label_counts![s];
    const n = report.splits[s];
    for (const l of ['neg', 'neu', 'pos']) assert.ok(Math.abs(c[l]! - n / 3) <= 1.5, `${s} ${l}: ${JSON.stringify(c)}`);
    for (const k of splits[s]) assert.ok(['neg', 'neu', 'pos'].includes(k.label as string));
  }
  const multi = [...splits.train, ...splits.val, ...splits.test].find((k) => k.source.line === 4)!; // a row over lines 4–5
  assert.equal(multi.text, 'line one\nline two');
});

test('classification without --labels: integer labels are their own index; a text with two labels is rejected', () => {
  const f = writeFiles(dir, { 'ints.jsonl': ['{"text":"a b c","label":0}', '{"text":"d e f","label":2}', '{"text":"g h i","label":2}', '{"text":"a b c","label":1}'].join('\n') })['ints.jsonl']!;
  const { report } = run('ints', { inputs: [f], task: 'classification' });
  assert.deepEqual(report.labels, [0, 1, 2]);
  assert.deepEqual(report.by_reason, { conflicting_label: 2 });
  assert.equal(report.kept, 2);
});

test('with named --labels, an integer label is the class index (written as the class name)', () => {
  const f = writeFiles(dir, { 'named.jsonl': ['{"text":"good","label":"pos"}', '{"text":"bad","label":0}', '{"text":"good","label":1}', '{"text":"meh","label":5}'].join('\n') })['named.jsonl']!;
  const { report, kept, rejected } = run('named', { inputs: [f], task: 'classification', labels: ['neg', 'pos'], split: [1, 0, 0] });
  assert.deepEqual(kept.map((k) => [k.text, k.label]), [['good', 'pos'], ['bad', 'neg']]);
  // a classification copy's rejection is written once every record is read (its first copy may then conflict)
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[4, 'unknown_label'], [3, 'duplicate']]);
  assert.deepEqual(report.label_counts!.train, { neg: 1, pos: 1 });
});

test('--dedup none keeps duplicates, and every copy lands in the same split', () => {
  const r3 = new Rng(5);
  const lines: string[] = [];
  const repeated = Array.from({ length: 10 }, () => words(r3, 10));
  for (let i = 0; i < 200; i++) lines.push(JSON.stringify({ text: i % 4 === 0 ? repeated[(i / 4) % 10]! : words(r3, 10) }));
  const f = writeFiles(dir, { 'dups.jsonl': lines.join('\n') })['dups.jsonl']!;
  const { report, splits, kept } = run('dups', { inputs: [f], dedup: 'none' });
  assert.equal(report.kept, 200);
  for (const text of repeated) {
    const where = (['train', 'val', 'test'] as const).filter((s) => splits[s].some((k) => k.text === text));
    assert.equal(where.length, 1, `copies of "${text.slice(0, 20)}" are in ${where}`);
    assert.equal(kept.filter((k) => k.text === text).length, 5);
  }
  assert.equal(new Set(kept.map((k) => k.id)).size, 200, 'copies get distinct ids (-2, -3, …)');
  assert.ok(kept.some((k) => /-5$/.test(k.id)));
  const exact = run('dups-exact', { inputs: [f], dedup: 'exact' });
  assert.equal(exact.report.by_reason.duplicate, 40);
});

test('--val/--test FILE: those files are the splits; inputs share train (and test); an input repeating a val record is the one rejected', () => {
  const r4 = new Rng(9);
  const valLines = Array.from({ length: 10 }, () => JSON.stringify({ text: words(r4, 10) }));
  const inLines = Array.from({ length: 90 }, () => JSON.stringify({ text: words(r4, 10) }));
  inLines.push(valLines[3]!);
  const f = writeFiles(dir, { 'v/in.jsonl': inLines.join('\n'), 'v/val.jsonl': valLines.join('\n'), 'v/test.jsonl': '{"text": "a test record"}\n' });
  const onlyVal = run('val', { inputs: [f['v/in.jsonl']!], val: [f['v/val.jsonl']!] });
  assert.equal(onlyVal.splits.val.length, 10);
  assert.ok(onlyVal.splits.val.every((k) => k.source.file === 'val.jsonl'));
  assert.deepEqual(onlyVal.report.splits, { train: 80, val: 10, test: 10 });
  assert.deepEqual(onlyVal.rejected.map((r) => [r.source.file, r.source.line, r.reason]), [['in.jsonl', 91, 'duplicate']]);
  const both = run('val-test', { inputs: [f['v/in.jsonl']!], val: [f['v/val.jsonl']!], test: [f['v/test.jsonl']!] });
  assert.deepEqual(both.report.splits, { train: 90, val: 10, test: 1 });
  assert.deepEqual(both.report.inputs.map((i) => i.role), ['val', 'test', 'input']);
});

test('errors that stop the run say what and where, and leave no partial outputs', () => {
  const out = path.join(dir, 'failed');
  const bad = writeFiles(dir, { 'badheader.csv': 'text,text\na,b\n', 'ok.jsonl': '{"text":"fine"}\n' });
  assert.throws(() => prepare({ inputs: [bad['ok.jsonl']!, bad['badheader.csv']!], outDir: out, tokenizer: tok }), /badheader\.csv:1: header column "text" appears twice/);
  assert.deepEqual(fs.readdirSync(out), []);
  assert.throws(() => prepare({ inputs: [path.join(dir, 'missing.jsonl')], outDir: out, tokenizer: tok }), /missing\.jsonl: cannot read input: ENOENT \(no such file or folder\)$/);
  // a symbolic link whose target is gone, in an input folder: named as such, with its target
  const links = path.join(dir, 'with-dangling-link');
  fs.mkdirSync(links);
  fs.writeFileSync(path.join(links, 'a.jsonl'), '{"text":"fine"}\n');
  fs.symlinkSync(path.join(dir, 'gone.jsonl'), path.join(links, 'b.jsonl'));
  assert.throws(() => prepare({ inputs: [links], outDir: out, tokenizer: tok }), new RegExp(`b\\.jsonl: cannot read input: a symbolic link to ${literal(path.join(dir, 'gone.jsonl'))}, which does not exist$`));
  assert.throws(() => prepare({ inputs: [bad['ok.jsonl']!], outDir: out, tokenizer: tok, split: [0.5, 0.2, 0.2] }), /^UserError: prepare: options\.split must be three shares/);
  assert.throws(() => prepare({ inputs: [bad['ok.jsonl']!, bad['ok.jsonl']!], outDir: out, tokenizer: tok }), /given twice/);
  assert.throws(() => prepare({ inputs: [bad['ok.jsonl']!], outDir: out, tokenizer: tok, minChars: 10, maxChars: 5 }), /^UserError: prepare: options\.minChars 10 is more than options\.maxChars 5/);
  const folder = path.join(dir, 'script-data');
  writeFiles(folder, { 'data.jsonl': '{"text": "a record of text"}\n', 'make.py': 'print("not data")\n' });
  assert.ok(run('with-script', { inputs: [folder] }).report.warnings.includes('read as plain text, their extension not being .jsonl, .json, .csv, .tsv or .txt: make.py'));
  assert.throws(() => prepare({ inputs: [bad['ok.jsonl']!], outDir: out, tokenizer: tok, minTokens: 5, maxTokens: 3 }), /^UserError: prepare: options\.minTokens 5 is more than options\.maxTokens 3/);
});

test('conflicting labels: a third copy names the conflicting label; a near duplicate of a conflicting record is kept', () => {
  const r4 = new Rng(21);
  const long = words(r4, 40);
  const near = long.replace(/^\S+/, 'different') + ' and a short tail';
  const lines = [
    JSON.stringify({ text: long, label: 'pos' }), // 1: kept in pass 1, rejected at the end (conflict)
    JSON.stringify({ text: long, label: 'neg' }), // 2: the conflict
    JSON.stringify({ text: long, label: 'pos' }), // 3: a third copy
    JSON.stringify({ text: near, label: 'pos' }), // 4: a near duplicate of line 1 only
    ...Array.from({ length: 6 }, (_, i) => JSON.stringify({ text: words(r4, 20), label: i % 2 ? 'pos' : 'neg' })),
  ];
  const f = writeFiles(dir, { 'conflict.jsonl': lines.join('\n') + '\n' })['conflict.jsonl']!;
  const { rejected, kept } = run('conflict', { inputs: [f], task: 'classification', split: [1, 0, 0] });
  const byLine = new Map(rejected.map((r) => [r.source.line, r]));
  assert.deepEqual([...byLine.keys()].sort(), [1, 2, 3]);
  assert.equal(byLine.get(2)!.detail, 'the same text is labelled "pos" at conflict.jsonl:1 and "neg" here');
  assert.equal(byLine.get(3)!.detail, 'the same text is labelled "pos" at conflict.jsonl:1 and "neg" at conflict.jsonl:2 (here "pos")');
  assert.ok(kept.some((k) => k.source.line === 4), 'the near duplicate of a rejected record is kept');
});

test('near duplicates by content, not by what records share: a system prompt, a prompt template, a near-identical text of another class', () => {
  const system = 'You are a careful assistant. Answer in one short sentence. Never speculate; say so when you do not know the answer.';
  const qa = [['What is 2+2?', '4'], ['Who wrote Hamlet?', 'Shakespeare'], ['What is the capital of Peru?', 'Lima'], ['How many legs has a spider?', 'Eight'], ['What colour is the sky?', 'Blue']];
  const chats = qa.map(([q, a]) => JSON.stringify({ messages: [{ role: 'system', content: system }, { role: 'user', content: q }, { role: 'assistant', content: a }] }));
  const template = 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n';
  const alpaca = qa.map(([q, a]) => JSON.stringify({ prompt: `${template}${q}\n\n### Response:\n`, completion: a }));
  const copy = JSON.stringify({ messages: [{ role: 'system', content: 'Another system prompt.' }, { role: 'user', content: 'what is the capital of peru?' }, { role: 'assistant', content: 'Lima' }] });
  const f = writeFiles(dir, { 'chats.jsonl': [...chats, copy].join('\n'), 'alpaca.jsonl': alpaca.join('\n') });
  const r = run('near-parts', { inputs: [f['chats.jsonl']!, f['alpaca.jsonl']!] });
  assert.equal(r.report.kept, 10, 'every distinct question and answer kept');
  assert.deepEqual(r.rejected.map((x) => [x.source.line, x.reason]), [[6, 'near_duplicate']], 'the same exchange under another system prompt');
  const cls = writeFiles(dir, { 'np.jsonl': [
    { text: 'I would definitely recommend this product to my friends.', label: 'pos' },
    { text: 'I would definitely not recommend this product to my friends.', label: 'neg' },
    { text: 'I would definitely recommend this product to my friends!', label: 'pos' },
  ].map((o) => JSON.stringify(o)).join('\n') })['np.jsonl']!;
  const c = run('near-labels', { inputs: [cls], task: 'classification' });
  assert.deepEqual(c.rejected.map((x) => [x.source.line, x.reason]), [[3, 'near_duplicate']], 'only the copy of its own class');
  const one = run('one-class', { inputs: [cls], task: 'classification', dedup: 'exact' });
  assert.deepEqual(one.report.warnings.filter((w) => /class/.test(w)), []);
  const single = writeFiles(dir, { 'pos.jsonl': '{"text": "good", "label": "pos"}\n{"text": "great", "label": "pos"}\n' })['pos.jsonl']!;
  assert.ok(run('single-class', { inputs: [single], task: 'classification' }).report.warnings.includes('the kept records have 1 class: a classifier needs at least 2'));
  const cased = writeFiles(dir, { 'cased.jsonl': ['{"text": "good", "label": "Pos"}', '{"text": "great", "label": "pos"}', '{"text": "bad", "label": "neg\u200b"}', '{"text": "awful", "label": "neg"}'].join('\n') })['cased.jsonl']!;
  const casedRun = run('cased', { inputs: [cased], task: 'classification' });
  assert.deepEqual(casedRun.report.labels, ['Pos', 'neg', 'pos'], 'a zero-width character makes no class of its own');
  assert.ok(casedRun.report.warnings.includes('classes "Pos" and "pos" differ only in case: they are separate classes (give options.labels, or fix the data)'));
  const mixed = writeFiles(dir, { 'mixed.jsonl': ['{"text": "good", "label": 1}', '{"text": "bad", "label": "0"}', '{"text": "great", "label": "positive"}', '{"text": "meh", "label": true}'].join('\n') })['mixed.jsonl']!;
  // a JSON field that mixes numbers, strings and booleans is refused, as HF datasets fails on it (label-json-field.test.ts);
  // (this asserted a warning that the labels mix integers and words, which no dataset reaches now, removed)
  assert.throws(() => run('mixed', { inputs: [mixed], task: 'classification' }), (e) => isUserError(e) && /mixed\.jsonl:2: field "label" holds the string "0" where line 1 holds the number 1/.test(e.message));
});

test('ShareGPT and Alpaca files need no --field: kept as chats, and the report says how many records each layout gave', () => {
  const files = writeFiles(dir, {
    'sharegpt.jsonl': [
      JSON.stringify({ conversations: [{ from: 'human', value: 'Name the largest planet.' }, { from: 'gpt', value: 'Jupiter is the largest planet.' }] }),
      JSON.stringify({ conversations: [{ from: 'human', value: 'Call the weather tool.' }, { from: 'function_call', value: '{"name": "weather"}' }] }),
    ].join('\n') + '\n',
    'alpaca.json': JSON.stringify([{ instruction: 'Translate to French', input: 'Good night', output: 'Bonne nuit' }]),
    'alpaca.csv': 'instruction,input,output\nName a primary colour,nan,Blue\nNaN,Spell cat backwards,tac\n',
  });
  const { report, kept, rejected } = run('layouts', { inputs: Object.values(files), split: [1, 0, 0] });
  const chats = kept.map((k) => JSON.stringify(k['messages'])).sort();
  assert.deepEqual(chats, [
    [{ role: 'user', content: 'Name the largest planet.' }, { role: 'assistant', content: 'Jupiter is the largest planet.' }],
    [{ role: 'user', content: 'Translate to French\n\nGood night' }, { role: 'assistant', content: 'Bonne nuit' }],
    [{ role: 'user', content: 'Name a primary colour' }, { role: 'assistant', content: 'Blue' }],
    [{ role: 'user', content: 'Spell cat backwards' }, { role: 'assistant', content: 'tac' }],
  ].map((m) => JSON.stringify(m)).sort());
  assert.deepEqual(rejected.map((r) => [r.reason, r.source.line]), [['invalid_roles', 2]]);
  assert.ok(report.warnings.includes('1 record read as ShareGPT conversations (from/value; human/gpt → user/assistant)'), report.warnings.join('; '));
  assert.ok(report.warnings.some((w) => w.startsWith('3 records read as instruction/answer pairs')), report.warnings.join('; '));
  assert.ok(report.warnings.includes('2 instruction pairs had an input or instruction that stands for none ("input" "nan" 1, "instruction" "NaN" 1): ' +
    'left out, the user turn being the other alone'), report.warnings.join('; '));
});

test('turn weights are kept in the output (weight 0 on context turns), and chats cut before their first user turn or after their last assistant turn are counted', () => {
  const files = writeFiles(dir, {
    'weighted.jsonl': [
      JSON.stringify({ conversations: [{ from: 'human', value: 'Hi there', weight: 0 }, { from: 'gpt', value: 'Hello, how can I help?', weight: 0 }, { from: 'human', value: 'Largest planet?' }, { from: 'gpt', value: 'Jupiter.', weight: 1 }] }),
      JSON.stringify({ messages: [{ role: 'assistant', content: 'Ask me about planets.' }, { role: 'user', content: 'Smallest planet?' }, { role: 'assistant', content: 'Mercury.' }, { role: 'user', content: 'Thanks!' }] }),
    ].join('\n') + '\n',
  });
  const { report, kept } = run('weights', { inputs: Object.values(files), split: [1, 0, 0] });
  assert.deepEqual(kept.map((k) => k['messages']), [
    [{ role: 'user', content: 'Hi there' }, { role: 'assistant', content: 'Hello, how can I help?', weight: 0 }, { role: 'user', content: 'Largest planet?' }, { role: 'assistant', content: 'Jupiter.' }],
    [{ role: 'user', content: 'Smallest planet?' }, { role: 'assistant', content: 'Mercury.' }],
  ]);
  assert.ok(report.warnings.includes('1 chat went on after the last assistant turn: that user turn was left out (nothing after it is trained)'), report.warnings.join('; '));
  assert.ok(report.warnings.includes('1 chat opened with an assistant turn before any user turn: that turn was left out, as FastChat does (a chat template expects the user first)'), report.warnings.join('; '));
});

test('numbers and booleans in text fields are kept as their text (as a CSV cell holding them is), counted in the report; objects and arrays there are rejected', () => {
  const files = writeFiles(dir, {
    'numbers.jsonl': [
      { instruction: 'Add 40 and 2', output: 42 },
      { instruction: 'Is 7 prime?', output: true },
      { question: 'Half of 7?', answer: 3.5 },
      { instruction: 'Add 1 and 1', output: { value: 2 } },
      { messages: [{ role: 'user', content: 'Two plus two?' }, { role: 'assistant', content: 4 }] },
    ].map((r) => JSON.stringify(r)).join('\n') + '\n',
    'numbers.csv': 'instruction,output\nAdd 40 and 2,42\n',
  });
  const { report, kept, rejected } = run('numbers', { inputs: Object.values(files), split: [1, 0, 0], dedup: 'none' });
  const answers = (file: string) => kept.filter((k) => k.source.file === file).map((k) => (k['messages'] as Array<{ content: string }>).at(-1)!.content);
  assert.deepEqual(answers('numbers.jsonl'), ['42', 'true', '3.5', '4']);
  assert.deepEqual(answers('numbers.csv'), ['42'], 'the same text as the CSV cell');
  assert.deepEqual(rejected.map((r) => [r.reason, r.detail, r.source.line]), [['unknown_shape', '"output" is an object, not a string', 4]]);
  const line = report.warnings.find((w) => w.includes('a number or boolean where text is expected'));
  assert.equal(line, '4 records held a number or boolean where text is expected ("output" 2, e.g. 42; "answer" 1, e.g. 3.5; "content" 1, e.g. 4): ' +
    'read as its JSON text ("42", "true"), as a CSV cell holding it is; an object or array there is rejected (unknown_shape)');
});

test('a number in a text field is written to the splits as the file spells it ("3.50", "1.0", beyond 2^53), and the report quotes it so', () => {
  const files = writeFiles(dir, {
    'spelled.jsonl': [
      '{"prompt": "Price of the tea?", "completion": 3.50}',
      '{"text": 12345678901234567890}',
      '{"messages": [{"role": "user", "content": "Exponent?"}, {"role": "assistant", "content": -2.5e-3}]}',
      '{"question": "Version?", "answer": 1.0}',
      '{"prompt": "Answer?", "completion": 42}',
    ].join('\n') + '\n',
    'spelled.csv': 'messages\n"[{""role"": ""user"", ""content"": ""Pi?""}, {""role"": ""assistant"", ""content"": 3.140}]"\n',
  });
  const { report, kept } = run('spelled', { inputs: Object.values(files), split: [1, 0, 0], dedup: 'none' });
  const texts = kept.sort((a, b) => a.source.file.localeCompare(b.source.file) || a.source.line - b.source.line).map((k) =>
    'text' in k ? [k['text']] : 'prompt' in k ? [k['prompt'], k['completion']] : (k['messages'] as Array<{ content: string }>).map((m) => m.content));
  assert.deepEqual(texts, [['Pi?', '3.140'], ['Price of the tea?', '3.50'], ['12345678901234567890'], ['Exponent?', '-2.5e-3'], ['Version?', '1.0'], ['Answer?', '42']]);
  assert.ok(report.warnings.includes('6 records held a number or boolean where text is expected ("completion" 2, e.g. 3.50; "content" 2, e.g. -2.5e-3; "text" 1, e.g. 12345678901234567890 and 1 more): ' +
    'read as its JSON text ("42", "true"), as a CSV cell holding it is; an object or array there is rejected (unknown_shape)'), report.warnings.join('\n'));
});

test('a CSV read with another delimiter than the comma says so in the report', () => {
  const files = writeFiles(dir, { 'semi.csv': 'text;label\n"Bonjour, monde";pos\nAu revoir;neg\n' });
  const { report, kept } = run('semicolon', { inputs: Object.values(files), task: 'classification', split: [1, 0, 0] });
  assert.deepEqual(kept.map((k) => k['text']).sort(), ['Au revoir', 'Bonjour, monde']);
  assert.ok(report.warnings.includes('semi.csv: read with ";" as the delimiter (its header line has no comma, but a ";")'), report.warnings.join('; '));
});

test("Alpaca's formatted text column beside its instruction/answer pair: read as text (as TRL), said in the report; --field text=none reads chats", () => {
  const record = { instruction: 'Give a synonym of big', input: '', output: 'Large', text: 'Below is an instruction.\n\n### Instruction:\nGive a synonym of big\n\n### Response:\nLarge' };
  const files = writeFiles(dir, { 'alpaca-text.jsonl': JSON.stringify(record) + '\n' });
  const asText = run('alpaca-text', { inputs: Object.values(files), split: [1, 0, 0] });
  assert.deepEqual(asText.kept.map((k) => k['text']), [record.text]);
  assert.ok(asText.report.warnings.some((w) => w.startsWith('1 record has a "text" field beside an instruction/answer pair')), asText.report.warnings.join('; '));
  const asChat = run('alpaca-chat', { inputs: Object.values(files), split: [1, 0, 0], fields: { text: 'none' } });
  assert.deepEqual(asChat.kept.map((k) => k['messages']), [[{ role: 'user', content: 'Give a synonym of big' }, { role: 'assistant', content: 'Large' }]]);
});

test('an input file with no records (empty, blank lines only, a CSV header only; a plain-text file so too) is named in a warning, not passed over in silence', () => {
  const dir = tempDir('mt-prep-empty-');
  const files = writeFiles(dir, { 'good.jsonl': '{"text": "a record that is kept here"}\n', 'none.jsonl': '', 'blank.jsonl': '\n  \n', 'header.csv': 'text,label\n', 'none.txt': '', 'blank.txt': ' \n\t\n' });
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: Object.values(files), outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.equal(report.input_records, 1);
  assert.deepEqual(report.warnings.filter((w) => w.startsWith('no records')), [
    `no records in ${report.inputs.slice(1).map((i) => i.file).join(', ')}: each is empty, blank, or a header row only`,
  ]);
  // a plain-text file read whole was one "empty" rejection: a record the file does not hold
  assert.deepEqual(report.by_reason, {});
  assert.deepEqual(report.inputs.slice(1).map((i) => path.basename(i.file)), ['none.jsonl', 'blank.jsonl', 'header.csv', 'none.txt', 'blank.txt']);
});

test('files all of whose records were rejected beside a kept one: the first 5 are named with their first rejection, the rest counted in one line; nothing lost', () => {
  // before: one warning line per such file, uncapped (thousands of files, thousands of lines), while "no records in" named 5
  const bad = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`bad${i}.jsonl`, `{"text": "broken ${i}"\n`.repeat(i % 2 + 1)]));
  const files = writeFiles(dir, { 'good.jsonl': '{"text": "a record that is kept here"}\n', ...bad });
  const { report, rejected } = run('all-rejected-many', { inputs: Object.values(files), split: [1, 0, 0] });
  const said = report.warnings.filter((w) => /^bad\d\.jsonl: /.test(w) || w.startsWith('and '));
  assert.equal(said.length, 6, said.join('\n'));
  assert.deepEqual(said.slice(0, 5).map((w) => w.slice(0, w.indexOf(': '))), ['bad0.jsonl', 'bad1.jsonl', 'bad2.jsonl', 'bad3.jsonl', 'bad4.jsonl']);
  assert.match(said[1]!, /^bad1\.jsonl: all 2 records were rejected; the first: bad1\.jsonl:1: invalid_json: /);
  // bad5..bad7 hold 2 + 1 + 2 records
  assert.equal(said[5], "and 3 more files all of whose records were rejected (5 records): report.json's inputs names each, rejected.jsonl holds every record");
  assert.equal(rejected.length, 12); // every record of the eight files, in rejected.jsonl (run() checks the balance)
  assert.deepEqual(report.inputs.filter((i) => i.kept === 0).map((i) => path.basename(i.file)), Object.keys(bad));
});

test('files read with notes (a ";" delimiter, Excel\'s sep= line): the first 5 files\' notes are warnings, the rest counted in one line; every note in report.json\'s inputs', () => {
  // before: one warning line per note, uncapped (a folder of 10,000 ";" CSVs, 10,000 lines); report.json's inputs had none
  const semi = Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`semi${i}.csv`, `text;label\nrecord number ${i} of the semicolon files;a\n`]));
  const files = writeFiles(dir, { 'good.jsonl': '{"text": "a record that is kept here"}\n', 'excel.csv': 'sep=;\ntext;label\nan Excel record;b\n', ...semi });
  const { report } = run('reader-notes-many', { inputs: Object.values(files), split: [1, 0, 0], fields: { label: 'none' } });
  const noted = report.inputs.filter((i) => i.notes !== undefined);
  assert.deepEqual(noted.map((i) => path.basename(i.file)), ['excel.csv', ...Object.keys(semi)]);
  assert.match(noted[0]!.notes![0]!, /^read with ";" as the delimiter \(its first line, "sep=;", is Excel's delimiter line/);
  for (const i of noted.slice(1)) assert.deepEqual(i.notes, ['read with ";" as the delimiter (its header line has no comma, but a ";")']);
  const said = report.warnings.filter((w) => /^(excel|semi\d)\.csv: /.test(w) || w.startsWith('and '));
  assert.deepEqual(said.slice(0, -1), noted.slice(0, 5).flatMap((i) => i.notes!.map((n) => `${i.file}: ${n}`)));
  assert.equal(said.at(-1), 'and 3 more files with 3 notes on how they were read (each: read with ";" as the delimiter (its header line has no comma, ' +
    'but a ";")): report.json\'s inputs holds each file\'s notes');
});

test('near duplicates are compared compatibility-folded: a full-width or ligature copy of a record is rejected (no leak across splits), the kept text is as written', () => {
  const dir = tempDir('mt-prep-nfkc-');
  const texts = ['ｈｅｌｌｏ　ｗｏｒｌｄ　ｆｒｏｍ　ｔｏｋｙｏ　１２３', 'hello world from tokyo 123', 'The ﬁnal ﬂoor of the ofﬁce was ﬁlled with ﬁles.', 'The final floor of the office was filled with files.'];
  const files = writeFiles(dir, { 'a.jsonl': texts.map((text) => JSON.stringify({ text })).join('\n') + '\n' });
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [files['a.jsonl']!], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.deepEqual(report.by_reason, { near_duplicate: 2 });
  assert.deepEqual(readJsonl<{ text: string }>(path.join(out, 'train.jsonl')).map((r) => r.text), [texts[0]!.replaceAll('\u3000', ' '), texts[2]]); // the ideographic space is a space, as cleaning writes every other space
  assert.deepEqual(readJsonl<{ source: { line: number }; detail: string }>(path.join(out, 'rejected.jsonl')).map((r) => [r.source.line, r.detail]),
    [[2, 'near-duplicate of a.jsonl:1 (Jaccard 1.000 of 5-gram shingles)'], [4, 'near-duplicate of a.jsonl:3 (Jaccard 1.000 of 5-gram shingles)']]);
});

test('a dataset too small for a split\'s share: the empty-split warning says why (records × share under one) and what to do', () => {
  // before: only "the val split is empty", with 3 records and the default 0.8,0.1,0.1 a puzzle
  const f = writeFiles(dir, { 'three.jsonl': ['one small record', 'another, quite different', 'and a third line'].map((t) => JSON.stringify({ text: t })).join('\n') + '\n' })['three.jsonl']!;
  const { report } = run('three', { inputs: [f] });
  assert.deepEqual(report.splits, { train: 3, val: 0, test: 0 });
  assert.ok(report.warnings.includes('the val split is empty: 3 kept records × its share 0.1 is under one record (give more records, a larger options.split share, or an options.val file)'), report.warnings.join('; '));
});

test('a --split that gives train no share is refused before anything is read or written (a library caller too): train.jsonl would be empty', () => {
  // before: train.jsonl was written empty without a word, and train then refused it
  const outDir = path.join(dir, 'no-train');
  assert.throws(() => prepare({ inputs: [path.join(dir, 'none.jsonl')], outDir, tokenizer: tok, split: [0, 1, 0] }), /^UserError: prepare: options\.split 0,1,0 gives train no share: train\.jsonl would be empty/);
  assert.ok(!fs.existsSync(outDir));
  // with both a --val and a --test file the shares are not used: every input record trains
  const f = writeFiles(dir, { 'in-both.jsonl': '{"text": "an input record"}\n', 'v.jsonl': '{"text": "a validation record"}\n', 't.jsonl': '{"text": "a test record"}\n' });
  const both = run('both-files', { inputs: [f['in-both.jsonl']!], val: [f['v.jsonl']!], test: [f['t.jsonl']!], split: [0, 0.5, 0.5] }).report;
  assert.deepEqual(both.splits, { train: 1, val: 1, test: 1 });
  // said (was: taken unused, unsaid); not where no split was given
  assert.ok(both.warnings.includes('options.split 0,0.5,0.5 is not used: with both options.val and options.test files given, every input record trains'), both.warnings.join('; '));
  const unsaid = run('both-files-default', { inputs: [f['in-both.jsonl']!], val: [f['v.jsonl']!], test: [f['t.jsonl']!] }).report;
  assert.ok(!unsaid.warnings.some((w: string) => w.includes('is not used')), unsaid.warnings.join('; '));
});

test('a textSplit given where no input is read as plain text is said not to be used (was taken unseen); with a .txt input it is used', () => {
  const f = writeFiles(dir, { 'ts-rows.jsonl': '{"text": "a record"}\n{"text": "another record"}\n', 'ts-lines.txt': 'one line\nanother line\n' });
  const unused = run('text-split-unused', { inputs: [f['ts-rows.jsonl']!], textSplit: 'lines' }).report;
  assert.ok(unused.warnings.includes("options.textSplit 'lines' is not used: no input is read as plain text (a .txt file, or options.format 'text')"), unused.warnings.join('; '));
  const used = run('text-split-used', { inputs: [f['ts-rows.jsonl']!, f['ts-lines.txt']!], textSplit: 'lines' }).report;
  assert.equal(used.input_records, 4);
  assert.ok(!used.warnings.some((w: string) => w.includes('is not used')), used.warnings.join('; '));
});

test('an empty train split says why: no --input record kept, or those kept went with the --val records they repeat', () => {
  // before: "the train split is empty", nothing more; train then refused the file
  const f = writeFiles(dir, {
    'bad-in.jsonl': '{"text": "cut off\n',
    'copy-in.jsonl': '{"text": "an evaluation record"}\n',
    'given-val.jsonl': '{"text": "an evaluation record"}\n{"text": "another evaluation record, quite different"}\n',
    'given-test.jsonl': '{"text": "a test record, unlike the others"}\n',
  });
  const why = (name: string, opts: Omit<PrepareOptions, 'outDir' | 'tokenizer'>) => run(name, opts).report.warnings.filter((w) => w.startsWith('the train split'));
  assert.deepEqual(why('rejected-in', { inputs: [f['bad-in.jsonl']!], val: [f['given-val.jsonl']!] }),
    ['the train split is empty: the 1 options.inputs record was rejected (see rejected.jsonl): every kept record is from options.val/options.test; train refuses an empty train.jsonl ("no training examples")']);
  assert.deepEqual(why('copied-in', { inputs: [f['copy-in.jsonl']!], val: [f['given-val.jsonl']!], dedup: 'none' }),
    [`the train split is empty: the 1 kept options.inputs record repeats an options.val/options.test record and went with it (options.dedup 'none' keeps copies together); train refuses an empty train.jsonl ("no training examples")`]);
  // --split 0,… with both files (every input record trains, the shares unused) was said nothing of
  assert.deepEqual(why('rejected-in-both', { inputs: [f['bad-in.jsonl']!], val: [f['given-val.jsonl']!], test: [f['given-test.jsonl']!], split: [0, 0.5, 0.5] }),
    ['the train split is empty: the 1 options.inputs record was rejected (see rejected.jsonl): every kept record is from options.val/options.test; train refuses an empty train.jsonl ("no training examples")']);
});

test('a detail that quotes a huge part of the record (a role, a key, a label) is clipped in rejected.jsonl as raw is', () => {
  // before: a 200,000-character role was quoted whole in detail (and a key twice): a rejected.jsonl line of 200 KB+
  // beside its raw clipped to 4 KB
  const big = 'r'.repeat(200_000);
  writeFiles(dir, { 'huge-detail.jsonl': [
    JSON.stringify({ messages: [{ role: big, content: 'q' }, { role: 'assistant', content: 'a' }] }),
    JSON.stringify({ [big]: 'v' }),
    JSON.stringify({ text: 'a kept record' }),
  ].join('\n') + '\n' });
  const { rejected } = run('huge-detail', { inputs: [path.join(dir, 'huge-detail.jsonl')], split: [1, 0, 0] });
  assert.deepEqual(rejected.map((r) => r.reason), ['invalid_roles', 'unknown_shape']);
  for (const r of rejected) assert.ok(r.detail.length < 4200, `${r.reason}: ${r.detail.length} characters`);
  // the role cut where it is said (boundedJsonText), the key's detail clipped as raw is
  assert.match(rejected[0]!.detail, /^messages\[0\]\.role is "rrr[r]*…" \(200000 characters\); roles are system, user, assistant$/);
  assert.match(rejected[1]!.detail, /…\[\d+ more characters\]$/);
});

test('an unknown label of a megabyte is said cut in its rejection, the rest of the detail kept', () => {
  // before: the label was quoted whole, so rejected.jsonl's detail was clipped inside it and lost what it was rejected for
  const big = 'x'.repeat(1 << 20);
  writeFiles(dir, { 'huge-label.jsonl': [
    JSON.stringify({ text: 'a review of a film', label: big }),
    JSON.stringify({ text: 'another review', label: 'pos' }),
    JSON.stringify({ text: 'a third review', label: 'neg' }),
  ].join('\n') + '\n' });
  const { rejected } = run('huge-label', { inputs: [path.join(dir, 'huge-label.jsonl')], task: 'classification', labels: ['neg', 'pos'], split: [1, 0, 0] });
  assert.deepEqual(rejected.map((r) => r.reason), ['unknown_label']);
  assert.match(rejected[0]!.detail, /^label "x+…" \(1048576 characters\) is not one of /);
  assert.ok(rejected[0]!.detail.length < 1000, `${rejected[0]!.detail.length} characters`);
});

test('an input named as an evaluation split (a dataset folder of train/validation/test files) is warned of: its records are split with the rest', () => {
  // before: a Hugging Face dataset folder given as --input had its test records trained on, without a word
  const lines = (s: string, n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${s} example number ${i} with words ${i * i}` })).join('\n') + '\n';
  writeFiles(dir, { 'hf-layout/train.jsonl': lines('train', 20), 'hf-layout/validation.jsonl': lines('validation', 3), 'hf-layout/test-00000-of-00001.jsonl': lines('test', 3), 'hf-layout/latest.jsonl': lines('latest', 3) });
  const { report } = run('hf-layout-out', { inputs: [path.join(dir, 'hf-layout')] });
  const said = report.warnings.filter((w) => /evaluation split/.test(w));
  assert.equal(said.length, 1, report.warnings.join('\n'));
  assert.match(said[0]!, /^test-00000-of-00001\.jsonl, validation\.jsonl: named as evaluation splits, yet read as inputs/);
  assert.match(said[0]!, /an options\.test or an options\.val file to keep each that split/);
  // given as --val, the file is that split: nothing to say
  const given = run('hf-layout-given', { inputs: [path.join(dir, 'hf-layout', 'train.jsonl')], val: [path.join(dir, 'hf-layout', 'validation.jsonl')] });
  assert.deepEqual(given.report.warnings.filter((w) => /evaluation split/.test(w)), []);
  // so is a file whose one object wraps its records under an evaluation split's key ({"test": [...]}), which was trained on
  // without a word; given as --test it is that split; under another key ("data") it is no evaluation split
  const records = (s: string, n: number) => Array.from({ length: n }, (_, i) => ({ text: `${s} wrapped example ${i} with words ${i * i}` }));
  writeFiles(dir, { 'wrapped/data.json': JSON.stringify({ test: records('test', 3) }), 'wrapped/rows.json': JSON.stringify({ data: records('data', 20) }),
    'wrapped/dict.json': `{'validation': ${JSON.stringify(records('dict', 3))}}` });
  const wrapped = run('wrapped-out', { inputs: [path.join(dir, 'wrapped')] });
  const saidWrapped = wrapped.report.warnings.filter((w) => /evaluation split/.test(w));
  assert.equal(saidWrapped.length, 1, wrapped.report.warnings.join('\n'));
  assert.match(saidWrapped[0]!, /^data\.json \(its records under "test"\), dict\.json \(its records under "validation"\): named as evaluation splits, yet read as inputs/);
  const wrappedGiven = run('wrapped-given', { inputs: [path.join(dir, 'wrapped', 'rows.json')], test: [path.join(dir, 'wrapped', 'data.json')] });
  assert.deepEqual(wrappedGiven.report.warnings.filter((w) => /evaluation split/.test(w)), []);
});

test('--dedup none: a record both a --val and a --test file hold is in both splits, and a warning says so', () => {
  // before: the shared record was written to val.jsonl and test.jsonl without a word (--dedup exact rejects the test copy)
  const f = writeFiles(dir, {
    'shared-in.jsonl': '{"text": "an input record"}\n{"text": "another input record, quite different"}\n{"text": "an evaluation record"}\n',
    'shared-val.jsonl': '{"text": "an evaluation record"}\n{"text": "a record of val only, unlike the rest"}\n',
    'shared-test.jsonl': '{"text": "a test record of its own"}\n{"text": "an evaluation record"}\n{"text": "an evaluation record"}\n',
  });
  const { report, splits } = run('shared-eval', { inputs: [f['shared-in.jsonl']!], val: [f['shared-val.jsonl']!], test: [f['shared-test.jsonl']!], dedup: 'none' });
  const evaluation = (s: Kept[]) => s.filter((r) => r.text === 'an evaluation record').map((r) => r.source.file);
  assert.deepEqual(evaluation(splits.val), ['shared-val.jsonl', 'shared-in.jsonl']);
  assert.deepEqual(evaluation(splits.test), ['shared-test.jsonl', 'shared-test.jsonl']);
  assert.ok(report.warnings.includes("2 options.test records repeat options.val records (options.dedup 'none' keeps every copy in its file's split): " +
    "val and test share them, so test does not measure what val did not see; options.dedup 'exact' rejects the options.test copies"), report.warnings.join('; '));
  const exact = run('shared-eval-exact', { inputs: [f['shared-in.jsonl']!], val: [f['shared-val.jsonl']!], test: [f['shared-test.jsonl']!], dedup: 'exact' }).report;
  assert.ok(!exact.warnings.some((w) => w.includes('repeat options.val records')), exact.warnings.join('; '));
});

test('a "system" field beside a chat\'s own system turn of other words: the turn is read, and a warning counts the field left out', () => {
  // before: the field ("Field system") was dropped without a word; the same words in both, or no turn, say nothing
  const u = { role: 'user', content: 'q' }, a = { role: 'assistant', content: 'a' };
  const rows = [
    { system: 'Field system', messages: [{ role: 'system', content: 'Turn system' }, u, a] },
    { system_prompt: 'Another field', conversations: [{ from: 'system', value: 'Its turn' }, { from: 'human', value: 'q2' }, { from: 'gpt', value: 'a2' }] },
    { system: 'Same words', messages: [{ role: 'system', content: 'Same words ' }, { role: 'user', content: 'q3' }, a] },
    { system: 'Only a field', messages: [{ role: 'user', content: 'q4' }, a] },
  ];
  const f = writeFiles(dir, { 'system-beside.jsonl': rows.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const { report, kept } = run('system-beside', { inputs: [f['system-beside.jsonl']!], split: [1, 0, 0] });
  assert.deepEqual(kept.map((r) => (r.messages as Array<{ role: string; content: string }>)[0]!.content), ['Turn system', 'Its turn', 'Same words', 'Only a field']);
  const said = report.warnings.filter((w) => w.includes('beside a system turn'));
  assert.deepEqual(said, ['2 chats have a system prompt field ("system" 1, "system_prompt" 1) beside a system turn of their own, of other words: ' +
    'the turn was read and the field left out, as LLaMA-Factory reads them; remove one, or make them agree']);
});
