// The dashboard server and its run folders: folders named alike or given twice, a run's lock (in progress or not),
// and a folder replaced by a file or swapped for a symlink while it is served.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { startDashboard } from '../../src/dashboard/server.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { holdLock, RUN_CLS, RUN_GEN, openEvents, rawRequest, tempRuns, waitFor } from './helpers.ts';

test('two runs with the same folder name are told apart; close() is idempotent with a stream open', async () => {
  const a = tempRuns(RUN_GEN);
  const b = tempRuns(RUN_GEN);
  const d = await startDashboard({ runs: [a.dirs[0]!, b.dirs[0]!] });
  const s = openEvents(d.url);
  try {
    assert.deepEqual(d.runs.map((r) => r.name), [a.dirs[0], b.dirs[0]]);
    await waitFor(() => s.events.length > 0, 5000, 'the stream to open');
  } finally {
    await Promise.all([d.close(), d.close()]);
    s.close();
    a.cleanup();
    b.cleanup();
  }
});

test('a run given twice (with a trailing slash, through a symlink) is shown once, as first given', async () => {
  const t = tempRuns(RUN_GEN, RUN_CLS);
  const [gen, cls] = t.dirs as [string, string];
  fs.symlinkSync(gen, path.join(t.root, 'latest'));
  const d = await startDashboard({ runs: [gen, cls, `${gen}/`, path.join(t.root, 'latest')] });
  try {
    assert.deepEqual(d.runs.map((r) => [r.id, r.name, r.path]), [[0, 'dashboard-run', gen], [1, 'dashboard-run-cls', cls]]);
  } finally {
    await d.close();
    t.cleanup();
  }
});

test('a run whose lock was left by a killed train is not in progress (files event locked: false); a live holder\'s lock, or a FIFO in its place, is', async () => {
  const temps = [tempRuns(RUN_GEN), tempRuns(RUN_GEN), tempRuns(RUN_GEN)];
  const t = { dirs: temps.map((x) => x.dirs[0]!), cleanup: () => temps.forEach((x) => x.cleanup()) };
  const lock = (dir: string): string => path.join(dir, RUN_LAYOUT.lock);
  // a pid that ran and exited: its lock is stale
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  fs.writeFileSync(lock(t.dirs[0]!), JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), started: new Date().toISOString() }) + '\n');
  holdLock(t.dirs[1]!); // a train of this thread that has not returned (startDashboard beside train() in one process)
  execFileSync('mkfifo', [lock(t.dirs[2]!)]);
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  try {
    const snap = (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Array<{ type: string; data: Record<string, unknown> }>;
    assert.deepEqual(snap.filter((e) => e.type === 'files').map((e) => e.data.locked), [false, true, true]);
  } finally {
    await d.close();
    t.cleanup();
  }
});

test('a run folder replaced by a file while served is said to be gone, its rows dropped, without a warning at every poll', async () => {
  const t = tempRuns(RUN_GEN);
  const run = t.dirs[0]!;
  const d = await startDashboard({ runs: [run], pollMs: 20 });
  const said: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string) => said.push(String(chunk)) > 0) as typeof process.stderr.write;
  try {
    fs.rmSync(run, { recursive: true });
    fs.writeFileSync(run, 'a file where the run folder was\n');
    type Snapshot = Array<{ type: string; data: { dirExists?: boolean; exists?: boolean } }>;
    const snapshot = async (): Promise<Snapshot> => (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Snapshot;
    await waitFor(async () => (await snapshot()).some((e) => e.type === 'files' && e.data.dirExists === false), 5000, 'the run to be gone');
    assert.equal((await snapshot()).find((e) => e.type === 'metrics')!.data.exists, false);
    await new Promise((r) => setTimeout(r, 200)); // some ten polls more
    assert.deepEqual(said, []);
  } finally {
    process.stderr.write = write;
    await d.close();
    t.cleanup();
  }
});

test('a run folder swapped for a symlink while served (to a folder outside the runs) serves and reads nothing from there', async () => {
  const t = tempRuns(RUN_GEN);
  const run = t.dirs[0]!;
  const outside = path.join(t.root, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET\n');
  fs.writeFileSync(path.join(outside, 'metrics.jsonl'), '{"step": 777, "loss": 1}\n');
  const given = path.join(t.root, 'latest'); // a run given as a symlink to it is that run
  fs.symlinkSync(run, given);
  const d = await startDashboard({ runs: [given], pollMs: 20 });
  try {
    assert.equal(d.runs[0]!.name, 'latest');
    assert.equal((await rawRequest(d.url, '/run/0/report.json')).status, 200);
    fs.renameSync(run, path.join(t.root, 'moved-away'));
    fs.symlinkSync(outside, run);
    type Snapshot = Array<{ type: string; data: { dirExists?: boolean; refused?: string[]; rows?: Array<{ step: number }> } }>;
    const snapshot = async (): Promise<Snapshot> => (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Snapshot;
    await waitFor(async () => (await snapshot()).some((e) => e.type === 'files' && e.data.dirExists === false), 5000, 'the run folder to be gone');
    assert.deepEqual((await snapshot()).find((e) => e.type === 'files')!.data.refused, [], 'gone, not holding refused files');
    const r = await rawRequest(d.url, '/run/0/secret.txt');
    assert.equal(r.status, 404);
    assert.doesNotMatch(r.body, /TOP-SECRET/);
    assert.deepEqual((await snapshot()).find((e) => e.type === 'metrics')!.data.rows, []);
  } finally {
    await d.close();
    t.cleanup();
  }
});
