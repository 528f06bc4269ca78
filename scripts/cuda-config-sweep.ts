// The CUDA backend against the CPU backend (the oracle) end to end over model shapes other than Mistral 7B's: head dims
// the flash kernels are not built for (32, 48, 80, 96, 256) and theirs (64, 128) at rows off their 64-row tiles, hidden
// sizes off the 16-byte vectors, vocabularies off every tile, windows of 1 to past a tile, MQA/GQA/MHA, packed rows,
// tied embeddings, rope scalings, no head_dim. For each case a tiny random model folder, then train() two steps on the
// CPU and on CUDA at the same precision: LoRA under each attention path (MISTRAL_TUNE_CUDA_ATTENTION = kernel, gemm,
// flash) at bf16, and the kernels and gemm at fp32 (flash runs fp32 on the kernels: flashFallback); full fine-tuning and
// classification, whose attention makes the same calls, at fp32 on the kernels and at bf16 on flash (--all: every path
// for every method). Compared: each step's training loss and the last val loss (within the precision's loss tolerance
// of test/backend/device.ts a step), and for causal runs 16 greedy tokens (generate: the KV cache and its one-query
// attention, from a prompt as long as the rows up to 100) from each run's trained weights on its own backend. A greedy
// token that differs where the CPU's top two logits are further apart than the precision's logit tolerance fails; a
// closer pair is a tie (said, not failed). Without a GPU: the stand-in libraries with the kernel emulator (10–60 s a run):
//   W=/tmp/mt-emu; node --import tsx -e "const b = await import('./test/backend/cuda/emulator/build.ts'); b.buildStandIn('$W'); b.buildKernelEmulator('$W/kernels')"
//   LD_LIBRARY_PATH=$W/lib CUDA_HOME=$W MISTRAL_TUNE_CACHE=$W/cache MT_FAKE_CUDA_KERNELS=$W/kernels \
//     node --import tsx scripts/cuda-config-sweep.ts [CASE...] [--all] [--paths kernel,gemm,flash] [--precisions fp32,bf16] [--methods lora,full,cls] [--rank 4|8|16|32|64] 2>/dev/null
// (stderr: the runs' warnings that these folders have no tokenizer). With the emulator's objects built with
// -fsanitize=address (the stand-in's allocations unrounded) and LD_PRELOAD=libasan.so, a kernel's access outside its
// buffers aborts the run. Exit status 1 when a comparison fails. Not part of the tests; logs: bench/results/cuda-config-sweep-*.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Backend } from '../src/backend/backend.ts';
import type { Precision } from '../src/backend/dtype.ts';
import { createBackend } from '../src/backend/select.ts';
import { parseConfig } from '../src/model/config.ts';
import { generate } from '../src/model/generate.ts';
import { createRandomModel } from '../src/model/init.ts';
import { loadModel, type MistralModel } from '../src/model/mistral.ts';
import { loadAdapter } from '../src/model/peft.ts';
import { saveModelFolder } from '../src/model/save.ts';
import { validate } from '../src/train/config.ts';
import { train } from '../src/train/trainer.ts';
import { setQuiet } from '../src/util/log.ts';
import { Rng } from '../src/util/rng.ts';
import { TOLERANCES } from '../test/backend/device.ts';

type Method = 'lora' | 'full' | 'cls';
type Path = 'kernel' | 'gemm' | 'flash';

interface Case {
  /** config.json's keys over BASE. */
  config: Record<string, unknown>;
  /** Token counts of the training and val rows (the longest is max_seq_len). */
  lengths: number[];
  packing: boolean;
}

const BASE = { model_type: 'mistral', num_hidden_layers: 2, max_position_embeddings: 256, rms_norm_eps: 1e-5, rope_theta: 10000, bos_token_id: 1, eos_token_id: 2 };

const CASES: Record<string, Case> = {
  // head dims the flash kernels are not built for (flash hands bf16 to cuBLASLt, fp32 to the kernels)
  'd32 hidden 64 GQA 4:2 window 3': {
    config: { vocab_size: 67, hidden_size: 64, intermediate_size: 45, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 32, sliding_window: 3 },
    lengths: [19, 7, 12, 3, 16, 9], packing: true,
  },
  'd48 hidden 50 MQA 3:1 vocab 101 tied': {
    config: { vocab_size: 101, hidden_size: 50, intermediate_size: 37, num_attention_heads: 3, num_key_value_heads: 1, head_dim: 48, sliding_window: null, tie_word_embeddings: true },
    lengths: [21, 13, 5, 17, 2, 11], packing: false,
  },
  'd80 hidden 44 MHA 2:2 linear rope': {
    config: { vocab_size: 33, hidden_size: 44, intermediate_size: 30, num_attention_heads: 2, num_key_value_heads: 2, head_dim: 80, sliding_window: 6,
      rope_parameters: { rope_type: 'linear', factor: 2.0, rope_theta: 500 } },
    lengths: [15, 9, 4, 14, 7, 10], packing: true,
  },
  'd96 hidden 99 MQA 2:1 yarn eps 1e-3': {
    config: { vocab_size: 71, hidden_size: 99, intermediate_size: 61, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 96, sliding_window: null, rms_norm_eps: 1e-3,
      rope_parameters: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 8, rope_theta: 10000 } },
    lengths: [18, 11, 6, 13, 8, 16], packing: false,
  },
  'd256 hidden 36 MQA 2:1 window 1': {
    config: { vocab_size: 45, hidden_size: 36, intermediate_size: 22, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 256, sliding_window: 1 },
    lengths: [10, 6, 3, 9, 5, 8], packing: true,
  },
  // the flash kernels' head dims at rows off their 64-row tiles, windows below a tile, packed samples, odd hidden sizes
  'd64 hidden 130 GQA 4:2 window 5 llama3 rope': {
    config: { vocab_size: 131, hidden_size: 130, intermediate_size: 77, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 64, sliding_window: 5,
      rope_parameters: { rope_type: 'llama3', factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 16, rope_theta: 10000 } },
    lengths: [70, 23, 41, 9, 66, 30], packing: true,
  },
  'd128 hidden 196 MQA 2:1 window 17': {
    config: { vocab_size: 97, hidden_size: 196, intermediate_size: 37, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 128, sliding_window: 17 },
    lengths: [67, 12, 40, 65, 5, 33], packing: false,
  },
  'd64 hidden 64 1 head no window': {
    config: { vocab_size: 65, hidden_size: 64, intermediate_size: 100, num_attention_heads: 1, num_key_value_heads: 1, head_dim: 64, sliding_window: null, tie_word_embeddings: true },
    lengths: [130, 64, 63, 65], packing: false,
  },
  // decoding past a key tile (prompts of 100 tokens) under a window longer than a tile
  'd128 hidden 72 GQA 2:1 window 70': {
    config: { vocab_size: 83, hidden_size: 72, intermediate_size: 40, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 128, sliding_window: 70 },
    lengths: [140, 100, 77], packing: false,
  },
  // no head_dim: hidden / heads (24), a window as long as the rows, ε 1e-6
  'no head_dim hidden 72 heads 3:3 window T': {
    config: { vocab_size: 59, hidden_size: 72, intermediate_size: 50, num_attention_heads: 3, num_key_value_heads: 3, sliding_window: 14, rms_norm_eps: 1e-6 },
    lengths: [14, 10, 3, 12, 7, 14], packing: false,
  },
};

const args = process.argv.slice(2);
const option = (name: string, all: string[]): string[] => {
  const i = args.indexOf(name);
  if (i < 0) return all;
  const v = args.splice(i, 2)[1]!.split(',');
  for (const x of v) if (!all.includes(x)) throw new Error(`${name}: ${x} is not one of ${all.join(', ')}`);
  return v;
};
const PATHS = option('--paths', ['kernel', 'gemm', 'flash']) as Path[];
const PRECISIONS = option('--precisions', ['fp32', 'bf16']) as Exclude<Precision, 'auto'>[];
const METHODS = option('--methods', ['lora', 'full', 'cls']) as Method[];
/** LoRA's rank (--rank R; 4 by default): 8, 16, … give the products of r a multiple of 8 that lora_grad_up takes (MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1). */
const RANK = Number(option('--rank', ['4', '8', '16', '32', '64'])[0] ?? 4);
const ALL = args.includes('--all');
if (ALL) args.splice(args.indexOf('--all'), 1);
/** Whether `method` runs at `precision` on path `p` (the plan in the header). */
const planned = (method: Method, precision: string, p: Path): boolean =>
  ALL || (method === 'lora' ? precision === 'bf16' || p !== 'flash' : p === (precision === 'fp32' ? 'kernel' : 'flash'));
for (const a of args) if (!(a in CASES)) throw new Error(`no case "${a}" (cases: ${Object.keys(CASES).join('; ')})`);
const names = args.length > 0 ? args : Object.keys(CASES);

setQuiet(true);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-cuda-sweep-'));
process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
const LABELS = ['a', 'b', 'c'];
const GREEDY = 16;
let failures = 0;

function writeJsonl(file: string, rows: object[]): void {
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** The case's model folder and its data files (causal and classification). */
function prepareCase(name: string, c: Case): { dir: string; data: Record<'lm' | 'cls', { train: string; val: string }>; prompts: number[][] } {
  const dir = path.join(work, name.replace(/[^a-z0-9]+/gi, '-'));
  const cfg: Record<string, unknown> = { ...BASE, ...c.config };
  const cpu = createBackend('cpu');
  const hidden = cfg.hidden_size as number, vocab = cfg.vocab_size as number;
  saveModelFolder(createRandomModel(cpu, parseConfig(cfg), { seed: 7, std: 0.6 / Math.sqrt(hidden), normStd: 0.1 }), path.join(dir, 'model'), { sourceDir: null, head: 'causal' });
  fs.writeFileSync(path.join(dir, 'model', 'config.json'), JSON.stringify(cfg));
  const rng = new Rng(5);
  const row = (n: number): number[] => [1, ...Array.from({ length: n - 1 }, () => 3 + rng.below(vocab - 3))];
  const data = { lm: { train: '', val: '' }, cls: { train: '', val: '' } };
  for (const split of ['train', 'val'] as const) {
    const rows = c.lengths.map(row);
    data.lm[split] = path.join(dir, `lm-${split}.jsonl`);
    data.cls[split] = path.join(dir, `cls-${split}.jsonl`);
    writeJsonl(data.lm[split], rows.map((ids) => ({ input_ids: ids })));
    writeJsonl(data.cls[split], rows.map((ids, i) => ({ input_ids: ids, label: LABELS[i % LABELS.length] })));
  }
  const longest = Math.max(...c.lengths);
  // the first prompt as long as the rows (up to 100: its decoding crosses a 64-key tile where they are longer than 64)
  return { dir, data, prompts: [row(Math.min(longest, 100)), row(3)] };
}

interface RunResult {
  losses: number[];
  valLoss: number;
  out: string;
}

/** train() on `device` at `precision` under attention path `p` (the CPU ignores it). */
function runTrain(caseDir: string, c: Case, data: { train: string; val: string }, method: Method, device: 'cpu' | 'cuda', precision: 'fp32' | 'bf16', p: Path): RunResult {
  process.env.MISTRAL_TUNE_CUDA_ATTENTION = p;
  const out = path.join(caseDir, `run-${method}-${device}-${precision}-${p}`);
  const cls = method === 'cls';
  const result = train(validate({
    model: path.join(caseDir, 'model'), device, precision, method: method === 'full' ? 'full' : 'lora',
    task: cls ? 'classification' : 'generation', labels: cls ? LABELS : null, data,
    lora: { r: RANK, alpha: 2 * RANK, target_modules: 'all-linear' }, optimizer: { lr: method === 'full' ? 2e-3 : 1e-2 }, schedule: { type: 'constant' },
    eval: { samples: 0, batch_size: 4 }, batch_size: 2, max_steps: 2, shuffle: false, packing: !cls && c.packing,
    max_seq_len: Math.max(...c.lengths), seed: 3, output_dir: out,
  }, 'sweep'));
  const metrics = fs.readFileSync(path.join(result.dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  // the training steps' rows, and the evaluations' (split: val), the last at the end
  const losses = metrics.filter((m) => m.split === undefined && typeof m.loss === 'number').map((m) => m.loss as number);
  const vals = metrics.filter((m) => m.split === 'val').map((m) => m.loss as number);
  return { losses, valLoss: vals[vals.length - 1] ?? NaN, out: result.dir };
}

/** The trained causal model of run `out` on `backend` at `precision`. */
function trained(backend: Backend, caseDir: string, out: string, method: Method, precision: 'fp32' | 'bf16'): MistralModel {
  const dtype = precision === 'bf16' ? 'bf16' : 'f32';
  if (method === 'full') return loadModel(path.join(out, 'model'), { backend, dtype });
  const model = loadModel(path.join(caseDir, 'model'), { backend, dtype });
  loadAdapter(model, path.join(out, 'adapter'), { trainable: false });
  return model;
}

/** Greedy tokens of each prompt from run `out`'s weights on `device`, under path `p`. */
function greedy(device: 'cpu' | 'cuda', p: Path, caseDir: string, out: string, method: Method, precision: 'fp32' | 'bf16', prompts: number[][]): number[][] {
  process.env.MISTRAL_TUNE_CUDA_ATTENTION = p;
  const backend = createBackend(device);
  try {
    const model = trained(backend, caseDir, out, method, precision);
    return prompts.map((ids) => generate(model, ids, { maxNewTokens: GREEDY, eosIds: [] }));
  } finally {
    backend.close?.();
  }
}

/** The CPU's top-two logit gap at the last position of `ids` (run `out`'s weights in f32). */
function cpuMargin(caseDir: string, out: string, method: Method, ids: number[]): { gap: number; scale: number } {
  const backend = createBackend('cpu');
  const model = trained(backend, caseDir, out, method, 'fp32');
  const logits = model.logits(model.collate([{ inputIds: ids }]));
  const V = model.cfg.vocabSize, last = Array.from(logits.subarray((ids.length - 1) * V, ids.length * V)).sort((a, b) => b - a);
  return { gap: last[0]! - last[1]!, scale: Math.max(...last.map(Math.abs)) };
}

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
const fmt = (x: number): string => x.toExponential(2);

for (const name of names) {
  const c = CASES[name]!;
  const { dir, data, prompts } = prepareCase(name, c);
  console.log(`\n## ${name}  (${JSON.stringify(c.config)}; rows ${c.lengths.join(',')}${c.packing ? ', packed' : ''})`);
  for (const method of METHODS) {
    const d = method === 'cls' ? data.cls : data.lm;
    for (const precision of PRECISIONS) {
      if (!PATHS.some((x) => planned(method, precision, x))) continue;
      const tol = TOLERANCES[precision];
      let ref: RunResult, refTokens: number[][] | null = null;
      try {
        ref = runTrain(dir, c, d, method, 'cpu', precision, 'kernel');
        if (method !== 'cls') refTokens = greedy('cpu', 'kernel', dir, ref.out, method, precision, prompts);
      } catch (e) {
        console.log(`FAIL ${method} ${precision} cpu: ${(e as Error).message.split('\n')[0]}`);
        failures++;
        continue;
      }
      for (const p of PATHS.filter((x) => planned(method, precision, x))) {
        const what = `${method.padEnd(4)} ${precision} ${p.padEnd(6)}`;
        const t0 = performance.now();
        try {
          const dev = runTrain(dir, c, d, method, 'cuda', precision, p);
          const stepErr = Math.max(...ref.losses.map((l, i) => rel(dev.losses[i] ?? NaN, l)));
          const valErr = rel(dev.valLoss, ref.valLoss);
          const problems: string[] = [];
          // each step after the first trains on weights the previous steps moved: allow the loss tolerance per step
          if (!(stepErr <= tol.loss * ref.losses.length) || dev.losses.length !== ref.losses.length) problems.push(`train losses ${dev.losses.map(fmt)} vs ${ref.losses.map(fmt)}`);
          if (!(valErr <= tol.loss * ref.losses.length)) problems.push(`val loss ${dev.valLoss} vs ${ref.valLoss}`);
          let gen = '';
          if (refTokens) {
            const tokens = greedy('cuda', p, dir, dev.out, method, precision, prompts);
            const notes: string[] = [];
            tokens.forEach((tk, j) => {
              const want = refTokens![j]!;
              const at = want.findIndex((t, i) => tk[i] !== t);
              if (at < 0 && tk.length === want.length) return;
              const m = cpuMargin(dir, ref.out, method, [...prompts[j]!, ...want.slice(0, at)]);
              const tie = m.gap <= tol.logits * m.scale;
              notes.push(`prompt ${j} differs at token ${at} (CPU top-2 gap ${fmt(m.gap)} of ${fmt(m.scale)}${tie ? ': a tie' : ''})`);
              if (!tie) problems.push(`greedy: ${tk.join(' ')} vs ${want.join(' ')}`);
            });
            gen = notes.length ? `; ${notes.join('; ')}` : `; greedy ${prompts.length}×${GREEDY} same`;
          }
          const line = `${what} step loss err ${fmt(stepErr)}, val loss err ${fmt(valErr)}${gen} (${((performance.now() - t0) / 1000).toFixed(1)} s)`;
          console.log(`${problems.length ? 'FAIL' : 'ok  '} ${line}${problems.length ? `\n     ${problems.join('\n     ')}` : ''}`);
          if (problems.length) failures++;
        } catch (e) {
          console.log(`FAIL ${what} ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`);
          failures++;
        }
      }
    }
  }
}
console.log(`\n${failures} failure(s)`);
process.exitCode = failures ? 1 : 0;
