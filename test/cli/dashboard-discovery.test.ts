// `mistral-tune dashboard` with no argument finds the run folders under ./runs, nested ones too (the
// quickstart's runs/quickstart/run), and not the folders beside them (its data/ with a report.json); given a
// folder of runs it shows the runs in it, and a folder with none is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');

/** A cwd with run folders under ./runs (nested ones too) and folders beside them that are not runs. */
function runsTree(): string {
  const cwd = tempDir('mt-dash-discover-');
  const make = (rel: string, file: string): void => {
    fs.mkdirSync(path.join(cwd, rel), { recursive: true });
    fs.writeFileSync(path.join(cwd, rel, file), file.endsWith('.jsonl') ? '{"step":1,"loss":2}\n' : '{}\n');
  };
  make('runs/quickstart/run', 'metrics.jsonl');
  make('runs/quickstart/data', 'report.json');
  make('runs/quickstart/model', 'config.json');
  make('runs/lora', 'metrics.jsonl');
  make('runs/lora/best', 'adapter_config.json');
  return cwd;
}

/** Starts `dashboard ...args` in `cwd` and resolves once it serves: its URL, its stderr so far, and its stop (SIGINT, exit 0). */
async function serving(cwd: string, args: string[]): Promise<{ url: string; stderr: () => string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [BIN, 'dashboard', ...args, '--port', '0'], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no dashboard URL:\n${stderr}`)), 25_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /dashboard: (http\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', () => { clearTimeout(timer); reject(new Error(`dashboard exited:\n${stderr}`)); });
  });
  const stop = async (): Promise<void> => {
    child.kill('SIGINT');
    assert.equal(await exited, 0);
  };
  return { url, stderr: () => stderr, stop };
}

/** Runs `dashboard ...args` in `cwd` until it serves, stops it, and returns the runs it listed (relative to cwd) and its stderr. */
async function served(cwd: string, args: string[]): Promise<{ runs: string[]; stderr: string }> {
  const dash = await serving(cwd, args);
  await dash.stop();
  const stderr = dash.stderr();
  const runs = [...stderr.matchAll(/^run \S+: (.+)$/gm)].map((m) => path.relative(cwd, path.resolve(cwd, m[1]!)));
  return { runs, stderr };
}

test('dashboard with no argument finds runs nested under ./runs', { timeout: 30_000 }, async () => {
  const cwd = runsTree();
  const { runs } = await served(cwd, []);
  assert.deepEqual(runs, [path.join('runs', 'lora'), path.join('runs', 'quickstart', 'run')]);
});

test('dashboard given a folder of runs (runs, runs/quickstart) shows the runs in it, and says so', { timeout: 60_000 }, async () => {
  const cwd = runsTree();
  const all = await served(cwd, ['runs']);
  assert.deepEqual(all.runs, [path.join('runs', 'lora'), path.join('runs', 'quickstart', 'run')]);
  assert.match(all.stderr, /^runs is not a run folder: showing the 2 runs in it$/m);
  const qs = await served(cwd, [path.join('runs', 'quickstart'), path.join('runs', 'lora')]);
  assert.deepEqual(qs.runs, [path.join('runs', 'quickstart', 'run'), path.join('runs', 'lora')]);
});

test('dashboard given a folder that is not a run and holds none exits 2 with one line', () => {
  const cwd = runsTree();
  for (const dir of [path.join('runs', 'quickstart', 'data'), path.join('runs', 'empty')]) {
    fs.mkdirSync(path.join(cwd, dir), { recursive: true });
    const r = spawnSync(process.execPath, [BIN, 'dashboard', dir, '--port', '0'], { cwd, encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `error: ${dir}: not a run folder (no .mistral-tune-run or metrics.jsonl) and no run folder inside it: give the output_dir of a train run\n`);
  }
});

/** The runs the dashboard at `url` lists in its snapshot's hello, and those its metrics events have rows for, once `done`
 * holds of them (or 10 s pass). */
async function snapshotRuns(url: string, done: (s: { runs: string[]; withRows: string[] }) => boolean = () => true): Promise<{ runs: string[]; withRows: string[] }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const events = await (await fetch(new URL('/api/snapshot', url))).json() as Array<{ type: string; data: { runs?: Array<{ path: string }>; run?: number; rows?: unknown[] } }>;
    const runs = events.find((e) => e.type === 'hello')!.data.runs!;
    const withRows = events.filter((e) => e.type === 'metrics' && e.data.rows!.length > 0).map((e) => runs[e.data.run!]!.path);
    const seen = { runs: runs.map((r) => r.path), withRows };
    if (done(seen) || Date.now() > deadline) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('dashboard on ./runs or a folder of runs shows a run made after it started; a run given explicitly stays as given', { timeout: 60_000 }, async () => {
  // the usual flow: the dashboard opened on runs/, then a train started; it was never shown (the runs were found once)
  const cwd = runsTree();
  const all = await serving(cwd, []);
  const sweep = await serving(cwd, ['runs/quickstart', 'runs/lora']);
  const explicit = await serving(cwd, ['runs/lora']);
  try {
    fs.mkdirSync(path.join(cwd, 'runs', 'new'));
    fs.writeFileSync(path.join(cwd, 'runs', 'new', 'metrics.jsonl'), '{"step":1,"loss":2}\n');
    fs.mkdirSync(path.join(cwd, 'runs', 'quickstart', 'run-2'));
    fs.writeFileSync(path.join(cwd, 'runs', 'quickstart', 'run-2', '.mistral-tune-run'), ''); // a train's first file
    const [lora, run, added, run2] = [path.join('runs', 'lora'), path.join('runs', 'quickstart', 'run'), path.join('runs', 'new'), path.join('runs', 'quickstart', 'run-2')];
    const seen = await snapshotRuns(all.url, (s) => s.runs.length === 4 && s.withRows.length === 3);
    // added after those shown (in the order found: both may come in one look or two), its rows read
    assert.deepEqual(seen.runs.slice(0, 2), [lora, run]);
    assert.deepEqual(seen.runs.slice(2).sort(), [added, run2]);
    assert.deepEqual(seen.withRows, [lora, run, added]);
    assert.match(all.stderr(), /^dashboard: new run 2: runs.(new|quickstart.run-2)$/m);
    // the folder of runs given finds the run made in it; runs/new is in no folder given
    assert.deepEqual((await snapshotRuns(sweep.url, (s) => s.runs.length > 2)).runs, [run, lora, run2]);
    // looked at again (every 1.5 s), a run is added once; one given explicitly is no folder of runs looked at again
    await new Promise((r) => setTimeout(r, 1600));
    assert.deepEqual((await snapshotRuns(all.url)).runs, seen.runs);
    assert.deepEqual((await snapshotRuns(explicit.url)).runs, [lora]);
  } finally {
    await Promise.all([all.stop(), sweep.stop(), explicit.stop()]);
  }
});
