// What a run will hold in memory, by category, from the config, the model's config.json, lora.init_from's
// adapter config and tensor names, and the batch shape alone (no weights loaded): the model's weights, the trainable state, the activation plan (sized
// by the very function the model allocates it with, model/activations.ts) and the kernels' workspace.
// Arithmetic (and, packing, the packs TRL's packing makes of the rows); `train --dry-run` prints it next to the memory available.
import { attentionWorkspaceBytes as cpuAttentionWorkspace } from '../backend/cpu/wasm/wasm-kernels.ts';
import { gemmStagingBytes } from '../backend/cuda/gemm-plan.ts';
import { cudaAttentionFromEnv, type CudaAttention } from '../backend/cuda/attention-path.ts';
import { flashAttentionWorkspaceBytes, plannedAttentionPaths, type FlashGpu } from '../backend/cuda/flash-attention.ts';
import { gemmAttentionWorkspaceBytes } from '../backend/cuda/gemm-attention.ts';
import { attentionWorkspaceBytes as cudaAttentionWorkspace } from '../backend/cuda/launch.ts';
import { DTYPE_BYTES, modelDTypes, precisionDType, type ModelDTypes } from '../backend/dtype.ts';
import { activationBytes, LOGIT_ROWS, loraPlan, type PlanShape } from '../model/activations.ts';
import { DEFAULT_SHARD_BYTES } from '../model/buffer-tensor.ts';
import type { TokenRow } from '../data/batch.ts';
import { packsOf } from '../data/pack.ts';
import type { MistralConfig } from '../model/config.ts';
import { readAdapterInfo } from '../model/peft.ts';
import { PROJECTIONS, projectionShape, type Projection } from '../model/weights.ts';
import { trainsScoreHead } from './adapter-task.ts';
import type { TrainConfig } from './config.ts';

/** The largest training micro-batch (B rows of T tokens) and, when evaluating, the largest evaluation batch. */
export interface BatchShape {
  B: number;
  T: number;
  eval?: { B: number; T: number } | null;
}

/**
 * The rows of the largest training micro-batch the run draws: batch_size, or fewer where the data makes fewer sequences —
 * its examples, or, packing, the packs the loader makes of them (once, pack.ts packBestFit, which packsOf keeps for the
 * loader to take), each epoch's first batch the fullest.
 */
export function trainBatchRows(cfg: TrainConfig, train: readonly TokenRow[]): number {
  if (!cfg.packing || train.length === 0) return Math.min(cfg.batch_size, train.length);
  return Math.min(cfg.batch_size, packsOf(train, cfg.max_seq_len).length);
}

/**
 * What a batch_size past what the data holds leaves of it, for the dry run and train's start line: the real batch
 * (trainBatchRows' `rows`), which the memory plan and the step counts are of; null where batch_size is reached.
 */
export function realBatchNote(cfg: TrainConfig, rows: number): string | null {
  if (rows >= cfg.batch_size) return null;
  const held = cfg.packing ? `${rows.toLocaleString('en-US')} packed sequences the examples make` : `${rows.toLocaleString('en-US')} training examples`;
  return `the real batch is ${rows.toLocaleString('en-US')}: batch_size ${cfg.batch_size.toLocaleString('en-US')} is more than the ${held}`;
}

/**
 * The batch shape a run's plans grow to, as the trainer and the model size them: training rows
 * trainBatchRows of the longest example (the pack length when packing); evaluation batches of
 * eval.batch_size rows in file order, which get a plan of their own only when one does not fit the
 * training plan (that plan grows to the largest of those). `B`: trainBatchRows where the caller has it (planned once a run).
 */
export function runBatchShape(cfg: TrainConfig, train: readonly TokenRow[], evalSplits: ReadonlyArray<readonly TokenRow[] | null>,
  B = trainBatchRows(cfg, train)): BatchShape {
  const longest = (rows: readonly TokenRow[]): number => rows.reduce((m, r) => Math.max(m, r.inputIds.length), 1);
  const T = cfg.packing ? Math.max(cfg.max_seq_len, longest(train)) : longest(train);
  const ev = { B: 0, T: 0 };
  for (const rows of evalSplits) {
    for (let i = 0; rows && i < rows.length; i += cfg.eval.batch_size) {
      const chunk = rows.slice(i, i + cfg.eval.batch_size), cT = longest(chunk);
      const fitsIn = (cap: { B: number; T: number }): boolean => chunk.length <= cap.B && cT <= cap.T;
      if (fitsIn({ B, T }) || fitsIn(ev)) continue;
      ev.B = Math.max(chunk.length, ev.B);
      ev.T = Math.max(cT, ev.T);
    }
  }
  return { B, T, eval: ev.B > 0 ? ev : null };
}

export interface MemoryPlan {
  backend: 'cpu' | 'cuda';
  precision: 'fp32' | 'bf16';
  /** The model's weights in their storage dtype (in fp32 full fine-tuning the trained ones count as trainable). */
  weights: number;
  /**
   * Trainable parameters, their gradients and the two AdamW moments, all in the exact dtype (f32): the
   * optimizer's flat state. In full fine-tuning of a bf16 model these are f32 master copies, and the
   * model's own bf16 copy is in `weights`.
   */
  trainable: number;
  /** The activation plans: training (and evaluation's own plan when its batch does not fit the training one). */
  activations: number;
  /** Of `activations`: evaluation's own plan (0 when its batches fit the training plan), which train's memory line leaves out. */
  evalActivations: number;
  /** Of `activations`: the LM head's logits chunk (logitRows, V) in the exact dtype; 0 in a classification run. */
  logitsChunk: number;
  /** Kernel memory outside the backend's buffers: the attention workspace (CPU: WebAssembly memory). */
  workspace: number;
  /**
   * CUDA: the widened copies of the largest mixed-dtype GEMM (bf16 activations × f32 LoRA factors, f32
   * dlogits × the bf16 LM head), live during that call; 0 on the CPU and in fp32.
   */
  staging: number;
  /**
   * CPU: the host copies a save holds while it writes its file (checkpoint.ts and the final save download every tensor
   * before encoding): a checkpoint's parameters and both AdamW moments of every trained weight, or the final weights
   * in the dtype they are saved in (the whole model in full fine-tuning, the adapter in LoRA; hostSaveBytes), the larger;
   * 0 on CUDA, whose copies are in host RAM (`host`).
   */
  saving: number;
  /** Bytes on the device: on the CPU, in host RAM (less NODE_RUNTIME_BYTES); on CUDA, on the GPU (less CUDA_RESERVE_BYTES). */
  total: number;
  /**
   * Bytes in host RAM: on the CPU `total` and Node.js itself (NODE_RUNTIME_BYTES); on CUDA Node.js and the host copies
   * a save holds while it writes its file (a checkpoint's parameters and both AdamW moments of every trained weight, 12
   * bytes a weight of a full fine-tuning in f32: 87 GB for a 7B model; or the final weights), which the GPU's check
   * does not see.
   */
  host: number;
}

/**
 * What the Node.js process holds in RAM besides the plan: V8's heap and code, the kernels' WebAssembly module, OpenBLAS,
 * the tokenizer and the data (about 100 MiB of resident memory before a model, measured on Linux with Node 20).
 */
export const NODE_RUNTIME_BYTES = 150 * 2 ** 20;

/** The bytes of `plan` its device's memory (capacity.ts usableBytes) must hold: the host RAM of a CPU run, Node.js included; a CUDA run's GPU memory. */
export function deviceBytesNeeded(plan: MemoryPlan): number {
  return plan.backend === 'cpu' ? plan.host : plan.total;
}

/** Element counts of the model's weights: all of them, and those a run trains. */
function parameterCounts(cfg: TrainConfig, model: MistralConfig): { all: number; trained: number; trainedBase: number; trainedLora: number; doraNorms: number } {
  const C = model.hiddenSize, V = model.vocabSize;
  const classification = cfg.task === 'classification';
  const layer = PROJECTIONS.reduce((s, p) => s + projectionShape(model, p).reduce((a, b) => a * b, 1), 0) + 2 * C;
  // a classification checkpoint carries score.weight and no lm_head; a causal one lm_head unless tied
  const checkpointScore = model.task === 'classification' ? (model.labels?.length ?? cfg.labels?.length ?? 0) * C : 0;
  const lmHead = model.task === 'classification' || model.tieWordEmbeddings ? 0 : V * C;
  const all = V * C + model.numLayers * layer + C + lmHead + checkpointScore;
  const head = trainsScoreHead(cfg, model) ? (cfg.labels?.length ?? 0) * C : 0; // a trained classification head (not one frozen under an untyped adapter)
  if (cfg.method === 'full') {
    const trainedBase = all - checkpointScore - (classification ? lmHead : 0);
    return { all, trained: trainedBase + head, trainedBase, trainedLora: 0, doraNorms: 0 };
  }
  // per layer: the LoRA factors, and with DoRA a trained magnitude per output (the norms of its forward beside it)
  const r = cfg.lora.r;
  const perLayer = (projections: readonly Projection[]): { lora: number; outputs: number } => projections.reduce((n, p) => {
    const [out, inDim] = projectionShape(model, p);
    return { lora: n.lora + r * inDim + out * r, outputs: n.outputs + (cfg.lora.use_dora ? out : 0) };
  }, { lora: 0, outputs: 0 });
  // every layer alike (counted, not walked: a config.json of 10^9 layers is planned at once), or lora.init_from's own
  const every = perLayer(cfg.lora.target_modules);
  const { lora, outputs } = cfg.lora.init_from
    ? adaptedLayers(cfg.lora.init_from, cfg.lora.target_modules, model).map(perLayer).reduce((a, b) => ({ lora: a.lora + b.lora, outputs: a.outputs + b.outputs }), { lora: 0, outputs: 0 })
    : { lora: model.numLayers * every.lora, outputs: model.numLayers * every.outputs };
  return { all, trained: lora + outputs + head, trainedBase: 0, trainedLora: lora, doraNorms: outputs };
}

/**
 * The projections (of `targets`) adapter folder `dir` adapts in each layer of a base of config `model`, from its
 * adapter_config.json and safetensors header, as loadAdapter loads it: one saved with layers_to_transform or
 * exclude_modules leaves some out, and the run trains no pair for them.
 */
function adaptedLayers(dir: string, targets: readonly Projection[], model: MistralConfig): Array<readonly Projection[]> {
  return readAdapterInfo(dir, model.numLayers, model).layers.map((has) => targets.filter((p) => has.has(p)));
}

/** The activation plan's shape for a (B, T) capacity of this run. */
function planShape(cfg: TrainConfig, model: MistralConfig, B: number, T: number, training: boolean): PlanShape {
  return {
    // a classification run's forwards feed the score head alone: no LM logits chunk (model/mistral.ts ForwardHead)
    B, T, training, logitRows: cfg.task === 'classification' ? 0 : LOGIT_ROWS, checkpoint: cfg.activation_checkpointing,
    lora: cfg.method === 'lora' ? loraPlan(model, { r: cfg.lora.r, dropout: cfg.lora.dropout, targets: cfg.lora.target_modules, useDora: cfg.lora.use_dora }) : [],
    numLabels: cfg.task === 'classification' ? (cfg.labels?.length ?? 0) : 0,
  };
}

/**
 * Bytes by category for a run of `cfg` on `model` with batches up to `batch`, on `backendName` (on CUDA with the
 * attention path `attention`, MISTRAL_TUNE_CUDA_ATTENTION's by default, on `gpu` where known: whether the flash
 * kernels run there; unknown, the plan also counts the path they hand calls to).
 */
export function planMemory(cfg: TrainConfig, model: MistralConfig, batch: BatchShape, backendName: 'cpu' | 'cuda',
  attention: CudaAttention = cudaAttentionFromEnv(), gpu: FlashGpu | null = null): MemoryPlan {
  const dtype = precisionDType(cfg.precision, backendName);
  const dtypes: ModelDTypes = modelDTypes(dtype);
  const storage = DTYPE_BYTES[dtypes.storage], exact = DTYPE_BYTES[dtypes.exact];
  const counts = parameterCounts(cfg, model);
  // trained weights that are stored in the exact dtype live in the optimizer's flat buffer (counted there)
  const inFlat = dtypes.storage === dtypes.exact ? counts.trainedBase : 0;
  const invFreq = (model.headDim / 2) * exact * (model.ropeScaling?.type === 'longrope' ? 2 : 1); // longrope: a short and a long set
  const weights = (counts.all - inFlat) * storage + invFreq;
  // values, gradients and AdamW's two moments, plus the LoRA factors' working copies under bf16 (and DoRA's norms)
  const trainable = 4 * counts.trained * exact + (cfg.method === 'lora' && storage !== exact ? counts.trainedLora * storage : 0) +
    counts.doraNorms * exact;

  const train = activationBytes(model, planShape(cfg, model, batch.B, batch.T, true), dtypes);
  const ev = batch.eval;
  const evalOwn = ev && (ev.B > batch.B || ev.T > batch.T) ? activationBytes(model, planShape(cfg, model, ev.B, ev.T, false), dtypes) : null;
  const activations = train.total + (evalOwn?.total ?? 0);
  const logitsChunk = Math.max(train.logitsChunk, evalOwn?.logitsChunk ?? 0);

  // the attention call with the most tokens (training or evaluation)
  const [B, T] = ev && ev.B * ev.T > batch.B * batch.T ? [ev.B, ev.T] : [batch.B, batch.T];
  const N = B * T, Hq = model.numHeads, Hkv = model.numKvHeads, D = model.headDim;
  let workspace: number;
  if (backendName === 'cpu') {
    const w = cpuAttentionWorkspace(T, T, N * Hq * D, N * Hkv * D);
    workspace = w.workspace + w.reserve;
  } else {
    // the longest sequence (T) sizes the GEMM path's per-group score matrices; the most tokens its packed copies
    const Tmax = Math.max(batch.T, ev?.T ?? 0);
    const gemm = Math.max(gemmAttentionWorkspaceBytes({ B, T, Hq, Hkv, D }, storage, exact), gemmAttentionWorkspaceBytes({ B: 1, T: Tmax, Hq, Hkv, D }, storage, exact));
    // the largest workspace among the paths the calls may take (plannedAttentionPaths): flash's accumulators, the
    // gemm path's score matrices, the kernels' rowdot
    const bytes: Record<CudaAttention, () => number> = {
      flash: () => flashAttentionWorkspaceBytes({ B, T, Hq, Hkv, D }, exact), gemm: () => gemm, kernel: () => cudaAttentionWorkspace({ B, T, Hq, Hkv, D }),
    };
    workspace = Math.max(...plannedAttentionPaths(attention, D, dtypes.storage, gpu).map((p) => bytes[p]()));
  }
  const staging = backendName === 'cuda' ? cudaGemmStaging(cfg, model, N, dtypes) : 0;
  const saveCopies = hostSaveBytes(cfg, model, counts, dtypes, backendName);
  const saving = backendName === 'cpu' ? saveCopies : 0;
  const total = weights + trainable + activations + workspace + staging + saving;
  return {
    backend: backendName, precision: dtype === 'bf16' ? 'bf16' : 'fp32',
    weights, trainable, activations, evalActivations: evalOwn?.total ?? 0, logitsChunk, workspace, staging, saving, total,
    host: NODE_RUNTIME_BYTES + (backendName === 'cpu' ? total : saveCopies),
  };
}

/**
 * The largest set of host copies a save holds at once (MemoryPlan.saving): a checkpoint's value, m and v of every
 * trained weight in the exact dtype when checkpoints are written; or the final save's tensors in their file dtype
 * (bufferTensor: each buffer's own). In LoRA the trained tensors, in the exact dtype; in full fine-tuning the base
 * weights in the storage dtype (the model's own buffers: BF16 in a bf16 run), a trained classification head in the
 * exact dtype, and in a bf16 run the f32 copy one bf16 tensor is downloaded into before it is narrowed (the largest,
 * at worst; on CUDA also the bf16 bits it is copied from). The final save downloads one shard's tensors at a time
 * (save.ts: at most DEFAULT_SHARD_BYTES, or one larger tensor alone): a 7B's 14.5 GB of BF16 is held 5 GB at a time.
 */
function hostSaveBytes(cfg: TrainConfig, model: MistralConfig, counts: { trained: number; trainedBase: number }, dtypes: ModelDTypes,
  backendName: 'cpu' | 'cuda'): number {
  const storage = DTYPE_BYTES[dtypes.storage], exact = DTYPE_BYTES[dtypes.exact];
  const checkpoint = cfg.checkpoint.every_steps !== null ? 3 * counts.trained * exact : 0;
  if (cfg.method !== 'full') return Math.max(checkpoint, counts.trained * exact);
  const head = counts.trained - counts.trainedBase;
  // CUDA downloads the bf16 bits into host memory first (cuda-backend.ts download), the CPU widens its own buffer
  const widened = storage !== exact ? largestBaseTensor(model) * (exact + (backendName === 'cuda' ? storage : 0)) : 0;
  const file = counts.trainedBase * storage + head * exact;
  const shard = Math.min(file, Math.max(DEFAULT_SHARD_BYTES, largestBaseTensor(model) * storage));
  return Math.max(checkpoint, shard + widened);
}

/** Elements of the model's largest base weight: the embedding (and LM head), or its largest projection. */
function largestBaseTensor(model: MistralConfig): number {
  return Math.max(model.vocabSize * model.hiddenSize, ...PROJECTIONS.map((p) => projectionShape(model, p).reduce((a, b) => a * b, 1)));
}

/**
 * The most bytes CudaBackend.gemm stages at once in a run of N tokens per call: the largest of the model's
 * mixed-dtype GEMMs (model/linear.ts's LoRA branch, model/backward.ts's LM head and classification head),
 * each sized by the backend's own rule (gemmStagingBytes). Activations, z/dz, dlogits and the LoRA factors'
 * working copies take the storage dtype; logits and the score head's logits the exact dtype.
 */
export function cudaGemmStaging(cfg: TrainConfig, model: MistralConfig, N: number, dtypes: ModelDTypes): number {
  const st = dtypes.storage, ex = dtypes.exact;
  const op = (dtype: string, length: number): { dtype: string; length: number } => ({ dtype, length });
  const C = model.hiddenSize, V = model.vocabSize, rows = Math.min(N, LOGIT_ROWS);
  const calls: number[] = [0];
  if (cfg.method === 'lora') {
    const r = cfg.lora.r;
    for (const p of cfg.lora.target_modules) {
      const [out, inn] = projectionShape(model, p);
      calls.push(
        // the factors' working copies take the storage dtype (Param.workingCopy): no product stages
        gemmStagingBytes(op(st, N * inn), op(st, r * inn), op(st, N * r)), // z = drop(x)·Aᵀ
        gemmStagingBytes(op(st, N * r), op(st, out * r), op(st, N * out)), // y += s·z·Bᵀ
        gemmStagingBytes(op(st, N * out), op(st, out * r), op(st, N * r)), // dz = s·dy·B
        gemmStagingBytes(op(st, N * r), op(st, r * inn), op(st, N * inn)), // dx += dz·A
      );
    }
  }
  if (cfg.task === 'classification') {
    const L = cfg.labels?.length ?? 0;
    calls.push(gemmStagingBytes(op(ex, 0), op(st, L * C), op(ex, 0))); // dpooled (B, C) = dlogits (B, L)·W: W widened
  } else {
    // dlogits takes the storage dtype (model/activations.ts): neither product stages
    calls.push(gemmStagingBytes(op(st, rows * V), op(st, V * C), op(st, rows * C))); // dln = dlogits·head
    if (cfg.method === 'full') calls.push(gemmStagingBytes(op(st, rows * V), op(st, rows * C), op(ex, V * C))); // dHead += dlogitsᵀ·lnf
  }
  return Math.max(...calls);
}
