// The model argument of a library function, checked before it is used: a folder's path, a tokenizer or another object
// given for the model failed inside ("Cannot read properties of undefined (reading 'vocabSize')"), and a model without
// the LoRA adapter an operation needs threw a plain Error, not the UserError naming the function that other bad
// arguments are (util/api-args.ts).
import { needOpenBackend } from '../backend/open-backend.ts';
import { needArg } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { ADAPTER_ATTACHED } from './adapter-attached.ts';
import type { LoraAdapter } from './lora.ts';
import { MistralModel, type ScoreHead } from './mistral.ts';
import { HF_NAMES } from './names.ts';

const LOAD_MODEL = 'loadModel(folder, {backend})';

/** Throws a UserError naming `fn` unless `model` is a model (loadModel, createRandomModel); `hint` says what to give. */
export function needModel(fn: string, model: unknown, hint = LOAD_MODEL): asserts model is MistralModel {
  needArg(fn, 'model', model, 'object', { hint });
  if (model instanceof MistralModel) return needOpenBackend(fn, model.backend, 'model');
  const m = model as Record<string, unknown>;
  const what = typeof m.encode === 'function' && typeof m.decode === 'function' ? 'a tokenizer' : 'an object that is no model';
  throw new UserError(`model is ${what}: give ${hint}`, fn);
}

/**
 * The classification head of `model`, which `fn` needs; a model without one (a causal LM) is a UserError naming `fn`:
 * it was MistralModel.scoreHead's, naming no function ("this model has no classification head ... setScoreHead").
 */
export function needScoreHead(fn: string, model: MistralModel): ScoreHead {
  if (model.score) return model.score;
  throw new UserError(`model has no classification head (${HF_NAMES.score}): it is a causal LM; give a classification model (a folder whose weights hold ${HF_NAMES.score}, or one with a SEQ_CLS adapter loaded)`, fn);
}

/**
 * Throws a UserError naming `fn` unless `labels` (options.labels: null or left out for transformers' LABEL_i) name the
 * `numLabels` classes of the model's head, each once, as strings: 1 name for a head of 3 wrote an id2label that
 * transformers refuses to load the folder with (the score's size mismatch), and a name given twice a label2id that
 * maps it to one class.
 */
export function needHeadLabels(fn: string, labels: unknown, numLabels: number): void {
  if (labels === undefined || labels === null) return;
  needArg(fn, 'options.labels', labels, 'string[]', { hint: "the class names in the head's order, or null" });
  const names = labels as readonly string[];
  if (names.length !== numLabels) throw new UserError(`options.labels has ${names.length} name(s) but the model's classification head scores ${numLabels} classes: give one name per class, in the head's order`, fn);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UserError(`options.labels names ${JSON.stringify(twice)} twice: give each class its own name (label2id maps a name to one class)`, fn);
}

/** The LoRA adapter of `model`, which `fn` needs; a model without one is a UserError naming `fn`. */
export function needLora(fn: string, model: MistralModel): LoraAdapter {
  if (model.lora) return model.lora;
  throw new UserError('model has no LoRA adapter: load one first (loadAdapter(model, folder, {trainable: false}), or createAdapter)', fn);
}

/**
 * Throws a UserError naming `fn` when `model` already has a LoRA adapter: attaching another freed the first one's
 * buffers, which the handle createAdapter returned (or a training loop) went on using, and PEFT refuses an adapter
 * name that exists. Unload or merge the first (unloadAdapter, mergeLora), then attach the next.
 */
export function needNoLora(fn: string, model: MistralModel): void {
  if (!model.lora) return;
  throw new UserError(ADAPTER_ATTACHED, fn);
}
