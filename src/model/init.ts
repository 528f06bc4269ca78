// A model created from a config and a seed, with HF's initialisation (normal(0, initializer_range)
// for matrices, ones for norms): for the quickstart's from-scratch model, tests and benchmarks.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import type { DType } from '../backend/dtype.ts';
import { needOpenBackend } from '../backend/open-backend.ts';
import { Rng } from '../util/rng.ts';
import { needModelConfig, type MistralConfig } from './config.ts';
import { needArg, needOneOf } from '../util/api-args.ts';
import { MistralModel } from './mistral.ts';
import { hostFloats, PROJECTIONS, projectionShape, type LayerWeights, type MistralWeights, type Projection } from './weights.ts';

export interface RandomInit {
  seed: number;
  /** Standard deviation of matrix entries (HF's initializer_range, default 0.02). */
  std?: number;
  /** Standard deviation of noise around 1 for norm weights (default 0: exactly ones, as HF). */
  normStd?: number;
  /** Class count of a classification head to create (none by default). */
  numLabels?: number;
}

export function createRandomModel(backend: Backend, cfg: MistralConfig, init: RandomInit, dtype: DType = 'f32'): MistralModel {
  // each a TypeError from inside before ("reading 'seed'")
  needArg('createRandomModel', 'backend', backend, 'object', { hint: "createBackend('cpu')" });
  needOpenBackend('createRandomModel', backend, 'backend');
  needModelConfig('createRandomModel', cfg);
  needArg('createRandomModel', 'init', init, 'object', { hint: 'an object such as {seed: 0}' });
  needArg('createRandomModel', 'init.seed', init.seed, 'number', { hint: 'a non-negative integer' });
  needOneOf('createRandomModel', 'dtype', dtype, ['f32', 'bf16', 'f64']);
  const rng = new Rng(init.seed);
  const std = init.std ?? 0.02, normStd = init.normStd ?? 0;
  const upload = (data: Float32Array): DeviceBuffer => {
    const b = backend.alloc(dtype, data.length);
    backend.upload(b, hostFloats(data, dtype));
    return b;
  };
  const matrix = (rows: number, cols: number): DeviceBuffer => {
    const a = new Float32Array(rows * cols);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal() * std;
    return upload(a);
  };
  const norm = (): DeviceBuffer => {
    const a = new Float32Array(cfg.hiddenSize);
    for (let i = 0; i < a.length; i++) a[i] = 1 + (normStd ? rng.normal() * normStd : 0);
    return upload(a);
  };
  const weights = randomWeights(cfg, matrix, norm, init.numLabels);
  return new MistralModel(backend, cfg, weights, dtype);
}

/**
 * A model's weight set from two makers, called in one fixed order (the embedding; per layer its
 * projections in PROJECTIONS order, then its two norms; the final norm; lm_head unless tied; the score
 * head): the host Rng of createRandomModel and the device generator of random-init.ts both draw in it.
 */
export function randomWeights(cfg: MistralConfig, matrix: (rows: number, cols: number) => DeviceBuffer, norm: () => DeviceBuffer,
  numLabels?: number): MistralWeights {
  const C = cfg.hiddenSize, V = cfg.vocabSize;
  const embed = matrix(V, C);
  const layers: LayerWeights[] = [];
  for (let i = 0; i < cfg.numLayers; i++) {
    const proj = {} as Record<Projection, DeviceBuffer>;
    for (const p of PROJECTIONS) proj[p] = matrix(...projectionShape(cfg, p));
    layers.push({ inputNorm: norm(), postAttentionNorm: norm(), proj });
  }
  const finalNorm = norm();
  const lmHead = cfg.tieWordEmbeddings ? embed : matrix(V, C);
  return { embed, layers, finalNorm, lmHead, score: numLabels ? matrix(numLabels, C) : null };
}
