// The dashboard server over real HTTP: what it serves, every path-escape case answered 404, read-only
// methods, the localhost Host check, the SSE stream following appends and malformed lines, a snapshot of
// bounded size for a long run, a large file read a slice at a time while the server keeps answering, and its errors.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { SERIES_CAP } from '../../src/run/series-cap.ts';
import { isUserError } from '../../src/util/errors.ts';
import { RUN_CLS, RUN_GEN, rawRequest, tempRuns, waitFor } from './helpers.ts';

let tmp: ReturnType<typeof tempRuns>;
let dash: Dashboard;
let secret = '';

before(async () => {
  tmp = tempRuns(RUN_GEN, RUN_CLS);
  const [gen, cls] = tmp.dirs as [string, string];
  secret = path.join(tmp.root, 'secret.txt');
  fs.writeFileSync(secret, 'TOP-SECRET\n');
  fs.symlinkSync(secret, path.join(gen, 'leak.txt'));
  fs.symlinkSync(tmp.root, path.join(gen, 'up'));
  fs.symlinkSync('/etc', path.join(gen, 'etc'));
  fs.symlinkSync(path.join(cls, 'report.json'), path.join(gen, 'sibling.json'));
  fs.symlinkSync('report.json', path.join(gen, 'alias.json'));
  dash = await startDashboard({ runs: tmp.dirs, pollMs: 50 });
});
after(async () => {
  await dash.close();
  tmp.cleanup();
});

test('binds 127.0.0.1 by default and serves the page, its assets and uPlot from node_modules', async () => {
  assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const page = await rawRequest(dash.url, '/');
  assert.equal(page.status, 200);
  assert.match(page.headers['content-type']!, /^text\/html/);
  assert.match(page.headers['content-security-policy']!, /default-src 'none'; script-src 'self'/);
  assert.match(page.body, /<script type="module" src="\/assets\/app.js">/);
  assert.doesNotMatch(page.body, /https?:\/\//, 'the page names no other origin');
  const dist = path.dirname(createRequire(import.meta.url).resolve('uplot'));
  for (const name of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    const r = await fetch(new URL(`/assets/${name}`, dash.url));
    assert.equal(r.status, 200, name);
    assert.equal(await r.text(), fs.readFileSync(path.join(dist, name), 'utf8'), name);
  }
  for (const name of ['app.js', 'charts.js', 'run-panel.js', 'dom.js', 'style.css']) {
    const r = await fetch(new URL(`/assets/${name}`, dash.url));
    assert.equal(r.status, 200, name);
    assert.doesNotMatch(await r.text(), /https?:\/\//, `${name} requests nothing outside`);
  }
});

test('serves the runs\' files read-only, as inert content, through symlinks that stay inside', async () => {
  const m = await fetch(new URL('/run/0/metrics.jsonl', dash.url));
  assert.equal(m.status, 200);
  assert.match(m.headers.get('content-type')!, /^text\/plain/);
  assert.match(m.headers.get('content-security-policy')!, /^sandbox/);
  assert.equal(await m.text(), fs.readFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), 'utf8'));
  const rep = await fetch(new URL('/run/1/report.json', dash.url));
  assert.equal((await rep.json() as { task: string }).task, 'classification');
  const alias = await rawRequest(dash.url, '/run/0/alias.json');
  assert.equal(alias.status, 200);
  const head = await rawRequest(dash.url, '/run/0/config.yaml', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(fs.statSync(path.join(tmp.dirs[0]!, 'config.yaml')).size));
  assert.equal(head.body, '');
});

const ESCAPES = [
  '/run/0/../../../../../../etc/passwd',
  '/run/0/../secret.txt',
  '/run/0/..%2fsecret.txt',
  '/run/0/..%2F..%2F..%2Fetc%2Fpasswd',
  '/run/0/%2e%2e/secret.txt',
  '/run/0/%2E%2E/%2E%2E/etc/passwd',
  '/run/0/.%2e/secret.txt',
  '/run/0/%2e%2e%2fsecret.txt',
  '/run/0/..%5csecret.txt',
  '/run/0/..%5C..%5Cetc%5Cpasswd',
  '/run/0/..\\secret.txt',
  '/run/0/%252e%252e/secret.txt',
  '/run/0/%c0%ae%c0%ae/secret.txt',
  '/run/0//etc/passwd',
  '/run/0/%2fetc%2fpasswd',
  '/run/0/C:%5cWindows%5cwin.ini',
  '//etc/passwd',
  '/etc/passwd',
  'http://127.0.0.1/etc/passwd',
  '/run/0/leak.txt',
  '/run/0/up/secret.txt',
  '/run/0/etc/passwd',
  '/run/0/sibling.json',
  '/run/0/metrics.jsonl%00.png',
  '/run/0/%00',
  '/run/0/.',
  '/run/0/./metrics.jsonl',
  '/run/0/',
  '/run/0',
  '/run/0/missing.json',
  '/run/2/metrics.jsonl',
  '/run/00/metrics.jsonl',
  '/run/-1/metrics.jsonl',
  '/run/../package.json',
  '/assets/../package.json',
  '/assets/%2e%2e/package.json',
  '/assets/../../../etc/passwd',
  '/assets/server.ts',
  '/assets/',
  '/src/dashboard/server.ts',
  '/node_modules/uplot/package.json',
  '/package.json',
];

test('every way out of the runs and assets is 404 and leaks nothing', async () => {
  for (const target of ESCAPES) {
    const r = await rawRequest(dash.url, target);
    assert.equal(r.status, 404, target);
    assert.doesNotMatch(r.body, /TOP-SECRET|root:|"name"|classification/, target);
  }
});

test('a literal NUL in the request is refused by the HTTP parser (400) and the server stays up', async () => {
  const r = await rawRequest(dash.url, '/run/0/metrics.jsonl\0.png');
  assert.equal(r.status, 400);
  assert.equal((await rawRequest(dash.url, '/run/0/metrics.jsonl')).status, 200);
});

test('only GET and HEAD: other methods get 405 and change nothing', async () => {
  const before = fs.readFileSync(path.join(tmp.dirs[0]!, 'report.json'), 'utf8');
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const r = await rawRequest(dash.url, '/run/0/report.json', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD');
  }
  assert.equal(fs.readFileSync(path.join(tmp.dirs[0]!, 'report.json'), 'utf8'), before);
});

test('bound to loopback, it answers only requests addressed to localhost (DNS rebinding)', async () => {
  const port = new URL(dash.url).port;
  assert.equal((await rawRequest(dash.url, '/', { host: 'evil.example' })).status, 403);
  assert.equal((await rawRequest(dash.url, '/', { host: `evil.example:${port}` })).status, 403);
  assert.equal((await rawRequest(dash.url, '/', { host: `localhost:${port}` })).status, 200);
  assert.equal((await rawRequest(dash.url, '/', { host: `[::1]:${port}` })).status, 200);
});

interface Ev {
  type: string;
  data: {
    run?: number; reset?: boolean; rows?: Array<{ step: number }>; malformed?: { count: number; samples: Array<{ line: number }> };
    reading?: { bytesRead: number; bytes: number } | null;
  };
}

/** Opens /events and collects the parsed events as they arrive. */
function openEvents(url: string): { events: Ev[]; close(): void } {
  const events: Ev[] = [];
  let buf = '';
  const req = http.get(new URL('/events', url), (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const type = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (type && data) events.push({ type, data: JSON.parse(data) as Ev['data'] });
      }
    });
  });
  req.on('error', () => {});
  return { events, close: () => req.destroy() };
}

test('the event stream sends a snapshot, then appended rows and malformed counts, and survives garbage', async () => {
  const s = openEvents(dash.url);
  try {
    await waitFor(() => s.events.filter((e) => e.type === 'metrics').length === 2, 5000, 'the snapshot');
    assert.equal(s.events[0]!.type, 'hello');
    // each run's files (its lock state) come before its rows, so the page never labels them "not training" meanwhile
    assert.deepEqual(s.events.slice(1, 5).map((e) => `${e.type} ${e.data.run}`), ['files 0', 'metrics 0', 'files 1', 'metrics 1']);
    const snap = s.events.find((e) => e.type === 'metrics' && e.data.run === 0)!;
    assert.equal(snap.data.reset, true);
    const lines = fs.readFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), 'utf8').trimEnd().split('\n');
    assert.equal(snap.data.rows!.length, lines.length);
    assert.equal(snap.data.malformed!.count, 0);

    const metrics = path.join(tmp.dirs[0]!, 'metrics.jsonl');
    fs.appendFileSync(metrics, '{"step": 61, "loss": 1.9}\nthis is not json\n{"step": 62, "loss": 1.8}\n');
    await waitFor(() => s.events.some((e) => e.type === 'metrics' && e.data.reset === false), 5000, 'an append event');
    const ev = s.events.find((e) => e.type === 'metrics' && e.data.reset === false)!;
    assert.deepEqual(ev.data.rows!.map((r) => r.step), [61, 62]);
    assert.equal(ev.data.malformed!.count, 1);
    assert.equal(ev.data.malformed!.samples[0]!.line, lines.length + 2);

    fs.appendFileSync(metrics, Buffer.from([0, 255, 254, 10, 0x7b, 0x7b, 10, 0xc3, 10]));
    await waitFor(async () => {
      const snapshot = (await (await fetch(new URL('/api/snapshot', dash.url))).json()) as Ev[];
      return snapshot.find((e) => e.type === 'metrics' && e.data.run === 0)?.data.malformed?.count === 4;
    }, 5000, 'the garbage lines to be counted');
    assert.equal((await fetch(dash.url)).status, 200, 'still serving');
  } finally {
    s.close();
  }
});

test('a run still in progress (only metrics.jsonl, or nothing yet) is served with what it has', async () => {
  const t = tempRuns(RUN_GEN);
  const bare = path.join(t.root, 'fresh');
  fs.mkdirSync(bare);
  fs.rmSync(path.join(t.dirs[0]!, 'report.json'));
  fs.rmSync(path.join(t.dirs[0]!, 'config.yaml'));
  const d = await startDashboard({ runs: [t.dirs[0]!, bare], pollMs: 50 });
  try {
    const snap = (await (await fetch(new URL('/api/snapshot', d.url))).json()) as Array<{ type: string; data: Record<string, unknown> }>;
    const files = snap.filter((e) => e.type === 'files');
    assert.deepEqual(files.map((e) => [e.data.config, e.data.report]), [[null, null], [null, null]]);
    const metrics = snap.filter((e) => e.type === 'metrics');
    assert.equal((metrics[0]!.data.rows as unknown[]).length, 68);
    assert.deepEqual([metrics[1]!.data.exists, (metrics[1]!.data.rows as unknown[]).length], [false, 0]);
  } finally {
    await d.close();
    t.cleanup();
  }
});

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

test('a large metrics.jsonl is read a slice at a time: the page, other runs and a new stream are served meanwhile, and end up with every row', { timeout: 60_000 }, async () => {
  const t = tempRuns(RUN_GEN, RUN_CLS);
  const metrics = path.join(t.dirs[0]!, 'metrics.jsonl');
  const N = 300_000;
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
    const r = await fetch(new URL('/api/snapshot', d.url));
    assert.equal(r.status, 200);
    const snap = (await r.json()) as Array<{ type: string; data: { run: number; report?: { error?: string; json?: unknown }; malformed?: { samples: Array<{ reason: string }> } } }>;
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

test('bad options are UserErrors that say what and where', async () => {
  const expectUserError = async (p: Promise<unknown>, re: RegExp): Promise<void> => {
    await assert.rejects(p, (e: unknown) => isUserError(e) && re.test((e as Error).message));
  };
  await expectUserError(startDashboard({ runs: [] }), /no run directories given/);
  await expectUserError(startDashboard({ runs: ['/nonexistent/run'] }), /^\/nonexistent\/run: no such run directory/);
  await expectUserError(startDashboard({ runs: [path.join(tmp.dirs[0]!, 'metrics.jsonl')] }), /metrics\.jsonl: not a directory/);
  await expectUserError(startDashboard({ runs: tmp.dirs, port: 70000 }), /port must be an integer in 0\.\.65535/);
  // a name with its port would never equal a Host header's name: every request would get 403
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['mybox.lan:8765'] }), /^allowHosts: "mybox\.lan:8765" has a port; give the name alone \(mybox\.lan\)/);
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['[fe80::1]:80'] }), /has a port; give the name alone \(\[fe80::1\]\)/);
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['http://mybox.lan'] }), /"http:\/\/mybox\.lan" is no host name or address/);
  const port = Number(new URL(dash.url).port);
  await expectUserError(startDashboard({ runs: tmp.dirs, port }), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
});

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
  fs.writeFileSync(lock(t.dirs[1]!), JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }) + '\n');
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
