// What an evaluation runs on, decided here for the CLI and library users alike: a model folder (+ adapter) as
// given, or a training run's trained weights and settings; and which task a loaded model has.
import { needArg, needOneOf, needPath, optionKeys, refuseMisspelledKeys } from '../util/api-args.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LabelSet, commaSplitMessage } from '../data/labels.ts';
import { readRunConfig, requireRunWeights } from '../export/export.ts';
import { readingUnchanged, type FolderReader } from '../export/read-unchanged.ts';
import { modelFolder, requireModelFolder } from '../train/config.ts';
import { keyError } from '../train/config-paths.ts';
import { warnIfNotTrainedOn } from '../train/model-fingerprint.ts';
import type { MistralModel } from '../model/mistral.ts';
import { needModel } from '../model/model-arg.ts';
import { modelConfigFile, type MistralConfig } from '../model/config.ts';
import { parseLabels } from '../model/config-head.ts';
import { cardClassNames } from '../model/adapter-card.ts';
import { readUtf8File } from '../util/json-file.ts';
import { readConfigJson } from '../util/config-json.ts';
import { readAdapterInfo, type AdapterInfo, type TaskType } from '../model/peft.ts';
import { adapterConfigPath } from '../model/adapter-config-path.ts';
import { adapterBaseFolder, sayAdapterBase } from '../model/adapter-base-folder.ts';
import { hasLmHeadFolder, hasScoreHeadFolder, isClassificationOnly, isClassificationOnlyFolder, scoreRowsFolder } from '../model/task.ts';
import { HF_NAMES, SCORE_SAVED_KEY } from '../model/names.ts';
import { runPath } from '../run/layout.ts';
import { requireOneTarget } from './target-args.ts';
import { warnIfAdapterTemplateDiffers } from '../tokenizer/adapter-template.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { FLAG_WORDS, libraryWords, type OptionWords } from '../util/option-words.ts';

export { FLAG_WORDS };
const OPTION_WORDS = libraryWords('resolveEvalTarget');

export type EvalTask = 'generation' | 'classification';

export interface EvalTargetOptions {
  /** An HF model folder (with `adapter`, a PEFT adapter applied to it); left out with `adapter`, the model folder its adapter_config.json's base_model_name_or_path names. */
  model?: string;
  adapter?: string;
  /** A training run directory, instead of model/adapter. */
  run?: string;
  /** With `run`: its best/ weights instead of the last step's. */
  best?: boolean;
  /** Overrides the task the run, adapter or model has. */
  task?: string;
  labels?: string[] | null;
  maxSeqLen?: number | null;
}

export interface EvalTarget {
  model: string;
  adapter: string | null;
  /** Where the tokenizer is (a run's base model), or null for the model folder's own. */
  tokenizerDir: string | null;
  /** A run's weights folder (its adapter/, model/ or best/: `adapter`, else `model`), which a run still training may replace while it is read; null for folders given. */
  runWeights: string | null;
  /** The task given or recorded by the run; null: decided by modelTask once the model is loaded. */
  task: EvalTask | null;
  labels: string[] | null;
  maxSeqLen: number | null;
  /** maxSeqLen as its user gave it, for messages: the option (--max-seq-len, options.maxSeqLen) or the run's max_seq_len; null with none. */
  maxSeqLenName: string | null;
  /** How its user raises maxSeqLen where maxSeqLenName is the run's max_seq_len (`--max-seq-len raises it`), else null. */
  maxSeqLenFix: string | null;
  trainOn: 'assistant' | 'all';
}

export function parseTask(task: string | undefined | null): EvalTask | null {
  if (task === undefined || task === null) return null;
  if (task !== 'generation' && task !== 'classification') throw new UserError(`task must be generation or classification, got "${task}"`);
  return task;
}

/** A library caller's options, each of its type where given: an adapter of 3 was a TypeError from inside (fs), a best of 'false' taken as true, a
 * task of 'classify' refused without the function's name. */
function needTargetOptionTypes(o: EvalTargetOptions): void {
  const fn = 'resolveEvalTarget', given = (v: unknown): boolean => v !== undefined && v !== null;
  // {bets: true} was let be: the last step's weights evaluated for the best's
  refuseMisspelledKeys(fn, 'options', o, optionKeys<EvalTargetOptions>()(['model', 'adapter', 'run', 'best', 'task', 'labels', 'maxSeqLen']));
  const folders = { model: 'a Hugging Face model folder', adapter: 'a PEFT adapter folder', run: 'the run folder train wrote' } as const;
  for (const key of ['model', 'adapter', 'run'] as const) if (given(o[key])) needPath(fn, `options.${key}`, o[key], 'folder', folders[key]);
  if (given(o.task)) needOneOf(fn, 'options.task', o.task, ['generation', 'classification']);
  if (given(o.best)) needArg(fn, 'options.best', o.best, 'boolean', { hint: 'true or false' });
  if (given(o.labels)) needArg(fn, 'options.labels', o.labels, 'string[]', { hint: 'the class names in index order, or null' });
  if (given(o.maxSeqLen)) needArg(fn, 'options.maxSeqLen', o.maxSeqLen, 'number');
}

/** The model/adapter as given, or a run directory's trained weights (adapter/, model/ or best/) and settings. */
export function resolveEvalTarget(o: EvalTargetOptions, words: OptionWords = OPTION_WORDS): EvalTarget {
  needArg('resolveEvalTarget', 'options', o, 'object', { hint: 'an object such as {run} or {model, adapter}' });
  const w = words;
  if (!w.cli) needTargetOptionTypes(o);
  const task = parseTask(o.task);
  requireOneTarget(o, w);
  if (o.run) {
    const cfg = readRunConfig(o.run);
    const sub = requireRunWeights(o.run, cfg, o.best ?? false, w);
    const lora = cfg.method === 'lora';
    // a fully trained model is whole in its folder (random initial weights need no base)
    const base = lora ? requireModelFolder(cfg, w.say('run'), o.run) : modelFolder(cfg);
    requireWeightFolders(lora ? base! : sub, lora ? sub : null);
    return {
      model: lora ? base! : sub, adapter: lora ? sub : null, runWeights: sub, task: task ?? cfg.task,
      // a fully trained model/ carries the tokenizer it was trained with (runs before it did: the base's)
      tokenizerDir: !lora && fs.existsSync(path.join(sub, 'tokenizer.json')) ? sub : base ?? sub,
      labels: givenLabels(o.labels ?? null, cfg.labels, "the run's classes", w.say('labels')) ?? cfg.labels, maxSeqLen: o.maxSeqLen ?? cfg.max_seq_len,
      maxSeqLenName: o.maxSeqLen != null ? w.say('maxSeqLen') : "the run's max_seq_len",
      maxSeqLenFix: o.maxSeqLen != null ? null : `${w.say('maxSeqLen')} raises it`, trainOn: cfg.data.train_on,
    };
  }
  // requireOneTarget: a model given, or an adapter alone whose adapter_config.json names its base folder here
  const model = o.model || adapterBaseFolder(o.adapter!, w);
  if (!o.model) sayAdapterBase(o.adapter!, model);
  requireWeightFolders(model, o.adapter ?? null); // before the adapter's base is compared with it
  if (o.adapter) {
    warnIfNotTrainedOn(o.adapter, model);
    warnIfAdapterTemplateDiffers(o.adapter, model, w);
  }
  return {
    model, adapter: o.adapter ?? null, tokenizerDir: null, runWeights: null, task, labels: o.labels ?? null,
    maxSeqLen: o.maxSeqLen ?? null, maxSeqLenName: o.maxSeqLen != null ? w.say('maxSeqLen') : null, maxSeqLenFix: null, trainOn: 'assistant',
  };
}

/**
 * Runs `work`, which reads the target's weights and calls `loaded()` once it has read them: a run's, which a run still
 * training may replace meanwhile (a newer best/), read from one checkpoint or refused, as `reader` says (readingUnchanged);
 * folders given, as they are.
 */
export function readingTarget<T>(target: EvalTarget, reader: FolderReader, work: (loaded: () => void) => T): T {
  return target.runWeights === null ? work(() => {}) : readingUnchanged(target.runWeights, reader, work);
}

/**
 * The folders the weights load from: a model folder with config.json, an adapter folder with adapter_config.json (not
 * missing, not a file such as a .gguf export), checked here so that the CLI says so before a backend starts.
 */
function requireWeightFolders(model: string, adapter: string | null): void {
  modelConfigFile(model);
  if (adapter !== null) adapterConfigPath(adapter);
}

/**
 * The class names given (--labels, or train's `labels` key) against those the run or model already has (`whose`: "the
 * run's classes", "the classes of config.json's id2label"), in index order: new names for its classes are taken (LABEL_0
 * → neg), but a name of its own at another place (`pos,neg` for a run of `neg, pos`, or of `NEG, POS`) would silently swap the classes,
 * predictions and accuracy (or, in training, the head's rows), so it is refused.
 */
export function givenLabels(given: string[] | null, known: readonly string[] | null | undefined, whose: string, key = '--labels', place?: (key: string) => string): string[] | null {
  if (given === null || !known) return given;
  for (const name of known) { // a class name with a comma whose pieces --labels names, as A,B,… splits it: refused, the list as JSON said
    const split = key === '--labels' ? commaSplitMessage(name, given, FLAG_WORDS, `one of ${whose}`, known) : null;
    if (split !== null) throw new UserError(split);
  }
  // a name's class: as written, else in another case (POSITIVE for positive, as HF's classification examples match a
  // model's label2id to the data's labels); a case rename at its own place is a rename
  const fold = (s: string): string => s.toLowerCase();
  const classOf = (name: string): number => (known.includes(name) ? known.indexOf(name) : known.findIndex((k) => fold(k) === fold(name)));
  const moved = given.findIndex((name, i) => classOf(name) >= 0 && classOf(name) !== i && (known.includes(name) || fold(known[i]!) !== fold(name)));
  if (moved < 0) return given;
  // train's labels (the key alone): left out, they are the prepare report's sorted names, refused here just the same
  // (its names as given where they are the head's classes: the data's labels are written so; a new name for a class
  // left over, a rename, so that the list pasted holds the data's labels)
  const renames = given.filter((name) => classOf(name) < 0);
  const inOrder = known.map((k, j) => given.find((name) => classOf(name) === j) ?? renames.shift() ?? k);
  const fix = key === 'labels' ? `give labels in that order (labels: ${JSON.stringify(inOrder)})` : `leave ${key} out, or give the names in that order`;
  throw keyError(key, `"${given[moved]}" is class ${classOf(given[moved]!)} of ${whose} (${known.join(', ')}, in index order), ` +
    `not class ${moved}: ${key} names the classes in index order, so this would swap them; ${fix}`, place); // train's: at the config's labels, as its other refusals of them
}

/** Class names a model or adapter folder gives a head: the names, what names them (in an error's words), and the file's place. */
export interface FolderClassNames {
  names: string[];
  /** "config.json's id2label", "the adapter's card (README.md)". */
  source: string;
  where: string;
}

/**
 * The folder's class names that --labels is checked against (givenLabels): those naming one class a row of the head
 * (`headRows`). Names of another count name another head (a base's id2label of 2 under a 3-row adapter head, which
 * transformers builds with LABEL_0 …, as train takes it): --labels of the head's count is no reorder of them.
 */
export function namesOfHead(own: FolderClassNames | null, headRows: number | undefined): string[] | null {
  return own !== null && (headRows === undefined || own.names.length === headRows) ? own.names : null;
}

/**
 * Where the base's id2label names a SEQ_CLS adapter's head (its folder names none), in a refusal's words: the base,
 * and the way out where the adapter's rows are in another order (HF's run_classification sorts the data's labels).
 */
export function namedByBase(base: string, adapter: string): string {
  return `${base}, as ${adapter} names none: an adapter whose rows are in another order (HF's run_classification sorts the data's labels) names them in its own config.json id2label`;
}

/**
 * Whose classes eval's and classify's --labels are checked against (givenLabels), in a refusal's words: an adapter's own
 * head where its file holds one (a SEQ_CLS adapter without one is scored by the model's head, which its id2label names).
 */
export function classesNamedBy(own: FolderClassNames | null, model: string, config: MistralConfig, adapter: string | null): string {
  if (own === null) return '';
  const baseNamesAdapterHead = adapter !== null && !own.source.startsWith("the adapter's") && readAdapterInfo(adapter, config.numLayers, config, model).hasScore;
  return baseNamesAdapterHead ? `the adapter's head (${own.source} of ${namedByBase(model, adapter)})` : `the classes of ${own.source}`;
}

/** Where eval and classify take class names from, as their warnings say where none named them (folderClassNames). */
export const CLASS_NAME_PLACES = "(--labels, --run, the --adapter folder's config.json id2label or card, or the model's config.json id2label)";

/**
 * The class names the folders give the head, with where they come from: an adapter folder's own — its config.json's
 * id2label where it has one (a folder saved with its model's config), else those of the card (README.md) saveAdapter
 * writes — else the model folder's config.json id2label (`modelLabels`, as loadConfig read it); null where none names them
 * (transformers' LABEL_0 …). A card whose labels line cannot be read (edited by hand) is refused at that line, unless
 * the names are given (`labelsGiven`, --labels): then the folders name none.
 */
export function folderClassNames(model: string, modelLabels: readonly string[] | null, adapter: string | null, labelsGiven = false): FolderClassNames | null {
  if (adapter !== null) {
    const config = path.join(adapter, 'config.json');
    if (fs.existsSync(config)) {
      const c = readConfigJson(config); // as transformers reads it (NaN, {"__float__": …}), as the model's config.json is
      if (c === null || typeof c !== 'object' || Array.isArray(c)) throw new UserError('not a JSON object', config);
      const names = parseLabels(c as Record<string, unknown>, config, (key, msg) => { throw new UserError(`${key}: ${msg}`, config); });
      if (names !== null) return { names, source: "the adapter's config.json id2label", where: `${config}: id2label` };
    }
    const card = path.join(adapter, 'README.md');
    const { names, unreadable } = fs.existsSync(card) ? cardClassNames(readUtf8File(card)) : { names: null, unreadable: null };
    if (unreadable !== null && labelsGiven) return null;
    if (unreadable !== null) {
      const shown = unreadable.text.length > 60 ? `${unreadable.text.slice(0, 60)}…` : unreadable.text;
      throw new UserError(`the labels line \`${shown}\` is not the JSON list of class names saveAdapter writes (labels = ["neg", "pos"]), so the classes' names cannot be read: ` +
        'write it so, or give the names with --labels, in the order of the head\'s outputs', `${card}:${unreadable.line}`);
    }
    if (names !== null) return { names, source: "the adapter's card (README.md)", where: card };
  }
  return modelLabels ? { names: [...modelLabels], source: "config.json's id2label", where: `${path.join(model, 'config.json')}: id2label` } : null;
}

/**
 * Class names against the head they name: one per row, else an error at `source`, where the names came from
 * (`--labels`, or the run's config.yaml labels; a model's id2label is checked when it loads); and no name for two
 * classes, which the class list refuses (classify's {class: p} would keep one of the two).
 */
export function requireOneNamePerClass(names: readonly string[] | null, numLabels: number, source: string): void {
  if (!names) return;
  if (names.length !== numLabels) {
    const give = source === '--labels' ? `${numLabels}` : `--labels with ${numLabels}`;
    throw new UserError(`${names.length} class names for a head that scores ${numLabels} classes: give ${give}, one per class in index order`, source);
  }
  try {
    new LabelSet(names);
  } catch (e) {
    throw isUserError(e) ? new UserError(`${e.what}: name each class once${source === '--labels' ? '' : ', or give the names with --labels'}`, source) : e; // a class named twice by a card or id2label: said at that file
  }
}

/** Where the class names of eval or classify came from, for requireOneNamePerClass: the flag, else the run's config. */
export function labelsSource(labelsFlag: string | undefined, run: string | undefined): string {
  return labelsFlag !== undefined || run === undefined ? '--labels' : `${runPath(run, 'config')}: labels`;
}

/** What a model's task is decided by (modelTask, folderTask): the adapter's own task, and what the model alone is. */
interface TaskFacts {
  /** The adapter's ownTask: null without an adapter, or for one that says none (its task is the model's). */
  adapterTaskType: TaskType | null;
  /** A score head and no trained LM head (isClassificationOnly). */
  classifierOnly: boolean;
  /** What config.json's architectures name. */
  configTask: EvalTask | null;
}

/**
 * The task of a loaded model: the one given (or the run's) > the adapter's task_type (or saved score head: its
 * ownTask; an adapter that says neither, as PEFT's plain PeftModel saves one, takes the model's task) > what config.json's
 * architectures name (a merged classification export says MistralForSequenceClassification, and may keep a
 * tied LM head) > a score head without an LM head > generation.
 * A task given against what the weights were trained for is refused (UserError at `where`, the adapter or
 * model folder): a SEQ_CLS adapter or a classification-only model for generation (its LM head, if any, was
 * never trained with it: the loss would mean nothing), a CAUSAL_LM adapter for classification.
 */
export function modelTask(model: MistralModel, adapter: AdapterInfo | null, given: EvalTask | null, where?: string, words: OptionWords = libraryWords('modelTask')): EvalTask {
  needModel('modelTask', model);
  return decideTask({ adapterTaskType: adapter?.ownTask ?? null, classifierOnly: isClassificationOnly(model), configTask: model.cfg.task }, given, where, words);
}

/**
 * modelTask before the model is loaded: from model folder `modelDir`'s config.json (`config`), its safetensors header's
 * tensor names and adapter folder `adapterDir`'s adapter_config.json, no weight read; a task given against the
 * weights is refused before a backend starts, not after a 7B model has loaded.
 */
export function folderTask(modelDir: string, config: MistralConfig, adapterDir: string | null, given: EvalTask | null, where?: string, words: OptionWords = libraryWords('folderTask')): EvalTask {
  const adapterTaskType = adapterDir !== null ? readAdapterInfo(adapterDir, config.numLayers, config, modelDir).ownTask : null;
  return decideTask({ adapterTaskType, classifierOnly: isClassificationOnlyFolder(modelDir, config), configTask: config.task }, given, where, words);
}

/**
 * canEvaluateAs before the model is loaded, from its folders (folderTask's facts): whether the weights take `task` and
 * will hold its head — a score head from the adapter or the model folder, an LM head from the model folder
 * (hasLmHeadFolder).
 */
export function folderCanEvaluateAs(modelDir: string, config: MistralConfig, adapterDir: string | null, task: EvalTask): boolean {
  try {
    folderTask(modelDir, config, adapterDir, task);
  } catch (e) {
    if (e instanceof UserError) return false;
    throw e;
  }
  if (task === 'generation') return hasLmHeadFolder(modelDir, config) === true;
  return (adapterDir !== null && readAdapterInfo(adapterDir, config.numLayers, config, modelDir).hasScore) || hasScoreHeadFolder(modelDir) === true;
}

/**
 * The class count of the score head the loaded model will have, from its folders' headers (no weight read): the
 * adapter's saved head's rows, else the model folder's score.weight's; undefined where neither shows one (loading then
 * says what is wrong).
 */
export function folderNumLabels(modelDir: string, config: MistralConfig, adapterDir: string | null): number | undefined {
  if (adapterDir !== null) {
    const info = readAdapterInfo(adapterDir, config.numLayers, config, modelDir);
    if (info.hasScore) return info.numLabels;
  }
  return scoreRowsFolder(modelDir) ?? undefined;
}

/**
 * The refusal of a classification without a score head: `usual`, or where the adapter is a SEQ_CLS one that saved none
 * (and the model folder has none either), that: "a SEQ_CLS adapter" would not say what is wrong with this one. Over a
 * model folder with a head of its own, such an adapter is scored with that head, unlike PEFT 0.21, which refuses to load it
 * (KeyError 'base_model.model.score.weight'; README, eval).
 */
export function noScoreHead(adapter: Pick<AdapterInfo, 'taskType' | 'hasScore'> | null, usual: string): string {
  if (adapter?.taskType !== 'SEQ_CLS' || adapter.hasScore) return usual;
  return `a SEQ_CLS adapter without its score head: its adapter_model.safetensors holds no ${SCORE_SAVED_KEY} (PEFT saves the head with a ` +
    `SEQ_CLS adapter, as modules_to_save), and the model folder has no ${HF_NAMES.score}: give the adapter saved with its head`;
}

/** How to leave a given task out, in a refusal of it. */
function noTask(w: OptionWords, given: EvalTask): string {
  return w.cli ? `without --task ${given}` : `pass the task null, not '${given}'`;
}

function decideTask(f: TaskFacts, given: EvalTask | null, where: string | undefined, words: OptionWords): EvalTask {
  const classifier = f.adapterTaskType !== null ? f.adapterTaskType === 'SEQ_CLS' : f.classifierOnly;
  if (given === 'generation' && classifier) {
    const what = f.adapterTaskType !== null ? 'a classification adapter (task_type SEQ_CLS)' : 'a classification model (a score head, no trained LM head)';
    throw new UserError(`task generation: ${what} predicts labels, not text; evaluate it as classification (${noTask(words, 'generation')})`, where);
  }
  if (given === 'classification' && f.adapterTaskType === 'CAUSAL_LM') {
    throw new UserError(`task classification: a causal-LM adapter (task_type CAUSAL_LM) predicts text, not labels; evaluate it as generation (${noTask(words, 'classification')})`, where);
  }
  if (given) return given;
  if (f.adapterTaskType !== null) return classifier ? 'classification' : 'generation';
  if (f.configTask) return f.configTask;
  return f.classifierOnly ? 'classification' : 'generation';
}

/**
 * Whether this model can be evaluated as `task`: modelTask accepts it and the head it needs is there (a score head
 * for classification, an LM head for generation). Where it cannot, no error suggests --task.
 */
export function canEvaluateAs(model: MistralModel, adapter: AdapterInfo | null, task: EvalTask): boolean {
  try {
    modelTask(model, adapter, task);
  } catch (e) {
    if (e instanceof UserError) return false;
    throw e;
  }
  return task === 'classification' ? model.score !== null : model.weights.lmHead !== null;
}
