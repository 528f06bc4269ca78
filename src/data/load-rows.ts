// loadTokenRows: the trainer's reader for data.train / data.val / data.test. It accepts a prepare output
// file, any raw file and shape that prepare reads, or pre-tokenized JSONL, and returns TokenRows built by
// tokenizeRecord. Raw records are validated, normalised and checked (record-checks.ts: a placeholder text such as
// "nan", a record over the default --max-chars) as prepare does, but not deduplicated or split; a record that prepare
// would reject stops the load with its file:line and reason, and so does a row whose token ids or class label fall
// outside the model (checkRow: vocabSize, numLabels). A CSV file read as
// JSON Lines is said to be one in that error (firstLinesHint).
import { needArg, needInteger, needOneOf, needPath } from '../util/api-args.ts';
import { shellPath } from '../util/shell-quote.ts';
import * as path from 'node:path';
import { DEFAULT_MAX_CHARS, maxRawCharsFor } from './char-limits.ts';
import { checkRow, countTargets, type TokenRow } from './batch.ts';
import { checkRecord } from './record-checks.ts';
import type { Tokenizer } from '../tokenizer/types.ts';
import { UserError, isUserError } from '../util/errors.ts';
import { libraryWords, optionIs, type OptionWords } from '../util/option-words.ts';
import { dataFileFormat, firstLinesHint, readRecords } from './ingest/read.ts';
import { notARecordError, withUnreadLists } from './ingest/json-layout.ts';
import { recordAt, recordPlace, type Format, type RecordAt, type TextSplit } from './ingest/types.ts';
import { LabelSet, classList, refuseOneBased, textColumnReading, NO_CLASS_LIST, type LabelValue } from './labels.ts';
import { LAYOUT_NAMES, type Layout } from './layouts.ts';
import { detectRecord, type DataRecord, type FieldMap, type Task } from './record.ts';
import { typedLabelCells } from './label-column.ts';
import { resolveFields } from './field-map.ts';
import { interruptedPrepare } from './prepare-pending.ts';
import { prepareReportBeside, reportClassNames, type PrepareReport } from './prepare-report.ts';
import { blocksTrainNone, maxSeqLenLimit, tokenizeRecord, type TokenizeOptions } from './tokenize.ts';

export interface LoadRowsOptions extends Omit<TokenizeOptions, 'labels' | 'fields'> {
  /** Needed unless every record is pre-tokenized. */
  tokenizer?: Tokenizer | null;
  task?: Task;
  /**
   * Classification: the classes in index order. Default: report.json's "labels" beside the file (a prepare
   * output), else classList() of the labels in the file — pass the train
   * result's `labels` when loading val/test so that indices agree.
   */
  labels?: readonly LabelValue[];
  /** With `labels`: the integer each class is written as in the data (`--labels 1=World,2=Sports`), in place of its index. */
  labelCodes?: readonly number[];
  /**
   * The command maps integer labels itself (eval's `--labels 1=World,…`): 1-based labels are refused saying to give that
   * flag, not to prepare the data again (train, which has no such mapping, says `mistral-tune prepare --labels 1=…`).
   */
  labelCodesFlag?: boolean;
  /** Classification: the classes the model's head scores; a record whose class index is not below it is refused. */
  numLabels?: number;
  /**
   * What makes a wrong_task record readable, said with its error ("use --task generation"); absent where the caller
   * can switch nothing (a resumed run cannot change its task, weights trained for one task cannot take the other): then
   * the error says to give data of this task.
   */
  wrongTaskFix?: string | null;
  fields?: Partial<FieldMap>;
  format?: Format;
  textSplit?: TextSplit;
  /** Told what the reader notes of the file (JSON Lines read as plain text, Python literals read as JSON). */
  onNote?: (note: string) => void;
  /** false where the command has no --format (ReadOptions.formatFlag). */
  formatFlag?: boolean;
  /**
   * How errors name the options that read, clean or label such a file (fields, format, maxChars, labels) and the tool
   * that cleans raw data: the CLI's flags and `mistral-tune prepare` (FLAG_WORDS: train's and eval's commands), or by
   * default a library call's, options.fields.text 'KEY' and prepare().
   */
  words?: OptionWords;
}

export interface LoadedRows {
  rows: TokenRow[];
  /** Classification: the class list the label indices refer to; null for generation. */
  labels: LabelValue[] | null;
  stats: {
    records: number;
    /** Rows cut to maxSeqLen. */
    truncated: number;
    /** Records dropped: longer than maxSeqLen with overflow 'drop', or nothing left to train after truncation. */
    dropped: number;
    /**
     * Of `dropped`: records left fully masked (TRL's word) by truncation to maxSeqLen: the prompt (a pre-tokenized
     * row: its labels of -100) fills the tokens kept, so no target is left. TRL 1.13 drops them too (SFTTrainer without packing: "Dropping fully masked examples").
     */
    fullyMasked: number;
    /**
     * Of `fullyMasked`: chats whose chat template's {% generation %} blocks mark none of their tokens (tokenize.ts
     * blocksTrainNone), whatever their length: nothing of them is trained (prepare rejects them as fully_masked).
     */
    blocksMarkNone: number;
    /** Σ input tokens of the rows. */
    tokens: number;
    /** Σ trained targets of the rows (generation). */
    targets: number;
    /** Chats whose system message the chat template does not render (tokenize.ts's systemUnrendered). */
    systemUnrendered: number;
    /** Chats with a tool call's arguments given as JSON text that the chat template writes as a string (tokenize.ts's argumentsAsText). */
    argumentsAsText: number;
    /** Chats read with turns left out: assistant turns before the first user turn, user turns after the last assistant turn. */
    cutShort: number;
    /** Tokens that truncation to maxSeqLen left out of the rows kept (truncationWarning says when they are most of the file). */
    cutTokens: number;
    /** The file was read as plain text, the whole file one record (no textSplit): truncation keeps only its start. */
    wholeText: boolean;
    /**
     * For a prepare output (train/val/test.jsonl beside its report.json), the records the report gives that split;
     * null otherwise. Another count than `records` means the file was edited, or comes from another prepare run
     * than the report (one stopped between the renames of its outputs).
     */
    reported: number | null;
  };
}

/** Why `n` chats that blocksTrainNone are dropped (train's and eval's load notes say it too). */
export function markedNoneWhy(n: number): string {
  const [its, it] = n === 1 ? ['its', 'it'] : ['their', 'them'];
  return `the chat template's {% generation %} blocks mark none of ${its} tokens, so nothing of ${it} is trained, as TRL's assistant_only_loss trains none; train_on: all trains every token`;
}

export function loadTokenRows(file: string, opts: LoadRowsOptions = {}): LoadedRows {
  needPath('loadTokenRows', 'file', file, 'file', 'the path of a .jsonl file');
  needArg('loadTokenRows', 'options', opts, 'object');
  // a value outside its set was taken as the default unseen (trainOn 'assistant_only' as 'assistant', overflow 'drop_long' as 'truncate')
  for (const [key, values] of [['task', ['generation', 'classification']], ['trainOn', ['assistant', 'all']], ['overflow', ['truncate', 'drop']]] as const) {
    if (opts[key] !== undefined) needOneOf('loadTokenRows', `options.${key}`, opts[key], values);
  }
  if (opts.maxSeqLen !== undefined) needInteger('loadTokenRows', 'options.maxSeqLen', opts.maxSeqLen, 1);
  const task = opts.task ?? 'generation', words = opts.words ?? libraryWords('loadTokenRows');
  const maxSeqLenName = opts.maxSeqLenName ?? words.say('maxSeqLen');
  const cleans = (detail: string): string => cleansWith(detail, file, words);
  const fields = resolveFields(opts.fields, words);
  const tok = opts.tokenizer ?? null;
  const interrupted = interruptedPrepare(path.dirname(file));
  if (interrupted !== null) {
    throw new UserError(`a prepare run was killed while it replaced the files of ${path.dirname(file)} (${interrupted}): ` +
      'its splits may mix two runs\' records; run that prepare again', file);
  }
  const report = prepareReportBeside(file);
  // the class list known before the records are read (given, or the report's) reads their labels: -1 or "None" may be a class
  const known = task === 'classification' ? knownLabels(opts, report) : null;
  // a record longer than prepare would have kept (its report's --max-chars, else the default) is refused unparsed
  const maxChars = (report !== null && !('error' in report) ? report.maxChars : null) ?? DEFAULT_MAX_CHARS;
  const rawLimits = { maxChars, maxCharsGiven: false, keepPlaceholders: false, words }; // special tokens: tokenizeRecord refuses them
  const format = dataFileFormat(file, opts.format, { formatFlag: opts.formatFlag, words });
  const reading = { textSplit: opts.textSplit, textField: fields.text, maxRawChars: maxRawCharsFor(maxChars), formatFlag: opts.formatFlag, words };
  const read = (quiet: boolean) => readRecords(file, format, quiet ? reading : { ...reading, onNote: opts.onNote });
  // a CSV label column is typed as pandas types it, by the whole column (label-column.ts)
  const items = task === 'classification' ? typedLabelCells(format, fields.label, read, known ?? undefined, opts.onNote, undefined, undefined, file) : read(false);
  // a record is tokenized as soon as it is read, so only its row stays in memory (a 2 GB train.jsonl's text held beside
  // the rows was gigabytes more), unless the class list comes from the file's labels: then every record waits for it
  const holdRecords = task === 'classification' && known === null;
  const held: Array<{ record: DataRecord; at: RecordAt; layout?: Layout }> = [];
  const wholeText = format === 'text' && (opts.textSplit ?? 'file') === 'file';
  const stats = { records: 0, truncated: 0, dropped: 0, fullyMasked: 0, blocksMarkNone: 0, tokens: 0, targets: 0, systemUnrendered: 0, argumentsAsText: 0, cutShort: 0, cutTokens: 0, wholeText, reported: reportedCount(file, report) };
  const rows: TokenRow[] = [];
  let labels: LabelSet | undefined = known ?? undefined;
  const ints = { max: -1, zero: false }; // the integer labels read (refuseOneBased)
  // the first record that cannot be made a row is thrown once every record is read, as when all were read first: a
  // bad line further on, or 1-based integer labels, are still the error said (a tokenizer's own error, not a
  // UserError, waits too, and is thrown as it is)
  let unmade = null as { error: unknown } | null; // (as: set inside addRow, which TypeScript does not follow)
  const addRow = (record: DataRecord, at: RecordAt, layout?: Layout): void => {
    if (unmade !== null) return;
    const where = recordPlace(file, at);
    let r;
    try {
      r = tokenizeRecord(record, tok, { ...opts, maxSeqLenName, labels, fields });
    } catch (e) {
      // a record of a common layout is named by its chat's messages: say how they were made
      unmade = { error: !isUserError(e) ? e : new UserError(layout ? `${e.message} (the record read as ${LAYOUT_NAMES[layout]})` : e.message, where) };
      return;
    }
    try {
      if (r.row) checkRow(r.row, { vocabSize: opts.vocabSize ?? tok?.vocabSize, numLabels: opts.numLabels }, where);
    } catch (e) {
      unmade = { error: e };
      return;
    }
    if (r.systemUnrendered) stats.systemUnrendered++;
    if (r.argumentsAsText) stats.argumentsAsText++;
    if (!r.row) {
      stats.dropped++;
      if (r.overflow !== 'dropped') stats.fullyMasked++; // not dropped for its length: truncation left it no target
      // or the template's blocks left it none, cut or not
      if (r.overflow !== 'dropped' && tok !== null && opts.trainOn !== 'all' && blocksTrainNone(record, tok, fields)) stats.blocksMarkNone++;
      return;
    }
    if (r.overflow === 'truncated') stats.truncated++; // of the rows kept
    stats.tokens += r.row.inputIds.length;
    stats.cutTokens += r.length - r.row.inputIds.length;
    if (r.row.labels) stats.targets += countTargets(r.row);
    rows.push(r.row);
  };
  for (const item of items) {
    const where = recordPlace(file, item); // with (record N) where the line holds others (a one-line JSON array)
    if (item.error) {
      // a CSV file named .jsonl: JSON.parse's message alone does not say so; the second line, read only now, tells
      const hint = stats.records === 0 ? firstLinesHint(item, items, format, { formatFlag: opts.formatFlag, words }) : null;
      throw new UserError(`${item.error.reason}: ${item.error.detail}${hint === null ? ` (${cleans(item.error.detail)})` : `; ${hint}`}`, where);
    }
    const reading = known ?? NO_CLASS_LIST;
    const det = detectRecord(item.value, task, fields, tok?.vocabSize ?? opts.vocabSize, item.labelAsText ? textColumnReading(reading) : reading, words);
    if ('reason' in det) {
      const notARecord = det.reason === 'unknown_shape' ? notARecordError(item, file) : null;
      if (notARecord !== null) throw notARecord;
      // prepare of this task would reject every record of the other: it is no fix for a file of that task alone
      const next = det.reason === 'wrong_task'
        ? `${opts.wrongTaskFix ?? `give ${task} data`}; of a file that mixes the two tasks, ${preparer(words)}${words.cli ? '' : ' with'} ${optionIs(words, 'task', task)} keeps the ${task} records`
        : cleans(det.detail);
      throw new UserError(`${det.reason}: ${withUnreadLists(det.detail, item)} (${next})`, where);
    }
    // a raw file's record is checked as prepare checks it (a prepare output was, with its own options: --keep-placeholders;
    // its records, moved away from its report.json, still carry the id and source it wrote)
    // a report.json beside it that does not parse is no prepare's: the records are checked as a raw file's
    const bad = (report === null || 'error' in report) && !preparedRecord(item.value) ? checkRecord(det.record, rawLimits, [], null, {}, fields) : null;
    if (bad) throw new UserError(`${bad.reason}: ${bad.detail} (${cleans(bad.detail)})`, where);
    if (det.leadingTurns || det.trailingTurns) stats.cutShort++;
    stats.records++;
    noteIntegerLabel(ints, det.record);
    if (holdRecords) held.push({ record: det.record, at: recordAt(item), ...(det.layout ? { layout: det.layout } : {}) });
    else addRow(det.record, item, det.layout);
  }
  if (stats.records === 0) throw new UserError('no records', file);

  if (task === 'classification') {
    labels ??= new LabelSet(classList(held.flatMap(({ record: r }) => ('label' in r && r.label !== undefined ? [r.label] : []))));
    const named = `the class list (the run's, ${words.say('labels')} or config.json's id2label)`;
    refuseOneBased(labels, ints, { named, words, ...(words.cli && opts.labelCodesFlag !== true ? { command: 'mistral-tune prepare --task classification' } : {}), where: file });
  }
  for (const { record, at, layout } of held) addRow(record, at, layout);
  if (unmade !== null) throw unmade.error;

  if (rows.length === 0) {
    const max = maxSeqLenLimit({ ...opts, maxSeqLenName });
    const why = stats.blocksMarkNone === stats.dropped ? markedNoneWhy(stats.dropped)
      : opts.maxSeqLen === undefined ? 'none has a target token'
      : (opts.overflow ?? 'truncate') === 'drop' ? `longer than ${max}, or no target token` : `no target token left within ${max}`;
    throw new UserError(`every record was dropped (${stats.dropped}): ${why}`, file);
  }
  return { rows, labels: labels ? [...labels.labels] : null, stats };
}

type ReportBeside = ReturnType<typeof prepareReportBeside>;

/** What prepares raw data, as the caller (`words`) runs it: the CLI's command, or the library's function. */
function preparer(words: OptionWords): string {
  return words.cli ? 'mistral-tune prepare' : 'prepare()';
}

/** prepare's flags that a record's rejection may name as its fix, none of them a flag of train or eval (the CLI callers here). */
const PREPARE_ONLY_FLAGS = /(?<![\w-])--(?:field|keep-placeholders|max-chars|min-chars|max-tokens|min-tokens|strip-html|text-split)(?![\w-])/g;

/**
 * What follows a bad record's error: that prepare cleans raw data and lists every such record. Where the rejection names
 * a flag only prepare has (`--field text=sentence reads it`, `--keep-placeholders keeps it`), the command that met it
 * (train, eval) would refuse that flag as unknown: say whose it is and the prepare that takes it.
 */
function cleansWith(detail: string, file: string, words: OptionWords): string {
  const flags = words.cli ? [...new Set(detail.match(PREPARE_ONLY_FLAGS) ?? [])] : [];
  if (flags.length === 0) return `${preparer(words)} cleans raw data and lists every such record`;
  const them = flags.length === 1 ? 'it' : 'them';
  return `${flags.join(', ')} ${flags.length === 1 ? 'is an option' : 'are options'} of mistral-tune prepare, not of this command: ` +
    `mistral-tune prepare --input ${shellPath(file)} --out DIR with ${them} writes the records so read into DIR (all in DIR/train.jsonl with --split 1,0,0), ` +
    'and lists every such record';
}

/** Whether `v` is a record as prepare writes it: its "id" (16 hex digits, -N for a copy) and "source" {file, line}. */
function preparedRecord(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const { id, source } = v as { id?: unknown; source?: unknown };
  if (typeof id !== 'string' || !/^[0-9a-f]{16}(?:-\d+)?$/.test(id) || typeof source !== 'object' || source === null) return false;
  const { file, line } = source as { file?: unknown; line?: unknown };
  return typeof file === 'string' && typeof line === 'number';
}

/** The records the report gives the split `file` is, when `file` is a prepare output (train/val/test.jsonl). */
function reportedCount(file: string, report: ReportBeside): number | null {
  const split = /^(train|val|test)\.jsonl$/.exec(path.basename(file))?.[1] as keyof PrepareReport['splits'] | undefined;
  if (split === undefined || report === null || 'error' in report) return null; // no prepare report: nothing to compare with
  return report.splits[split] ?? null;
}

/** The class list given (`opts.labels`), else the report's beside a prepare output; null when the records must give it. */
function knownLabels(opts: LoadRowsOptions, report: ReportBeside): LabelSet | null {
  if (opts.labels) return new LabelSet(opts.labels, opts.labelCodes);
  if (report === null) return null;
  if ('error' in report) throw new UserError(`cannot read the class list: ${report.error}`, report.file);
  const labels = reportClassNames(report); // prepare wrote them, as the class names they are
  return labels === null ? null : new LabelSet(labels);
}

/** Notes a record's integer label in the largest seen, and whether one is 0 (refuseOneBased). */
function noteIntegerLabel(ints: { max: number; zero: boolean }, r: DataRecord): void {
  const l = 'label' in r ? r.label : undefined;
  if (typeof l !== 'number') return;
  if (l === 0) ints.zero = true;
  if (l > ints.max) ints.max = l;
}
