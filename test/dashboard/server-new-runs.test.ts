// The dashboard server and runs made after it started (a train started once the dashboard is open on runs/): those its
// findRuns finds are added, to the snapshot a page opened later gets and to the open streams (a 'runs' event, then the
// run's state), once each, their files served; the runs shown keep their ids, and a run found again is not added again.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { startDashboard } from '../../src/dashboard/server.ts';
import { RUN_CLS, RUN_GEN, openEvents, tempRuns, waitFor } from './helpers.ts';

type Snapshot = Array<{ type: string; data: { runs?: Array<{ id: number; name: string; path: string }>; run?: number; rows?: unknown[] } }>;

test('a run folder made after the start is added: the open stream gets it and its rows, a later snapshot lists it, once', { timeout: 30_000 }, async () => {
  const t = tempRuns(RUN_GEN);
  const [gen] = t.dirs as [string];
  // what the CLI's findRuns does for a folder of runs: its run folders, as found each time (the one given among them)
  const findRuns = (): string[] => fs.readdirSync(t.root).filter((n) => !n.startsWith('.')).map((n) => path.join(t.root, n))
    .filter((d) => fs.existsSync(path.join(d, 'metrics.jsonl')));
  let looks = 0;
  const d = await startDashboard({ runs: [gen], pollMs: 50, findRuns: () => (looks++, [...findRuns(), `${gen}/`]), findRunsMs: 100 });
  const s = openEvents(d.url);
  try {
    await waitFor(() => s.events.some((e) => e.type === 'metrics' && e.data.run === 0), 5000, 'the first run\'s rows');
    // copied aside and moved in whole, as a run folder appears to a look at any time
    const cls = path.join(t.root, 'dashboard-run-cls');
    fs.cpSync(RUN_CLS, path.join(t.root, '.copy'), { recursive: true });
    fs.renameSync(path.join(t.root, '.copy'), cls);
    await waitFor(() => s.events.some((e) => e.type === 'metrics' && e.data.run === 1 && (e.data.rows?.length ?? 0) > 0), 5000, 'the new run\'s rows on the stream');
    const added = s.events.filter((e) => e.type === 'runs');
    assert.deepEqual(added.map((e) => (e.data as { runs: unknown }).runs), [[{ id: 1, name: 'dashboard-run-cls', path: cls }]]);
    assert.deepEqual(d.runs.map((r) => [r.id, r.name, r.path]), [[0, 'dashboard-run', gen], [1, 'dashboard-run-cls', cls]]);
    // a page opened now gets both in its hello, and the new one's rows
    const snap = (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Snapshot;
    assert.deepEqual(snap.find((e) => e.type === 'hello')!.data.runs!.map((r) => r.path), [gen, cls]);
    const rows = fs.readFileSync(path.join(cls, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').length;
    assert.equal(snap.filter((e) => e.type === 'metrics' && e.data.run === 1)[0]!.data.rows!.length, rows);
    const fresh = openEvents(d.url);
    try {
      await waitFor(() => fresh.events.some((e) => e.type === 'metrics' && e.data.run === 1), 5000, 'the new run in a new stream\'s snapshot');
      assert.deepEqual((fresh.events[0]!.data as { runs: Array<{ path: string }> }).runs.map((r) => r.path), [gen, cls]);
    } finally {
      fresh.close();
    }
    // its files are served as a run's; found again at each look, it is not added again
    const served = await fetch(new URL('/run/1/metrics.jsonl', d.url));
    assert.equal(served.status, 200);
    assert.equal(await served.text(), fs.readFileSync(path.join(cls, 'metrics.jsonl'), 'utf8'));
    const seen = looks;
    await waitFor(() => looks >= seen + 3, 5000, 'three more looks');
    assert.equal(s.events.filter((e) => e.type === 'runs').length, 1);
    assert.equal(d.runs.length, 2);
  } finally {
    s.close();
    await d.close();
    t.cleanup();
  }
});

test('findRuns: one that throws (warned of) does not stop the looks; a run gone before its look, or a file, is not added', { timeout: 30_000 }, async () => {
  const t = tempRuns(RUN_GEN);
  let found: string[] = [];
  let fail = true;
  const d = await startDashboard({
    runs: t.dirs, pollMs: 50, findRunsMs: 50,
    findRuns: () => {
      if (fail) {
        fail = false;
        throw new Error('EACCES');
      }
      return found;
    },
  });
  try {
    found = [path.join(t.root, 'gone'), path.join(t.dirs[0]!, 'metrics.jsonl')];
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(d.runs.length, 1);
    fs.cpSync(RUN_CLS, path.join(t.root, 'gone'), { recursive: true }); // it comes: found again, it is added
    await waitFor(() => d.runs.length === 2, 5000, 'the run that came');
    assert.equal(d.runs[1]!.path, path.join(t.root, 'gone'));
  } finally {
    await d.close();
    t.cleanup();
  }
});

test('startDashboard refuses a findRuns that is no function and a findRunsMs out of range', async () => {
  const t = tempRuns(RUN_GEN);
  // why startDashboard refused `options` (one it took is closed: a test failing on it does not hang)
  const refusal = async (options: Parameters<typeof startDashboard>[0]): Promise<string> => {
    const d = await startDashboard(options).catch((e: unknown) => e as Error);
    if (d instanceof Error) return d.message;
    await d.close();
    return 'not refused';
  };
  try {
    assert.match(await refusal({ runs: t.dirs, findRuns: 'runs' as unknown as () => string[] }), /options\.findRuns is "runs": give a function returning run folders/);
    assert.match(await refusal({ runs: t.dirs, findRuns: () => [], findRunsMs: 0 }), /findRunsMs.*positive number of milliseconds/);
  } finally {
    t.cleanup();
  }
});
