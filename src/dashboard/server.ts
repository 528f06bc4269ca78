// The dashboard server: node:http on 127.0.0.1 by default, serving the page's own assets (uPlot from
// node_modules), the files of the given runs read-only, and a server-sent-event stream that follows each
// run's metrics.jsonl, config.yaml and report.json by polling, each tick the runs that changed (poll-plan.ts), and
// the runs that appear meanwhile where the caller finds runs (`findRuns`: the CLI's folders of runs), added live.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { emptyPath } from '../util/empty-path.ts';
import { fileAsRunText } from '../train/file-as-run.ts';
import { libraryWords, type OptionWords } from '../util/option-words.ts';
import { capConnections, serverTimeouts } from './connections.ts';
import { checkDashboardOptions, type DashboardOptions } from './options.ts';
import { canonicalHost } from './host-names.ts';
import { info, warn } from '../util/log.ts';
import { oneLine } from '../util/json-file.ts';
import { PollPlan } from './poll-plan.ts';
import { RunWatcher, type RunInfo } from './run-watch.ts';
import { realpath, requestPath, resolveInside, safeSegments } from './safe-path.ts';
import { SseHub, eventBytes, type SseEvent } from './sse.ts';
import { assetType, runFileType, sendFile, sendText } from './static.ts';

export type { DashboardOptions } from './options.ts';

export interface Dashboard {
  url: string;
  /** The runs shown, those `findRuns` added since included. */
  runs: RunInfo[];
  close(): Promise<void>;
}

/** Headers on every response: no caching, no sniffing, no referrer, and a page that may only talk to us. */
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** Bytes of a run's metrics.jsonl read per poll (~45 ms of parsing at ~10 µs a 230-byte row): a larger file is read
 * across polls that follow at once (metrics-tail.ts), so the page and the other runs are served meanwhile. */
const READ_SLICE_BYTES = 1 << 20;
/** Bytes of metrics.jsonl files read per poll, all runs together: 40 runs of 2 MB held the server 5 s before it
 * listened, and each tick after for as long; the runs past the budget are read at the ticks that follow at once. */
const TICK_READ_BYTES = 2 << 20;
/** Run files open as inert documents: a hostile SVG or HTML in a run dir cannot run script here. */
const RUN_FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

/** Serves the runs' dashboard; errors and warnings name the options in the caller's `words` (the CLI's --port, FLAG_WORDS). */
export async function startDashboard(opts: DashboardOptions, words: OptionWords = libraryWords('startDashboard')): Promise<Dashboard> {
  const { host, port, pollMs, findRunsMs, heartbeatMs, limits } = checkDashboardOptions(opts, words);
  const watchers = makeWatchers(opts.runs);
  const runs = watchers.map((w) => w.info);
  const assets = assetTable();
  const hub = new SseHub(undefined, undefined, heartbeatMs);
  const allowed = allowedHostNames(host, opts.allowHosts ?? []);

  // the hello says how often the stream's heartbeat comes: the page takes a stream silent for 3 of them for lost
  const snapshot = (): SseEvent[] => [{ type: 'hello', data: { runs, heartbeatMs } }, ...watchers.flatMap((w) => w.snapshot())];
  // the streams' snapshot, formatted again only once a poll has sent what changed, and its bytes shared: 200
  // streams opened at once and not read (a local process in a loop; 10 runs of 8,000 rows) each formatted and held a
  // 12 MB snapshot of their own, the event loop held 59 s meanwhile and 1.4 GB taken
  // (one for streams that take large events in parts, sse.ts, one for those that do not: a page from before parts)
  let streamSnapshot: Buffer[] | null = null;
  let streamSnapshotInParts: Buffer[] | null = null;
  // which runs a tick reads: those that changed (watched folders), are training or being read, and a few in turn,
  // so that an idle dashboard's cost does not grow with the number of runs (poll-plan.ts)
  const plan = new PollPlan(watchers);
  let turn = 0;
  /** Reads the runs due, each at most READ_SLICE_BYTES of its metrics.jsonl and all TICK_READ_BYTES; true when one has
   * more to read or had to wait. */
  const pollDue = (): boolean => {
    let behind = false;
    let budget = TICK_READ_BYTES;
    const due = plan.due();
    // started at another run each tick, so that runs reading large files do not keep the same others waiting
    const start = turn++ % Math.max(due.length, 1);
    for (const i of [...due.slice(start), ...due.slice(0, start)]) {
      const w = watchers[i]!;
      if (budget <= 0) {
        plan.defer(i);
        behind = true;
        continue;
      }
      const before = w.metricsBytesRead;
      try {
        const events = w.poll(Math.min(READ_SLICE_BYTES, budget));
        if (events.length > 0) streamSnapshot = streamSnapshotInParts = null; // what it held changed (a poll that finds no change sends none)
        hub.send(events);
        behind ||= w.behind;
      } catch (e) {
        warn(`dashboard: polling ${w.dir} failed: ${(e as Error).message}`);
      }
      const after = w.metricsBytesRead;
      budget -= after >= before ? after - before : after; // a file that started over is read from byte 0
      plan.read(i);
    }
    return behind;
  };
  // the run folders given or added (as found), so that a run found again is not looked at again (its real path taken)
  const known = new Set(opts.runs);
  /** Adds the runs of `dirs` not shown yet (by real path, as makeWatchers tells a run given twice), and tells the open
   * pages: a 'runs' event with them, then their state (read at the next tick, which sends what it finds). */
  const addRuns = (dirs: readonly string[]): void => {
    const added: RunWatcher[] = [];
    for (const given of dirs) {
      if (known.has(given)) continue;
      let real: string;
      try {
        real = realRunDir(given);
      } catch {
        continue; // gone again, or no folder: looked at again when found again
      }
      known.add(given);
      if (watchers.some((w) => w.dir === real)) continue;
      const base = path.basename(path.resolve(given));
      // told apart by the path as given when another run has its folder name (the one shown before keeps its name)
      const name = watchers.some((w) => path.basename(path.resolve(w.info.path)) === base) ? given : base;
      const w = new RunWatcher({ id: watchers.length, name, path: given }, real);
      watchers.push(w);
      runs.push(w.info);
      plan.add(w);
      added.push(w);
      info(`dashboard: new run ${w.info.id}: ${oneLine(given)}`);
    }
    if (added.length === 0) return;
    streamSnapshot = streamSnapshotInParts = null;
    hub.send([{ type: 'runs', data: { runs: added.map((w) => w.info) } }, ...added.flatMap((w) => w.snapshot())]);
  };
  const findRuns = opts.findRuns;
  const finding = findRuns === undefined ? undefined : setInterval(() => {
    try {
      addRuns(findRuns());
    } catch (e) {
      warn(`dashboard: looking for new runs failed: ${(e as Error).message}`);
    }
  }, findRunsMs).unref();
  // the next poll comes after pollMs, or at once while a large file is being read: setImmediate still lets the
  // requests and streams waiting meanwhile be served first. Not unref'd: an idle event loop does not wake for an unref'd
  // immediate, which ran at the next timer or request instead (the server's connection check, each second), so a large
  // file was read 1 MiB a second (900 MB: a quarter of an hour) rather than at once; close() clears it (stopPolling)
  let stopped = false;
  let next: { timeout?: NodeJS.Timeout; immediate?: NodeJS.Immediate } = {};
  const tick = (): void => {
    if (stopped) return;
    next = pollDue() ? { immediate: setImmediate(tick) } : { timeout: setTimeout(tick, pollMs).unref() };
  };
  const stopPolling = (): void => {
    stopped = true;
    clearTimeout(next.timeout);
    clearImmediate(next.immediate);
    clearInterval(finding);
    plan.close();
    // a report being parsed on its thread (up to 30 s) would keep a closed dashboard's process alive and its bytes held
    for (const w of watchers) w.close();
  };
  // the large reports the first poll found are parsed on their thread meanwhile, one at a time (up to 30 s each): the
  // page is served at once, saying each is being read, and each is sent when parsed (the tick after: reportReady)
  tick();

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'method not allowed: the dashboard is read-only', { ...COMMON_HEADERS, Allow: 'GET, HEAD' });
      return;
    }
    if (!allowed.has(hostHeaderName(req.headers.host))) {
      // A page on another origin that re-points its own name at this machine (DNS rebinding) sends its own Host.
      sendText(res, 403, 'forbidden: this dashboard only answers to the names of this machine (see --allow-host)', COMMON_HEADERS);
      return;
    }
    const p = requestPath(req.url);
    const notFound = (): void => sendText(res, 404, 'not found', COMMON_HEADERS);
    if (p === null) return notFound();
    const pageHeaders = { ...COMMON_HEADERS, 'Content-Security-Policy': PAGE_CSP };
    if (p === '/' || p === '/index.html') return sendFile(res, assets.get('index.html')!, assetType('index.html'), pageHeaders);
    // A run file's tab (a sandboxed document: its origin is opaque) asks for /favicon.ico, which same-origin CORP
    // refused with a console error on every file opened: a 404 any origin may read (it holds nothing), taken quietly
    if (p === '/favicon.ico') return sendText(res, 404, 'no icon', { ...COMMON_HEADERS, 'Cross-Origin-Resource-Policy': 'cross-origin' });
    if (p === '/events') {
      if (req.method === 'HEAD') return sendText(res, 200, '', COMMON_HEADERS);
      // past the streams' share the stream is refused, not an open one cut: the reserve keeps the page reachable
      // (the page shows the note and asks again on a timer: an EventSource gives up after an answer other than 200)
      if (hub.size >= limits.max - limits.reserve) {
        return sendText(res, 503, `live updates refused: ${hub.size} /events streams are open, the most this dashboard serves (too many open dashboards); try again later`, { ...COMMON_HEADERS, 'Retry-After': '10' });
      }
      // the page asks for large events in parts (`?parts=1`), which a stream on a slow link shows life by (sse.ts)
      if (new URL(req.url!, 'http://dashboard').searchParams.get('parts') === '1') {
        return hub.open(req, res, (streamSnapshotInParts ??= eventBytes(snapshot(), true)), COMMON_HEADERS, true);
      }
      return hub.open(req, res, (streamSnapshot ??= eventBytes(snapshot())), COMMON_HEADERS);
    }
    if (p === '/api/snapshot') {
      res.writeHead(200, { ...COMMON_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
      if (req.method === 'HEAD') return void res.end();
      return writeJsonArray(res, snapshot());
    }
    if (p.startsWith('/assets/')) {
      const file = assets.get(p.slice('/assets/'.length));
      return file ? sendFile(res, file, assetType(file), pageHeaders) : notFound();
    }
    const m = /^\/run\/(0|[1-9][0-9]{0,5})\/(.+)$/.exec(p);
    if (m) {
      const w = watchers[Number(m[1])];
      const segments = safeSegments(m[2]!);
      const file = w && segments ? resolveInside(w.dir, segments) : null;
      if (!file) return notFound();
      return sendFile(res, file, runFileType(file), { ...COMMON_HEADERS, 'Content-Security-Policy': RUN_FILE_CSP }, w.dir);
    }
    notFound();
  };

  const server = http.createServer(serverTimeouts(limits), (req, res) => {
    // a connection past the cap, every other with a request in flight (capConnections): answered, not left to retry
    if (overCap(req)) {
      sendText(res, 503, `busy: the dashboard holds ${limits.max} connections, each with a request in flight (the most it serves); try again shortly`,
        { ...COMMON_HEADERS, 'Retry-After': '5', Connection: 'close' });
      return;
    }
    // a response the client takes nothing of for stallMs (a large run file or snapshot never read) is ended, or it would
    // hold its connection for ever; a stream's heartbeats are not progress, and a stream that stops reading is dropped
    // by its unsent bytes (sse.ts). The socket's idle timer restarts at each write that reaches it.
    if (requestPath(req.url) !== '/events') res.setTimeout(limits.stallMs, () => res.destroy());
    else req.socket.setTimeout(0); // a stream pipelined after a file: the file's timer is the socket's, still set
    try {
      handle(req, res);
    } catch (e) {
      warn(`dashboard: ${req.method} ${req.url}: ${(e as Error).message}`);
      if (!res.headersSent) sendText(res, 500, 'internal error', COMMON_HEADERS);
      else res.destroy();
    }
  });
  // each connection may hold a response the client does not read (a snapshot of every run): past the cap the oldest
  // idle one is closed, or, every one busy, the new one refused, instead of the server holding all their bytes
  const overCap = capConnections(server, limits.max);
  await listen(server, port, host, words).catch((e: unknown) => {
    stopPolling();
    hub.close();
    throw e;
  });
  // said once it listens: a --host refused (no address of this machine) is its one error line, not a warning first
  if (!isLoopback(host)) {
    warn(`dashboard: listening on ${host}, so the runs' files are readable by anyone on the network who can reach this machine; ` +
      `it answers only requests addressed to ${boundedItemsText([...allowed], { shown: 6 })} (${words.say('allowHosts')} adds a name)`);
  }
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  // a wildcard is no address to open: the URL names loopback, which the Host check answers (0.0.0.0 it does not)
  const urlHost = isWildcard(host) ? (host.includes(':') ? '::1' : '127.0.0.1') : host;
  const url = `http://${urlHost.includes(':') ? bracketed(urlHost) : urlHost}:${boundPort}/`;
  let closed: Promise<void> | null = null;
  return {
    url,
    runs,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        stopPolling();
        hub.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

/**
 * Writes `events` to `res` as a JSON array and ends it, an event at a time, each once the client has taken the one before
 * (drain). Thousands of long runs' events joined in one string pass V8's string limit (~0.5 GiB), and each event is
 * bounded (a run's rows capped, series-cap.ts; its files inlined up to 2 MiB); written all at once, 200 clients that do not
 * read (10 runs of 8,000 rows) held 200 snapshots of 12 MB and the event loop for 55 s, the page unanswered meanwhile.
 */
export function writeJsonArray(res: Pick<http.ServerResponse, 'write' | 'end' | 'once'>, events: readonly unknown[]): void {
  let i = 0;
  const next = (): void => {
    while (i < events.length) {
      const taken = res.write(`${i === 0 ? '[' : ','}${JSON.stringify(events[i])}`);
      i++;
      if (!taken) return void res.once('drain', next);
    }
    res.end(i === 0 ? '[]' : ']');
  };
  next();
}

/** The real path of the run directory `d`, or a UserError saying why it is none (the CLI asks in command-line order). */
export function realRunDir(d: string): string {
  // an unset variable quoted ("$RUN"): said as what it is, not as an error without its place
  if (d === '') throw emptyPath('run directory', 'folder', 'a run folder (the output_dir of a train run)');
  let st: fs.Stats;
  let realPath: string;
  try {
    st = fs.statSync(d);
    realPath = realpath(d);
  } catch {
    // a name that is not UTF-8 reaches node as U+FFFD (process.argv is decoded): it names nothing
    throw new UserError(d.includes('\uFFFD') ? 'no such run directory (a name with bytes that are not UTF-8 cannot be given to node: rename the folder)' : 'no such run directory', d);
  }
  // a training config given as the run names its output_dir, as export's and eval's --run do
  if (st.isFile()) throw new UserError(fileAsRunText(d, 'give the folder a train wrote, not a file in it'), d);
  if (!st.isDirectory()) throw new UserError('not a directory (give the run directory)', d);
  return realPath;
}

function makeWatchers(dirs: string[]): RunWatcher[] {
  // each folder's real path is taken now, once: one swapped for a symlink later serves nothing (resolveInside)
  const real = dirs.map(realRunDir);
  // a run given twice (runs/a and runs/a/, or a folder of runs and a run in it) is shown once, as first given
  const kept = dirs.flatMap((given, i) => (real.indexOf(real[i]!) === i ? [{ given, real: real[i]! }] : []));
  const base = kept.map((k) => path.basename(path.resolve(k.given)));
  return kept.map((k, id) => {
    // Two runs with the same folder name are told apart by the path as given.
    const name = base.filter((b) => b === base[id]).length > 1 ? k.given : base[id]!;
    return new RunWatcher({ id, name, path: k.given }, k.real);
  });
}

/** URL name → file: every file in ./assets plus uPlot's script and stylesheet from node_modules. */
function assetTable(): Map<string, string> {
  const dir = fileURLToPath(new URL('./assets/', import.meta.url));
  const table = new Map<string, string>();
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile()) table.set(e.name, path.join(dir, e.name));
  }
  const uplotDist = path.dirname(createRequire(import.meta.url).resolve('uplot'));
  for (const name of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    const file = path.join(uplotDist, name);
    if (!fs.existsSync(file)) throw new Error(`uPlot asset missing: ${file} (run npm ci)`);
    table.set(name, file);
  }
  return table;
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host)) return true;
  // ::1 however written (0:0:0:0:0:0:0:1), or an IPv4 loopback address mapped (::ffff:127.0.0.1, as a URL writes it)
  return net.isIP(host) === 6 && /^\[(::1|::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4})\]$/.test(bracketed(host));
}

/**
 * An IPv6 address in brackets, as a URL writes it (WHATWG: lower case, the longest run of zeros as ::, an IPv4 tail in
 * hex): the Host a browser sends. `fd00:0:0:0:0:0:0:2` given to --host or --allow-host was compared with the Host
 * `[fd00::2]` as text, and every request to it was refused (403), at the URL the dashboard printed too. One that no URL
 * takes (a zone, fe80::1%eth0) is only put in brackets and lower-cased.
 */
function bracketed(address: string): string {
  const inner = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  try {
    return new URL(`http://[${inner}]/`).hostname;
  } catch {
    return `[${inner}]`.toLowerCase();
  }
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);

/** Whether listening on `host` listens on every address: `::` however written (0:0:0:0:0:0:0:0, ::0) too. */
function isWildcard(host: string): boolean {
  return WILDCARDS.has(host) || (net.isIP(host) === 6 && bracketed(host) === '[::]');
}

/**
 * The Host-header names the server answers: loopback names always; for another address, that address
 * (or, for a wildcard, every address of this machine), the machine's hostname, and `extra`. Names are
 * lower-case, IPv6 in brackets, without the port.
 */
export function allowedHostNames(host: string, extra: readonly string[]): Set<string> {
  const bracket = (a: string): string => (a.includes(':') ? bracketed(a) : a.toLowerCase());
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (isLoopback(host)) names.add(bracket(host));
  else {
    if (!isWildcard(host)) names.add(bracket(host));
    const hostname = os.hostname().toLowerCase();
    names.add(hostname);
    names.add(hostname.split('.')[0]!);
    if (isWildcard(host)) {
      for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) names.add(bracket(a.address.replace(/%.*$/, '')));
    }
  }
  for (const e of extra) names.add(bracket(canonicalHost(e)));
  return names;
}

/** The name of a Host header, without its port; '' when absent or not a name with an optional port. */
function hostHeaderName(header: string | undefined): string {
  if (!header) return '';
  // an IPv6 address in brackets is the name only with nothing but a port after it: "[::1]evil.example" was read as "[::1]"
  const ipv6 = /^(\[[^\]]*\])(?::\d*)?$/.exec(header);
  if (header.startsWith('[') && !ipv6) return '';
  const name = ipv6 ? bracketed(ipv6[1]!) : header.replace(/:\d*$/, '');
  const lower = name.toLowerCase();
  return /^127\.\d+\.\d+\.\d+$/.test(lower) ? '127.0.0.1' : lower;
}

/**
 * Checks that the dashboard could listen on `port` of `host` now (binds and closes at once), with the
 * same one-line errors as startDashboard (in `words`): `train --dashboard` asks before it creates the run.
 */
export async function checkListenable(port: number, words: OptionWords, host = '127.0.0.1'): Promise<void> {
  if (port === 0) return;
  const server = net.createServer();
  await listen(server, port, host, words);
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Listens on `port` of `host`; a port or host it cannot have is a UserError naming the options in `words`. */
function listen(server: net.Server, port: number, host: string, words: OptionWords): Promise<void> {
  const portOption = words.say('port');
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') {
        reject(new UserError(`port ${port} on ${host} is already in use; choose another with ${portOption}, or ${portOption} 0 for any free one`, words.where));
      } else if (['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EINVAL', 'EAFNOSUPPORT'].includes(e.code ?? '')) {
        // EINVAL: an IPv6 address whose zone names no interface (fe80::1%nosuch); EAFNOSUPPORT: IPv6 off on this machine
        reject(new UserError(`cannot listen on host "${host}" (${e.code}); give an address of this machine with ${words.say('host')}`, words.where));
      } else if (e.code === 'EACCES') {
        reject(new UserError(`not allowed to listen on port ${port} (${e.code}); use a port above 1023 or ${portOption} 0`, words.where));
      } else {
        reject(e);
      }
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
