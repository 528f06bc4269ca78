// MetricsTail: incremental reads, partial and unterminated lines, malformed lines skipped and counted with
// their line numbers, a fresh start when metrics.jsonl is truncated, replaced or rewritten in place,
// updates for malformed-only and partial-only changes, only regular files inside the run are read, and a long
// file is held thinned, the updates always adding up to exactly the rows held.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MAX_HELD_ROW_CHARS, MAX_LINE_BYTES, MAX_ROW_CONTAINERS, MAX_WHOLE_READ_BYTES, MetricsTail, parseMetricLine, TAIL_READ_BYTES, type MetricRow } from '../../src/dashboard/metrics-tail.ts';
import { SERIES_CAP } from '../../src/run/series-cap.ts';
import { tempDir } from '../temp-dir.ts';
import { runnable, TS_LOADER } from '../node-args.ts';

let dir = '';
let file = '';
beforeEach(() => {
  dir = tempDir('mt-tail-');
  file = path.join(dir, 'metrics.jsonl');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const row = (step: number, extra: object = {}): string => JSON.stringify({ step, loss: 3 - step / 10, lr: 1e-4, ...extra });
const steps = (rows: Array<{ step: number }>): number[] => rows.map((r) => r.step);

test('a line that is not JSON is said so with its direction controls written out: the reason quotes the line, and an override reversed its words after it', () => {
  assert.equal(parseMetricLine('x\u202eyz'), 'not JSON (Unexpected token \'x\', "x\\u202eyz" is not valid JSON)');
  assert.equal(parseMetricLine('\u2067'), 'not JSON (Unexpected token \'\\u2067\', "\\u2067" is not valid JSON)');
  assert.equal(parseMetricLine('مرحبا'), 'not JSON (Unexpected token \'م\', "مرحبا" is not valid JSON)'); // letters are no control
});

test('a row of more arrays, objects and keys than a test row holds is refused before it is parsed (16 MiB of {}: 3.7 s)', () => {
  const many = `{"step": 1, "x": [${'{},'.repeat(MAX_ROW_CONTAINERS)}{}]}`;
  assert.equal(parseMetricLine(many), 'holds over 100,000 arrays, objects and keys');
  assert.equal(parseMetricLine(`{"step": 1, "x": ${'['.repeat(65)}${']'.repeat(65)}}`), 'nests more than 64 levels deep');
  // a classifier's test row: a matrix row per label, well within
  const confusion = Array.from({ length: 300 }, () => new Array<number>(300).fill(0));
  assert.deepEqual(parseMetricLine(JSON.stringify({ step: 1, split: 'test', loss: 1, confusion })), { step: 1, split: 'test', loss: 1, confusion });
});

test('parseMetricLine accepts rows and names what is wrong with the rest', () => {
  assert.deepEqual(parseMetricLine('{"step":3,"loss":1.5,"lr":null}'), { step: 3, loss: 1.5, lr: null });
  assert.deepEqual(parseMetricLine('{"step":0,"split":"val","loss":2,"perplexity":7.4}'), { step: 0, split: 'val', loss: 2, perplexity: 7.4 });
  assert.match(parseMetricLine('{"step":1,') as string, /^not JSON/);
  assert.equal(parseMetricLine('[1,2]'), 'not a JSON object');
  assert.equal(parseMetricLine('null'), 'not a JSON object');
  assert.equal(parseMetricLine('{"loss":1}'), '"step" must be a non-negative integer');
  assert.equal(parseMetricLine('{"step":-1}'), '"step" must be a non-negative integer');
  assert.equal(parseMetricLine('{"step":1.5}'), '"step" must be a non-negative integer');
  assert.equal(parseMetricLine('{"step":"2"}'), '"step" must be a non-negative integer');
  assert.equal(parseMetricLine('{"step":2,"split":1}'), '"split" must be a string');
  assert.equal(parseMetricLine('{"step":2,"loss":"nan"}'), '"loss" must be a number or null');
  assert.equal(parseMetricLine('{"step":2,"mem_bytes":[1]}'), '"mem_bytes" must be a number or null');
});

test('reads everything first, then only appended rows; nothing new gives null', () => {
  const t = new MetricsTail(file);
  assert.equal(t.poll(), null, 'no file yet');
  assert.equal(t.exists, false);
  fs.writeFileSync(file, [row(1), row(2), row(3)].join('\n') + '\n');
  const first = t.poll()!;
  assert.equal(first.reset, true);
  assert.deepEqual(steps(first.rows), [1, 2, 3]);
  assert.equal(t.poll(), null);
  fs.appendFileSync(file, row(4) + '\n' + row(5, { split: 'val' }) + '\n');
  const next = t.poll()!;
  assert.equal(next.reset, false);
  assert.deepEqual(steps(next.rows), [4, 5]);
  assert.deepEqual(steps(t.rows), [1, 2, 3, 4, 5]);
});

test('a line still being written waits for its newline; an unterminated complete row is taken once', () => {
  const t = new MetricsTail(file);
  const full = row(1, { note: 'héllo' });
  const bytes = Buffer.from(full + '\n');
  const cut = bytes.indexOf(Buffer.from('é')) + 1; // inside the two bytes of é
  fs.writeFileSync(file, bytes.subarray(0, cut));
  assert.deepEqual(t.poll(), { reset: true, rows: [] });
  assert.equal(t.partial, true);
  fs.appendFileSync(file, bytes.subarray(cut));
  assert.deepEqual(t.poll()!.rows, [JSON.parse(full)]);
  assert.equal(t.partial, false);

  fs.appendFileSync(file, row(2)); // complete, no newline yet: taken now
  assert.deepEqual(steps(t.poll()!.rows), [2]);
  fs.appendFileSync(file, '\n{bad}\n'); // its newline arrives, then a malformed line 3: an update with no rows
  assert.deepEqual(t.poll(), { reset: false, rows: [] });
  assert.equal(t.malformedCount, 1);
  assert.equal(t.malformedSamples[0]!.line, 3);
});

test('malformed lines are skipped and counted with line numbers; blank lines, CRLF and BOM are fine', () => {
  const lines = ['\ufeff' + row(1), '', 'not json', '[1]', '{"loss": 2}', row(2) + '\r', '   ', '{"step":3,"loss":"x"}', row(4)];
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const t = new MetricsTail(file);
  assert.deepEqual(steps(t.poll()!.rows), [1, 2, 4]);
  assert.equal(t.malformedCount, 4);
  assert.deepEqual(t.malformedSamples.map((m) => m.line), [3, 4, 5, 8]);
  assert.deepEqual(t.malformedSamples.map((m) => m.text), ['not json', '[1]', '{"loss": 2}', '{"step":3,"loss":"x"}']);
  assert.match(t.malformedSamples[0]!.reason, /^not JSON/);
});

test('lines that end in a lone CR (old Mac line ends, a tool writing \\r) or a mix of CR, CRLF and LF are rows, however the reads are sliced', () => {
  const body = row(1) + '\r' + row(2) + '\r\n' + 'not json\r' + row(3) + '\n\r' + row(4) + '\r';
  fs.writeFileSync(file, body);
  const whole = new MetricsTail(file);
  assert.deepEqual(steps(whole.poll()!.rows), [1, 2, 3, 4]);
  assert.deepEqual(whole.malformedSamples.map((m) => [m.line, m.text]), [[3, 'not json']]);
  for (const slice of [1, 2, 3, 7]) { // every CR and CRLF split across polls somewhere
    const t = new MetricsTail(file);
    let got: MetricRow[] = [];
    for (let u = t.poll(slice); u !== null; u = t.poll(slice)) got = u.reset ? u.rows : got.concat(u.rows);
    assert.deepEqual(steps(got), [1, 2, 3, 4], `slices of ${slice}`);
    assert.deepEqual(t.malformedSamples.map((m) => m.line), [3]);
  }
  // growing: a last row without its line end is taken, and the CR that then ends it is no extra line
  fs.writeFileSync(file, row(1) + '\r' + row(2));
  const t = new MetricsTail(file);
  assert.deepEqual(steps(t.poll()!.rows), [1, 2]);
  fs.appendFileSync(file, '\r');
  fs.appendFileSync(file, '\n' + row(3) + '\r' + 'bad\r');
  assert.deepEqual(steps(t.poll()!.rows), [3]);
  assert.deepEqual(t.malformedSamples.map((m) => m.line), [4]);
});

test('binary garbage never throws; the count is exact, the samples are capped at 20', () => {
  const t = new MetricsTail(file);
  const junk = Buffer.from(Array.from({ length: 25 }, (_, i) => `\u0000\u00ff garbage ${i} \u0007`).join('\n') + '\n', 'latin1');
  fs.writeFileSync(file, Buffer.concat([junk, Buffer.from(row(1) + '\n')]));
  assert.deepEqual(steps(t.poll()!.rows), [1]);
  assert.equal(t.malformedCount, 25);
  assert.equal(t.malformedSamples.length, 20);
});

test('a line over 16 MiB is one malformed line whose bytes are not kept, however it arrives', () => {
  // a hostile metrics.jsonl of a gigabyte without a newline was held whole and re-joined chunk after chunk
  const t = new MetricsTail(file);
  fs.writeFileSync(file, row(1) + '\n' + 'x'.repeat(MAX_LINE_BYTES + (1 << 20)));
  assert.deepEqual(steps(t.poll()!.rows), [1]);
  assert.equal(t.malformedCount, 1);
  assert.deepEqual([t.malformedSamples[0]!.line, t.malformedSamples[0]!.reason, t.partial], [2, 'longer than 16 MiB', false]);
  fs.appendFileSync(file, 'y'.repeat(2 << 20) + '\n' + row(3) + '\n');
  assert.deepEqual(steps(t.poll()!.rows), [3]);
  assert.equal(t.malformedCount, 1, 'the rest of the long line is not a second one');
  fs.appendFileSync(file, '{bad}\n');
  t.poll();
  assert.deepEqual(t.malformedSamples.map((m) => m.line), [2, 4]);
});

test('a complete line over 16 MiB is malformed too, whether it comes in one read or across slices', () => {
  // a valid row padded past the limit: refused only when its first 16 MiB came without its newline, taken whole otherwise
  const long = row(2, { pad: 'x'.repeat(MAX_LINE_BYTES) });
  fs.writeFileSync(file, row(1) + '\n' + long + '\n' + row(3) + '\n');
  for (const maxBytes of [Infinity, 1 << 20]) {
    const t = new MetricsTail(file);
    while (t.poll(maxBytes) !== null && t.reading !== null);
    assert.deepEqual(steps(t.rows), [1, 3], `read ${maxBytes} bytes at a time`);
    assert.deepEqual(t.malformedSamples.map((m) => [m.line, m.reason, m.text.length]), [[2, 'longer than 16 MiB', 200]]);
  }
});

test('a row over 64 KiB (its confusion matrix cut) is malformed: rows of a padded key passed the 4 MiB a series holds', () => {
  // each row the lowest or highest of some metric: a thinned stretch keeps them all, 26 rows of 12 MiB were held and sent
  const keys = ['loss', 'lr', 'grad_norm', 'tokens_per_s', 'mem_bytes', 'perplexity', 'accuracy', 'macro_f1'];
  const pad = 'x'.repeat(1 << 20);
  const lines = Array.from({ length: 12 }, (_, s) => JSON.stringify({ step: s, ...Object.fromEntries(keys.map((k, i) => [k, ((s + i) * 7) % 12])), pad }));
  fs.writeFileSync(file, [row(100), ...lines, row(101, { pad: 'y'.repeat(MAX_HELD_ROW_CHARS - 60) })].join('\n') + '\n');
  const t = new MetricsTail(file);
  t.poll();
  assert.deepEqual(steps(t.rows), [100, 101], 'a row just under the bound is held');
  assert.equal(t.malformedCount, 12);
  assert.deepEqual([t.malformedSamples[0]!.line, t.malformedSamples[0]!.reason, t.malformedSamples[0]!.text.length], [2, 'holds 1,025 KiB, over the 64 KiB a row may (with its confusion matrices cut to 40 labels)', 200]);
  assert.ok(JSON.stringify(t.rows).length < 2 * MAX_HELD_ROW_CHARS);
});

test('a classifier\'s test row with the confusion matrix of 800 classes (1.3 MB) is a row, read whole or a MiB at a time', () => {
  const classes = 800;
  const confusion = Array.from({ length: classes }, (_, i) => Array.from({ length: classes }, (_, j) => (i === j ? 7 : 0)));
  fs.writeFileSync(file, row(1) + '\n' + JSON.stringify({ step: 1, split: 'test', loss: 1, accuracy: 1, macro_f1: 1, confusion, examples: 7 * classes }) + '\n');
  for (const maxBytes of [Infinity, 1 << 20]) {
    const t = new MetricsTail(file);
    while (t.poll(maxBytes) !== null && t.reading !== null);
    assert.equal(t.malformedCount, 0, `read ${maxBytes} bytes at a time`);
    assert.equal((t.rows.find((r) => r.split === 'test')!.confusion as { size: number }).size, classes, 'held as its excerpt (confusion.ts)');
  }
});

test('truncation starts over from the new contents', () => {
  fs.writeFileSync(file, [1, 2, 3, 4].map((s) => row(s)).join('\n') + '\n{oops}\n');
  const t = new MetricsTail(file);
  t.poll();
  assert.equal(t.malformedCount, 1);
  fs.writeFileSync(file, row(1) + '\n' + row(2) + '\n');
  const u = t.poll()!;
  assert.equal(u.reset, true);
  assert.deepEqual(steps(u.rows), [1, 2]);
  assert.equal(t.malformedCount, 0, 'the count belongs to the old contents');
});

test('a replaced file (rename over it, as an atomic rewrite does) starts over, even when longer', () => {
  fs.writeFileSync(file, row(1) + '\n' + row(2) + '\n');
  const t = new MetricsTail(file);
  t.poll();
  const tmp = path.join(dir, 'metrics.jsonl.tmp');
  fs.writeFileSync(tmp, [1, 2, 3].map((s) => row(s, { lr: 2e-4 })).join('\n') + '\n');
  fs.renameSync(tmp, file);
  const u = t.poll()!;
  assert.equal(u.reset, true);
  assert.deepEqual(u.rows.map((r) => r.lr), [2e-4, 2e-4, 2e-4]);
});

test('an in-place rewrite is detected by the bytes before the read offset', () => {
  fs.writeFileSync(file, [1, 2, 3].map((s) => row(s)).join('\n') + '\n');
  const t = new MetricsTail(file);
  t.poll();
  // Same inode, same length, different last row (a resumed run rewrote it): same size, new mtime.
  const sameSize = [1, 2, 3].map((s) => row(s, s === 3 ? { loss: 9.7 } : {})).join('\n') + '\n';
  assert.equal(Buffer.byteLength(sameSize), fs.statSync(file).size);
  fs.writeFileSync(file, sameSize);
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const u = t.poll()!;
  assert.equal(u.reset, true);
  assert.equal(u.rows[2]!.loss, 9.7);
  // Truncated and refilled past the old offset between two polls.
  fs.writeFileSync(file, [1, 2, 3, 4, 5].map((s) => row(s, { lr: 3e-4 })).join('\n') + '\n');
  const v = t.poll()!;
  assert.equal(v.reset, true);
  assert.deepEqual(steps(v.rows), [1, 2, 3, 4, 5]);
  assert.ok(v.rows.every((r) => r.lr === 3e-4));
});

test('a deleted file empties the run; a new one is read from the start', () => {
  fs.writeFileSync(file, row(1) + '\n');
  const t = new MetricsTail(file);
  t.poll();
  fs.rmSync(file);
  assert.deepEqual(t.poll(), { reset: true, rows: [] });
  assert.equal(t.exists, false);
  assert.equal(t.poll(), null);
  fs.writeFileSync(file, row(7) + '\n');
  assert.deepEqual(steps(t.poll()!.rows), [7]);
});

test('a poll that adds only malformed lines, or only starts or ends a partial line, is an update (not null)', () => {
  const t = new MetricsTail(file);
  fs.writeFileSync(file, row(1) + '\n');
  assert.deepEqual(steps(t.poll()!.rows), [1]);
  fs.appendFileSync(file, 'not json\n{"step": -1}\n');
  assert.deepEqual(t.poll(), { reset: false, rows: [] }, 'two malformed lines');
  assert.equal(t.malformedCount, 2);
  fs.appendFileSync(file, '{"step": 2, "lo');
  assert.deepEqual(t.poll(), { reset: false, rows: [] }, 'a partial line starts');
  assert.equal(t.partial, true);
  fs.appendFileSync(file, 'ss": oops}\n');
  assert.deepEqual(t.poll(), { reset: false, rows: [] }, 'the partial line ends, malformed');
  assert.deepEqual([t.partial, t.malformedCount], [false, 3]);
  assert.equal(t.poll(), null, 'nothing changed');
});

test('only a regular file inside the run folder is read: a symlink out of it is absent, a FIFO never blocks', () => {
  const root = tempDir('mt-tail-');
  try {
    const run = path.join(root, 'run');
    fs.mkdirSync(run);
    const secret = path.join(root, 'secret.jsonl');
    fs.writeFileSync(secret, row(1, { secret: 'outside the run' }) + '\n');
    const metrics = path.join(run, 'metrics.jsonl');
    fs.symlinkSync(secret, metrics);
    const t = new MetricsTail(metrics, run);
    assert.equal(t.poll(), null);
    assert.deepEqual([t.exists, t.rows.length], [false, 0]);
    // a symlink that stays inside the run is followed
    fs.rmSync(metrics);
    fs.writeFileSync(path.join(run, 'real.jsonl'), row(7) + '\n');
    fs.symlinkSync('real.jsonl', metrics);
    assert.deepEqual(steps(t.poll()!.rows), [7]);
    // a FIFO in its place: absent, and poll returns at once instead of waiting for a writer (in a child
    // process with a time limit, so that a regression fails here instead of hanging the test run)
    fs.rmSync(metrics);
    execFileSync('mkfifo', [metrics]);
    const script = `import { MetricsTail } from ${JSON.stringify(runnable(fileURLToPath(new URL('../../src/dashboard/metrics-tail.ts', import.meta.url))))};
      const t = new MetricsTail(${JSON.stringify(metrics)});
      console.log(JSON.stringify([t.poll(), t.exists]));`;
    const r = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.signal, null, 'poll() on a FIFO returned instead of blocking');
    assert.equal(r.stdout.trim(), '[null,false]', r.stderr);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a long file is held thinned, and the updates add up to exactly the rows held, without a duplicate', () => {
  const t = new MetricsTail(file);
  let page: MetricRow[] = [];
  let step = 0, resets = 0, polls = 0;
  while (step < 30_000) {
    const lines: string[] = [];
    for (let n = 1 + ((polls * 7919) % 3000); n > 0 && step < 30_000; n--) {
      step++;
      lines.push(row(step, { grad_norm: step % 997 === 0 ? 40 : 1 + (step % 13) / 13 }));
      if (step % 500 === 0) lines.push(JSON.stringify({ step, split: 'val', loss: 2 }));
    }
    fs.appendFileSync(file, lines.join('\n') + '\n');
    const u = t.poll()!;
    polls++;
    if (u.reset) resets++;
    page = u.reset ? u.rows : page.concat(u.rows);
    assert.deepEqual(page, t.rows, `after poll ${polls}`);
  }
  assert.ok(resets > 2, `thinned along the way (${resets} resets in ${polls} polls)`);
  const train = page.filter((r) => r.split === undefined);
  assert.ok(train.length <= SERIES_CAP.rows, `${train.length} train rows held`);
  assert.equal(train.at(-1)!.step, 30_000);
  assert.deepEqual(page.filter((r) => r.split === 'val').map((r) => r.step), Array.from({ length: 60 }, (_, i) => 500 * (i + 1)));
  assert.ok(train.every((r, i) => i === 0 || r.step > train[i - 1]!.step), 'in order, no step twice');
  assert.deepEqual([t.trainRowsRead, t.rowsRead], [30_000, 30_060]);
});

test('read a slice per poll, a file ends as one whole read does: no rows until the last slice, which sends them all', () => {
  const lines: string[] = [];
  for (let step = 1; step <= 3000; step++) {
    lines.push(row(step, { grad_norm: step === 1234 ? 50 : 1 }));
    if (step % 700 === 0) lines.push(`not json at ${step}`);
  }
  fs.writeFileSync(file, lines.join('\r\n') + '\r\n' + row(3001)); // CRLF split across slices, a last row without its newline
  const whole = new MetricsTail(file);
  whole.poll();
  const sliced = new MetricsTail(file);
  let page: MetricRow[] = [];
  const updates: Array<{ reset: boolean; rows: number; reading: boolean }> = [];
  for (let i = 0; i < 10_000; i++) {
    const u = sliced.poll(997); // a prime: slices end mid-line, mid-CRLF
    if (u === null) break;
    page = u.reset ? u.rows : page.concat(u.rows);
    updates.push({ reset: u.reset, rows: u.rows.length, reading: sliced.reading !== null });
    if (sliced.reading) assert.ok(sliced.reading.bytesRead < sliced.reading.bytes && !sliced.partial);
  }
  const last = updates.at(-1)!;
  assert.deepEqual(last, { reset: true, rows: whole.rows.length, reading: false });
  assert.ok(updates.slice(0, -1).every((u) => !u.reset && u.rows === 0 && u.reading), 'while reading, updates carry no rows');
  assert.ok(updates.length > 50, `${updates.length} polls`);
  assert.deepEqual(page, whole.rows);
  assert.deepEqual(page.at(-1)!.step, 3001);
  assert.deepEqual([sliced.rowsRead, sliced.malformedCount, sliced.malformedSamples, sliced.partial], [whole.rowsRead, 4, whole.malformedSamples, false]);
  // appends after the read are sent as before, rewrites start a sliced read again
  fs.appendFileSync(file, '\n' + row(3002) + '\n');
  assert.deepEqual(steps(sliced.poll(997)!.rows), [3002]);
  fs.writeFileSync(file, lines.slice(0, 100).join('\n') + '\n');
  assert.deepEqual(sliced.poll(997), { reset: false, rows: [] });
  assert.deepEqual(sliced.reading, { bytesRead: 997, bytes: fs.statSync(file).size });
  let u = sliced.poll(997);
  while (sliced.reading) u = sliced.poll(997);
  assert.equal(u!.reset, true);
  assert.deepEqual(steps(u!.rows), Array.from({ length: 100 }, (_, i) => i + 1));
});

test('a metrics.jsonl over MAX_WHOLE_READ_BYTES (a sparse 100 GB of zeros was read for hours) is read from its last TAIL_READ_BYTES, the bytes left unread said', () => {
  const fd = fs.openSync(file, 'w');
  fs.ftruncateSync(fd, MAX_WHOLE_READ_BYTES); // zeros, sparse: no disk spent
  fs.writeSync(fd, `\n${row(1)}\n${row(2)}\n`, MAX_WHOLE_READ_BYTES);
  fs.closeSync(fd);
  const size = fs.statSync(file).size;
  const t = new MetricsTail(file);
  const first = t.poll()!;
  assert.equal(first.reset, true);
  assert.deepEqual(steps(first.rows), [1, 2]);
  assert.equal(t.skippedBytes, size - TAIL_READ_BYTES);
  assert.equal(t.malformedCount, 0, 'the line cut by the start of the read is not one of the file\'s malformed lines');
  assert.equal(t.reading, null);
  fs.appendFileSync(file, `${row(3)}\n`);
  assert.deepEqual(t.poll(), { reset: false, rows: [{ step: 3, loss: 2.7, lr: 1e-4 }] });
  assert.equal(t.skippedBytes, size - TAIL_READ_BYTES);
});
