// The training config: one typed, validated object (a zod schema with defaults), read from YAML, with
// CLI overrides `--key.sub value` (precedence: CLI > file > defaults). Unknown keys are refused with a
// did-you-mean; relative paths in the file are resolved against the file's folder.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { didYouMean } from '../util/did-you-mean.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { readLines } from '../util/lines.ts';
import { unexpandedPath } from '../util/unexpanded-path.ts';
import { firstNonPlain, silentlyChanged } from '../util/yaml-plain.ts';
import { info } from '../util/log.ts';
import { prepareReportBeside } from '../data/prepare-report.ts';
import { adapterConfigPath } from '../model/peft.ts';
import { namesNoProjection } from '../model/peft-targets.ts';
import { PROJECTIONS } from '../model/weights.ts';

const int = (min: number) => z.number().int().min(min);
const ALL_LINEAR = 'all-linear';

/** schedule.type's error: transformers' name for our constant schedule is pointed to it. */
function scheduleTypeError(issue: { input?: unknown }): string {
  const expected = 'expected constant, linear or cosine';
  if (issue.input === 'constant_with_warmup') return `${expected}: transformers' constant_with_warmup is constant here (its warmup is schedule.warmup_steps)`;
  return typeof issue.input === 'string' ? `${expected}, not "${issue.input}"` : expected;
}

/** lora.target_modules' error for a value that is no list: a string names the list to write (`q_proj,v_proj` → [q_proj, v_proj]). */
function targetModulesError(input: unknown): string {
  const expected = `a list of projections, or "${ALL_LINEAR}"`;
  if (typeof input !== 'string') return expected;
  const names = input.split(/[\s,]+/).filter((n) => n !== '');
  // PEFT reads a string as a regular expression over module names; here the projections are named
  const list = names.every((n) => (PROJECTIONS as readonly string[]).includes(n)) ? `write [${names.join(', ')}]` : `name them: [${PROJECTIONS.slice(0, 2).join(', ')}, …]`;
  return `${expected}, not the string ${JSON.stringify(input)}: ${list}`;
}

/** `model: {config, init: random}`: a model built from an HF config with random weights (benchmarks, dry runs). */
const RandomModelSchema = z.object({
  config: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'a path to an HF config.json (or its folder), or a mapping of its keys' })
    .describe('HF config.json of the random model: a path (file or folder), or its keys inline (model_type defaults to mistral)'),
  init: z.literal('random').describe('random: normal(0, initializer_range) weights drawn on the backend, ones for norms'),
  seed: int(0).nullable().default(null).describe('seed of the random weights (null = the run\'s seed)'),
}).strict();

export const TrainConfigSchema = z.object({
  model: z.union([z.string().min(1), RandomModelSchema], { error: 'a model folder path, or {config: CONFIG, init: random}' })
    .describe('HF model folder (config.json, safetensors, tokenizer.json), or {config, init: random} for random weights'),
  task: z.enum(['generation', 'classification']).default('generation').describe('generation (causal LM) or classification'),
  labels: z.array(z.string().min(1)).min(2).nullable().default(null).describe('class names, for classification (default: those of the prepare report.json beside data.train)'),
  method: z.enum(['lora', 'full']).default('lora').describe('lora: train an adapter; full: train every weight (small models)'),
  data: z.object({
    train: z.string().min(1).describe('training data: a prepare output or any file prepare accepts'),
    val: z.string().min(1).nullable().default(null).describe('validation data (evaluated at step 0 and every eval.every_steps)'),
    test: z.string().min(1).nullable().default(null).describe('test data (evaluated once at the end)'),
    train_on: z.enum(['assistant', 'all']).default('assistant').describe('chats: train on assistant turns only, or on every token'),
  }).strict().describe('the data files, of which data.train is required'),
  lora: z.object({
    r: int(1).default(8).describe('rank'),
    alpha: z.number().positive().default(16).describe('scaling numerator: scaling = alpha / r'),
    dropout: z.number().min(0).lt(1).default(0).describe('dropout on the adapter input (0 = off)'),
    // a projection named twice was adapted once, but made the saved adapter_config list every module by its full name
    // PEFT's "all-linear" (every linear layer but the output head) is the 7 projections
    target_modules: z.preprocess((v) => (v === ALL_LINEAR ? [...PROJECTIONS] : v),
      z.array(z.enum(PROJECTIONS), { error: (issue) => (issue.code === 'invalid_type' ? targetModulesError(issue.input) : undefined) })
        .min(1).refine((m) => new Set(m).size === m.length, 'names a projection twice'))
      .default([...PROJECTIONS]).describe(`projections to adapt ("${ALL_LINEAR}": all 7)`),
    use_rslora: z.boolean().default(false).describe('rank-stabilised scaling alpha / √r'),
    use_dora: z.boolean().default(false).describe("weight-decomposed LoRA (DoRA, PEFT's use_dora): a trained magnitude per output of each adapted projection"),
    init_from: z.string().min(1).nullable().default(null).describe('a PEFT adapter folder to continue from (its adapter_config wins)'),
  }).strict().default({ r: 8, alpha: 16, dropout: 0, target_modules: [...PROJECTIONS], use_rslora: false, use_dora: false, init_from: null }),
  optimizer: z.object({
    lr: z.number().positive().default(2e-4).describe('peak learning rate'),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]).describe('AdamW betas'),
    eps: z.number().positive().default(1e-8).describe('AdamW epsilon'),
    weight_decay: z.number().min(0).default(0).describe('decoupled weight decay (torch AdamW)'),
  }).strict().default({ lr: 2e-4, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 }),
  schedule: z.object({
    type: z.enum(['constant', 'linear', 'cosine'], { error: scheduleTypeError }).default('linear').describe("transformers' get_*_schedule_with_warmup"),
    warmup_steps: z.number().min(0).refine((v) => Number.isInteger(v) || v < 1, 'a whole number of steps, or a fraction of the run\'s steps below 1')
      .default(0).describe('linear warmup: optimizer steps, or a fraction below 1 of the run\'s steps, rounded up (as transformers 5 reads warmup_steps; its warmup_ratio); 0 = none'),
  }).strict().default({ type: 'linear', warmup_steps: 0 }),
  batch_size: int(1).default(4).describe('micro-batch size in sequences'),
  grad_accum: int(1).default(1).describe('micro-batches per optimizer step'),
  epochs: int(1).default(1).describe('passes over the training data (max_steps, when set, wins)'),
  max_steps: int(1).nullable().default(null).describe('optimizer steps in total, across epochs'),
  max_seq_len: int(2).default(1024).describe('longest sequence in tokens'),
  overflow: z.enum(['truncate', 'drop']).default('truncate').describe('what happens to a longer example'),
  packing: z.boolean().default(false).describe('pack several examples per sequence (attention does not cross them)'),
  shuffle: z.boolean().default(true).describe('seeded shuffle each epoch; false = file order'),
  group_by_length: z.boolean().default(false).describe('batch examples of similar length together (needs shuffle)'),
  grad_clip: z.number().positive().nullable().default(1).describe('clip the global gradient norm to this (null = off)'),
  activation_checkpointing: z.boolean().default(false).describe('keep only each decoder layer\'s input and recompute the layer in the backward: less activation memory, one more forward of the layers'),
  eval: z.object({
    every_steps: int(1).nullable().default(null).describe('evaluate on val every N optimizer steps (null = at the end of each epoch)'),
    batch_size: int(1).default(8).describe('sequences per evaluation batch'),
    samples: int(0).default(3).describe('val prompts to generate from before and after training'),
    max_new_tokens: int(1).default(48).describe('length of each generated sample'),
  }).strict().default({ every_steps: null, batch_size: 8, samples: 3, max_new_tokens: 48 }),
  early_stopping: z.object({
    patience: int(1).nullable().default(null).describe('stop after this many evaluations without improvement (null = off)'),
    min_delta: z.number().min(0).default(0).describe('for patience: a val-loss decrease of at most this counts as no improvement (best/ keeps any lower loss)'),
  }).strict().default({ patience: null, min_delta: 0 }),
  checkpoint: z.object({
    every_steps: int(1).nullable().default(null).describe('save a resumable checkpoint every N steps (null = off)'),
    keep: int(1).default(2).describe('checkpoints kept (oldest deleted first)'),
  }).strict().default({ every_steps: null, keep: 2 }),
  seed: int(0).default(0).describe('seed of shuffling, initialisation and dropout'),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto').describe('backend'),
  precision: z.enum(['auto', 'fp32', 'bf16']).default('auto').describe('bf16: weights and activations stored in bf16, math and trained tensors in f32; auto: bf16 on CUDA, fp32 on the CPU'),
  output_dir: z.string().min(1).default('runs/latest').describe('the run directory (refused if it exists and is not empty, unless --overwrite)'),
}).strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type RandomModelSpec = z.infer<typeof RandomModelSchema>;

/** The model folder of the run, or null when its weights are random (`model: {config, init: random}`). */
export function modelFolder(cfg: Pick<TrainConfig, 'model'>): string | null {
  return typeof cfg.model === 'string' ? cfg.model : null;
}

/**
 * The model folder a command needs (eval, export) of the run `where`: a run with random weights has none, and
 * a base model moved since (the run copied to another machine) is named as the run's config.yaml's, so a
 * UserError says so, not a missing file of a path the user never typed.
 */
export function requireModelFolder(cfg: Pick<TrainConfig, 'model'>, what: string, where?: string): string {
  const dir = modelFolder(cfg);
  if (dir === null) throw new UserError(`${what}: the run's base model had random weights (model: {config, init: random}), so there is no model folder to load`, where);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(`${what}: the run's base model folder ${dir} (model: in its config.yaml) is not there: put it back, or set model: to where it is now`, where);
  }
  return dir;
}

/** The model in words, for reports: its folder, or "random (CONFIG)". */
export function modelName(cfg: Pick<TrainConfig, 'model'>): string {
  if (typeof cfg.model === 'string') return cfg.model;
  return `random (${typeof cfg.model.config === 'string' ? cfg.model.config : 'inline config'})`;
}

/** Keys (dotted) whose values are paths, resolved against the config file's folder. */
const PATH_KEYS = ['model', 'model.config', 'data.train', 'data.val', 'data.test', 'lora.init_from', 'output_dir'];

/** Reads a YAML config, applies `--key.sub value` overrides, validates and resolves paths. */
export function loadTrainConfig(file: string | null, overrides: ReadonlyArray<[string, string]> = []): TrainConfig {
  let raw: Record<string, unknown> = {};
  let place: Place = 'command line';
  if (file) {
    const read = readYamlConfig(file);
    raw = read.mapping;
    place = read.place;
    const base = path.dirname(path.resolve(file));
    for (const key of PATH_KEYS) resolvePathKey(raw, key, base, read.place(key));
  }
  // the key each override sets, and its flag: a mapping (`--optimizer '{lr: 1e-4}'`) sets its keys, as
  // --optimizer.lr would, keeping the file's others (weight_decay) rather than replacing the whole section
  const setBy = new Map<string, { flag: string; value: unknown }>();
  for (const [key, value] of overrides) {
    const flag = `--${key}`;
    for (const [leaf, parsed] of overrideLeaves(key, parseOverride(key, value))) {
      const bad = leaf.split('.').find((part) => part === '' || UNSAFE_KEYS.has(part));
      if (bad !== undefined) throw new UserError(`"${leaf}" is not a config key${bad ? ` ("${bad}" is never one)` : ''}`, flag);
      const earlier = setBy.get(leaf);
      if (earlier !== undefined && earlier.flag !== flag && JSON.stringify(earlier.value) !== JSON.stringify(parsed)) {
        throw new UserError(`${earlier.flag} and ${flag} both set ${leaf}, to ${JSON.stringify(earlier.value)} and ${JSON.stringify(parsed)}: give it once`);
      }
      setBy.set(leaf, { flag, value: parsed });
      setDotted(raw, leaf, parsed);
      if (PATH_KEYS.includes(leaf)) resolvePathKey(raw, leaf, process.cwd(), flag);
    }
  }
  followPreparedTrain(raw, [...setBy.keys()]);
  labelsFromPrepareReport(raw);
  const cfg = validate(raw, place, overrides.map(([k]) => k));
  return cfg.lora.init_from ? adoptAdapterConfig(cfg, raw) : cfg;
}

/**
 * The keys an override sets: `--key VALUE` itself, or for a mapping each of its keys (nested ones by their dotted
 * path); an empty mapping sets none.
 */
function overrideLeaves(key: string, value: unknown): Array<[string, unknown]> {
  if (!isRecord(value)) return [[key, value]];
  return Object.entries(value).flatMap(([k, v]) => overrideLeaves(`${key}.${k}`, v));
}

/** Names that would reach an object's prototype: never config keys, refused before any object is touched. */
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `--data.train DIR/train.jsonl` where DIR is a prepare output (it has report.json): that folder's
 * val.jsonl and test.jsonl replace the file's data.val and data.test, unless those are overridden too,
 * so that the splits of one prepare run stay together. Logged, never silent.
 */
function followPreparedTrain(raw: Record<string, unknown>, overridden: readonly string[]): void {
  const train = getDotted(raw, 'data.train');
  if (!overridden.includes('data.train') || typeof train !== 'string' || path.basename(train) !== 'train.jsonl') return;
  const report = prepareReportBeside(train);
  if (report === null || 'error' in report) return;
  const dir = path.dirname(train);
  for (const split of ['val', 'test']) {
    const key = `data.${split}`;
    const sibling = path.join(dir, `${split}.jsonl`);
    if (overridden.includes(key) || !fs.existsSync(sibling) || getDotted(raw, key) === sibling) continue;
    if (report.splits[split as 'val' | 'test'] === 0) {
      // prepare --split 1,0,0 writes it empty: no split of this data to evaluate, not a file to refuse as empty
      setDotted(raw, key, null);
      info(`${key}: none (the prepare output of --data.train has no ${split} records; give --${key} to choose a file)`);
      continue;
    }
    setDotted(raw, key, sibling);
    info(`${key}: ${sibling} (the prepare output of --data.train; give --${key} to choose another)`);
  }
}

/**
 * `task: classification` without `labels`: the class list of the prepare report.json beside data.train (the
 * classes in index order, as the prepared files' labels refer to them). Logged; without such a report the
 * labels stay missing and validate asks for them.
 */
function labelsFromPrepareReport(raw: Record<string, unknown>): void {
  const train = getDotted(raw, 'data.train');
  const given = getDotted(raw, 'labels');
  if (getDotted(raw, 'task') !== 'classification' || (given !== undefined && given !== null) || typeof train !== 'string') return;
  const report = prepareReportBeside(train);
  if (report === null) return;
  if ('error' in report) throw new UserError(`cannot read the class list: ${report.error}`, report.file);
  const labels = report.labels;
  if (labels === null || !labels.every((l) => typeof l === 'string' || Number.isSafeInteger(l))) return;
  setDotted(raw, 'labels', labels.map(String));
  info(`labels: ${labels.length} classes from ${report.file} (the prepare report beside data.train); give labels to choose others`);
}

/**
 * lora.init_from: the adapter's own r, alpha, target_modules, dropout, rsLoRA and DoRA settings win; an r, alpha, use_dora
 * or target_modules given explicitly in the config that disagrees with the adapter is an error.
 */
function adoptAdapterConfig(cfg: TrainConfig, raw: Record<string, unknown>): TrainConfig {
  const file = adapterConfigPath(cfg.lora.init_from!);
  const parsed = readJsonFile(file);
  if (!isRecord(parsed)) throw new UserError('lora.init_from: the adapter config is not a JSON object', file);
  const a = parsed;
  // the projections the adapter's target_modules name: "q_proj", or a module by its full name (an adapter that
  // covers part of the model, as saveAdapter writes it), "model.layers.3.self_attn.q_proj"
  // (an entry that is none, "lm_head", is refused here as the adapter loader refuses it, naming adapter_config.json's key)
  const projection = (m: unknown): string => {
    const p = PROJECTIONS.find((q) => m === q || String(m).endsWith(`.${q}`));
    if (p === undefined) throw new UserError(`target_modules: ${namesNoProjection(String(m))}`, file);
    return p;
  };
  const projections = Array.isArray(a.target_modules) ? [...new Set((a.target_modules as unknown[]).map(projection))].sort() : null;
  const theirs = { r: a.r, alpha: a.lora_alpha, target_modules: projections ?? a.target_modules, use_dora: a.use_dora === true };
  for (const [key, value] of Object.entries(theirs)) {
    const given = getDotted(raw, `lora.${key}`);
    if (given === undefined) continue;
    const list = key === 'target_modules' && given === ALL_LINEAR ? [...PROJECTIONS] : given;
    const ours = key === 'target_modules' && Array.isArray(list) ? [...(list as string[])].sort() : list;
    if (JSON.stringify(ours) !== JSON.stringify(value)) {
      throw new UserError(`lora.${key} is ${JSON.stringify(given)} but the adapter in lora.init_from has ${JSON.stringify(value)}: remove lora.${key} (the adapter's config wins)`, file);
    }
  }
  const merged = {
    ...cfg.lora,
    r: typeof a.r === 'number' ? a.r : cfg.lora.r,
    alpha: typeof a.lora_alpha === 'number' ? a.lora_alpha : cfg.lora.alpha,
    dropout: typeof a.lora_dropout === 'number' ? a.lora_dropout : cfg.lora.dropout,
    use_rslora: a.use_rslora === true,
    use_dora: a.use_dora === true,
    target_modules: projections ?? cfg.lora.target_modules,
  };
  return validate({ ...cfg, lora: merged }, file);
}

/** Where a config key path was written (`file:line:column`), or one place for every key (a file, "command line"). */
export type Place = string | ((key: string) => string);

/** A YAML file that holds a mapping (a config); errors name the file. */
export function readYamlMapping(file: string): Record<string, unknown> {
  return readYamlConfig(file).mapping;
}

/**
 * A YAML config's mapping, and the place of each key path in it: the file:line:column of the key (of the list
 * item, for `lora.target_modules.1`), else of the nearest key above it that is written, else the file.
 */
export function readYamlConfig(file: string): { mapping: Record<string, unknown>; place: (key: string) => string } {
  // a FIFO or folder in the config's place is a one-line error, never a read that blocks forever; a carriage return
  // alone ends a line in YAML (classic Mac line ends), where the parser would read `max_steps: 2\r` as the string "2\r";
  // UTF-16 and bytes that are not UTF-8 are refused where they are (a Latin-1 "café" became the path "caf\uFFFD")
  const lines = [...readLines(file, undefined, undefined, true)];
  const defective = lines.find((l) => l.defect !== undefined);
  if (defective !== undefined) {
    const what = defective.defect!.kind === 'binary' ? 'a NUL byte: this is not a text file' : 'bytes that are not UTF-8: save the config as UTF-8';
    throw new UserError(what, `${file}:${defective.lineNo}:${defective.defect!.char + 1}`);
  }
  const text = lines.map((l) => l.text).join('\n');
  let doc: unknown;
  let place = (_key: string): string => file;
  try {
    // a warning (a tag it cannot resolve, !!js/function) is refused as an error: YAML.parse would print it on
    // stderr over several lines and read the value as a plain string
    const lineCounter = new YAML.LineCounter();
    const parsed = YAML.parseDocument(text, { prettyErrors: true, lineCounter });
    const problem = parsed.errors[0] ?? parsed.warnings[0];
    if (problem) throw problem;
    const odd = firstNonPlain(parsed);
    if (odd) throw new UserError(odd.what, `${file}:${lineCounter.linePos(odd.offset).line}:${lineCounter.linePos(odd.offset).col}`);
    doc = parsed.toJS();
    place = (key) => {
      const offset = keyOffset(parsed, key);
      if (offset === null) return file;
      const { line, col } = lineCounter.linePos(offset);
      return `${file}:${line}:${col}`;
    };
  } catch (e) {
    if (e instanceof UserError) throw e;
    // one line: the parser's first line (without its "at line L, column C:" tail) at file:line:column
    const pos = (e as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    const first = (e as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
      // the library's advice is for its callers: a config is one document
      .replace(/^Source contains multiple documents; please use YAML\.parseAllDocuments\(\)$/, 'a config is one YAML document, but "---" starts a second one here');
    throw new UserError(`invalid YAML: ${first}${dataFileHint(file)}`, pos ? `${file}:${pos.line}:${pos.col}` : file);
  }
  if (doc !== null && doc !== undefined && (typeof doc !== 'object' || Array.isArray(doc))) {
    throw new UserError(`the config must be a YAML mapping of keys to values${dataFileHint(file)}`, file);
  }
  return { mapping: (doc ?? {}) as Record<string, unknown>, place };
}

/** The text offset of the dotted key path's deepest part written in `doc` (through aliases), or null for none. */
function keyOffset(doc: YAML.Document, key: string): number | null {
  let node: unknown = doc.contents;
  let offset: number | null = null;
  for (const part of key.split('.')) {
    if (YAML.isAlias(node)) node = node.resolve(doc);
    let at: YAML.Node | undefined;
    if (YAML.isMap(node)) {
      const pair = node.items.find((p) => YAML.isScalar(p.key) && String(p.key.value) === part);
      at = pair?.key as YAML.Scalar | undefined;
      node = pair?.value;
    } else if (YAML.isSeq(node) && /^\d+$/.test(part)) {
      node = node.items[Number(part)];
      at = YAML.isNode(node) ? node : undefined;
    }
    if (at?.range === undefined || at.range === null) break;
    offset = at.range[0];
  }
  return offset;
}

/** For a config file named as data (`train prepared/train.jsonl`): what to give instead; else ''. */
function dataFileHint(file: string): string {
  return /\.(jsonl|ndjson|json|csv|tsv)$/i.test(file) ? ` (a data file? train takes a YAML config; data goes in data.train, e.g. --data.train ${file})` : '';
}

/**
 * A CLI override's value as YAML would read it: numbers, booleans, null, lists, else a string; not-plain YAML, and a
 * comment or line break YAML would drop or fold unseen, are blamed on `--key`.
 */
function parseOverride(key: string, value: string): unknown {
  const parsed = YAML.parseDocument(value);
  if (parsed.errors.length > 0 || parsed.warnings.length > 0) return value;
  const changed = silentlyChanged(value, parsed);
  if (changed) throw new UserError(changed, `--${key}`);
  const odd = firstNonPlain(parsed);
  if (odd) throw new UserError(odd.what, `--${key}`);
  const v: unknown = parsed.toJS();
  return v === undefined ? value : v;
}

/** A path key's value read from `base` (the config's folder, or the cwd for a flag); `where` is blamed for a `~` or `$HOME` in it. */
function resolvePathKey(raw: Record<string, unknown>, key: string, base: string, where: string): void {
  const v = getDotted(raw, key);
  if (typeof v !== 'string' || v.length === 0) return;
  const unexpanded = unexpandedPath(v, base);
  if (unexpanded !== null) throw new UserError(`${key}: ${unexpanded}`, where);
  setDotted(raw, key, path.resolve(base, v));
}

/** Own properties only: a key path never walks into a prototype. */
function getDotted(obj: Record<string, unknown>, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Sets own data properties (defineProperty: even a key named __proto__ could not reach the prototype). */
function setDotted(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  const own = (o: Record<string, unknown>, k: string, v: unknown): void => {
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  };
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = Object.hasOwn(cur, part) ? cur[part] : undefined;
    if (typeof next !== 'object' || next === null || Array.isArray(next)) own(cur, part, {});
    cur = cur[part] as Record<string, unknown>;
  }
  own(cur, parts[parts.length - 1]!, value);
}

/**
 * Validates with the schema; errors name the key path, with a did-you-mean for unknown keys, and are
 * blamed on the override flag (`--lora.r`) that set the key, else on `where` (the file, or the key's file:line:column).
 */
export function validate(raw: unknown, where: Place, overridden: readonly string[] = []): TrainConfig {
  const blame = (key: string): string => {
    const flag = overridden.find((o) => key === o || key.startsWith(`${o}.`) || o.startsWith(`${key}.`));
    return flag !== undefined ? `--${flag}` : typeof where === 'string' ? where : where(key);
  };
  const r = TrainConfigSchema.safeParse(withEmptySections(raw));
  if (!r.success) {
    const found = r.error.issues.flatMap(unionBranch).flatMap((issue) => {
      const at = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => {
          const full = at ? `${at}.${k}` : k;
          if (k === '<<') return { key: full, text: `unknown key "${full}": YAML merge keys (<<: *anchor) are not read; write the keys themselves (an alias, *anchor, as a value is read)` };
          const note = NO_COUNTERPART.get(full) ?? NO_COUNTERPART.get(k.toLowerCase());
          if (note !== undefined) return { key: full, text: `unknown key "${full}": ${note}` };
          const hint = suggestKey(k, issue.path.map(String));
          return { key: full, text: `unknown key "${full}"${hint ? ` (did you mean "${hint}"?)` : ''}` };
        });
      }
      const value = getDotted(raw as Record<string, unknown>, at);
      // a required key left out: zod's "expected string, received undefined" says what it is instead
      if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) return [{ key: at, text: `${at}: missing (${schemaAt(at.split('.'))?.description ?? issue.message})` }];
      return [{ key: at, text: `${at || '(root)'}: ${issue.message}${valueHint(at, value)}` }];
    });
    const first = blame(found[0]!.key);
    const messages = found.map((f) => (blame(f.key) === first ? f.text : `${blame(f.key)}: ${f.text}`));
    throw new UserError(messages.join('; '), first);
  }
  const cfg = r.data;
  if (cfg.task === 'classification' && !cfg.labels) {
    throw new UserError('labels: classification needs the list of class names (or data.train from mistral-tune prepare, whose report.json beside it has them)', blame('labels'));
  }
  if (cfg.group_by_length && !cfg.shuffle) throw new UserError('group_by_length: needs shuffle: true (file order has no grouping)', blame('group_by_length'));
  return cfg;
}

/**
 * `raw` with a section left empty in YAML (`lora:` with every key under it commented out, which YAML reads as null)
 * as an empty mapping: its keys take their defaults, as when the section is left out.
 */
function withEmptySections(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const sections = Object.keys(raw).filter((k) => raw[k] === null && !(schemaAt([k]) instanceof z.ZodUnion) && objectShape(schemaAt([k]) ?? z.never()) !== null);
  return sections.length === 0 ? raw : { ...raw, ...Object.fromEntries(sections.map((k) => [k, {}])) };
}

/**
 * An invalid_union issue as the issues of the branch the value was meant for (the one whose type it has,
 * e.g. the mapping of `model: {config, init}`), with full paths, so that its keys get a did-you-mean;
 * the union's own message when no branch or several match.
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const typed = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0));
  if (typed.length !== 1) return [issue];
  return typed[0]!.map((sub) => ({ ...sub, path: [...issue.path, ...sub.path] })).flatMap(unionBranch);
}

/**
 * What YAML made of a value that the schema refused, when that is likely not what was meant: `yes`, `on` (YAML 1.1
 * booleans, strings in YAML 1.2), a quoted number, part of an epoch; else ''.
 */
function valueHint(key: string, value: unknown): string {
  if (value === null) {
    const declared = schemaAt(key.split('.'));
    const dflt = declared instanceof z.ZodDefault ? (declared.parse(undefined) as unknown) : undefined;
    return ` (an empty value is null in YAML: write a value${dflt === undefined ? '' : `, or leave the key out for its default ${JSON.stringify(dflt)}`})`;
  }
  if (typeof value === 'string' && /^(y|yes|n|no|on|off|true|false)$/i.test(value) && valueSchema(key) instanceof z.ZodBoolean) {
    return ` (write true or false: YAML reads ${JSON.stringify(value)} as a string)`;
  }
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) && valueSchema(key) instanceof z.ZodNumber) {
    return ` (write it without quotes: YAML reads ${JSON.stringify(value)} as a string)`;
  }
  const schema = valueSchema(key);
  if (typeof value === 'string' && (schema instanceof z.ZodArray || schema instanceof z.ZodTuple)) {
    return ` (a list: write [${value.split(',').map((v) => v.trim()).join(', ')}])`;
  }
  const named = typeof value === 'string' ? VALUE_NAMES.get(`${key}=${value.toLowerCase()}`) : undefined;
  if (named !== undefined) return ` (${named})`;
  const off = OFF_AS_NULL.get(key);
  if (off !== undefined && off.values.includes(value as number)) return ` (${off.hint})`;
  if (key === 'epochs' && typeof value === 'number' && value > 0 && !Number.isInteger(value)) {
    return ` (whole passes over the data; for part of one, set max_steps, which wins over epochs)`;
  }
  return '';
}

/** Values other tools use for a key's values here (`key=value`, lowercase): what to write instead. */
const VALUE_NAMES: ReadonlyMap<string, string> = new Map(Object.entries({
  'task=causal_lm': "PEFT's CAUSAL_LM is task: generation", 'task=seq_cls': "PEFT's SEQ_CLS is task: classification",
  'precision=fp16': 'fp16 is not offered: bf16 or fp32', 'precision=float16': 'fp16 is not offered: bf16 or fp32',
  'precision=bfloat16': 'write bf16', 'precision=float32': 'write fp32', 'device=gpu': 'write cuda', 'method=qlora': 'quantized base weights (QLoRA) are not offered: lora, with precision: bf16',
}));

/** Keys where other tools (and habit) write 0 or -1 for "off", which here is null. */
const OFF_AS_NULL: ReadonlyMap<string, { values: number[]; hint: string }> = new Map(Object.entries({
  grad_clip: { values: [0], hint: "null turns clipping off, as transformers' max_grad_norm 0 does" },
  max_steps: { values: [0, -1], hint: "null lets epochs decide, as transformers' max_steps -1 does" },
  'checkpoint.every_steps': { values: [0], hint: 'null turns checkpoints off' },
  'early_stopping.patience': { values: [0], hint: 'null turns early stopping off' },
}));

/** The schema of the value at a dotted key path, defaults and nullables unwrapped, or null. */
function valueSchema(key: string): z.ZodType | null {
  let schema = schemaAt(key.split('.'));
  while (schema instanceof z.ZodDefault || schema instanceof z.ZodNullable) schema = schema.unwrap() as z.ZodType;
  return schema;
}

/** Names other tools use for our keys (HF TrainingArguments, PEFT's LoraConfig). */
const ALIASES: ReadonlyMap<string, string> = new Map(Object.entries({
  rank: 'lora.r', lora_r: 'lora.r', lora_alpha: 'lora.alpha', lora_dropout: 'lora.dropout', target_modules: 'lora.target_modules',
  learning_rate: 'optimizer.lr', lr: 'optimizer.lr', weight_decay: 'optimizer.weight_decay', adam_epsilon: 'optimizer.eps',
  warmup_steps: 'schedule.warmup_steps', lr_scheduler_type: 'schedule.type', num_train_epochs: 'epochs',
  gradient_accumulation_steps: 'grad_accum', per_device_train_batch_size: 'batch_size', max_grad_norm: 'grad_clip',
  max_seq_length: 'max_seq_len', max_length: 'max_seq_len', eval_steps: 'eval.every_steps', save_steps: 'checkpoint.every_steps',
  save_total_limit: 'checkpoint.keep', model_name_or_path: 'model', warmup_ratio: 'schedule.warmup_steps',
  gradient_checkpointing: 'activation_checkpointing', bf16: 'precision', per_device_eval_batch_size: 'eval.batch_size',
  adam_beta1: 'optimizer.betas', adam_beta2: 'optimizer.betas', early_stopping_threshold: 'early_stopping.min_delta', data_seed: 'seed',
  train_batch_size: 'batch_size', eval_batch_size: 'eval.batch_size', lora_rank: 'lora.r',
  // axolotl's names
  base_model: 'model', micro_batch_size: 'batch_size', num_epochs: 'epochs', sequence_len: 'max_seq_len', lora_target_modules: 'lora.target_modules',
  early_stopping_patience: 'early_stopping.patience', use_gradient_checkpointing: 'activation_checkpointing', adapter: 'method', datasets: 'data.train',
}));

/**
 * Keys of HF TrainingArguments, PEFT's LoraConfig and axolotl that have no counterpart here (by full path, else by
 * name), and what to do instead: a did-you-mean would point to an unrelated key (bias → optimizer.betas).
 */
const NO_COUNTERPART: ReadonlyMap<string, string> = new Map(Object.entries({
  bias: "no bias is trained (PEFT's default, bias: none): leave it out",
  task_type: 'the task is the top-level key task: generation (CAUSAL_LM) or classification (SEQ_CLS)',
  modules_to_save: 'a classification run trains and saves its score head itself: leave it out',
  fan_in_fan_out: "Mistral's projections are Linear layers, not Conv1D: leave it out",
  init_lora_weights: "a new adapter starts as PEFT's default (A Kaiming-uniform, B zero); lora.init_from continues a trained one",
  layers_to_transform: 'every decoder layer is adapted (lora.target_modules chooses the projections)',
  layers_pattern: 'every decoder layer is adapted (lora.target_modules chooses the projections)',
  rank_pattern: 'every adapted projection has the one rank lora.r and lora.alpha',
  alpha_pattern: 'every adapted projection has the one rank lora.r and lora.alpha',
  optim: "the optimizer is torch's AdamW; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay",
  'optimizer.type': "the optimizer is torch's AdamW; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay",
  'optimizer.name': "the optimizer is torch's AdamW; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay",
  fp16: 'fp16 is not offered: precision: bf16 (auto chooses it on CUDA) or fp32',
  load_in_4bit: 'quantized base weights (QLoRA) are not offered: precision: bf16 stores them in bf16',
  load_in_8bit: 'quantized base weights (QLoRA) are not offered: precision: bf16 stores them in bf16',
  logging_steps: 'every optimizer step is logged in metrics.jsonl',
  eval_strategy: "evaluation runs every eval.every_steps steps, or at each epoch's end when that is null",
  evaluation_strategy: "evaluation runs every eval.every_steps steps, or at each epoch's end when that is null",
  save_strategy: 'a checkpoint is saved every checkpoint.every_steps steps (null: none)',
  load_best_model_at_end: 'best/ always holds the weights of the lowest val loss (with data.val)',
  metric_for_best_model: 'best/ and early_stopping follow the val loss',
  resume_from_checkpoint: 'continue a run with mistral-tune train RUN_DIR --resume',
  report_to: 'metrics go to metrics.jsonl in the run folder; mistral-tune dashboard shows them',
  val_set_size: 'split the data with mistral-tune prepare --split (its val.jsonl is data.val)',
}));

/** A known key path close to an unknown key `k` found under `at`: an alias, a sibling, or any key. */
function suggestKey(k: string, at: string[]): string | null {
  const prefix = at.length ? `${at.join('.')}.` : '';
  const alias = ALIASES.get(k.toLowerCase());
  if (alias && alias !== prefix + k) return alias;
  const sibling = didYouMean(k, knownKeys(at));
  if (sibling) return prefix + sibling;
  const leaves = documentedKeys().map((d) => d.key);
  const leaf = didYouMean(k, leaves.map((l) => l.split('.').pop()!));
  return leaf ? leaves.find((l) => l.split('.').pop() === leaf)! : null;
}

/** The key path nearest an unknown dotted one (`max_step` → max_steps, `learning_rate` → optimizer.lr), or null. */
export function nearestConfigKey(dotted: string): string | null {
  const parts = dotted.split('.');
  return suggestKey(parts[parts.length - 1]!, parts.slice(0, -1));
}

/** Whether `dotted` ("lora.r", "data") names a key of the config, at any depth. */
export function isConfigKey(dotted: string): boolean {
  const parts = dotted.split('.');
  return parts.every((part, i) => knownKeys(parts.slice(0, i)).includes(part));
}

/** The keys the schema accepts at a path (for did-you-mean). */
function knownKeys(at: string[]): string[] {
  const schema = schemaAt(at);
  return schema ? Object.keys(objectShape(schema) ?? {}) : [];
}

/** The schema of the key at a path (as declared: with its default), or null when the path is no key. */
function schemaAt(at: string[]): z.ZodType | null {
  let schema: z.ZodType = TrainConfigSchema;
  for (const part of at) {
    const shape = objectShape(schema);
    if (!shape || !Object.hasOwn(shape, part)) return null;
    schema = shape[part]!;
  }
  return schema;
}

function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  let s: z.ZodType = schema;
  // unwrap defaults / nullables to reach the object
  for (let i = 0; i < 4; i++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    if (s instanceof z.ZodUnion) {
      const obj = (s.options as z.ZodType[]).find((o) => o instanceof z.ZodObject);
      if (!obj) return null;
      s = obj;
      continue;
    }
    const inner = (s as unknown as { unwrap?: () => z.ZodType }).unwrap?.();
    if (!inner) break;
    s = inner;
  }
  return null;
}

/** The resolved config as YAML, for the run directory. */
export function configToYaml(cfg: TrainConfig): string {
  return YAML.stringify(cfg);
}

/** Every documented key path with its description, for the README and its test. */
export function documentedKeys(): Array<{ key: string; description: string }> {
  const out: Array<{ key: string; description: string }> = [];
  const walk = (schema: z.ZodType, prefix: string): void => {
    const shape = objectShape(schema);
    if (!shape) return;
    for (const [k, v] of Object.entries(shape)) {
      const key = prefix ? `${prefix}.${k}` : k;
      const sub = objectShape(v);
      // a union of a value and a mapping (model: PATH | {config, init}) documents both the key and its keys
      if (!sub || v instanceof z.ZodUnion) out.push({ key, description: v.description ?? '' });
      if (sub) walk(v, key);
    }
  };
  walk(TrainConfigSchema, '');
  return out;
}
