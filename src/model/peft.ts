// PEFT LoRA adapters on disk: adapter_config.json + adapter_model.safetensors, read the way PEFT 0.21
// writes them (key names base_model.model.model.layers.{i}.{self_attn|mlp}.{proj}.lora_{A|B}.weight,
// A (r, in), B (out, r); with use_dora, each module's magnitude (out) as ….{proj}.lora_magnitude_vector; for SEQ_CLS
// the trained head as base_model.model.score.weight), and PEFT's initialisation of new adapters (A Kaiming-uniform
// with a = √5, i.e. U(±1/√in); B zero; DoRA's magnitude the row norms of W, so that the adapter starts as the identity).
// Writing an adapter folder is peft-save.ts.
import { needArg, needPath, refuseMisspelledKeys } from '../util/api-args.ts';
import { checkLoraSpec } from './lora-spec.ts';
import { needLora, needModel, needNoLora } from './model-arg.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DeviceBuffer } from '../backend/backend.ts';
import { UserError } from '../util/errors.ts';
import { warnOnce } from '../util/log.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { parseJsonAsPythonLoads } from '../data/ingest/python-json.ts';
import { boundedJsonText, boundedText } from '../util/bounded-json.ts';
import { Rng } from '../util/rng.ts';
import { checkClassificationHead, type MistralConfig } from './config.ts';
import { allocateLora, freeLora, freePair, LORA_BIASES, loraScaling, type LoraAdapter, type LoraBias, type LoraSpec } from './lora.ts';
import type { MistralModel } from './mistral.ts';
import { loraKey, parseLoraKey, savedEmbeddingLayer, SCORE_SAVED_KEY } from './names.ts';
import { rankPatterns, type RankPatterns } from './peft-patterns.ts';
import { targetedModules } from './peft-targets.ts';
import { refuseUnsupportedKeys } from './peft-unsupported.ts';
import { SafetensorsFile } from './safetensors.ts';
import { requireAdapterTensorShape } from './adapter-tensor-shape.ts';
import { adapterConfigPath } from './adapter-config-path.ts';
import { hostFloats, PROJECTIONS, projectionShape, type Projection } from './weights.ts';
import { firstNonFiniteIndex } from '../util/finite.ts';

export type TaskType = 'CAUSAL_LM' | 'SEQ_CLS';

export interface AdapterInfo {
  spec: LoraSpec;
  /** ownTask, CAUSAL_LM where that is null (the task it has over a causal-LM base). */
  taskType: TaskType;
  /**
   * The task the adapter itself says: its task_type, else SEQ_CLS where its file holds a score head; null for neither
   * (PEFT's plain PeftModel, task_type null, saved without a head), whose task is the base model's, as PEFT runs such an
   * adapter as whichever class it is loaded on: over a sequence classifier, with that model's own score head.
   */
  ownTask: TaskType | null;
  baseModel: string | null;
  /** Projections adapted per layer, from the tensors in the file. */
  layers: Array<Set<Projection>>;
  hasScore: boolean;
  /** Whether adapter_config.json names a task_type (without one, ownTask is SEQ_CLS where the file holds a score head). */
  typed: boolean;
  /**
   * Whether PEFT trains a score head loaded from the file and saves it again: task_type SEQ_CLS (whose model adds "score"
   * to modules_to_save) or modules_to_save naming "score"; else PEFT loads it into the model frozen and saves none.
   */
  savesScore: boolean;
  /** The classes of the saved score head (its rows, from the file's header), 0 without one. */
  numLabels: number;
  /**
   * Each module's rank and alpha (rank_pattern, alpha_pattern); spec.r is the largest rank of an adapted module,
   * spec.alpha lora_alpha. When `patterned`, loadAdapter pads and rescales the modules to spec (peft-patterns.ts).
   */
  ranks: RankPatterns;
  /**
   * The lora_A key of each module adapter_config.json selects that the file has no tensors for (PEFT's "Found missing
   * adapter keys"): read as unadapted, as PEFT does, but PEFT would train them on (refuseMissingTraining).
   */
  missing: string[];
}

/**
 * An adapter's task from adapter_config.json's task_type and whether its file holds a score head: with no task_type
 * (PEFT's plain PeftModel, on whichever model class the user loads) a saved score head says it was a sequence
 * classifier, trained as SEQ_CLS's modules_to_save trains it; without one, null: the base model's task (ownTask).
 */
function taskOf(declared: unknown, hasScore: boolean): unknown {
  return declared ?? (hasScore ? 'SEQ_CLS' : null);
}

/**
 * What makes adapter folder `dir` a sequence classifier, from its adapter_config.json and its safetensors header alone
 * (no weight read, no backend): its task_type, its score head with no task_type, or null for neither (or no weights
 * file, which loading it refuses).
 */
export function seqClsBy(dir: string): 'task_type' | 'score' | null {
  const c = readJsonFile(adapterConfigPath(dir), parseJsonAsPythonLoads);
  const declared = isRecord(c) ? c.task_type : undefined;
  if (declared === 'SEQ_CLS') return 'task_type';
  const file = path.join(dir, 'adapter_model.safetensors');
  if (declared != null || !fs.existsSync(file)) return null;
  const st = SafetensorsFile.open(file);
  try {
    return taskOf(declared, st.has(SCORE_SAVED_KEY)) === 'SEQ_CLS' ? 'score' : null;
  } finally {
    st.close();
  }
}

/**
 * The projections adapter folder `dir`'s LoRA tensors adapt, sorted, from its safetensors header alone (no weight read):
 * what a target_modules regular expression selected. Null where the file cannot be read or adapts none (loading it says why).
 */
export function adaptedProjectionsBy(dir: string): Projection[] | null {
  let st: SafetensorsFile;
  try {
    st = SafetensorsFile.open(path.join(dir, 'adapter_model.safetensors'));
  } catch {
    return null;
  }
  try {
    const named = st.names().map(parseLoraKey).flatMap((k) => (k && k.factor === 'A' && PROJECTIONS.includes(k.proj as Projection) ? [k.proj as Projection] : []));
    return named.length > 0 ? [...new Set(named)].sort() : null;
  } finally {
    st.close();
  }
}

/** The way out for an adapter holding whole copies of base weights, which only PEFT applies. */
const MERGE_IN_PEFT = 'merge it there (merge_and_unload, save_pretrained) and give the merged model as --model';

/**
 * Reads and validates adapter_config.json and the tensor names of adapter_model.safetensors; with `model`, their shapes
 * too, as loadAdapter will load them (from the header: no weight is read), a wrong one named as from `baseDir` (the
 * folder of `model`'s config) where given.
 */
export function readAdapterInfo(dir: string, numLayers: number, model?: MistralConfig, baseDir?: string): AdapterInfo {
  needPath('readAdapterInfo', 'the adapter folder', dir, 'folder', 'a PEFT adapter folder');
  if (baseDir !== undefined) needPath('readAdapterInfo', 'the base model folder', baseDir, 'folder', 'the base model folder');
  needArg('readAdapterInfo', 'numLayers', numLayers, 'number', { hint: "the base model's layer count (its config's numLayers)" });
  // 1.5 was a TypeError from inside; 0 blamed the adapter's target_modules
  if (!(Number.isSafeInteger(numLayers) && numLayers > 0)) throw new UserError(`numLayers is ${numLayers}: give the base model's layer count, an integer ≥ 1 (its config's numLayers)`, 'readAdapterInfo');
  const cfgPath = adapterConfigPath(dir);
  const parsed = readJsonFile(cfgPath, parseJsonAsPythonLoads); // as PEFT reads it (json.load: NaN, Infinity), each key's check deciding
  if (!isRecord(parsed)) throw new UserError('not a JSON object', cfgPath);
  const c = parsed;
  const err = (key: string, msg: string): never => {
    throw new UserError(`${key}: ${msg}`, cfgPath);
  };
  if (c.peft_type !== 'LORA') err('peft_type', `${boundedJsonText(c.peft_type)} is not supported (only "LORA")`);
  const task = c.task_type ?? 'CAUSAL_LM';
  if (task !== 'CAUSAL_LM' && task !== 'SEQ_CLS') err('task_type', `${boundedJsonText(task)} is not supported (CAUSAL_LM or SEQ_CLS)`);
  const r = c.r ?? 8; // PEFT's LoraConfig defaults, as lora_alpha's and lora_dropout's below
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) err('r', `must be an integer ≥ 1, got ${boundedJsonText(r)}`);
  const alpha = c.lora_alpha ?? 8;
  // finite too: 1e309 (read as infinity) scaled every update to NaN, which the loss then blamed on the weights
  if (typeof alpha !== 'number' || !(alpha > 0 && Number.isFinite(alpha))) err('lora_alpha', `must be a finite positive number, got ${boundedJsonText(alpha)}`);
  const dropout = c.lora_dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1)) err('lora_dropout', `must be in [0, 1), got ${boundedJsonText(dropout)}`);
  // "all" and "lora_only" train the biases of the base and adapted linears: Mistral's have none, so PEFT saves and adds
  // none (a bias tensor in the file is refused below as not a LoRA factor); kept in the spec, so that an adapter
  // continued is saved with it, as PEFT's save_pretrained of an adapter it loaded keeps its config's bias
  const bias = (c.bias ?? 'none') as LoraBias;
  if (!LORA_BIASES.includes(bias)) err('bias', `${boundedJsonText(c.bias)} is not one of PEFT's "none", "all", "lora_only"`);
  // PEFT reads these switches by truthiness (use_rslora: 1 is rsLoRA there): anything but a boolean is refused, not read as false
  const flag = (key: string): boolean => {
    const v = c[key] ?? false;
    if (typeof v !== 'boolean') err(key, `must be true or false, got ${boundedJsonText(v)}`);
    return v as boolean;
  };
  // once: the adapter is read before the weights load (train, eval) and again as they do
  if (flag('fan_in_fan_out')) warnOnce(`${cfgPath}: fan_in_fan_out is true, but Mistral's projections are torch.nn.Linear: read as false, as PEFT does`);
  const useDora = flag('use_dora');
  if (flag('lora_bias')) err('lora_bias', 'true is not supported (the LoRA B factors have no bias)');
  const useRslora = flag('use_rslora');
  refuseUnsupportedKeys(c, err);
  const ranks = rankPatterns(c, r as number, alpha as number, numLayers, err);
  const modulesToSave = c.modules_to_save ?? [];
  if (!Array.isArray(modulesToSave) || !modulesToSave.every((m): m is string => typeof m === 'string')) {
    err('modules_to_save', `must be a list of module names, got ${boundedJsonText(modulesToSave)}`);
  }
  for (const m of modulesToSave as string[]) {
    if (m === 'score' || m === 'classifier') continue;
    // a whole trained copy of a base module beside the factors: not applied, so not loaded as if it were absent
    const way = m === 'lm_head' || m === 'embed_tokens' ? `: the adapter holds a trained copy of it, which only PEFT applies; ${MERGE_IN_PEFT}` : '';
    err('modules_to_save', `"${boundedText(m)}" is not supported (only the classification head "score" is read)${way}`);
  }
  const file = path.join(dir, 'adapter_model.safetensors');
  if (!fs.existsSync(file)) {
    // save_pretrained(safe_serialization=False) writes a pickle, which runs code when read: not read, but named
    const pickle = fs.existsSync(path.join(dir, 'adapter_model.bin'));
    throw new UserError(pickle
      ? 'adapter weights not found: the folder has adapter_model.bin (a PyTorch pickle, saved with safe_serialization=False), which is not read; save the adapter again with safe_serialization=True'
      : 'adapter weights not found (adapter_model.safetensors)', file);
  }
  const targeted = targetedModules(c, numLayers, cfgPath, model?.modelType);
  const st = SafetensorsFile.open(file);
  const layers = Array.from({ length: numLayers }, () => new Set<Projection>());
  let hasScore = false, numLabels = 0;
  const magnitudes = Array.from({ length: numLayers }, () => new Set<Projection>());
  try {
    for (const name of st.names()) {
      if (name === SCORE_SAVED_KEY) {
        hasScore = true;
        numLabels = st.info(name).shape[0] ?? 0;
        if (model) requireAdapterTensorShape(st, name, [numLabels, model.hiddenSize], baseDir);
        continue;
      }
      const key = parseLoraKey(name);
      const embedding = key ? null : savedEmbeddingLayer(name);
      if (embedding) {
        // the first tensor of such an adapter (in the file's order, lm_head's before embed_tokens'): not "not a LoRA factor"
        throw new UserError(`tensor "${boundedText(name)}" is a whole ${embedding} weight (PEFT saves embed_tokens and lm_head so after resize_token_embeddings, ` +
          `or with save_embedding_layers=True), which only PEFT applies, over a base resized to it; ${MERGE_IN_PEFT} (the tokenizer saved with it)`, file);
      }
      if (!key) throw new UserError(`tensor "${boundedText(name)}" is not a LoRA factor of a Mistral projection`, file);
      const layer = key.layer, proj = key.proj as Projection;
      if (!PROJECTIONS.includes(proj)) throw new UserError(`tensor "${boundedText(name)}": unknown projection "${boundedText(proj)}"`, file);
      if (layer >= numLayers) throw new UserError(`tensor "${boundedText(name)}": layer ${layer}, but the model has ${numLayers} layer${numLayers === 1 ? '' : 's'} (${numLayers === 1 ? '0' : `0-${numLayers - 1}`})`, file);
      if (key.factor === 'magnitude') {
        if (!useDora) throw new UserError(`tensor "${boundedText(name)}" is a DoRA magnitude, but adapter_config.json's use_dora is not true`, file);
        // its length (the projection's outputs) is checked against the model as it loads
        if (st.info(name).shape.length !== 1) throw new UserError(`tensor "${boundedText(name)}" has shape [${st.info(name).shape.join(', ')}]: a magnitude is a vector`, file);
        if (model) requireAdapterTensorShape(st, name, [projectionShape(model, proj)[0]], baseDir);
        if (magnitudes[layer]!.has(proj)) {
          throw new UserError(`the magnitude of ${proj} of layer ${layer} is there twice, as "${loraKey(layer, proj, 'magnitude', true)}" and "${loraKey(layer, proj, 'magnitude')}"`, file);
        }
        magnitudes[layer]!.add(proj);
        continue;
      }
      if (!targeted.layers[layer]!.has(proj)) {
        throw new UserError(`tensor "${boundedText(name)}" adapts ${proj} of layer ${layer}, which ${targeted.whyNot(layer, proj)}`, file);
      }
      // the factors' rank is the module's r (A is (r, in), B is (out, r)): checked before anything of r's size is allocated
      const shape = st.info(name).shape, rank = key.factor === 'A' ? shape[0] : shape[1], want = ranks.of(layer, proj).r;
      if (shape.length !== 2 || rank !== want) {
        const whose = want === r ? `adapter_config.json's r (${want})` : `its rank_pattern's r (${want})`;
        throw new UserError(`tensor "${boundedText(name)}" has shape [${shape.join(', ')}]: its rank is not ${whose}`, file);
      }
      if (model) {
        const [out, inDim] = projectionShape(model, proj);
        requireAdapterTensorShape(st, name, key.factor === 'A' ? [want, inDim] : [out, want], baseDir);
      }
      layers[layer]!.add(proj);
    }
    // each is read as floats (loadAdapter): one of another dtype refused here, before a base model loads (minutes for a 7B)
    for (const name of st.names()) st.requireFloat(name);
  } finally {
    st.close();
  }
  const targets = PROJECTIONS.filter((p) => layers.some((s) => s.has(p)));
  if (targets.length === 0) throw new UserError('no LoRA tensors in the adapter', file);
  layers.forEach((set, i) => {
    const p = useDora ? PROJECTIONS.find((q) => set.has(q) && !magnitudes[i]!.has(q)) : undefined;
    if (p) throw new UserError(`use_dora is true, but the module with "${loraKey(i, p, 'A')}" has no "${loraKey(i, p, 'magnitude', true)}"`, file);
    const stray = PROJECTIONS.find((q) => magnitudes[i]!.has(q) && !set.has(q));
    if (stray) throw new UserError(`tensor "${loraKey(i, stray, 'magnitude', true)}" is a DoRA magnitude of a module without LoRA factors`, file);
  });
  // as PEFT ("Found missing adapter keys"): a selected module without tensors keeps its initialisation, B = 0 (not
  // adapted) for init_lora_weights true, "gaussian" and "eva"; one that draws B too (false, null: nn.Linear's
  // Kaiming-uniform A and B; "orthogonal") gives those modules random factors at each load, which nothing can match
  const missing = targeted.layers.flatMap((set, i) => [...set].filter((p) => !layers[i]!.has(p)).map((p) => loraKey(i, p, 'A')));
  if (missing.length > 0) {
    const init = c.init_lora_weights === undefined ? true : c.init_lora_weights;
    if (!init || init === 'orthogonal') {
      err('init_lora_weights', `${boundedJsonText(init)}, and ${missing.length} LoRA module(s) that this config selects have no tensors in ` +
        `adapter_model.safetensors, e.g. "${missing[0]}": PEFT gives those random factors as it loads the adapter (B not zero), so its output ` +
        'differs from load to load; save the adapter with every module it selects, or set init_lora_weights true to leave them unadapted');
    }
    warnOnce(`${file}: ${missing.length} LoRA module(s) that adapter_config.json selects have no tensors, e.g. "${missing[0]}"; they are left unadapted (PEFT warns the same, and leaves them so: its init_lora_weights ${boundedJsonText(init)} makes B zero)`);
  }
  // kept as the bias is: PEFT's save_pretrained of an adapter it loaded keeps its init_lora_weights (false stayed false)
  const initLoraWeights = (c.init_lora_weights === undefined ? true : c.init_lora_weights) as LoraSpec['initLoraWeights']; // refuseUnsupportedKeys: a plain one
  const ownTask = taskOf(c.task_type, hasScore) as TaskType | null;
  const maxRank = Math.max(...layers.flatMap((set, i) => [...set].map((p) => ranks.of(i, p).r)));
  return {
    spec: { r: maxRank, alpha: alpha as number, dropout: dropout as number, targets, useRslora, useDora, ...(bias !== 'none' ? { bias } : {}),
      ...(initLoraWeights !== true ? { initLoraWeights } : {}) },
    taskType: ownTask ?? 'CAUSAL_LM',
    ownTask,
    baseModel: typeof c.base_model_name_or_path === 'string' ? c.base_model_name_or_path : null,
    layers,
    hasScore,
    typed: c.task_type != null,
    savesScore: c.task_type === 'SEQ_CLS' || (modulesToSave as string[]).includes('score'),
    numLabels,
    ranks,
    missing,
  };
}

/**
 * Why PEFT 0.21 cannot load adapter `dir` over a sequence classifier, or null where it can: its config saves a score head
 * (savesScore: task_type SEQ_CLS, or modules_to_save naming "score") that its file does not hold, and
 * set_peft_model_state_dict looks that head up (KeyError 'base_model.model.score.weight', frozen or trainable alike;
 * over a causal LM, which has no score module, it loads).
 */
export function absentScoreHead(info: Pick<AdapterInfo, 'typed' | 'ownTask' | 'hasScore' | 'savesScore'>, dir: string): string | null {
  if (!info.savesScore || info.hasScore) return null;
  const seqCls = info.typed && info.ownTask === 'SEQ_CLS';
  const names = seqCls ? 'has task_type SEQ_CLS, which saves the score head (modules_to_save)' : 'names "score" in modules_to_save';
  const fix = seqCls ? 'set "task_type": null there' : 'remove "score" from modules_to_save there';
  return `${path.join(dir, 'adapter_config.json')} ${names}, but ${path.join(dir, 'adapter_model.safetensors')} holds no ${SCORE_SAVED_KEY}: ` +
    `PEFT cannot load it over a sequence classifier (KeyError); give the adapter saved with its head, or ${fix} to run it with the model's own head`;
}

/** An adapter with per-module ranks or alphas (rank_pattern, alpha_pattern) is not trained on: refused, naming its config. */
export function refusePatternedTraining(info: Pick<AdapterInfo, 'ranks'>, dir: string): void {
  if (!info.ranks.patterned) return;
  throw new UserError('rank_pattern/alpha_pattern: an adapter with per-module ranks or alphas is read for eval, generate, classify and merging, not trained on', path.join(dir, 'adapter_config.json'));
}

/**
 * An adapter whose config selects modules its file has no tensors for is not trained on: PeftModel.from_pretrained(...,
 * is_trainable=True) creates those modules (B = 0, A drawn) and trains them with the rest, while we load it without them,
 * so the run would train fewer modules than PEFT's and save an adapter without them. Refused, naming a missing key.
 */
export function refuseMissingTraining(info: Pick<AdapterInfo, 'missing'>, dir: string): void {
  if (info.missing.length === 0) return;
  throw new UserError(`${info.missing.length} LoRA module(s) that adapter_config.json selects have no tensors, e.g. "${info.missing[0]}": ` +
    'PEFT would train them from a new initialisation, which is not done here; continue from an adapter holding every module it selects ' +
    '(or one whose target_modules / exclude_modules leave them out)', path.join(dir, 'adapter_model.safetensors'));
}

/**
 * Loads a PEFT adapter onto `model` (attached with setLora); with `trainable`, gradients are allocated (default
 * frozen, as PeftModel.from_pretrained's is_trainable=False). A SEQ_CLS adapter's score head replaces the model's
 * classification head. A model that has an adapter already is refused (needNoLora): unloadAdapter or mergeLora it first.
 */
export function loadAdapter(model: MistralModel, dir: string, opts: { trainable?: boolean; dropout?: number } = {}): AdapterInfo {
  needArg('loadAdapter', 'model', model, 'object', { hint: 'loadModel(folder, {backend})' });
  needPath('loadAdapter', 'the adapter folder', dir, 'folder', 'a PEFT adapter folder');
  needArg('loadAdapter', 'options', opts, 'object', { hint: 'an object such as {trainable: false}' });
  // taken by its truthiness before: trainable 'false' trained the adapter
  if (opts.trainable !== undefined) needArg('loadAdapter', 'options.trainable', opts.trainable, 'boolean', { hint: 'true or false' });
  // PEFT's is_trainable was let be, loading the adapter frozen; a dropout of 2 or '0.1' trained with it
  refuseMisspelledKeys('loadAdapter', 'options', opts, ['trainable', 'dropout'], { is_trainable: "write options.trainable (PEFT's is_trainable)" });
  if (opts.dropout !== undefined && !(typeof opts.dropout === 'number' && opts.dropout >= 0 && opts.dropout < 1)) {
    throw new UserError(`options.dropout is ${boundedJsonText(opts.dropout)}: give a number in [0, 1) (the adapter's own lora_dropout where left out)`, 'loadAdapter');
  }
  needModel('loadAdapter', model);
  needNoLora('loadAdapter', model);
  const cfg = model.cfg, be = model.backend, trainable = opts.trainable === true;
  const info = readAdapterInfo(dir, cfg.numLayers, cfg);
  if (trainable) {
    refusePatternedTraining(info, dir);
    refuseMissingTraining(info, dir);
  }
  const spec = opts.dropout === undefined ? info.spec : { ...info.spec, dropout: opts.dropout };
  const file = path.join(dir, 'adapter_model.safetensors');
  const st = SafetensorsFile.open(file);
  // allocated once the file opens (which is closed if that fails: a GPU out of memory), and freed if a tensor fails to
  // load (a NaN, a shape): the model keeps no part of it
  let adapter: LoraAdapter | null = null, attached = false;
  try {
    adapter = allocateLora(be, cfg, spec, model.dtype, trainable);
    adapter.layers.forEach((layer, i) => {
      for (const proj of spec.targets) {
        const pair = layer[proj]!;
        if (!info.layers[i]!.has(proj)) {
          // not adapted in this layer (layers_to_transform): drop the pair so it is neither used nor trained
          freePair(be, pair);
          delete layer[proj];
          continue;
        }
        const [out, inDim] = projectionShape(cfg, proj);
        // a module of a smaller rank or another alpha (rank_pattern, alpha_pattern): A's extra rows and B's extra
        // columns stay 0 (the same product), and its own scaling over the adapter's is folded into B
        const m = info.ranks.of(i, proj);
        const fold = loraScaling({ ...spec, r: m.r, alpha: m.alpha }) / loraScaling(spec);
        loadTensor(st, loraKey(i, proj, 'A'), [m.r, inDim], pair.A, model, { rows: spec.r, cols: inDim });
        loadTensor(st, loraKey(i, proj, 'B'), [out, m.r], pair.B, model, { rows: out, cols: spec.r }, fold);
        if (pair.dora) {
          const saved = loraKey(i, proj, 'magnitude', true); // or its in-memory name, with .weight, which PEFT reads too
          loadTensor(st, st.has(saved) ? saved : loraKey(i, proj, 'magnitude'), [out], pair.dora.magnitude, model);
        }
      }
    });
    if (info.hasScore) {
      const numLabels = info.numLabels;
      checkClassificationHead(cfg, numLabels, file);
      const w = be.alloc(model.dtype, numLabels * cfg.hiddenSize);
      try {
        loadTensor(st, SCORE_SAVED_KEY, [numLabels, cfg.hiddenSize], w, model);
      } catch (e) {
        be.free(w);
        throw e;
      }
      model.setScoreHead(w, trainable);
    }
    model.setLora(adapter);
    attached = true;
  } finally {
    st.close();
    if (!attached && adapter !== null) freeLora(be, adapter);
  }
  return { ...info, spec };
}

/**
 * Reads tensor `name` of `shape` into `dst`, refusing a NaN or infinite value; a 2-D one into the top-left corner of a
 * zeroed `into` (rows, cols) when that is larger, and multiplied by `scale` when it is not 1.
 */
function loadTensor(st: SafetensorsFile, name: string, shape: number[], dst: DeviceBuffer, model: MistralModel,
  into?: { rows: number; cols: number }, scale = 1): void {
  requireAdapterTensorShape(st, name, shape);
  let host = st.readF32(name);
  // PEFT computes NaN with it (and so would we, down to the loss): refused as it loads, naming the tensor and where
  const bad = firstNonFiniteIndex(host);
  if (bad >= 0) throw new UserError(`tensor "${boundedText(name)}" holds ${host[bad]} (at index ${bad}): the adapter is broken (a diverged run?) and cannot be applied`, st.file);
  if (into && (into.rows !== shape[0] || into.cols !== shape[1])) {
    const padded = new Float32Array(into.rows * into.cols), cols = shape[1]!;
    for (let row = 0; row < shape[0]!; row++) padded.set(host.subarray(row * cols, (row + 1) * cols), row * into.cols);
    host = padded;
  }
  if (scale !== 1) host = host.map((v) => v * scale);
  model.backend.upload(dst, hostFloats(host, dst.dtype));
}

/**
 * A new adapter initialised as PEFT does, attached to the model: its A factors drawn from `rng`, or from a seed for
 * one (a library caller has no Rng to give: the same seed gives the same adapter); `trainable` allocates gradients.
 * The adapter returned is the model's: its buffers are freed by unloadAdapter or mergeLora, after which it is not to be used.
 */
export function createAdapter(model: MistralModel, spec: LoraSpec, rng: Rng | number = 0, trainable = false): LoraAdapter {
  needArg('createAdapter', 'model', model, 'object', { hint: 'loadModel(folder, {backend})' });
  checkLoraSpec('createAdapter', spec);
  if (typeof rng === 'number' && !(Number.isSafeInteger(rng) && rng >= 0)) throw new UserError(`seed is ${rng}: give a non-negative integer`, 'createAdapter');
  if (typeof rng !== 'number' && !(rng instanceof Rng)) throw new UserError(`seed is ${boundedJsonText(rng)}: give a non-negative integer (or an Rng)`, 'createAdapter');
  // taken by its truthiness: 'false' allocated gradients
  needArg('createAdapter', 'trainable (fourth argument)', trainable, 'boolean', { hint: 'true or false' });
  needModel('createAdapter', model);
  needNoLora('createAdapter', model);
  if (typeof rng === 'number') rng = new Rng(rng);
  const adapter = allocateLora(model.backend, model.cfg, spec, model.dtype, trainable);
  adapter.layers.forEach((layer, l) => {
    for (const [proj, pair] of Object.entries(layer)) {
      const [out, inDim] = projectionShape(model.cfg, proj as Projection);
      const bound = 1 / Math.sqrt(inDim);
      const a = new Float32Array(spec.r * inDim);
      for (let i = 0; i < a.length; i++) a[i] = (2 * rng.next() - 1) * bound;
      model.backend.upload(pair.A, hostFloats(a, model.dtype));
      // ‖W + s·B·A‖ with B = 0: the magnitudes that leave the base model as it was
      if (pair.dora) model.backend.rowNorms(pair.dora.magnitude, model.layers[l]!.proj[proj as Projection].weight, out, inDim);
    }
  });
  model.setLora(adapter);
  return adapter;
}

/**
 * Detaches the model's LoRA adapter and frees its buffers, leaving the base weights as they were (PEFT's unload). A
 * SEQ_CLS adapter's score head, which loadAdapter put in place of the model's, stays, as in PEFT 0.21, whose unload()
 * keeps the active adapter's modules_to_save copy (ModulesToSaveWrapper.unload_and_optionally_merge_module).
 */
export function unloadAdapter(model: MistralModel): void {
  needModel('unloadAdapter', model, 'a model with a LoRA adapter loaded (loadAdapter)');
  needLora('unloadAdapter', model);
  model.setLora(null);
}
