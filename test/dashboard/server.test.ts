// The dashboard server over real HTTP: what it serves, every path-escape case answered 404, read-only
// methods, the localhost Host check, the SSE stream following appends and malformed lines, and its errors
// (server-files.test.ts: large and hostile run files; server-folders.test.ts: run folders, their locks).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { startDashboard, type Dashboard } from '../../src/dashboard/server.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS, type OptionWords } from '../../src/util/option-words.ts';
import { RUN_CLS, RUN_GEN, openEvents, rawRequest, tempRuns, waitFor, type Ev } from './helpers.ts';

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
  // every file the page loads, followed from the page through the modules' imports (a hand list missed new modules)
  const ours = [...page.body.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]!).filter((n) => !n.startsWith('uPlot.'));
  for (let i = 0; i < ours.length; i++) {
    const name = ours[i]!;
    const r = await fetch(new URL(`/assets/${name}`, dash.url));
    assert.equal(r.status, 200, name);
    const text = await r.text();
    assert.doesNotMatch(text, /https?:\/\//, `${name} requests nothing outside`);
    for (const m of text.matchAll(/(?:from|import\() *'\.\/([^']+)'/g)) if (!ours.includes(m[1]!)) ours.push(m[1]!);
  }
  assert.ok(ours.includes('val-sets.js') && ours.includes('style.css'), `the page's own files followed: ${ours.join(', ')}`);
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
  // a name after the brackets is no IPv6 address with a port: "[::1]evil.example" was answered as [::1]
  for (const host of ['[::1]evil.example', `[::1]evil.example:${port}`, `[::1]:${port}x`]) assert.equal((await rawRequest(dash.url, '/', { host })).status, 403, host);
});

test('an IPv6 address is compared as a URL spells it: one given in a long form (--allow-host, --host) is answered at the URL printed', async (t) => {
  const port = new URL(dash.url).port;
  // a browser writes the Host of http://[FD00:0:0:0:0:0:0:2]/ as [fd00::2]: the name given was never matched
  const d = await startDashboard({ runs: tmp.dirs, allowHosts: ['FD00:0:0:0:0:0:0:2'] });
  try {
    for (const host of ['[fd00::2]', `[fd00::2]:${port}`, '[FD00:0::2]', '[fd00:0:0:0:0:0:0:2]']) assert.equal((await rawRequest(d.url, '/', { host })).status, 200, host);
    assert.equal((await rawRequest(d.url, '/', { host: '[fd00::3]' })).status, 403);
  } finally {
    await d.close();
  }
  // loopback written as an IPv4-mapped address: its URL is printed as a browser asks for it, and answered
  let mapped: Awaited<ReturnType<typeof startDashboard>>;
  try {
    mapped = await startDashboard({ runs: tmp.dirs, host: '::ffff:127.0.0.1' });
  } catch (e) {
    return t.skip(`cannot listen on ::ffff:127.0.0.1 here (${(e as Error).message})`);
  }
  try {
    assert.match(mapped.url, /^http:\/\/\[::ffff:7f00:1\]:\d+\/$/);
    assert.equal((await fetch(mapped.url)).status, 200);
  } finally {
    await mapped.close();
  }
});

test('every address written in full (0:0:0:0:0:0:0:0, ::0) is the wildcard: the URL printed is loopback, and the addresses of this machine are answered', async (t) => {
  const external = Object.values(os.networkInterfaces()).flat().find((a) => a !== undefined && !a.internal);
  for (const host of ['0:0:0:0:0:0:0:0', '::0']) {
    let d: Dashboard;
    try {
      d = await startDashboard({ runs: tmp.dirs, host });
    } catch (e) {
      return t.skip(`cannot listen on ${host} here (${(e as Error).message})`);
    }
    try {
      // a browser asks http://[::]:PORT/ for [::]: it opens on Linux only, and not this machine's other addresses
      assert.match(d.url, /^http:\/\/\[::1\]:\d+\/$/, host);
      assert.equal((await fetch(d.url)).status, 200);
      if (external) {
        const name = external.family === 'IPv6' ? `[${external.address}]` : external.address;
        assert.equal((await rawRequest(d.url, '/', { host: name })).status, 200, `${name} (${host})`);
      }
    } finally {
      await d.close();
    }
  }
});

test('/api/snapshot is sent an event at a time (one string of thousands of long runs passed V8\'s string limit), as the stream\'s snapshot', async () => {
  const r = await fetch(new URL('/api/snapshot', dash.url));
  assert.equal(r.headers.get('transfer-encoding'), 'chunked');
  assert.equal(r.headers.get('content-length'), null);
  const snapshot = (await r.json()) as Ev[];
  assert.deepEqual(snapshot.map((e) => `${e.type} ${e.data.run ?? ''}`), ['hello ', 'files 0', 'metrics 0', 'files 1', 'metrics 1']);
  const head = await rawRequest(dash.url, '/api/snapshot', { method: 'HEAD' });
  assert.deepEqual([head.status, head.headers['content-type'], head.body], [200, 'application/json; charset=utf-8', '']);
});

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

test('bad options are UserErrors that say what and where', async () => {
  const expectUserError = async (p: Promise<Dashboard>, re: RegExp): Promise<void> => {
    // one that started after all is closed, so the test fails rather than waits on its server for ever
    await assert.rejects(p.then(async (d) => (await d.close(), d)), (e: unknown) => isUserError(e) && re.test((e as Error).message));
  };
  await expectUserError(startDashboard({ runs: [] }), /^startDashboard: options\.runs is an empty list: give at least one run folder/);
  // a library call was told of "an empty run directory argument", the CLI's words, without the function or the option
  await expectUserError(startDashboard({ runs: [tmp.dirs[0]!, ''] }), /^startDashboard: options\.runs\[1\] is "", which names no folder: give a run folder/);
  // a misspelt key was ignored (poll_ms: polled every 250 ms), an ill-typed one read char by char (allowHosts: 'a.lan')
  await expectUserError(startDashboard({ runs: tmp.dirs, poll_ms: 50 } as never), /^startDashboard: options\.poll_ms is no option: write options\.pollMs/);
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: 'a.lan' } as never), /^startDashboard: options\.allowHosts is "a\.lan": give a list of host names$/);
  await expectUserError(startDashboard({ runs: tmp.dirs, connectionLimits: { stall_ms: 5 } } as never), /^startDashboard: options\.connectionLimits\.stall_ms is no option: write options\.connectionLimits\.stallMs/);
  await expectUserError(startDashboard({ runs: tmp.dirs, port: '80' } as never), /^startDashboard: options\.port is "80": give an integer from 0 to 65535/);
  await expectUserError(startDashboard({ runs: tmp.dirs, pollMs: -1 }), /^startDashboard: options\.pollMs is -1: give a positive number of milliseconds/);
  await expectUserError(startDashboard({ runs: ['/nonexistent/run'] }), /^\/nonexistent\/run: no such run directory/);
  await expectUserError(startDashboard({ runs: [path.join(tmp.dirs[0]!, 'metrics.jsonl')] }), /metrics\.jsonl: a file, not a run directory: give the folder a train wrote, not a file in it$/);
  // a device is no file: not called one
  await expectUserError(startDashboard({ runs: ['/dev/null'] }), /^\/dev\/null: not a directory \(give the run directory\)$/);
  // a training config given as the run names the folder its train writes, as export's --run does (was "not a directory")
  const config = path.join(tmp.root, 'train-lora.yaml'), outDir = path.join(tmp.root, 'runs', 'lora');
  fs.writeFileSync(config, 'model: m\noutput_dir: runs/lora\n');
  const named = `${config}: a file, not a run directory: give the folder a train wrote, not a file in it (this config's output_dir: ${outDir})`;
  await expectUserError(startDashboard({ runs: [config] }), new RegExp(`^${named.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  await expectUserError(startDashboard({ runs: tmp.dirs, port: 70000 }), /^startDashboard: options\.port is 70000: give an integer from 0 to 65535/);
  // a name with its port would never equal a Host header's name: every request would get 403
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['mybox.lan:8765'] }), /^startDashboard: options\.allowHosts: "mybox\.lan:8765" has a port; give the name alone \(mybox\.lan\)/);
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['[fe80::1]:80'] }), /has a port; give the name alone \(\[fe80::1\]\)/);
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['http://mybox.lan'] }), /"http:\/\/mybox\.lan" is no host name or address/);
  // names no Host header can hold were taken and matched nothing: every request so addressed refused (403) without a word
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['a.lan,b.lan'] }), /^startDashboard: options\.allowHosts: "a\.lan,b\.lan" is no host name or address: give one name each time \(a\.lan, then b\.lan\)$/);
  await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: ['*.lan'] }), /^startDashboard: options\.allowHosts: "\*\.lan" is no host name or address: there are no wildcards, give each name$/);
  // a comma with one name or none is no list: the rule for a name (it said "give one name each time ()")
  for (const bad of ['-box', 'a..b', 'a%b', ',', 'a.lan,']) await expectUserError(startDashboard({ runs: tmp.dirs, allowHosts: [bad] }), /is no host name or address; give one such as mybox\.lan$/);
  const port = Number(new URL(dash.url).port);
  await expectUserError(startDashboard({ runs: tmp.dirs, port }), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
});

// a library call was told to "choose another with --port, or --port 0", "give an address of this machine with --host",
// "(--allow-host adds a name)": flags it has no way to give
test("startDashboard names a library caller's options (options.port, options.host, options.allowHosts), the CLI's flags as before", async () => {
  const port = Number(new URL(dash.url).port);
  const refusal = async (opts: Parameters<typeof startDashboard>[0], words?: OptionWords): Promise<{ message: string; warnings: string }> => {
    const { result: e, stderr } = await withStderr(() => startDashboard(opts, words).then((d) => d.close()).then(() => assert.fail('expected a refusal'), (e: unknown) => e));
    assert.ok(isUserError(e), String(e));
    return { message: e.message, warnings: stderr };
  };
  const taken = await refusal({ runs: tmp.dirs, port });
  assert.equal(taken.message, `startDashboard: port ${port} on 127.0.0.1 is already in use; choose another with options.port, or options.port 0 for any free one`);
  assert.equal((await refusal({ runs: tmp.dirs, port }, FLAG_WORDS)).message,
    `port ${port} on 127.0.0.1 is already in use; choose another with --port, or --port 0 for any free one`);
  // 192.0.2.1 (TEST-NET-1) is no address of this machine: the refusal alone (the warning that the runs were readable
  // from the network came first, of a dashboard that never listened)
  const lib = await refusal({ runs: tmp.dirs, host: '192.0.2.1' });
  assert.doesNotMatch(lib.message, /--[a-z]/);
  assert.match(lib.message, /^startDashboard: cannot listen on host "192\.0\.2\.1" \(EADDRNOTAVAIL\); give an address of this machine with options\.host$/);
  assert.equal(lib.warnings, '');
  const cli = await refusal({ runs: tmp.dirs, host: '192.0.2.1' }, FLAG_WORDS);
  assert.match(cli.message, /^cannot listen on host "192\.0\.2\.1" \(EADDRNOTAVAIL\); give an address of this machine with --host$/);
  assert.equal(cli.warnings, '');
  // listening on every address, the warning names the caller's option
  for (const [w, say] of [[undefined, /\(options\.allowHosts adds a name\)$/m], [FLAG_WORDS, /\(--allow-host adds a name\)$/m]] as const) {
    const { stderr } = await withStderr(async () => (await startDashboard({ runs: tmp.dirs, host: '0.0.0.0' }, w)).close());
    assert.match(stderr, say);
    if (w === undefined) assert.doesNotMatch(stderr, /--[a-z]/);
  }
  // an IPv6 address with a zone that names no interface: listen fails EINVAL, which escaped as a crash with a stack
  const zone = await refusal({ runs: tmp.dirs, host: 'fe80::1%nosuch' }, FLAG_WORDS);
  assert.match(zone.message, /^cannot listen on host "fe80::1%nosuch" \((EINVAL|EAFNOSUPPORT)\); give an address of this machine with --host$/);
});

// `--host 0` listened on every address yet was printed as http://0:PORT/ (a Host the check refused) and warned of as
// "listening on 0"; `127.1` and `LOCALHOST` (loopback) were warned of as reachable from the network
test('a short IPv4 form (0, 127.1) is the address it stands for and a name is compared in lower case: the URL, the warning and the Host check say so', async () => {
  const started = async (host: string): Promise<{ d: Dashboard; warnings: string }> => {
    const { result: d, stderr } = await withStderr(() => startDashboard({ runs: tmp.dirs, host, allowHosts: ['127.2', 'MyBox.Lan', 'Bücher.Lan'] }));
    return { d, warnings: stderr };
  };
  for (const [host, shownAs] of [['127.1', '127.0.0.1'], ['0x7f.0.0.1', '127.0.0.1'], ['LOCALHOST', 'localhost']] as const) {
    const { d, warnings } = await started(host);
    try {
      assert.equal(warnings, '', host);
      assert.match(d.url, new RegExp(`^http://${shownAs.replaceAll('.', '\\.')}:\\d+/$`), host);
      assert.equal((await fetch(d.url)).status, 200, `${d.url} (${host})`);
      assert.equal((await rawRequest(d.url, '/', { host: 'mybox.lan' })).status, 200, host);
      // a browser sends an international name in its ASCII form (punycode): it was compared as given, and refused
      assert.equal((await rawRequest(d.url, '/', { host: 'xn--bcher-kva.lan' })).status, 200, host);
    } finally {
      await d.close();
    }
  }
  const { d, warnings } = await started('0');
  try {
    assert.match(warnings, /listening on 0\.0\.0\.0, so the runs' files are readable by anyone on the network/);
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal((await fetch(d.url)).status, 200);
    assert.equal((await rawRequest(d.url, '/', { host: os.hostname() })).status, 200);
  } finally {
    await d.close();
  }
});

/** What `body` resolves to, and what was written to stderr while it ran. */
async function withStderr<T>(body: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const result = await body();
    return { result, stderr: lines.join('') };
  } finally {
    process.stderr.write = write;
  }
}
