// The quickstart's folder: anything it did not make is refused (even with --overwrite), an earlier complete
// quickstart is replaced only with --overwrite, and an interrupted one is marked unfinished, never taken
// for complete, and replaced by the next quickstart. The refusals run through main() in this process (in-process-cli.ts:
// the same exit status and stderr; cliIn from a folder, for the runs from inside the quickstart's folder), where a process
// each cost ~1 CPU-s of start-up; a FIFO (a read that blocked would hang this process), the preloaded kill and every
// quickstart that is killed are real CLI processes.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';
import { cli, cliIn } from './in-process-cli.ts';
import { copyShippedModel, SHIPPED_MODEL } from '../../src/quickstart.ts';
import { exportHoldName } from '../../src/train/run-lock.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const MARKER = '.mistral-tune-quickstart';
const tmp = (): string => tempDir('mt-qsfolder-');
/** A quickstart that is to be refused, through main() in this process (one that is not refused trains for a minute). */
async function quickstart(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const r = await cli(['quickstart', '--epochs', '1', ...args]);
  return { status: r.code, stderr: r.err };
}

test('the quickstart refuses a folder it did not make, even one with only a data/ in it, even with --overwrite', async () => {
  const out = tmp();
  fs.mkdirSync(path.join(out, 'data'));
  fs.writeFileSync(path.join(out, 'data', 'mine.jsonl'), '{"text": "mine"}\n');
  for (const extra of [[], ['--overwrite']]) {
    const r = await quickstart(['--out', out, ...extra]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*other files that the quickstart did not make \(data\)/m);
  }
  assert.deepEqual(fs.readdirSync(out), ['data']);
  assert.equal(fs.readFileSync(path.join(out, 'data', 'mine.jsonl'), 'utf8'), '{"text": "mine"}\n');
});

test('a FIFO where the quickstart\'s marker goes is no marker: refused in one line, not read forever', () => {
  const out = tmp();
  fs.mkdirSync(path.join(out, 'model'));
  execFileSync('mkfifo', [path.join(out, MARKER)]);
  // a process of its own, bounded: a marker read as a file would wait on the FIFO for ever
  const r = spawnSync(process.execPath, [BIN, 'quickstart', '--epochs', '1', '--out', out, '--overwrite'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*other files that the quickstart did not make/m);
});

test('the quickstart refuses --out under a file in one line (exists and is not a folder, ENOTDIR), not with a stack trace', async () => {
  const dir = tmp();
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  for (const out of [path.join(dir, 'notes.txt'), path.join(dir, 'notes.txt', 'qs')]) {
    const r = await quickstart(['--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^error: .*notes\.txt.*: (exists and is not a folder: give another --out|cannot use as the run folder: a path component is not a folder \(ENOTDIR\))\n$/);
  }
  assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
});

test('an earlier, complete quickstart is replaced only with --overwrite', async () => {
  const out = tmp();
  fs.mkdirSync(path.join(out, 'run'));
  fs.writeFileSync(path.join(out, MARKER), JSON.stringify({ format: 'mistral-tune quickstart', complete: true }));
  const r = await quickstart(['--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*holds an earlier quickstart: pass --overwrite/m);
  assert.ok(fs.existsSync(path.join(out, 'run')));
});

/** Starts a quickstart into `out` (with `extra` flags) and kills it once `until` matches its stderr; returns that stderr. */
async function interrupted(out: string, until: RegExp, extra: string[] = []): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'quickstart', '--epochs', '1', '--out', out, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`never saw ${until}:\n${stderr}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (until.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`exited early (${child.exitCode}):\n${stderr}`)); });
  }).finally(() => child.kill('SIGKILL'));
  await exited;
  return stderr;
}

test('an interrupted quickstart is marked unfinished, and the next quickstart replaces it', { timeout: 150_000 }, async () => {
  const out = path.join(tmp(), 'qs');
  await interrupted(out, /^memory: /m); // in the run: its folder made
  assert.ok(fs.existsSync(path.join(out, 'model')), 'it was killed after writing the model');
  assert.equal(fs.existsSync(path.join(out, 'run', 'report.json')), false);
  const marker = JSON.parse(fs.readFileSync(path.join(out, MARKER), 'utf8')) as { complete: boolean; files: string[]; writing: string };
  assert.equal(marker.complete, false);
  assert.equal(marker.writing, 'run', 'it stopped in the run');
  assert.ok(marker.files.includes('model/model.safetensors') && marker.files.includes('data/train.jsonl'), marker.files.join(' '));
  // a file of the user's in the run folder of the interrupted quickstart is not replaced with it
  fs.writeFileSync(path.join(out, 'run', 'notes.txt'), 'mine\n');
  const refused = await quickstart(['--out', out]);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /^error: .*other files that the quickstart did not make \(run\/notes\.txt\)/m);
  assert.equal(fs.readFileSync(path.join(out, 'run', 'notes.txt'), 'utf8'), 'mine\n');
  fs.rmSync(path.join(out, 'run', 'notes.txt'));
  const again = await interrupted(out, /== 1\. model/);
  assert.match(again, /replacing the unfinished \(interrupted\) quickstart in /);
});

test('--overwrite killed while it clears the earlier quickstart leaves the folder marked: the next --overwrite takes it', { timeout: 120_000 }, async () => {
  const out = path.join(tmp(), 'qs');
  for (const d of ['model', 'data', 'run']) fs.mkdirSync(path.join(out, d), { recursive: true });
  fs.writeFileSync(path.join(out, 'run', 'report.json'), '{}\n');
  fs.writeFileSync(path.join(out, MARKER), JSON.stringify({ format: 'mistral-tune quickstart', complete: true, files: ['model', 'data', 'run', 'run/report.json'] }));
  // killed at the last step of clearing it, the removal of its emptied folders (the marker went before them)
  const KILL_AT_REMOVE = path.join(FIXTURES, '..', 'train', 'kill-at-remove.ts');
  const killed = spawnSync(process.execPath, [...TS_LOADER, '--import', runnable(KILL_AT_REMOVE), BIN, 'quickstart', '--epochs', '1', '--out', out, '--overwrite'],
    { encoding: 'utf8', env: { ...process.env, MT_KILL_AT_REMOVE: '[/\\\\]qs[/\\\\](model|data|run)$' }, timeout: 20_000 });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  assert.ok(fs.existsSync(path.join(out, MARKER)), 'still marked as the quickstart\'s');
  const again = await interrupted(out, /== 1\. model/, ['--overwrite']);
  assert.match(again, /replacing the earlier quickstart in /);
});

test('--overwrite removes only what a quickstart makes: a marked folder with other files, or holding the current directory, is refused', async () => {
  const out = tmp();
  fs.mkdirSync(path.join(out, 'mywork'));
  fs.writeFileSync(path.join(out, 'NOTES.md'), 'mine\n');
  fs.writeFileSync(path.join(out, MARKER), JSON.stringify({ format: 'mistral-tune quickstart', complete: true }));
  const r = await cliIn(path.join(out, 'mywork'), ['quickstart', '--epochs', '1', '--out', '..', '--overwrite']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^error: .*other files that the quickstart did not make \((mywork, NOTES\.md|NOTES\.md, mywork)\)/m);
  assert.equal(fs.readFileSync(path.join(out, 'NOTES.md'), 'utf8'), 'mine\n');
  assert.ok(fs.existsSync(path.join(out, 'mywork')));
  // its own entries only, but run from inside it: refused too
  fs.rmSync(path.join(out, 'NOTES.md'));
  fs.renameSync(path.join(out, 'mywork'), path.join(out, 'run'));
  const inside = await cliIn(path.join(out, 'run'), ['quickstart', '--epochs', '1', '--out', '..', '--overwrite']);
  assert.equal(inside.status, 2, inside.stderr);
  assert.match(inside.stderr, /^error: .*holds the current directory/m);
  assert.ok(fs.existsSync(path.join(out, 'run')));
});

test('--overwrite refuses a quickstart folder with a file of the user in any of its subfolders, naming it', { timeout: 120_000 }, async () => {
  // a complete quickstart as its marker records it (the manifest of what it wrote)
  const out = tmp();
  const files = ['model', 'model/config.json', 'data', 'data/train.jsonl', 'run', 'run/metrics.jsonl', 'run/adapter', 'run/adapter/adapter_config.json'];
  for (const f of files) {
    if (path.extname(f)) fs.writeFileSync(path.join(out, f), '{}\n');
    else fs.mkdirSync(path.join(out, f));
  }
  fs.writeFileSync(path.join(out, MARKER), JSON.stringify({ format: 'mistral-tune quickstart', complete: true, files, writing: null }));
  const cases: Array<[string, string]> = [['run/notes.txt', 'run/notes.txt'], ['data/mine/rows.jsonl', 'data/mine'], ['run/adapter/README.md', 'run/adapter/README.md']];
  for (const [put, named] of cases) {
    fs.mkdirSync(path.dirname(path.join(out, put)), { recursive: true });
    fs.writeFileSync(path.join(out, put), 'mine\n');
    const r = await quickstart(['--out', out, '--overwrite']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: .*other files that the quickstart did not make \\(${named.replaceAll('.', '\\.')}\\): give an empty or new folder$`, 'm'));
    assert.equal(fs.readFileSync(path.join(out, put), 'utf8'), 'mine\n');
    fs.rmSync(path.join(out, named), { recursive: true });
  }
  // with only what it recorded, the earlier quickstart is replaced
  await interrupted(out, /replacing the earlier quickstart in /, ['--overwrite']);
});

/** A complete quickstart's folder (model/, data/, run/ as its marker records them), and a live process to name as a lock's holder (killed after the test). */
async function completeQuickstartAndProcess(t: TestContext): Promise<{ out: string; other: ChildProcess }> {
  const out = tmp();
  const files = ['model', 'model/config.json', 'data', 'data/train.jsonl', 'run', 'run/metrics.jsonl'];
  for (const f of files) {
    if (path.extname(f)) fs.writeFileSync(path.join(out, f), '{}\n');
    else fs.mkdirSync(path.join(out, f));
  }
  fs.writeFileSync(path.join(out, MARKER), JSON.stringify({ format: 'mistral-tune quickstart', complete: true, files, writing: null }));
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => { other.kill('SIGKILL'); });
  await new Promise((r) => other.once('spawn', r));
  return { out, other };
}

test('a train running in the quickstart\'s run/ refuses --overwrite naming its process; a lock left by a killed one is taken over, not named as a file of the user', { timeout: 120_000 }, async (t) => {
  // before: either lock was "other files that the quickstart did not make (run/.mistral-tune.lock)"
  const { out, other } = await completeQuickstartAndProcess(t);
  const lock = path.join(out, 'run', '.mistral-tune.lock');
  const owner = (pid: number): string => JSON.stringify({ pid, host: os.hostname(), started: '2026-12-05T12:00:00.000Z' }) + '\n';
  fs.writeFileSync(lock, owner(other.pid!));
  const r = await quickstart(['--out', out, '--overwrite']);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `error: ${path.join(out, 'run')}: the quickstart's run/ folder is in use by process ${other.pid} on ${os.hostname()} ` +
    `(since 2026-12-05T12:00:00.000Z): wait for it to finish, or give another --out; if process ${other.pid} is not mistral-tune, delete ${lock}\n`);
  assert.equal(fs.readFileSync(lock, 'utf8'), owner(other.pid!), 'the running train\'s lock is as it was');
  // without --overwrite the earlier quickstart is refused first, the lock left as it is
  const plain = await quickstart(['--out', out]);
  assert.match(plain.stderr, /^error: .*holds an earlier quickstart: pass --overwrite/m);
  assert.equal(fs.readFileSync(lock, 'utf8'), owner(other.pid!));
  other.kill('SIGKILL');
  await new Promise((r) => other.once('exit', r));
  // its process gone, the lock is taken over (said) and the quickstart replaces the folder
  const stderr = await interrupted(out, /replacing the earlier quickstart in /, ['--overwrite']);
  assert.match(stderr, new RegExp(`^warning: ${path.join(out, 'run').replaceAll('.', '\\.')}: took over the quickstart's run/ folder's stale lock \\(\\.mistral-tune\\.lock\\)`, 'm'));
});

test('an interrupted quickstart whose run folder holds a file of the user inside train\'s own folders is refused, naming it', async () => {
  // stopped in the run stage: what is in run/ is judged by what train writes there, at every depth
  const out = tmp();
  const files = ['model', 'model/config.json', 'data', 'data/train.jsonl'];
  const run = ['run/.mistral-tune-run', 'run/metrics.jsonl', 'run/adapter/adapter_config.json', 'run/checkpoints/step-0000010/trainer_state.json'];
  for (const f of [...files.filter((f) => path.extname(f)), ...run]) {
    fs.mkdirSync(path.dirname(path.join(out, f)), { recursive: true });
    fs.writeFileSync(path.join(out, f), '{}\n');
  }
  fs.writeFileSync(path.join(out, 'run', 'config.yaml'), 'method: lora\n'); // which weights folders are train's (adapter/ and best/)
  fs.writeFileSync(path.join(out, MARKER), JSON.stringify({ format: 'mistral-tune quickstart', complete: false, files, writing: 'run' }));
  for (const put of ['run/adapter/notes.md', 'run/checkpoints/step-0000010/eval.txt']) {
    fs.writeFileSync(path.join(out, put), 'mine\n');
    const r = await quickstart(['--out', out]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: .*other files that the quickstart did not make \\(${put.replaceAll('.', '\\.')}\\): give an empty or new folder$`, 'm'));
    assert.equal(fs.readFileSync(path.join(out, put), 'utf8'), 'mine\n');
    fs.rmSync(path.join(out, put));
  }
});

test('a full disk while the quickstart copies its model is one line naming the file (exit 2), not fs.cpSync\'s stack trace', async (t) => {
  // a real 1 MiB tmpfs (the model's files are 17 MB): fs.cpSync's copies are native, so no preload can fail their writes
  const disk = tmp();
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { encoding: 'utf8' });
  if (m.status !== 0) return t.skip(`mount -t tmpfs not permitted here (${(m.stderr || String(m.error)).trim()})`);
  t.after(() => { spawnSync('umount', [disk]); });
  const out = path.join(disk, 'qs');
  const r = await quickstart(['--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^error: ${out.replaceAll('/', '\\/')}\\/model\\/[\\w.]+: cannot write: no space left on device \\(ENOSPC\\)$`, 'm'));
  assert.doesNotMatch(r.stderr, /\n {4}at /);
});

test('a quickstart running in --out refuses a second naming its process and --out (it said "choose another output_dir", a key of train\'s config)', async (t) => {
  const out = tmp();
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  t.after(() => { other.kill('SIGKILL'); });
  await new Promise((r) => other.once('spawn', r));
  const lock = path.join(out, '.mistral-tune.lock');
  fs.writeFileSync(lock, JSON.stringify({ pid: other.pid, host: os.hostname(), started: '2026-12-05T12:00:00.000Z' }) + '\n');
  const r = await quickstart(['--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `error: ${out}: the quickstart folder is in use by process ${other.pid} on ${os.hostname()} ` +
    `(since 2026-12-05T12:00:00.000Z): wait for it to finish, or give another --out; if process ${other.pid} is not mistral-tune, delete ${lock}\n`);
});

test('the quickstart\'s copy of its model is on disk before its marker says so: every file copied and its folders fsynced', () => {
  const out = tmp(), model = path.join(out, 'model');
  const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
  const original = cjsFs.fsyncSync;
  const synced = new Set<string>(); // device:inode of what was fsynced
  cjsFs.fsyncSync = (fd: number) => {
    const st = fs.fstatSync(fd);
    synced.add(`${st.dev}:${st.ino}`);
    original(fd);
  };
  syncBuiltinESMExports();
  try {
    copyShippedModel(model);
  } finally {
    cjsFs.fsyncSync = original;
    syncBuiltinESMExports();
  }
  const id = (p: string) => { const st = fs.statSync(p); return `${st.dev}:${st.ino}`; };
  const copied = fs.readdirSync(model);
  assert.deepEqual(copied.sort(), ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  // fs.cpSync fsynced none of them: a power cut after the marker could leave an empty model.safetensors in a "complete" quickstart
  assert.deepEqual([...copied, '.', '..'].filter((f) => !synced.has(id(path.join(model, f)))), []);
  for (const f of copied) assert.ok(fs.readFileSync(path.join(model, f)).equals(fs.readFileSync(path.join(SHIPPED_MODEL, f))), f);
});

test('an export\'s hold in the quickstart\'s run/ is judged by whose it is: a live one refuses --overwrite naming the export, one its killed export left is removed, neither named as a file of the user', { timeout: 120_000 }, async (t) => {
  // before: "other files that the quickstart did not make (run/.mistral-tune.lock.export-…)" for both, where the
  // run folder's own lock was judged by its process (exports place a hold of their own since run-lock.ts acquireExportHold)
  const { out, other } = await completeQuickstartAndProcess(t);
  const hold = path.join(out, 'run', exportHoldName('merged'));
  const owner = JSON.stringify({ pid: other.pid, host: os.hostname(), started: '2026-12-05T12:00:00.000Z', out: 'merged' }) + '\n';
  fs.writeFileSync(hold, owner);
  const r = await quickstart(['--out', out, '--overwrite']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`^error: .*is in use by process ${other.pid} .*exporting into merged\\)`, 'm'));
  assert.equal(fs.readFileSync(hold, 'utf8'), owner, 'the running export\'s hold is as it was');
  other.kill('SIGKILL');
  await new Promise((r) => other.once('exit', r));
  const stderr = await interrupted(out, /replacing the earlier quickstart in /, ['--overwrite']);
  assert.doesNotMatch(stderr, /did not make/);
  assert.ok(!fs.existsSync(hold), 'the dead export\'s hold is removed');
});

test('the quickstart copies its model wherever the package is installed: a folder above it named recipes/ is not the model\'s recipe', () => {
  // before: copiesFromModel judged the absolute path, so under ~/recipes/ (or /srv/recipe-app/) every file held "/recipe" and none was copied
  const root = tmp(), model = path.join(root, 'recipes', 'mistral-tune-tiny'), out = path.join(root, 'qs', 'model');
  fs.mkdirSync(path.join(model, 'recipe'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'README.md', 'recipe/train.yaml']) fs.writeFileSync(path.join(model, f), `${f}\n`);
  copyShippedModel(out, model);
  assert.deepEqual(fs.readdirSync(out).sort(), ['config.json', 'tokenizer.json']);
  assert.equal(fs.readFileSync(path.join(out, 'config.json'), 'utf8'), 'config.json\n');
});
