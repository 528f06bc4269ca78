// The input list of prepare: an input that is one of --out's output files is refused (it would be
// overwritten), binary containers are refused by extension, display names stay linear in the inputs, and folders
// holding only what is not read (a prepare output, a run) are said to, not called empty.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import nodeFs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { displayNames, listSources } from '../../src/data/sources.ts';
import { interruptedPrepare } from '../../src/data/prepare-pending.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';
import { deadPid } from '../helpers.ts';

const tok = mistralTokenizer();
const dir = tempDir();

test('an input that is an output file of --out is refused before anything is written, also through a symlink', () => {
  const out = path.join(dir, 'prep');
  for (const name of ['train.jsonl', 'val.jsonl', 'test.jsonl', 'rejected.jsonl', 'report.json']) {
    const content = '{"text": "the user\'s own data"}\n';
    const f = writeFiles(out, { [name]: content })[name]!;
    assert.throws(() => prepare({ inputs: [f], outDir: out, tokenizer: tok }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`${name.replace('.', '\\.')}: this input is the output file ${name.replace('.', '\\.')} of options\\.outDir`));
      return true;
    });
    assert.equal(fs.readFileSync(f, 'utf8'), content, `${name} left as it was`);
    fs.rmSync(f);
  }
  // the same file reached through a symlinked folder
  const f = writeFiles(out, { 'train.jsonl': '{"text": "mine"}\n' })['train.jsonl']!;
  fs.symlinkSync(out, path.join(dir, 'alias'));
  assert.throws(() => prepare({ inputs: [path.join(dir, 'alias', 'train.jsonl')], outDir: out, tokenizer: tok }), /is the output file train\.jsonl of options\.outDir/);
  assert.throws(() => prepare({ inputs: [f], outDir: path.join(dir, 'alias'), tokenizer: tok }), /is the output file train\.jsonl of options\.outDir/);
  assert.equal(fs.readFileSync(f, 'utf8'), '{"text": "mine"}\n');
  // another name in the same folder is fine
  const other = writeFiles(dir, { 'other/data.jsonl': '{"text": "a record that is kept"}\n' })['other/data.jsonl']!;
  assert.equal(listSources([{ path: other, role: 'input' }], path.join(dir, 'other')).length, 1);
});

test('compressed and binary containers are refused by extension with "decompress/convert first"', () => {
  const files = writeFiles(dir, { 'bin/a.jsonl.gz': Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]), 'bin/b.parquet': Buffer.from('PAR1\0\0PAR1'), 'bin/c.safetensors': Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 123, 125]) });
  assert.throws(() => prepare({ inputs: [files['bin/a.jsonl.gz']!], outDir: path.join(dir, 'o1'), tokenizer: tok }), /a\.jsonl\.gz: a \.gz file is not text: decompress it first/);
  assert.throws(() => prepare({ inputs: [files['bin/b.parquet']!], outDir: path.join(dir, 'o2'), tokenizer: tok, format: 'jsonl' }), /b\.parquet: a \.parquet file is not text: convert it first/);
  assert.throws(() => prepare({ inputs: [path.join(dir, 'bin')], outDir: path.join(dir, 'o3'), tokenizer: tok }), /a \.gz file is not text/);
  assert.ok(!fs.existsSync(path.join(dir, 'o3', 'train.jsonl')));
  // a folder holding several: all named in the one error, not one a run (each found once the one before was moved away)
  assert.throws(() => prepare({ inputs: [path.join(dir, 'bin')], outDir: path.join(dir, 'o3'), tokenizer: tok }), (e: unknown) => {
    assert.equal((e as Error).message, `${files['bin/a.jsonl.gz']}: a .gz file is not text: decompress it first (to JSONL, JSON, CSV, TSV or plain text); ` +
      `2 more input files are not text either: ${files['bin/b.parquet']}, ${files['bin/c.safetensors']}`);
    return true;
  });
  // a spreadsheet or a document is a zip or a binary format, not its text (it was read as text and rejected as binary)
  const office = writeFiles(dir, { 'office/sheet.xlsx': Buffer.from('PK\x03\x04\x14\0text'), 'office/paper.PDF': '%PDF-1.7\n' });
  assert.throws(() => prepare({ inputs: [office['office/sheet.xlsx']!], outDir: path.join(dir, 'o4'), tokenizer: tok }), /sheet\.xlsx: a \.xlsx file is not text: convert it first/);
  assert.throws(() => prepare({ inputs: [office['office/paper.PDF']!], outDir: path.join(dir, 'o5'), tokenizer: tok }), /paper\.PDF: a \.pdf file is not text: convert it first/);
});

test('display names: shortest unique tails, and linear in the number of inputs (50,000 paths in well under the timeout)', { timeout: 30_000 }, () => {
  assert.deepEqual(displayNames(['/data/a/x.jsonl', '/data/b/x.jsonl', '/data/b/y.jsonl']), ['a/x.jsonl', 'b/x.jsonl', 'y.jsonl']);
  assert.deepEqual(displayNames(['/x.jsonl', '/a/x.jsonl']), ['x.jsonl', 'a/x.jsonl']);
  // The quadratic version compared every tail with every other path's: ~1.5 minutes for these on 2 cores.
  const many = Array.from({ length: 50_000 }, (_, i) => `/srv/corpus/part${i}/shard.jsonl`);
  const names = displayNames(many);
  assert.equal(names[0], 'part0/shard.jsonl');
  assert.equal(names[49_999], 'part49999/shard.jsonl');
  assert.equal(new Set(names).size, many.length);
});

test('folders that hold only what prepare does not read (a prepare output, a run) are said to, not called empty', () => {
  const root = path.join(dir, 'only-outputs');
  const raw = writeFiles(dir, { 'raw-for-outputs.jsonl': '{"text": "a record"}\n' })['raw-for-outputs.jsonl']!;
  prepare({ inputs: [raw], outDir: path.join(root, 'data'), tokenizer: tok });
  writeFiles(root, { 'run/.mistral-tune-run': '{}', 'README.md': '# my project\n' });
  assert.throws(() => listSources([{ path: root, role: 'input' }]), (e: Error) => {
    assert.equal(e.name, 'UserError');
    assert.doesNotMatch(e.message, /empty/);
    assert.match(e.message, /^no input files: the folders given hold nothing that is read as data \(only-outputs\/data holds the outputs of an earlier prepare run .*only-outputs\/run is a training run's folder .*README\.md skipped.*\); name the data files/);
    return true;
  });
  fs.mkdirSync(path.join(dir, 'truly-empty'));
  assert.throws(() => listSources([{ path: path.join(dir, 'truly-empty'), role: 'input' }]), (e: Error) => e.message === 'no input files (the folders given are empty)');
});

test('an empty input folder given with other inputs (a folder named like a data file) is said to, as an empty file is; alone it is the error', () => {
  // it was passed over in silence
  const file = writeFiles(dir, { 'beside-empty.jsonl': '{"text": "a record"}\n' })['beside-empty.jsonl']!;
  const empty = path.join(dir, 'empty-named.jsonl');
  fs.mkdirSync(empty);
  fs.mkdirSync(path.join(dir, 'holds-empty/sub'), { recursive: true });
  writeFiles(dir, { 'holds-empty/a.jsonl': '{"text": "b"}\n' });
  const notes: string[] = [];
  const files = listSources([{ path: file, role: 'input' }, { path: empty, role: 'input' }, { path: path.join(dir, 'holds-empty'), role: 'input' }], undefined, notes);
  assert.deepEqual(files.map((f) => path.basename(f.path)), ['beside-empty.jsonl', 'a.jsonl']);
  // an empty folder inside a given one is no input of its own: not noted
  assert.deepEqual(notes, ['empty-named.jsonl: an empty folder, no file in it to read']);
  assert.throws(() => listSources([{ path: empty, role: 'input' }]), (e: Error) => e.message === 'no input files (the folders given are empty)');
});

test('a prepare output or a run folder given itself (--val prepared/, --input runs/x) is refused naming its flag and the files to give', () => {
  const raw = writeFiles(dir, { 'raw-for-named.jsonl': '{"text": "a record"}\n' })['raw-for-named.jsonl']!;
  const prepared = path.join(dir, 'named-prepared');
  prepare({ inputs: [raw], outDir: prepared, tokenizer: tok });
  const message = (p: string, role: 'input' | 'val' | 'test'): string => {
    try {
      listSources([{ path: p, role }]);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  // as --val its train.jsonl became the val split and every input a duplicate of it
  assert.equal(message(prepared, 'val'), `--val: ${prepared} holds the outputs of an earlier prepare run (its report.json), not data to prepare: name its files (--val ${path.join(prepared, 'val.jsonl')})`);
  assert.match(message(prepared, 'input'), /^--input: .* name its files \(--input .*train\.jsonl .*val\.jsonl .*test\.jsonl\)$/);
  const run = path.join(dir, 'named-run');
  writeFiles(run, { '.mistral-tune-run': '{}', 'config.yaml': 'seed: 0\n' });
  assert.equal(message(run, 'test'), `--test: ${run} is a training run's folder (its .mistral-tune-run), not data to prepare`);
  assert.equal(message(path.join(prepared, 'val.jsonl'), 'val'), 'accepted', 'its files are data');
});


test('an input that does not exist and holds a wildcard (a quoted glob) says prepare does not expand it and what to give instead', () => {
  // before: only "ENOENT (no such file or folder)", though the files the pattern names are there
  const dir = tempDir();
  writeFiles(dir, { 'a.jsonl': '{"text": "a"}\n' });
  assert.throws(() => listSources([{ path: path.join(dir, '*.jsonl'), role: 'input' }]),
    (e: Error) => e.name === 'UserError' && /ENOENT.*wildcard.*not expanded.*folder/.test(e.message) && !e.message.includes('\n'));
});

test('editor and backup copies in an input folder (data.jsonl~, .bak, .orig, .swp) are skipped with a note; named, they are read', () => {
  // before: each was read as plain text, a copy of the data trained as one record of raw JSON
  const root = path.join(dir, 'with-backups');
  writeFiles(root, { 'data.jsonl': '{"text": "a record"}\n', 'data.jsonl~': '{"text": "a record"}\n', 'data.jsonl.bak': '{}\n', 'notes.orig': 'x\n', 'data.jsonl.swp': 'x' });
  const notes: string[] = [];
  assert.deepEqual(listSources([{ path: root, role: 'input' }], undefined, notes).map((s) => path.basename(s.path)), ['data.jsonl']);
  assert.deepEqual(notes, ['with-backups: data.jsonl.bak, data.jsonl.swp, data.jsonl~, notes.orig skipped: editor or backup copies, not data (name a file to read it)']);
  assert.deepEqual(listSources([{ path: path.join(root, 'data.jsonl~'), role: 'input' }]).map((s) => path.basename(s.path)), ['data.jsonl~']);
});

test("the operating system's folder files (Windows' desktop.ini, Thumbs.db) in an input folder are skipped with a note; named, they are read", () => {
  // before: desktop.ini was read as plain text and kept as a training record, Thumbs.db rejected as binary
  const root = path.join(dir, 'with-system-files');
  writeFiles(root, { 'data.jsonl': '{"text": "a record"}\n', 'desktop.ini': '[.ShellClassInfo]\r\nIconResource=imageres.dll,-3\r\n', 'Thumbs.db': '\u0000\u0001', 'sub/ehthumbs.db': 'x', 'sub/b.jsonl': '{"text": "b"}\n' });
  const notes: string[] = [];
  assert.deepEqual(listSources([{ path: root, role: 'input' }], undefined, notes).map((s) => path.basename(s.path)), ['data.jsonl', 'b.jsonl']);
  assert.deepEqual(notes, [
    `with-system-files${path.sep}sub: ehthumbs.db skipped: the operating system's folder files (Windows' desktop.ini, Thumbs.db), not data (name a file to read it)`,
    "with-system-files: Thumbs.db, desktop.ini skipped: the operating system's folder files (Windows' desktop.ini, Thumbs.db), not data (name a file to read it)",
  ]);
  assert.deepEqual(listSources([{ path: path.join(root, 'desktop.ini'), role: 'input' }]).map((s) => path.basename(s.path)), ['desktop.ini']);
});

test("hidden names in an input folder are skipped with a note in report.json's warnings, as a README's are: how many, the first ones", () => {
  // before: .hidden.jsonl was left out without a word, while README/LICENSE skips were noted
  const root = path.join(dir, 'with-hidden');
  const hidden = ['.a.jsonl', '.b.jsonl', '.c.jsonl', '.d.jsonl', '.e.jsonl', '.hidden.jsonl'];
  writeFiles(root, Object.fromEntries([['data.jsonl', '{"text": "a record"}\n'], ...hidden.map((h) => [h, '{"text": "hidden"}\n']), ['sub/.git/config', '[core]\n']]));
  const notes: string[] = [];
  assert.deepEqual(listSources([{ path: root, role: 'input' }], undefined, notes).map((s) => path.basename(s.path)), ['data.jsonl']);
  assert.deepEqual(notes, [
    `with-hidden${path.sep}sub: .git skipped: hidden names, not read as data (name a file to read it)`,
    'with-hidden: .a.jsonl, .b.jsonl, .c.jsonl, .d.jsonl, .e.jsonl and 1 more (6 in all) skipped: hidden names, not read as data (name a file to read it)',
  ]);
  const { report } = prepare({ inputs: [root], outDir: path.join(dir, 'with-hidden-out'), tokenizer: tok });
  assert.ok(report.warnings.includes(notes[1]!), report.warnings.join('; '));
  assert.deepEqual(listSources([{ path: path.join(root, '.hidden.jsonl'), role: 'input' }]).map((s) => path.basename(s.path)), ['.hidden.jsonl'], 'named, it is read');
});

test('a file given itself and inside a folder also given is named as given in the note, not by a base name that may be another file', () => {
  // before: `--input e1 e1/sub/x.jsonl` noted "x.jsonl is the same file as e1/sub/x.jsonl", though ./x.jsonl may be another file
  const base = path.join(dir, 'named-twice');
  writeFiles(base, { 'e1/sub/x.jsonl': '{"text": "one record"}\n', 'x.jsonl': '{"text": "another file"}\n' });
  const cwd = process.cwd();
  process.chdir(base);
  try {
    const notes: string[] = [];
    const sources = listSources([{ path: 'e1', role: 'input' }, { path: 'e1/sub/x.jsonl', role: 'input' }], undefined, notes);
    assert.deepEqual(sources.map((s) => s.path), [path.join('e1', 'sub', 'x.jsonl')]);
    assert.deepEqual(notes, ['e1/sub/x.jsonl is named twice, itself and through its folder: read once']);
  } finally {
    process.chdir(cwd);
  }
});

test('a FIFO inside an input folder is skipped with a note (its read would block), not an error that stops the folder; named itself, it is refused', () => {
  // before: one named pipe in a data folder stopped prepare with "not a file or a folder" (an audit's find)
  const root = path.join(dir, 'with-fifo');
  writeFiles(root, { 'data.jsonl': '{"text": "a record"}\n' });
  const pipe = path.join(root, 'live.pipe');
  assert.equal(spawnSync('mkfifo', [pipe]).status, 0);
  const notes: string[] = [];
  assert.deepEqual(listSources([{ path: root, role: 'input' }], undefined, notes).map((s) => path.basename(s.path)), ['data.jsonl']);
  assert.deepEqual(notes, ['with-fifo: live.pipe skipped: neither files nor folders (a FIFO, a socket or a device)']);
  assert.throws(() => listSources([{ path: pipe, role: 'input' }]), { name: 'UserError', message: `${pipe}: not a file or a folder` });
});


test('a folder inside an input folder that may not be read (chmod 000) is one line naming it, not a stack trace', () => {
  // before: Node's EACCES stack trace (stat of its rejected.jsonl, looking for an earlier prepare output), exit 1. Root
  // reads any folder, so the denial comes from a patched fs, as the kernel gives it to another user
  const root = path.join(dir, 'with-locked');
  writeFiles(root, { 'data.jsonl': '{"text": "a record"}\n', 'locked/inside.jsonl': '{"text": "another"}\n' });
  const locked = path.join(root, 'locked');
  const denied = (syscall: string, p: fs.PathLike) => Object.assign(new Error(`EACCES: permission denied, ${syscall} '${String(p)}'`), { code: 'EACCES', errno: -13, syscall, path: String(p) });
  const { statSync, readdirSync } = nodeFs;
  Object.assign(nodeFs, {
    statSync: (p: fs.PathLike, ...rest: unknown[]) => {
      if (String(p).startsWith(locked + path.sep)) throw denied('stat', p);
      return (statSync as (...a: unknown[]) => unknown)(p, ...rest);
    },
    readdirSync: (p: fs.PathLike, ...rest: unknown[]) => {
      if (String(p) === locked) throw denied('scandir', p);
      return (readdirSync as (...a: unknown[]) => unknown)(p, ...rest);
    },
  });
  syncBuiltinESMExports();
  try {
    for (const given of [root, locked]) {
      assert.throws(() => listSources([{ path: given, role: 'input' }]), { name: 'UserError', message: `${locked}: cannot read input folder: EACCES (permission denied)` });
    }
  } finally {
    Object.assign(nodeFs, { statSync, readdirSync });
    syncBuiltinESMExports();
  }
});

test('the outputs of a prepare killed while it renamed them into place (no report.json, its temporary left) are skipped in an input folder, and refused named', () => {
  // before: with no report.json beside them they were read as data: the splits of that run (which may mix two runs,
  // and which train and eval refuse to read) became records of this one, kept ahead of the data they came from when
  // their folder sorts first
  const root = path.join(dir, 'with-killed');
  const kept = writeFiles(root, { 'data.jsonl': '{"text": "the data"}\n' })['data.jsonl']!;
  const prep = path.join(root, 'a-prep');
  prepare({ inputs: [kept], outDir: prep, tokenizer: tok, split: [1, 0, 0] });
  const dead = deadPid(), left = `.report.json.${dead}.tmp`;
  fs.renameSync(path.join(prep, 'report.json'), path.join(prep, left));
  const notes: string[] = [];
  assert.deepEqual(listSources([{ path: root, role: 'input' }], undefined, notes).map((s) => s.path), [kept]);
  assert.deepEqual(notes, [`with-killed/a-prep holds the outputs of a prepare run killed while it replaced them (its ${left} is left, report.json is not there): not read`]);
  assert.throws(() => listSources([{ path: prep, role: 'val' }]), {
    name: 'UserError',
    message: `--val: ${prep} holds the outputs of a prepare run killed while it replaced them (its ${left} is left, report.json is not there), whose splits may mix two runs' records, not data to prepare: run that prepare again`,
  });
  // the same beside that run's rejected.jsonl temporary (renamed first): killed before its renames, it replaced nothing
  // (before: said killed while it replaced them, as every run writes its report.json's temporary from its start)
  fs.writeFileSync(path.join(prep, `.rejected.jsonl.${dead}.tmp`), '');
  assert.equal(interruptedPrepare(prep), null);
});

test("a dataset folder's own files (README, LICENSE, PROVENANCE, CODE_OF_CONDUCT) are skipped and noted, as examples/data's PROVENANCE.md", () => {
  // before: PROVENANCE.md (examples/data has one) was read as a text record, with a warning only
  const root = path.join(dir, 'project-files');
  writeFiles(root, { 'data.jsonl': '{"text": "a record"}\n', 'PROVENANCE.md': '# where it came from\n', 'CODE_OF_CONDUCT.md': '# be kind\n', 'README.md': '# card\n' });
  const notes: string[] = [];
  assert.deepEqual(listSources([{ path: root, role: 'input' }], undefined, notes).map((s) => path.basename(s.path)), ['data.jsonl']);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /CODE_OF_CONDUCT\.md, PROVENANCE\.md, README\.md skipped: a project's own files, not data/);
});

test('a --val or --test folder that holds no data file is refused naming the flag (its split was left empty with a warning only)', () => {
  const raw = writeFiles(dir, { 'raw-for-empty-split.jsonl': '{"text": "a record"}\n' })['raw-for-empty-split.jsonl']!;
  for (const role of ['val', 'test'] as const) {
    const empty = path.join(dir, `empty-${role}`);
    fs.mkdirSync(empty);
    assert.throws(() => listSources([{ path: raw, role: 'input' }, { path: empty, role }]), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.equal(e.message, `${empty}: --${role} names a folder that holds no data file, so the ${role} split would be empty: name the ${role} files, or leave --${role} out`);
      return true;
    });
    writeFiles(empty, { 'README.md': '# the split\n' }); // what the folder holds that is not read is said
    assert.throws(() => listSources([{ path: raw, role: 'input' }, { path: empty, role }]), (e: Error) => {
      assert.match(e.message, new RegExp(`^.*empty-${role}: --${role} names a folder that holds no data file \\(empty-${role}: README\\.md skipped: a project's own files, not data \\(name a file to read it\\)\\), so the ${role} split would be empty`));
      return true;
    });
  }
});
