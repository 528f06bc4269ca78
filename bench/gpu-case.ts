// One bench:gpu case in its own process (so each case starts with an empty device and its peak is its own):
// the library's train() on the config `mistral-tune train` would run (bench/gpu-plan.ts), then one JSON
// line on stdout with tokens/s over the steps after the warm-up (from metrics.jsonl), the step time, the
// peak device memory (peak_mem_bytes), the first and last loss and the wall time. Run by bench/gpu.ts:
//   node --import tsx bench/gpu-case.ts --case 1x2048 [--layers 32 --steps 3 --warmup 2 --device cuda]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { validate } from '../src/train/config.ts';
import { train } from '../src/train/trainer.ts';
import { benchTrainConfig, caseName, parseCase, writeRandomRows } from './gpu-plan.ts';

const { values: a } = parseArgs({
  options: {
    case: { type: 'string', default: '1x2048' }, layers: { type: 'string', default: '32' },
    steps: { type: 'string', default: '3' }, warmup: { type: 'string', default: '2' }, device: { type: 'string', default: 'cuda' },
  },
});
const c = parseCase(a.case!);
const steps = Number(a.steps), warmup = Number(a.warmup);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gpu-'));
try {
  const data = path.join(work, 'train.jsonl');
  writeRandomRows(data, c.B * (steps + warmup), c.T, 32000, 1);
  const cfg = validate(benchTrainConfig(c, {
    layers: Number(a.layers), steps, warmup, data, outputDir: path.join(work, 'run'), device: a.device === 'cpu' ? 'cpu' : 'cuda',
  }), 'bench/gpu-case.ts');
  const t0 = performance.now();
  const result = train(cfg);
  const wall = (performance.now() - t0) / 1000;
  const rows = fs.readFileSync(path.join(result.dir, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as Record<string, number | string | undefined>).filter((r) => r.split === undefined);
  const timed = rows.slice(warmup);
  if (timed.length === 0) throw new Error(`no steps after the ${warmup} warm-up steps`);
  const tokens = c.B * c.T;
  const seconds = timed.reduce((s, r) => s + tokens / Number(r.tokens_per_s), 0);
  const peak = Math.max(...rows.map((r) => Number(r.peak_mem_bytes ?? r.mem_bytes)));
  console.log(JSON.stringify({
    case: caseName(c), tokens_per_s: Math.round((tokens * timed.length) / seconds), step_ms: Math.round((seconds / timed.length) * 1000),
    peak_bytes: peak, loss_first: rows[0]!.loss, loss_last: rows.at(-1)!.loss, wall_s: Number(wall.toFixed(1)),
  }));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
