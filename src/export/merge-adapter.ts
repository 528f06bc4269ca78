// The library's merge of a PEFT LoRA adapter folder into its base model, written as an HF model folder
// (exportMergedAdapter; `mistral-tune export --adapter A [--model BASE] --merge --out DIR`): what
// PeftModel.from_pretrained(base, A).merge_and_unload().save_pretrained(DIR) writes, over the base model folder given,
// or the one the adapter's adapter_config.json names (as AutoPeftModelForCausalLM finds it). A SEQ_CLS adapter (its
// score head saved by modules_to_save) is written as the base's class (MistralForSequenceClassification,
// LlamaForSequenceClassification, MinistralForSequenceClassification: family.ts), as is one without task_type (PEFT's
// plain PeftModel, no head saved) over a sequence classifier, with that model's head, and a SEQ_CLS adapter saved without
// its head over a base with one, with that head (as eval and classify score it); its class names those classify
// gives it (the adapter folder's config.json or card, else the base's id2label) where they name as many as it has
// (else LABEL_0 …, as transformers names them, with a warning naming where the other count came from).
import type { Backend } from '../backend/backend.ts';
import type { Precision } from '../backend/dtype.ts';
import { withBackend, type DeviceName } from '../backend/select.ts';
import { needOpenBackend } from '../backend/open-backend.ts';
import { adapterBaseFolder, sayAdapterBase } from '../model/adapter-base-folder.ts';
import { loadConfig } from '../model/config.ts';
import { readAdapterInfo } from '../model/peft.ts';
import { hasScoreHeadFolder } from '../model/task.ts';
import { warnIfNotTrainedOn } from '../train/model-fingerprint.ts';
import { warnIfAdapterTemplateDiffers } from '../tokenizer/adapter-template.ts';
import { folderClassNames, folderNumLabels, folderTask, noScoreHead } from '../eval/target.ts';
import { needArg, needPath, optionKeys, refuseMisspelledKeys } from '../util/api-args.ts';
import { withIo } from '../util/atomic.ts';
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';
import { libraryWords, type OptionWords } from '../util/option-words.ts';
import { writeMergedFolder } from './merged-folder.ts';
import { outputPath, refuseOutputIn } from './out-path.ts';
import { readUnchanged } from './read-unchanged.ts';
import { needShardBytes, SHARD_SIZE_HINTS } from './shard-size.ts';
import { withRunFolderLocks } from './run-folder-lock.ts';
import { writeOutputFolder } from './output-folder.ts';

export interface MergedAdapterOptions {
  /** A PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors). */
  adapter: string;
  /** Its base model folder; default: the folder its adapter_config.json's base_model_name_or_path names. */
  model?: string;
  /** The folder to write (new, or empty). */
  out: string;
  maxShardBytes?: number;
  /** The backend of the merge; without it one is started on `device` (default auto) once nothing is left to refuse. */
  backend?: Backend;
  device?: DeviceName;
  /** Precision of the merge (memory only: the merged model is written in the base model's dtype). */
  precision?: Precision;
}

export interface MergedAdapterResult {
  /** The base model folder merged into. */
  base: string;
  head: 'causal' | 'classification';
  files: string[];
}

export function exportMergedAdapter(opts: MergedAdapterOptions, words: OptionWords = libraryWords('exportMergedAdapter')): MergedAdapterResult {
  const fn = 'exportMergedAdapter';
  needArg(fn, 'options', opts, 'object', { hint: "an object such as {adapter: 'my-adapter', out: 'merged'}" });
  refuseMisspelledKeys(fn, 'options', opts, optionKeys<MergedAdapterOptions>()(['adapter', 'model', 'out', 'maxShardBytes', 'backend', 'device', 'precision']), SHARD_SIZE_HINTS);
  if (opts.backend) needOpenBackend(fn, opts.backend, 'options.backend'); // it was loadModel's refusal, after the output's locks
  needPath(fn, 'options.adapter', opts.adapter, 'folder', 'the PEFT adapter folder to merge');
  needPath(fn, 'options.out', opts.out, 'folder', 'the folder to write');
  if (opts.model !== undefined) needPath(fn, 'options.model', opts.model, 'folder', 'the base model folder');
  needShardBytes(fn, opts.maxShardBytes);
  const base = opts.model ?? adapterBaseFolder(opts.adapter, words);
  if (opts.model === undefined) sayAdapterBase(opts.adapter, base);
  const cfg = loadConfig(base);
  // the merge reads the base folder whole (its tokenizer and configs copied at the end) and the adapter: no export goes inside either
  const target = withIo(opts.out, 'use as the output folder', () => outputPath(opts.out, words));
  for (const [folder, what] of [[base, 'the base model folder'], [opts.adapter, 'the adapter folder']] as const) {
    refuseOutputIn(target, folder, { out: opts.out, what, why: 'which the merge reads', flag: words.say('out') });
  }
  // the adapter's config and tensor shapes against the base's (an adapter of another base is said here, before its weights load)
  const info = readUnchanged(opts.adapter, () => readAdapterInfo(opts.adapter, cfg.numLayers, cfg, base));
  // a SEQ_CLS adapter saved without its head is merged with the base's, as eval and classify score it; over a base
  // without one (a causal LM), the merged classifier's head would be untrained: refused in their words
  if (info.taskType === 'SEQ_CLS' && !info.hasScore && hasScoreHeadFolder(base) === false) throw new UserError(noScoreHead(info, ''), opts.adapter);
  warnIfNotTrainedOn(opts.adapter, base);
  warnIfAdapterTemplateDiffers(opts.adapter, base, words, 'the export writes');
  // an adapter that says no task (PEFT's plain PeftModel) merges into the base's class: over a sequence classifier, a
  // classifier with the base's own head, as merge_and_unload of PeftModel.from_pretrained(that model, adapter) writes it
  const classifier = info.hasScore || info.ownTask === 'SEQ_CLS' || (info.ownTask === null && folderTask(base, cfg, null, null) === 'classification');
  const head = classifier ? 'classification' : 'causal';
  const numLabels = folderNumLabels(base, cfg, opts.adapter) ?? 0;
  // the class names classify gives this adapter's head (its folder's config.json or card, else the base's id2label) where
  // they name as many as it has; else LABEL_0 …, as transformers names them: said where names were given for another
  // count (classify --adapter refuses them at that place), not dropped in silence
  const named = head === 'classification' ? folderClassNames(base, cfg.labels, opts.adapter) : null;
  const labels = named?.names.length === numLabels ? named.names : null;
  if (named && labels === null) {
    const n = numLabels;
    warn(`${named.where}: ${named.names.length} class names for a head that scores ${n} classes (classify --adapter refuses them): the merged ` +
      `config.json names its classes LABEL_0 … LABEL_${n - 1}, as transformers does; to keep names, give ${n} there, one per class in index order`);
  }
  const merge = (backend: Backend, dir: string): void => writeMergedFolder({
    base, adapter: opts.adapter, head, labels, maxShardBytes: opts.maxShardBytes, precision: opts.precision, backend,
  }, dir);
  const { files } = withRunFolderLocks(opts.out, words, () => writeOutputFolder(opts.out, words, (dir) => {
    if (opts.backend) merge(opts.backend, dir);
    else withBackend(opts.device ?? 'auto', (backend) => merge(backend, dir));
    return 'merged';
  }, 'the base model folder'));
  return { base, head, files };
}
