// A model with random weights drawn where they live (`model: {config, init: random}` of the train config):
// each tensor is allocated on the backend and filled by its randomNormal kernel, with no host copy of the
// weights, so a 7B model initialises on a GPU in seconds. HF's initialisation: normal(0, initializer_range)
// for the embedding and every matrix, ones for the norms, then the pad row of the embedding zeroed (nn.Embedding's
// padding_idx: _init_weights zeros it; tied, lm_head shares the zero row). The values are the counter-based generator's
// (backend.ts randomNormal): element j of the k-th tensor (embed, then each layer's projections in
// PROJECTIONS order, then lm_head) sits at counter Σ earlier tensors' sizes + j. They are NOT those of
// createRandomModel (init.ts, the host Rng of tests and the quickstart) for the same seed.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import { modelDTypes, type DType } from '../backend/dtype.ts';
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import { parseConfig, randomConfigFile, type MistralConfig } from './config.ts';
import { readConfigJson } from '../util/config-json.ts';
import { initStd } from './init-std.ts';
import { MistralModel } from './mistral.ts';
import { randomWeights } from './init.ts';
import { embeddingPadRow } from './negative-ids.ts';

/** An HF config.json: its path (a file, or a folder that holds config.json), or its keys inline. */
export type ConfigSource = string | Record<string, unknown>;

export interface RandomModelConfig {
  cfg: MistralConfig;
  /** HF's initializer_range (default 0.02; 0 draws with 0.02, as transformers): the standard deviation of every matrix. */
  std: number;
  /** Where the config came from, for errors and logs. */
  where: string;
}

/** Reads and validates the config of a random model; inline keys default model_type to "mistral". */
export function readRandomModelConfig(source: ConfigSource, key = 'model.config'): RandomModelConfig {
  let raw: unknown, where: string;
  if (typeof source === 'string') {
    const file = randomConfigFile(source, key);
    raw = readConfigJson(file);
    where = file;
  } else {
    raw = { model_type: 'mistral', ...source };
    where = `${key} (inline)`;
  }
  if (!isRecord(raw)) throw new UserError('an HF config must be a mapping of keys to values', where);
  const cfg = parseConfig(raw, where);
  return { cfg, std: initStd(cfg, 'every matrix of a random model', where), where };
}

export interface DeviceInitOptions {
  seed: number;
  /** Standard deviation of matrix entries (HF's initializer_range). */
  std: number;
  /** The model dtype: f32, bf16 (weights stored in bf16) or f64. */
  dtype: DType;
}

/** The model's weights drawn on `backend` by its randomNormal kernel, tensor by tensor. */
export function initRandomModel(backend: Backend, cfg: MistralConfig, opts: DeviceInitOptions): MistralModel {
  const storage = modelDTypes(opts.dtype).storage;
  let counter = 0;
  const matrix = (rows: number, cols: number): DeviceBuffer => {
    const n = rows * cols;
    const b = backend.alloc(storage, n);
    backend.randomNormal(b, opts.seed, counter, opts.std, n);
    counter += n;
    return b;
  };
  const ones = (): DeviceBuffer => {
    const b = backend.alloc(storage, cfg.hiddenSize);
    backend.fill(b, 1);
    return b;
  };
  const weights = randomWeights(cfg, matrix, ones);
  // drawn whole first, so the pad id moves no other value off its counter
  const padRow = embeddingPadRow(cfg);
  if (padRow !== null) backend.fill(backend.view(weights.embed, padRow * cfg.hiddenSize, cfg.hiddenSize), 0);
  return new MistralModel(backend, cfg, weights, opts.dtype);
}
