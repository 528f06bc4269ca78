// Inputs built to break the reader: a stray CSV quote in a long file, lines that each open a CSV quoted field, a huge CSV cell, a label or column named __proto__,
// a lone surrogate spelled in JSON, a symlink loop (of folders, and of links to each other), and one file reached through two symlinks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../src/data/ingest/csv.ts';
import { readJson } from '../../src/data/ingest/json.ts';
import { readJsonl as readJsonlItems } from '../../src/data/ingest/jsonl.ts';
import { prepare } from '../../src/data/prepare.ts';
import { detectRecord } from '../../src/data/record.ts';
import { QUICKSTART_LAYOUT, RUN_LAYOUT } from '../../src/run/layout.ts';
import { isUserError } from '../../src/util/errors.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

const tok = mistralTokenizer();
const dir = tempDir();

test('CSV: one stray quote rejects only its own line (naming the line span and size); the 30,000 rows after it are kept', () => {
  const rows = Array.from({ length: 30_001 }, (_, i) => (i === 5 ? `"row ${i} with a stray quote,${i}` : `row ${i},${i}`));
  const f = writeFiles(dir, { 'stray.csv': `text,label\n${rows.join('\n')}\n` })['stray.csv']!;
  const items = [...readCsv(f, ',')];
  assert.equal(items.length, 30_001, 'one item per row');
  const bad = items.filter((i) => i.error);
  assert.equal(bad.length, 1);
  assert.equal(bad[0]!.line, 7);
  assert.equal(bad[0]!.error!.reason, 'invalid_csv');
  assert.match(bad[0]!.error!.detail, /^a quoted field \(field 1\) opened on line 7 is not closed before the end of the file \(it runs over lines 7–30002, \d+ bytes\): a stray quote\?$/);
  assert.equal(bad[0]!.readsOnFrom, 8);
  assert.deepEqual(items[6]!.value, { text: 'row 6', label: '6' });
  assert.deepEqual(items[30_000]!.value, { text: 'row 30000', label: '30000' });
  // at the end of the file: the span runs to the last line
  const g = writeFiles(dir, { 'tail.csv': 'text,label\na,1\n"b,2\nc,3\nd,4\n' })['tail.csv']!;
  const tail = [...readCsv(g, ',')];
  assert.deepEqual(tail.map((i) => [i.line, i.error?.reason ?? (i.value as { text: string }).text]), [[2, 'a'], [3, 'invalid_csv'], [4, 'c'], [5, 'd']]);
  assert.match(tail[1]!.error!.detail, /not closed before the end of the file \(it runs over lines 3–5, 13 bytes\)/);
});

test('CSV: a file whose every line opens a quoted field that never closes is read in linear time, each line rejected', () => {
  // each line `x",",` leaves a quoted field open whether it is read inside one or not: every line starts a
  // field that runs to the end of the file, and the lines read again after it are not scanned again
  const n = 100_000;
  const f = writeFiles(dir, { 'open.csv': 'text,label\n' + 'x",",\n'.repeat(n) })['open.csv']!;
  const t0 = performance.now();
  const items = [...readCsv(f, ',')];
  const ms = performance.now() - t0;
  assert.equal(items.length, n);
  assert.ok(items.every((i) => i.error?.reason === 'invalid_csv'));
  assert.match(items[n - 2]!.error!.detail, new RegExp(`opened on line ${n} is not closed before the end of the file \\(it runs over lines ${n}–${n + 1}, 12 bytes\\)`));
  assert.ok(ms < 20_000, `${ms} ms`); // seconds; each line scanned again to the end would take hours
});

test('CSV: a quoted cell past the size bound is one too_long record, its lines never rows (a 10 MB cell of lines with commas became 250,000 records)', () => {
  const cell = Array.from({ length: 40 }, (_, i) => `line ${i} of the cell, with a comma`).join('\n');
  const f = writeFiles(dir, { 'cell.csv': `prompt,completion\n"write it","${cell}"\nq,a\n` })['cell.csv']!;
  const items = [...readCsv(f, ',', {}, { bytes: 200 })];
  assert.deepEqual(items.map((i) => [i.line, i.error?.reason ?? i.value]), [[2, 'too_long'], [42, { prompt: 'q', completion: 'a' }]]);
  assert.match(items[0]!.error!.detail, /^a quoted field \(field 2\) opened on line 2 runs over lines 2–41 \(\d+ bytes\), more than the 200 bytes a CSV cell is read up to: shorten or split it$/);
  // a stray quote past the bound: its field never closes, so only its line is rejected and the lines after it are read
  // again from the file (they were not kept); one that closes with text after it is one malformed row, as within the bound
  const read = (name: string, text: string) => [...readCsv(writeFiles(dir, { [name]: text })[name]!, ',', {}, { bytes: 200 })];
  const rows = Array.from({ length: 40 }, (_, i) => `row ${i},${i}`).join('\n');
  const never = read('never.csv', `text,label\nfirst,1\n"stray,2\n${rows}\n`);
  assert.deepEqual(never.map((i) => i.error?.reason ?? (i.value as { text: string }).text), ['first', 'invalid_csv', ...Array.from({ length: 40 }, (_, i) => `row ${i}`)]);
  assert.deepEqual(never.slice(2).map((i) => i.line), Array.from({ length: 40 }, (_, i) => i + 4));
  assert.match(never[1]!.error!.detail, /^a quoted field \(field 1\) opened on line 3 is not closed before the end of the file \(it runs over lines 3–43, \d+ bytes\): a stray quote\?$/);
  const later = read('later.csv', `text,label\nfirst,1\n"stray,2\n${rows}\n"quoted" row,3\nlast,4\n`);
  assert.deepEqual(later.map((i) => [i.line, i.error?.reason ?? (i.value as { text: string }).text]), [[2, 'first'], [3, 'invalid_csv'], [45, 'last']]);
  assert.match(later[1]!.error!.detail, /^text after a closing quote in field 1, after a quoted field \(field 1\) opened on line 3 runs over lines 3–44 \(\d+ bytes\): a stray quote\?$/);
  // bytes are counted once, though the lines after the stray quote are read twice
  let bytes = 0;
  const g = writeFiles(dir, { 'count.csv': `text,label\nfirst,1\n"stray,2\n${rows}\n` })['count.csv']!;
  [...readCsv(g, ',', { onBytes: (n) => (bytes += n) }, { bytes: 200 })];
  assert.equal(bytes, fs.statSync(g).size);
  // within the bound a stray quote still rejects its line alone
  assert.deepEqual([...readCsv(writeFiles(dir, { 'short.csv': `text,label\n"stray,2\nrow,1\n` })['short.csv']!, ',', {}, { bytes: 200 })].map((i) => i.error?.reason ?? i.value),
    ['invalid_csv', { text: 'row', label: '1' }]);
});

test('CSV: a 24 MB cell on one line is read in memory of its size, not of tens of bytes a character (a 150 MB cell ran out of memory)', () => {
  const sentence = 'a longer sentence, with a comma and a "" quote '; // 46 characters once its quotes are undone
  const f = writeFiles(dir, { 'big-cell.csv': `text,label\n"${sentence.repeat(1 << 19)}",1\nsmall,2\n` })['big-cell.csv']!;
  const csv = fileURLToPath(new URL('../../src/data/ingest/csv.ts', import.meta.url));
  // in a process whose heap is a few times the cell's size: built a character at a time, the field took over 500 MB
  const code = `const { readCsv } = await import(${JSON.stringify(runnable(csv))});
    const rows = [...readCsv(${JSON.stringify(f)}, ',')].map((r) => [r.line, r.value.text.length, r.value.text.slice(0, 46), r.value.label]);
    console.log(JSON.stringify(rows));`;
  const r = spawnSync(process.execPath, ['--max-old-space-size=192', ...TS_LOADER, '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr.slice(-500));
  assert.deepEqual(JSON.parse(r.stdout), [[2, 46 << 19, 'a longer sentence, with a comma and a " quote ', '1'], [3, 5, 'small', '2']]);
});

test('a label and a CSV column named __proto__ are data like any other (label_counts keeps them)', () => {
  const f = writeFiles(dir, { 'proto.jsonl': ['__proto__', 'constructor', 'pos', '__proto__', 'pos', 'constructor'].map((l, i) => JSON.stringify({ text: `text number ${i} ${'abcdef'.repeat(i + 1)}`, label: l })).join('\n') + '\n' })['proto.jsonl']!;
  const out = path.join(dir, 'proto-out');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok, task: 'classification', split: [1, 0, 0], dedup: 'none' });
  assert.deepEqual(report.labels, ['__proto__', 'constructor', 'pos']);
  assert.deepEqual(Object.entries(report.label_counts!.train), [['__proto__', 2], ['constructor', 2], ['pos', 2]]);
  const onDisk = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  assert.deepEqual(Object.entries(onDisk.label_counts.train), [['__proto__', 2], ['constructor', 2], ['pos', 2]]);
  // a CSV header naming __proto__ gives an own field, read through --field
  const c = writeFiles(dir, { 'proto.csv': '__proto__,label\nhello there,pos\nbye now,neg\n' })['proto.csv']!;
  const [first] = [...readCsv(c, ',')];
  assert.deepEqual(Object.keys(first!.value as object), ['__proto__', 'label']);
  const { report: r2 } = prepare({ inputs: [c], outDir: path.join(dir, 'proto-csv'), tokenizer: tok, task: 'classification', fields: { text: '__proto__' } });
  assert.equal(r2.kept, 2);
});

test('a lone surrogate (JSON "\\ud800") is rejected as invalid_utf8, naming the field; a surrogate pair is kept', () => {
  const r = detectRecord(JSON.parse('{"text": "abc\\ud800def"}'), 'generation');
  assert.deepEqual(r, { reason: 'invalid_utf8', detail: '"text" holds a lone surrogate \\ud800 at character 4: not Unicode text' });
  assert.equal('reason' in detectRecord(JSON.parse('{"messages": [{"role": "user", "content": "\\udfff"}, {"role": "assistant", "content": "x"}]}'), 'generation') ? 'rejected' : 'kept', 'rejected');
  assert.equal('reason' in detectRecord(JSON.parse('{"text": "x", "label": "\\ud800"}'), 'classification') ? 'rejected' : 'kept', 'rejected');
  assert.deepEqual(detectRecord(JSON.parse('{"text": "ok \\ud83d\\ude00"}'), 'generation'), { record: { shape: 'text', text: 'ok \u{1F600}' } });
  const f = writeFiles(dir, { 'lone.jsonl': '{"text": "fine text here"}\n{"text": "bad \\ud800 text"}\n' })['lone.jsonl']!;
  const out = path.join(dir, 'lone-out');
  const { report } = prepare({ inputs: [f], outDir: out, tokenizer: tok });
  assert.deepEqual(report.by_reason, { invalid_utf8: 1 });
  const kept = ['train', 'val', 'test'].flatMap((s) => readJsonl(path.join(out, `${s}.jsonl`)));
  assert.deepEqual(kept.map((k) => k.text), ['fine text here']);
});

test('a symlink loop is noted once and not followed; a file reached through two symlinks in one folder is read once', () => {
  const base = path.join(dir, 'links');
  writeFiles(base, { 'data/a.jsonl': '{"text": "the one record in a.jsonl"}\n', 'data/b.jsonl': '{"text": "another record in b.jsonl"}\n' });
  fs.symlinkSync('.', path.join(base, 'data', 'self'));
  fs.symlinkSync('a.jsonl', path.join(base, 'data', 'x-alias.jsonl'));
  fs.symlinkSync('a.jsonl', path.join(base, 'data', 'y-alias.jsonl'));
  const { report } = prepare({ inputs: [path.join(base, 'data')], outDir: path.join(base, 'out'), tokenizer: tok });
  assert.equal(report.input_records, 2);
  assert.deepEqual(report.inputs.map((i) => i.file), ['a.jsonl', 'b.jsonl']);
  assert.deepEqual(report.warnings.filter((w) => !/split is empty/.test(w)), [
    'data/self is a symlink loop (it leads back to data): not followed',
    'data/x-alias.jsonl is the same file as data/a.jsonl (through a symlink): read once',
    'data/y-alias.jsonl is the same file as data/a.jsonl (through a symlink): read once',
  ]);
  for (const w of report.warnings) assert.ok(!w.includes('self/self'), w);
  // the same path given twice by the user is still an error
  const a = path.join(base, 'data', 'a.jsonl');
  assert.throws(() => prepare({ inputs: [a, a], outDir: path.join(base, 'out2'), tokenizer: tok }), /a\.jsonl: this file is given twice/);
  assert.throws(() => prepare({ inputs: [a, path.join(base, 'data', 'x-alias.jsonl')], outDir: path.join(base, 'out2'), tokenizer: tok }), /x-alias\.jsonl: this file is given twice \(also as .*a\.jsonl\)/);
});

test('a record nested deeper than Python\'s json reads (1,000 levels: a label 300,000 arrays deep) is rejected as invalid_json saying so, not a stack overflow', () => {
  // before: JSON.parse read it, and JSON.stringify of the label overflowed the stack: a RangeError with a stack trace, exit 1
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const base = path.join(dir, 'deep-record');
  const f = writeFiles(base, {
    'deep.jsonl': `{"text": "a", "label": ${deep(300_000)}}\n{"text": "b", "label": "pos", "meta": ${deep(999)}}\n{"text": "c", "label": "neg", "n": NaN, "m": ${deep(1001)}}\n`,
    'deep.json': `{"text": "a", "label": ${deep(300_000)}}`,
  });
  const { report } = prepare({ inputs: [f['deep.jsonl']!], outDir: path.join(base, 'out'), tokenizer: tok, task: 'classification', split: [1, 0, 0] });
  assert.deepEqual([report.kept, report.by_reason], [1, { invalid_json: 2 }]);
  const rejected = readJsonl<{ source: { line: number }; detail: string }>(path.join(base, 'out', 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => r.source.line), [1, 3]);
  assert.match(rejected[0]!.detail, /^arrays and objects nested more than 1000 deep at character 1023: Python's json stops near 1,000/);
  const items = [...readJson(f['deep.json']!)];
  assert.deepEqual(items.map((i) => i.error?.reason), ['invalid_json']);
});

test('a hard link is the same file: given twice it is an error, and inside an input folder it is read once with a note, as a symlink is', () => {
  // before: read twice, its records rejected as duplicates of themselves (and `--input x --val hardlink-of-x` made them val only)
  const base = path.join(dir, 'hard-links');
  writeFiles(base, { 'data/a.jsonl': '{"text": "a record under two names"}\n', 'data/b.jsonl': '{"text": "a record under one name"}\n' });
  const a = path.join(base, 'data', 'a.jsonl'), hard = path.join(base, 'data', 'z-hard.jsonl');
  fs.linkSync(a, hard);
  const out = path.join(base, 'out');
  assert.throws(() => prepare({ inputs: [a, hard], outDir: out, tokenizer: tok }), /z-hard\.jsonl: this file is given twice \(also as .*a\.jsonl\)$/);
  assert.throws(() => prepare({ inputs: [a], val: [hard], outDir: out, tokenizer: tok }), /this file is given twice .*as options\.inputs and as options\.val/);
  const { report } = prepare({ inputs: [path.join(base, 'data')], outDir: out, tokenizer: tok });
  assert.deepEqual([report.input_records, report.rejected], [2, 0]);
  assert.ok(report.warnings.includes('data/z-hard.jsonl is the same file as data/a.jsonl (a hard link to it): read once'), report.warnings.join('\n'));
});

test('files whose inode numbers are past 2^53 (Lustre, NFS) are told apart: a Number rounds neighbouring ones to one', () => {
  // before: fs.statSync's inode as a Number, so two files of one folder were "the same file (a hard link to it)" and one was not read
  const base = path.join(dir, 'big-inodes');
  writeFiles(base, { 'data/a.jsonl': '{"text": "the first file"}\n', 'data/b.jsonl': '{"text": "the second file"}\n' });
  const inode: Record<string, bigint> = { 'a.jsonl': 2n ** 57n + 1n, 'b.jsonl': 2n ** 57n + 2n };
  const original = fsModule.statSync;
  Object.assign(fsModule, { statSync: (p: fs.PathLike, opts?: fs.StatSyncOptions) => {
    const st = original(p, opts);
    const ino = inode[path.basename(String(p))];
    if (st === undefined || ino === undefined) return st;
    return Object.assign(st, { ino: typeof st.ino === 'bigint' ? ino : Number(ino) });
  } });
  syncBuiltinESMExports();
  try {
    const { report } = prepare({ inputs: [path.join(base, 'data')], outDir: path.join(base, 'out'), tokenizer: tok });
    assert.deepEqual([report.input_records, report.rejected], [2, 0], report.warnings.join('\n'));
  } finally {
    Object.assign(fsModule, { statSync: original });
    syncBuiltinESMExports();
  }
});

test('a folder given twice (the same path, another spelling, a symlink to it; as --input and as --val) is an error, as a file given twice is', () => {
  // before: `--input d --val d` read every record of d as val (train empty, exit 0), and `--input d d` read each file
  // once with a note that it was "named twice, itself and through its folder"
  const base = path.join(dir, 'folder-twice');
  writeFiles(base, { 'data/a.jsonl': '{"text": "a record in a folder named twice"}\n', 'data/sub/b.jsonl': '{"text": "a record one level down"}\n' });
  const d = path.join(base, 'data');
  fs.symlinkSync('data', path.join(base, 'link'));
  const out = path.join(base, 'out');
  assert.throws(() => prepare({ inputs: [d, d], outDir: out, tokenizer: tok }), (e: Error) => isUserError(e) && /data: this folder is given twice$/.test(e.message));
  assert.throws(() => prepare({ inputs: [d, `${d}${path.sep}`], outDir: out, tokenizer: tok }), /this folder is given twice \(also as .*data\)$/);
  assert.throws(() => prepare({ inputs: [d], val: [path.join(base, 'link')], outDir: out, tokenizer: tok }),
    /this folder is given twice \(also as .*link\), as options\.inputs and as options\.val \(give it once, as the split it is to be\)$/);
  // a folder inside another given one is not the same folder: its files are read once, noted
  const { report } = prepare({ inputs: [d, path.join(d, 'sub')], outDir: out, tokenizer: tok });
  assert.equal(report.input_records, 2);
});

test('a symbolic link in a loop (a → b → a) is a one-line error given as an input or a val file, and inside a folder noted and not followed: no ELOOP stack trace', () => {
  const base = path.join(dir, 'link-loop');
  writeFiles(base, { 'data/a.jsonl': '{"text": "the one record beside the loop"}\n' });
  fs.symlinkSync('loop-b.jsonl', path.join(base, 'data', 'loop-a.jsonl'));
  fs.symlinkSync('loop-a.jsonl', path.join(base, 'data', 'loop-b.jsonl'));
  const loop = path.join(base, 'data', 'loop-a.jsonl'), a = path.join(base, 'data', 'a.jsonl');
  for (const opts of [{ inputs: [loop] }, { inputs: [a], val: [loop] }]) {
    assert.throws(() => prepare({ ...opts, outDir: path.join(base, 'out'), tokenizer: tok }), (e: Error) => {
      assert.equal(e.name, 'UserError', e.stack);
      assert.equal(e.message, `${loop}: cannot read input: ELOOP (a loop of symbolic links: it leads back to itself)`);
      return true;
    });
  }
  const { report } = prepare({ inputs: [path.join(base, 'data')], outDir: path.join(base, 'out'), tokenizer: tok });
  assert.deepEqual([report.input_records, report.kept], [1, 1]);
  assert.deepEqual(report.warnings.filter((w) => !/split is empty/.test(w)), [
    'data/loop-a.jsonl is a symlink loop (it leads back to itself): not followed',
    'data/loop-b.jsonl is a symlink loop (it leads back to itself): not followed',
  ]);
});

test("a hub dataset's folder: its README and LICENSE and an earlier prepare output are skipped and noted; its test file given as --test is the test split", () => {
  const base = path.join(dir, 'hub');
  writeFiles(base, {
    'repo/README.md': '---\nlicense: mit\n---\n# My dataset\nA card, not data.\n',
    'repo/LICENSE': 'MIT License\n\nPermission is hereby granted, free of charge, to any person\n',
    'repo/data/train.jsonl': '{"text": "a training record of the hub dataset"}\n{"text": "another training record of it"}\n',
    'repo/data/test.jsonl': '{"text": "the held out test record"}\n',
  });
  const first = prepare({ inputs: [path.join(base, 'repo')], outDir: path.join(base, 'repo', 'prepared'), tokenizer: tok });
  assert.equal(first.report.input_records, 3, 'README and LICENSE are not records');
  assert.ok(first.report.warnings.includes('repo: LICENSE, README.md skipped: a project\'s own files, not data (name a file to read it)'), first.report.warnings.join('; '));
  fs.renameSync(path.join(base, 'repo', 'prepared'), path.join(base, 'repo', 'prepared-old')); // an earlier output, now just a folder in the input
  const { report } = prepare({ inputs: [path.join(base, 'repo')], test: [path.join(base, 'repo', 'data', 'test.jsonl')], outDir: path.join(base, 'out'), tokenizer: tok });
  assert.deepEqual([report.input_records, report.splits.test], [3, 1]);
  assert.ok(report.warnings.includes('repo/prepared-old holds the outputs of an earlier prepare run (its report.json): not read'), report.warnings.join('; '));
  assert.ok(report.warnings.includes('repo/data/test.jsonl is also given as the test file (test.jsonl): read as test only'), report.warnings.join('; '));
  const test = readJsonl(path.join(base, 'out', 'test.jsonl')) as Array<{ text: string }>;
  assert.deepEqual(test.map((r) => r.text), ['the held out test record']);
});

test('a training run or quickstart folder inside an input folder is skipped and noted: its config.yaml and loss curve are not text records, its weights no error', () => {
  const base = path.join(dir, 'with-run');
  const weights = '\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0000{}      ';
  writeFiles(base, {
    'data/a.jsonl': '{"text": "a record of the data"}\n',
    [`data/run/${RUN_LAYOUT.marker}`]: '{"created_by": "mistral-tune train"}\n',
    [`data/run/${RUN_LAYOUT.config}`]: 'model: /models/m\noutput_dir: run\n',
    [`data/run/${RUN_LAYOUT.lossCurve}`]: '<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>\n',
    [`data/run/${RUN_LAYOUT.metrics}`]: '{"step": 1, "loss": 2.5}\n',
    [`data/run/${RUN_LAYOUT.adapter}/adapter_model.safetensors`]: weights,
    [`data/qs/${QUICKSTART_LAYOUT.marker}`]: '{}\n',
    [`data/qs/${QUICKSTART_LAYOUT.model}/model.safetensors`]: weights,
  });
  const { report } = prepare({ inputs: [path.join(base, 'data')], outDir: path.join(base, 'out'), tokenizer: tok, split: [1, 0, 0] });
  assert.deepEqual([report.input_records, report.kept], [1, 1]);
  assert.ok(report.warnings.includes(`data/run is a training run's folder (its ${RUN_LAYOUT.marker}): not read`), report.warnings.join('; '));
  assert.ok(report.warnings.includes(`data/qs is a quickstart's folder (its ${QUICKSTART_LAYOUT.marker}): not read`), report.warnings.join('; '));
});

test('JSON: one object holding several lists of records ({"data": [...], "extra": [...]}) is a one-line error naming them, not one rejected record', () => {
  const recs = Array.from({ length: 5 }, (_, i) => ({ text: `record number ${i}` }));
  const f = writeFiles(dir, {
    'two.json': JSON.stringify({ data: recs.slice(0, 3), extra: recs.slice(3) }),
    'beside.json': JSON.stringify({ version: '1.0', data: recs, tags: ['a', 'b'] }),
    'odd key.json': JSON.stringify({ 'my records': recs, 'more records': recs }),
    // a level down (Solr's response; an API's data.items): it was one unknown_shape record, "keys: responseHeader, response"
    'solr.json': JSON.stringify({ responseHeader: { status: 0 }, response: { numFound: 5, docs: recs } }),
    // records keyed by id: it was one unknown_shape record, with a hint to lift "q0"'s fields (which dropped the others)
    'keyed.json': JSON.stringify(Object.fromEntries(recs.map((r, i) => [`q${i}`, r]))),
    'ok.json': '[{"text": "a record to keep"}]',
  });
  const cases: Array<[string, RegExp]> = [
    ['two.json', /two\.json:1: the file's one object is not a record but holds lists of records \("data" \(3 objects\), "extra" \(2 objects\)\): save the records to train on as their own file \(JSON Lines: jq -c '\.data\[\]' \S+two\.json > records\.jsonl\)$/],
    ['beside.json', /beside\.json:1: the file's one object is not a record but holds a list of records \("data" \(5 objects\)\)/],
    ['odd key.json', /jq -c '\.\["my records"\]\[\]' FILE > /],
    ['keyed.json', /keyed\.json:1: the file's one object is not a record but holds records keyed by id \("q0", "q1", "q2" and 2 more keys\): .*jq -c 'to_entries\[\] \| \{id: \.key\} \+ \.value' \S+keyed\.json > records\.jsonl\)$/],
    ['solr.json', /solr\.json:1: the file's one object is not a record but holds a list of records \("response"\."docs" \(5 objects\)\): .*jq -c '\.response\.docs\[\]' \S+solr\.json > records\.jsonl\)$/],
  ];
  for (const [name, message] of cases) {
    // beside a file that reads: the whole run is refused, not one record of the dataset rejected among the others
    assert.throws(() => prepare({ inputs: [f['ok.json']!, f[name]!], outDir: path.join(dir, `lists-${name}`), tokenizer: tok }),
      (e: Error) => e.name === 'UserError' && message.test(e.message) && !e.message.includes('\n'), name);
  }
  // a record whose members are lists of objects (annotations) is still a record
  const g = writeFiles(dir, { 'annotated.json': JSON.stringify({ text: 'A record with spans.', spans: [{ start: 0, end: 1 }], notes: [{ by: 'x' }] }) })['annotated.json']!;
  const { report } = prepare({ inputs: [g], outDir: path.join(dir, 'annotated'), tokenizer: tok, split: [1, 0, 0] });
  assert.equal(report.kept, 1);
});

test('JSON: a record naming a key twice with different values is invalid_json, not silently the last value', () => {
  const f = writeFiles(dir, {
    'dup.jsonl': [
      '{"text": "first text value", "text": "second text value"}',
      '{"text": "the same", "text": "the same"}',
      '{"messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}, {"role": "assistant", "content": "Hello"}], "text": null}',
      '{"label": 1, "text": "x", "label": 2}',
      // more keys than are searched for one by one: walked
      JSON.stringify(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${i}`, i]))).replace('}', ', "c3": "x", "text": "wide"}'),
      JSON.stringify(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`c${i}`, i]))).replace('}', ', "text": "wide"}'),
    ].join('\n'),
    'dup.json': '{"text": "a", "text": "b"}',
  });
  const items = [...readJsonlItems(f['dup.jsonl']!)];
  assert.deepEqual(items.map((i) => i.error?.detail ?? 'ok'), [
    'the key "text" appears twice with different values (JSON keeps the last and drops the other): keep one',
    'ok',
    'ok',
    'the key "label" appears twice with different values (JSON keeps the last and drops the other): keep one',
    'the key "c3" appears twice with different values (JSON keeps the last and drops the other): keep one',
    'ok',
  ]);
  assert.equal(items[0]!.error!.reason, 'invalid_json');
  assert.equal([...readJson(f['dup.json']!)][0]!.error?.reason, 'invalid_json');
});

test('JSON: a key named twice with one value written two ways (spacing, escapes, key order) loses nothing and is let be; 1 and 1.0 are two values', () => {
  // before: the values were compared as written, so each of the first four was invalid_json, "different values"
  const f = writeFiles(dir, {
    'same-dup.jsonl': [
      '{"text": "spacing", "o": {"a": 1}, "o": {"a":1}}',
      '{"text": "escapes", "k": "a", "k": "\\u0061"}',
      '{"text": "key order", "o": {"b": 1, "c": [2, "x"]}, "o": {"c": [2, "\\u0078"], "b": 1}}',
      '{"text": "numbers", "n": 1e2, "n": 100.0}',
      '{"text": "int and float", "n": 1, "n": 1.0}',
      '{"text": "past 2**53", "n": 12345678901234567890, "n": 12345678901234567891}',
      '{"text": "text", "text": "te\\u0078t"}',
    ].join('\n'),
  });
  assert.deepEqual([...readJsonlItems(f['same-dup.jsonl']!)].map((i) => i.error?.detail ?? 'ok'), [
    'ok', 'ok', 'ok', 'ok',
    'the key "n" appears twice with different values (JSON keeps the last and drops the other): keep one',
    'the key "n" appears twice with different values (JSON keeps the last and drops the other): keep one',
    'ok',
  ]);
});

test('JSON Lines: a line holding two records glued together (no line break between them) is rejected saying so', () => {
  const f = writeFiles(dir, { 'glued.jsonl': '{"text": "first"}{"text": "second"}\n{"text": "third"} [1]\n{"text": "x"} junk\n' })['glued.jsonl']!;
  assert.deepEqual([...readJsonlItems(f)].map((i) => [i.line, i.error?.reason, i.error?.detail.replace(/ Put each.*/, '')]), [
    [1, 'invalid_json', 'more than one JSON value (a second starts at character 18): records written without a line break between them?'],
    [2, 'invalid_json', 'more than one JSON value (a second starts at character 19): records written without a line break between them?'],
    [3, 'invalid_json', [...readJsonlItems(f)][2]!.error!.detail],
  ]);
  assert.doesNotMatch([...readJsonlItems(f)][2]!.error!.detail, /more than one/);
});

test('JSON Lines: records separated by NEL (U+0085) or U+001E are rejected as more than one JSON value, as with U+2028', () => {
  // before: U+2028 got "more than one JSON value", NEL and U+001E the generic "Unexpected non-whitespace character after JSON"
  const f = writeFiles(dir, { 'seps.jsonl': '{"text":"a"}\u2028{"text":"b"}\n{"text":"a"}\u0085{"text":"b"}\n{"text":"a"}\x1e{"text":"b"}\n' })['seps.jsonl']!;
  assert.deepEqual([...readJsonlItems(f)].map((i) => [i.line, i.error?.reason, i.error?.detail.replace(/ Put each.*/, '')]), [1, 2, 3].map((line) =>
    [line, 'invalid_json', 'more than one JSON value (a second starts at character 14): records written without a line break between them?']));
});

test('JSON Lines: a comma after each record (a JSON array\'s body without its brackets) is read as the records, with one warning; other text after a record is still rejected', () => {
  // before: every such line was invalid_json ("remove the comma"), so a file of them kept nothing
  const body = '{"text": "a"},\n{"text": "b"} ,  \n{\n  "text": "c"\n},\n[{"text": "d"}, {"text": "e"}],\n';
  const f = writeFiles(dir, {
    'commas.jsonl': `${body}{"text": "f"},\n`,
    'no-brackets.json': `${body}{"text": "f"}\n`, // the same lines as a .json file: the last element has no comma
    'other.jsonl': '{"text": "x"}, junk\n{"text": "x"},,\n{"text": "x"}, {"text": "y"}\n{"text": "p", "text": "q"},\n',
  });
  const values = [{ text: 'a' }, { text: 'b' }, { text: 'c' }, { text: 'd' }, { text: 'e' }, { text: 'f' }];
  for (const [name, lines] of [['commas.jsonl', 5], ['no-brackets.json', 4]] as const) {
    const notes: string[] = [];
    const items = [...(name.endsWith('.json') ? readJson : readJsonlItems)(f[name]!, { onNote: (n) => notes.push(n) })];
    assert.deepEqual(items.map((i) => [i.line, i.value, i.error?.reason]), values.map((v, k) => [[1, 2, 3, 6, 6, 7][k], v, undefined]), name);
    assert.equal(notes.filter((n) => /comma/.test(n)).length, 1, notes.join('; '));
    assert.ok(notes.includes(`${lines} lines end with a comma after the record (line 1 first; lines cut from a JSON array?): read as the record before it; ` +
      'JSON Lines holds one record a line with nothing after it: remove the commas, or put [ ] around the lines to make the file a JSON array'), notes.join('; '));
  }
  const notes: string[] = [];
  const other = [...readJsonlItems(f['other.jsonl']!, { onNote: (n) => notes.push(n) })];
  assert.deepEqual(other.map((i) => i.error?.reason), ['invalid_json', 'invalid_json', 'invalid_json', 'invalid_json']);
  // a record rejected for what it holds says that, and keeps its comma in rejected.jsonl's raw text
  assert.match(other[3]!.error!.detail, /the key "text" appears twice/);
  assert.equal(other[3]!.raw, '{"text": "p", "text": "q"},');
  assert.deepEqual(notes, []);
  // in report.json: the records kept, and the warning
  const out = path.join(dir, 'commas-out');
  const lines = Array.from({ length: 100 }, (_, i) => `{"text": "record number ${i}"},`).join('\n');
  const { report } = prepare({ inputs: [writeFiles(dir, { 'many.jsonl': lines })['many.jsonl']!], outDir: out, tokenizer: tok, dedup: 'none' });
  assert.deepEqual([report.kept, report.rejected], [100, 0]);
  assert.ok(report.warnings.some((w) => w.startsWith('many.jsonl: 100 lines end with a comma after the record (line 1 first;')), report.warnings.join('; '));
});

test('JSON: a key twice is found however its name is spelled (escapes) and in nested objects (a message\'s "role"), naming where', () => {
  const f = writeFiles(dir, {
    'dup-deep.jsonl': [
      '{"text":"a","te\\u0078t":"b"}',
      '{"text":"a","te\\u0078t":"a"}',
      '{"a\\/b": 1, "a/b": 2, "text": "x"}',
      '{"messages":[{"role":"user","role":"assistant","content":"x"},{"role":"assistant","content":"y"}]}',
      '{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y","meta":{"k":1,"k":2}}]}',
      '{"messages":[{"role":"user","content":"x"},{"role":"assistant","content":"y","meta":{"k":[1],"k":[1]}}]}',
      '{"odd key":{"k":1,"\\u006b":2},"text":"x"}',
    `{"text": "deep", "x": ${'['.repeat(999)}${']'.repeat(999)}}`, // as deep as a record may nest (deeper: invalid_json, below)
    ].join('\n'),
    'dup-deep.json': '{"messages":[{"role":"user","role":"assistant","content":"x"}]}',
  });
  const keep = 'JSON keeps the last and drops the other): keep one';
  assert.deepEqual([...readJsonlItems(f['dup-deep.jsonl']!)].map((i) => i.error ? `${i.error.reason}: ${i.error.detail}` : 'ok'), [
    `invalid_json: the key "text" appears twice with different values (${keep}`,
    'ok',
    `invalid_json: the key "a/b" appears twice with different values (${keep}`,
    `invalid_json: the key "role" appears twice with different values in messages[0] (${keep}`,
    `invalid_json: the key "k" appears twice with different values in messages[1].meta (${keep}`,
    'ok',
    `invalid_json: the key "k" appears twice with different values in ["odd key"] (${keep}`,
    'ok',
  ]);
  assert.equal([...readJson(f['dup-deep.json']!)][0]!.error?.detail, `the key "role" appears twice with different values in messages[0] (${keep}`);
});

test('JSON: one object whose one list is empty ({"data": []}) holds no records, as an empty file holds none: not one unknown_shape record', () => {
  const f = writeFiles(dir, {
    'no-data.json': '{"version": "1.0", "data": []}\n',
    'ok.jsonl': '{"text": "a record to keep"}\n',
    'a record.json': '{"text": "one record with no tags", "tags": []}\n',
    'no-splits.json': '{"train": [], "test": []}\n',
  });
  const { report } = prepare({ inputs: [f['no-data.json']!, f['ok.jsonl']!, f['a record.json']!], outDir: path.join(dir, 'no-data'), tokenizer: tok, split: [1, 0, 0] });
  assert.equal(report.input_records, 2);
  assert.equal(report.rejected, 0);
  assert.equal(report.kept, 2, 'an object with a text and an empty list is a record');
  assert.ok(report.warnings.includes('no-data.json: no records: the file\'s one object holds one list, "data", and it is empty'), report.warnings.join('\n'));
  assert.ok(!report.warnings.some((w) => w.startsWith('no records in')), 'not said to be empty, blank or a header row');
  assert.throws(() => prepare({ inputs: [f['no-data.json']!], outDir: path.join(dir, 'no-data-alone'), tokenizer: tok }), /no record was kept: the inputs hold no records/);
  const lists = prepare({ inputs: [f['no-splits.json']!, f['ok.jsonl']!], outDir: path.join(dir, 'no-splits'), tokenizer: tok, split: [1, 0, 0] }).report;
  assert.deepEqual([lists.input_records, lists.rejected], [1, 0]);
  assert.ok(lists.warnings.includes('no-splits.json: no records: the file\'s one object holds the lists "train", "test", all empty'), lists.warnings.join('\n'));
});

test('JSON Lines: a line too long to parse whole that is a batch of records is read a record at a time, not held parsed all at once', () => {
  // before: every record of such a line was parsed before the first was given (a 14 MB line of small records took
  // 250 MB; a line may be up to 512 MB); the bound on a record's JSON, past which it is not parsed, did not bound the batch
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const n = 20_000;
  const f = writeFiles(dir, { 'long-batch.jsonl': `{"text": "first"}\n[${Array.from({ length: n }, (_, i) => `{"text": "r${i}"}`).join(',')}]\n` })['long-batch.jsonl']!;
  gc();
  const before = process.memoryUsage().heapUsed;
  const items = readJsonlItems(f, { maxRawChars: 1000 });
  items.next();
  assert.deepEqual(items.next().value?.value, { text: 'r0' });
  gc();
  const held = process.memoryUsage().heapUsed - before; // the line and one record (0.2 MB); all 20,000 parsed held 3 MB
  assert.ok(held < 1e6, `${held} bytes held after the batch's first record`);
  let rest = 0;
  for (const it of items) assert.deepEqual(it.value, { text: `r${++rest}` });
  assert.equal(rest, n - 1);
});

test('JSON Lines and JSON: a batch of records within the raw-length bound (a line, a nested array) is read a record at a time too', () => {
  // before: its records were all parsed and held beside the batch's whole value before the first was given (2 MB
  // for 10,000 small records); now the value, once its shape is judged, is let go, and each record parsed as it is read
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const n = 10_000;
  const batch = `[${Array.from({ length: n }, (_, i) => `{"text": "r${i}"}`).join(',')}]`;
  const f = writeFiles(dir, { 'batch.jsonl': `{"text": "first"}\n${batch}\n`, 'batch.json': `[{"text": "first"},\n${batch}\n]\n` });
  for (const [name, read] of [['batch.jsonl', readJsonlItems], ['batch.json', readJson]] as const) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const items = read(f[name]!, { maxRawChars: 1e7 });
    items.next();
    assert.deepEqual(items.next().value?.value, { text: 'r0' });
    gc();
    const held = process.memoryUsage().heapUsed - before; // the line and one record (0.2 MB)
    assert.ok(held < 1e6, `${name}: ${held} bytes held after the batch's first record`);
    const rest = [...items].map((it) => (it.value as { text: string }).text);
    assert.deepEqual([rest.length, rest[0], rest.at(-1)], [n - 1, 'r1', `r${n - 1}`], name);
  }
});

test('JSON: a string left open in an element of an object wrapping the records rejects that element alone, as in a top-level array', () => {
  // before: the object's scan took the string on into the next line, lost its way, and the file was read as JSON Lines:
  // the object's "{"data": [" and "], …}" rejected as records, and a warning of lines ending with a comma
  const body = '  {"text": "a\n  {"text": "b"},\n  {"text": "c"}\n';
  const f = writeFiles(tempDir(), { 'w.json': `{"data": [\n${body}], "x": 1}\n`, 'a.json': `[\n${body}]\n` });
  const notes: string[] = [];
  const read = (file: string) => [...readJson(file, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value, i.error?.reason]);
  const expected = [[2, undefined, 'invalid_json'], [3, { text: 'b' }, undefined], [4, { text: 'c' }, undefined]];
  assert.deepEqual(read(f['a.json']!), expected);
  assert.deepEqual(read(f['w.json']!), expected);
  assert.deepEqual(notes, []);
});

test('JSON: an object whose list of records is under a key it names twice is invalid_json, not a wrapper read as its first value', () => {
  // before: {"data": [...], "data": 5} had the list's records read, though JSON (json.load, JSON.parse) keeps the 5
  const f = writeFiles(tempDir(), { 'dup.json': '{"data": [{"text": "a"}, {"text": "b"}],\n "data": 5}\n' })['dup.json']!;
  assert.deepEqual([...readJson(f)].map((i) => [i.line, i.error?.detail]), [[1, 'the key "data" appears twice with different values (JSON keeps the last and drops the other): keep one']]);
});

test('JSON: an object\'s keys are read as JSON reads them: a record\'s text key spelled with an escape ("te\\u0078t") makes it a record', () => {
  // before: the scan took the key as written, so {"te\u0078t": …, "entities": [{…}]} was a wrapper of its entities, the record lost
  const f = writeFiles(tempDir(), { 'esc.json': '{"te\\u0078t": "Paris", "entities": [{"start": 0, "end": 5}]}\n' })['esc.json']!;
  assert.deepEqual([...readJson(f)].map((i) => i.value), [{ text: 'Paris', entities: [{ start: 0, end: 5 }] }]);
});

test('JSON Lines: a batch line (an array of records) with a trailing comma before "]" is read as its records, short or too long to parse whole, and noted', () => {
  // before: a short one was one invalid_json record for all it held, JSON.parse's "Unexpected token ']'" its only word;
  // one past the raw-length bound was read as its records without a word on the comma
  const long = `[${['c', 'd', 'e', 'f', 'g'].map((x) => `{"text": "${x}"}`).join(', ')}, ]`;
  const f = writeFiles(dir, { 'trailing.jsonl': `{"text": "first"}\n[{"text": "a"}, {"text": "b"},]\n${long}\n[1, 2,]\n` })['trailing.jsonl']!;
  const notes: string[] = [];
  const items = [...readJsonlItems(f, { maxRawChars: 60, onNote: (n) => notes.push(n) })];
  assert.deepEqual(items.map((i) => [i.line, i.value ?? i.error?.reason]), [
    [1, { text: 'first' }], [2, { text: 'a' }], [2, { text: 'b' }], ...['c', 'd', 'e', 'f', 'g'].map((x) => [3, { text: x }]), [4, 'invalid_json'],
  ]);
  assert.ok(notes.includes('2 commas before "]" (a trailing comma, which JSON does not allow; line 2 first) read as the end of the array'), notes.join('\n'));
  // so is a batch nested in a JSON array (a .json file), as the top-level array's own trailing comma is
  const g = writeFiles(dir, { 'nested.json': '[\n[{"text": "a"}, {"text": "b"},],\n{"text": "c"}\n]\n' })['nested.json']!;
  notes.length = 0;
  assert.deepEqual([...readJson(g, { onNote: (n) => notes.push(n) })].map((i) => [i.line, i.value ?? i.error?.reason]), [[2, { text: 'a' }], [2, { text: 'b' }], [3, { text: 'c' }]]);
  assert.ok(notes.includes('a comma before "]" (a trailing comma, which JSON does not allow) read as the end of the array'), notes.join('\n'));
});

test('JSON Lines whose first line is a batch followed by a comma (`[{…}, {…}],`) reads the lines after it as records, not as text after the array', () => {
  // before: the comma kept the first line from being taken for a whole array: the file was read as one array, and every
  // record after it was rejected as "text after the closing ]"
  const f = writeFiles(dir, { 'first.jsonl': '[{"text": "a"}, {"text": "b"}],\n{"text": "c"},\n{"text": "d"}\n' })['first.jsonl']!;
  assert.deepEqual([...readJson(f)].map((i) => [i.line, i.value ?? i.error?.reason]), [[1, { text: 'a' }], [1, { text: 'b' }], [2, { text: 'c' }], [3, { text: 'd' }]]);
});

test('JSON Lines: pretty-printed objects indented as a whole (an array\'s body pasted without its brackets) are one record each', () => {
  // before: only a "{" line with no indent opened an object: each line of these was its own invalid_json record
  const f = writeFiles(dir, {
    'body.jsonl': '  {\n    "text": "a",\n    "tags": [\n      {\n        "k": 1\n      }\n    ]\n  },\n  {\n    "text": "b"\n  }\n',
  })['body.jsonl']!;
  assert.deepEqual([...readJsonlItems(f)].map((i) => [i.line, i.value ?? i.error?.reason]), [[1, { text: 'a', tags: [{ k: 1 }] }], [9, { text: 'b' }]]);
});

test('JSON Lines: pretty-printed objects written with no line break between them (`}{`) are one record each', () => {
  // before: the first was rejected as "more than one JSON value" and each line of the second was its own invalid_json record
  const f = writeFiles(dir, { 'joined.jsonl': '{\n  "text": "a"\n}{\n  "text": "b"\n}  {\n  "text": "c"\n}\n' })['joined.jsonl']!;
  assert.deepEqual([...readJsonlItems(f)].map((i) => [i.line, i.value ?? i.error?.reason]), [[1, { text: 'a' }], [3, { text: 'b' }], [5, { text: 'c' }]]);
});
