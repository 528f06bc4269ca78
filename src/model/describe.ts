// One line on what a model config.json describes, as `train` and `train --dry-run` print it before they work: the
// shape (layers, widths, heads), vocabulary, attention window, rope and its scaling, context and parameter count.
import { gateActivation, parameterCount, type MistralConfig } from './config.ts';
import { slidingLayerCount } from './layer-types.ts';
import type { RopeScaling } from './rope-config.ts';

const n = (x: number): string => x.toLocaleString('en');

/** 7,241,732,096 → "7.24B"; 15,123,456 → "15.1M"; below a million as written. */
function approx(count: number): string {
  if (count >= 1e12) return `${n(Math.round(count / 1e9))}B`; // toPrecision would write 4.31e+4
  if (count >= 1e9) return `${(count / 1e9).toPrecision(3)}B`;
  if (count >= 1e6) return `${(count / 1e6).toPrecision(3)}M`;
  return n(count);
}

function ropeScaling(s: RopeScaling): string {
  switch (s.type) {
    case 'linear': return ` with linear scaling ×${s.factor}`;
    case 'dynamic': return ` with dynamic scaling ×${s.factor} (plain within the context)`;
    case 'yarn': return ` with yarn scaling ×${s.factor} of ${n(s.originalMaxPositionEmbeddings)} positions`;
    case 'llama3': return ` with llama3 scaling ×${s.factor} of ${n(s.originalMaxPositionEmbeddings)} positions`;
    case 'longrope': return ` with longrope scaling (long factors past ${n(s.originalMaxPositionEmbeddings)} positions)`;
  }
}

export function describeModelConfig(cfg: MistralConfig): string {
  const heads = cfg.numKvHeads === cfg.numHeads ? `${cfg.numHeads} attention heads` : `${cfg.numHeads} attention heads (${cfg.numKvHeads} key/value)`;
  const sliding = slidingLayerCount(cfg);
  const window = sliding === 0 ? 'no sliding window'
    : `sliding window ${n(cfg.slidingWindow!)}${sliding < cfg.numLayers ? ` in ${sliding} of the ${cfg.numLayers} layers` : ''}`;
  const rope = `rope θ ${n(cfg.ropeTheta)}${cfg.ropeScaling ? ropeScaling(cfg.ropeScaling) : ''}`;
  return `${n(cfg.numLayers)} layer${cfg.numLayers === 1 ? '' : 's'}, hidden ${n(cfg.hiddenSize)}, ${heads} of ${cfg.headDim}, MLP ${n(cfg.intermediateSize)}${cfg.hiddenAct && gateActivation(cfg) !== 'silu' ? ` (${cfg.hiddenAct})` : ''}, ` +
    `vocabulary ${n(cfg.vocabSize)}, ${window}, ${rope}, context ${n(cfg.maxPositionEmbeddings)}; ` +
    `${approx(parameterCount(cfg))} parameters${cfg.tieWordEmbeddings ? ' (tied embeddings)' : ''}`;
}
