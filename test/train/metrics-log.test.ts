// MetricsLog on resume cuts metrics.jsonl back to the checkpoint in place: only a plain file of the run's is
// touched, never a symlink's target outside the run (cut and appended to) nor a FIFO (a read that never ends);
// a long file is cut, and read back for the loss curve, without ever being held in memory whole.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import fsCjs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { lossCurveSvg } from '../../src/train/loss-curve.ts';
import { MetricsLog } from '../../src/train/metrics-log.ts';
import { readLines } from '../../src/util/lines.ts';
import { curvesOf } from '../../src/train/report.ts';
import { tempDir } from '../temp-dir.ts';

test('resume refuses a metrics.jsonl that is a symlink, FIFO or folder, in one line, touching nothing', () => {
  const dir = tempDir('mt-metrics-');
  const outside = path.join(dir, 'precious.jsonl');
  fs.writeFileSync(outside, '{"step":1}\nmine\n');
  const link = path.join(dir, 'link', 'metrics.jsonl');
  fs.mkdirSync(path.dirname(link));
  fs.symlinkSync(outside, link);
  assert.throws(() => new MetricsLog(link).truncate(11), { message: `${link}: is a symbolic link, not the file train writes there: put the run's own metrics.jsonl in its place` });
  assert.equal(fs.readFileSync(outside, 'utf8'), '{"step":1}\nmine\n', 'the target outside the run is as it was');
  const fifo = path.join(dir, 'fifo', 'metrics.jsonl');
  fs.mkdirSync(path.dirname(fifo));
  execFileSync('mkfifo', [fifo]);
  assert.throws(() => new MetricsLog(fifo).truncate(11), /is a FIFO \(named pipe\), not the file train writes there/);
  const folder = path.join(dir, 'folder', 'metrics.jsonl');
  fs.mkdirSync(folder, { recursive: true });
  assert.throws(() => new MetricsLog(folder).truncate(0), /is a folder, not the file train writes there/);
  // the run's own file, and none yet, as before
  const own = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(own, '{"step":1}\n{"step":2}\n');
  assert.equal(new MetricsLog(own).truncate(11), null);
  assert.equal(fs.readFileSync(own, 'utf8'), '{"step":1}\n');
  assert.equal(new MetricsLog(path.join(dir, 'none.jsonl')).truncate(0), null);
});

/** Runs `body` with every fs.readSync and fs.readFileSync counted (the ES bindings follow the CommonJS module). */
function withReadSpy<T>(body: () => T): { result: T; largestRead: number; bytesRead: number; wholeFileReads: number } {
  const real = { readSync: fsCjs.readSync, readFileSync: fsCjs.readFileSync };
  let largestRead = 0, bytesRead = 0, wholeFileReads = 0;
  fsCjs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
    const n = (real.readSync as (...a: unknown[]) => number)(...args);
    largestRead = Math.max(largestRead, n);
    bytesRead += n;
    return n;
  }) as typeof fs.readSync;
  fsCjs.readFileSync = ((...args: Parameters<typeof fs.readFileSync>) => {
    wholeFileReads++;
    return (real.readFileSync as (...a: unknown[]) => unknown)(...args);
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  try {
    return { result: body(), largestRead, bytesRead, wholeFileReads };
  } finally {
    Object.assign(fsCjs, real);
    syncBuiltinESMExports();
  }
}

test('a 300k-row metrics.jsonl: resume cuts it by reading a window before the cut, and the loss curve streams it in bounded memory', () => {
  const dir = tempDir('mt-metrics-');
  const file = path.join(dir, 'metrics.jsonl');
  const N = 300_000, SPIKE = 123_457;
  const lines: string[] = [];
  let checkpointBytes = 0;
  for (let step = 1; step <= N; step++) {
    lines.push(JSON.stringify({ step, loss: step === SPIKE ? 9.5 : 3 - step / N, lr: 1e-4, grad_norm: 1, tokens_per_s: 12345.6 }));
    if (step % 1000 === 0) lines.push(JSON.stringify({ step, split: 'val', loss: 3.1 - step / N }));
    if (step === 200_000) checkpointBytes = Buffer.byteLength(lines.join('\n') + '\n');
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const size = fs.statSync(file).size;
  assert.ok(size > 20 << 20, `${size} bytes`);
  const log = new MetricsLog(file);

  // the curve: one streamed pass, no read of the whole file, at most 2000 points a series, the spike and the ends exact
  const curve = withReadSpy(() => curvesOf(log.rows()));
  assert.equal(curve.wholeFileReads, 0);
  assert.ok(curve.largestRead <= 1 << 20, `largest read ${curve.largestRead}`);
  const { train, val } = curve.result;
  assert.ok(train.length <= 2000 && train.length >= 500, `${train.length} train points`);
  assert.equal(val.length, N / 1000, 'the 300 val points are all drawn');
  assert.deepEqual(train[0], { step: 1, loss: 3 - 1 / N });
  assert.deepEqual(train[train.length - 1], { step: N, loss: 2 });
  assert.ok(train.some((p) => p.step === SPIKE && p.loss === 9.5), 'the spike is drawn');
  assert.ok(train.every((p, i) => i === 0 || p.step > train[i - 1]!.step), 'in step order');
  const svg = lossCurveSvg(train, val);
  assert.match(svg, /step \(of 300000\)/);
  assert.match(svg, /9\.500/, 'the spike sets the top of the axis');

  // resume at the checkpoint of step 200000: only a window before the cut is read
  const cut = withReadSpy(() => log.truncate(checkpointBytes));
  assert.equal(cut.result, null);
  assert.equal(cut.wholeFileReads, 0);
  assert.ok(cut.bytesRead <= 64 << 10, `${cut.bytesRead} bytes read`);
  assert.equal(fs.statSync(file).size, checkpointBytes);
  const tail = fs.readFileSync(file).subarray(-200).toString('utf8').split('\n');
  assert.deepEqual(JSON.parse(tail[tail.length - 2]!), { step: 200_000, split: 'val', loss: 3.1 - 200_000 / N });

  // a copy cut mid-row since (the checkpoint says more bytes than are there): kept up to its last whole row, counted in windows
  fs.truncateSync(file, checkpointBytes - 500);
  const short = withReadSpy(() => log.truncate(checkpointBytes, 'the checkpoint of step 200000'));
  assert.equal(short.wholeFileReads, 0);
  assert.ok(short.largestRead <= 64 << 10, `largest read ${short.largestRead}`);
  const kept = fs.readFileSync(file, 'utf8');
  assert.ok(kept.endsWith('\n') && kept.length < checkpointBytes - 500 && kept.length > checkpointBytes - 1000);
  const rows = kept.split('\n').filter((l) => l.trim()).length;
  assert.equal(short.result, `${checkpointBytes - 500} bytes where the checkpoint of step 200000 left ${checkpointBytes} (cut or edited since): ` +
    `its ${rows} whole rows are kept; the missing rows are not recomputed`);
  assert.equal([...log.rows()].length, rows);
});

test('truncate: blank lines are not counted as rows, a file without a newline is emptied, an absent one is created', () => {
  const dir = tempDir('mt-metrics-');
  const file = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(file, '{"step":1}\n  \r\n\n{"step":2}\n{"st');
  assert.match(new MetricsLog(file).truncate(100)!, /^31 bytes where the checkpoint left 100 .*: its 2 whole rows are kept;/);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"step":1}\n  \r\n\n{"step":2}\n');
  fs.writeFileSync(file, '{"step":1');
  assert.match(new MetricsLog(file).truncate(9)!, /its 0 whole rows are kept/);
  assert.equal(fs.readFileSync(file, 'utf8'), '');
  const none = path.join(dir, 'none.jsonl');
  assert.match(new MetricsLog(none).truncate(5)!, /^0 bytes where the checkpoint left 5 .*its 0 whole rows are kept/);
  assert.equal(fs.readFileSync(none, 'utf8'), '');
});

test('metrics.jsonl whose lines end in a lone CR, CRLF or LF (rewritten by another tool) is read and cut by its rows', () => {
  const dir = tempDir('mt-metrics-');
  const file = path.join(dir, 'metrics.jsonl');
  fs.writeFileSync(file, '{"step":1}\r{"step":2}\r\n{"step":3}\n{"step":4}\r');
  assert.deepEqual([...new MetricsLog(file).rows()].map((r) => r.step), [1, 2, 3, 4]);
  // the one splitter, across chunk edges (a CRLF split between two reads is one line end); data files keep a lone CR inside a line
  const ends = [...readLines(file, 3, undefined, true)].map((l) => [l.lineNo, l.text]);
  assert.deepEqual(ends, [[1, '{"step":1}'], [2, '{"step":2}'], [3, '{"step":3}'], [4, '{"step":4}']]);
  assert.equal([...readLines(file, 3)].length, 3, 'without anyLineEnd, an LF file\'s lone CR stays in its line');
  // resume cuts after the last whole row before the checkpoint's length, a CR ending it as an LF would
  assert.match(new MetricsLog(file).truncate(30)!, /its 2 whole rows are kept/);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"step":1}\r{"step":2}\r\n');
  fs.writeFileSync(file, '{"step":1}\r{"step":2}\r{"st');
  assert.match(new MetricsLog(file).truncate(30)!, /its 2 whole rows are kept/);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"step":1}\r{"step":2}\r');
});

test('a metrics.jsonl deleted while the run writes it (its folder removed) is not made anew: one line saying it is gone', () => {
  const dir = tempDir('mt-metrics-gone-');
  const file = path.join(dir, 'metrics.jsonl');
  const log = new MetricsLog(file);
  log.append({ step: 1, loss: 2 }); // a new run's first row makes it
  fs.rmSync(file);
  assert.throws(() => log.append({ step: 2, loss: 1.5 }), (e: Error) => e.message === `${file}: cannot write: it is gone since the run wrote it ` +
    '(deleted, or the run folder moved or removed meanwhile): the run stops here, its folder no longer whole; put the folder back and resume it, or train it again');
  assert.equal(fs.existsSync(file), false);
  fs.writeFileSync(file, '');
  const resumed = new MetricsLog(file); // there when the log is made (a resume): never made anew either
  fs.rmSync(file);
  assert.throws(() => resumed.append({ step: 3, loss: 1 }), /it is gone since the run wrote it/);
});
