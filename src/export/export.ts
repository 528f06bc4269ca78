// Export of a training run: the PEFT adapter as it is (for classification with the score head saved the
// way PEFT's modules_to_save does), or a merged model folder that HF transformers loads unchanged
// (config.json, sharded safetensors with an index, tokenizer files, generation_config.json) in the base
// model's dtype (BF16, F16, F32; a mixed one's as transformers loads it), whatever the precision of the merge.
import { needArg } from '../util/api-args.ts';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Backend } from '../backend/backend.ts';
import { precisionDType, type Precision } from '../backend/dtype.ts';
import { withBackend, type DeviceName } from '../backend/select.ts';
import { mergeLora } from '../model/merge.ts';
import { loadModel } from '../model/mistral.ts';
import { loadConfig } from '../model/config.ts';
import { loadAdapter, readAdapterInfo } from '../model/peft.ts';
import { SafetensorsFile } from '../model/safetensors.ts';
import { SafetensorsCheckpoint } from '../model/safetensors-checkpoint.ts';
import { saveModelFolder, type FileDType } from '../model/save.ts';
import { ioError, withIo, writerGone } from '../util/atomic.ts';
import { awaitSwappedIn, createFolderAtomic, recoverFolderSwaps, renamed } from '../util/folder-swap.ts';
import { withRunFolderLocks } from './run-folder-lock.ts';
import { EXPORT_SPEC, moveUp, outputInside, outputPath, PARTIAL, refuseDanglingOutput, removeDeadPartials, withOutputParent } from './out-path.ts';
import { FILE, removeOwned } from '../util/owned-tree.ts';
import { UserError } from '../util/errors.ts';
import { libraryWords, type OptionWords } from '../util/option-words.ts';
import { warn } from '../util/log.ts';
import { nonFiniteError } from '../util/finite.ts';
import { firstNonFiniteTensor } from '../model/finite-weights.ts';
import { copyCheckedFile, copyRegularFile } from '../util/regular-file.ts';
import { WRITTEN_RECORD } from '../util/written-record.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { readUnchanged } from './read-unchanged.ts';
export { MIN_SHARD_BYTES, parseShardSize } from './shard-size.ts'; // a leaf, so that the CLI checks the flag before it loads this
import { modelFolder, requireModelFolder, resolveFilePaths, validate, type TrainConfig } from '../train/config.ts';
import { readYamlConfig } from '../train/config-yaml.ts';
import { MetricsLog } from '../train/metrics-log.ts';
import { warnIfNotTrainedOn } from '../train/model-fingerprint.ts';
import { runFolderSpec, runSpec } from '../train/run-files.ts';
import { requireSourceFilesUnchanged, sourceFilesOf } from '../train/source-files.ts';
import { BEST_EVALUATION, QUICKSTART_LAYOUT, RUN_LAYOUT, runPath, runWeightsDir } from '../run/layout.ts';
import { shellPath } from '../util/shell-quote.ts';
import { missingCheckpointHint } from '../run/missing-checkpoint.ts';

export interface ExportOptions {
  run: string;
  out: string;
  merge: boolean;
  /** Export best/ (the best validation checkpoint) instead of the last step's weights. */
  best: boolean;
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
  kind: 'adapter' | 'merged' | 'full';
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
  if (fs.existsSync(path.join(dir, 'adapter_config.json'))) {
    return hfExport ? `: ${dir} is a PEFT adapter, already in PEFT's format (a GGUF file of it: export --format gguf-lora --adapter ${shellPath(dir)} with its base model as --model)`
      : `: ${dir} is a PEFT adapter: give it as --adapter ${shellPath(dir)} with its base model as --model`;
  }
  return '';
}

/** The resolved config a run was trained with (its config.yaml); `hfExport` as notARunFolder's. */
export function readRunConfig(run: string, hfExport = false): TrainConfig {
  const file = runPath(run, 'config');
  if (!fs.existsSync(file)) {
    // a run's checkpoint given as --run, gone: the run pruned it (or never wrote it), said with what it keeps
    const pruned = missingCheckpointHint(run);
    if (pruned !== '') throw new UserError(`not found${pruned}`, run);
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
  needArg('exportRun', 'options.run', opts.run, 'string', { hint: 'the run folder train wrote' });
  needArg('exportRun', 'options.out', opts.out, 'string', { hint: 'the folder to write' });
  // a caller in plain JavaScript: merge 'yes' (or 'false') was taken by its truthiness
  for (const key of ['merge', 'best'] as const) if (opts[key] !== undefined) needArg('exportRun', `options.${key}`, opts[key], 'boolean', { hint: 'true or false' });
  if (opts.maxShardBytes !== undefined && !(Number.isSafeInteger(opts.maxShardBytes) && opts.maxShardBytes > 0)) {
    throw new UserError(`options.maxShardBytes must be a positive number of bytes, got ${opts.maxShardBytes}`, 'exportRun');
  }
  const cfg = readRunConfig(opts.run, true);
  // only a merge writes shards: an export that copies the run's files would drop the size the user asked for
  if (opts.maxShardBytes !== undefined && (cfg.method === 'full' || !opts.merge)) {
    const shard = words.say('maxShardBytes');
    throw new UserError(cfg.method === 'full'
      ? `${shard} applies to a merged LoRA run: a full fine-tuning run's model/ is copied as train wrote it (shards of at most 5GB)`
      : `${shard} applies to a merged model (${words.say('merge')}): without it the LoRA adapter is copied as train wrote it, in one file`, words.where);
  }
  const source = requireRunWeights(opts.run, cfg, opts.best, words);
  if (cfg.method === 'lora' && opts.merge) {
    // before anything is written, and the adapter as loading it would after the base model (minutes for a 7B) refuse it
    const base = requireModelFolder(cfg, mergeCall(words), opts.run);
    // the merge reads the base model folder whole (its tokenizer and configs copied at the end): no export goes inside it
    const target = withIo(opts.out, 'use as the output folder', () => outputPath(opts.out, words));
    if (outputInside(target, base)) {
      const is = outputInside(base, target) ? 'is' : 'is inside';
      throw new UserError(`${is} the run's base model folder (${base}), which the merge reads: nothing was written; give ${words.say('out')} a path outside it`, opts.out);
    }
    const info = readUnchanged(source, () => readAdapterInfo(source, loadConfig(base).numLayers));
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
  // every step writes and reads the one path the system resolves (link/../exported is beside the link's target), named as given
  const out = withIo(opts.out, 'use as the output folder', () => outputPath(opts.out, words));
  const existing = withIo(opts.out, 'use as the output folder', () => fs.statSync(out, { throwIfNoEntry: false })); // ENOTDIR: a file on the path
  if (existing && !existing.isDirectory()) throw new UserError(`the output exists and is not a folder: give ${words.say('out')} a new folder, or an empty one`, opts.out);
  if (!existing) refuseDanglingOutput(opts.out);
  if (existing) removeDeadPartials(out);
  const inside = existing ? fs.readdirSync(out) : [];
  // what is left is a live export's partial folder (a dead one is left only where it holds a folder of the user's):
  // another export writes there now
  const writer = inside.length === 1 && inside[0]!.startsWith(PARTIAL) ? Number(inside[0]!.slice(PARTIAL.length)) : NaN;
  if (Number.isInteger(writer) && !writerGone(writer, path.join(out, inside[0]!))) throw new UserError(`another export (process ${writer}) is writing into this folder: wait for it to finish, or give ${words.say('out')} another folder`, opts.out);
  if (inside.length > 0) throw new UserError(`output folder exists and is not empty: give ${words.say('out')} a new folder, or an empty one (export replaces nothing)`, opts.out);
  // written whole before it takes the output's name: a failure (or Ctrl-C in a 7B merge) leaves no partial
  // export that would block the retry. A new folder is made beside it and renamed into place; an empty folder
  // the user made (a symlink, a mount point, the current directory) is kept, the export written in a folder
  // inside it whose files move up when whole.
  let kind: ExportResult['kind'] = 'merged';
  if (existing) {
    const partial = path.join(out, `${PARTIAL}${process.pid}`);
    try {
      fs.mkdirSync(partial);
      kind = writeExport(opts, cfg, source, partial, words);
      moveUp(partial, out); // never over a file the user put at --out meanwhile
    } catch (e) {
      // said before the partial folder goes, which frees the inodes whose lack (ENOSPC) the error tells
      const error = ioError(e, opts.out, 'write the export into');
      if (fs.existsSync(partial)) removeOwned(partial, EXPORT_SPEC);
      // a file that could not be written (a full disk) is named where it was going, not in the partial folder now gone
      throw renamed(error, partial, opts.out);
    }
  } else {
    // made, never replacing: a folder that appeared at --out during a long merge is the user's, and stays
    try {
      withOutputParent(opts.out, () => createFolderAtomic(out, (tmp) => {
        fs.mkdirSync(tmp);
        kind = writeExport(opts, cfg, source, tmp, words);
      }, EXPORT_SPEC));
    } catch (e) {
      throw renamed(e, out, opts.out); // a file that could not be written (a full disk) named under --out as given, as the other branch names it
    }
  }
  const files = fs.readdirSync(out).sort();
  if (kind !== 'adapter' && !files.includes('tokenizer.json')) {
    // the run tokenized nothing (pre-tokenized data) with a tokenizer it could save: its model folder has none, and the
    // bundled Mistral tokenizer is not its vocabulary
    warn(`${opts.out}: no tokenizer was written (the run's model folder has no tokenizer.json, and the bundled Mistral tokenizer does not fit its vocab_size): ` +
      'transformers\' AutoTokenizer cannot load this folder; copy the tokenizer files its token ids come from into it');
  }
  return { kind, files };
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
        else if (f.endsWith('.json')) readJsonFile(path.join(source, f)); // adapter_config.json, config.json: PEFT and HF parse them first
      }
      // the others (tokenizer.model, chat_template.jinja) checked whole against the record as they are copied
      for (const f of files) (f.endsWith('.safetensors') || f.endsWith('.json') ? copyRegularFile : copyCheckedFile)(path.join(source, f), path.join(out, f));
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
  // W + s·B·A is computed in f32 and rounded once to the base's dtype: at write time (f32 weights), or on the
  // GEMM's store when a BF16 base is merged in bf16 (the same rounding, half the memory).
  const base = requireModelFolder(cfg, mergeCall(words), opts.run);
  if (!opts.backend) return withBackend(opts.device ?? 'auto', (backend) => writeExport({ ...opts, backend }, cfg, source, out, words));
  // the files the merged model takes from the base folder at its end, as the merge found them (a run's save checks them so)
  const baseFiles = sourceFilesOf(base);
  const fileDtype = checkpointDType(base);
  const bf16 = fileDtype === 'bf16' && precisionDType(opts.precision ?? 'auto', opts.backend.name) === 'bf16';
  const model = loadModel(base, { backend: opts.backend, dtype: bf16 ? 'bf16' : 'f32' });
  readUnchanged(source, () => loadAdapter(model, source, { trainable: false })); // read whole here: the merge needs it no more
  mergeLora(model);
  requireSourceFilesUnchanged(base, baseFiles, { since: 'the merge read the model', during: 'it merged', then: 'export again' });
  saveModelFolder(model, out, { // with the tokenizer it was trained with (the bundled one for a folder without)
    sourceDir: base, head: cfg.task === 'classification' ? 'classification' : 'causal', labels: cfg.labels, maxShardBytes: opts.maxShardBytes,
    dtype: fileDtype, requireFinite: true,
  });
  model.releaseActivations();
  return 'merged';
}

/** torch's dtype names (config.json's dtype / torch_dtype) of the float types a merged model is written in. */
const CONFIG_DTYPES: Readonly<Record<string, FileDType>> = { bfloat16: 'bf16', float16: 'f16', half: 'f16', float32: 'f32', float: 'f32' };
const FILE_DTYPES: Readonly<Record<string, FileDType>> = { BF16: 'bf16', F16: 'f16', F32: 'f32' };
const FLOAT_TENSORS = new Set(['BF16', 'F16', 'F32', 'F64']);

/**
 * The dtype a merged model folder is written in: the one transformers 5 loads its base in with from_pretrained
 * (dtype="auto", its default) and so writes every tensor in after merge_and_unload and save_pretrained: config.json's
 * dtype (or torch_dtype) where it names one — an F32 checkpoint whose config says float16 is loaded, merged and saved
 * as F16, and BF16 weights under float32 as F32 —, else that of the first floating tensor (transformers'
 * get_state_dict_dtype over the first shard, whose names safetensors lists sorted). F64 and anything not written as
 * BF16 or F16 is F32.
 */
export function checkpointDType(dir: string): FileDType {
  const cfgFile = path.join(dir, 'config.json');
  const cfg = fs.existsSync(cfgFile) ? readJsonFile(cfgFile) : null;
  const said = isRecord(cfg) ? cfg.dtype ?? cfg.torch_dtype : undefined;
  if (typeof said === 'string' && said !== 'auto') return CONFIG_DTYPES[said] ?? 'f32';
  return firstTensorDType(dir);
}

/** The dtype of the first floating tensor of a checkpoint's first shard, names sorted (F32 where it has none). */
function firstTensorDType(dir: string): FileDType {
  const ckpt = SafetensorsCheckpoint.open(dir);
  try {
    const names = ckpt.names();
    const shardOf = (n: string): string => path.basename(ckpt.fileOf(n).file);
    const firstShard = names.map(shardOf).sort()[0];
    const first = names.filter((n) => shardOf(n) === firstShard).sort().find((n) => FLOAT_TENSORS.has(ckpt.info(n).dtype));
    return first === undefined ? 'f32' : FILE_DTYPES[ckpt.info(first).dtype] ?? 'f32';
  } finally {
    ckpt.close();
  }
}
