// The dashboard server reading run files: a snapshot of bounded size for a long run, a large metrics.jsonl read a slice
// at a time while the server keeps answering, config.yaml and report.json that would cost seconds to parse, and run
// files that lead outside the run (symlinks, a FIFO), which the events never carry.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { startDashboard } from '../../src/dashboard/server.ts';
import { SERIES_CAP } from '../../src/run/series-cap.ts';
import { RUN_CLS, RUN_GEN, openEvents, settledSnapshot, tempRuns, waitFor, type Ev } from './helpers.ts';

test('a run of 200,000 steps gives a snapshot of bounded size, thinned, with the last step and every val row', { timeout: 30_000 }, async () => {
  const t = tempRuns(RUN_GEN);
  const metrics = path.join(t.dirs[0]!, 'metrics.jsonl');
  const N = 200_000;
  const out = fs.openSync(metrics, 'w');
  let longest = 0;
  for (let start = 1; start <= N; start += 10_000) {
    const lines: string[] = [];
    for (let step = start; step < start + 10_000; step++) {
      const loss = step === 150_001 ? 40 : 2 + 1 / Math.sqrt(step) + 0.01 * Math.sin(step);
      lines.push(JSON.stringify({ step, loss, lr: 1e-4 * (1 - step / N), grad_norm: 1 + 0.1 * Math.cos(step), tokens_per_s: 1500 + Math.sin(step / 7), mem_bytes: 184_729_804 }));
      longest = Math.max(longest, lines.at(-1)!.length);
      if (step % 1000 === 0) lines.push(JSON.stringify({ step, split: 'val', loss, perplexity: Math.exp(loss), tokens: 1402 }));
    }
    fs.writeSync(out, lines.join('\n') + '\n');
  }
  fs.closeSync(out);
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  let s: ReturnType<typeof openEvents> | undefined;
  try {
    let body = '';
    await waitFor(async () => {
      body = await (await fetch(new URL('/api/snapshot', d.url))).text();
      return (JSON.parse(body) as Ev[]).find((e) => e.type === 'metrics')!.data.reading === null;
    }, 20_000, 'the file to be read (a slice per poll)');
    const bound = SERIES_CAP.rows * (longest + 1) + 200 * 200 + 64 * 1024; // the capped train series, 200 val rows, the files
    assert.ok(body.length < bound && bound < 2_000_000, `snapshot ${body.length} bytes (bound ${bound}) of a ${fs.statSync(metrics).size}-byte metrics.jsonl`);
    const ev = (JSON.parse(body) as Ev[]).find((e) => e.type === 'metrics')!.data as Ev['data'] & { rowsRead: number; trainRowsRead: number };
    const rows = ev.rows as Array<{ step: number; split?: string; loss: number }>;
    const train = rows.filter((r) => r.split === undefined);
    assert.ok(train.length <= SERIES_CAP.rows, `${train.length} train rows`);
    assert.deepEqual([train[0]!.step, train.at(-1)!.step], [1, N]);
    assert.ok(train.some((r) => r.step === 150_001 && r.loss === 40), 'the loss spike is kept');
    assert.equal(rows.filter((r) => r.split === 'val').length, N / 1000);
    assert.deepEqual([ev.rowsRead, ev.trainRowsRead], [N + N / 1000, N]);
    // the event stream starts from the same rows, and a new row follows them
    const stream = (s = openEvents(d.url));
    await waitFor(() => stream.events.some((e) => e.type === 'metrics'), 5000, 'the stream snapshot');
    assert.deepEqual(stream.events.find((e) => e.type === 'metrics')!.data.rows, rows);
    fs.appendFileSync(metrics, JSON.stringify({ step: N + 1, loss: 2 }) + '\n');
    await waitFor(() => stream.events.filter((e) => e.type === 'metrics').length === 2, 5000, 'the appended row');
    assert.deepEqual(stream.events.filter((e) => e.type === 'metrics')[1]!.data.rows!.map((r) => r.step), [N + 1]);
  } finally {
    s?.close();
    await d.close();
    t.cleanup();
  }
});

test('a large metrics.jsonl is read slice after slice at once, not a slice each time something else wakes the server', { timeout: 30_000 }, async () => {
  const t = tempRuns(RUN_GEN);
  const metrics = path.join(t.dirs[0]!, 'metrics.jsonl');
  const rows = fs.readFileSync(metrics, 'utf8').trimEnd().split('\n').length;
  fs.truncateSync(metrics, 64 << 20); // the rows, then 64 MiB of zeros (a hole; one long line, skipped): 64 slices
  // a poll a minute: only the slices' own ticks read the file, a slice a turn of the event loop. Each was an unref'd
  // setImmediate, which an idle event loop does not wake for: it ran at the next timer or request (the server's 1 s
  // connection check), a slice a wake, ~1 MiB a second. Judged by what the loop does, not by how fast (a 5 s wait for
  // the whole file failed on a loaded machine): an unref'd immediate here runs once a turn and wakes nothing, so it
  // counts the turns the loop takes on its own (no request meanwhile: a request wakes the loop too), TURNS of them (a
  // quarter of the slices), or those of 3 s where the machine is too loaded for that (not a failure). The loop must have
  // been busy throughout, not waiting in epoll for a wake: the fix is 100% busy, also beside 3 `yes` on 2 cores; the old
  // bug ~15% (~40% so loaded), a turn's slice between waits
  const TURNS = 16;
  const d = await startDashboard({ runs: t.dirs, pollMs: 60_000 });
  let cap: NodeJS.Timeout | undefined;
  let counter: NodeJS.Immediate | undefined;
  try {
    const before = performance.eventLoopUtilization();
    const turns = await new Promise<number>((resolve) => {
      let n = 0;
      const turn = (): void => {
        if (++n === TURNS) resolve(n);
        else counter = setImmediate(turn).unref();
      };
      counter = setImmediate(turn).unref();
      cap = setTimeout(() => {
        clearImmediate(counter);
        resolve(n);
      }, 3000);
    });
    clearTimeout(cap);
    const loop = performance.eventLoopUtilization(before);
    const read = async (): Promise<Ev['data']> =>
      ((await (await fetch(new URL('/api/snapshot', d.url))).json()) as Ev[]).find((e) => e.type === 'metrics')!.data;
    const mid = await read();
    const what = `${turns} turns in ${loop.idle.toFixed(0)} ms waiting and ${loop.active.toFixed(0)} ms busy, ${JSON.stringify(mid.reading)} read`;
    assert.ok(loop.utilization > 0.8, `the loop waited for a wake while the file was read: ${what}`);
    // a slice a turn (on a fast machine the rest may be read by the time the snapshot is answered)
    assert.ok(!mid.reading || mid.reading.bytesRead >= turns << 20, `a slice a turn: ${what}`);
    await waitFor(async () => (await read()).reading === null, 20_000, 'the rest of the file');
    assert.equal((await read()).rows!.length, rows);
  } finally {
    clearTimeout(cap);
    clearImmediate(counter);
    await d.close();
    t.cleanup();
  }
});

test('a large metrics.jsonl is read a slice at a time: the page, other runs and a new stream are served meanwhile, and end up with every row', { timeout: 60_000 }, async () => {
  const t = tempRuns(RUN_GEN, RUN_CLS);
  const metrics = path.join(t.dirs[0]!, 'metrics.jsonl');
  const N = 600_000; // ~80 MB: read at full pace (a slice per turn of the event loop), it is still being read after the requests below
  const out = fs.openSync(metrics, 'w');
  for (let start = 1; start <= N; start += 10_000) {
    const lines: string[] = [];
    for (let step = start; step < start + 10_000; step++) lines.push(JSON.stringify({ step, loss: 2 + 1 / Math.sqrt(step), lr: 1e-4, grad_norm: 1, tokens_per_s: 1500, mem_bytes: 184_729_804 }));
    fs.writeSync(out, lines.join('\n') + '\n');
  }
  fs.closeSync(out);
  const metricsOf = async (run: number): Promise<Ev['data']> =>
    ((await (await fetch(new URL('/api/snapshot', d.url))).json()) as Ev[]).find((e) => e.type === 'metrics' && e.data.run === run)!.data;
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  let s: ReturnType<typeof openEvents> | undefined;
  try {
    const first = await metricsOf(0);
    assert.ok(first.reading && first.reading.bytesRead < first.reading.bytes, `answered while reading (${JSON.stringify(first.reading)})`);
    assert.equal((await fetch(d.url)).status, 200, 'the page is served meanwhile');
    const other = await metricsOf(1);
    assert.equal(other.reading, null);
    assert.equal(other.rows!.length, fs.readFileSync(path.join(t.dirs[1]!, 'metrics.jsonl'), 'utf8').trimEnd().split('\n').length, 'the other run is whole');
    const stream = (s = openEvents(d.url)); // a page that connects mid-read
    await waitFor(() => stream.events.some((e) => e.type === 'metrics' && e.data.run === 0), 5000, 'the stream snapshot');
    const mid = await metricsOf(0);
    assert.ok(mid.reading !== null, 'still reading after serving those');
    await waitFor(async () => (await metricsOf(0)).reading === null, 50_000, 'the whole file to be read');
    const done = (await metricsOf(0)) as Ev['data'] & { rowsRead: number };
    assert.equal(done.rowsRead, N);
    assert.equal(done.rows!.at(-1)!.step, N);
    // what the stream sent adds up to exactly the server's rows
    const events = stream.events.filter((e) => e.type === 'metrics' && e.data.run === 0);
    const page = events.reduce<Array<{ step: number }>>((held, e) => (e.data.reset ? e.data.rows! : held.concat(e.data.rows!)), []);
    assert.deepEqual(page, done.rows);
    assert.equal(events.at(-1)!.data.reset, true, 'the read ends with every row sent anew');
  } finally {
    s?.close();
    await d.close();
    t.cleanup();
  }
});

test('a config.yaml nesting flow brackets 100,000 deep is refused before the yaml parser spends seconds on it', async () => {
  const t = tempRuns(RUN_CLS);
  fs.writeFileSync(path.join(t.dirs[0]!, 'config.yaml'), 'task: classification\nlabels: ' + '[a, '.repeat(1e5) + ']'.repeat(1e5) + '\n');
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  try {
    const snap = (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Array<{ type: string; data: { config?: { error?: string; task?: string } } }>;
    const config = snap.find((e) => e.type === 'files')!.data.config!;
    assert.equal(config.error, 'config.yaml nests more than 64 brackets deep, too deep to read here; open it raw');
    assert.equal(config.task, undefined);
  } finally {
    await d.close();
    t.cleanup();
  }
});

// 6 KB of "- - - …": the yaml parser's stack overflowed on the first run's (caught), and node died on the second's
// (FATAL ERROR: RegExpCompiler Allocation failed), taking the dashboard with it
test('two runs whose config.yaml nests block lists 3,000 deep are each refused, and the dashboard serves both', async () => {
  const t = tempRuns(RUN_CLS, RUN_GEN);
  for (const dir of t.dirs) fs.writeFileSync(path.join(dir, 'config.yaml'), 'task: classification\nnote:\n  ' + '- '.repeat(3000) + 'x\n');
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  try {
    const snap = (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Array<{ type: string; data: { run: number; config?: { error?: string; task?: string } } }>;
    const configs = snap.filter((e) => e.type === 'files').map((e) => e.data.config!);
    assert.equal(configs.length, 2);
    for (const config of configs) {
      assert.equal(config.error, 'config.yaml nests lists or mappings more than 64 deep, too deep to read here; open it raw');
      assert.equal(config.task, undefined);
    }
  } finally {
    await d.close();
    t.cleanup();
  }
});

test('a config.yaml with an unknown tag is read without a process warning on the dashboard\'s stderr', async () => {
  const t = tempRuns(RUN_CLS);
  fs.writeFileSync(path.join(t.dirs[0]!, 'config.yaml'), 'task: classification\nnote: !!js/function "function () {}"\n');
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  try {
    const snap = (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Array<{ type: string; data: { config?: { error?: string; task?: string } } }>;
    assert.equal(snap.find((e) => e.type === 'files')!.data.config!.task, 'classification');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
    await d.close();
    t.cleanup();
  }
});

test('a hostile run nesting JSON a million levels deep is one run\'s error, not a 500 for every run', async () => {
  const t = tempRuns(RUN_GEN, RUN_CLS);
  const deep = '['.repeat(1e6) + ']'.repeat(1e6); // parses, but JSON.stringify of it overflows the stack
  fs.writeFileSync(path.join(t.dirs[0]!, 'report.json'), deep);
  fs.appendFileSync(path.join(t.dirs[0]!, 'metrics.jsonl'), `{"step": 99, "x": ${deep}}\n`);
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  try {
    const snap = JSON.parse(await settledSnapshot(d.url)) as Array<{ type: string; data: { run: number; report?: { error?: string; json?: unknown }; malformed?: { samples: Array<{ reason: string }> } } }>;
    const files = snap.filter((e) => e.type === 'files');
    assert.match(files[0]!.data.report!.error!, /report\.json nests more than 64 levels deep/);
    assert.ok(files[1]!.data.report!.json, 'the other run keeps its report');
    const metrics = snap.find((e) => e.type === 'metrics' && e.data.run === 0)!;
    assert.match(metrics.data.malformed!.samples[0]!.reason, /nests more than 64 levels deep/);
  } finally {
    await d.close();
    t.cleanup();
  }
});

test('the events never carry files from outside a run: symlinked metrics/config/report out of it are absent, a FIFO is absent', { timeout: 20_000 }, async () => {
  const t = tempRuns(RUN_GEN, RUN_CLS);
  const [gen, cls] = t.dirs as [string, string];
  const outside = path.join(t.root, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'metrics.jsonl'), '{"step": 1, "loss": 1, "secret": "TOP-SECRET"}\n');
  fs.writeFileSync(path.join(outside, 'config.yaml'), 'task: TOP-SECRET\n');
  fs.writeFileSync(path.join(outside, 'report.json'), '{"secret": "TOP-SECRET"}\n');
  for (const f of ['metrics.jsonl', 'config.yaml', 'report.json']) {
    fs.rmSync(path.join(gen, f));
    fs.symlinkSync(path.join(outside, f), path.join(gen, f));
  }
  fs.rmSync(path.join(cls, 'config.yaml'));
  execFileSync('mkfifo', [path.join(cls, 'config.yaml')]);
  const d = await startDashboard({ runs: t.dirs, pollMs: 50 });
  try {
    const body = await (await fetch(new URL('/api/snapshot', d.url))).text();
    assert.doesNotMatch(body, /TOP-SECRET/);
    const snap = JSON.parse(body) as Array<{ type: string; data: Record<string, unknown> }>;
    const metrics = snap.filter((e) => e.type === 'metrics');
    assert.deepEqual(metrics.map((e) => [e.data.exists, (e.data.rows as unknown[]).length > 0]), [[false, false], [true, true]]);
    const files = snap.filter((e) => e.type === 'files');
    assert.deepEqual([files[0]!.data.config, files[0]!.data.report], [null, null]);
    assert.equal(files[1]!.data.config, null, 'a FIFO config.yaml is absent');
    assert.notEqual(files[1]!.data.report, null, 'the second run\'s own files are still read');
    const s = openEvents(d.url);
    try {
      await waitFor(() => s.events.filter((e) => e.type === 'files').length === 2, 5000, 'the snapshot');
      assert.doesNotMatch(JSON.stringify(s.events), /TOP-SECRET/);
    } finally {
      s.close();
    }
  } finally {
    await d.close();
    t.cleanup();
  }
});

