// mistral-tune dashboard as a process: prints its URL on stderr, serves the run, stops cleanly on SIGINT;
// bad arguments are one-line errors with exit status 2 (through main() in this process: cliIn, a process each cost
// ~1 CPU-s of start-up for a refusal).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rawRequest, RUN_CLS, RUN_GEN, tempRuns } from './helpers.ts';
import { cliIn } from '../cli/in-process-cli.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mistral-tune.js');

test('dashboard RUN_DIR... --port 0 prints the URL, serves, and exits 0 on SIGINT', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, [BIN, 'dashboard', RUN_GEN, RUN_CLS, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      stderr += c;
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
  });
  assert.match(stderr, /run 0: .*dashboard-run\n/);
  const snapshot = (await (await fetch(new URL('/api/snapshot', url))).json()) as Array<{ type: string; data: { runs?: Array<{ name: string }> } }>;
  assert.deepEqual(snapshot[0]!.data.runs!.map((r) => r.name), ['dashboard-run', 'dashboard-run-cls']);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
});

test('dashboard with bad arguments exits 2 with a one-line error', async () => {
  const run = (...args: string[]) => cliIn(path.dirname(BIN), ['dashboard', ...args]);
  const missing = await run('/nonexistent/run');
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'error: /nonexistent/run: no such run directory\n');
  const throughFile = await run(path.join(RUN_GEN, 'metrics.jsonl', 'run')); // a path through a file (ENOTDIR)
  assert.equal(throughFile.status, 2, throughFile.stderr);
  assert.equal(throughFile.stderr, `error: ${path.join(RUN_GEN, 'metrics.jsonl', 'run')}: no such run directory\n`);
  const port = await run(RUN_GEN, '--port', 'abc');
  assert.equal(port.status, 2);
  assert.match(port.stderr, /--port must be an integer from 0 to 65535 \(0: any free port\), got "abc"/);
  const withPort = await run(RUN_GEN, '--allow-host', 'mybox.lan:8765');
  assert.equal(withPort.status, 2);
  assert.equal(withPort.stderr, 'error: --allow-host: "mybox.lan:8765" has a port; give the name alone (mybox.lan): the Host check compares names, whatever the port\n');
  // before: "warning: dashboard: listening on a b, …", then a failure to listen
  const spaced = await run(RUN_GEN, '--host', 'a b');
  assert.equal(spaced.status, 2);
  assert.equal(spaced.stderr, 'error: --host: "a b" is no address or host name: give one such as 127.0.0.1 (this machine only), 0.0.0.0 (every network) or ::1\n');
  const none = await run(); // cwd bin/ has no runs/ folder
  assert.equal(none.status, 2);
  // before: "none found under ./runs", as if the folder were there and empty
  assert.equal(none.stderr, 'error: no run directories given, and there is no ./runs folder here: give a run folder (the output_dir of a train run), or train one first\n');
  const help = await run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--host H/);
});

test('dashboard --host 0.0.0.0 warns that it is reachable from the network and still checks the Host header', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, [BIN, 'dashboard', RUN_GEN, '--host', '0.0.0.0', '--port', '0', '--allow-host', 'Runs.Example.Lan'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const printed = await new Promise<string>((resolve, reject) => {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => {
      stderr += c;
      const m = /dashboard: (http:\/\/\S+:(\d+)\/)/.exec(stderr);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
  });
  try {
    assert.match(stderr, /warning.*listening on 0\.0\.0\.0.*anyone on the network/i);
    assert.equal((await fetch(printed)).status, 200, `the printed ${printed} opens`); // not http://0.0.0.0:PORT/, which the Host check refuses
    const port = new URL(printed).port;
    const url = `http://127.0.0.1:${port}/`;
    const status = async (host: string): Promise<number> => (await rawRequest(url, '/', { host })).status;
    assert.equal(await status(`evil.example:${port}`), 403); // DNS rebinding: a foreign name pointed at this machine
    assert.equal(await status(`localhost:${port}`), 200);
    assert.equal(await status(`${os.hostname()}:${port}`), 200);
    assert.equal(await status(`runs.example.lan:${port}`), 200);
  } finally {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  }
});

/** Starts `mistral-tune dashboard ARGS` and waits for its URL on stderr; stop() sends SIGINT and resolves to the exit status. */
async function serve(args: string[]): Promise<{ stderr: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'dashboard', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const stop = (): Promise<number | null> => {
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    return exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (c: string) => {
        stderr += c;
        if (/dashboard: http/.test(stderr)) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { stderr: () => stderr, stop };
}

test('dashboard FOLDER_OF_RUNS lists a sweep in natural order: run-2 before run-10', { timeout: 30_000 }, async () => {
  const tmp = tempRuns();
  for (const n of [10, 2, 1]) {
    fs.mkdirSync(path.join(tmp.root, `run-${n}`));
    fs.writeFileSync(path.join(tmp.root, `run-${n}`, 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
  }
  try {
    const dash = await serve([tmp.root, '--port', '0']);
    await dash.stop();
    assert.deepEqual([...dash.stderr().matchAll(/run \d+: .*(run-\d+)\n/g)].map((m) => m[1]), ['run-1', 'run-2', 'run-10']);
  } finally {
    tmp.cleanup();
  }
});

test('a run folder whose name is not UTF-8 is named in a warning, not dropped silently; given by name, the error says why', { timeout: 30_000 }, async () => {
  const tmp = tempRuns();
  const bad = Buffer.concat([Buffer.from(path.join(tmp.root, 'run-')), Buffer.from([0xff])]);
  fs.mkdirSync(bad);
  fs.writeFileSync(Buffer.concat([bad, Buffer.from('/metrics.jsonl')]), '{"step": 1, "loss": 1}\n');
  fs.mkdirSync(path.join(tmp.root, 'ok'));
  fs.writeFileSync(path.join(tmp.root, 'ok', 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
  try {
    const dash = await serve([tmp.root, '--port', '0']);
    await dash.stop();
    assert.match(dash.stderr(), /^warning: \S*run-\uFFFD: a run folder whose name is not valid UTF-8 is not shown \(node cannot open it by name\); rename it to show it\n/);
    assert.match(dash.stderr(), /\nrun 0: \S*ok\n/);
    const given = await cliIn(process.cwd(), ['dashboard', `${tmp.root}/run-\uFFFD`]);
    assert.equal(given.status, 2);
    assert.match(given.stderr, /no such run directory \(a name with bytes that are not UTF-8 cannot be given to node: rename the folder\)\n$/);
  } finally {
    tmp.cleanup();
  }
});

test('run folder names holding a terminal escape or a line break are printed escaped, one line each', { timeout: 30_000 }, async () => {
  const tmp = tempRuns();
  // a folder of runs unpacked from elsewhere: ESC ] 0 ; … BEL retitles the terminal, ESC [ 2 J clears it
  const sweep = path.join(tmp.root, 'sweep\u001b[2J');
  const hostile = 'run\u001b]0;owned\u0007\nrun 9: fake';
  fs.mkdirSync(path.join(sweep, hostile), { recursive: true });
  fs.writeFileSync(path.join(sweep, hostile, 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
  try {
    const dash = await serve([sweep, '--port', '0']);
    await dash.stop();
    const stderr = dash.stderr();
    assert.doesNotMatch(stderr, /[\u0000-\u0009\u000b-\u001f]/, 'no control character reaches the terminal');
    assert.match(stderr, /sweep\\u001b\[2J is not a run folder: showing the 1 run in it\n/);
    assert.match(stderr, /\nrun 0: \S*sweep\\u001b\[2J\/run\\u001b\]0;owned\\u0007\\nrun 9: fake\n/);
  } finally {
    tmp.cleanup();
  }
});

test('symlinks in a folder of runs are not followed, and a link to runs not shown otherwise is said, not dropped silently', { timeout: 30_000 }, async () => {
  // before: runs/big -> /data/runs showed nothing and said nothing (a folder of only such links: "no run folder inside it")
  const tmp = tempRuns();
  const runs = path.join(tmp.root, 'runs'), elsewhere = path.join(tmp.root, 'elsewhere');
  for (const run of [path.join(runs, 'ok'), path.join(elsewhere, 'a'), path.join(elsewhere, 'b')]) {
    fs.mkdirSync(run, { recursive: true });
    fs.writeFileSync(path.join(run, 'metrics.jsonl'), '{"step": 1, "loss": 1}\n');
  }
  fs.symlinkSync(elsewhere, path.join(runs, 'big'));
  fs.symlinkSync(path.join(elsewhere, 'a'), path.join(runs, 'one'));
  fs.symlinkSync(path.join(runs, 'ok'), path.join(runs, 'latest')); // shown anyway: not said
  fs.symlinkSync(path.join(tmp.root, 'nowhere'), path.join(runs, 'dangling'));
  try {
    const dash = await serve([runs, '--port', '0']);
    await dash.stop();
    const warnings = dash.stderr().split('\n').filter((l) => l.startsWith('warning: '));
    assert.deepEqual(warnings, [
      `warning: ${runs}/big: a symlink to ${fs.realpathSync(elsewhere)} (a folder of 2 runs not shown otherwise), not followed; give it as a RUN_DIR to show them`,
      `warning: ${runs}/one: a symlink to ${fs.realpathSync(elsewhere)}/a (a run), not followed; give it as a RUN_DIR to show it`,
    ]);
    assert.match(dash.stderr(), /\nrun 0: \S*runs\/ok\ndashboard: /);
    fs.rmSync(path.join(runs, 'ok'), { recursive: true });
    const none = await cliIn(process.cwd(), ['dashboard', runs]);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no run folder inside it \(4 symlinks met, not followed: give the folders they point to\): give the output_dir of a train run\n$/);
  } finally {
    tmp.cleanup();
  }
});
