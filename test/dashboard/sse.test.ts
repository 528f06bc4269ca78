// The event hub over real sockets: a client that stops reading is dropped once its unsent bytes pass the
// bound (the server does not buffer for it without end), while a client that reads keeps its stream.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { test } from 'node:test';
import { formatEvent, PART_CHARS, SseHub } from '../../src/dashboard/sse.ts';
import { startDashboard } from '../../src/dashboard/server.ts';
import { tempDir } from '../temp-dir.ts';
import { waitFor } from './helpers.ts';

test('a client that stops reading is dropped past the bound; one that reads stays', { timeout: 30_000 }, async () => {
  const hub = new SseHub(2 << 20);
  const server = http.createServer((req, res) => hub.open(req, res, [], {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const connect = (): net.Socket => {
    const sock = net.connect(port, '127.0.0.1');
    sock.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    return sock;
  };
  const reader = connect();
  let read = 0;
  reader.on('data', (c: Buffer) => (read += c.length));
  const stalled = connect();
  stalled.once('data', () => stalled.pause()); // takes the response head, then reads nothing more
  try {
    await waitFor(() => hub.size === 2 && read > 0, 5000, 'both streams to open');
    const event = { type: 'metrics', data: 'x'.repeat(1 << 20) };
    for (let i = 0; i < 64 && hub.size === 2; i++) {
      hub.send([event]);
      await new Promise((r) => setTimeout(r, 5)); // the reader drains, the stalled client's bytes pile up
    }
    assert.equal(hub.size, 1, 'the stalled client was dropped');
    const before = read;
    hub.send([event]);
    await waitFor(() => read >= before + (1 << 20), 5000, 'the reader to get the next event');
  } finally {
    hub.close();
    reader.destroy();
    stalled.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('many clients that never read are dropped once their unsent bytes together pass the bound, each under its own', { timeout: 30_000 }, async () => {
  const hub = new SseHub(64 << 20, 4 << 20);
  const server = http.createServer((req, res) => hub.open(req, res, [], {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const socks: net.Socket[] = [];
  const connect = (): net.Socket => {
    const sock = net.connect(port, '127.0.0.1');
    sock.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    socks.push(sock);
    return sock;
  };
  const reader = connect();
  let read = 0;
  reader.on('data', (c: Buffer) => (read += c.length));
  for (let i = 0; i < 4; i++) connect().once('data', function (this: net.Socket) { this.pause(); });
  try {
    await waitFor(() => hub.size === 5 && read > 0, 5000, 'the streams to open');
    const event = { type: 'metrics', data: 'x'.repeat(1 << 20) };
    for (let i = 0; i < 48 && hub.size > 1; i++) {
      hub.send([event]);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(hub.size, 1, 'the four stalled clients were dropped (12 MiB each at most, 64 allowed each)');
    const before = read;
    hub.send([event]);
    await waitFor(() => read >= before + (1 << 20), 5000, 'the reader to get the next event');
  } finally {
    hub.close();
    for (const s of socks) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('each stream is sent a heartbeat the page can hear (an event with data: a comment fires none in a browser)', { timeout: 30_000 }, async () => {
  const hub = new SseHub(undefined, undefined, 50);
  const server = http.createServer((req, res) => hub.open(req, res, [], {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const sock = net.connect(port, '127.0.0.1');
  sock.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  let got = '';
  sock.on('data', (c: Buffer) => (got += c.toString()));
  try {
    await waitFor(() => got.split('event: ping\ndata: 0\n\n').length > 2, 5000, 'two heartbeats');
  } finally {
    hub.close();
    sock.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('a large event is formatted in parts for a stream that takes them, never cut within a character, and joins back whole', () => {
  // '😀' is a surrogate pair, one at the second cut: a cut between its halves would send each half alone, encoded as U+FFFD
  const data = { rows: 'a'.repeat(PART_CHARS - 4) + '😀'.repeat(PART_CHARS) };
  const whole = formatEvent({ type: 'metrics', data });
  assert.equal(formatEvent({ type: 'metrics', data }, false), whole, 'a stream that does not ask gets the event whole');
  const parts = formatEvent({ type: 'metrics', data }, true).split('\n\n').slice(0, -1);
  assert.ok(parts.length >= 3, `${parts.length} parts`);
  const fields = parts.map((p) => /^event: ([a-z]+)\ndata: (.*)$/s.exec(p)!);
  assert.deepEqual(fields.map((f) => f[1]), [...Array(parts.length - 1).fill('part'), 'metrics']);
  for (const f of fields) {
    assert.ok(f[2]!.length <= PART_CHARS);
    assert.equal(Buffer.from(f[2]!).toString(), f[2], 'each part is whole characters');
  }
  assert.deepEqual(JSON.parse(fields.map((f) => f[2]).join('')), data);
  const small = { type: 'ping', data: 0 };
  assert.equal(formatEvent(small, true), formatEvent(small), 'a small event is one event');
});

test('an update is formatted once for streams that all take parts, not also whole for none', { timeout: 30_000 }, async () => {
  const hub = new SseHub();
  const server = http.createServer((req, res) => hub.open(req, res, [], {}, true));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const sock = net.connect(port, '127.0.0.1');
  sock.write(`GET /events?parts=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  let got = '';
  sock.on('data', (c: Buffer) => (got += c.toString()));
  try {
    await waitFor(() => hub.size === 1 && got.includes('retry:'), 5000, 'the stream to open');
    let formatted = 0; // JSON.stringify calls toJSON once each time the event is formatted
    const rows = 'r'.repeat(3 * PART_CHARS);
    hub.send([{ type: 'metrics', data: { toJSON: () => (formatted++, { rows }) } }]);
    await waitFor(() => got.includes('event: metrics\n'), 5000, 'the event');
    assert.ok(got.split('event: part\n').length > 3, 'the stream got the event in parts');
    assert.equal(formatted, 1, 'formatted once: in parts, the only form a stream takes');
  } finally {
    hub.close();
    sock.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('the dashboard sends a large event in parts to a stream that asks (/events?parts=1, the page), whole to one that does not', { timeout: 60_000 }, async () => {
  const root = tempDir('mt-sse-parts-');
  const rows = Array.from({ length: 3_000 }, (_, i) => JSON.stringify({ step: i + 1, loss: 2, lr: 1e-4 })).join('\n') + '\n';
  fs.writeFileSync(path.join(root, 'metrics.jsonl'), rows);
  const dash = await startDashboard({ runs: [root], pollMs: 100 });
  // the stream's text up to its metrics event, whole: the last of an event's parts is the event itself
  const streamed = (target: string): Promise<string> => new Promise((resolve, reject) => {
    const req = http.get(new URL(target, dash.url), (res) => {
      let got = '';
      res.setEncoding('utf8').on('data', (text: string) => {
        got += text;
        const at = got.indexOf('event: metrics\n');
        if (at >= 0 && got.indexOf('\n\n', at) > 0) {
          req.destroy();
          resolve(got);
        }
      });
    });
    req.on('error', reject);
  });
  try {
    const whole = await streamed('/events');
    assert.ok(!whole.includes('event: part\n'), 'a page from before parts gets whole events');
    const metrics = (text: string): unknown => {
      const events = text.split('\n\n').filter((e) => e.startsWith('event: part\n') || e.startsWith('event: metrics\n'));
      return JSON.parse(events.map((e) => e.slice(e.indexOf('\ndata: ') + '\ndata: '.length)).join(''));
    };
    const inParts = await streamed('/events?parts=1');
    assert.ok(inParts.split('event: part\n').length > 3, 'the page gets the ~100 kB event in parts');
    assert.deepEqual(metrics(inParts), metrics(whole));
    assert.equal((metrics(whole) as { rows: unknown[] }).rows.length, 3_000);
  } finally {
    await dash.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
