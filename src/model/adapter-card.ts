// README.md of a saved LoRA adapter folder, as PEFT's save_pretrained writes one (a model card with
// `library_name: peft` and the base model in its front matter): what the adapter is and how transformers +
// PEFT load it. A classification adapter carries its class names here, the one place an adapter folder has
// for them (adapter_config.json has no labels): the card's loading code builds the base with num_labels,
// id2label and label2id, and the pad_token_id HF needs to score batches (config.ts's classificationPadId).
import { defaultLabels } from './config-head.ts';
import type { LoraSpec } from './lora.ts';
import type { TaskType } from './peft.ts';

export interface AdapterCardOptions {
  spec: LoraSpec;
  /** The adapter's target modules as adapter_config.json names them. */
  targetModules: readonly string[];
  taskType: TaskType | null;
  /**
   * taskType null over a classifier: the base model's own classification head scores, frozen in training and not in the
   * folder, so the card loads the base as a classifier with its own head (its config names the classes).
   */
  frozenHead?: boolean;
  /** The base model folder it was trained on; null for random weights (no folder to load). */
  baseModel: string | null;
  /** SEQ_CLS (or frozenHead): the class names in index order (null when the run has none, e.g. integer classes: transformers' LABEL_0, …). */
  labels: readonly string[] | null;
  /** SEQ_CLS (or frozenHead): the number of classes the score head has. */
  numLabels: number | null;
  /** SEQ_CLS: the pad_token_id HF's sequence classifier needs for batches (null: the model's own is set). */
  padTokenId: number | null;
  /**
   * SEQ_CLS: the id the classifier's pick skips (config.ts's classificationPadId), which the tokenizer must pad with:
   * padding with another (the base tokenizer's own pad token, e.g. <unk>), HF scores a padding position of each shorter row.
   */
  scorePadId: number | null;
  /**
   * The torch dtype the loading code loads the base in (default: none passed; float32 alone, as the code's comment
   * says: the base computed as we compute it). saveAdapter passes float32 at every precision: transformers 5 loads a base in its config.json's dtype by default (bfloat16 for Mistral 7B) and computes
   * in it, ~1e-2 from our logits; of a bf16 run (weights stored in bf16, products in f32) HF's float32 model gives
   * classify's fp32 outputs and is nearer its bf16 ones than HF's bfloat16 model is (probabilities 4e-4 vs 6e-4 off).
   */
  dtype?: 'float32';
}

/** The tag of the cards adapterCard writes, in their front matter's tags. */
const OUR_TAG = '- mistral-tune';

/** Whether `text` (a README.md) is a card adapterCard wrote: its front matter carries OUR_TAG. */
export function isOurAdapterCard(text: string): boolean {
  const lines = text.split(/\r?\n/);
  if (lines[0] !== '---') return false;
  const end = lines.indexOf('---', 1);
  return end > 0 && lines.slice(1, end).includes(OUR_TAG);
}

/** The line of a SEQ_CLS card's loading code that lists the class names, as JSON: `labels = ["neg", "pos"]`. */
const LABELS_LINE = /^labels = (\[.*\])$/; // lines split at \n only: a name may hold U+2028, which JSON.stringify leaves as it is
/** A line that sets the card's class names, however it was edited (`labels=['neg', 'pos']`). */
const LABELS_ASSIGNMENT = /^labels\s*=/;

/** What a card says of its class names: the names (null: none), or its labels line that cannot be read (edited by hand). */
export interface CardClassNames {
  names: string[] | null;
  /** The labels line that is not a JSON list of names (`labels = ['neg', 'pos']`, a bracket missing): its number (1-based) and text. */
  unreadable: { line: number; text: string } | null;
}

/**
 * The class names a card adapterCard wrote lists (its `labels = [...]` line), in index order; none for any other
 * README.md, a card of a causal-LM adapter, one without a labels line, or one whose classes have no names (transformers'
 * LABEL_0 …, which it lists); a labels line that is no JSON list of names is `unreadable`, for the caller to refuse:
 * skipped, the classes would be named otherwise (the base model's id2label) and predictions mislabelled.
 */
export function cardClassNames(text: string): CardClassNames {
  const none: CardClassNames = { names: null, unreadable: null };
  if (!isOurAdapterCard(text)) return none;
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const at = lines.findIndex((l) => LABELS_ASSIGNMENT.test(l));
  if (at < 0) return none;
  const unreadable = { names: null, unreadable: { line: at + 1, text: lines[at]! } };
  const m = LABELS_LINE.exec(lines[at]!);
  if (m === null) return unreadable;
  let names: unknown;
  try {
    names = JSON.parse(m[1]!);
  } catch {
    return unreadable;
  }
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return unreadable;
  const unnamed = defaultLabels(names.length);
  return names.length === 0 || names.every((n, i) => n === unnamed[i]) ? none : { names, unreadable: null };
}

/** The README.md text of an adapter folder. */
export function adapterCard(o: AdapterCardOptions): string {
  const seqCls = o.taskType === 'SEQ_CLS', classifier = seqCls || o.frozenHead === true;
  const base = o.baseModel ?? 'BASE_MODEL';
  const front = ['---', ...(o.baseModel ? [`base_model: ${JSON.stringify(o.baseModel)}`] : []), 'library_name: peft',
    `pipeline_tag: ${classifier ? 'text-classification' : 'text-generation'}`, 'tags:', '- lora', ...(o.spec.useDora ? ['- dora'] : []), OUR_TAG, '---'];
  const rs = o.spec.useRslora ? ', rsLoRA' : '';
  const kind = o.spec.useDora ? 'DoRA' : 'LoRA';
  const lines = [
    ...front, '',
    `# ${kind} adapter (${classifier ? 'text classification' : 'text generation'})`, '',
    `Trained by mistral-tune: ${kind}${o.spec.useDora ? ' (weight-decomposed LoRA: a trained magnitude per output)' : ''} r=${o.spec.r}, alpha=${o.spec.alpha}${rs}, on ${o.targetModules.join(', ')}` +
      `${seqCls ? ', with the classification head (score) trained in full' : ''}` +
      `${o.frozenHead ? ", with the base model's own classification head (score) frozen: this folder holds no head (task_type null, PEFT's plain PeftModel)" : ''}.`,
    o.baseModel ? `Base model: \`${o.baseModel}\`.` : 'Base model: random weights (a benchmark or dry run): there is no base folder to load it on; `BASE_MODEL` below stands for one.',
    '',
  ];
  const names = o.labels ?? defaultLabels(o.numLabels ?? 0); // transformers' names for classes without id2label
  if (classifier) lines.push('Classes, in the order of the head\'s outputs:', '', ...names.map((n, i) => `- ${i}: ${n}`), '');
  lines.push('## Load with transformers + PEFT', '', '```python', ...(o.dtype ? ['import torch'] : []), 'from peft import PeftModel');
  // the base's dtype, said once in a comment where the code passes it
  const dtype = o.dtype ? `dtype=torch.${o.dtype}` : null;
  // the head's config as from_pretrained's keyword arguments: the base's own config has none of it (transformers' 2 classes)
  const headKwargs = ['num_labels=len(labels),', '    id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)}' +
    `${o.padTokenId !== null ? `, pad_token_id=${o.padTokenId}` : ''}${dtype ? `, ${dtype}` : ''})`];
  const dtypeNote = dtype ? [`# ${dtype}: the base computed in float32 as mistral-tune computes it, so the outputs are ours (transformers computes in config.json's dtype otherwise)`] : [];
  if (seqCls) {
    lines.push(
      'from transformers import AutoModelForSequenceClassification, AutoTokenizer',
      '',
      `labels = ${JSON.stringify(names)}`,
      ...dtypeNote,
      `base = AutoModelForSequenceClassification.from_pretrained(${JSON.stringify(base)}, ${headKwargs[0]}`, headKwargs[1]!,
    );
  } else if (o.frozenHead) {
    // the base's config.json holds its head's classes; only a pad id it lacks is passed
    lines.push('from transformers import AutoModelForSequenceClassification, AutoTokenizer', '', ...dtypeNote,
      `base = AutoModelForSequenceClassification.from_pretrained(${JSON.stringify(base)}${o.padTokenId !== null ? `, pad_token_id=${o.padTokenId}` : ''}${dtype ? `, ${dtype}` : ''})`);
  } else {
    lines.push('from transformers import AutoModelForCausalLM', '', ...dtypeNote, `base = AutoModelForCausalLM.from_pretrained(${JSON.stringify(base)}${dtype ? `, ${dtype}` : ''})`);
  }
  lines.push('model = PeftModel.from_pretrained(base, "PATH/TO/THIS/FOLDER")');
  if (classifier && o.scorePadId !== null) {
    lines.push(`tokenizer = AutoTokenizer.from_pretrained(${JSON.stringify(base)})`,
      `tokenizer.pad_token_id = ${o.scorePadId}  # pad with the id the classifier skips (its pad_token_id), as training did`);
  }
  if (seqCls && o.baseModel) {
    // PEFT's one-call loader builds the base from adapter_config.json's base_model_name_or_path with only the keyword
    // arguments it is given (it reads no config.json of this folder): without the head's, 2 classes and a size mismatch
    lines.push('',
      '# or in one call: PEFT builds the base itself but reads no class names from this folder, so they are passed',
      "# (without them the base gets transformers' default head of 2 unnamed classes: a size mismatch on score, or LABEL_0, LABEL_1)",
      'from peft import AutoPeftModelForSequenceClassification',
      `model = AutoPeftModelForSequenceClassification.from_pretrained("PATH/TO/THIS/FOLDER", ${headKwargs[0]}`, headKwargs[1]!);
  }
  lines.push('```', '',
    '`mistral-tune export --run RUN --merge --out DIR` writes the base with this adapter merged in, a model folder that', 'transformers loads alone.', '');
  return lines.join('\n');
}
