// The work of `mistral-tune classify`, on a thread of its own (classify.ts, command-thread.ts): the class a
// classification model (or a SEQ_CLS adapter, or a classification run) predicts for new texts, with the probability of
// each class — what eval measures on labelled data, applied to unlabelled text. Its usage and the checks of its flags
// that read no model are classify-flags.ts's, made before this module loads.
import * as fs from 'node:fs';
import { withBackend } from '../backend/select.ts';
import { normalizeText } from '../data/clean.ts';
import { recordPlace } from '../data/ingest/types.ts';
import { maxSeqLenLimit, tokenizeRecord } from '../data/tokenize.ts';
import { predictClasses, type ClassPrediction } from '../eval/classification.ts';
import { pastContextWarning } from '../eval/evaluate.ts';
import { CLASS_NAME_PLACES, classesNamedBy, folderClassNames, folderNumLabels, folderTask, givenLabels, labelsSource, modelTask, namesOfHead, noScoreHead, requireOneNamePerClass, FLAG_WORDS, readingTarget, resolveEvalTarget, type EvalTarget } from '../eval/target.ts';
import { readTextsToClassify, type TextToClassify } from '../eval/texts.ts';
import { loadConfig } from '../model/config.ts';
import { defaultLabels } from '../model/config-head.ts';
import { loadModel } from '../model/mistral.ts';
import { dynamicRopeRefusal } from '../model/rope-config.ts';
import { loadAdapter, readAdapterInfo } from '../model/peft.ts';
import { hasScoreHeadFolder, scoreRowsFolder } from '../model/task.ts';
import { requireModelTokenizer } from '../tokenizer/load.ts';
import { leadingIds } from '../tokenizer/types.ts';
import { writeStreamAtomic } from '../util/atomic.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { info, warn } from '../util/log.ts';
import { counted } from '../util/plural.ts';
import { Progress } from '../util/progress.ts';
import { maxOf } from '../util/reduce.ts';
import type { ClassifyArgs } from './classify-flags.ts';

/** The refusal of weights with no score head, said before a backend starts where the adapter's files show it. */
const NOT_A_CLASSIFIER = 'not a classification model: classify needs a score head (a SEQ_CLS adapter, a classification run or model); for text use mistral-tune generate';

/** What a --text that cleaning leaves empty held: nothing, spaces alone, or characters that render as nothing. */
function noText(given: string): string {
  return given === '' ? 'is empty' : given.trim() === '' ? 'is blank (whitespace only)' : 'holds only control or zero-width characters, no text';
}

/** How a run's weights folder replaced while classify read it is refused (readingTarget). */
const READER = { during: 'classify read it', then: 'nothing was classified; classify again' };

/** The whole command, on its own thread (classify.ts). */
export function classifyCommand(a: ClassifyArgs): void {
  const target = resolveEvalTarget({ model: a.f.model, adapter: a.f.adapter, run: a.f.run, best: a.f.best, labels: a.labels, maxSeqLen: a.maxSeqLen }, FLAG_WORDS);
  // a run's weights read from one checkpoint, from the checks of their headers before a backend starts to their load
  readingTarget(target, READER, (weightsRead) => classifyWith(a, target, weightsRead));
}

/** The predictions of `target`; `weightsRead()` once its weights and tokenizer are read. */
function classifyWith(a: ClassifyArgs, target: EvalTarget, weightsRead: () => void): void {
  const { f, format, batchSize, precision, device } = a;
  // the run's config.yaml says it: refused before a backend starts, not once its adapter or model is loaded
  if (f.run !== undefined && target.task === 'generation') {
    throw new UserError('a generation run (task: generation) predicts text, not labels: classify takes a classification run; for text use mistral-tune generate --run', f.run);
  }
  const config = loadConfig(target.model); // a config.json refused before a backend starts; read once, so its warnings are said once
  // a causal-LM adapter as its adapter_config.json (and safetensors header) say, or one that says no task over a
  // causal-LM model (its task is the model's, as PEFT runs it), read without a backend
  if (target.adapter !== null && folderTask(target.model, config, target.adapter, null) !== 'classification') throw new UserError(NOT_A_CLASSIFIER, target.adapter);
  // with no adapter, the head is the model folder's own: none in its safetensors header's tensor names, read without a
  // backend (weights that cannot be opened are left to loading them, which says why)
  if (target.adapter === null && hasScoreHeadFolder(target.model) === false) throw new UserError(NOT_A_CLASSIFIER, target.model);
  // a run's own labels were checked against --labels already; an adapter folder's are its own, a model folder's its
  // config.json's id2label
  const own = f.run ? null : folderClassNames(target.model, config.labels, target.adapter, target.labels !== null);
  // the head's class count from the folders' headers
  const headRows = folderNumLabels(target.model, config, target.adapter);
  const given = f.run ? target.labels : givenLabels(target.labels, namesOfHead(own, headRows), classesNamedBy(own, target.model, config, target.adapter));
  const names = given ?? own?.names ?? null;
  const namesFrom = given !== null || own === null ? labelsSource(f.labels, f.run) : own.where; // where a misfit is said
  // one name a class of the head: said before the weights load (and held again once they have)
  if (headRows !== undefined) requireOneNamePerClass(names, headRows, namesFrom);
  const texts: TextToClassify[] = f.data !== undefined ? readTextsToClassify(f.data, f['text-field'], { format, onNote: (note) => warn(`${f.data}: ${note}`) }) : [{ line: 1, text: normalizeText(f.text!) }];
  if (texts[0]!.text === '') throw new UserError(`--text ${noText(f.text ?? '')}: give the text to classify`);
  // an adapter with no head over a model folder with none (a SEQ_CLS adapter saved without it), from their headers: said
  // before the tokenizer is read, as it was when the weights were read first
  if (target.adapter !== null) {
    const info = readAdapterInfo(target.adapter, config.numLayers, config, target.model);
    if (!info.hasScore && scoreRowsFolder(target.model) === null) throw new UserError(noScoreHead(info, NOT_A_CLASSIFIER), target.adapter);
  }
  // the texts tokenized before the weights load, as eval reads its data: a --max-seq-len with no room for a text beside
  // the tokenizer's special ids is said at once, not after a 7B model has loaded
  const tokenizer = requireModelTokenizer(target.tokenizerDir ?? target.model, config.vocabSize, target.model);
  const maxSeqLen = target.maxSeqLen ?? undefined;
  const opts = { maxSeqLen, maxSeqLenName: target.maxSeqLenName ?? undefined, maxSeqLenFix: target.maxSeqLenFix ?? undefined, overflow: 'truncate', specialTokenText: 'encode' } as const;
  const tokenized = texts.map((t) => {
    try {
      return tokenizeRecord({ shape: 'classification', text: t.text, label: 0 }, tokenizer, opts);
    } catch (e) {
      if (isUserError(e)) throw new UserError(e.message, f.data !== undefined ? recordPlace(f.data, t) : '--text');
      throw e;
    }
  });
  withBackend(device, (backend) => {
    const model = loadModel(target.model, { backend, precision, config });
    const adapter = target.adapter ? loadAdapter(model, target.adapter, { trainable: false }) : null;
    if (modelTask(model, adapter, null) !== 'classification' || !model.score) {
      throw new UserError(noScoreHead(adapter, NOT_A_CLASSIFIER), target.adapter ?? target.model);
    }
    const numLabels = model.score.numLabels;
    requireOneNamePerClass(names, numLabels, namesFrom);
    if (!names) warn(`the class names are not known ${CLASS_NAME_PLACES}: classes are shown as transformers names them (LABEL_0 to LABEL_${numLabels - 1})`);
    const classes = names ?? defaultLabels(numLabels);
    weightsRead();
    const rows = tokenized.map((t) => t.row!);
    // the text of a special token ("</s>") in a text to predict on is that token, as transformers' tokenizer reads it
    // (training refuses such text): said, with the first place, not a stop of the whole file
    const special = tokenized.findIndex((t) => t.specialText !== undefined);
    if (special >= 0) {
      const n = tokenized.filter((t) => t.specialText !== undefined).length, token = JSON.stringify(tokenized[special]!.specialText);
      warn(`${f.data === undefined ? 'the text holds' : `${n} of ${counted(texts.length, 'text')} hold`} the text of a special token (${token}${f.data === undefined ? '' : `, the first at ${recordPlace(f.data, texts[special]!)}`}), ` +
        'read as that token, as transformers\' tokenizer reads it (training refuses such text)');
    }
    // a cut text is classified on what training read of it: said, never silent. The cut keeps the ids the tokenizer
    // puts around a text (BOS; a "<s> $A </s>" template's EOS) and, by its truncation_side, the text's start or its end
    // ("left", classification-text.ts)
    const cut = tokenized.findIndex((t) => t.overflow === 'truncated');
    if (cut >= 0) {
      const n = tokenized.filter((t) => t.overflow === 'truncated').length;
      const limit = maxSeqLenLimit({ ...opts, maxSeqLenName: target.maxSeqLenName! }); // a text is cut only where there is a limit, and so its name
      const quoted = (ids: readonly number[]): string => JSON.stringify(tokenizer.decode(ids, { skipSpecialTokens: false }));
      const leading = leadingIds(tokenizer), trailing = tokenizer.trailingIds;
      const after = trailing.length === 0 ? '' : ` and the ${quoted(trailing)} the tokenizer puts after a text`;
      const read = (its: string): string => tokenizer.truncationSide === 'left'
        ? `${leading.length === 0 ? its : `the ${quoted(leading)} and ${its}`} last ${maxSeqLen! - leading.length - trailing.length} tokens${after} are classified (the tokenizer's truncation_side is "left")`
        : `${its} first ${maxSeqLen! - trailing.length} tokens${after} are classified`;
      warn(f.data === undefined ? `the text is longer than ${limit} and was cut to it, as training cuts them: only ${read('its')}`
        : `${n} of ${counted(texts.length, 'text')} ${n === 1 ? 'is' : 'are'} longer than ${limit} and ${n === 1 ? 'was' : 'were'} cut to it, as training cuts them: ` +
          `only ${read(n === 1 ? 'its' : 'their')} (${n === 1 ? '' : 'the first: '}${recordPlace(f.data, texts[cut]!)})`);
    }
    // a text past the model's context is scored whole, as transformers' pipeline scores it, and said; a rope that
    // changes past it (dynamic) is refused as eval refuses its rows, before any text is scored
    const past = rows.filter((r) => r.inputIds.length > model.cfg.maxPositionEmbeddings).length;
    const dynamic = dynamicRopeRefusal(model.cfg, rows.reduce((m, r) => Math.max(m, r.inputIds.length), 0), `--max-seq-len ${model.cfg.maxPositionEmbeddings} cuts the texts`);
    if (dynamic) throw new UserError(dynamic, f.data ?? '--text');
    if (past > 0) warn(pastContextWarning(past, 'text', model.cfg.maxPositionEmbeddings, `${past === 1 ? 'its prediction says' : 'their predictions say'} little (--max-seq-len cuts texts)`));
    // one JSON line, the id as its record spells it (TextToClassify.id: JSON text)
    const record = (t: TextToClassify, p: ClassPrediction): string => '{' + [
      ...(f.data !== undefined ? [`"line":${t.line}`, ...(t.record !== undefined ? [`"record":${t.record}`] : [])] : []), ...(t.id !== undefined ? [`"id":${t.id}`] : []),
      `"label":${JSON.stringify(classes[p.label])}`, `"probs":${probsJson(classes, p.probs)}`,
    ].join(',') + '}';
    const plain = plainPrediction(classes);
    const line = (t: TextToClassify, p: ClassPrediction): string => f.json || f.out !== undefined ? record(t, p)
      : `${f.data !== undefined ? `${recordPlace(f.data, t)}  ` : ''}${plain(p)}`;
    // each prediction is written once those before it are, batch by batch (not all at the end of a long file). A
    // progress bar only where the lines go to a file: on a terminal (or through a pipe, most often to one: `| tee`) they
    // are the progress, and a bar on the same screen would be drawn among them
    const classifyInto = (write: (text: string) => void): void => {
      const noBar = f.json || texts.length === 1 || (f.out === undefined && !stdoutIsFile());
      const progress = noBar ? null : new Progress({ label: 'classify', total: rows.length, unit: 'texts' });
      let done = 0, next = 0;
      predictClasses(model, rows, batchSize, (n, predictions) => {
        progress?.tick(n - done);
        done = n;
        let text = '';
        for (; next < predictions.length && predictions[next] !== undefined; next++) text += line(texts[next]!, predictions[next]!) + '\n';
        if (text !== '') write(text);
      });
      progress?.finish();
    };
    if (f.out !== undefined) {
      // never replaces: a file that appeared at --out while classify ran (another classify's) stays, and this one fails
      writeStreamAtomic(f.out, (write) => classifyInto((text) => write(Buffer.from(text, 'utf8'))), false);
      info(`classify: ${counted(rows.length, 'prediction')} written to ${f.out}`);
    } else {
      classifyInto((text) => process.stdout.write(text));
    }
  });
}

/** Whether this process's stdout is a regular file (`> preds.txt`), not a terminal, pipe or device. */
function stdoutIsFile(): boolean {
  try {
    return fs.fstatSync(1).isFile();
  } catch {
    return false; // closed
  }
}

/**
 * A prediction as a plain line shows it: its class name, padded to the longest name, and its probability. The width
 * by maxOf, not Math.max(...names): 600,000 class names overflowed the call stack (a RangeError's stack trace).
 */
export function plainPrediction(classes: readonly string[]): (p: ClassPrediction) => string {
  const width = maxOf(classes, (c) => c.length);
  return (p) => `${classes[p.label]!.padEnd(width)}  ${p.probs[p.label]!.toFixed(4)}`;
}

/**
 * {class name: probability} as JSON text, in class order: written out, not through a JS object, which would put an
 * integer-like name ("5") first, where Python's json.loads keeps the order read; "__proto__" is a key like any other.
 */
function probsJson(classes: readonly string[], probs: readonly number[]): string {
  return '{' + classes.map((c, i) => `${JSON.stringify(c)}:${JSON.stringify(probs[i]!)}`).join(',') + '}';
}
