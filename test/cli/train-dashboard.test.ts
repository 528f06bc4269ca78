// train --dashboard: the dashboard of the run is served while it trains and after, until SIGINT — also one sent
// before the dashboard serves, which stops it with the run. Those trains are processes of their own (signalled, their
// dashboard a child process the test fetches from); the refused --port values run through main() in this process
// (in-process-cli.ts: the same exit status and stderr), where a process each cost ~1 CPU-s of start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { cli } from './in-process-cli.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');

test('train --dashboard serves the run, then stops on SIGINT; --resume --dashboard of the complete run serves it as it is', { timeout: 90_000 }, async () => {
  const { dir, config } = configDir();
  await servedUntilSigint([config], (stderr) => stderr.includes('training finished'));
  const run = path.join(dir, 'run');
  const stderr = await servedUntilSigint([run, '--resume'], (s) => s.includes('keeps serving'));
  assert.match(stderr, /^run .* is already complete \(step 3 of 3\); nothing to do\n/);
  assert.doesNotMatch(stderr, /training finished/, 'nothing was trained');
  assert.match(stderr, /nothing trained \(the run is complete\); the dashboard keeps serving until Ctrl-C/);
});

/** Runs `train ARGS --dashboard --port 0`, fetches its dashboard once `ready(stderr)`, stops it by SIGINT (exit 0); its stderr. */
async function servedUntilSigint(args: string[], ready: (stderr: string) => boolean): Promise<string> {
  const child = spawn(process.execPath, [BIN, 'train', ...args, '--dashboard', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll);
      child.kill('SIGKILL');
      reject(new Error(`no dashboard URL:\n${stderr}`));
    }, 30_000);
    const poll = setInterval(() => {
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m && ready(stderr)) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]!);
      }
    }, 50);
  });
  const page = await fetch(url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /mistral-tune dashboard/);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  await assert.rejects(fetch(url), 'the dashboard process stopped with the run');
  return stderr;
}

/** A folder with a 3-step config whose run goes to ./run. */
function configDir(): { dir: string; config: string } {
  const dir = tempDir('mt-train-dash-');
  fs.copyFileSync(path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl'), path.join(dir, 'train.jsonl'));
  fs.writeFileSync(path.join(dir, 'c.yaml'), `model: ${TINY_BASE}\ndata: {train: train.jsonl}\nmax_steps: 3\nbatch_size: 1\neval: {samples: 0}\noutput_dir: run\n`);
  return { dir, config: path.join(dir, 'c.yaml') };
}

/** A port held by a listening server of this test process until `close`. */
async function heldPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('train --dashboard with a bad --port, or one in use, exits 2 in one line before making the run folder', async () => {
  const { dir, config } = configDir();
  for (const [port, dry] of [['abc', false], ['99999', false], ['-1', true], ['abc', true]] as const) {
    const r = await cli(['train', config, '--dashboard', '--port', port, ...(dry ? ['--dry-run'] : [])]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `error: --port must be an integer from 0 to 65535 (0: any free port), got "${port}"\n`);
  }
  const held = await heldPort();
  try {
    // held by this process: the check binds the port as a process of its own would, and is refused the same
    const r = await cli(['train', config, '--dashboard', '--port', String(held.port)]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `error: port ${held.port} on 127.0.0.1 is already in use; choose another with --port, or --port 0 for any free one\n`);
  } finally {
    await held.close();
  }
  assert.equal(fs.existsSync(path.join(dir, 'run')), false, 'no run folder was made');
});

test('train --dashboard whose dashboard stops early says so, and not that it keeps serving', { timeout: 60_000 }, async () => {
  const { dir, config } = configDir();
  const free = await heldPort();
  await free.close();
  const child = spawn(process.execPath, [BIN, 'train', config, '--dashboard', '--port', String(free.port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let held: Awaited<ReturnType<typeof heldPort>> | null = null;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    // the port was free when train checked it; taken while the model loads, before the dashboard starts
    if (held === null && /^data\.train/m.test(stderr)) {
      held = { port: free.port, close: async () => {} };
      const server = net.createServer().listen(free.port, '127.0.0.1');
      held.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  await (held as { close: () => Promise<void> } | null)?.close();
  assert.ok(held !== null, stderr);
  assert.equal(code, 1, stderr);
  assert.match(stderr, /already in use/);
  assert.match(stderr, /the dashboard stopped early \(exit code 2; its error is above\), so nothing serves this run/);
  assert.doesNotMatch(stderr, /keeps serving/);
  assert.ok(fs.existsSync(path.join(dir, 'run', 'adapter')), 'the training itself finished');
});

test('train --dashboard stopped by SIGINT once trained but before its dashboard serves stops the dashboard too: exit 0, nothing written after', { timeout: 60_000 }, async () => {
  const { code, after, stderr } = await stoppedAtRunDirectory('SIGINT');
  assert.equal(code, 0, stderr);
  assert.equal(after, '', 'nothing from the dashboard after the train exited');
});

test('train --dashboard killed (SIGKILL) before its dashboard serves: the dashboard, told of it by its closed channel, stops without a stack trace', { timeout: 60_000 }, async () => {
  const { after, stderr } = await stoppedAtRunDirectory('SIGKILL');
  assert.doesNotMatch(after, /Error|\n\s+at /, stderr);
});

/** train --dashboard sent `signal` once it says its run directory (its thread done): its exit code, its stderr, and what came on it once it had exited (the dashboard's, which shares it) until the dashboard was gone too. */
async function stoppedAtRunDirectory(signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string; after: string }> {
  const { config } = configDir();
  const child = spawn(process.execPath, [BIN, 'train', config, '--dashboard', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let after: string | null = null;
  let sent = false;
  child.stderr.on('data', (d: Buffer) => {
    if (after !== null) after += d.toString();
    stderr += d.toString();
    // the run's thread is done; the dashboard, started as the run began, mostly takes longer to serve than 3 steps take
    if (!sent && /^run directory: /m.test(stderr)) sent = child.kill(signal);
  });
  const closed = new Promise((resolve) => child.stderr.once('close', resolve)); // the dashboard, holding the same pipe, is gone too
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => { after = ''; resolve(c); }));
  await closed;
  return { code, stderr, after: after ?? '' };
}
