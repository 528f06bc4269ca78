// mistral-tune prepare as a user runs it: summary on stderr, --json on stdout, errors as one line. The first run is a
// process of its own, as a user runs it; the others call the CLI's main() in this process (in-process-cli.ts: the same
// exit status, stdout and stderr, prepare's thread included), where a process each cost ~1 CPU-s of start-up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { FIXTURES } from '../helpers.ts';
import { tempDir, writeFiles } from './helpers.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mistral-tune.js');
const dir = tempDir();
/** prepare as a process of its own, run from `dir`. */
const spawned = (...args: string[]) => spawnSync(process.execPath, [BIN, 'prepare', ...args], { cwd: dir, encoding: 'utf8' });
/** prepare through main() in this process, run from `dir`. */
const cli = (...args: string[]) => cliIn(dir, ['prepare', ...args]);

test('prepare writes the five files, a readable summary on stderr, and report.json on stdout with --json', () => {
  writeFiles(dir, {
    'in/a.jsonl': Array.from({ length: 20 }, (_, i) => JSON.stringify({ text: `record number ${i} about topic ${i * 7919 % 101} with words ${'abcdefghij'.slice(i % 10)}` })).join('\n') + '\n{bad\n',
    'in/b.csv': 'prompt,completion\n"Q, 1",A1\n',
  });
  const r = spawned('--input', 'in/a.jsonl', 'in/b.csv', '--out', 'out', '--seed', '3', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'out')).sort(), ['rejected.jsonl', 'report.json', 'test.jsonl', 'train.jsonl', 'val.jsonl']);
  const report = JSON.parse(r.stdout);
  assert.equal(report.input_records, 22);
  assert.equal(report.kept + report.rejected, 22);
  assert.deepEqual(report.inputs.map((i: { file: string }) => i.file), ['in/a.jsonl', 'in/b.csv']);
  assert.match(r.stderr, /prepare: 22 records in 2 files → 21 kept \(95\.5%\), 1 rejected/);
  assert.match(r.stderr, /invalid_json\s+1/);
  assert.match(r.stderr, /splits: {2}train 17 {2}val 2 {2}test 2/);
});

test('an option another leaves nothing to do is refused before the tokenizer loads, as --labels without classification (was: taken and unused, unsaid)', async () => {
  writeFiles(dir, { 'ok.jsonl': '{"text": "fine"}\n' });
  const cases: Array<[string[], string]> = [
    [['--dedup', 'exact', '--near-threshold', '0.5'], 'error: --near-threshold needs --dedup near (the default): --dedup exact looks for no near duplicate'],
    [['--dedup', 'none', '--near-threshold', '0.9'], 'error: --near-threshold needs --dedup near (the default): --dedup none looks for no near duplicate'],
    [['--overflow', 'truncate'], 'error: --overflow needs --max-tokens: it says what becomes of a record longer than that, and without it no record is'],
    [['--labels', 'a,b'], 'error: --labels needs --task classification'],
  ];
  for (const [bad, line] of cases) {
    const r = await cli('--input', 'ok.jsonl', '--out', 'o', ...bad);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `${line}\n`, 'the one line, no tokenizer line before it');
  }
  // with what they need, each is taken
  for (const good of [['--near-threshold', '0.5'], ['--max-tokens', '100', '--overflow', 'truncate']]) {
    assert.equal((await cli('--input', 'ok.jsonl', '--out', 'o', '--overwrite', '--quiet', ...good)).status, 0, good.join(' '));
  }
  // a library call is told in its words
  const { prepare } = await import('../../src/data/prepare.ts');
  const { loadTokenizer } = await import('../../src/tokenizer/load.ts');
  assert.throws(() => prepare({ inputs: [path.join(dir, 'ok.jsonl')], outDir: path.join(dir, 'lib'), tokenizer: loadTokenizer(undefined), dedup: 'exact', nearThreshold: 0.5 }),
    { message: "prepare: options.nearThreshold needs options.dedup 'near' (the default): options.dedup 'exact' looks for no near duplicate" });
});

test('errors are one line, with what and where, and exit status 2', async () => {
  writeFiles(dir, { 'ok.jsonl': '{"text": "fine"}\n' });
  const cases: Array<[string[], RegExp]> = [
    [['--input', 'ok.jsonl', '--out', 'o', '--split', '0.8,0.3,0.1'], /^error: --split must be three shares/],
    [['--input', 'nope.jsonl', '--out', 'o'], /^error: nope\.jsonl: cannot read input: ENOENT/],
    [['--out', 'o'], /^error: --input is required/],
    [['--input', 'ok.jsonl'], /^error: --out is required/],
    [['--input', 'ok.jsonl', '--out', 'o', '--dedup', 'fuzzy'], /^error: --dedup must be one of near, exact, none/],
    [['--input', 'ok.jsonl', '--out', 'o', '--field', 'body=text'], /^error: --field must be NAME=KEY/],
    // one field read from two keys: the later is not silently taken
    [['--input', 'ok.jsonl', '--out', 'o', '--field', 'text=body', '--field', 'text=title'], /^error: --field is given twice, "text=body" and "text=title": give it once$/m],
    // one file as two splits: which options, said
    [['--input', 'ok.jsonl', '--out', 'o', '--val', 'ok.jsonl'], /^error: ok\.jsonl: this file is given twice, as --input and as --val \(give it once, as the split it is to be\)$/m],
    [['--input', 'ok.jsonl', '--out', 'o', '--bogus'], /^error: unknown option --bogus \(see mistral-tune prepare --help\)$/m],
    [['--input', 'ok.jsonl', '--out', 'o', '--sed', '3'], /^error: unknown option --sed \(did you mean --seed\?\)/],
    [['--input', 'ok.jsonl', '--out', 'o', '--split', '1,,'], /^error: --split must be three shares/],
    // thirds written to 3 places, and percentages: the sum is said, and what was meant
    [['--input', 'ok.jsonl', '--out', 'o', '--split', '0.333,0.333,0.333'], /^error: --split must be .*; got "0\.333,0\.333,0\.333", which adds up to 0\.999$/m],
    [['--input', 'ok.jsonl', '--out', 'o', '--split', '80,10,10'], /^error: --split must be .*which adds up to 100: shares, not percentages \(0\.8,0\.1,0\.1\)$/m],
    // another separator (was the bare refusal): the shares with commas, percentages as shares, a decimal comma as a point
    [['--input', 'ok.jsonl', '--out', 'o', '--split', '90/5/5'], /^error: --split must be .*; got "90\/5\/5": the shares are separated by commas \(0\.9,0\.05,0\.05\)$/m],
    [['--input', 'ok.jsonl', '--out', 'o', '--split', '0,8;0,1;0,1'], /^error: --split must be .*; got "0,8;0,1;0,1": the shares are separated by commas \(0\.8,0\.1,0\.1\)$/m],
    // no share for train: train.jsonl would be empty (train refuses it), and nothing said of it; refused before the tokenizer loads
    [['--input', 'ok.jsonl', '--out', 'o', '--split', '0,0,1'], /^error: --split 0,0,1 gives train no share: train\.jsonl would be empty, and train refuses an empty one \("no training examples"\); give train a share, like 0\.8,0\.1,0\.1\n$/],
    [['--input', 'ok.jsonl', '--out', 'o', '--task', 'classification', '--labels', 'pos,pos'], /^error: --labels lists the class "pos" twice/],
    [['--input', 'ok.jsonl', '--out', 'ok.jsonl'], /^error: ok\.jsonl: cannot create the output folder --out: it \(or a folder above it\) is a file, not a folder: give --out a folder's path \(one that does not exist is made\)$/m],
    [['--input', 'ok.jsonl', '--out', 'ok.jsonl/sub'], /^error: ok\.jsonl\/sub: cannot create the output folder --out: it \(or a folder above it\) is a file, not a folder: give --out a folder's path \(one that does not exist is made\)$/m],
    // any other failure in words, as every other write says it, not a bare errno code
    [['--input', 'ok.jsonl', '--out', 'é'.repeat(150)], /^error: é+: cannot create the output folder --out: its name is 300 bytes, over the 255 a file system takes \(ENAMETOOLONG\)$/m],
  ];
  for (const [args, re] of cases) {
    const r = await cli(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n').filter((l) => !l.startsWith('tokenizer:')).join('\n'), re);
    assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  }
  // a bad option is checked before the tokenizer loads: its error is the only line
  for (const bad of [['--seed', 'abc'], ['--min-chars', '-5'], ['--split', '1,0'], ['--field', 'foo=bar'], ['--field', 'label=a', '--field', 'label=b']]) {
    const r = await cli('--input', 'ok.jsonl', '--out', 'o', ...bad);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  }
  const help = await cli('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--near-threshold/);
});

test('1-based integer labels with named --labels: one-line error, exit 2; --labels 1=A,2=B maps them', async () => {
  const rows = ['text,label', ...Array.from({ length: 12 }, (_, i) => `"story ${i} about ${'abcdef'[i % 6]} matters ${i * 7919 % 97}",${(i % 4) + 1}`)];
  writeFiles(dir, { 'ag.csv': rows.join('\n') + '\n' });
  const r = await cli('--input', 'ag.csv', '--out', 'ag', '--task', 'classification', '--labels', 'World,Sports,Business,Sci/Tech', '--quiet');
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('tokenizer:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^error: --labels names 4 classes and the integer labels run up to 4 with no 0: they look 1-based .* --labels 1=World,2=Sports,3=Business,4=Sci\/Tech/);
  const ok = await cli('--input', 'ag.csv', '--out', 'ag', '--task', 'classification', '--labels', '1=World,2=Sports,3=Business,4=Sci/Tech', '--json', '--quiet');
  assert.equal(ok.status, 0, ok.stderr);
  const report = JSON.parse(ok.stdout);
  assert.deepEqual(report.labels, ['World', 'Sports', 'Business', 'Sci/Tech']);
  assert.equal(report.kept, 12);
  const bad = await cli('--input', 'ag.csv', '--out', 'ag', '--task', 'classification', '--labels', '1=World,1=Sports');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^error: --labels maps the integer 1 twice: "1=World" and "1=Sports"$/m);
});

test('--tokenizer DIR without tokenizer.json is an error (no silent bundled tokenizer); report.json names the tokenizer used', async () => {
  writeFiles(dir, { 'tok.jsonl': '{"text": "some words to tokenize"}\n{"text": "more words to tokenize here"}\n' });
  const noTok = path.join(FIXTURES, 'hf-tiny-mistral', 'base'); // a model folder that relies on the bundled tokenizer in train
  const r = await cli('--input', 'tok.jsonl', '--out', 'tok', '--tokenizer', noTok, '--quiet');
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `error: ${noTok}: no tokenizer.json in this folder: give the folder that holds the tokenizer.json (or the file itself); without --tokenizer, prepare uses the bundled Mistral 7B v0.1 tokenizer\n`);
  assert.ok(!fs.existsSync(path.join(dir, 'tok')), 'nothing written');
  const tekken = path.join(FIXTURES, 'tekken-tiny');
  for (const [args, name] of [[[], 'mistral-7b-v0.1 (bundled)'], [['--tokenizer', tekken], 'tekken-tiny'], [['--tokenizer', path.join(tekken, 'tokenizer.json')], 'tekken-tiny']] as Array<[string[], string]>) {
    const ok = await cli('--input', 'tok.jsonl', '--out', 'tok', ...args, '--json', '--quiet', '--split', '1,0,0');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).options.tokenizer.name, name, args.join(' '));
  }
});

test('a run stopped by bad input leaves no empty --out folder it made; one that kept nothing keeps its rejected.jsonl and report.json', async () => {
  // before: the folders made for --out stayed behind, empty, after the one-line error
  writeFiles(dir, { 'open-comment.json': '[\n  {"text": "a"},\n  /* never closed\n]\n', 'bad-only.jsonl': '{nope\n' });
  const r = await cli('--input', 'open-comment.json', '--out', 'made/for/it', '--quiet');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: open-comment\.json:3: a `\/\*` comment opened here is never closed/m);
  assert.ok(!fs.existsSync(path.join(dir, 'made')), 'no folder made for --out is left');
  assert.equal((await cli('--input', 'bad-only.jsonl', '--out', 'kept/out', '--quiet')).status, 2);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'kept/out')).sort(), ['rejected.jsonl', 'report.json']);
});

test('--split beside both --val and --test files is said to be unused: every input record trains (was: taken, unsaid)', async () => {
  writeFiles(dir, { 'split-in.jsonl': '{"text": "an input record"}\n', 'split-v.jsonl': '{"text": "a validation record"}\n', 'split-t.jsonl': '{"text": "a test record"}\n' });
  const r = await cli('--input', 'split-in.jsonl', '--val', 'split-v.jsonl', '--test', 'split-t.jsonl', '--split', '0.5,0.25,0.25', '--out', 'split-out');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /--split 0\.5,0\.25,0\.25 is not used: with both --val and --test files given, every input record trains/);
  assert.match(r.stderr, /splits: {2}train 1 {2}val 1 {2}test 1/);
});
