// general.* and llama.* metadata of a GGUF export: the architecture llama.cpp runs a Mistral model as
// ("llama"; its llama graph has no sliding window), the hyper-parameters under the keys
// llama.cpp's llama loader reads (gguf-py/gguf/constants.py; a scaled rope's from rope-scaling.ts),
// and where the weights came from.
import * as path from 'node:path';
import { folderConfigValue } from '../../util/config-json.ts';
import type { MistralConfig } from '../../model/config.ts';
import { layerWindows } from '../../model/layer-types.ts';
import { warn } from '../../util/log.ts';
import type { GgufValue } from './gguf-file.ts';
import { modelCardMetadata, readModelCard } from './model-card.ts';
import { modelIdParts, sizeLabel, type ModelIdParts } from './model-name.ts';
import { ggufRope } from './rope-scaling.ts';
import { fileType, type GgufQuant } from './quant-choices.ts';

export interface Provenance {
  /** What the file is named by (general.name, basename, …: model-name.ts): a run's, an adapter's or a model's folder name. */
  name: string;
  /** A model folder's hub id (its config.json's `_name_or_path`, hubId), which names it before its folder does. */
  hubId?: string | null;
  /**
   * The base model folder (the file carries its name, not its path); null where the weights have none: a model
   * folder exported as it is, or a run trained from random weights.
   */
  baseModel: string | null;
  /** The adapter folder merged in, if any. */
  adapter: string | null;
  /** The training run, if the export came from one. */
  run: string | null;
  /** A full fine-tuning run's best/ (--best), not its last step's model/ (a LoRA run's best/ is its adapter, named so). */
  best?: boolean;
  /**
   * The folder whose model card (README.md's front matter: model-card.ts) names the file and gives its license, tags,
   * languages and base models, as convert_hf_to_gguf.py reads the folder it converts: a model folder exported as it is.
   */
  cardDir?: string | null;
}

/**
 * The context length llama.cpp is told: max_position_embeddings, or the sliding window when that is
 * shorter — llama.cpp runs the llama architecture with full causal attention, which equals sliding-window
 * attention exactly up to the window's length and differs beyond it. The sliding window is that of any layer that
 * has one (Ministral's full_attention layers have none: with every layer full, none).
 */
export function ggufContextLength(cfg: MistralConfig): number {
  const slides = layerWindows(cfg).some((w) => w !== null);
  return slides && cfg.slidingWindow! < cfg.maxPositionEmbeddings ? cfg.slidingWindow! : cfg.maxPositionEmbeddings;
}

/**
 * A folder by its name, not its path: a file that is shared should not carry the exporter's directories. A snapshot
 * in the HF hub's cache (models--ORG--NAME/snapshots/COMMIT) is named by its model, NAME, not by its commit hash.
 */
export function folderName(dir: string): string {
  const abs = path.resolve(dir);
  const snapshot = /(?:^|[/\\])models--[^/\\]+?--([^/\\]+)[/\\]snapshots[/\\][^/\\]+$/.exec(abs);
  return snapshot ? snapshot[1]! : path.basename(abs);
}

const u32 = (value: number): GgufValue => ({ type: 'u32', value });
const str = (value: string): GgufValue => ({ type: 'string', value });

/**
 * A model folder's hub id as convert_hf_to_gguf.py reads it: its config.json's `_name_or_path` when it is one
 * ("mistralai/Mistral-7B-v0.1"; at most one slash, not a path on the machine that saved it); null otherwise.
 */
export function hubId(dir: string): string | null {
  try {
    const id = folderConfigValue(dir, '_name_or_path');
    return typeof id === 'string' && id !== '' && id.split('/').length <= 2 ? id : null;
  } catch {
    return null; // no config.json to read: the folder's name alone names it
  }
}

/**
 * What the ids say, the first that says a thing winning (Metadata.apply_metadata_heuristic: config.json's
 * _name_or_path, then the folder's name), for a file of `totalParams` parameters (negative: an adapter's).
 */
function namedBy(ids: readonly string[], totalParams: number): ModelIdParts {
  const parts = ids.map((id) => modelIdParts(id, totalParams));
  const first = <K extends keyof ModelIdParts>(k: K): ModelIdParts[K] => parts.find((p) => p[k] !== null)?.[k] ?? null;
  return { name: first('name'), organization: first('organization'), basename: first('basename'), finetune: first('finetune'), version: first('version'), sizeLabel: first('sizeLabel') };
}

/**
 * What llama.cpp's vocabulary loader (llama_vocab::impl::load, "set attributes by model/tokenizer/architecture name")
 * reads in a model's general.name, lowercased: "phi-3" or "phi3" make it rstrip every special token (so "[INST] a"
 * loses the space after [INST], where transformers keeps it) and look up </s>, <unk>, <s> and <|endoftext|> by text,
 * failing the load where one is missing (a Mistral vocabulary has no <|endoftext|>: "_Map_base::at"); "modern-bert"
 * makes it lstrip [MASK]. A model of ours named so (a folder "phi3-distill", a card's name) is none of those.
 */
const LLAMA_CPP_NAME_RULES: ReadonlyArray<[RegExp, string]> = [
  [/phi-?3/gi, 'strips the spaces after every special token and fails to load a vocabulary without <|endoftext|>'],
  [/modern-bert/gi, 'strips the spaces before [MASK]'],
];

/** `name` with each of llama.cpp's name rules broken by a space ("Phi3 Run" → "Phi 3 Run"), and a warning if it changed. */
export function apartFromLlamaCppNameRules(name: string): string {
  let out = name;
  const hit: string[] = [];
  for (const [rule, effect] of LLAMA_CPP_NAME_RULES) {
    out = out.replace(rule, (m) => {
      hit.push(`"${m.toLowerCase()}" (it ${effect})`);
      return m.includes('-') ? m.replace('-', ' ') : `${m.slice(0, -1)} ${m.slice(-1)}`;
    });
  }
  if (hit.length > 0) warn(`gguf: general.name "${name}" is written "${out}": llama.cpp's vocabulary loader takes a model whose name contains ${[...new Set(hit)].join(' or ')} for one it knows, which this one is not`);
  return out;
}

/**
 * The adapter of `from` as `kind` ('adapter', 'LoRA adapter') by its folder's name: a run's own folders as its, adapter/
 * as "its adapter" and best/ as "its best adapter" (they said "adapter adapter" and "adapter best"); another folder as
 * "adapter NAME", with `article` before it ("the adapter NAME"), a folder named adapter outside a run by the folder
 * that holds it.
 */
function adapterWords(from: Provenance, kind: string, article = ''): string {
  const dir = from.adapter ?? from.name, name = folderName(dir);
  if (name === 'adapter' && from.run !== null) return `its ${kind}`;
  if (name === 'best' && from.run !== null) return `its best ${kind}`;
  return `${article}${kind} ${name === 'adapter' ? folderName(path.dirname(path.resolve(dir))) : name}`;
}

/**
 * general.name, general.basename, general.size_label, … as convert_hf_to_gguf.py names a model folder (model-name.ts),
 * general.description and general.base_model.* of a file: `what` it is ('a model': the weights as they are, the base
 * with an adapter merged in or a fully fine-tuned model; 'a LoRA adapter': the adapter alone, for that base) of
 * `totalParams` parameters (an adapter's negative: its adapted matrices counted whole, as gguf-py counts them). A file
 * without a base model lists none (convert_hf_to_gguf.py lists only a model card's base_model).
 */
export function provenanceMetadata(from: Provenance, what: 'a model' | 'a LoRA adapter', totalParams: number): Map<string, GgufValue> {
  const run = from.run ? ` (run ${folderName(from.run)}${from.best && !from.adapter ? ', its best weights' : ''})` : '';
  const base = from.baseModel === null ? null : folderName(from.baseModel);
  const description = what === 'a LoRA adapter' ? `${adapterWords(from, 'LoRA adapter')} for ${base ?? 'its base model'}, exported by mistral-tune${run}`
    : from.adapter ? `merged by mistral-tune from ${base ?? 'its base model'} + ${adapterWords(from, 'adapter')}${run}`
      : from.run ? `${base === null ? 'trained by mistral-tune from random weights' : `fine-tuned by mistral-tune from ${base}`}${run}`
        : `exported by mistral-tune from ${from.name}`;
  const named = namedBy(from.hubId ? [from.hubId, from.name] : [from.name], totalParams);
  const card = from.cardDir ? modelCardMetadata(readModelCard(from.cardDir), totalParams) : null;
  // a size from the parameter count where the name gives none: a dense model's only (an adapter's count is not its size)
  const size = named.sizeLabel ?? (totalParams > 0 ? sizeLabel(totalParams) : null);
  const m = new Map<string, GgufValue>();
  // gguf-py's add_string writes no empty string (a name of only dashes has none)
  const put = (key: string, value: string | null): void => {
    if (value) m.set(key, str(value));
  };
  // the card's fields first (apply_metadata_heuristic: the ids only fill what it left unset); a name titled to
  // nothing ("---") is still named: llama.cpp would write none
  const f = card?.fields;
  const name = card?.name ?? (named.name || from.name);
  // an adapter's file loads no vocabulary: its name reaches no rule
  put('general.name', what === 'a model' ? apartFromLlamaCppNameRules(name) : name);
  put('general.author', f?.author ?? null);
  put('general.version', f?.version ?? named.version);
  put('general.organization', f?.organization ?? named.organization);
  put('general.finetune', f?.finetune ?? named.finetune);
  put('general.basename', f?.basename ?? named.basename);
  put('general.description', f?.description ?? description);
  put('general.size_label', f?.size_label ?? size);
  for (const [k, v] of card?.keys ?? []) m.set(k, v); // a model folder's: it has no base model folder below
  if (from.baseModel !== null && base !== null) {
    // as convert_hf_to_gguf.py writes a model card's base_model: titled, with its organisation and version
    const b = namedBy([hubId(from.baseModel), base].filter((id): id is string => id !== null), totalParams);
    m.set('general.base_model.count', u32(1));
    m.set('general.base_model.0.name', str(b.name ?? base));
    if (b.organization) m.set('general.base_model.0.organization', str(b.organization));
    if (b.version) m.set('general.base_model.0.version', str(b.version));
  }
  return m;
}

/**
 * The llama.* hyper-parameters of a model of `cfg`: its config.json's alone, so that a value its GGUF type cannot hold
 * is refused from the config (planGgufSource), before a weight is read.
 */
export function llamaMetadata(cfg: MistralConfig): Array<[string, GgufValue]> {
  const m: Array<[string, GgufValue]> = [
    ['llama.vocab_size', u32(cfg.vocabSize)],
    ['llama.context_length', u32(ggufContextLength(cfg))],
    ['llama.embedding_length', u32(cfg.hiddenSize)],
    ['llama.block_count', u32(cfg.numLayers)],
    ['llama.feed_forward_length', u32(cfg.intermediateSize)],
    ['llama.attention.head_count', u32(cfg.numHeads)],
    ['llama.attention.head_count_kv', u32(cfg.numKvHeads)],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: cfg.rmsNormEps }],
    ['llama.rope.freq_base', { type: 'f32', value: cfg.ropeTheta }],
    ['llama.rope.dimension_count', u32(cfg.headDim)],
    ...ggufRope(cfg).metadata,
  ];
  if (cfg.headDim * cfg.numHeads !== cfg.hiddenSize) m.push(['llama.attention.key_length', u32(cfg.headDim)], ['llama.attention.value_length', u32(cfg.headDim)]);
  return m;
}

/** The general.* and llama.* metadata of a model file of `totalParams` parameters (every tensor's elements, as gguf-py counts them). */
export function modelMetadata(cfg: MistralConfig, quant: GgufQuant, from: Provenance, totalParams: number): Map<string, GgufValue> {
  const m = new Map<string, GgufValue>([
    ['general.architecture', str('llama')],
    ['general.type', str('model')],
    ...provenanceMetadata(from, 'a model', totalParams),
    ['general.file_type', u32(fileType(quant))],
    ['general.quantization_version', u32(2)],
    ...llamaMetadata(cfg),
  ]);
  if (from.adapter) m.set('general.base_model.0.description', str(`fine-tuned with ${adapterWords(from, 'LoRA adapter', 'the ')}, merged`));
  return m;
}
