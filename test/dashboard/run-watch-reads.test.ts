// What one poll of a run costs: the run folder's real path, and each run file's, is taken once per poll (the folder's was
// taken again for every file checked or read, seven times, and each file's twice, each a walk of the whole path); a report.json too large to parse without holding the
// server for seconds is not parsed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { RunWatcher } from '../../src/dashboard/run-watch.ts';
import { RUN_GEN, tempRuns } from './helpers.ts';

/** Runs `f`, counting the real paths taken (by either of node's realpath functions) of each path. */
function realpathsOf(f: () => void): Map<string, number> {
  const n = new Map<string, number>();
  const count = (p: fs.PathLike): void => { n.set(String(p), (n.get(String(p)) ?? 0) + 1); };
  const js = fs.realpathSync, native = fs.realpathSync.native;
  const counted = ((p: fs.PathLike, o?: unknown) => {
    count(p);
    return (native as (p: fs.PathLike, o?: unknown) => string)(p, o);
  }) as typeof fs.realpathSync.native;
  const patched = Object.assign(((p: fs.PathLike, o?: unknown) => {
    count(p);
    return (js as (p: fs.PathLike, o?: unknown) => string)(p, o);
  }) as typeof fs.realpathSync, { native: counted });
  fsModule.realpathSync = patched;
  syncBuiltinESMExports();
  try {
    f();
  } finally {
    fsModule.realpathSync = js;
    syncBuiltinESMExports();
  }
  return n;
}

test('a poll takes the real path of the run folder and of each file it reads once, and reads every file as before', (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  let events: ReturnType<RunWatcher['poll']> = [];
  const taken = realpathsOf(() => { events = w.poll(); });
  assert.deepEqual(Object.fromEntries(taken), Object.fromEntries([dir, ...['metrics.jsonl', 'config.yaml', 'report.json'].map((f) => path.join(dir, f))].map((p) => [p, 1])));
  assert.deepEqual(events.map((e) => e.type), ['files', 'metrics']);
  const files = events[0]!.data as { config: unknown; report: unknown; refused: string[] };
  assert.ok(files.config !== null && files.report !== null);
  assert.deepEqual(files.refused, []);
  assert.equal((events[1]!.data as { rows: unknown[] }).rows.length, 68);
});

test('a report.json over 16 MiB is not parsed (64 MiB held the server\'s event loop for seconds), and says so', (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  // what the page shows of it is small (here a row; a classifier's matrices cut to a few kB): the parse is what holds the server
  const text = `{"steps": 1}${' '.repeat((16 << 20) + 1)}`;
  fs.writeFileSync(path.join(dir, 'report.json'), text);
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  const files = w.poll()[0]!.data as { report: { json?: unknown; error?: string } };
  assert.deepEqual(files.report, { error: `report.json is ${text.length.toLocaleString('en')} bytes, too large to show here; open it raw` });
});

test('a report.json over 1 MiB is parsed on a thread of its own, not on the server\'s event loop: the poll after sends it', async (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  const shown = (events: ReturnType<RunWatcher['poll']>): unknown => (events.find((e) => e.type === 'files')?.data as { report: unknown } | undefined)?.report;
  const before = shown(w.poll());
  assert.ok(before !== null && before !== undefined, 'the run\'s small report, parsed at once');
  // a classifier's report as train writes it (a count a line) is megabytes, a parse of ~0.1-1 s
  fs.writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ steps: 7, test: { confusion: Array.from({ length: 400 }, () => new Array(400).fill(1)) } }, null, 2));
  assert.ok(fs.statSync(path.join(dir, 'report.json')).size > 1 << 20);
  assert.equal(shown(w.poll()), undefined, 'the poll that found it did not parse it: the last report stays until it is');
  // a watcher that showed no report yet says it is being read (the run finished), not that there is none
  const fresh = new RunWatcher({ id: 1, name: 'run', path: dir }, dir);
  assert.match((shown(fresh.poll()) as { error: string }).error, /^report\.json \(1\.\d MiB\) is being read; it is shown once read$/);
  await Promise.all([w.reportParsed(), fresh.reportParsed()]);
  const report = shown(w.poll()) as { json: { steps: number; test: { confusion: { size: number } } } };
  assert.deepEqual([report.json.steps, report.json.test.confusion.size], [7, 400], 'parsed, its matrix cut as ever');
  assert.deepEqual(shown(fresh.poll()), report);
  // a report that is not JSON says so as before
  fs.writeFileSync(path.join(dir, 'report.json'), `{"steps": ${'1'.repeat(2 << 20)}`);
  w.poll();
  await w.reportParsed();
  assert.match((shown(w.poll()) as { error: string }).error, /^report\.json is not valid JSON \(.*\): train writes it whole, so it was edited or damaged since$/);
});

test('a config.yaml over 128 KiB is shown as text, not parsed on the server\'s event loop (2 MiB of distinct keys: minutes)', (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  const text = 'task: classification\n' + Array.from({ length: 16_000 }, (_, i) => `k${i}: v`).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'config.yaml'), text);
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  const files = w.poll()[0]!.data as { config: { text: string; task?: string; error?: string } };
  assert.deepEqual(files.config, { text, error: `config.yaml is ${Math.ceil(text.length / 1024)} KiB, too large to read its task and labels here (over 128 KiB); shown as text` });
  // a key given twice is no reason not to read the two the page uses (the check for it was the slow part)
  fs.writeFileSync(path.join(dir, 'config.yaml'), 'task: generation\nlabels: [a, b]\ntask: classification\n');
  const again = w.poll()[0]!.data as { config: { task?: string; labels?: string[]; error?: string } };
  assert.deepEqual([again.config.task, again.config.labels, again.config.error], ['classification', ['a', 'b'], undefined]);
});

test("a config.yaml the yaml parser refuses is said so with the direction controls its message quotes written out (\\u202e): an override reversed the page's words after it", (t) => {
  const tmp = tempRuns(RUN_GEN);
  t.after(() => tmp.cleanup());
  const dir = fs.realpathSync(tmp.dirs[0]!);
  const w = new RunWatcher({ id: 0, name: 'run', path: dir }, dir);
  // the parser quotes the version and an alias's name: each message continues after the quote (" at line 1, column …")
  for (const [text, quoted] of [['%YAML 9\u202e\n---\na: 1\n', '9\\u202e at line 1'], ['a: *x\u202ey\n', 'x\\u202ey']] as const) {
    fs.writeFileSync(path.join(dir, 'config.yaml'), text);
    const files = w.poll().find((e) => e.type === 'files')!.data as { config: { text: string; error?: string } };
    assert.ok(files.config.error?.startsWith('config.yaml: ') && files.config.error.includes(quoted), files.config.error);
    assert.equal(files.config.text, text, 'the file itself is shown as it is');
  }
});
