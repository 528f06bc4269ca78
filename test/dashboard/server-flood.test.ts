// Many clients at once: /api/snapshot written an event at a time as each client takes it, and the streams' snapshot
// formatted once for all the streams opened while no run changes (a local process opening them in a loop cost a
// snapshot's formatting and bytes each: 200 of 12 MB held the event loop 59 s and took 1.4 GB).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { startDashboard, writeJsonArray } from '../../src/dashboard/server.ts';
import { SseHub } from '../../src/dashboard/sse.ts';
import { RUN_GEN, openEvents, tempRuns, waitFor } from './helpers.ts';

test('/api/snapshot writes its next event only once the client has taken the one before', () => {
  // before: every event written at once, a client that does not read holding the whole snapshot (every run's rows)
  const written: string[] = [];
  let drain: (() => void) | null = null;
  let ended = '';
  const res = {
    write: (chunk: string) => (written.push(chunk), false), // the client takes nothing yet
    once: (event: string, f: () => void) => (assert.equal(event, 'drain'), (drain = f), res),
    end: (chunk: string) => (ended = chunk, res),
  };
  const events = [{ type: 'hello' }, { type: 'files', n: 1 }, { type: 'metrics', rows: [1, 2] }];
  writeJsonArray(res as unknown as Parameters<typeof writeJsonArray>[0], events);
  assert.equal(written.length, 1, 'one event until the client takes it');
  for (let i = 2; i <= 3; i++) {
    const next = drain!;
    drain = null;
    next();
    assert.equal(written.length, i);
  }
  assert.equal(ended, '');
  drain!();
  assert.deepEqual(JSON.parse(written.join('') + ended), events);
});

test('streams opened while no run changes share one formatted snapshot; a change formats it again', { timeout: 10_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const initials: unknown[] = [];
  const open = SseHub.prototype.open;
  SseHub.prototype.open = function (this: SseHub, req, res, initial, headers) {
    initials.push(initial);
    return open.call(this, req, res, initial, headers);
  };
  const dash = await startDashboard({ runs: tmp.dirs, pollMs: 20 });
  const streams: Array<ReturnType<typeof openEvents>> = [];
  try {
    for (let i = 0; i < 2; i++) {
      streams.push(openEvents(dash.url));
      await waitFor(() => streams[i]!.events.length > 0, 5_000, 'the stream to open');
    }
    assert.equal(initials[1], initials[0], 'the same bytes');
    assert.ok((initials[0] as unknown[]).every((b) => Buffer.isBuffer(b)));
    fs.appendFileSync(path.join(tmp.dirs[0]!, 'metrics.jsonl'), '{"step": 999, "loss": 1}\n');
    await waitFor(() => streams[0]!.events.some((e) => e.data.rows?.some((r) => r.step === 999)), 5_000, 'the new row');
    streams.push(openEvents(dash.url));
    await waitFor(() => streams[2]!.events.length > 0, 5_000, 'the third stream to open');
    assert.notEqual(initials[2], initials[0]);
    assert.match(Buffer.concat(initials[2] as Buffer[]).toString('utf8'), /"step":999/);
  } finally {
    SseHub.prototype.open = open;
    for (const s of streams) s.close();
    await dash.close();
    tmp.cleanup();
  }
});
