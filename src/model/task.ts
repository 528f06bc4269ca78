// What a loaded model can do, decided in one place: a model with a classification (score) head and no LM
// head predicts labels, not text. Generation refuses it and evaluation scores it as a classifier.
import type { MistralModel } from './mistral.ts';

/**
 * Whether the model can only classify: it has a score head and no LM head, or config.json names it
 * …ForSequenceClassification (a merged classifier with tied embeddings still holds the embedding it could
 * project with, but was never trained to).
 */
export function isClassificationOnly(model: Pick<MistralModel, 'score' | 'weights' | 'cfg'>): boolean {
  return model.score !== null && (!model.weights.lmHead || model.cfg.task === 'classification');
}
