// The Mistral model on a backend: embedding → decoder layers → final RMSNorm → LM head (next-token
// logits and cross-entropy, computed in row chunks so the (N, V) logits never exist whole) or the
// sequence-classification head. Forward here; the backward passes are in backward.ts.
import { needArg, needOneOf, needPath, refuseMisspelledKeys } from '../util/api-args.ts';
import { libraryWords } from '../util/option-words.ts';
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { zeros } from '../backend/buffers.ts';
import { needOpenBackend } from '../backend/open-backend.ts';
import { modelDTypes, parsePrecision, precisionDType, type DType, type ModelDTypes, type Precision } from '../backend/dtype.ts';
import { UserError } from '../util/errors.ts';
import { ADAPTER_ATTACHED } from './adapter-attached.ts';
import { allocateActivations, freeActivations, LOGIT_ROWS, logitsChunk, loraPlan, type Activations, type LayerActs, type PlanShape } from './activations.ts';
import { batchReach, checkBatchValues, checkScoreIndex, collate, needBatch, type Batch, type TokenRow } from '../data/batch.ts';
import { classificationPadId, loadConfig, requireModelFolder, type MistralConfig } from './config.ts';
import { DecoderLayer } from './decoder-layer.ts';
import type { KvCache } from './kv-cache.ts';
import { freeLora, zSlots, type LoraAdapter } from './lora.ts';
import { SafetensorsCheckpoint } from './safetensors-checkpoint.ts';
import { dynamicRopeRefusal } from './rope-config.ts';
import { ropeFrequencies } from './rope-freq.ts';
import { requireWeightsFit } from './weights-fit.ts';
import { hostFloats, loadWeights, PROJECTIONS, tyingAsLoaded, type MistralWeights } from './weights.ts';
import { HF_NAMES } from './names.ts';
import type { Param } from './params.ts';
import { trainableParamsOf } from './trainable-params.ts';
import { deriveSeed } from '../util/rng.ts';

export interface LossResult {
  /** Σ NLL over counted targets. */
  sum: number;
  /** Number of counted targets. */
  count: number;
}

/** A classification head (numLabels, C) and, when it is trained, its gradient. */
export interface ScoreHead {
  weight: DeviceBuffer;
  grad: DeviceBuffer | null;
  numLabels: number;
}

/** Gradients of the base weights, for full fine-tuning. */
export interface BaseGrads {
  embed: DeviceBuffer; // (V, C)
  finalNorm: DeviceBuffer; // (C)
  /** (V, C); the embedding's gradient when tied. */
  lmHead: DeviceBuffer | null;
}

/**
 * The head a forward feeds: 'lm' (token logits: losses, generation, the causal-LM backward) or 'classification' (the
 * score head alone), whose plan holds no LM logits chunk.
 */
export type ForwardHead = 'lm' | 'classification';

/** Whether a plan of `cap` serves a batch of B rows of T tokens for `head` and a classification head of `numLabels` classes. */
function fits(cap: PlanShape, B: number, T: number, numLabels: number, head: ForwardHead): boolean {
  return B <= cap.B && T <= cap.T && numLabels <= cap.numLabels && (head === 'classification' || cap.logitRows > 0);
}

export class MistralModel {
  readonly layers: DecoderLayer[];
  /** Rope inverse frequencies (D/2): those of the last forward — longrope's long set when its batch reached past `long.after`. */
  invFreq: DeviceBuffer;
  private readonly rope: { short: DeviceBuffer; long: { invFreq: DeviceBuffer; after: number } | null };
  lora: LoraAdapter | null = null;
  /** The classification head in use (the checkpoint's score.weight unless replaced). */
  score: ScoreHead | null;
  baseGrads: BaseGrads | null = null;
  /** Seed of the LoRA dropout masks for the next training forward (and its backward, which regenerates them). */
  dropoutSeed = 0;
  /** Storage dtype (frozen weights, activations) and exact dtype (trained tensors, rstd, lse, losses). */
  readonly dtypes: ModelDTypes;
  private trainActs: Activations | null = null;
  private inferActs: Activations | null = null;
  private checkpointing = false;

  /** `computeDtype`: f32, f64 (gradient checks) or bf16 (bf16 storage, f32 math and exact tensors). */
  constructor(
    readonly backend: Backend,
    readonly cfg: MistralConfig,
    readonly weights: MistralWeights,
    computeDtype: DType,
  ) {
    this.dtypes = modelDTypes(computeDtype);
    this.layers = weights.layers.map((w, i) => new DecoderLayer(backend, cfg, w, i));
    this.score = weights.score ? { weight: weights.score, grad: null, numLabels: weights.score.length / cfg.hiddenSize } : null;
    const freqs = ropeFrequencies({ theta: cfg.ropeTheta, scaling: cfg.ropeScaling }, cfg.headDim);
    const upload = (host: Float32Array): DeviceBuffer => {
      const buf = backend.alloc(this.dtype, cfg.headDim / 2);
      backend.upload(buf, hostFloats(host, this.dtype));
      return buf;
    };
    this.rope = { short: upload(freqs.invFreq), long: freqs.long && { invFreq: upload(freqs.long.invFreq), after: freqs.long.after } };
    this.invFreq = this.rope.short;
  }

  /**
   * The dtype of trained tensors — LoRA factors, a trained head, every gradient — and of exact quantities
   * (f32 under bf16). Frozen base weights keep theirs (dtypes.storage); in full fine-tuning a bf16 weight
   * is updated through an f32 master copy that `backend.copy` writes back, rounding to nearest even.
   */
  get dtype(): DType {
    return this.dtypes.exact;
  }

  /** Collates rows for this model: padding with pad_token_id (0 without one), scored as HF does (classificationPadId). */
  collate(rows: readonly TokenRow[]): Batch {
    return collate(rows, this.padId, classificationPadId(this.cfg), { vocabSize: this.cfg.vocabSize, numLabels: this.score?.numLabels });
  }

  /**
   * The id written into padding (masked, never trained): pad_token_id, or 0 when there is none or it is negative (a
   * -1 names no token: HF's collators pad with the tokenizer's pad or EOS token, never with config.json's id).
   */
  get padId(): number {
    const pad = this.cfg.padTokenId;
    return pad !== null && pad >= 0 ? pad : 0;
  }

  /**
   * Which rope frequencies a row of `length` tokens gets when run alone: 1 for longrope's long set (past
   * original_max_position_embeddings), else 0. A padded batch takes the set of its widest row (transformers looks at
   * the batch's reach), so evaluation batches rows of one regime together to score each as it is scored alone.
   */
  ropeRegime(length: number): 0 | 1 {
    return this.rope.long !== null && length > this.rope.long.after ? 1 : 0;
  }

  /**
   * Attaches (or with null detaches, freeing its buffers) a LoRA adapter to every targeted projection. Another adapter
   * over an attached one is refused: freeing the first left its holder's handle on freed buffers (model-arg.ts needNoLora, which peft.ts checks first).
   */
  setLora(adapter: LoraAdapter | null): void {
    if (this.lora && adapter && this.lora !== adapter) {
      throw new UserError(ADAPTER_ATTACHED, 'MistralModel.setLora');
    }
    if (this.lora && this.lora !== adapter) freeLora(this.backend, this.lora);
    this.lora = adapter;
    const slots = adapter ? zSlots(adapter.spec.targets, adapter.spec.r) : {};
    for (const layer of this.layers) {
      for (const p of PROJECTIONS) {
        const pair = adapter?.layers[layer.index]?.[p], slot = slots[p];
        layer.proj[p].lora = adapter && pair && slot ? { pair, r: adapter.spec.r, scaling: adapter.scaling, dropout: adapter.spec.dropout, slot } : null;
      }
    }
    this.releaseActivations();
  }

  /**
   * Activation checkpointing: a training forward keeps only each decoder layer's input, and the backward
   * recomputes the layer before going through it (less memory, one more forward of the layers).
   */
  setActivationCheckpointing(on: boolean): void {
    if (on !== this.checkpointing) this.releaseActivations();
    this.checkpointing = on;
  }

  get activationCheckpointing(): boolean {
    return this.checkpointing;
  }

  /**
   * Activation buffers for a (B, T) batch. Training uses the training plan (one set of buffers per
   * layer), grown when a batch exceeds it; inference uses the training plan when it fits and otherwise a
   * plan of its own, so an evaluation batch never enlarges the training plan. A plan for the classification head
   * has no LM logits chunk; one that must serve both heads (a library caller's) is grown into a plan with it.
   */
  activations(B: number, T: number, training: boolean, head: ForwardHead = 'lm'): Activations {
    if (training) return (this.trainActs = this.fit(this.trainActs, B, T, true, head));
    if (this.trainActs && fits(this.trainActs.capacity, B, T, this.numLabels, head)) {
      this.trainActs.shape = { B, T, training: false };
      return this.trainActs;
    }
    return (this.inferActs = this.fit(this.inferActs, B, T, false, head));
  }

  /** `plan` when (B, T) and `head` fit it, else a new plan for the larger shape and both heads' needs (the old one freed). */
  private fit(plan: Activations | null, B: number, T: number, training: boolean, head: ForwardHead): Activations {
    if (plan && fits(plan.capacity, B, T, this.numLabels, head)) {
      plan.shape = { B, T, training };
      return plan;
    }
    let lm = head === 'lm';
    if (plan) {
      freeActivations(this.backend, plan);
      B = Math.max(B, plan.capacity.B);
      T = Math.max(T, plan.capacity.T);
      lm ||= plan.capacity.logitRows > 0;
    }
    const shape: PlanShape = {
      B, T, training, lora: this.lora ? loraPlan(this.cfg, this.lora.spec) : [], logitRows: lm ? LOGIT_ROWS : 0,
      checkpoint: this.checkpointing, numLabels: this.numLabels,
    };
    return allocateActivations(this.backend, this.cfg, shape, this.dtypes);
  }

  /** Classes of the classification head in use (0 without one): the plan holds its scratch. */
  private get numLabels(): number {
    return this.score?.numLabels ?? 0;
  }

  /** A method's batch checked, and the backend open: a model whose backend close() ran failed inside ("alloc on a closed CUDA backend"). */
  private needUsable(fn: string, batch: Batch): void {
    needBatch(fn, batch);
    needOpenBackend(fn, this.backend, 'model');
  }

  releaseActivations(): void {
    for (const plan of [this.trainActs, this.inferActs]) if (plan) freeActivations(this.backend, plan);
    this.trainActs = this.inferActs = null;
  }

  /**
   * Uploads the batch and runs embedding, layers and the final norm; acts.lnf holds the result (N, C).
   * With a KV cache (B = 1, inference) the batch's tokens follow the cached ones, whose keys and values
   * the attention reads; the cache grows by T.
   */
  forward(batch: Batch, training = false, cache?: KvCache, head: ForwardHead = 'lm'): Activations {
    const be = this.backend, cfg = this.cfg;
    this.needUsable('forward', batch);
    checkBatchValues(batch, cfg.vocabSize);
    if (cfg.ropeScaling?.type === 'dynamic' || this.rope.long) {
      // transformers' dynamic and longrope look at the batch's reach: its largest position + 1 (batchReach)
      const reach = batchReach(batch);
      const why = dynamicRopeRefusal(cfg, reach, `keep rows within ${cfg.maxPositionEmbeddings} tokens`);
      if (why) throw new UserError(why);
      this.invFreq = this.rope.long && reach > this.rope.long.after ? this.rope.long.invFreq : this.rope.short;
    }
    const acts = this.activations(batch.B, batch.T, training, head);
    acts.shape = { B: batch.B, T: batch.T, training };
    const N = batch.B * batch.T, C = cfg.hiddenSize;
    be.upload(acts.ids, { dtype: 'i32', data: batch.inputIds });
    be.upload(acts.positions, { dtype: 'i32', data: batch.positions });
    be.upload(acts.segments, { dtype: 'i32', data: batch.segments });
    be.upload(acts.targets, { dtype: 'i32', data: batch.targets });
    be.upload(acts.scoreIndex, { dtype: 'i32', data: batch.scoreIndex });
    be.gatherRows(acts.resid[0]!, this.weights.embed, acts.ids, N, C);
    if (cache && (training || batch.B !== 1 || cache.length + batch.T > cache.maxLen)) {
      throw new Error(`KV cache: needs one row for inference within ${cache.maxLen} positions (has ${cache.length}, adding ${batch.T})`);
    }
    for (let l = 0; l < this.layers.length; l++) {
      const x = training ? acts.resid[l]! : acts.resid[l % 2]!;
      const out = training ? acts.resid[l + 1]! : acts.resid[(l + 1) % 2]!;
      const kv = cache ? { k: cache.k[l]!, v: cache.v[l]!, segments: cache.segments, offset: cache.length } : undefined;
      this.layers[l]!.forward(out, x, this.layerActs(acts, l), acts, this.invFreq, this.layerSeed(l), kv);
    }
    if (cache) cache.length += batch.T;
    be.rmsnormForward(acts.lnf, acts.rstdf, this.finalResid(acts), this.weights.finalNorm, N, C, cfg.rmsNormEps);
    return acts;
  }

  /**
   * Backward through the decoder layers of a training forward: on entry acts.grads.dresid holds ∂L/∂(last
   * layer's output), on exit ∂L/∂(embedding output). With activation checkpointing each layer's forward
   * is first recomputed from its saved input (same seed, so the same dropout masks and the same values;
   * the last layer's activations are still in place from the forward), all but its output (DecoderLayer.recompute).
   */
  backwardLayers(acts: Activations): void {
    const L = this.layers.length, recompute = acts.layers.length < L;
    for (let l = L - 1; l >= 0; l--) {
      const a = this.layerActs(acts, l), x = acts.resid[l]!;
      if (recompute && l < L - 1) this.layers[l]!.recompute(x, a, acts, this.invFreq, this.layerSeed(l));
      this.layers[l]!.backward(x, a, acts, this.invFreq, this.layerSeed(l));
    }
  }

  /** Layer l's activation buffers: its own in a training plan, else the one shared set. */
  private layerActs(acts: Activations, l: number): LayerActs {
    return acts.shape.training && acts.layers.length > 1 ? acts.layers[l]! : acts.layers[0]!;
  }

  /** The dropout seed of layer l in the current training forward and its backward. */
  private layerSeed(l: number): number {
    return deriveSeed(this.dropoutSeed, l);
  }

  /** The last layer's output (N, C) in `acts`. */
  finalResid(acts: Activations): DeviceBuffer {
    const L = this.layers.length;
    return acts.shape.training ? acts.resid[L]! : acts.resid[L % 2]!;
  }

  lmHead(): DeviceBuffer {
    if (!this.weights.lmHead) {
      // config.json naming a causal LM, untied: most likely a tied model whose tie_word_embeddings was lost (transformers
      // then starts a random LM head, with a warning in its load report)
      const untied = !this.score && this.cfg.task === 'generation' && !this.cfg.tieWordEmbeddings
        ? `; its config.json names a causal LM with tie_word_embeddings false: if its LM head is its embedding (saved without ${HF_NAMES.lmHead}), set tie_word_embeddings to true (transformers would give it a random LM head)` : '';
      throw new UserError(`this model has no LM head (${HF_NAMES.lmHead}): its checkpoint holds ${this.score ? 'a classification model' : 'the base MistralModel alone'}, which classifies (trained with task: classification) but does not give token logits${untied}`);
    }
    return this.weights.lmHead;
  }

  /**
   * Runs `fn(rows, r0)` for each chunk of token rows after computing their logits into `into` (rows, V; acts.logits
   * unless given). Chunks whose targets are all ignored are skipped when `onlyTargets` is set.
   */
  forEachLogitChunk(acts: Activations, onlyTargets: Int32Array | null, fn: (r0: number, rows: number) => void, into: DeviceBuffer = logitsChunk(acts)): void {
    const be = this.backend, N = acts.shape.B * acts.shape.T, C = this.cfg.hiddenSize, V = this.cfg.vocabSize;
    const chunk = logitsChunk(acts).length / V;
    const head = this.lmHead();
    for (let r0 = 0; r0 < N; r0 += chunk) {
      const rows = Math.min(chunk, N - r0);
      if (onlyTargets && !onlyTargets.subarray(r0, r0 + rows).some((t) => t !== -100)) continue;
      be.gemm(into, be.view(acts.lnf, r0 * C, rows * C), head, { m: rows, n: V, k: C, transB: true });
      fn(r0, rows);
    }
  }

  /** Forward and per-token NLL into acts.losses (N); 0 where the target is ignored. */
  private computeLosses(batch: Batch): Activations {
    const acts = this.forward(batch, false);
    const be = this.backend, V = this.cfg.vocabSize;
    be.fill(acts.losses, 0);
    this.forEachLogitChunk(acts, batch.targets, (r0, rows) => {
      be.crossEntropy(be.view(acts.losses, r0, rows), null, logitsChunk(acts), be.view(acts.targets, r0, rows), rows, V, 0);
    });
    return acts;
  }

  /** Token-weighted next-token loss of a batch: Σ NLL and the number of counted targets. */
  loss(batch: Batch): LossResult {
    this.needUsable('loss', batch);
    const acts = this.computeLosses(batch);
    this.backend.sum(acts.scalar, acts.losses, batch.B * batch.T);
    return { sum: this.backend.download(acts.scalar)[0]!, count: batch.targetCount };
  }

  /** Per-token NLL (B·T) as a host array: 0 where the target is ignored (tests, per-sample reports). */
  tokenLosses(batch: Batch): Float32Array | Float64Array {
    this.needUsable('tokenLosses', batch);
    const losses = this.backend.view(this.computeLosses(batch).losses, 0, batch.B * batch.T);
    return this.backend.download(losses) as Float32Array | Float64Array;
  }

  /** Next-token logits (B·T, V) as a host array (tests, generation on small inputs). */
  logits(batch: Batch): Float32Array | Float64Array {
    this.needUsable('logits', batch);
    const acts = this.forward(batch, false);
    const V = this.cfg.vocabSize, N = batch.B * batch.T;
    const out = this.dtype === 'f64' ? new Float64Array(N * V) : new Float32Array(N * V);
    this.forEachLogitChunk(acts, null, (r0, rows) => {
      out.set(this.backend.download(this.backend.view(logitsChunk(acts), 0, rows * V)) as Float32Array, r0 * V);
    });
    return out;
  }

  /** Classification logits (B, numLabels) on the backend, from the scored token of each row. */
  classLogitsDevice(acts: Activations, out: DeviceBuffer): ScoreHead {
    const score = this.scoreHead();
    const be = this.backend, C = this.cfg.hiddenSize, B = acts.shape.B;
    be.gatherRows(acts.pooled, acts.lnf, acts.scoreIndex, B, C);
    be.gemm(out, acts.pooled, score.weight, { m: B, n: score.numLabels, k: C, transB: true });
    return score;
  }

  scoreHead(): ScoreHead {
    if (!this.score) throw new UserError(`this model has no classification head (${HF_NAMES.score}): give it one with setScoreHead`);
    return this.score;
  }

  /** Replaces the classification head with `weight` (numLabels, C); `trainable` allocates its gradient. */
  setScoreHead(weight: DeviceBuffer, trainable: boolean): ScoreHead {
    const numLabels = weight.length / this.cfg.hiddenSize;
    if (!Number.isInteger(numLabels) || numLabels < 1) throw new Error(`score head of ${weight.length} values does not fit hidden size ${this.cfg.hiddenSize}`);
    const old = this.score;
    if (old) {
      if (old.grad) this.backend.free(old.grad);
      if (old.weight !== weight && old.weight !== this.weights.score) this.backend.free(old.weight);
    }
    const grad = trainable ? zeros(this.backend, this.dtype, weight.length) : null;
    this.score = { weight, grad, numLabels };
    if (numLabels !== old?.numLabels) this.releaseActivations(); // the plans hold the head's scratch
    return this.score;
  }

  /** Classification logits (B, numLabels) as a host array. */
  classLogits(batch: Batch): Float32Array | Float64Array {
    const numLabels = this.scoreHead().numLabels;
    this.needUsable('classLogits', batch);
    checkScoreIndex(batch, 'classLogits');
    const acts = this.forward(batch, false, undefined, 'classification');
    const out = this.backend.view(acts.cls!.logits, 0, batch.B * numLabels);
    this.classLogitsDevice(acts, out);
    return this.backend.download(out) as Float32Array | Float64Array;
  }

  /**
   * Allocates gradients for every base weight (full fine-tuning); `lmHead: false` leaves the LM head
   * frozen (classification does not use it).
   */
  enableBaseGrads(opts: { lmHead: boolean } = { lmHead: true }): void {
    if (this.baseGrads) return;
    const be = this.backend, cfg = this.cfg;
    const zero = (n: number): DeviceBuffer => zeros(be, this.dtype, n);
    for (const layer of this.layers) {
      for (const lin of Object.values(layer.proj)) lin.dWeight = zero(lin.outDim * lin.inDim);
      layer.dInputNorm = zero(cfg.hiddenSize);
      layer.dPostAttentionNorm = zero(cfg.hiddenSize);
    }
    const embed = zero(cfg.vocabSize * cfg.hiddenSize);
    const lmHead = !this.weights.lmHead || !opts.lmHead ? null : this.weights.lmHead === this.weights.embed ? embed : zero(cfg.vocabSize * cfg.hiddenSize);
    this.baseGrads = { embed, finalNorm: zero(cfg.hiddenSize), lmHead };
  }

  /**
   * Every trainable tensor with its gradient: LoRA factors, a trained score head, base weights when
   * enabled; each with the `rebind` that points this model at other buffers for it (the optimizer's).
   */
  trainableParams(): Param[] {
    return trainableParamsOf(this);
  }
}

export interface LoadModelOptions {
  backend: Backend;
  /**
   * 'f32' (default); 'bf16': weights and activations stored in bf16 (math in f32, exact tensors in f32);
   * 'f64' for gradient checks on the CPU.
   */
  dtype?: DType;
  /** The `precision` setting, resolved on the backend (auto: bf16 on CUDA, f32 on the CPU); `dtype` wins. */
  precision?: Precision;
  /**
   * `dir`'s config.json as loadConfig read it, where it was read before (the CLI's, before a backend starts): not
   * read again, so its warnings are said once.
   */
  config?: MistralConfig;
}

/** Loads an HF model folder (config.json + model.safetensors or sharded with an index). */
export function loadModel(dir: string, opts: LoadModelOptions): MistralModel {
  needPath('loadModel', 'the model folder', dir, 'folder', 'the path of a Hugging Face model folder');
  needArg('loadModel', 'options', opts, 'object', { hint: "an object such as {backend: createBackend('cpu')}" });
  // a misspelt option (precison) was let be; dtype 'fp16' was a plain Error
  refuseMisspelledKeys('loadModel', 'options', opts, ['backend', 'dtype', 'precision', 'config']);
  if (opts.dtype !== undefined) needOneOf('loadModel', 'options.dtype', opts.dtype, ['f32', 'bf16', 'f64'], " (or options.precision: 'auto', 'fp32', 'bf16')");
  // 'fp16' was taken as fp32 unseen
  if (opts.precision !== undefined) parsePrecision(opts.precision, libraryWords('loadModel'));
  if (typeof (opts.backend as Partial<Backend> | undefined)?.alloc !== 'function') {
    throw new UserError(`options.backend ${opts.backend === undefined ? 'is missing' : `is ${JSON.stringify(opts.backend) ?? typeof opts.backend}`}: give createBackend('cpu') (or 'cuda', 'auto')`, 'loadModel');
  }
  needOpenBackend('loadModel', opts.backend, 'options.backend');
  requireModelFolder(dir);
  const declared = opts.config ?? loadConfig(dir);
  const ckpt = SafetensorsCheckpoint.open(dir);
  try {
    const cfg = tyingAsLoaded(ckpt, declared);
    const dtype = opts.dtype ?? (opts.precision ? precisionDType(opts.precision, opts.backend.name) : 'f32');
    requireWeightsFit(opts.backend, cfg, ckpt, modelDTypes(dtype).storage, dir);
    const weights = loadWeights(opts.backend, ckpt, cfg, modelDTypes(dtype).storage);
    return new MistralModel(opts.backend, cfg, weights, dtype);
  } finally {
    ckpt.close();
  }
}
