// The page stays reachable however many streams are open and whatever clients leave unread: /events streams may take
// at most max - reserve connections (one past that is answered 503, none cut), and a response the client takes nothing
// of for stallMs is ended. Before, 256 open streams made every new connection be refused with no time limit, and a
// client that never read a large run file held its connection for ever.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { startDashboard } from '../../src/dashboard/server.ts';
import { isUserError } from '../../src/util/errors.ts';
import { RUN_GEN, openEvents, tempRuns, waitFor } from './helpers.ts';

test('streams past max - reserve are answered 503 at once; the open ones keep going and the page is served', { timeout: 20_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const dash = await startDashboard({ runs: tmp.dirs, pollMs: 20, connectionLimits: { max: 4, reserve: 2 } });
  const streams: Array<ReturnType<typeof openEvents>> = [];
  try {
    for (let i = 0; i < 2; i++) {
      streams.push(openEvents(dash.url));
      await waitFor(() => streams[i]!.events.length > 0, 5_000, `stream ${i} to open`);
    }
    const refused = await fetch(new URL('/events', dash.url), { signal: AbortSignal.timeout(10_000) });
    assert.equal(refused.status, 503);
    assert.match(await refused.text(), /^live updates refused: 2 \/events streams are open/);
    const page = await fetch(dash.url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(page.status, 200);
    fs.appendFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), '{"step": 999, "loss": 1}\n');
    for (const [i, s] of streams.entries()) {
      await waitFor(() => s.events.some((e) => e.data.rows?.some((r) => r.step === 999)), 5_000, `the new row on stream ${i}`);
    }
  } finally {
    for (const s of streams) s.close();
    await dash.close();
    tmp.cleanup();
  }
});

test('a run file the client never reads is ended after stallMs, freeing its connection for the page', { timeout: 20_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  // more than the kernel's socket buffers on both sides hold: the server's writes stall
  fs.writeFileSync(path.join(tmp.dirs[0]!, 'big.txt'), Buffer.alloc(32 << 20, 0x61));
  // one connection: while the unread response holds it, every other is refused
  const dash = await startDashboard({ runs: tmp.dirs, pollMs: 20, connectionLimits: { max: 1, stallMs: 200 } });
  const u = new URL(dash.url);
  const reader = net.connect(Number(u.port), u.hostname);
  reader.on('error', () => {});
  try {
    await new Promise<void>((resolve) => reader.once('connect', resolve));
    reader.write(`GET /run/0/big.txt HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    // the response has begun (the request is in flight, its connection not idle); nothing of it is read: node takes a
    // highWaterMark's worth into the socket's buffer for a 'readable' listener and stops
    await new Promise<void>((resolve) => reader.once('readable', resolve));
    await waitFor(async () => {
      try {
        return (await fetch(dash.url, { signal: AbortSignal.timeout(2_000) })).status === 200;
      } catch {
        return false; // refused while the unread response holds the only connection
      }
    }, 10_000, 'the page to be served once the stalled response is ended');
  } finally {
    reader.destroy();
    await dash.close();
    tmp.cleanup();
  }
});

test('a stream pipelined after the page on one connection is not ended by the page\'s stall timer', { timeout: 20_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const dash = await startDashboard({ runs: tmp.dirs, pollMs: 20, connectionLimits: { stallMs: 100 } });
  const u = new URL(dash.url);
  const sock = net.connect(Number(u.port), u.hostname);
  let got = '';
  let closed = false;
  sock.on('data', (d) => (got += d.toString('utf8')));
  sock.on('error', () => {});
  sock.on('close', () => (closed = true));
  try {
    sock.write(`GET / HTTP/1.1\r\nHost: ${u.host}\r\n\r\nGET /events HTTP/1.1\r\nHost: ${u.host}\r\n\r\n`);
    await waitFor(() => got.includes('event: hello'), 5_000, 'the stream to open');
    await new Promise((r) => setTimeout(r, 500)); // five stall timers' worth with nothing to send (no run changes)
    fs.appendFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), '{"step": 999, "loss": 1}\n');
    await waitFor(() => got.includes('"step":999') || closed, 5_000, 'the new row or the stream closed');
    assert.ok(!closed, 'the stream is still open');
  } finally {
    sock.destroy();
    await dash.close();
    tmp.cleanup();
  }
});

test('connectionLimits.reserve must be a whole number below max; stallMs a positive one', async () => {
  for (const [limits, key] of [[{ max: 4, reserve: 4 }, 'reserve'], [{ reserve: -1 }, 'reserve'], [{ stallMs: 0 }, 'stallMs']] as const) {
    const e = await startDashboard({ runs: [process.cwd()], connectionLimits: limits }).then(async (d) => void (await d.close()), (err: unknown) => err);
    assert.ok(isUserError(e), `${JSON.stringify(limits)} refused`);
    assert.match((e as Error).message, new RegExp(`^startDashboard: options\\.connectionLimits\\.${key}: must be a `));
  }
  // a small cap without a reserve given keeps one connection for streams
  await (await startDashboard({ runs: [process.cwd()], connectionLimits: { max: 1 } })).close();
});
