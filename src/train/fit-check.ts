// Checks made before a run allocates anything big: every path of the config exists (config-paths.ts), and the sizes
// the config asks for fit the model's shape and what the CPU kernels (or the GPU) can hold (the error says what does
// not fit and which key to change), instead of a RangeError or a failed Memory.grow in the middle of the first step.
import * as os from 'node:os';
import { CUDA_RESERVE_BYTES, hostMemoryNote, usableBytes, usableWords, type DeviceTarget } from '../backend/capacity.ts';
import { attentionWorkspaceBytes, WASM_MEMORY_LIMIT } from '../backend/cpu/wasm/wasm-kernels.ts';
import type { FlashGpu } from '../backend/cuda/flash-attention.ts';
import type { TokenRow } from '../data/batch.ts';
import type { MistralConfig } from '../model/config.ts';
import { projectionShape } from '../model/weights.ts';
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';
import { gib } from '../util/byte-size.ts';
import type { TrainConfig } from './config.ts';
import { keyError } from './config-paths.ts';
import { shownAs } from './config-issues.ts';
import { deviceBytesNeeded, NODE_RUNTIME_BYTES, planMemory, runBatchShape, trainBatchRows, type MemoryPlan } from './memory-plan.ts';

export { checkConfigPaths } from './config-paths.ts';

/**
 * lora.r's adapter fits the device before anything is allocated: the model's weights and the trainable state at rank r
 * (the factors, their gradients and AdamW moments) inside usableBytes(target), as checkModelFits counts them, else a refusal
 * naming lora.r with the largest rank that fits (a rank of 10^9 is refused here, in one line, not by a RangeError). A rank
 * above a projection's smaller side trains as PEFT trains it, with a warning: the update B·A has at most that rank.
 * `v`: values as written. Nothing to check for lora.init_from (its adapter's rank is the saved one).
 */
export function checkLoraRank(cfg: TrainConfig, model: MistralConfig, target: DeviceTarget, place?: (key: string) => string, v = shownAs(cfg)): void {
  if (cfg.method !== 'lora' || cfg.lora.init_from) return;
  const r = cfg.lora.r;
  const capacity = usableBytes(target);
  const fixed = (rank: number): number => {
    const plan = planMemory({ ...cfg, lora: { ...cfg.lora, r: rank } }, model, { B: 1, T: 1 }, target.backend);
    return plan.weights + plan.trainable;
  };
  const need = fixed(r);
  if (capacity !== null && need > capacity) {
    // the plan is linear in r: what a rank costs, and what the rest takes (weights, a classification head)
    const perRank = fixed(2) - fixed(1), rest = fixed(1) - perRank;
    const most = Math.floor((capacity - rest) / perRank);
    // where no rank fits, the weights are what does not (checkModelFits says so, naming the model)
    if (most >= 1) {
      throw keyError('lora.r', `${v('lora.r')} makes the weights and the adapter's trainable state (its factors, their gradients and AdamW moments) ` +
        `${gib(need)}, more than ${usableWords(target)}, ${gib(capacity)}: lower lora.r to at most ${most.toLocaleString('en')}`, place);
    }
    return;
  }
  const sides = cfg.lora.target_modules.map((p) => ({ p, side: Math.min(...projectionShape(model, p)) }));
  const smallest = sides.reduce((a, b) => (b.side < a.side ? b : a));
  if (r > smallest.side) {
    warn(`lora.r ${v('lora.r')} is above ${smallest.p}'s smaller side (${smallest.side}) in this model: its update B·A has rank at most ${smallest.side}, ` +
      'so the rank past it adds parameters and memory, not capacity (it trains as PEFT trains it)');
  }
}

/** Where a run's sequences must fit: the CPU's attention workspace, or a GPU's memory of `deviceBytes` (null: unknown), with what the flash kernels need of it in `gpu` (null or absent: unknown). */
export type FitTarget = DeviceTarget & { gpu?: FlashGpu | null };

/**
 * The longest sequence of the run (max_seq_len when packing, else the longest example) fits: on the CPU
 * the attention workspace (the (T, T) scores and their gradient, plus room for the call's GEMMs) inside
 * WebAssembly's 4 GiB; on CUDA, whose attention needs no (T, T) workspace, the whole memory plan inside
 * the GPU's memory. Returns the rows of the largest training batch (trainBatchRows), planned once for the run.
 */
export function checkSequenceFits(cfg: TrainConfig, model: MistralConfig, splits: ReadonlyArray<TokenRow[] | null>,
  target: FitTarget = { backend: 'cpu' }, place?: (key: string) => string): number {
  const [train, ...evalSplits] = splits;
  const rows = trainBatchRows(cfg, train ?? []);
  if (target.backend === 'cpu') {
    const refusal = cpuSequenceRefusal(cfg, model, splits, rows);
    if (refusal !== null) throw keyError('max_seq_len', refusal, place);
  }
  // the whole plan against the device's memory: a batch whose activations exceed it is refused here, not mid-step
  const usable = usableBytes(target);
  if (usable === null) return rows; // a GPU whose memory is unknown
  const plan = planMemory(cfg, model, runBatchShape(cfg, train ?? [], evalSplits, rows), target.backend, undefined, target.backend === 'cuda' ? target.gpu ?? null : null);
  if (deviceBytesNeeded(plan) <= usable) {
    const note = target.backend === 'cpu' ? hostMemoryNote(plan.host) : null;
    if (note !== null) warn(note);
    return rows;
  }
  const needs = target.backend === 'cuda'
    ? `the run needs ${gib(plan.total + CUDA_RESERVE_BYTES)} on the GPU (weights ${gib(plan.weights)}, activations ${gib(plan.activations)}, ` +
      `trainable state ${gib(plan.trainable)}, ${gib(CUDA_RESERVE_BYTES)} for the CUDA context, cuBLASLt and the allocator; see train --dry-run), ` +
      `more than its ${gib(target.deviceBytes!)}`
    : `the run's memory plan totals ${gib(plan.host)} (weights ${gib(plan.weights)}, trainable state ${gib(plan.trainable)}, ` +
      `activations ${gib(plan.activations)}, attention workspace ${gib(plan.workspace)}${plan.saving > 0 ? `, copies while saving ${gib(plan.saving)}` : ''}, ` +
      `Node.js itself ${gib(NODE_RUNTIME_BYTES)}; see train --dry-run), more than ${usableWords(target)}, ${gib(usable)}`;
  // at batch 1, the length is what there is to lower; where the checkpoints' copies make the part no batch lowers too big, they are
  const copies = cfg.checkpoint.every_steps !== null && plan.saving > 0 && plan.weights + plan.trainable + plan.saving >= usable;
  throw new UserError(`${needs}: ${fitAdvice(cfg, plan, usable, rows)}`, copies ? 'checkpoint.every_steps' : rows > 1 ? 'batch_size' : 'max_seq_len');
}

/**
 * Why the longest sequence of a CPU run does not fit the attention workspace inside WebAssembly's 4 GiB (the (T, T)
 * scores and their gradient, plus room for the call's GEMMs), whatever the RAM; null when it fits. The dry run says it
 * as train refuses it. `trainRows`: trainBatchRows where the caller has it (planned once a run).
 */
export function cpuSequenceRefusal(cfg: TrainConfig, model: MistralConfig, splits: ReadonlyArray<TokenRow[] | null>,
  trainRows = trainBatchRows(cfg, splits[0] ?? [])): string | null {
  // no spread: a split of 300,000 examples would be as many arguments, past the stack
  const longest = splits.reduce((m, rows) => (rows ?? []).reduce((n, r) => Math.max(n, r.inputIds.length), m), 1);
  const T = cfg.packing ? Math.max(cfg.max_seq_len, longest) : longest;
  // the rows of a batch: no more than a split holds (batch_size 1e9 over 6 examples makes batches of 6), or its packs
  const [, ...evalSplits] = splits;
  const rows = Math.max(trainRows, ...evalSplits.map((s) => Math.min(cfg.eval.batch_size, s?.length ?? 0)));
  const N = Math.max(1, rows) * T;
  const { workspace, reserve } = attentionWorkspaceBytes(T, T, N * model.numHeads * model.headDim, N * model.numKvHeads * model.headDim);
  const need = workspace + reserve;
  if (need < WASM_MEMORY_LIMIT) return null;
  const key = cfg.packing ? 'max_seq_len' : 'max_seq_len (examples are truncated to it)';
  // fewer rows shrink only the GEMM room, and only where a batch holds more than one: at batch 1 no batch key is offered
  const evalRows = Math.max(0, ...evalSplits.map((s) => Math.min(cfg.eval.batch_size, s?.length ?? 0)));
  const batchKeys = [...(trainRows > 1 ? ['batch_size'] : []), ...(evalRows > 1 ? ['eval.batch_size'] : [])];
  return `sequences of ${T.toLocaleString('en')} tokens need ${gib(need)} of attention workspace on the CPU, ` +
    `more than its ${gib(WASM_MEMORY_LIMIT)}: lower ${key}${batchKeys.length > 0 ? `, or ${batchKeys.join(' / ')}` : ''}, ` +
    'or train on a GPU (device: cuda, whose attention needs no (T, T) workspace)';
}

/**
 * The model's weights and trainable state (no batch needed) fit the device before a weight is read or drawn: the GPU's
 * memory less CUDA_RESERVE_BYTES, or the host's RAM on the CPU. A config.json of 10^9 layers is refused here in one
 * line, as the dry run finds it, instead of drawing random weights layer by layer until the process runs out of memory.
 */
export function checkModelFits(cfg: TrainConfig, model: MistralConfig, target: FitTarget, hostBytes = os.totalmem()): void {
  const plan = planMemory(cfg, model, { B: 1, T: 1 }, target.backend);
  if (target.backend === 'cuda') {
    const refusal = cudaHostRefusal(cfg, plan, hostBytes);
    if (refusal !== null) throw new UserError(refusal, cfg.method === 'full' && cfg.checkpoint.every_steps === null ? 'method' : 'checkpoint.every_steps');
    const note = hostMemoryNote(plan.host);
    if (note !== null) warn(`host RAM of a CUDA run: ${note}`);
  }
  const capacity = usableBytes(target);
  if (capacity === null) return;
  if (plan.weights + plan.trainable <= capacity) return;
  // fitAdvice names the parts and their sizes (a full fine-tuning run in f32 holds every weight in its trainable state)
  throw new UserError(`the model does not fit ${usableWords(target)}: ${fitAdvice(cfg, plan, capacity, 1)} (see train --dry-run)`,
    typeof cfg.model === 'string' ? 'model' : 'model.config');
}

/**
 * Why a CUDA run's host RAM (MemoryPlan.host: Node.js and a save's host copies, which the GPU's check does not see) is
 * more than the machine's `hostBytes`, in one line with the ways out; null when it fits. A checkpoint downloads every
 * trained weight and both its AdamW moments before writing them: 12 bytes a weight of a full fine-tuning, 87 GB at 7B.
 */
export function cudaHostRefusal(cfg: TrainConfig, plan: MemoryPlan, hostBytes = os.totalmem()): string | null {
  if (plan.backend !== 'cuda' || plan.host <= hostBytes) return null;
  const copies = plan.host - NODE_RUNTIME_BYTES;
  const what = cfg.checkpoint.every_steps !== null
    ? `each checkpoint copies every trained weight and its AdamW moments into host RAM (${gib(copies)})`
    : `the final save copies the trained weights into host RAM (${gib(copies)})`;
  // without checkpoints, only fewer trained weights (LoRA) lower the final save's copies
  const ways = [...(cfg.checkpoint.every_steps !== null ? ['set checkpoint.every_steps: null'] : []), ...(cfg.method === 'full' ? ['set method: lora'] : []),
    'use a machine with more RAM'];
  return `a CUDA run needs ${gib(plan.host)} of host RAM, more than this machine's ${gib(hostBytes)}: ${what}, besides Node.js itself ` +
    `(${gib(NODE_RUNTIME_BYTES)}); ${ways.join(', or ')}`;
}

/**
 * What would make a run whose memory plan exceeds `available` bytes fit: only the config changes that lower
 * it from here (no "use LoRA" to a LoRA run), or, when the weights and the trainable state alone do not fit (no
 * batch or sequence length helps then), the ways to hold less of them. `batchRows`: the rows of the plan's largest
 * training batch (trainBatchRows), which may be fewer than batch_size: at 1 no lower batch_size helps.
 */
export function fitAdvice(cfg: TrainConfig, plan: MemoryPlan, available: number, batchRows: number): string {
  // bf16 stores the frozen weights and the activations in half; full fine-tuning keeps f32 masters of its weights
  const bf16 = plan.precision === 'fp32' ? [`precision: bf16 (halves the ${cfg.method === 'lora' ? 'frozen weights and the ' : ''}activations)`] : [];
  if (plan.weights >= available) {
    return `the weights alone take ${gib(plan.weights)} of ${gib(available)}: ${[...(cfg.method === 'lora' ? bf16 : []), 'a device with more memory'].join(', or ')}`;
  }
  // the save's host copies (CPU) do not shrink with the batch either
  const fixed = plan.weights + plan.trainable + plan.saving;
  if (fixed >= available) {
    const lower = cfg.method === 'full' ? ['method: lora'] : ['a lower lora.r', ...bf16];
    const noCheckpoints = cfg.checkpoint.every_steps !== null && plan.weights + plan.trainable < available ? ['checkpoint.every_steps: null (a checkpoint copies every trained weight and its AdamW moments to write them)'] : [];
    return `the weights and the trainable state (parameters, gradients, AdamW moments)${plan.saving > 0 ? ' with the copies while saving' : ''} alone take ${gib(fixed)} of ${gib(available)}: ` +
      `${[...lower, ...noCheckpoints, 'a device with more memory'].join(', or ')}`;
  }
  const levers = [
    ...(batchRows > 1 ? [`a lower batch_size (${batchRows < cfg.batch_size ? `batches hold ${batchRows} rows, fewer than batch_size ${cfg.batch_size}` : `now ${cfg.batch_size}`}; ` +
      'raise grad_accum to keep the effective batch)'] : []),
    'a lower max_seq_len',
    ...(cfg.activation_checkpointing ? [] : ['activation_checkpointing: true']),
    ...bf16,
    ...(cfg.method === 'full' ? ['method: lora'] : []),
    'a device with more memory',
  ];
  return `${largestPart(plan)}: try ${levers.join(', or ')}`;
}

/** The plan's largest part in words ("the activations take 277.4 GiB of the 321.8 GiB"): what a smaller run has to shrink first. */
function largestPart(plan: MemoryPlan): string {
  const parts: Array<[string, number]> = [['the weights take', plan.weights], ['the trainable state takes', plan.trainable],
    ['the activations take', plan.activations], ['the attention workspace takes', plan.workspace], ['the copies while saving take', plan.saving]];
  const [name, bytes] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
  // a small model's plan (a test's) in MiB, not "0.0 GiB of the 0.0 GiB"
  const size = (b: number): string => (plan.total >= 2 ** 30 ? `${(b / 2 ** 30).toFixed(1)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`);
  return `${name} ${size(bytes)} of the ${size(plan.total)}`;
}
