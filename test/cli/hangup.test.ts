// A terminal's hangup (SIGHUP). A train writing to the terminal stops as on Ctrl-C: what it was writing and its lock
// removed, the process ended by the signal (129 in a shell), `train --resume` then finishing the run. A train started
// detached from its terminal (stdout and stderr not a terminal, as nohup starts it) goes on and finishes, saying so:
// Node sets nohup's ignored SIGHUP back to its default at startup, so before, `nohup mistral-tune train` died with the
// terminal; with --dashboard, its dashboard process (which the hangup reaches too) adds no line of its own. Real
// processes, each sending itself SIGHUP at a chosen write (test/export/signal-at-write.cjs); the terminal is a
// pseudo-terminal of util-linux's `script`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, TINY_BASE, SCRIPT_BIN } from '../helpers.ts';
import { shellWord } from '../../src/util/shell-quote.ts';
import { tempDir } from '../temp-dir.ts';
import { leftovers } from './leftovers.ts';
import { cliIn } from './in-process-cli.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const HOOK = path.join(ROOT, 'test', 'export', 'signal-at-write.cjs');
const AT_ADAPTER = '/\\.tmp-adapter-';

/** A tiny LoRA run's config in a new folder: 4 steps, a checkpoint every 2. */
function tinyRun(): { dir: string; cfg: string } {
  const dir = tempDir('mt-hangup-');
  fs.writeFileSync(path.join(dir, 'train.jsonl'), Array.from({ length: 6 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 14, 20 + i, 7] })).join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'c.yaml'), [`model: ${TINY_BASE}`, 'data: {train: train.jsonl, val: train.jsonl}', 'lora: {r: 2}', 'batch_size: 2',
    'max_steps: 4', 'eval: {every_steps: 2, samples: 0}', 'checkpoint: {every_steps: 2}', 'output_dir: run'].join('\n') + '\n');
  return { dir, cfg: path.join(dir, 'c.yaml') };
}


test('SIGHUP to a train writing to a terminal stops it as Ctrl-C does: exit status 129, no temporary or lock left; --resume finishes the run', { skip: SCRIPT_BIN ? false : 'util-linux `script` (a pseudo-terminal) is not installed', timeout: 120_000 }, async () => {
  const { dir, cfg } = tinyRun();
  const command = `${shellWord(process.execPath)} --require ${shellWord(HOOK)} ${shellWord(BIN)} train ${shellWord(cfg)}; echo "exit-status=$?"`;
  const r = spawnSync(SCRIPT_BIN!, ['-qec', command, '/dev/null'], {
    cwd: dir, encoding: 'utf8', timeout: 100_000, env: { ...process.env, MT_SIGNAL_AT: AT_ADAPTER, MT_SIGNAL: 'HUP' },
  });
  assert.match(r.stdout, /exit-status=129/, r.stdout + r.stderr);
  const run = path.join(dir, 'run');
  assert.deepEqual(leftovers(run), [], 'the adapter\'s temporary folder and the lock are removed');
  assert.equal(fs.existsSync(path.join(run, 'adapter')), false);
  const resumed = await cliIn(dir, ['train', cfg, '--resume']); // no terminal nor hangup: main() in this process
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(fs.existsSync(path.join(run, 'adapter', 'adapter_model.safetensors')));
});

test('SIGHUP to a train whose stdout and stderr are files (as under nohup) is ignored with one line saying so: the run finishes', { timeout: 120_000 }, () => {
  const { dir, cfg } = tinyRun();
  // the write held 1 s (not the hook's 20): the hangup comes and is answered while the adapter is being written
  const r = spawnSync(process.execPath, ['--require', HOOK, BIN, 'train', cfg], {
    cwd: dir, encoding: 'utf8', timeout: 100_000, env: { ...process.env, MT_SIGNAL_AT: AT_ADAPTER, MT_SIGNAL: 'HUP', MT_SIGNAL_HOLD_MS: '1000' },
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: hangup \(SIGHUP\) ignored: stdout and stderr are not a terminal \(as under nohup\), so this goes on; stop it with kill \d+ \(SIGTERM\)/);
  const run = path.join(dir, 'run');
  assert.deepEqual(leftovers(run), []);
  assert.ok(fs.existsSync(path.join(run, 'adapter', 'adapter_model.safetensors')));
  assert.ok(fs.existsSync(path.join(run, 'report.json')));
});

test('a hangup to a detached train --dashboard and its dashboard (one process group, as a terminal\'s hangup reaches them) is ignored with one line, naming the train\'s process', { timeout: 120_000 }, async (t) => {
  const { dir, cfg } = tinyRun();
  const child = spawn(process.execPath, [BIN, 'train', cfg, '--dashboard'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  t.after(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const seen = (re: RegExp): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => { if (re.test(stderr)) resolve(); };
    child.stderr.on('data', check);
    child.once('exit', () => reject(new Error(`exited before ${re}:\n${stderr}`)));
    check();
  });
  await seen(/the dashboard keeps serving until Ctrl-C/);
  process.kill(-child.pid!, 'SIGHUP');
  await seen(/hangup \(SIGHUP\) ignored/);
  await new Promise((r) => setTimeout(r, 1500)); // the dashboard's line, if it says one, comes by then
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.deepEqual(stderr.match(/^warning: hangup.*$/gm), [`warning: hangup (SIGHUP) ignored: stdout and stderr are not a terminal (as under nohup), so this goes on; stop it with kill ${child.pid} (SIGTERM)`]);
});
