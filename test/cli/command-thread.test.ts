// The commands whose work runs on a thread of their own (src/cli/command-thread.ts: train, prepare, quickstart,
// export) behave as they did when it ran on the main thread: a write to stdout or stderr that fails (the reader of a
// pipe gone, a full disk) does not stop the work, whose outputs are all written before the process ends with the
// stream's error (exit 1); a pipe whose reader takes nothing for now (a paused `| less`) does not hold up the work,
// only the process's end; a preload given in NODE_OPTIONS (--import, the only way to give one through the
// mistral-tune command itself) runs on the work's thread, as one given to node does; a note from the work (train
// --dashboard's run folder) is handled while the work waits, so the dashboard's process is not forked while the work is
// inside OpenBLAS, which would leave it hanging; a kept thread whose work ended runs the process's next command, as a
// thread of its own would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadOpenBlas } from '../../src/backend/cpu/openblas.ts';
import { keepCommandThread, runOnThread } from '../../src/cli/command-thread.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const QA = path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl');
const FULL = '/dev/full'; // every write to it fails with ENOSPC, as to a full disk

/** The CLI with its stderr (or stdout) on /dev/full, the other a pipe. */
function withFull(stream: 'stdout' | 'stderr', args: string[], cwd: string) {
  const fd = fs.openSync(FULL, 'w');
  try {
    return spawnSync(process.execPath, [BIN, ...args], {
      cwd, encoding: 'utf8', timeout: 120_000, stdio: ['ignore', stream === 'stdout' ? fd : 'pipe', stream === 'stderr' ? fd : 'pipe'],
    });
  } finally {
    fs.closeSync(fd);
  }
}

const names = (dir: string): string[] => fs.readdirSync(dir).sort();

test('a failed write to stderr does not stop prepare or train: their outputs are all written, --json\'s line too, and the process ends by the write\'s error (exit 1), as on the main thread', { skip: !fs.existsSync(FULL) && `no ${FULL} here`, timeout: 120_000 }, () => {
  const dir = tempDir('mt-thread-full-');
  const prepared = withFull('stderr', ['prepare', '--input', QA, '--out', 'data', '--json'], dir);
  assert.equal(prepared.status, 1);
  assert.equal((JSON.parse(prepared.stdout) as { kept: number }).kept, 1253, 'the --json line, written after the work');
  assert.deepEqual(names(path.join(dir, 'data')), ['rejected.jsonl', 'report.json', 'test.jsonl', 'train.jsonl', 'val.jsonl']);

  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 2', 'eval: {samples: 0}', 'output_dir: run'].join('\n') + '\n');
  const trained = withFull('stderr', ['train', 'c.yaml'], dir);
  assert.equal(trained.status, 1);
  assert.ok(fs.existsSync(path.join(dir, 'run', 'report.json')), 'the run finished');
  assert.deepEqual(names(path.join(dir, 'run')).filter((n) => n.startsWith('.mistral-tune.lock') || n.endsWith('.tmp')), [], 'no lock or temporary left');
});

test('a pipe on stderr that is full, its reader taking nothing for now, does not hold up the work: prepare writes its outputs, and ends once the reader takes what it wrote', { timeout: 120_000 }, async (t) => {
  const dir = tempDir('mt-thread-full-pipe-');
  const fifo = path.join(dir, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) return t.skip('no mkfifo here');
  const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  const writer = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  try {
    for (;;) fs.writeSync(writer, Buffer.alloc(4096, 'x'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
  }
  const child = spawn(process.execPath, [BIN, 'prepare', '--input', QA, '--out', 'data'], { cwd: dir, stdio: ['ignore', 'ignore', writer] });
  fs.closeSync(writer);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const report = path.join(dir, 'data', 'report.json');
  for (const start = Date.now(); !fs.existsSync(report) && Date.now() - start < 60_000;) await new Promise((r) => setTimeout(r, 100));
  const written = fs.existsSync(report);
  let stderr = '';
  const read = (): void => {
    const buf = Buffer.alloc(65536);
    try {
      for (let n; (n = fs.readSync(reader, buf)) > 0;) stderr += buf.toString('utf8', 0, n);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  };
  const reading = setInterval(read, 20);
  const code = await exited;
  clearInterval(reading);
  read();
  fs.closeSync(reader);
  assert.ok(written, 'report.json written while the pipe was full');
  assert.equal(code, 0);
  assert.match(stderr, /wrote data\/\{train,val,test,rejected\}\.jsonl and report\.json/, 'what it wrote came through once read');
});

test('a preload given in NODE_OPTIONS (--import) runs on the work\'s thread too, as one given to node does', { timeout: 60_000 }, () => {
  const dir = tempDir('mt-thread-preload-');
  const preload = path.join(dir, 'preload.mjs');
  fs.writeFileSync(preload, `import { isMainThread } from 'node:worker_threads';\nimport * as fs from 'node:fs';\nfs.writeSync(2, 'preload on ' + (isMainThread ? 'main' : 'thread') + '\\n');\n`);
  // 20 records: where the preload runs does not depend on the data (the whole file took ≈0.7 s of CPU more a run, four runs)
  fs.writeFileSync(path.join(dir, 'qa.jsonl'), fs.readFileSync(QA, 'utf8').split('\n').slice(0, 20).join('\n') + '\n');
  const prepare = ['prepare', '--input', 'qa.jsonl', '--out', 'data', '--quiet', '--overwrite'];
  const lines = (r: ReturnType<typeof spawnSync>): string[] => String(r.stderr).split('\n').filter((l) => l.startsWith('preload on'));
  const flag = spawnSync(process.execPath, ['--import', preload, BIN, ...prepare], { cwd: dir, encoding: 'utf8' });
  assert.equal(flag.status, 0, flag.stderr);
  assert.deepEqual(lines(flag), ['preload on main', 'preload on thread']);
  for (const options of [`--import ${preload}`, `--import="${preload}"`, `--no-warnings --import=${preload}`]) {
    const env = spawnSync(process.execPath, [BIN, ...prepare], { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: options } });
    assert.equal(env.status, 0, env.stderr);
    assert.deepEqual(lines(env), ['preload on main', 'preload on thread'], `NODE_OPTIONS=${options}`);
  }
});

test('a thread started after the process changed folder still runs the preloads, which Node resolved from the folder the process started in (a relative path\'s file)', { timeout: 60_000 }, () => {
  const [start, away] = [tempDir('mt-thread-start-'), tempDir('mt-thread-away-')];
  fs.writeFileSync(path.join(start, 'preload.mjs'), `import { isMainThread } from 'node:worker_threads';\nimport * as fs from 'node:fs';\nfs.writeSync(2, 'preload on ' + (isMainThread ? 'main' : 'thread') + '\\n');\n`);
  fs.writeFileSync(path.join(start, 'qa.jsonl'), fs.readFileSync(QA, 'utf8').split('\n').slice(0, 20).join('\n') + '\n');
  // the CLI's main() in a process that moves to another folder (one without preload.mjs) before the command starts its thread
  const script = `import { main } from ${JSON.stringify(runnable(path.join(ROOT, 'src', 'cli', 'main.ts')))};
process.chdir(${JSON.stringify(away)});
process.exitCode = await main(['prepare', '--input', ${JSON.stringify(path.join(start, 'qa.jsonl'))}, '--out', 'data', '--quiet']);`;
  fs.writeFileSync(path.join(start, 'moves.mjs'), script);
  const r = spawnSync(process.execPath, [...TS_LOADER, '--import', './preload.mjs', 'moves.mjs'], { cwd: start, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('preload on')), ['preload on main', 'preload on thread']);
  assert.ok(fs.existsSync(path.join(away, 'data', 'train.jsonl')), 'the command\'s relative paths are still from the folder it moved to');
});

test('the work waits while its note is handled: a process started there (train --dashboard\'s) is not forked while the work is inside OpenBLAS, whose fork handler stops its threads and leaves that call hanging', { skip: !loadOpenBlas() && 'no OpenBLAS here', timeout: 120_000 }, () => {
  const script = `import { spawn } from 'node:child_process';
import { runOnThread } from ${JSON.stringify(runnable(path.join(ROOT, 'src', 'cli', 'command-thread.ts')))};
const done = await runOnThread(${JSON.stringify(runnable(path.join(ROOT, 'test', 'cli', 'gemms-and-notes.ts')))}, 'gemmsAndNotes', 150, {
  onNote: () => { spawn('true', { stdio: 'ignore' }); }, onStop: () => {},
});
process.stdout.write(String(done));`;
  const file = path.join(tempDir('mt-thread-note-'), 'notes.mjs'); // plain JavaScript: Node 20 runs no .mts without tsx
  fs.writeFileSync(file, script);
  // OpenBLAS's threads are what a fork leaves hanging: two, whatever OPENBLAS_NUM_THREADS npm test gives its files
  const r = spawnSync(process.execPath, [...TS_LOADER, file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', env: { ...process.env, OPENBLAS_NUM_THREADS: '2' } });
  assert.equal(r.signal, null, 'it hung: a process forked while the work was in OpenBLAS');
  assert.equal(r.stdout, '150', r.stderr);
});

test('a command\'s thread ends with its work, what Node wrote after it (a warning) said first; kept (keepCommandThread), it runs the next command, also once its work set the process\'s own environment (OpenBLAS\'s core)', { timeout: 60_000 }, () => {
  const script = `import { keepCommandThread, runOnThread } from ${JSON.stringify(runnable(path.join(ROOT, 'src', 'cli', 'command-thread.ts')))};
const work = ${JSON.stringify(runnable(path.join(ROOT, 'test', 'cli', 'thread-work.ts')))}, hooks = { onStop: () => {} };
const ids = [await runOnThread(work, 'nodeWarning', null, hooks), await runOnThread(work, 'nodeWarning', null, hooks)];
keepCommandThread();
ids.push(await runOnThread(work, 'openBlas', null, hooks), await runOnThread(work, 'nodeWarning', null, hooks));
process.stdout.write(JSON.stringify(ids));`;
  const file = path.join(tempDir('mt-thread-keep-'), 'keep.mjs'); // plain JavaScript: Node 20 runs no .mts without tsx
  fs.writeFileSync(file, script);
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  const r = spawnSync(process.execPath, [...TS_LOADER, file], { cwd: ROOT, encoding: 'utf8', timeout: 50_000, env });
  assert.equal(r.status, 0, r.stderr);
  const [a, b, c, d] = JSON.parse(r.stdout) as number[];
  assert.ok(a !== b && b !== c, `a thread a command where none is kept: ${r.stdout}`);
  assert.equal(d, c, 'the kept thread runs the next command, though its work set OPENBLAS_CORETYPE in the process\'s environment');
  assert.equal(r.stderr.match(/Warning: a planted Node warning/g)?.length, 3, `each said, kept or not: ${r.stderr}`);
});

test('a kept thread whose work ended runs the process\'s next command, which says its once-only warnings again; one whose work failed with a user error too; a changed environment, or a bug (in the work or after it), gets a new thread', async () => {
  const work = runnable(path.join(ROOT, 'test', 'cli', 'thread-work.ts'));
  const hooks = { onStop: () => {} };
  keepCommandThread(); // as the tests' in-process CLI does (in-process-cli.ts)
  const said: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: []) => (typeof chunk === 'string' ? (said.push(chunk), true) : write(chunk, ...rest))) as typeof process.stderr.write;
  try {
    const first = await runOnThread<number>(work, 'warnOnceTwice', null, hooks);
    assert.notEqual(first, 0, 'not this thread');
    assert.equal(await runOnThread<number>(work, 'warnOnceTwice', null, hooks), first, 'the same thread');
    assert.deepEqual(said, ['warning: a once-only warning\n', 'warning: a once-only warning\n'], 'said once by each command');
    await assert.rejects(runOnThread(work, 'refuse', 'no such file', hooks), (e) => isUserError(e) && e.message === 'no such file');
    assert.equal(await runOnThread<number>(work, 'warnOnceTwice', null, hooks), first, 'the same thread after a user error');
    process.env.MT_THREAD_TEST = '1'; // a thread's process.env is a copy of the process's when it started
    let changed: number;
    try {
      changed = await runOnThread<number>(work, 'warnOnceTwice', null, hooks);
    } finally {
      delete process.env.MT_THREAD_TEST;
    }
    assert.notEqual(changed, first, 'a new thread where the environment changed');
    await assert.rejects(runOnThread(work, 'crash', null, hooks), /a planted bug/);
    const after = await runOnThread<number>(work, 'warnOnceTwice', null, hooks);
    assert.ok(after !== first && after !== changed, 'a new thread after the bug ended the last');
    said.length = 0;
    assert.equal(await runOnThread<number>(work, 'failLater', null, hooks), after);
    for (const start = Date.now(); said.length === 0 && Date.now() - start < 10_000;) await new Promise((r) => setTimeout(r, 20));
    assert.match(said.join(''), /^warning: the command thread failed after its work had ended \(a bug\): Error: a planted late bug/, 'said, not lost');
    assert.notEqual(await runOnThread<number>(work, 'warnOnceTwice', null, hooks), after, 'a new thread after the late bug');
  } finally {
    process.stderr.write = write;
  }
});
