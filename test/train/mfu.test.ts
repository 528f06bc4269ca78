// MFU in training's metrics and progress: the step's model FLOPs (src/train/flops.ts) per second over the
// backend's measured GEMM peak, on backends that measure one (CUDA); none on the CPU. The CPU backend is
// given a stand-in peak here (this file runs in its own process) to check the arithmetic end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { loadConfig } from '../../src/model/config.ts';
import { validate } from '../../src/train/config.ts';
import { stepFlops } from '../../src/train/flops.ts';
import { train } from '../../src/train/trainer.ts';
import { TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

type Row = Record<string, number>;

function run(method: 'lora' | 'full'): Row[] {
  const dir = tempDir('mt-mfu-');
  const rows = Array.from({ length: 8 }, (_, i) => JSON.stringify({ input_ids: Array.from({ length: 16 }, (_, j) => 3 + ((i * 31 + j * 7) % 400)) }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.join('\n') + '\n');
  const r = train(validate({
    model: TINY_BASE, method, data: { train: path.join(dir, 'train.jsonl') }, batch_size: 4, max_steps: 2, shuffle: false,
    eval: { samples: 0 }, output_dir: path.join(dir, 'run'),
  }, 'test'));
  const steps = fs.readFileSync(path.join(r.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Row).filter((x) => !('split' in x));
  fs.rmSync(dir, { recursive: true, force: true });
  return steps;
}

test('the CPU backend measures no peak: step rows carry no mfu', () => {
  for (const row of run('lora')) assert.ok(!('mfu' in row), JSON.stringify(row));
});

test('with a measured peak, each step row has mfu = model FLOPs / step time / peak (LoRA 4·N, full 6·N per token, plus attention)', () => {
  const peak = 1e9;
  (CpuBackend.prototype as unknown as { peakFlops: () => number }).peakFlops = () => peak;
  const cfg = loadConfig(TINY_BASE);
  for (const method of ['lora', 'full'] as const) {
    const rows = run(method);
    assert.equal(rows.length, 2);
    for (const row of rows) {
      const seconds = (4 * 16) / row.tokens_per_s!; // tokens_per_s counts the 4 rows × 16 tokens
      const want = stepFlops(cfg, 4, 16, { weightGrads: method === 'full' }) / seconds / peak;
      assert.ok(Math.abs(row.mfu! / want - 1) < 1e-9, `${method}: mfu ${row.mfu} vs ${want}`);
    }
  }
});
