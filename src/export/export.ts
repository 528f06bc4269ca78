// Export of a training run: the PEFT adapter as it is (for classification with the score head saved the
// way PEFT's modules_to_save does), or a merged model folder that HF transformers loads unchanged
// (config.json, sharded safetensors with an index, tokenizer files, generation_config.json) in the base
// model's dtype (BF16, F16, F32; a mixed one's as transformers loads it), whatever the precision of the merge.
import { needArg, needPath, optionKeys, refuseMisspelledKeys } from '../util/api-args.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../backend/backend.ts';
import type { Precision } from '../backend/dtype.ts';
import { withBackend, type DeviceName } from '../backend/select.ts';
import { needOpenBackend } from '../backend/open-backend.ts';
import { loadConfig } from '../model/config.ts';
import { readAdapterInfo } from '../model/peft.ts';
import { SafetensorsFile } from '../model/safetensors.ts';
import { SafetensorsCheckpoint } from '../model/safetensors-checkpoint.ts';
import { withIo } from '../util/atomic.ts';
import { awaitSwappedIn, recoverFolderSwaps } from '../util/folder-swap.ts';
import { withRunFolderLocks } from './run-folder-lock.ts';
import { outputPath, refuseOutputIn } from './out-path.ts';
import { FILE } from '../util/owned-tree.ts';
import { UserError } from '../util/errors.ts';
import { libraryWords, type OptionWords } from '../util/option-words.ts';
import { nonFiniteError } from '../util/finite.ts';
import { firstNonFiniteTensor } from '../model/finite-weights.ts';
import { copyCheckedFile, copyRegularFile } from '../util/regular-file.ts';
import { WRITTEN_RECORD } from '../util/written-record.ts';
import { readFolderJson } from '../model/folder-json.ts';
import { readUnchanged } from './read-unchanged.ts';
import { writeLoadableGenerationConfig } from '../model/save.ts';
import { needShardBytes, SHARD_SIZE_HINTS } from './shard-size.ts';
import { writeMergedFolder } from './merged-folder.ts';
import { writeOutputFolder, type ExportKind } from './output-folder.ts';
export { MIN_SHARD_BYTES, parseShardSize } from './shard-size.ts'; // a leaf, so that the CLI checks the flag before it loads this
import { modelFolder, requireModelFolder, resolveFilePaths, validate, type TrainConfig } from '../train/config.ts';
import { readYamlConfig } from '../train/config-yaml.ts';
import { fileAsRunText } from '../train/file-as-run.ts';
import { MetricsLog } from '../train/metrics-log.ts';
import { warnIfNotTrainedOn } from '../train/model-fingerprint.ts';
import { runFolderSpec, runSpec } from '../train/run-files.ts';
import { BEST_EVALUATION, QUICKSTART_LAYOUT, RUN_LAYOUT, runPath, runWeightsDir } from '../run/layout.ts';
import { shellPath } from '../util/shell-quote.ts';
import { missingCheckpointHint } from '../run/missing-checkpoint.ts';
import { nearFileHint } from '../util/near-file.ts';
import { isPrepareReport, PREPARE_REPORT } from '../data/prepare-report.ts';

export interface ExportOptions {
  run: string;
  out: string;
  /** Merge the LoRA adapter into the base weights, a full HF model folder (absent: false, the adapter copied as it is). */
  merge?: boolean;
  /** Export best/ (the best validation checkpoint) instead of the last step's weights (absent: false). */
  best?: boolean;
  maxShardBytes?: number;
  /** The backend of a merge (exportMerges); a copy of a run's files needs none. */
  backend?: Backend;
  /**
   * Without `backend`: the device a merge starts one on (default auto), once every refusal is made, so that a bad
   * --out or a missing base model is said before a backend starts (and closed after the merge).
   */
  device?: DeviceName;
  /** Precision of the merge (memory only: the merged model is written in the base model's dtype). */
  precision?: Precision;
}

export interface ExportResult {
  kind: ExportKind;
  files: string[];
}

/**
 * What a folder given as --run is when it is one of ours that is not a run (a common mix-up with --model), as the rest of
 * a sentence; '' otherwise. model/config.ts says the same of a run folder given as --model. `hfExport`: for an export to
 * an HF folder, which takes no --model or --adapter (only --format gguf and gguf-lora do): what those files already are.
 */
function notARunFolder(dir: string, hfExport: boolean): string {
  if (fs.existsSync(path.join(dir, QUICKSTART_LAYOUT.marker))) return `: ${dir} is a quickstart folder; its run is ${path.join(dir, QUICKSTART_LAYOUT.run)}`;
  if (fs.existsSync(path.join(dir, 'config.json'))) {
    return hfExport ? `: ${dir} is a model folder, already in HF's format (a GGUF file of it: export --format gguf --model ${shellPath(dir)})`
      : `: ${dir} is a model folder: give it as --model ${shellPath(dir)}`;
  }
  // prepare's output beside its run (runs/data, runs/lora: the README's path) was refused with no word of what it is
  if (isPrepareReport(path.join(dir, PREPARE_REPORT))) {
    return `: ${dir} is a prepare output, data (its train.jsonl, val.jsonl and test.jsonl are for train's data: keys or eval's --data); --run takes the folder a train wrote (its output_dir)`;
  }
  if (fs.existsSync(path.join(dir, 'adapter_config.json'))) {
    return hfExport ? `: ${dir} is a PEFT adapter, already in PEFT's format (a GGUF file of it: export --format gguf-lora --adapter ${shellPath(dir)} with its base model as --model)`
      : `: ${dir} is a PEFT adapter: give it as --adapter ${shellPath(dir)} with its base model as --model`;
  }
  return '';
}

/** Whether `p` is a file (through links); false where it is not, or cannot be said (ENOTDIR, EACCES: left to the caller's words). */
function regularFileThere(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/** Whether something is at `p`: false only where the system says it is not (ENOENT); a path it cannot follow (ENOTDIR, EACCES) is left to the caller's words. */
function pathThere(p: string): boolean {
  try {
    return fs.statSync(p, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}

/** The resolved config a run was trained with (its config.yaml); `hfExport` as notARunFolder's. */
export function readRunConfig(run: string, hfExport = false): TrainConfig {
  const file = runPath(run, 'config');
  if (!fs.existsSync(file)) {
    // a run's checkpoint given as --run, gone: the run pruned it (or never wrote it), said with what it keeps
    const pruned = missingCheckpointHint(run);
    if (pruned !== '') throw new UserError(`not found${pruned}`, run);
    // a folder not there at all was "not a run directory: config.yaml not found", and a slip (runs/rn1 for runs/run1) unsaid
    if (!pathThere(run)) throw new UserError(`run directory not found${nearFileHint(run)}`, run);
    // a training config given as the run (was "not a run directory: config.yaml not found", of a file)
    if (regularFileThere(run)) throw new UserError(fileAsRunText(run, '--run takes the folder a train wrote'), run);
    throw new UserError(`not a run directory: ${RUN_LAYOUT.config} not found${notARunFolder(run, hfExport)}`, run);
  }
  const { mapping, place, written } = readYamlConfig(file);
  resolveFilePaths(mapping, file, place, true); // a relative path is the run folder's, as train --resume reads it
  return validate(mapping, place, [], written);
}

/** What to do about a run whose weights went: train it again, as the CLI or the library says it. */
const trainAgainWords = (words: OptionWords): string => `train the run again ${words.cli ? 'with --overwrite' : 'with train(config, {overwrite: true})'}`;

/**
 * The folder of a run's trained weights (runWeightsDir), which must be there: best/ is written only by a
 * run with val data (at its first evaluation after step 0), adapter/ or model/ once the run has finished. The one
 * wording of eval, classify and every export.
 */
export function requireRunWeights(run: string, cfg: TrainConfig, best: boolean, words: OptionWords): string {
  const dir = runWeightsDir(run, cfg.method, best);
  // a run killed between the two renames that replace it left it moved aside (.old-NAME-PID): put back, as --resume does
  if (!fs.existsSync(dir)) recoverFolderSwaps(run, runSpec(cfg.method));
  // a run still training between the two renames that replace it (a newer best/) has it back in a moment
  if (awaitSwappedIn(dir)) {
    const base = cfg.method === 'lora' ? modelFolder(cfg) : null;
    if (base !== null && fs.existsSync(base)) warnIfNotTrainedOn(dir, base); // an adapter is read over the base it was trained on
    return dir;
  }
  const trainAgain = trainAgainWords(words);
  if (!best) {
    // report.json is written last: a run that has it finished, and its weights were moved or deleted since
    const why = fs.existsSync(runPath(run, 'report')) ? `the run finished (its ${RUN_LAYOUT.report} is written), so it was moved or deleted since; ${trainAgain}`
      : 'the run has not finished (it is written after the last step)';
    throw new UserError(`${path.basename(dir)}/ not found: ${why}`, dir);
  }
  // an evaluation after step 0 writes best/: a run with one had it, and it went since (deleted, or moved away before a resume)
  const evaluated = cfg.data.val ? firstValStepAfterStart(run) : null;
  if (evaluated !== null) {
    throw new UserError(`${RUN_LAYOUT.best}/ not found: the run evaluated its val data at step ${evaluated} (${RUN_LAYOUT.metrics}), which wrote it, so it ` +
      `was moved or deleted since: put it back, leave out ${words.say('best')} for the last step's weights, or ${trainAgain}`, dir);
  }
  throw new UserError(`${RUN_LAYOUT.best}/ not found: it is written only by a run that evaluates on val data (data.val), ` +
    `${cfg.data.val ? 'and this one stopped before its first evaluation after step 0 (step 0\'s is a baseline, which best/ does not take)' : `and this run has none: leave out ${words.say('best')} for the last step's weights`}`, dir);
}

/** The step of the run's first val evaluation after step 0 in its metrics.jsonl (which writes best/), or null when there is none. */
function firstValStepAfterStart(run: string): number | null {
  for (const row of new MetricsLog(runPath(run, 'metrics')).rows()) {
    if (row.split === 'val' && typeof row.step === 'number' && row.step > 0 && typeof row.loss === 'number') return row.step; // a non-finite one wrote nothing
  }
  return null;
}

/**
 * Whether the export of a run computes (a merge: `merge` of a LoRA run) and so needs a backend and takes a precision;
 * every other export copies the run's files as train wrote them.
 */
export function exportMerges(run: string, merge: boolean): boolean {
  return merge && readRunConfig(run, true).method === 'lora';
}

/** What a merge of a run is called in an error (about its base model; the GGUF export's way out): the CLI's command, or the library call. */
export const mergeCall = (w: OptionWords): string => (w.cli ? 'export --merge' : 'exportRun with merge');

export function exportRun(opts: ExportOptions, words: OptionWords = libraryWords('exportRun')): ExportResult {
  needArg('exportRun', 'options', opts, 'object');
  // {merged: true} exported the adapter alone, without a word
  refuseMisspelledKeys('exportRun', 'options', opts, optionKeys<ExportOptions>()(['run', 'out', 'merge', 'best', 'maxShardBytes', 'backend', 'device', 'precision']), SHARD_SIZE_HINTS);
  if (opts.backend) needOpenBackend('exportRun', opts.backend, 'options.backend'); // it was loadModel's refusal, after the output's locks
  needPath('exportRun', 'options.run', opts.run, 'folder', 'the run folder train wrote');
  needPath('exportRun', 'options.out', opts.out, 'folder', 'the folder to write');
  // a caller in plain JavaScript: merge 'yes' (or 'false') was taken by its truthiness
  for (const key of ['merge', 'best'] as const) if (opts[key] !== undefined) needArg('exportRun', `options.${key}`, opts[key], 'boolean', { hint: 'true or false' });
  needShardBytes('exportRun', opts.maxShardBytes);
  const cfg = readRunConfig(opts.run, true);
  // only a merge writes shards: an export that copies the run's files would drop the size the user asked for
  if (opts.maxShardBytes !== undefined && (cfg.method === 'full' || !opts.merge)) {
    const shard = words.say('maxShardBytes');
    throw new UserError(cfg.method === 'full'
      ? `${shard} applies to a merged LoRA run: a full fine-tuning run's model/ is copied as train wrote it (shards of at most 5GB)`
      : `${shard} applies to a merged model (${words.say('merge')}): without it the LoRA adapter is copied as train wrote it, in one file`, words.where);
  }
  const source = requireRunWeights(opts.run, cfg, opts.best ?? false, words);
  if (cfg.method === 'lora' && opts.merge) {
    // before anything is written, and the adapter as loading it would after the base model (minutes for a 7B) refuse it
    const base = requireModelFolder(cfg, mergeCall(words), opts.run);
    // the merge reads the base model folder whole (its tokenizer and configs copied at the end): no export goes inside it
    const target = withIo(opts.out, 'use as the output folder', () => outputPath(opts.out, words));
    refuseOutputIn(target, base, { out: opts.out, what: "the run's base model folder", why: 'which the merge reads', flag: words.say('out') });
    const info = readUnchanged(source, () => { const baseCfg = loadConfig(base); return readAdapterInfo(source, baseCfg.numLayers, baseCfg, base); });
    // the merged config.json's id2label names the head's classes: config.yaml's labels edited to another count since the
    // run (eval and classify of the run refuse them too) would write a model whose head transformers cannot load
    if (cfg.task === 'classification' && cfg.labels && info.hasScore && cfg.labels.length !== info.numLabels) {
      throw new UserError(`labels: ${cfg.labels.length} class names for the run's head of ${info.numLabels} classes: a merged model's id2label ` +
        `names one per class; put the run's ${info.numLabels} class names back`, `${runPath(opts.run, 'config')}`);
    }
  }
  return withRunFolderLocks(opts.out, words, () => writeRunExport(opts, cfg, source, words));
}

/** exportRun's output written at opts.out (a new folder, or an empty one), once nothing is left to refuse. */
function writeRunExport(opts: ExportOptions, cfg: TrainConfig, source: string, words: OptionWords): ExportResult {
  return writeOutputFolder(opts.out, words, (dir) => writeExport(opts, cfg, source, dir, words));
}

/** Throws a UserError naming the safetensors `file` when it does not read whole or a floating tensor of it is not finite. */
function requireFiniteFile(file: string): void {
  const st = SafetensorsFile.open(file);
  try {
    const bad = firstNonFiniteTensor(st);
    if (bad) throw nonFiniteError(bad.name, bad.index, bad.value, file);
  } finally {
    st.close();
  }
}

/**
 * Throws naming the first file that a run's weights folder `source` lacks for PEFT or transformers to load it: an
 * adapter's adapter_config.json and adapter_model.safetensors; a model folder's config.json and its weights (one file,
 * or the index and every shard it names). Train wrote them all, so a copy without one (which eval, generate and the
 * GGUF export refuse) is not an export.
 */
function requireLoadableWeights(source: string, method: TrainConfig['method'], words: OptionWords): void {
  const weights = method === 'lora' ? 'adapter_model.safetensors' : 'model.safetensors';
  const index = method === 'full' ? `${weights}.index.json` : null;
  const present = (f: string): boolean => withIo(source, 'read the run\'s weights folder', () => fs.existsSync(path.join(source, f)));
  const needed = [method === 'lora' ? 'adapter_config.json' : 'config.json', index !== null && present(index) ? index : weights];
  for (const f of needed) {
    if (present(f)) continue;
    throw new UserError(`not found: train wrote it in the run's ${path.basename(source)}/, so it was moved or deleted since, and a copy without it ` +
      `loads nowhere; nothing was exported: put it back, or ${trainAgainWords(words)}`, path.join(source, f));
  }
  if (index !== null && present(index)) SafetensorsCheckpoint.open(source).close(); // a shard the index names is missing: named there
}

/** Writes the export of a run's weights folder `source` into the folder `out`. */
function writeExport(opts: ExportOptions, cfg: TrainConfig, source: string, out: string, words: OptionWords): ExportResult['kind'] {
  if (cfg.method === 'full' || !opts.merge) {
    // an adapter (or a fully trained model folder) is exported as it is, once each weights file reads whole and holds
    // no NaN or infinity: a file cut short (a full disk, an interrupted copy) or damaged is named here, not passed on
    // as an export (as a merge or a GGUF refuses it)
    // the files train wrote there: not a file of the user's kept in the folder (best/notes.md), nor a leftover temporary
    const own = runFolderSpec(path.basename(source), cfg.method);
    // a folder that cannot be read (EACCES) is named, not blamed on --out where the error would be caught
    readUnchanged(source, () => {
      const entries = withIo(source, 'read the run\'s weights folder', () => fs.readdirSync(source)).sort();
      // best/'s evaluation.json is the run's note of the loss its weights had, no file of an adapter or a model folder
      // nor the record of what train wrote there (checked as the files are read below): an export is the ecosystem's folder
      const files = entries.filter((f) => own(f) === FILE && f !== BEST_EVALUATION && f !== WRITTEN_RECORD);
      requireLoadableWeights(source, cfg.method, words);
      for (const f of files) {
        if (f.endsWith('.safetensors')) requireFiniteFile(path.join(source, f));
        // adapter_config.json, config.json: PEFT and HF parse them first, as they do (a NaN a source's generation_config.json held)
        else if (f.endsWith('.json')) readFolderJson(path.join(source, f));
      }
      // the others (tokenizer.model, chat_template.jinja) checked whole against the record as they are copied
      for (const f of files) {
        const from = path.join(source, f), to = path.join(out, f);
        // a full run saved before its save left out what transformers cannot load holds such a file: the same rule here
        if (cfg.method === 'full' && f === 'generation_config.json') writeLoadableGenerationConfig(from, to);
        else (f.endsWith('.safetensors') || f.endsWith('.json') ? copyRegularFile : copyCheckedFile)(from, to);
      }
      // a full run's model folder's named chat templates (save.ts's MODEL_FOLDER_SPEC), in their folder
      for (const d of entries) {
        const spec = own(d);
        if (typeof spec !== 'function' || !fs.lstatSync(path.join(source, d)).isDirectory()) continue;
        fs.mkdirSync(path.join(out, d));
        for (const f of fs.readdirSync(path.join(source, d)).sort()) if (spec(f) === FILE) copyCheckedFile(path.join(source, d, f), path.join(out, d, f));
      }
    });
    return cfg.method === 'full' ? 'full' : 'adapter';
  }
  const base = requireModelFolder(cfg, mergeCall(words), opts.run);
  if (!opts.backend) return withBackend(opts.device ?? 'auto', (backend) => writeExport({ ...opts, backend }, cfg, source, out, words));
  writeMergedFolder({ base, adapter: source, head: cfg.task === 'classification' ? 'classification' : 'causal', labels: cfg.labels,
    maxShardBytes: opts.maxShardBytes, precision: opts.precision, backend: opts.backend }, out);
  return 'merged';
}
