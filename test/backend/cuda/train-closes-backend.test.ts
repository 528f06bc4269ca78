// train() gives its backend back: close() runs once at the end of a run, once when the run fails after the
// backend was made (in setup or in the loop), and a close that fails on the error path does not hide the
// run's own error. The CPU backend has nothing to close, so its prototype gets a counting close() here:
// on CUDA that call is what releases the device memory, the stream, cuBLASLt and the primary context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpuBackend } from '../../../src/backend/cpu/cpu-backend.ts';
import { validate } from '../../../src/train/config.ts';
import { train } from '../../../src/train/trainer.ts';
import { TINY_BASE } from '../../helpers.ts';
import { tempDir } from '../../temp-dir.ts';

function withCountingClose(fn: (calls: { n: number }) => void, closeThrows = false): void {
  const calls = { n: 0 };
  Object.defineProperty(CpuBackend.prototype, 'close', {
    configurable: true, writable: true,
    value: () => { calls.n++; if (closeThrows) throw new Error('close failed'); },
  });
  try {
    fn(calls);
  } finally {
    delete (CpuBackend.prototype as { close?: unknown }).close;
  }
}

function config(over: Record<string, unknown> = {}): ReturnType<typeof validate> {
  const dir = tempDir('mt-close-');
  const rows = Array.from({ length: 4 }, (_, i) => JSON.stringify({ input_ids: [1, 5 + i, 9, 12, 40 + i, 7] }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  return validate({
    model: TINY_BASE, device: 'cpu', data: { train: path.join(dir, 'train.jsonl') }, lora: { r: 2, alpha: 4 }, eval: { samples: 0 },
    batch_size: 2, max_steps: 1, output_dir: path.join(dir, 'run'), ...over,
  }, 'test');
}

test('a finished run closes its backend once', () => {
  withCountingClose((calls) => {
    train(config());
    assert.equal(calls.n, 1);
  });
});

test('a run that fails in the loop, or in setup after the backend exists, closes it once and reports its own error', () => {
  withCountingClose((calls) => {
    assert.throws(() => train(config(), { onRunDir: () => { throw new Error('boom in the run'); } }), /boom in the run/);
    assert.equal(calls.n, 1);
    assert.throws(() => train(config({ lora: { r: 1e9, alpha: 4 } })), (e: Error) => e.name === 'UserError' && /^lora\.r: /.test(e.message)); // refused by the memory it needs, before a step
    assert.equal(calls.n, 2);
  });
});

test('a close that fails while a run is already failing does not hide the run\'s error', () => {
  withCountingClose((calls) => {
    assert.throws(() => train(config(), { onRunDir: () => { throw new Error('the real error'); } }), /the real error/);
    assert.equal(calls.n, 1);
  }, true);
});
