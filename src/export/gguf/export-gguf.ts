// A model (optionally with a LoRA adapter merged in) as one GGUF file for llama.cpp, Ollama, LM Studio:
// metadata, tokenizer and tensors streamed tensor by tensor (one host copy at a time), quantised by
// our own ggml-compatible quantisers (a tensor's rows shared among MISTRAL_TUNE_THREADS threads), written
// atomically, with a progress bar. A tensor with a NaN or Inf stops the export (nothing is left at `out`).
import * as path from 'node:path';
import { gateActivation, type MistralConfig } from '../../model/config.ts';
import { mergeLora } from '../../model/merge.ts';
import type { MistralModel } from '../../model/mistral.ts';
import { SCORE_SAVED_KEY } from '../../model/names.ts';
import { seqClsBy } from '../../model/peft.ts';
import type { OptionWords } from '../../util/option-words.ts';
import { mergeCall } from '../export.ts';
import { UserError } from '../../util/errors.ts';
import { requireF16Range, requireFinite } from '../../util/finite.ts';
import { info } from '../../util/log.ts';
import { Progress } from '../../util/progress.ts';
import { requireGgufValues, writeGguf, type GgufTensor, type GgufValue } from './gguf-file.ts';
import { ggufContextLength, modelMetadata, type Provenance } from './metadata.ts';
import { QuantPool } from './quant/pool.ts';
import { GGUF_WORDS, isBlockQuant, type GgufQuant } from './quant-choices.ts';
import { planTensors, tensorType } from './tensors.ts';
import { modelTokenizer } from './tokenizer.ts';
import { samplingMetadata } from './sampling.ts';
import { refuseNegativeConfigIds } from './special-ids.ts';

export interface GgufExportResult {
  file: string;
  bytes: number;
  /** Tensor name → ggml type written. */
  types: Record<string, string>;
}

/**
 * Refuses a model whose MLP gate is not silu: llama.cpp's llama architecture computes SwiGLU (silu) whatever the file
 * says, so a gelu or relu model (transformers' hidden_act, as HF's tiny test Mistrals have) would run there silently wrong.
 * `words`: the caller's (the merge it points to is `export --merge` on the command line, exportRun in the library).
 */
export function requireSiluGate(cfg: MistralConfig, configFile: string, words: OptionWords): void {
  if (gateActivation(cfg) !== 'silu') {
    throw new UserError(`hidden_act: "${cfg.hiddenAct}" cannot be exported to GGUF: llama.cpp's llama architecture computes silu (SwiGLU) for every model; ${mergeCall(words)} writes an HF model folder`, configFile);
  }
}

/**
 * What llama.cpp's llama architecture cannot run as a model of config `cfg` (in the folder `modelDir`) computes: what the
 * config alone tells, so that an export refuses it before a backend starts or a weight is read.
 */
export function requireGgufConfig(cfg: MistralConfig, modelDir: string, words: OptionWords): void {
  refuseClassifierConfig(cfg, modelDir);
  requireSiluGate(cfg, path.join(modelDir, 'config.json'), words);
  refuseNegativeConfigIds(cfg, path.join(modelDir, 'config.json'));
  // longrope within its original context is its short factors alone (the long ones apply to a batch reaching past
  // it, and no position we run does): rope_freqs, as llama3's frequencies are written (rope-scaling.ts)
  const s = cfg.ropeScaling;
  if (s?.type === 'longrope' && cfg.maxPositionEmbeddings > s.originalMaxPositionEmbeddings) {
    throw new UserError(`${cfg.ropeKey ?? 'rope_scaling'}: longrope cannot be exported to GGUF: it has two sets of frequencies, switched at the original context ` +
      `(original_max_position_embeddings ${s.originalMaxPositionEmbeddings}, below max_position_embeddings ${cfg.maxPositionEmbeddings}), and llama.cpp's llama ` +
      `architecture one (${mergeCall(words)} writes an HF model folder)`, path.join(modelDir, 'config.json'));
  }
}

/** The refusal of a classification model, run or adapter: the one wording of every GGUF export. */
export const CLASSIFIER = 'a classification model cannot be exported to GGUF: llama.cpp has no sequence-classification head';

/** Refuses a model folder (`modelDir`, of config `cfg`) whose config.json's architectures name a sequence classifier. */
export function refuseClassifierConfig(cfg: MistralConfig, modelDir: string): void {
  if (cfg.task === 'classification') throw new UserError(`${CLASSIFIER} (its config.json's architectures name a sequence classifier)`, modelDir);
}

/** A classification run or adapter refused by a GGUF export (--format gguf or gguf-lora), with why it is one. */
export function classifierRefusal(why: string, where: string, words: OptionWords): UserError {
  return new UserError(`${CLASSIFIER} (${why}; ${words.cli ? 'use export without --format' : 'use exportRun'})`, where);
}

/** The refusal of a sequence-classifier adapter, by what makes it one (seqClsBy): one wording for gguf and gguf-lora. */
export function classifierAdapter(by: 'task_type' | 'score', adapter: string, words: OptionWords): UserError {
  return classifierRefusal(by === 'task_type' ? 'the adapter\'s task_type is SEQ_CLS' : `the adapter holds a score head (${SCORE_SAVED_KEY}) and no task_type`, adapter, words);
}

/** Refuses a sequence-classifier adapter from its adapter_config.json and safetensors header alone (no backend, no weight read). */
export function refuseSeqClsAdapter(adapter: string, words: OptionWords): void {
  const by = seqClsBy(adapter);
  if (by !== null) throw classifierAdapter(by, adapter, words);
}

/** What llama.cpp's llama architecture cannot run as `model` (at `modelDir`) computes, refused before anything is written. */
export function requireGgufExportable(model: MistralModel, modelDir: string, words: OptionWords): void {
  if (model.score || !model.weights.lmHead) throw new UserError(`${CLASSIFIER} (${words.cli ? 'export the adapter or --merge instead' : 'use exportRun instead'})`, modelDir);
  requireGgufConfig(model.cfg, modelDir, words);
}

/**
 * Writes `model` (its adapter, if one is attached, merged first) to `out`. `modelDir` is the base model
 * folder (its tokenizer.json, or the bundled Mistral tokenizer as loadTokenizer picks). `opts.tokenizer`: the tokenizer
 * section (loadGgufSource's: its plan's, built before the weights were read, so that what it refuses is refused first); default: read from `modelDir`.
 */
export function exportGguf(model: MistralModel, modelDir: string, out: string, quant: GgufQuant, from: Provenance, opts: { progress?: boolean; tokenizer?: Map<string, GgufValue>; words?: OptionWords } = {}): GgufExportResult {
  const words = opts.words ?? GGUF_WORDS;
  requireGgufExportable(model, modelDir, words);
  const cfg = model.cfg;
  // everything that can be refused is checked before the first byte is written
  const tensors = planTensors(model);
  const chosen = tensors.map((t) => tensorType(t, quant, cfg));
  const types = chosen.map((c) => c.type);
  const fellBack = chosen.flatMap((c, i) => (c.wanted ? [`${tensors[i]!.name} ${c.wanted}→${c.type}`] : []));
  if (fellBack.length > 0) {
    info(`gguf: ${fellBack.length} tensor(s) have rows that do not fit their type's block and fall back as llama.cpp does: ${fellBack.join(', ')}`);
  }
  // general.file_type stays the type asked for, as llama.cpp's convert_hf_to_gguf.py (add_file_type(self.ftype)
  // after its per-tensor F16 fallback) and llama-quantize (general.file_type = the ftype requested) write it;
  // a file in which no matrix got a block type says so here, since its file type alone would not tell
  if (isBlockQuant(quant)) {
    const blocked = types.filter((t) => t !== 'F32' && t !== 'F16');
    if (blocked.length === 0) info(`gguf: no tensor could be ${quant} (every matrix fell back to F16): the file is an f16 one, its general.file_type ${quant.toUpperCase()} as llama.cpp writes it`);
  }
  // the parameter count gguf-py's get_total_parameter_count gives (every tensor's elements): the size label's source
  const totalParams = tensors.reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const metadata = modelMetadata(cfg, quant, from, totalParams);
  for (const [k, v] of opts.tokenizer ?? modelTokenizer(model, modelDir)) metadata.set(k, v);
  for (const [k, v] of samplingMetadata(modelDir)) metadata.set(k, v);
  requireGgufValues(metadata, path.join(modelDir, 'config.json'));
  if (model.lora) mergeLora(model);
  if (cfg.ropeScaling?.type === 'dynamic') {
    info(`gguf: the dynamic rope scaling is written as plain rope, which it is up to max_position_embeddings ${cfg.maxPositionEmbeddings} (llama.cpp does not rescale past it as transformers does)`);
  }
  if (cfg.ropeScaling?.type === 'longrope') {
    info(`gguf: the longrope scaling is written as its short factors (rope_freqs), which it is up to max_position_embeddings ${cfg.maxPositionEmbeddings} (its long ones start past original_max_position_embeddings ${cfg.ropeScaling.originalMaxPositionEmbeddings})`);
  }
  if (ggufContextLength(cfg) !== cfg.maxPositionEmbeddings) {
    info(`gguf: llama.context_length = ${ggufContextLength(cfg)}, the sliding window (llama.cpp runs this architecture with full attention, which equals the window's up to its length)`);
  }
  const progress = opts.progress === false ? null : new Progress({ label: `gguf ${quant}`, total: tensors.length, unit: 'tensors' });
  const pool = new QuantPool();
  const gguf: GgufTensor[] = tensors.map((t, i) => ({
    name: t.name, shape: t.shape, type: types[i]!,
    data: () => {
      const host = t.read();
      requireFinite(host, t.name, out); // before quantising, which would hide an Inf in a scale
      if (types[i] === 'F16') requireF16Range(host, t.name, `${words.say('quant')} bf16 or f32 holds it`, out);
      return pool.encode(host, t.shape[t.shape.length - 1]!, types[i]!);
    },
  }));
  let bytes: number;
  try {
    bytes = writeGguf(out, metadata, gguf, { onTensor: (name) => progress?.tick(1, { tensor: name }) });
  } finally {
    pool.close();
  }
  progress?.finish();
  return { file: path.resolve(out), bytes, types: Object.fromEntries(tensors.map((t, i) => [t.name, types[i]!])) };
}
