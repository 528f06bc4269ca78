// The thread that parses a large report.json (report-parse.ts): an answer from a thread already replaced (stopped for
// taking too long, the answer in flight) belongs to the report it was reading, never to the next one asked; and a report
// of more arrays, objects and keys than train writes is refused before JSON.parse, which nothing can stop.
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { test } from 'node:test';
import { MAX_JSON_DEPTH, jsonTooCostly } from '../../src/util/json-depth.ts';
import { MAX_REPORT_CONTAINERS, parseReport, reportParser } from '../../src/dashboard/report-parse.ts';

/** The parser's thread and its stop, as its timer calls it (private: reached for this race alone). */
interface Inside {
  worker: Worker | null;
  fail(w: Worker, error: string): void;
}

test('a late answer of a thread stopped for taking too long is not taken for the next report\'s', { timeout: 30_000 }, async () => {
  const inside = reportParser as unknown as Inside;
  const first = reportParser.parse(() => Buffer.from('{"run": "a"}'));
  const stopped = inside.worker!;
  inside.fail(stopped, 'report.json took over 30 s to read'); // its timer fired
  assert.deepEqual(await first, { error: 'report.json took over 30 s to read' });
  const second = reportParser.parse(() => Buffer.from('{"run": "b"}'));
  assert.notEqual(inside.worker, stopped, 'the next report is read on a new thread');
  // the stopped thread's answer for the first report, already on its way when the timer fired
  stopped.emit('message', { report: { json: { run: 'a' } } });
  assert.deepEqual(await second, { json: { run: 'b' } });
});

test('a thread that cannot be made is that report\'s error, and the next report is read on a thread made then', { timeout: 30_000 }, async () => {
  // before: the Worker constructor's error escaped parse() (an unhandled rejection) or the pump after a report (an
  // uncaught exception: the dashboard down)
  const inside = reportParser as unknown as Inside & { start(): Worker };
  if (inside.worker !== null) inside.fail(inside.worker, 'unused'); // idle: the next report starts a thread
  const start = inside.start;
  inside.start = () => { throw new Error('ERR_WORKER_INIT_FAILED: too many threads'); };
  try {
    assert.deepEqual(await reportParser.parse(() => Buffer.from('{"run": "a"}')),
      { error: 'report.json could not be read here (its thread did not start: ERR_WORKER_INIT_FAILED: too many threads)' });
  } finally {
    inside.start = start;
  }
  assert.deepEqual(await reportParser.parse(() => Buffer.from('{"run": "b"}')), { json: { run: 'b' } });
});

test('a report of more arrays, objects and keys than train writes is refused before it is parsed; brackets in strings do not count', () => {
  // before: parsed, on a thread whose terminate waits for JSON.parse (16 MiB of {}: 3.7 s more before the dashboard exits)
  const hostile = `[${'{},'.repeat(MAX_REPORT_CONTAINERS)}{}]`;
  assert.deepEqual(parseReport(hostile), { error: 'report.json holds over 100,000 arrays, objects and keys (train writes a few per label), too many to read here; open it raw' });
  const keys = `{${Array.from({ length: MAX_REPORT_CONTAINERS }, (_, i) => `"k${i}":0`).join(',')}}`;
  assert.match(parseReport(keys).error ?? '', /^report\.json holds over 100,000 arrays, objects and keys/);
  const text = '{"a": "[{:\\"[\\\\", "b": [1, {}]}'; // a string holding [{:"[\ , then 2 keys and 2 more containers (3 deep)
  assert.deepEqual(JSON.parse(text), { a: '[{:"[\\', b: [1, {}] });
  assert.equal(jsonTooCostly(text, 3, 5), null);
  assert.equal(jsonTooCostly(text, 3, 4), 'many');
  assert.equal(jsonTooCostly(text, 2, 5), 'deep');
  // a deep report is said to be deep, found before it is parsed too (not as too many arrays: a million [ are both)
  assert.deepEqual(parseReport('['.repeat(1e6)), { error: 'report.json nests more than 64 levels deep, too deep to show here; open it raw' });
  const deepest = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
  assert.deepEqual(parseReport(deepest), { json: JSON.parse(deepest) });
  assert.deepEqual(parseReport(text), { json: { a: '[{:"[\\', b: [1, {}] } });
});
