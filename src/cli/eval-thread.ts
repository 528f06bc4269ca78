// The work of `mistral-tune eval`, on a thread of its own (eval.ts, command-thread.ts): loss and perplexity
// (generation) or loss, accuracy, F1 (macro, micro, weighted), per-class precision, recall, F1 and support, and the
// confusion matrix (classification) of a model, optionally with a LoRA adapter, on any data file prepare accepts. Its
// usage and the checks of its flags that read no model are eval-flags.ts's, made before this module loads.
import * as path from 'node:path';
import { withBackend } from '../backend/select.ts';
import type { LabelValue } from '../data/labels.ts';
import { loadTokenRows, type LoadedRows } from '../data/load-rows.ts';
import { otherTask } from '../data/record.ts';
import { padEndColumns, padStartColumns, terminalWidth } from '../util/terminal-width.ts';
import { CONFUSION_MAX_CLASSES, evaluateClassification, type ClassMetrics } from '../eval/classification.ts';
import { evaluateLoss, lossReportJson, pastContextWarning, requireTargets } from '../eval/evaluate.ts';
import { CLASS_NAME_PLACES, classesNamedBy, canEvaluateAs, folderCanEvaluateAs, folderClassNames, folderNumLabels, folderTask, givenLabels, labelsSource, modelTask, namesOfHead, noScoreHead, requireOneNamePerClass, FLAG_WORDS, readingTarget, resolveEvalTarget, type EvalTarget, type EvalTask } from '../eval/target.ts';
import { loadConfig } from '../model/config.ts';
import { defaultLabels } from '../model/config-head.ts';
import { loadModel } from '../model/mistral.ts';
import { loadAdapter } from '../model/peft.ts';
import { hasScoreHeadFolder } from '../model/task.ts';
import { loadModelTokenizer } from '../tokenizer/load.ts';
import { classesFor, editedSplitWarning, loadNotes, truncationWarning } from '../train/data.ts';
import { dynamicRopeRefusal } from '../model/rope-config.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { info, warn } from '../util/log.ts';
import { counted } from '../util/plural.ts';
import { Progress } from '../util/progress.ts';
import type { EvalArgs } from './eval-flags.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { classQuote } from '../data/quoted-class.ts';

/** The refusal of classification without a score head: said before a backend starts where the model folder's header shows it. */
const NO_SCORE_HEAD = 'classification needs a score head: a SEQ_CLS adapter (--adapter or --run) or a classification model';

/** How a run's weights folder replaced while eval read it is refused (readingTarget). */
const READER = { during: 'eval read it', then: 'nothing was evaluated; evaluate it again' };

/** The whole command, on its own thread (eval.ts). */
export function evalCommand(a: EvalArgs): void {
  const target = resolveEvalTarget(a.target, FLAG_WORDS);
  // a run's weights read from one checkpoint, from the checks of their headers before a backend starts to their load
  readingTarget(target, READER, (weightsRead) => evaluate(a, target, weightsRead));
}

/** The evaluation of `target`; `weightsRead()` once its weights are read. */
function evaluate(a: EvalArgs, target: EvalTarget, weightsRead: () => void): void {
  const { f, dataFile, batchSize, format, given, precision, device } = a;
  const config = loadConfig(target.model); // a config.json refused before a backend starts; read once, so its warnings are said once
  // classification with the model folder's own head: none in its safetensors header, read without a backend
  if (target.task === 'classification' && target.adapter === null && hasScoreHeadFolder(target.model) === false) throw new UserError(NO_SCORE_HEAD, target.model);
  // a task given against the adapter's or the model's own, and --labels for generation: from the folders' headers,
  // before a backend starts (not after a 7B model has loaded)
  const planned = folderTask(target.model, config, target.adapter, target.task, target.adapter ?? target.model, FLAG_WORDS);
  // class names for a causal LM would be dropped without a word: the loss printed would not be what was asked for
  if (planned === 'generation' && f.labels !== undefined) throw new UserError(`--labels goes with classification, but this evaluates generation (${target.adapter ?? target.model}): leave --labels out, or give a classification model`);
  // a run's own labels were checked against --labels already; a model folder's are its config.json's id2label
  const own = f.run ? null : folderClassNames(target.model, config.labels, target.adapter, target.labels !== null); // an adapter folder's own, else id2label
  // the head's class count from the folders' headers
  const headRows = planned === 'classification' ? folderNumLabels(target.model, config, target.adapter) : undefined;
  const named = f.run ? target.labels : givenLabels(target.labels, namesOfHead(own, headRows), classesNamedBy(own, target.model, config, target.adapter));
  const classNames = named ?? own?.names ?? null; // a classification's, in the head's order
  const namesFrom = named !== null || own === null ? labelsSource(f.labels, f.run) : own.where; // where a misfit is said
  // one name a class of the head: said before the weights load (and held again once they have)
  if (headRows !== undefined) requireOneNamePerClass(classNames, headRows, namesFrom);
  withBackend(device, (backend) => {
    const { tokenizer, misfit } = loadModelTokenizer(target.tokenizerDir ?? target.model, config.vocabSize);
    let reads = 0;
    /** The data's rows for `task` (the head's `numLabels` classes where known); its notes said at the first read only. */
    const readRows = (task: EvalTask, numLabels: number | undefined, canOther: boolean): LoadedRows => {
      const labels = task === 'classification' ? classNames : null;
      const other = otherTask(task), say = reads++ === 0;
      return explainNoTokenizer(() => loadTokenRows(dataFile, {
        tokenizer, vocabSize: config.vocabSize, task, labels: labels ? classesFor(labels, namesFrom) : undefined, labelCodes: given?.codes, labelCodesFlag: true, numLabels,
        maxSeqLen: target.maxSeqLen ?? undefined, maxSeqLenName: target.maxSeqLenName ?? undefined, maxSeqLenFix: target.maxSeqLenFix ?? undefined, overflow: 'truncate', trainOn: target.trainOn, format, onNote: (note) => { if (say) warn(`${dataFile}: ${note}`); }, words: FLAG_WORDS,
        wrongTaskFix: canOther ? `use --task ${other}` : `evaluate it with a ${other} run or model, or give ${task} data`,
        unknownLabelFix: named !== null ? `the classes are the model's, named by ${labelsSource(f.labels, f.run)}: evaluate data labelled with them`
          : own ? `the classes are the model's, named by ${own.source}: evaluate data labelled with them` : undefined,
      }), misfit);
    };
    // the data read before the weights load, as the folders' headers describe the model: a bad record, or a file of the
    // other task, is said at once, not after a 7B model has loaded (and after the device, whose absence is said first).
    // The class count is the loaded head's, so classification data is read again once it is known (small files; its
    // notes said once)
    const early = readRows(planned, undefined, folderCanEvaluateAs(target.model, config, target.adapter, otherTask(planned)));
    const model = loadModel(target.model, { backend, precision, config });
    const adapter = target.adapter ? loadAdapter(model, target.adapter, { trainable: false }) : null;
    weightsRead();
    const task = modelTask(model, adapter, target.task, target.adapter ?? target.model, FLAG_WORDS);
    const labels = task === 'classification' ? classNames : null;
    // no head refused before the class names are warned of: the warning would be noise above the error
    if (task === 'classification' && !model.score) throw new UserError(noScoreHead(adapter, NO_SCORE_HEAD), target.adapter ?? target.model);
    if (task === 'classification' && !labels) {
      warn(`the class names are not given ${CLASS_NAME_PLACES}: the class order is taken from the data ` +
        '(report.json beside it, else its labels sorted), which must be the order the head was trained with');
    }
    if (task === 'classification') requireOneNamePerClass(labels, model.score!.numLabels, namesFrom);
    const loaded = task === planned && task === 'generation' ? early : readRows(task, model.score?.numLabels, canEvaluateAs(model, adapter, otherTask(task)));
    const rows = loaded.rows;
    const edited = editedSplitWarning(dataFile, loaded.stats);
    if (edited) warn(edited);
    // the limit as it was given: --max-seq-len, or the run's max_seq_len, which --max-seq-len overrides (a cut has a limit, and so its name)
    const cut = truncationWarning(loaded.stats, { maxSeqLen: target.maxSeqLen ?? undefined, maxSeqLenName: target.maxSeqLenName!, maxSeqLenFix: target.maxSeqLenFix ?? undefined });
    if (cut) warn(`${dataFile}: ${cut}`);
    const past = rows.filter((r) => r.inputIds.length > model.cfg.maxPositionEmbeddings).length;
    const dynamic = dynamicRopeRefusal(model.cfg, rows.reduce((m, r) => Math.max(m, r.inputIds.length), 0), `--max-seq-len ${model.cfg.maxPositionEmbeddings} cuts the rows`);
    if (dynamic) throw new UserError(dynamic, dataFile);
    if (past > 0) {
      warn(pastContextWarning(past, 'row', model.cfg.maxPositionEmbeddings, 'their loss says little (--max-seq-len cuts rows)'));
    }
    const progress = f.json ? null : new Progress({ label: 'eval', total: rows.length, unit: 'rows' });
    const notes = loadNotes(loaded.stats, target.maxSeqLen ?? undefined);
    info(`eval: ${task} on ${counted(rows.length, 'example')} of ${dataFile}${notes.length ? ` (${notes.join('; ')})` : ''} ` +
      `with ${target.model}${target.adapter ? ` + ${target.adapter}` : ''} on ${backend.describe()}`);
    if (task === 'classification') {
      const classes = headClasses(loaded.labels, model.score!.numLabels, dataFile);
      const r = evaluateClassification(model, rows, batchSize);
      progress?.tick(rows.length);
      const names = reportedClassNames(classes, labels);
      const named = names.length === r.per_class.length ? names : defaultLabels(r.per_class.length);
      const out = {
        loss: r.loss, accuracy: r.accuracy, macro_f1: r.macro_f1, micro_f1: r.micro_f1, weighted_f1: r.weighted_f1,
        per_class: r.per_class.map((m, i) => ({ label: named[i]!, ...m })), confusion: r.confusion, labels: names, examples: r.count,
      };
      if (f.json) process.stdout.write(JSON.stringify(out) + '\n');
      else process.stdout.write(classificationText(out) + '\n');
      return;
    }
    requireTargets(rows, dataFile, 'evaluate');
    let last = 0;
    const report = evaluateLoss(model, rows, { batchSize, onBatch: (done) => { progress?.tick(done - last); last = done; } });
    progress?.finish();
    if (f.json) process.stdout.write(JSON.stringify(lossReportJson(report)) + '\n');
    else process.stdout.write(`loss ${report.loss.toFixed(6)}  perplexity ${report.perplexity.toFixed(4)}  tokens ${report.tokens}  (${counted(rows.length, 'row')})\n`);
  });
}

/**
 * The data's class list as the head's (`numLabels` classes). One shorter is sound only where its labels are the class
 * indices themselves (0, 1, … as HF datasets store them: a test split without the last classes): those are scored, the
 * missing classes said (their confusion rows are 0; macro-F1 averages the classes present, as scikit-learn's). Other
 * labels sorted would shift every class after a missing one onto the wrong head row: refused, asking for the names.
 */
function headClasses(classes: readonly LabelValue[] | null, numLabels: number, dataFile: string): readonly LabelValue[] | null {
  if (classes === null || classes.length === numLabels) return classes;
  const indices = classes.every((c, i) => c === i);
  if (indices && classes.length < numLabels) {
    const missing = defaultLabels(numLabels).slice(classes.length);
    warn(`${dataFile}: no row has the class${missing.length === 1 ? '' : 'es'} ${missing.join(', ')} (label ${classes.length}${missing.length > 1 ? `–${numLabels - 1}` : ''}) of the head's ${numLabels}: ` +
      `${missing.length === 1 ? 'it is' : 'they are'} scored as absent (confusion rows of 0; macro-F1 over the classes present or predicted)`);
    return Array.from({ length: numLabels }, (_, i) => i);
  }
  const shown = boundedItemsText(classes, { shown: 5, quote: classQuote });
  throw new UserError(`the data has ${counted(classes.length, 'class', 'classes')} (${shown}) but the head scores ${numLabels}: without the class names, the data's labels ` +
    `cannot be matched to the head's classes; give them in the head's order with --labels (or evaluate the run with --run)`, dataFile);
}

/**
 * The class names eval reports: the names given (`named`: --labels, the run's, config.json's id2label), as written ("007",
 * as classify shows it, not the 7 it is read as), or the data's labels, except classes that are only their index in the
 * data (0, 1, … with no names anywhere), which transformers names as the model's config does: LABEL_0, LABEL_1, …
 */
export function reportedClassNames(classes: readonly LabelValue[] | null, named: readonly string[] | null): string[] {
  if (!classes) return [];
  if (named !== null && named.length === classes.length) return [...named];
  return named === null && classes.every((c, i) => c === i) ? defaultLabels(classes.length) : classes.map(String);
}

/** Classes up to which the text summary prints the confusion matrix (a row per class, a column each): wider, it wraps. */
const PRINTED_CLASSES = 40;
/** Classes up to which it prints the per-class table (a row each): more are a listing no one reads on a terminal. */
const PRINTED_CLASS_ROWS = 50;

/** What classificationText prints: eval --json's object. */
export interface ClassificationSummary {
  loss: number; accuracy: number; macro_f1: number; micro_f1: number; weighted_f1: number;
  per_class: Array<ClassMetrics & { label: string }>; confusion: number[][] | null; labels: string[]; examples: number;
}

/**
 * The human summary, the per-class precision, recall, F1 and support (as scikit-learn's classification_report lays them
 * out) with the weighted and micro F1, and the confusion matrix, its counts right-aligned under their class names; past
 * PRINTED_CLASS_ROWS classes (the table) or PRINTED_CLASSES (the matrix; with no matrix built, past
 * CONFUSION_MAX_CLASSES) a line says where they are instead.
 */
export function classificationText(r: ClassificationSummary): string {
  const summary = `loss ${r.loss.toFixed(6)}  accuracy ${r.accuracy.toFixed(4)}  macro-F1 ${r.macro_f1.toFixed(4)}  (${counted(r.examples, 'example')})`;
  const averages = `weighted-F1 ${r.weighted_f1.toFixed(4)}  micro-F1 ${r.micro_f1.toFixed(4)}`;
  return [summary, [...perClassTable(r.per_class), averages].join('\n'), confusionText(r.confusion, r.labels)].join('\n\n');
}

/** One line per class (label, precision, recall, F1, support), or one saying where they are past PRINTED_CLASS_ROWS. */
function perClassTable(rows: ClassificationSummary['per_class']): string[] {
  if (rows.length > PRINTED_CLASS_ROWS) return [`per-class precision, recall, F1: ${rows.length} classes, too many to print here (eval --json holds them)`];
  const first = rows.reduce((m, c) => Math.max(m, terminalWidth(shownClass(c.label))), 'label'.length);
  const support = rows.reduce((m, c) => Math.max(m, String(c.support).length), 'support'.length);
  const score = (x: number): string => x.toFixed(4).padStart('precision'.length);
  const head = `${'label'.padEnd(first)}  ${['precision', 'recall', 'F1'].map((h) => h.padStart('precision'.length)).join('  ')}  ${'support'.padStart(support)}`;
  return [head, ...rows.map((c) => `${padEndColumns(shownClass(c.label), first)}  ${score(c.precision)}  ${score(c.recall)}  ${score(c.f1)}  ${String(c.support).padStart(support)}`)];
}

/**
 * A class name as the text tables show it: as it is, or as JSON where spaces at its ends (" a", "b "), a control character
 * or a leading quote would not show (a name right-aligned over its counts with a space after it stood a column off them,
 * and "b " read as "b"), nor an empty name (id2label may give one: a blank heading over its column).
 */
function shownClass(name: string): string {
  return name === '' || name !== name.trim() || name.startsWith('"') || /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : name;
}

/** The confusion matrix, or a line saying why it is not printed (too wide, or not built). */
function confusionText(confusion: number[][] | null, labels: string[]): string {
  if (confusion === null) return `no confusion matrix: it is built for at most ${CONFUSION_MAX_CLASSES} classes`;
  if (confusion.length > PRINTED_CLASSES) return `confusion matrix: ${confusion.length} classes, too many to print here (eval --json holds it)`;
  const names = (labels.length === confusion.length ? labels : defaultLabels(confusion.length)).map(shownClass);
  const corner = 'true \\ pred';
  // the first column is as wide as its header or its longest name; each count column as its name (at least 6), in
  // terminal columns (a Chinese name takes two a character)
  const first = names.reduce((m, n) => Math.max(m, terminalWidth(n)), corner.length);
  const w = confusion.reduce((m, row) => row.reduce((mm, x) => Math.max(mm, String(x).length), m), names.reduce((m, n) => Math.max(m, terminalWidth(n)), 6));
  const head = `${corner.padEnd(first)}  ${names.map((n) => padStartColumns(n, w)).join('  ')}`;
  const rows = confusion.map((row, i) => `${padEndColumns(names[i]!, first)}  ${row.map((x) => String(x).padStart(w)).join('  ')}`);
  return [head, ...rows].join('\n');
}

/**
 * `load()`, where a text record met with no tokenizer — the model's (or the bundled one) has tokens the model has no
 * embedding row for (`misfit`: which, and what to do), so only pre-tokenized rows can be read — says why and what to do,
 * as train does, not only "needs a tokenizer".
 */
function explainNoTokenizer<T>(load: () => T, misfit: { what: string; fix: string } | null): T {
  try {
    return load();
  } catch (e) {
    if (misfit === null || !isUserError(e) || !/ needs a tokenizer$/.test(e.what)) throw e;
    throw new UserError(`${e.what}, and no tokenizer fits the model (${misfit.what}): ${misfit.fix}, or give pre-tokenized rows {"input_ids": [...]}`, e.where);
  }
}
