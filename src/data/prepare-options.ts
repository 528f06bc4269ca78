// prepare's options: their type, their defaults, the checks they pass before anything is read, and how report.json
// states them (prepare.ts).
import type { Tokenizer } from '../tokenizer/types.ts';
import { needArg, needPath, optionKeys, refuseMisspelledKeys } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS, optionIs, type OptionWords } from '../util/option-words.ts';
import type { Format, TextSplit } from './ingest/types.ts';
import { labelKey, type LabelValue } from './labels.ts';
import { DEFAULT_MAX_CHARS } from './char-limits.ts';
import { DEFAULT_FIELDS, type FieldMap, type Task } from './record.ts';
import type { PrepareReport } from './report.ts';

export type DedupMode = 'exact' | 'near' | 'none';

export interface PrepareOptions {
  /** Input files or folders; split into train/val/test. */
  inputs: string[];
  /** Files that are the val / test split as they are (cleaned and deduplicated, but not split). */
  val?: string[];
  test?: string[];
  outDir: string;
  tokenizer: Tokenizer;
  /** How report.json names the tokenizer (no absolute path). */
  tokenizerName?: string;
  task?: Task;
  /** Shares of train, val, test (default 0.8, 0.1, 0.1). */
  split?: [number, number, number];
  seed?: number;
  dedup?: DedupMode;
  /** Jaccard similarity of 5-gram shingles at or above which a record is a near duplicate (default 0.8). */
  nearThreshold?: number;
  /** Reader for every input (default: by extension). */
  format?: Format;
  textSplit?: TextSplit;
  fields?: Partial<FieldMap>;
  minChars?: number;
  /** Keep records whose text field is a placeholder ("nan", "None", "[deleted]": placeholder.ts) instead of rejecting them. */
  keepPlaceholders?: boolean;
  /** Remove HTML tags and decode character references in text fields (html.ts); else records holding some are counted. */
  stripHtml?: boolean;
  maxChars?: number;
  minTokens?: number;
  maxTokens?: number;
  /** Replace output files in --out that no earlier prepare run made (default: refuse). */
  overwrite?: boolean;
  /** Records over --max-tokens: rejected as too_long (default) or kept, to be truncated by the trainer. */
  overflow?: 'reject' | 'truncate';
  /** Classification: the classes in index order; other labels are rejected as unknown_label. */
  labels?: LabelValue[];
  /** With named `labels`: the integer each class is written as in the data (`--labels 1=World,…`), in place of its index. */
  labelCodes?: number[];
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

export interface PrepareResult {
  report: PrepareReport;
  summary: string;
}

export const DEFAULTS = { task: 'generation' as Task, split: [0.8, 0.1, 0.1] as [number, number, number], seed: 0, dedup: 'near' as DedupMode, nearThreshold: 0.8, maxChars: DEFAULT_MAX_CHARS };

/**
 * Throws unless `opts` is an object whose inputs, val, test (lists of paths, none ""), outDir and tokenizer are given as
 * prepare needs them, or where one of its keys is a misspelt option ({minToken: 5} was ignored without a word).
 */
export function needPrepareOptions(opts: PrepareOptions): void {
  needArg('prepare', 'options', opts, 'object');
  refuseMisspelledKeys('prepare', 'options', opts, optionKeys<PrepareOptions>()(['inputs', 'val', 'test', 'outDir', 'tokenizer', 'tokenizerName', 'task',
    'split', 'seed', 'dedup', 'nearThreshold', 'format', 'textSplit', 'fields', 'minChars', 'keepPlaceholders', 'stripHtml', 'maxChars', 'minTokens',
    'maxTokens', 'overwrite', 'overflow', 'labels', 'labelCodes', 'onProgress']), { out: 'write options.outDir', output: 'write options.outDir', input: 'write options.inputs' });
  needArg('prepare', 'options.inputs', opts.inputs, 'string[]', { hint: 'a list of input files' });
  for (const key of ['inputs', 'val', 'test'] as const) {
    if (key !== 'inputs' && opts[key] != null) needArg('prepare', `options.${key}`, opts[key], 'string[]', { hint: `a list of ${key} files` });
    (opts[key] ?? []).forEach((f, i) => needPath('prepare', `options.${key}[${i}]`, f, 'path', 'a data file or folder'));
  }
  needPath('prepare', 'options.outDir', opts.outDir, 'folder', 'the folder to write train/val/test.jsonl in');
  needArg('prepare', 'options.tokenizer', opts.tokenizer, 'object', { hint: 'loadTokenizer(folder)' });
}

/**
 * Throws when `split` (written `given`) gives train no share: train.jsonl would be empty, which train refuses, so the
 * run would prepare nothing to train on (the CLI checks it before the tokenizer loads, prepare again for a library caller).
 * With both --val and --test files (`bothFiles`) the shares are not used: every input record trains.
 */
export function refuseNoTrainShare(split: readonly number[], given: string, bothFiles: boolean, words: OptionWords = FLAG_WORDS): void {
  if (split[0] === 0 && !bothFiles) {
    throw new UserError(`${words.say('split')} ${given} gives train no share: train.jsonl would be empty, and train refuses an empty one ("no training examples"); give train a share, like 0.8,0.1,0.1`, words.where);
  }
}

/**
 * Throws for an option that another leaves nothing to do (it would change nothing, unseen): --labels without
 * classification, --near-threshold without --dedup near, --overflow without --max-tokens. The CLI checks them before
 * the tokenizer loads, prepare again for a library caller.
 */
export function refuseUnusedOptions(opts: Pick<PrepareOptions, 'labels' | 'task' | 'nearThreshold' | 'dedup' | 'overflow' | 'maxTokens'>, words: OptionWords = FLAG_WORDS): void {
  const say = words.say, at = words.where;
  if (opts.labels && (opts.task ?? DEFAULTS.task) !== 'classification') throw new UserError(`${say('labels')} needs ${optionIs(words, 'task', 'classification')}`, at);
  const dedup = opts.dedup ?? DEFAULTS.dedup;
  if (opts.nearThreshold !== undefined && dedup !== 'near') throw new UserError(`${say('nearThreshold')} needs ${optionIs(words, 'dedup', 'near')} (the default): ${optionIs(words, 'dedup', dedup)} looks for no near duplicate`, at);
  if (opts.overflow !== undefined && opts.maxTokens === undefined) throw new UserError(`${say('overflow')} needs ${say('maxTokens')}: it says what becomes of a record longer than that, and without it no record is`, at);
}

export function validateOptions(opts: PrepareOptions, split: readonly number[], nearThreshold: number, words: OptionWords): void {
  const say = words.say, at = words.where;
  if (opts.inputs.length === 0) throw new UserError(`no ${say('inputs')} files given`, at);
  // numbers, for a caller in plain JavaScript: shares written as strings added up as text and put every record in train
  if (!Array.isArray(split) || split.length !== 3 || split.some((x) => typeof x !== 'number' || !(x >= 0)) || !(Math.abs(split.reduce((a, b) => a + b, 0) - 1) <= 1e-6)) {
    const got = Array.isArray(split) ? split.map((x) => (typeof x === 'number' ? String(x) : JSON.stringify(x))).join(',') : JSON.stringify(split);
    throw new UserError(`${say('split')} must be three shares ≥ 0 that add up to 1 (train,val,test), got ${got}`, at);
  }
  refuseNoTrainShare(split, split.join(','), (opts.val ?? []).length > 0 && (opts.test ?? []).length > 0, words);
  if (typeof nearThreshold !== 'number' || !(nearThreshold > 0 && nearThreshold <= 1)) throw new UserError(`${say('nearThreshold')} must be a number in (0, 1], got ${JSON.stringify(nearThreshold)}`, at);
  for (const [k, v] of Object.entries({ minChars: opts.minChars, maxChars: opts.maxChars, minTokens: opts.minTokens, maxTokens: opts.maxTokens })) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) throw new UserError(`${say(k)} must be an integer ≥ 0, got ${v}`, at);
  }
  // the CLI refuses --seed 1e300; a library call wrote it into report.json as given
  if (opts.seed !== undefined && !(Number.isSafeInteger(opts.seed) && opts.seed >= 0)) throw new UserError(`${say('seed')} must be an integer ≥ 0, got ${opts.seed}`, at);
  for (const [lo, hi, name] of [[opts.minChars, opts.maxChars, 'Chars'], [opts.minTokens, opts.maxTokens, 'Tokens']] as const) {
    if (lo !== undefined && hi !== undefined && lo > hi) throw new UserError(`${say(`min${name}`)} ${lo} is more than ${say(`max${name}`)} ${hi}: every record would be rejected`, at);
  }
  refuseUnusedOptions(opts, words);
  if (opts.labels && opts.labels.length < 2) throw new UserError(`${say('labels')} needs at least two classes`, at);
  if (opts.labels) {
    const seen = new Set<string>();
    for (const l of opts.labels) {
      if (seen.has(labelKey(l))) throw new UserError(`${say('labels')} lists the class ${JSON.stringify(l)} twice`, at);
      seen.add(labelKey(l));
    }
  }
  // the CLI's --labels 1=World,… gives well-formed codes; a library call's are checked here, in its words (the class list would say "labelCodes")
  if (opts.labelCodes) {
    if (!opts.labels) throw new UserError(`${say('labelCodes')} needs ${say('labels')}: the class names the integers stand for`, at);
    if (opts.labelCodes.length !== opts.labels.length || !opts.labelCodes.every(Number.isSafeInteger) || opts.labels.some((l) => typeof l !== 'string')) {
      throw new UserError(`${say('labelCodes')} needs one integer per class name (a string) in ${say('labels')}, in the same order`, at);
    }
    const dup = opts.labelCodes.find((c, i) => opts.labelCodes!.indexOf(c) !== i);
    if (dup !== undefined) throw new UserError(`${say('labelCodes')} lists the integer ${dup} twice`, at);
  }
}

export function reportOptions(opts: PrepareOptions, r: { task: Task; split: number[]; seed: number; dedup: DedupMode; nearThreshold: number; fields: FieldMap; overflow: string }): Record<string, unknown> {
  const o: Record<string, unknown> = { task: r.task, split: r.split, seed: r.seed, dedup: r.dedup };
  if (r.dedup === 'near') o.near_threshold = r.nearThreshold;
  const remapped = Object.fromEntries(Object.entries(r.fields).filter(([k, v]) => DEFAULT_FIELDS[k as keyof FieldMap] !== v));
  if (Object.keys(remapped).length) o.fields = remapped;
  if (opts.format) o.format = opts.format;
  if (opts.textSplit) o.text_split = opts.textSplit;
  for (const [k, v] of [['min_chars', opts.minChars], ['max_chars', opts.maxChars ?? DEFAULTS.maxChars], ['min_tokens', opts.minTokens], ['max_tokens', opts.maxTokens]] as const) {
    if (v !== undefined) o[k] = v;
  }
  if (opts.maxTokens !== undefined) o.overflow = r.overflow;
  if (opts.keepPlaceholders) o.keep_placeholders = true;
  if (opts.stripHtml) o.strip_html = true;
  if (opts.labelCodes) o.label_map = Object.fromEntries(opts.labelCodes.map((c, i) => [String(c), opts.labels![i]]));
  o.tokenizer = { name: opts.tokenizerName ?? 'custom', vocab_size: opts.tokenizer.vocabSize };
  return o;
}
