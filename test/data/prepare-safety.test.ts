// prepare never loses a user's file, never crashes on a huge record or a full disk, never leaves .tmp files,
// and never reports success when nothing was kept. What the process itself decides runs as a process of its own, as a
// user runs it: the --out lock held by another process, a heap limit, a kill; every other run calls the CLI's main()
// in this process (in-process-cli.ts: the same exit status and output, prepare's thread included), where a process
// each cost ~1 CPU-s of start-up.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { acquireRunLock, LOCK_FILE } from '../../src/train/run-lock.ts';
import { prepare } from '../../src/data/prepare.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';
import { deadPid, literal } from '../helpers.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mistral-tune.js');
const dir = tempDir();
/** prepare as a process of its own, run from `dir`. */
const spawned = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, 'prepare', '--quiet', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
/** prepare through main() in this process, run from `dir`. */
const cli = (args: string[]) => cliIn(dir, ['prepare', '--quiet', ...args]);
const records = (n: number, tag: string) => Array.from({ length: n }, (_, i) => JSON.stringify({ text: `${tag} record ${i}: ${'lorem ipsum dolor '.repeat(1 + (i % 5))}${i * 7919}` })).join('\n') + '\n';
const tmpFiles = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith('.tmp'));

/** The error lines of a run (the tokenizer's own notes aside): exactly one, with no stack trace. */
function oneLineError(r: { status: number | null; stderr: string }): string {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('tokenizer:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
  return lines[0]!;
}

test('--out holding a train.jsonl that prepare did not write is refused (exit 2); prepare replaces its own outputs; --overwrite replaces', async () => {
  writeFiles(dir, { 'in.jsonl': records(10, 'a'), 'mine/train.jsonl': '{"text": "my own curated data"}\n' });
  const mine = path.join(dir, 'mine', 'train.jsonl');
  const line = oneLineError(await cli(['--input', 'in.jsonl', '--out', 'mine']));
  assert.match(line, /^error: mine: --out already holds train\.jsonl, which no earlier prepare run wrote there .*--overwrite/);
  assert.equal(fs.readFileSync(mine, 'utf8'), '{"text": "my own curated data"}\n', 'the user\'s file is untouched');
  assert.deepEqual(fs.readdirSync(path.join(dir, 'mine')), ['train.jsonl']);
  // a killed run's temporaries there (its lock taken over) are removed on refusal too; a file of another tool's is not
  // (they stayed: prepare removed them only once the folder was accepted)
  const dead = deadPid();
  const left = [`.train.jsonl.${dead}.0.tmp`, `.spool.jsonl.${dead}.0.tmp`, `.val.jsonl.${dead}.tmp`]; // an older naming too (not report.json's alone: that says a run stopped mid-renames)
  for (const e of [...left, `.notes.txt.${dead}.0.tmp`]) fs.writeFileSync(path.join(dir, 'mine', e), 'left');
  assert.match(oneLineError(await cli(['--input', 'in.jsonl', '--out', 'mine'])), /--out already holds train\.jsonl/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'mine')).sort(), [`.notes.txt.${dead}.0.tmp`, 'train.jsonl']);
  fs.rmSync(path.join(dir, 'mine', `.notes.txt.${dead}.0.tmp`));
  // a running process's temporary there stays on refusal: the folder is not prepare's, and its lock does not keep out
  // another command's write (classify --out mine/test.jsonl); prepare removed it, and that write's rename failed
  const live = `.test.jsonl.${process.ppid}.0.tmp`;
  fs.writeFileSync(path.join(dir, 'mine', live), '{"label": "a"}\n');
  assert.match(oneLineError(await cli(['--input', 'in.jsonl', '--out', 'mine'])), /--out already holds train\.jsonl/);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'mine')).sort(), [live, 'train.jsonl']);
  fs.rmSync(path.join(dir, 'mine', live));
  // a folder an earlier prepare run wrote is replaced without asking
  assert.equal((await cli(['--input', 'in.jsonl', '--out', 'prepared'])).status, 0);
  const again = await cli(['--input', 'in.jsonl', '--out', 'prepared', '--seed', '5']);
  assert.equal(again.status, 0, again.stderr);
  // --overwrite says the user means it
  const forced = await cli(['--input', 'in.jsonl', '--out', 'mine', '--overwrite']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.ok(readJsonl(mine).every((r) => String(r.text).startsWith('a record')));
});

test('--out whose report.json cannot be read (cut short) is refused saying so and why, not that no prepare run wrote its files; --overwrite replaces them', async () => {
  writeFiles(dir, { 'in.jsonl': records(10, 'a') });
  assert.equal((await cli(['--input', 'in.jsonl', '--out', 'cut'])).status, 0);
  const report = path.join(dir, 'cut', 'report.json');
  fs.writeFileSync(report, fs.readFileSync(report, 'utf8').slice(0, 40)); // a full disk, an interrupted copy
  const line = oneLineError(await cli(['--input', 'in.jsonl', '--out', 'cut']));
  // it said "cut: --out already holds …, which no earlier prepare run wrote there (no prepare report.json beside them)"
  assert.match(line, /^error: cut\/report\.json: cannot be read \(.*JSON.*\), so whether an earlier prepare run wrote train\.jsonl, val\.jsonl, test\.jsonl, rejected\.jsonl beside it cannot be told: fix or remove it, choose another folder, or pass --overwrite to replace them$/);
  assert.equal((await cli(['--input', 'in.jsonl', '--out', 'cut', '--overwrite'])).status, 0);
  assert.equal(JSON.parse(fs.readFileSync(report, 'utf8')).kept, 10);
});

test('--out holding a folder named like an output is refused before anything is written, --overwrite or not', async () => {
  writeFiles(dir, { 'in.jsonl': records(10, 'a'), 'taken/train.jsonl/notes.txt': 'mine\n' });
  for (const flags of [[], ['--overwrite']]) {
    const line = oneLineError(await cli(['--input', 'in.jsonl', '--out', 'taken', ...flags]));
    assert.equal(line, 'error: taken: --out holds a folder named train.jsonl, where prepare writes its train.jsonl: move it, or choose another --out');
    // before, --overwrite put rejected.jsonl in place and then failed on the folder: a half-written --out
    assert.deepEqual(fs.readdirSync(path.join(dir, 'taken')), ['train.jsonl']);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'taken', 'train.jsonl')), ['notes.txt']);
  }
});

test('every record rejected: one-line error with the reasons, exit 2, outputs still written for inspection', async () => {
  writeFiles(dir, { 'bad.jsonl': '{bad\n{"text": ""}\n[1]\n{nope\n' });
  const line = oneLineError(await cli(['--input', 'bad.jsonl', '--out', 'none']));
  assert.match(line, /^error: no record was kept: all 4 records were rejected \(invalid_json 2, empty 1, unknown_shape 1\); .*rejected\.jsonl/);
  // what and where: the first record rejected, with its file, line and why (its detail's line breaks escaped)
  assert.match(line, /\(invalid_json 2, empty 1, unknown_shape 1\); the first: bad\.jsonl:1: invalid_json: Expected property name or '\}' in JSON at character 2; rejected\.jsonl/);
  writeFiles(dir, { 'sst2.tsv': 'sentence\tlabel\nit is a charming journey\t1\n' });
  assert.match(oneLineError(await cli(['--input', 'sst2.tsv', '--out', 'sst', '--task', 'classification'])),
    /^error: no record was kept: the one record was rejected: sst2\.tsv:2: unknown_shape: no "text", .* \(keys: "sentence", "label"\); --field text=sentence reads it as the text; rejected\.jsonl/);
  assert.equal(readJsonl(path.join(dir, 'none', 'rejected.jsonl')).length, 4);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'none', 'report.json'), 'utf8')).rejected, 4);
  assert.deepEqual(tmpFiles(path.join(dir, 'none')), []);
});

test('a run that keeps nothing leaves the train/val/test files of an earlier run as they were', async () => {
  writeFiles(dir, { 'good.jsonl': records(30, 'good'), 'allbad.jsonl': '{bad\n{"text": ""}\n' });
  assert.equal((await cli(['--input', 'good.jsonl', '--out', 'kept'])).status, 0);
  const splits = ['train.jsonl', 'val.jsonl', 'test.jsonl'];
  const before = splits.map((f) => fs.readFileSync(path.join(dir, 'kept', f), 'utf8'));
  assert.ok(before[0]!.length > 0);
  const line = oneLineError(await cli(['--input', 'allbad.jsonl', '--out', 'kept']));
  assert.match(line, /^error: no record was kept: .*left as they were/);
  assert.deepEqual(splits.map((f) => fs.readFileSync(path.join(dir, 'kept', f), 'utf8')), before, 'the earlier splits are untouched');
  assert.equal(readJsonl(path.join(dir, 'kept', 'rejected.jsonl')).length, 2, 'rejected.jsonl is the failed run\'s, to inspect');
  assert.deepEqual(tmpFiles(path.join(dir, 'kept')), []);
});

test('the temporary files a killed prepare left are removed by the next prepare of that --out (only its own)', async () => {
  writeFiles(dir, { 'few.jsonl': records(10, 'few') });
  const out = path.join(dir, 'killed');
  fs.mkdirSync(out);
  const dead = deadPid();
  // prepare's namings (.NAME.PID.0.tmp; an older version's .NAME.PID.tmp, and its writeFileAtomic's of report.json)
  const left = [`.train.jsonl.${dead}.0.tmp`, `.train.jsonl.${dead}.tmp`, `.spool.jsonl.${dead}.tmp`, `.report.json.${dead}.tmp`, `.report.json.${dead}.2.tmp`];
  // before: every temporary of an output's name was removed, of a running process too (this process's parent stands for
  // one): a classify --out DIR/test.jsonl holds no prepare lock, and its write failed at its rename, its predictions lost.
  // Now only prepare's namings of processes gone: a running one's stays, and an atomic write's (.NAME.PID.N.tmp, N > 0,
  // another command's) but report.json's, which an older prepare wrote so
  const others = [`.notes.txt.${dead}.tmp`, 'mine.tmp', `.val.jsonl.${process.ppid}.tmp`, `.val.jsonl.${process.ppid}.0.tmp`, `.test.jsonl.${process.ppid}.3.tmp`, `.test.jsonl.${dead}.3.tmp`];
  for (const f of [...left, ...others]) fs.writeFileSync(path.join(out, f), 'partial');
  assert.equal((await cli(['--input', 'few.jsonl', '--out', out])).status, 0);
  assert.deepEqual(tmpFiles(out).sort(), [...others].sort(), 'files not its own stay');
  // a folder or a symbolic link of such a name is not a temporary prepare wrote: left as it is (a folder stopped the run
  // with Node's EISDIR stack trace, exit 1)
  const notFiles = [`.train.jsonl.${dead}.tmp`, `.val.jsonl.${dead}.tmp`];
  fs.mkdirSync(path.join(out, notFiles[0]!));
  fs.writeFileSync(path.join(out, 'mine.txt'), 'mine');
  fs.symlinkSync('mine.txt', path.join(out, notFiles[1]!));
  assert.equal((await cli(['--input', 'few.jsonl', '--out', out])).status, 0);
  assert.deepEqual(tmpFiles(out).sort(), [...others, ...notFiles].sort());
  assert.equal(fs.readFileSync(path.join(out, 'mine.txt'), 'utf8'), 'mine');
});

test('one prepare at a time writes into an --out folder: a second is refused naming the process, and nothing is written', async () => {
  writeFiles(dir, { 'few.jsonl': records(10, 'few') });
  const out = path.join(dir, 'busy');
  const lock = acquireRunLock(out, { name: 'the --out folder', instead: 'give another --out' });
  try {
    // another process: this one holds the lock
    const line = oneLineError(spawned(['--input', 'few.jsonl', '--out', out]));
    assert.match(line, new RegExp(`^error: .*busy: the --out folder is in use by process ${process.pid} .*: wait for it to finish, or give another --out`));
    assert.deepEqual(fs.readdirSync(out), [LOCK_FILE]);
  } finally {
    lock.release();
  }
  assert.equal((await cli(['--input', 'few.jsonl', '--out', out])).status, 0);
  assert.deepEqual(fs.readdirSync(out).sort(), ['rejected.jsonl', 'report.json', 'test.jsonl', 'train.jsonl', 'val.jsonl'], 'the lock is released');
});

test('a 24 MB record is rejected as too_long by the default --max-chars, unparsed, in a 200 MB heap; no .tmp files', () => {
  const big = JSON.stringify({ text: 'wörd '.repeat(4_800_000) });
  fs.writeFileSync(path.join(dir, 'big.jsonl'), `${big}\n{"text": "a small record that is kept"}\n`);
  const r = spawned(['--input', 'big.jsonl', '--out', 'big', '--json'], { NODE_OPTIONS: '--max-old-space-size=200' });
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  const [rej] = readJsonl<{ reason: string; detail: string; source: { line: number } }>(path.join(dir, 'big', 'rejected.jsonl'));
  assert.equal(rej!.reason, 'too_long');
  assert.equal(rej!.source.line, 1);
  assert.match(rej!.detail, /the record's JSON is 24000011 characters, more than the \d+ that any record within --max-chars can take/);
  const report = JSON.parse(r.stdout);
  assert.equal(report.kept, 1);
  assert.equal(report.options.max_chars, 1_000_000, 'the default cut is recorded');
  assert.deepEqual(tmpFiles(path.join(dir, 'big')), []);
});

test('a record over the default --max-chars (but parseable) is rejected as too_long with its size, before tokenizing', async () => {
  fs.writeFileSync(path.join(dir, 'long.jsonl'), `${JSON.stringify({ text: 'x '.repeat(600_000) })}\n{"text": "short and kept"}\n`);
  const r = await cli(['--input', 'long.jsonl', '--out', 'long']);
  assert.equal(r.status, 0, r.stderr);
  const [rej] = readJsonl<{ reason: string; detail: string }>(path.join(dir, 'long', 'rejected.jsonl'));
  assert.equal(rej!.reason, 'too_long');
  assert.match(rej!.detail, /^1199999 characters, more than --max-chars 1000000 \(the default/);
});

/** A small tmpfs when this process may mount one (root), else null. */
function smallDisk(): string | null {
  const mnt = fs.mkdtempSync(path.join(dir, 'disk-'));
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (m.status !== 0) return null;
  after(() => spawnSync('umount', [mnt]));
  return mnt;
}

test('a full disk (ENOSPC on a 256 KB tmpfs) is a one-line error naming the file, exit 2, no .tmp files left', async (t) => {
  const mnt = smallDisk();
  if (mnt === null) {
    t.skip('mount -t tmpfs needs root here; test/data/out-file.test.ts injects the write error instead');
    return;
  }
  writeFiles(dir, { 'many.jsonl': records(4000, 'disk') });
  const out = path.join(mnt, 'out');
  const line = oneLineError(await cli(['--input', 'many.jsonl', '--out', out]));
  assert.match(line, new RegExp(`^error: ${literal(out)}/([a-z]+\\.(jsonl|json)|spool\\.jsonl \\(the kept records' scratch copy, removed at the end\\)): cannot write: no space left on device \\(ENOSPC\\)$`));
  // the --out folder the run made is removed with its files: nothing of the run is left
  assert.ok(!fs.existsSync(out), 'no .tmp files, no partial outputs, no empty folder');
});

test('a prepare killed between the renames of its outputs: the next prepare takes the folder as its own, and nothing reads its mixed splits meanwhile', async () => {
  const HOOK = path.join(path.dirname(BIN), '..', 'scripts', 'kill-probe', 'hook.ts');
  const probe = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [...TS_LOADER, '--import', runnable(HOOK), BIN, 'prepare', '--quiet', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  writeFiles(dir, { 'mix.jsonl': records(40, 'mix') });
  /** Runs `args` from the state `setup` makes, killed just before it renames val.jsonl into place (train.jsonl renamed). */
  const killedBeforeVal = async (args: string[], setup: () => void | Promise<void>): Promise<void> => {
    await setup();
    const trace = path.join(dir, 'trace.txt');
    fs.rmSync(trace, { force: true });
    assert.equal(probe(args, { MT_PROBE_TRACE: trace }).status, 0);
    const at = fs.readFileSync(trace, 'utf8').split('\n').find((l) => / renameSync .*\.val\.jsonl\.\d+\.0\.tmp$/.test(l))!.split(' ')[0]!;
    await setup();
    assert.equal(probe(args, { MT_PROBE_KILL_AT: at }).signal, 'SIGKILL');
  };
  // into a new --out: train.jsonl and rejected.jsonl are in place, no report.json; before, the rerun refused them as not prepare's
  await killedBeforeVal(['--input', 'mix.jsonl', '--out', 'fresh'], () => fs.rmSync(path.join(dir, 'fresh'), { recursive: true, force: true }));
  assert.ok(fs.existsSync(path.join(dir, 'fresh', 'train.jsonl')) && !fs.existsSync(path.join(dir, 'fresh', 'report.json')));
  assert.throws(() => loadTokenRows(path.join(dir, 'fresh', 'train.jsonl')), /a prepare run was killed while it replaced the files of .*fresh \(\.prepare-pending\.json is left\): its splits may mix two runs' records; run that prepare again/);
  const rerun = await cli(['--input', 'mix.jsonl', '--out', 'fresh']);
  assert.equal(rerun.status, 0, rerun.stderr);
  assert.deepEqual(tmpFiles(path.join(dir, 'fresh')), []);
  // over an earlier output: the new train.jsonl beside the old val and test; before, the old report.json stayed and
  // the mix was read as a prepare output (records of the new train split in the old val and test)
  const over = path.join(dir, 'over');
  await killedBeforeVal(['--input', 'mix.jsonl', '--out', 'over', '--seed', '5'], async () => {
    fs.rmSync(over, { recursive: true, force: true });
    assert.equal((await cli(['--input', 'mix.jsonl', '--out', 'over'])).status, 0);
  });
  assert.equal(fs.existsSync(path.join(over, 'report.json')), false);
  assert.throws(() => loadTokenRows(path.join(over, 'val.jsonl')), /a prepare run was killed while it replaced the files/);
  assert.equal((await cli(['--input', 'mix.jsonl', '--out', 'over', '--seed', '5'])).status, 0);
  assert.ok(fs.existsSync(path.join(over, 'report.json')));
  assert.deepEqual(tmpFiles(over), []);
});

test('a prepare killed before it puts its outputs in place (its report.json temporary left, beside no report.json) replaced nothing, and is not said to have', async () => {
  // before: the temporary of report.json, which every run writes from its start, was taken for what a version before
  // the record (.prepare-pending.json) left killed between its renames: train and eval refused the user's own
  // train.jsonl there ("a prepare run was killed while it replaced the files"), and the next prepare, without
  // --overwrite, took it as its own and replaced it
  const HOOK = path.join(path.dirname(BIN), '..', 'scripts', 'kill-probe', 'hook.ts');
  const probe = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [...TS_LOADER, '--import', runnable(HOOK), BIN, 'prepare', '--quiet', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  writeFiles(dir, { 'early.jsonl': records(40, 'early') });
  const out = path.join(dir, 'mine-out'), train = path.join(out, 'train.jsonl');
  const mine = '{"text": "my own hand-written example"}\n';
  const args = ['--input', 'early.jsonl', '--out', 'mine-out'];
  const setup = () => {
    fs.rmSync(out, { recursive: true, force: true });
    writeFiles(out, { 'train.jsonl': mine });
  };
  setup();
  const trace = path.join(dir, 'early-trace.txt');
  fs.rmSync(trace, { force: true });
  assert.equal(probe([...args, '--overwrite'], { MT_PROBE_TRACE: trace }).status, 0);
  const lines = fs.readFileSync(trace, 'utf8').split('\n');
  const at = (re: RegExp) => lines.find((l) => re.test(l))!.split(' ')[0]!;
  // its outputs' temporaries just opened, its records read, and its record of the renames about to be written
  for (const kill of [at(/ openSync \S*\.deferred\.jsonl\.\d+\.0\.tmp$/), at(/ fsyncSync /), at(/prepare-pending/)]) {
    setup();
    assert.equal(probe([...args, '--overwrite'], { MT_PROBE_KILL_AT: kill }).signal, 'SIGKILL', `killed at ${kill}`);
    assert.ok(fs.readdirSync(out).some((f) => /^\.report\.json\.\d+\.0\.tmp$/.test(f)) && !fs.existsSync(path.join(out, 'report.json')), `killed at ${kill}`);
    assert.equal(loadTokenRows(train, { tokenizer: mistralTokenizer() }).rows.length, 1, `killed at ${kill}: the user's train.jsonl is read`);
    const again = await cli(args);
    assert.equal(again.status, 2, `killed at ${kill}: ${again.stderr}`);
    assert.match(again.stderr, /mine-out: --out already holds train\.jsonl, which no earlier prepare run wrote there/, `killed at ${kill}`);
    assert.equal(fs.readFileSync(train, 'utf8'), mine, `killed at ${kill}: the user's train.jsonl is as it was`);
  }
  assert.equal((await cli([...args, '--overwrite'])).status, 0);
  assert.deepEqual(tmpFiles(out), []);
});

test('an input listed but gone (or made a folder) before prepare reads it is a UserError naming it, not an ENOENT stack trace', () => {
  // before: fs.statSync's ENOENT thrown from prepare (exit 1 with a stack trace); a folder in its place went on to the reader
  for (const made of ['gone', 'folder'] as const) {
    const files = writeFiles(dir, { [`first-${made}.jsonl`]: records(5, 'f'), [`second-${made}.jsonl`]: records(5, 's') });
    const second = files[`second-${made}.jsonl`]!;
    const out = path.join(dir, `vanished-${made}-out`);
    let done = false;
    const onProgress = () => {
      if (done) return;
      done = true;
      fs.rmSync(second);
      if (made === 'folder') fs.mkdirSync(second);
    };
    assert.throws(() => prepare({ inputs: [files[`first-${made}.jsonl`]!, second], outDir: out, tokenizer: mistralTokenizer(), onProgress }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      const what = made === 'gone' ? 'is gone' : 'is now a directory, not a file';
      assert.match(e.message, new RegExp(`^${literal(second)}: ${what}: it was listed as an input, then moved or changed before prepare read it; put it back and rerun`));
      return true;
    });
    assert.deepEqual(fs.readdirSync(out), [], 'no output, temporary or lock is left');
  }
});

test('an input that grows while prepare reads it (a file still being written) is said in a warning: its last record may be cut off', () => {
  // before: nothing said so; a record cut off mid-write was one invalid_json rejection among others
  const f = writeFiles(dir, { 'growing.jsonl': records(5, 'g') })['growing.jsonl']!;
  let appended = false;
  const onProgress = () => {
    if (!appended) fs.appendFileSync(f, '{"text": "written while prepare rea');
    appended = true;
  };
  const { report } = prepare({ inputs: [f], outDir: path.join(dir, 'growing-out'), tokenizer: mistralTokenizer(), split: [1, 0, 0], onProgress });
  assert.ok(report.warnings.some((w) => /^growing\.jsonl: the file changed while it was read \(\d+ bytes when reading began, \d+ after\): is it still being written\? Its last records may be cut off or missing: rerun once it is complete$/.test(w)), JSON.stringify(report.warnings));
  // a file that stays as it was says nothing of it
  const still = prepare({ inputs: [f], outDir: path.join(dir, 'still-out'), tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.ok(!still.report.warnings.some((w) => w.includes('changed while')));
});

test('a split edited since prepare wrote it is refused by the next prepare (exit 2, nothing written), sized then hashed; unedited ones are replaced; --overwrite replaces', async () => {
  writeFiles(dir, { 'in.jsonl': records(30, 'a') });
  assert.equal((await cli(['--input', 'in.jsonl', '--out', 'edited'])).status, 0);
  const at = (f: string) => path.join(dir, 'edited', f);
  const files = JSON.parse(fs.readFileSync(at('report.json'), 'utf8')).files as Record<string, { bytes: number; sha256: string }>;
  assert.deepEqual(Object.keys(files), ['train.jsonl', 'val.jsonl', 'test.jsonl', 'rejected.jsonl']);
  for (const [f, e] of Object.entries(files)) {
    const bytes = fs.readFileSync(at(f));
    assert.deepEqual(e, { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }, f);
  }
  // unedited: replaced as before
  assert.equal((await cli(['--input', 'in.jsonl', '--out', 'edited', '--seed', '3'])).status, 0);
  const snapshot = () => fs.readdirSync(path.join(dir, 'edited')).sort().map((f) => [f, fs.readFileSync(at(f), 'utf8')]);
  // a line added: another size
  fs.appendFileSync(at('train.jsonl'), '{"text": "my own hand-written example"}\n');
  const size = fs.statSync(at('train.jsonl')).size;
  let before = snapshot();
  assert.match(oneLineError(await cli(['--input', 'in.jsonl', '--out', 'edited'])), new RegExp(`^error: edited/train\\.jsonl: changed since the last prepare run wrote it \\(it is ${size.toLocaleString('en-US')} bytes, written as [\\d,]+\\), so it may be yours: move it away, or pass --overwrite to replace it$`));
  assert.deepEqual(snapshot(), before, 'nothing written');
  // one character changed: the same size, other bytes
  fs.writeFileSync(at('train.jsonl'), fs.readFileSync(at('train.jsonl'), 'utf8').split('\n').slice(0, -2).join('\n') + '\n');
  const val = fs.readFileSync(at('val.jsonl'), 'utf8');
  fs.writeFileSync(at('val.jsonl'), val.replace('record', 'recorD'));
  assert.notEqual(fs.readFileSync(at('val.jsonl'), 'utf8'), val);
  before = snapshot();
  assert.equal(oneLineError(await cli(['--input', 'in.jsonl', '--out', 'edited'])),
    'error: edited/val.jsonl: changed since the last prepare run wrote it (its SHA-256 is not the one recorded), so it may be yours: move it away, or pass --overwrite to replace it');
  assert.deepEqual(snapshot(), before, 'nothing written');
  assert.deepEqual(tmpFiles(path.join(dir, 'edited')), []);
  // --overwrite says the user means it
  const forced = await cli(['--input', 'in.jsonl', '--out', 'edited', '--overwrite']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.ok(!fs.readFileSync(at('val.jsonl'), 'utf8').includes('recorD'));
});

test('a report.json from before the files record vouches for its splits as before; a run that keeps nothing records the splits it leaves', async () => {
  writeFiles(dir, { 'in.jsonl': records(30, 'a'), 'allbad.jsonl': '{bad\n' });
  assert.equal((await cli(['--input', 'in.jsonl', '--out', 'older'])).status, 0);
  const at = (f: string) => path.join(dir, 'older', f);
  const strip = () => {
    const { files: _, ...older } = JSON.parse(fs.readFileSync(at('report.json'), 'utf8'));
    fs.writeFileSync(at('report.json'), JSON.stringify(older, null, 2) + '\n');
  };
  strip();
  fs.appendFileSync(at('test.jsonl'), '{"text": "edited, which an older report cannot tell"}\n');
  assert.equal((await cli(['--input', 'in.jsonl', '--out', 'older'])).status, 0, 'accepted as before');
  assert.ok(JSON.parse(fs.readFileSync(at('report.json'), 'utf8')).files['test.jsonl'], 'recorded from now on');
  // kept nothing: the splits stay, recorded as the earlier run's report recorded them (or as they are, after an older report)
  for (const older of [false, true]) {
    if (older) strip();
    const splits = ['train.jsonl', 'val.jsonl', 'test.jsonl'].map((f) => fs.readFileSync(at(f)));
    assert.match(oneLineError(await cli(['--input', 'allbad.jsonl', '--out', 'older'])), /^error: no record was kept/);
    const files = JSON.parse(fs.readFileSync(at('report.json'), 'utf8')).files as Record<string, { bytes: number; sha256: string }>;
    assert.deepEqual(['train.jsonl', 'val.jsonl', 'test.jsonl'].map((f) => files[f]), splits.map((b) => ({ bytes: b.length, sha256: createHash('sha256').update(b).digest('hex') })));
    assert.equal((await cli(['--input', 'in.jsonl', '--out', 'older'])).status, 0, 'the splits left in place are still its own');
  }
});

test('a prepare killed at any rename of its outputs, then a rerun that keeps nothing: the next prepare takes every file as its own, and a user\'s edit is still refused', async () => {
  // before: killed between the renames, the old report.json was gone and the old splits' record with it; a rerun that
  // kept nothing recorded no split it left, and the next prepare refused the tool's own train.jsonl ("the last prepare
  // run did not write it … so it may be yours")
  const HOOK = path.join(path.dirname(BIN), '..', 'scripts', 'kill-probe', 'hook.ts');
  const probe = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [...TS_LOADER, '--import', runnable(HOOK), BIN, 'prepare', '--quiet', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  writeFiles(dir, { 'walk.jsonl': records(40, 'walk'), 'walk-bad.jsonl': '{bad\n' });
  const out = path.join(dir, 'walked'), earlier = path.join(dir, 'walked-earlier');
  const args = ['--input', 'walk.jsonl', '--out', 'walked', '--seed', '5'];
  assert.equal((await cli(['--input', 'walk.jsonl', '--out', 'walked-earlier'])).status, 0);
  const fresh = () => {
    fs.rmSync(out, { recursive: true, force: true });
    fs.cpSync(earlier, out, { recursive: true });
  };
  fresh();
  const trace = path.join(dir, 'walk-trace.txt');
  fs.rmSync(trace, { force: true });
  assert.equal(probe(args, { MT_PROBE_TRACE: trace }).status, 0);
  // each rename or removal from the first that puts the outputs in place (a record of them written, the old report.json
  // removed, or the first output renamed) on, the lock's release aside: a kill before each leaves another mix
  const lines = fs.readFileSync(trace, 'utf8').split('\n').filter((l) => l !== '' && !l.includes('.mistral-tune.lock'));
  const first = lines.findIndex((l) => /prepare-pending|rmSync \S*report\.json$|renameSync \S*\.rejected\.jsonl\.\d+\.0\.tmp$/.test(l));
  const walk = lines.slice(first).filter((l) => / (renameSync|rmSync) /.test(l)).map((l) => l.split(' ')[0]!);
  assert.ok(first > 0 && walk.length >= 6, lines.join('\n'));
  const train = path.join(out, 'train.jsonl');
  for (const at of walk) {
    fresh();
    assert.equal(probe(args, { MT_PROBE_KILL_AT: at }).signal, 'SIGKILL', `killed at ${at}`);
    // a user's edit made after the kill, whichever train.jsonl is there, old or new, is refused
    const mine = fs.readFileSync(train);
    fs.appendFileSync(train, '{"text": "my own hand-written example"}\n');
    const edited = await cli(args);
    assert.equal(edited.status, 2, `killed at ${at}: the edited train.jsonl was replaced`);
    assert.match(edited.stderr, /walked\/train\.jsonl: changed since the last prepare run wrote it/, `killed at ${at}`);
    fs.writeFileSync(train, mine);
    const keptNothing = await cli(['--input', 'walk-bad.jsonl', '--out', 'walked']);
    assert.match(keptNothing.stderr, /no record was kept/, `killed at ${at}: ${keptNothing.stderr}`);
    const again = await cli(args);
    assert.equal(again.status, 0, `killed at ${at}, then a run that kept nothing: ${again.stderr}`);
  }
});
