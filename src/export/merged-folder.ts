// A LoRA adapter merged into its base model and written as an HF model folder, as PEFT's
// merge_and_unload().save_pretrained writes it: W + s·B·A computed in f32 and rounded once to the base's dtype (at write
// time for f32 weights, or on the GEMM's store when a BF16 base is merged in bf16: the same rounding, half the memory),
// with the base's config, generation config and tokenizer files. A run's merge (export.ts) and an adapter's
// (merge-adapter.ts) both write it here.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigJson } from '../util/config-json.ts';
import type { Backend } from '../backend/backend.ts';
import { precisionDType, type Precision } from '../backend/dtype.ts';
import { mergeLora } from '../model/merge.ts';
import { loadModel } from '../model/mistral.ts';
import { loadAdapter } from '../model/peft.ts';
import { SafetensorsCheckpoint } from '../model/safetensors-checkpoint.ts';
import { saveModelFolder, type FileDType } from '../model/save.ts';
import { isRecord } from '../util/json-file.ts';
import { requireSourceFilesUnchanged, sourceFilesOf } from '../train/source-files.ts';
import { readUnchanged } from './read-unchanged.ts';

export interface MergeSource {
  /** The base model folder. */
  base: string;
  /** The PEFT adapter folder merged into it (read whole inside readUnchanged: a run still training may swap it). */
  adapter: string;
  /** 'classification': the adapter's score head written as score.weight (MistralForSequenceClassification). */
  head: 'causal' | 'classification';
  /** id2label's class names (null: LABEL_0 …). */
  labels: readonly string[] | null;
  maxShardBytes: number | undefined;
  /** The merge's precision (memory only: the folder is written in the base's dtype). */
  precision: Precision | undefined;
  backend: Backend;
}

/** Writes base + adapter, merged, into the folder `out` (made by the caller). */
export function writeMergedFolder(src: MergeSource, out: string): void {
  // the files the merged model takes from the base folder at its end, as the merge found them (a run's save checks them so)
  const baseFiles = sourceFilesOf(src.base);
  const fileDtype = checkpointDType(src.base);
  const bf16 = fileDtype === 'bf16' && precisionDType(src.precision ?? 'auto', src.backend.name) === 'bf16';
  const model = loadModel(src.base, { backend: src.backend, dtype: bf16 ? 'bf16' : 'f32' });
  readUnchanged(src.adapter, () => loadAdapter(model, src.adapter, { trainable: false })); // read whole here: the merge needs it no more
  mergeLora(model);
  requireSourceFilesUnchanged(src.base, baseFiles, { since: 'the merge read the model', during: 'it merged', then: 'export again' });
  saveModelFolder(model, out, { // with the tokenizer it was trained with (the bundled one for a folder without)
    sourceDir: src.base, head: src.head, labels: src.labels, maxShardBytes: src.maxShardBytes, dtype: fileDtype, requireFinite: true,
  });
  model.releaseActivations();
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
  const cfg = fs.existsSync(cfgFile) ? readConfigJson(cfgFile) : null;
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
