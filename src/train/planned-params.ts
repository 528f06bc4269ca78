// The names and shapes of the trainable tensors a run makes (MistralModel.trainableParams, in its order: a layer's LoRA
// A factors, its B factors, its DoRA magnitudes; a trained classification head (not the model's own, frozen under an
// adapter without task_type); in full fine-tuning every base weight),
// worked out from config.json (and lora.init_from's adapter_config.json and header) without making a backend, and
// without reading a weight but where config.json ties an lm_head.weight the file holds (tiedAsLoaded): `train --resume
// --dry-run` checks a checkpoint's tensors against them as the resume does (otherTensorsRefusal).
// A generator: a config.json of 10^9 layers is walked only as far as a checkpoint's header goes.
import { loadConfig, type MistralConfig } from '../model/config.ts';
import { HF_NAMES, layerNormName, loraKey, projectionName, SCORE_PARAM } from '../model/names.ts';
import { readAdapterInfo } from '../model/peft.ts';
import { SafetensorsCheckpoint } from '../model/safetensors-checkpoint.ts';
import { PROJECTIONS, projectionShape, tyingAsLoaded, type Projection } from '../model/weights.ts';
import type { TensorShape } from './checkpoint.ts';
import { trainsScoreHead } from './adapter-task.ts';
import type { TrainConfig } from './config.ts';

export function* plannedTrainableShapes(cfg: TrainConfig, model: MistralConfig): Generator<TensorShape> {
  const C = model.hiddenSize, classification = cfg.task === 'classification';
  if (cfg.method === 'lora') {
    const adapter = cfg.lora.init_from ? readAdapterInfo(cfg.lora.init_from, model.numLayers, model) : null;
    const r = adapter?.spec.r ?? cfg.lora.r, dora = adapter?.spec.useDora ?? cfg.lora.use_dora;
    for (let i = 0; i < model.numLayers; i++) {
      const adapted: readonly Projection[] = adapter ? PROJECTIONS.filter((p) => adapter.layers[i]!.has(p)) : PROJECTIONS.filter((p) => cfg.lora.target_modules.includes(p));
      for (const p of adapted) yield { name: loraKey(i, p, 'A'), shape: [r, projectionShape(model, p)[1]] };
      for (const p of adapted) yield { name: loraKey(i, p, 'B'), shape: [projectionShape(model, p)[0], r] };
      if (dora) for (const p of adapted) yield { name: loraKey(i, p, 'magnitude'), shape: [projectionShape(model, p)[0]] };
    }
  }
  if (trainsScoreHead(cfg, model)) yield { name: SCORE_PARAM, shape: [cfg.labels?.length ?? 0, C] };
  if (cfg.method !== 'full') return;
  yield { name: HF_NAMES.embed, shape: [model.vocabSize, C] };
  for (let i = 0; i < model.numLayers; i++) {
    yield { name: layerNormName(i, 'input'), shape: [C] };
    for (const p of PROJECTIONS) yield { name: projectionName(i, p), shape: projectionShape(model, p) };
    yield { name: layerNormName(i, 'post_attention'), shape: [C] };
  }
  yield { name: HF_NAMES.finalNorm, shape: [C] };
  // an lm_head of its own (not tied to the embedding, and in the folder: a classification checkpoint has none), trained but under a classification head
  if (!classification && model.task !== 'classification' && !tiedAsLoaded(cfg, model)) yield { name: HF_NAMES.lmHead, shape: [model.vocabSize, C] };
}

/**
 * Whether the run's model has its lm_head tied to its embedding as the loader finds it: `model` (plannedModelConfig)
 * counts an lm_head.weight in the file of a model whose config.json ties them as untied, which the loader ties where its
 * values are the embedding's (tyingAsLoaded, which reads both: only asked once every tensor before it fitted).
 */
function tiedAsLoaded(cfg: TrainConfig, model: MistralConfig): boolean {
  if (model.tieWordEmbeddings) return true;
  if (typeof cfg.model !== 'string') return false;
  const declared = loadConfig(cfg.model);
  if (!declared.tieWordEmbeddings) return false;
  const ckpt = SafetensorsCheckpoint.open(cfg.model);
  try {
    return tyingAsLoaded(ckpt, declared).tieWordEmbeddings;
  } finally {
    ckpt.close();
  }
}
