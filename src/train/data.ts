// The trainer's data: each split file (a prepare output, any raw file and shape prepare accepts, or
// pre-tokenized JSONL) tokenized with the model's tokenizer and the config's masking and length policy.
import { loadTokenRows, markedNoneWhy, type LoadedRows } from '../data/load-rows.ts';
import { maxSeqLenLimit, type MaxSeqLenGiven } from '../data/tokenize.ts';
import { readClassNames, type LabelValue } from '../data/labels.ts';
import { otherTask } from '../data/record.ts';
import type { TokenRow } from '../data/batch.ts';
import { requireTargets } from '../eval/evaluate.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { UserError } from '../util/errors.ts';
import { info, warn } from '../util/log.ts';
import type { OptionWords } from '../util/option-words.ts';
import type { TrainConfig } from './config.ts';

/**
 * The jq program that turns tool calls' arguments given as JSON text into objects: arguments that are objects already
 * are left as they are (fromjson refuses an object: jq stopped, exit 5, on a file that mixes both forms), and so is a
 * record without messages (a prompt/completion one beside the chats: `.messages |= map(…)` stopped jq, "Cannot iterate
 * over null") or a call without function.arguments (not given one).
 */
export const ARGUMENTS_AS_OBJECTS = 'if (.messages | type) == "array" then .messages |= map(if (.tool_calls | type) == "array" then ' +
  '.tool_calls |= map(if (.function.arguments | type) == "string" then .function.arguments |= fromjson else . end) else . end) else . end';

/**
 * ARGUMENTS_AS_OBJECTS as the warning of argumentsAsText gives it: run only by a jq that keeps numbers as written
 * (have_literal_numbers: jq 1.7 and later, built with decNumber). jq 1.6 reads every number as a double and wrote
 * {"lat": 1.0} as {"lat":1}, which the template renders 1 where transformers renders 1.0 (a float, as json.loads reads
 * the text), and an int past 2**53 rounded; jq 1.6 stops at the unknown builtin instead, writing nothing.
 */
export const ARGUMENTS_AS_OBJECTS_JQ = 'if have_literal_numbers then . else error("this jq writes 1.0 as 1 (numbers as doubles): ' +
  `use jq 1.7 or later, built with decNumber") end | ${ARGUMENTS_AS_OBJECTS}`;

/** "1 chat", "3 chats". */
const chats = (n: number): string => `${n} chat${n === 1 ? '' : 's'}`;

export interface SplitContext {
  cfg: TrainConfig;
  /** The model's tokenizer, or null when its vocabulary does not fit the model (pre-tokenized data only). */
  tokenizer: Tokenizer | null;
  vocabSize: number;
  /** Said with a record of the other task (wrongTaskFix), or null where the run cannot switch. */
  wrongTaskFix?: string | null;
  /** Said with a label that is not one of the config's classes (unknownLabelFix). */
  unknownLabelFix?: string;
  /** How an error in a data file names prepare's options (LoadRowsOptions.words). */
  words?: OptionWords;
  /** Told each split's load stats (its `key`, data.train …), for report.json's count of what loading cut or left out. */
  onLoaded?: (key: string, stats: LoadedRows['stats']) => void;
}

/**
 * The config change that reads a record of the other task, or null where the run would refuse it: a resumed run
 * (its config is fixed), a model without an LM head or a classification adapter to continue (generation).
 */
export function wrongTaskFix(cfg: TrainConfig, can: { resuming: boolean; generation: boolean }): string | null {
  const other = otherTask(cfg.task);
  if (can.resuming || (other === 'generation' && !can.generation)) return null;
  // packing cannot go with classification (setup refuses it), so the fix turns it off too
  return `set task: ${other}${other === 'classification' && cfg.packing ? ' and packing: false' : ''}`;
}

/**
 * What to do about a record's label that is not one of the run's classes: fix the data, or (a new run) its labels:
 * key, at `place` where the config's keys have places.
 */
export function unknownLabelFix(resuming: boolean, place?: (key: string) => string): string {
  if (resuming) return 'fix the data: a resumed run keeps the classes it was started with';
  return `fix the data, or set labels: in the config to its classes${place ? `, at ${place('labels')}` : ''}`;
}

export function loadSplit(file: string, key: string, ctx: SplitContext): TokenRow[] {
  const { cfg } = ctx;
  const classes: LabelValue[] | undefined = cfg.labels ? classesFor(cfg.labels) : undefined;
  const r = loadTokenRows(file, {
    tokenizer: ctx.tokenizer, vocabSize: ctx.vocabSize, task: cfg.task, labels: classes,
    trainOn: cfg.data.train_on, maxSeqLen: cfg.max_seq_len, maxSeqLenName: 'max_seq_len', overflow: cfg.overflow, wrongTaskFix: ctx.wrongTaskFix, unknownLabelFix: ctx.unknownLabelFix, words: ctx.words,
    onNote: (note) => warn(`${key}: ${file}: ${note}`), formatFlag: false,
  });
  ctx.onLoaded?.(key, r.stats);
  const notes = loadNotes(r.stats, cfg.max_seq_len);
  const cut = truncationWarning(r.stats, { maxSeqLen: cfg.max_seq_len, maxSeqLenName: 'max_seq_len' });
  if (cut) warn(`${key}: ${file}: ${cut}`);
  const edited = editedSplitWarning(file, r.stats);
  if (edited) warn(`${key}: ${edited}`);
  if (r.stats.systemUnrendered > 0) {
    warn(`${key}: ${chats(r.stats.systemUnrendered)} of ${file} ${r.stats.systemUnrendered === 1 ? 'is' : 'are'} trained without their system message: the model's chat template does not render it (Mistral v0.3's puts it in the last user turn only, so in no chat that ends with an assistant turn); to keep it, write it at the start of the last user message, where mistral-common puts it`);
  }
  if (r.stats.argumentsAsText > 0) {
    warn(`${key}: ${chats(r.stats.argumentsAsText)} of ${file} ${r.stats.argumentsAsText === 1 ? 'gives' : 'give'} a tool call's arguments as JSON text, which the model's chat template writes as a JSON string ("arguments": "{\\"city\\": …}"), as transformers does; Mistral's models write arguments as an object: to train that form, give them as objects in the input and prepare it again (with jq 1.7 or later, which keeps 1.0 as written where jq 1.6 writes 1: jq -c '${ARGUMENTS_AS_OBJECTS_JQ}' IN.jsonl > OUT.jsonl)`);
  }
  if (cfg.task === 'generation') requireTargets(r.rows, `${key}: ${file}`, key === 'data.train' ? 'train' : 'evaluate');
  info(`${key}: ${r.rows.length} example${r.rows.length === 1 ? '' : 's'}, ${r.stats.tokens.toLocaleString('en')} tokens${notes.length ? ` (${notes.join('; ')})` : ''} from ${file}`);
  return r.rows;
}

/**
 * The warning for a prepare output whose record count is not its report.json's (train and eval say it alike), or null
 * where they agree or the file is no prepare output.
 */
export function editedSplitWarning(file: string, stats: LoadedRows['stats']): string | null {
  if (stats.reported === null || stats.reported === stats.records) return null;
  return `${file} holds ${stats.records} records where the prepare report.json beside it says ${stats.reported}: the file was edited, or the splits come from different prepare runs (one stopped while it renamed its outputs); rerun mistral-tune prepare to be sure no val/test record is also in train`;
}

/**
 * What loading a file did beyond reading it — rows truncated, records dropped, chats read without some
 * turns — as notes for its info line, so that train and eval say the same and drop nothing silently.
 */
export function loadNotes(stats: LoadedRows['stats'], maxSeqLen: number | undefined): string[] {
  const tooLong = stats.dropped - stats.fullyMasked, cut = stats.fullyMasked - stats.blocksMarkNone;
  return [
    stats.truncated ? `${stats.truncated} truncated to ${maxSeqLen} tokens` : '',
    // dropped for its length only with overflow: drop; any other dropped record had no target left (fullyMasked)
    tooLong ? `${tooLong} dropped (longer than ${maxSeqLen} tokens)` : '',
    cut ? `${cut} dropped (fully masked: no target token${maxSeqLen === undefined ? '' : ` left within ${maxSeqLen} tokens: the prompt or labels of -100 fill them`})` : '',
    stats.blocksMarkNone ? `${stats.blocksMarkNone} dropped (fully masked: ${markedNoneWhy(stats.blocksMarkNone)})` : '',
    stats.cutShort ? `${stats.cutShort} chats read without their assistant turns before the first user turn or user turns after the last assistant turn` : '',
  ].filter(Boolean);
}

/**
 * The warning for a file most of whose tokens truncation to `limit`'s maxSeqLen left out, or null: a few long rows cut is
 * usual (the info line counts them), but a plain-text file read whole is one example, of which a run trains (an eval
 * scores) only the start — where HF's load_dataset("text") reads a line an example. The limit is named as its user gave
 * it, as every message names it (maxSeqLenLimit: `the run's max_seq_len (32 tokens; --max-seq-len raises it)`).
 */
export function truncationWarning(stats: LoadedRows['stats'], limit: MaxSeqLenGiven): string | null {
  const total = stats.tokens + stats.cutTokens;
  if (limit.maxSeqLen === undefined || stats.cutTokens * 2 <= total) return null;
  const pct = Math.round((100 * stats.cutTokens) / total);
  const what = `${stats.cutTokens.toLocaleString('en')} of its ${total.toLocaleString('en')} tokens (${pct}%) are left out: ${stats.truncated} ${stats.truncated === 1 ? 'row is' : 'rows are'} cut to ${maxSeqLenLimit(limit)}`;
  return stats.wholeText
    ? `${what}, and a plain-text file is one example, whole: make examples of its paragraphs or lines with mistral-tune prepare --text-split blank-lines (or lines)`
    : `${what}: raise it, or split the rows`;
}

/** Class names as the data's labels are read (readClassNames); a name that is no class, or another's, is refused at `where` (where the names came from). */
export function classesFor(labels: readonly string[], where?: string): LabelValue[] {
  const r = readClassNames(labels);
  if ('problem' in r) throw new UserError(`labels: ${r.problem}`, where);
  return r.labels;
}
