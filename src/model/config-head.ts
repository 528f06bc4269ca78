// The keys of an HF config.json that say which head a model has and what it predicts, as transformers 5.17 reads them:
// architectures (…ForCausalLM or …ForSequenceClassification: the task), problem_type (a classification head's loss),
// id2label and num_labels (its class names). parseConfig (config.ts) reads them through these.
import { intKey } from '../util/json-file.ts';
import { boundedJsonText } from '../util/bounded-json.ts';
import { warnOnce } from '../util/log.ts';
import type { MistralConfig } from './config.ts';

type Json = Record<string, unknown>;

/** problem_type: the loss transformers trains a classification head with (null: decided by the labels). */
export function parseProblemType(c: Json, err: (key: string, msg: string) => never): MistralConfig['problemType'] {
  const v = c.problem_type ?? null;
  if (v !== null && v !== 'regression' && v !== 'single_label_classification' && v !== 'multi_label_classification') {
    err('problem_type', `must be "regression", "single_label_classification", "multi_label_classification" or null, got ${boundedJsonText(v)}`);
  }
  return v as MistralConfig['problemType'];
}

/**
 * transformers' other Mistral heads, which we do not compute, and what each predicts. Their checkpoints hold a head we
 * would misread: a token classifier's score.weight (with its score.bias) has the shape of a sequence classifier's.
 */
const OTHER_HEADS: Record<string, string> = {
  ForTokenClassification: 'a label for every token',
  ForQuestionAnswering: 'the start and end of an answer span (qa_outputs)',
};

/** The task the architectures name: …ForSequenceClassification → classification, …ForCausalLM → generation; else null. */
export function parseTask(c: Json, err: (key: string, msg: string) => never): MistralConfig['task'] {
  const arch = c.architectures;
  if (arch === undefined || arch === null) return null;
  if (!Array.isArray(arch) || !arch.every((a) => typeof a === 'string')) err('architectures', `must be a list of class names, got ${boundedJsonText(arch)}`);
  const names = arch as string[];
  for (const name of names) {
    const head = Object.keys(OTHER_HEADS).find((h) => name.endsWith(h));
    if (head) err('architectures', `${boundedJsonText(name)} (${OTHER_HEADS[head]}) is not supported: only …ForCausalLM (generation) and …ForSequenceClassification (a label for each sequence) are`);
  }
  if (names.some((a) => a.endsWith('ForSequenceClassification'))) return 'classification';
  if (names.some((a) => a.endsWith('ForCausalLM'))) return 'generation';
  return null;
}

/**
 * The class names transformers gives a head of `numLabels` classes whose config.json has no id2label (PretrainedConfig's
 * num_labels setter): LABEL_0, LABEL_1, …
 */
export function defaultLabels(numLabels: number): string[] {
  return Array.from({ length: numLabels }, (_, i) => `LABEL_${i}`);
}

/** The most classes a config.json may declare (num_labels). */
export const MAX_LABELS = 65536;

/**
 * The class names as transformers 5.17 builds them (PretrainedConfig.__post_init__ and the num_labels setter): an
 * integer num_labels other than the number of id2label's names replaces them with LABEL_0 … (transformers warns and
 * sizes the head by num_labels); without id2label, num_labels gives LABEL_0 …; with neither, null (transformers then
 * builds a head of 2 classes, which loadWeights checks a checkpoint's head against).
 */
export function parseLabels(c: Json, where: string, err: (key: string, msg: string) => never): string[] | null {
  const named = parseId2Label(c, err);
  const n = c.num_labels;
  if (n === undefined) return named;
  // transformers 5.17's num_labels setter takes range(num_labels): null is a TypeError as the config loads
  if (n === null) err('num_labels', 'must be an integer, got null, which transformers 5.17 refuses as it loads the config (TypeError): give the number of classes, or remove the key');
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) err('num_labels', `must be an integer ≥ 0, got ${boundedJsonText(n)}`);
  // each class gets a name here, a row of the head and a row and column of eval's confusion matrix: a mistyped
  // 1e9 would build a billion names (hanging) before any weight is read
  if ((n as number) > MAX_LABELS) err('num_labels', `${n} classes is past what a classification head can be trained for here (at most ${MAX_LABELS}): give the number of classes`);
  if (named && named.length === n) return named;
  const differs = `${where}: num_labels ${n} differs from id2label's ${named?.length} names: transformers builds a head of ${n} classes named LABEL_0 … LABEL_${(n as number) - 1}, as here (remove num_labels to keep the names)`;
  // a command reads its model's config.json more than once (train: three times); keyed by the text, so a config.json
  // changed since warns again
  if (named) warnOnce(differs);
  return defaultLabels(n as number);
}

function parseId2Label(c: Json, err: (key: string, msg: string) => never): string[] | null {
  const id2label = c.id2label;
  if (id2label === undefined || id2label === null) return null;
  if (typeof id2label !== 'object' || Array.isArray(id2label)) err('id2label', 'must be an object {"0": "name", ...}');
  const entries = Object.entries(id2label as Json);
  const labels: string[] = new Array<string>(entries.length);
  const keyOf: string[] = [];
  for (const [k, v] of entries) {
    const i = intKey(k) ?? NaN; // as transformers reads it (" 1", "01"), not as Number() ("", "1.0", "0x1", "1e0")
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || typeof v !== 'string') {
      err('id2label', `entries must be "0".."${entries.length - 1}" → class name, got ${boundedJsonText(k)}: ${boundedJsonText(v)}`);
    }
    // transformers' dict keeps the last of two keys for one class, leaving another class without a name
    if (keyOf[i] !== undefined) err('id2label', `the keys ${boundedJsonText(keyOf[i])} and ${boundedJsonText(k)} are both the class ${i}: give each class one key`);
    keyOf[i] = k;
    labels[i] = v as string;
  }
  return labels;
}
