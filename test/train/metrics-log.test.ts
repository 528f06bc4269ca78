// MetricsLog on resume cuts metrics.jsonl back to the checkpoint in place: only a plain file of the run's is
// touched, never a symlink's target outside the run (cut and appended to) nor a FIFO (a read that never ends).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { MetricsLog } from '../../src/train/run-dir.ts';
import { tempDir } from '../temp-dir.ts';

test('resume refuses a metrics.jsonl that is a symlink, FIFO or folder, in one line, touching nothing', () => {
  const dir = tempDir('mt-metrics-');
  const outside = path.join(dir, 'precious.jsonl');
  fs.writeFileSync(outside, '{"step":1}\nmine\n');
  const link = path.join(dir, 'link', 'metrics.jsonl');
  fs.mkdirSync(path.dirname(link));
  fs.symlinkSync(outside, link);
  assert.throws(() => new MetricsLog(link).truncate(11), { message: `${link}: is a symlink, not the file train writes there: put the run's own metrics.jsonl in its place` });
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
