// The CPU backend's bf16 path against its fp32 one on a slice of Mistral 7B: its widths (hidden 4096, MLP 14336,
// 32 heads / 8 KV, vocabulary 32000) with --layers layers (default 2), random weights drawn in-process, LoRA r 16 on
// all 7 projections, batches of 1 × --tokens (default 64). bf16 stores weights and activations in bf16 and widens
// each kernel's bf16 arguments to f32 (bf16-staging.ts); this measures what that costs. Each precision runs --steps
// steps (default 3) in a fresh process, --runs times alternating (default 2); the table gives each one's median step
// time (the first step left out: it faults the memory in) and bf16's ratio to fp32.
// With --generate N it times generation instead: greedy, N new tokens after an 8-token prompt, each run's seconds a
// token (a 1-token generation's time subtracted: the prompt's pass and the KV cache's allocation).
// Usage: node --import tsx bench/cpu-bf16.ts [--layers 2 --tokens 64 --steps 3 --runs 2] [--generate 16]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { MISTRAL_7B_V01 } from './gpu-plan.ts';

const { values: a } = parseArgs({
  options: { layers: { type: 'string', default: '2' }, tokens: { type: 'string', default: '64' }, steps: { type: 'string', default: '3' },
    runs: { type: 'string', default: '2' }, generate: { type: 'string' }, child: { type: 'string' } },
});

if (a.child !== undefined && a.generate !== undefined) {
  // one run: generate with the slice at precision a.child, print the seconds a token
  const { CpuBackend } = await import('../src/backend/cpu/cpu-backend.ts');
  const { parseConfig } = await import('../src/model/config.ts');
  const { initRandomModel } = await import('../src/model/random-init.ts');
  const { generate } = await import('../src/model/generate.ts');
  const cfg = parseConfig({ ...MISTRAL_7B_V01, num_hidden_layers: Number(a.layers) }, 'bench');
  const model = initRandomModel(new CpuBackend(), cfg, { seed: 0, std: 0.02, dtype: a.child === 'bf16' ? 'bf16' : 'f32' });
  const prompt = [1, 415, 2936, 9060, 285, 1142, 461, 10575];
  const seconds = (n: number): number => {
    const t = performance.now();
    generate(model, prompt, { maxNewTokens: n, temperature: 0, eosIds: [] });
    return (performance.now() - t) / 1000;
  };
  seconds(1); // memory faulted in
  const n = Number(a.generate);
  console.log(JSON.stringify({ precision: a.child, steps: [(seconds(n + 1) - seconds(1)) / n] }));
  process.exit(0);
}

if (a.child !== undefined) {
  // one run: train the slice at precision a.child, print each step's seconds
  const { validate } = await import('../src/train/config.ts');
  const { train } = await import('../src/train/trainer.ts');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-bench-bf16-'));
  try {
    const ids = Array.from({ length: Number(a.tokens) }, (_, i) => 100 + ((i * 7919) % 31000));
    fs.writeFileSync(path.join(dir, 'train.jsonl'), `${JSON.stringify({ input_ids: ids })}\n`.repeat(4));
    const cfg = validate({
      model: { config: { ...MISTRAL_7B_V01, num_hidden_layers: Number(a.layers) }, init: 'random' },
      data: { train: path.join(dir, 'train.jsonl') }, method: 'lora', lora: { r: 16, alpha: 32, dropout: 0 },
      batch_size: 1, max_seq_len: Number(a.tokens), max_steps: Number(a.steps), shuffle: false, eval: { samples: 0 },
      device: 'cpu', precision: a.child, seed: 0, output_dir: path.join(dir, 'run'),
    }, 'bench');
    train(cfg);
    // each step's seconds, from the tokens/s train logs for it (its tokens over its wall time)
    const rows = fs.readFileSync(path.join(dir, 'run', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tokens_per_s?: number });
    const times = rows.flatMap((r) => (r.tokens_per_s ? [Number(a.tokens) / r.tokens_per_s] : []));
    console.log(JSON.stringify({ precision: a.child, steps: times }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const got: Record<string, number[]> = { fp32: [], bf16: [] };
for (let r = 0; r < Number(a.runs); r++) {
  for (const precision of ['fp32', 'bf16']) {
    const mode = a.generate !== undefined ? ['--generate', a.generate] : ['--tokens', a.tokens!, '--steps', a.steps!];
    const out = execFileSync(process.execPath, [...process.execArgv, import.meta.filename, '--child', precision, '--layers', a.layers!, ...mode],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const line = JSON.parse(out.trim().split('\n').pop()!) as { steps: number[] };
    console.log(JSON.stringify({ run: r, precision, steps: line.steps.map((s) => Number(s.toFixed(3))) }));
    got[precision]!.push(median(a.generate !== undefined ? line.steps : line.steps.slice(1)));
  }
}
const [f, b] = [median(got.fp32!), median(got.bf16!)];
const what = a.generate !== undefined ? `generating ${a.generate} tokens (greedy): fp32 ${f.toFixed(3)} s a token, bf16 ${b.toFixed(3)} s`
  : `1 × ${a.tokens} tokens, LoRA r 16: fp32 ${f.toFixed(2)} s a step, bf16 ${b.toFixed(2)} s`;
console.log(`${a.layers} layers of Mistral 7B's widths, ${what} (${(b / f).toFixed(2)}× fp32)`);
