// Idle connections cannot shut out the page: at the connection cap the oldest one with no request in flight is closed
// to make room (an /events stream being read never is), and one that sends no whole request header in time is closed.
// Before, 256 sockets opened and left silent (any local process) made the server refuse every new connection until
// Node dropped them ~60 s later.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { startDashboard } from '../../src/dashboard/server.ts';
import { isUserError } from '../../src/util/errors.ts';
import { OVERFLOW_ANSWERED } from '../../src/dashboard/connections.ts';
import { RUN_GEN, openEvents, rawRequest, tempRuns, waitFor } from './helpers.ts';

/** `n` sockets to the server at `url`, each connected and sending nothing; `closed[i]` says whether the server closed it. */
async function idleSockets(url: string, n: number): Promise<{ sockets: net.Socket[]; closed: boolean[]; got: string[] }> {
  const u = new URL(url);
  const closed = new Array<boolean>(n).fill(false);
  const got = new Array<string>(n).fill('');
  const sockets = await Promise.all(Array.from({ length: n }, (_, i) => new Promise<net.Socket>((resolve) => {
    const s = net.connect(Number(u.port), u.hostname, () => resolve(s));
    s.on('data', (d) => (got[i] += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      closed[i] = true;
      resolve(s);
    });
  })));
  return { sockets, closed, got };
}

/** The server's side of each connection is taken (and counted) once the event loop has turned; wait till it has. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 100));

test('256 idle sockets (the default cap) do not shut out the page: the oldest is closed, an /events stream being read kept', { timeout: 20_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const dash = await startDashboard({ runs: tmp.dirs, pollMs: 20 });
  const stream = openEvents(dash.url);
  let idle: Awaited<ReturnType<typeof idleSockets>> | null = null;
  try {
    await waitFor(() => stream.events.length > 0, 5_000, 'the stream to open');
    idle = await idleSockets(dash.url, 256);
    await settle();
    const res = await fetch(dash.url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<html/i);
    const sockets = idle;
    await waitFor(() => sockets.closed[0]!, 5_000, 'the oldest idle socket to be closed to make room');
    assert.ok(!idle.closed[255], 'the newest idle socket is still open');
    // the stream, opened before them all, still gets what changes
    fs.appendFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), '{"step": 999, "loss": 1}\n');
    await waitFor(() => stream.events.some((e) => e.data.rows?.some((r) => r.step === 999)), 5_000, 'the new row on the stream');
  } finally {
    for (const s of idle?.sockets ?? []) s.destroy();
    stream.close();
    await dash.close();
    tmp.cleanup();
  }
});

test('at a cap of 4: the oldest idle socket is closed for each new one; with every connection busy a new one is refused', { timeout: 20_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const dash = await startDashboard({ runs: tmp.dirs, pollMs: 20, connectionLimits: { max: 4, reserve: 0 } });
  const streams: Array<ReturnType<typeof openEvents>> = [];
  let idle: Awaited<ReturnType<typeof idleSockets>> | null = null;
  let late: Awaited<ReturnType<typeof idleSockets>> | null = null;
  try {
    idle = await idleSockets(dash.url, 4);
    await settle();
    assert.deepEqual(idle.closed, [false, false, false, false], 'four fit');
    for (let i = 0; i < 2; i++) {
      streams.push(openEvents(dash.url));
      await waitFor(() => streams[i]!.events.length > 0, 5_000, `stream ${i} to open`);
    }
    const first = idle;
    await waitFor(() => first.closed[0]! && first.closed[1]!, 5_000, 'the two oldest idle sockets to close');
    assert.deepEqual(idle.closed, [true, true, false, false], 'the two oldest closed, the others kept');
    streams.push(openEvents(dash.url), openEvents(dash.url));
    await waitFor(() => streams[2]!.events.length > 0 && streams[3]!.events.length > 0, 5_000, 'streams 2 and 3 to open');
    assert.deepEqual(idle.closed, [true, true, true, true]);
    // four streams being read, none idle: a fifth connection is refused, and no stream is cut for it; refused with a
    // 503 saying so (it was reset, and fetch or a browser retried it, waiting up to stallMs for a slot: ~120 s)
    const refused = await rawRequest(dash.url, '/');
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '5');
    assert.match(refused.body, /^busy: the dashboard holds 4 connections, each with a request in flight/);
    // past OVERFLOW_ANSWERED refused ones waiting to send their request, a new one is reset
    late = await idleSockets(dash.url, OVERFLOW_ANSWERED + 1);
    const over = late;
    await waitFor(() => over.closed[OVERFLOW_ANSWERED]!, 5_000, 'the connection past the refused ones to be reset');
    assert.ok(!over.closed[0], 'a refused one waits for its request, to be answered 503');
    fs.appendFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), '{"step": 999, "loss": 1}\n');
    for (const [i, s] of streams.entries()) {
      await waitFor(() => s.events.some((e) => e.data.rows?.some((r) => r.step === 999)), 5_000, `the new row on stream ${i}`);
    }
  } finally {
    for (const s of [...(idle?.sockets ?? []), ...(late?.sockets ?? [])]) s.destroy();
    for (const s of streams) s.close();
    await dash.close();
    tmp.cleanup();
  }
});

test('a socket that sends no whole request header within headerMs is closed (408); a stream being read outlives it', { timeout: 20_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const dash = await startDashboard({ runs: tmp.dirs, pollMs: 20, connectionLimits: { headerMs: 200 } });
  const stream = openEvents(dash.url);
  let idle: Awaited<ReturnType<typeof idleSockets>> | null = null;
  try {
    await waitFor(() => stream.events.length > 0, 5_000, 'the stream to open');
    idle = await idleSockets(dash.url, 2);
    idle.sockets[1]!.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // half a header, never finished
    const sockets = idle;
    await waitFor(() => sockets.closed.every(Boolean), 5_000, 'the silent sockets to be closed');
    for (const g of idle.got) assert.match(g, /^HTTP\/1\.1 408 /);
    fs.appendFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), '{"step": 999, "loss": 1}\n');
    await waitFor(() => stream.events.some((e) => e.data.rows?.some((r) => r.step === 999)), 5_000, 'the new row on the stream');
  } finally {
    for (const s of idle?.sockets ?? []) s.destroy();
    stream.close();
    await dash.close();
    tmp.cleanup();
  }
});

test('connectionLimits that are no positive whole number are refused, naming the key', async () => {
  for (const [limits, key] of [[{ max: 0 }, 'max'], [{ headerMs: NaN }, 'headerMs'], [{ max: 2.5 }, 'max']] as const) {
    const e = await startDashboard({ runs: [process.cwd()], connectionLimits: limits }).then(async (d) => void (await d.close()), (err: unknown) => err);
    assert.ok(isUserError(e), `${JSON.stringify(limits)} refused`);
    assert.match((e as Error).message, new RegExp(`^startDashboard: options\\.connectionLimits\\.${key}: must be a positive whole number`));
  }
  // a key given as undefined is the default, as an absent one
  await (await startDashboard({ runs: [process.cwd()], connectionLimits: { max: undefined } })).close();
});
