// What a loaded model can do, decided in one place: a model with a classification (score) head and no LM
// head predicts labels, not text. Generation refuses it and evaluation scores it as a classifier.
import type { MistralConfig } from './config.ts';
import type { MistralModel } from './mistral.ts';
import { badArgument } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { HF_NAMES } from './names.ts';
import { fromCheckpointHeader } from './safetensors-checkpoint.ts';

/**
 * Whether the model can only classify: it has a score head and no LM head, or config.json names it
 * …ForSequenceClassification (a merged classifier with tied embeddings still holds the embedding it could
 * project with, but was never trained to).
 */
export function isClassificationOnly(model: Pick<MistralModel, 'score' | 'weights' | 'cfg'>): boolean {
  // a library caller's folder path or nothing was a TypeError inside ("reading 'lmHead'")
  if (typeof model !== 'object' || model === null) throw badArgument('isClassificationOnly', 'model', model, 'loadModel(folder, {backend})');
  if (typeof model.weights !== 'object' || typeof model.cfg !== 'object') throw new UserError('model is an object that is no model: give loadModel(folder, {backend})', 'isClassificationOnly');
  return model.score !== null && (!model.weights.lmHead || model.cfg.task === 'classification');
}

/**
 * isClassificationOnly of model folder `dir` (its config.json parsed: `cfg`) before it is loaded, from its safetensors
 * header's tensor names (no weight read): the loader gives it no LM head where it is untied and holds no lm_head.weight.
 * False where its weights cannot be opened (loading them says why).
 */
export function isClassificationOnlyFolder(dir: string, cfg: Pick<MistralConfig, 'tieWordEmbeddings' | 'task'>): boolean {
  return fromCheckpointHeader(dir, (ckpt) => ckpt.has(HF_NAMES.score) && (cfg.task === 'classification' || (!cfg.tieWordEmbeddings && !ckpt.has(HF_NAMES.lmHead)))) === true;
}

/**
 * Whether model folder `dir` (its config.json parsed: `cfg`) gives token logits once loaded: its embeddings tied, or an
 * lm_head.weight in its safetensors header (the loader's rule); undefined where its weights cannot be opened.
 */
export function hasLmHeadFolder(dir: string, cfg: Pick<MistralConfig, 'tieWordEmbeddings'>): boolean | undefined {
  return fromCheckpointHeader(dir, (ckpt) => cfg.tieWordEmbeddings || ckpt.has(HF_NAMES.lmHead));
}

/** The rows (classes) of model folder `dir`'s score.weight, from its safetensors header: null without one, undefined where its weights cannot be opened. */
export function scoreRowsFolder(dir: string): number | null | undefined {
  return fromCheckpointHeader(dir, (ckpt) => (ckpt.has(HF_NAMES.score) ? ckpt.info(HF_NAMES.score).shape[0] ?? null : null));
}

/** Whether model folder `dir` holds a classification head (score.weight), from its safetensors header; undefined where its weights cannot be opened. */
export function hasScoreHeadFolder(dir: string): boolean | undefined {
  return fromCheckpointHeader(dir, (ckpt) => ckpt.has(HF_NAMES.score));
}
