// What a refused config key or value is told, beyond the schema's own message: other tools' names for our keys
// (HF TrainingArguments, PEFT's LoraConfig, axolotl) and for their values, keys with no counterpart here and what to
// do instead, a did-you-mean for a misspelt key (and a lora.target_modules entry), and what YAML made of a value that
// was likely meant otherwise.
import YAML from 'yaml';
import { shellPath } from '../util/shell-quote.ts';
import { z } from 'zod';
import { codePoint } from '../util/code-point.ts';
import { didYouMean } from '../util/did-you-mean.ts';
import { spaceAfterColon, spaceAfterDash, tooDeep } from '../util/yaml-plain.ts';
import { PROJECTIONS } from '../model/names.ts';
import { documentedKeys, knownKeys, schemaAt, setInEveryConfig } from './config-schema.ts';

/**
 * The error text of an unknown key `k` found under `at` (its full path `full`) holding `value`: what to write instead, if
 * anything.
 */
export function unknownKeyText(full: string, k: string, at: string[], value?: unknown, written?: string, valueAt?: (key: string) => unknown, byFlag = false): string {
  // `lora: {r:16}`: one key "r:16" to YAML
  const spaced = spaceAfterColon(k);
  if (spaced !== '') return `unknown key "${full}"${spaced}`;
  if (k === '<<') return `unknown key "${full}": YAML merge keys (<<: *anchor) are not read; write the keys themselves (an alias, *anchor, as a value is read)`;
  // `lora.r: 4` in the file: one key to YAML, which only the command line's --lora.r reads as a path
  if (k.includes('.') && documentedKeys().some((d) => d.key === full)) {
    const [section, ...rest] = full.split('.');
    return `unknown key "${full}": YAML reads a dotted key as one key, not a path (a flag, --${full}, reads it so): nest it, ${section}: {${rest.join('.')}: …}`;
  }
  // a wrapper section (training: {epochs: 3}) around keys that are top-level here
  const inside = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value) : [];
  if (at.length === 0 && inside.length > 0 && inside.every((key) => knownKeys([]).includes(key))) {
    return `unknown key "${full}": its keys ${inside.join(', ')} are top-level keys here: write them without "${k}:"`;
  }
  const name = k.toLowerCase().replace(/-/g, '_');
  // mistral-finetune's optim: {lr, weight_decay, pct_start}: our optimizer section, its warmup fraction schedule.warmup_steps'
  if (at.length === 0 && name === 'optim' && inside.length > 0) {
    return `unknown key "${full}": mistral-finetune's optim is optimizer here (lr, weight_decay; its pct_start, the warmup's fraction of the run, is schedule.warmup_steps)`;
  }
  if (namesOptimizer(name, at) && typeof value === 'string') return `unknown key "${full}": ${optimizerNamed(value)}`;
  const note = NO_COUNTERPART.get(full) ?? NO_COUNTERPART.get(name) ?? (/^wandb($|_)/.test(name) ? NO_WANDB : undefined);
  if (note !== undefined) return `unknown key "${full}": ${note}`;
  const hint = suggestKey(k, at);
  // (the line to write for a config file's key (`valueAt`: a key's value in it, undefined where absent) or a flag's; not for a library caller's object)
  const sibling = (key: string): unknown => valueAt?.([...at, key].join('.'));
  const rewrite = hint !== null && ALIASES.get(name) === hint && (byFlag || valueAt !== undefined) ? aliasRewrite(name, hint, value, written, byFlag ? null : valueAt!, sibling) : '';
  return `unknown key "${full}"${hint ? ` (did you mean "${hint}"?${rewrite})` : ''}`;
}

/**
 * What an alias of another tool's (`learning_rate: "2e-4"`, `bf16: true`) is written as here, as ` write optimizer: {lr: 2e-4}`
 * (`valueAt`: a key's value in the config, undefined where absent, which says whether it has the section already; null:
 * the key came from a flag, ` give --optimizer.lr 2e-4`; `sibling`: a key's value beside this one, for adam_beta1/2's
 * pair); '' where its value does not carry over.
 */
function aliasRewrite(name: string, key: string, value: unknown, written: string | undefined, valueAt: ((key: string) => unknown) | null,
  sibling: (key: string) => unknown): string {
  const special = VALUE_REWRITES.get(`${name}=${String(value)}`) ?? betaRewrite(name, value, written, sibling);
  // a quoted number ("2e-4", as HF's YAML often has it) is the number, written without its quotes
  const quotedNumber = typeof value === 'string' && typeof plainYamlValue(value) === 'number' ? value : undefined;
  const meant = special?.value ?? (quotedNumber !== undefined ? plainYamlValue(quotedNumber) : value);
  // (a list of names, `lora_target_modules: [q_proj, v_proj]`, carries over as it is written)
  const list = Array.isArray(meant) && meant.every((v) => typeof v === 'string' && /^[\w.-]+$/.test(v)) ? `[${meant.join(', ')}]` : undefined;
  if (special === undefined && ((typeof meant === 'object' && list === undefined) || meant === undefined || valueSchema(key)?.safeParse(meant).success !== true)) return '';
  const text = special?.text ?? quotedNumber ?? written ?? list ?? String(meant);
  const note = special?.note ?? '';
  if (valueAt === null) return ` give --${key} ${shellPath(text)}${note}`;
  const [section, ...rest] = key.split('.');
  if (rest.length === 0) return ` write ${key}: ${text}${note}`;
  return (valueAt(section!) !== undefined ? ` write ${rest.join('.')}: ${text} under ${section}:` : ` write ${section}: {${rest.join('.')}: ${text}}`) + note;
}

/**
 * transformers' adam_beta1 or adam_beta2 as optimizer.betas, the pair: the other one's value where it is given beside it
 * (`sibling`: a key's value in the same section), else its default: adam_beta1 0.8 alone is `[0.8, 0.999]`.
 */
function betaRewrite(name: string, value: unknown, written: string | undefined, sibling: (key: string) => unknown): { value: unknown; text: string; note: string } | undefined {
  const i = name === 'adam_beta1' ? 0 : name === 'adam_beta2' ? 1 : -1;
  const beta = (v: unknown): number | undefined => {
    // a quoted number ("0.95", as HF's YAML often has it) is the number
    const n = typeof v === 'string' ? plainYamlValue(v) : v;
    return typeof n === 'number' && n >= 0 && n < 1 ? n : undefined;
  };
  const own = beta(value);
  if (i < 0 || own === undefined) return undefined;
  const otherKey = `adam_beta${2 - i}`;
  const otherGiven = sibling(otherKey);
  const other = otherGiven === undefined ? undefined : beta(otherGiven);
  if (otherGiven !== undefined && other === undefined) return undefined;
  const betas = [0.9, 0.999];
  betas[i] = own;
  if (other !== undefined) betas[1 - i] = other;
  const texts = betas.map(String);
  // (as written where the pair is this key's alone; both given, each key's error says the same pair)
  if (other === undefined && typeof value === 'number') texts[i] = written ?? String(own);
  const note = other === undefined ? `; betas is [adam_beta1, adam_beta2], and ${betas[1 - i]} is ${otherKey}'s default` : '; betas is [adam_beta1, adam_beta2]';
  return { value: betas, text: `[${texts.join(', ')}]`, note };
}

/** Other tools' switches for a value of one of our keys (`alias=value`): the value written here. */
const VALUE_REWRITES: ReadonlyMap<string, { value: unknown; text: string; note?: string }> = new Map(Object.entries({
  'bf16=true': { value: 'bf16', text: 'bf16' }, 'bf16=false': { value: 'fp32', text: 'fp32' },
  'use_cpu=true': { value: 'cpu', text: 'cpu' }, 'no_cuda=true': { value: 'cpu', text: 'cpu' },
  // transformers' max_grad_norm 0 (or None) turns clipping off, which grad_clip's null does (its 0 is refused)
  'max_grad_norm=0': { value: null, text: 'null', note: "; transformers' max_grad_norm 0 turns clipping off, as null does here" },
  'max_grad_norm=null': { value: null, text: 'null' },
}));

/** What a key naming the optimizer (HF's optim, axolotl's optimizer: adamw_bnb_8bit) is told. */
const ADAMW = "the optimizer is torch's AdamW; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay";

/** Whether a key names the optimizer in other tools: HF's optim (at any level), optimizer: {name: …} or {type: …}. */
const namesOptimizer = (name: string, at: readonly string[]): boolean => name === 'optim' || (at.join('.') === 'optimizer' && (name === 'name' || name === 'type'));

/** transformers' optim names of torch's AdamW, whose fused and device kernels compute the same update (and AdamW by its name). */
const ADAMW_NAMES: readonly string[] = ['adamw', 'adamw_torch', 'adamw_torch_fused', 'adamw_torch_xla', 'adamw_torch_npu_fused'];

/** What an optimizer named `value` (HF's optim: adamw_torch_fused, adafactor) is told: the one optimizer, or that it is not offered. */
function optimizerNamed(value: string): string {
  const named = value.toLowerCase();
  if (ADAMW_NAMES.includes(named)) return `${value} is torch's AdamW, the optimizer here (always): leave it out; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay`;
  // transformers 4's own AdamW: its eps and decay fall elsewhere in the update than torch's
  const why = named === 'adamw_hf' ? " (transformers 4's own AdamW, gone from transformers 5)" : '';
  return `${value}${why} is not offered, only torch's AdamW (adamw_torch): leave it out; its settings are optimizer.lr, optimizer.betas, optimizer.eps and optimizer.weight_decay`;
}

/** What a wandb_* key (axolotl's, HF's report_to's) or mistral-finetune's wandb: section is told. */
const NO_WANDB = 'nothing is sent to Weights & Biases: metrics go to metrics.jsonl in the run folder, and mistral-tune dashboard shows them';

/**
 * What to say of a value the schema refused, when it was likely meant otherwise, or '': what YAML made of it (an empty
 * value is null; `yes`, `on` are strings in YAML 1.2; a quoted number is a string; `.inf`), a list written as a
 * comma-separated string, other tools' names for a value, 0 or -1 for "off", part of an epoch. `written`: the value's
 * source text, where it was read from YAML, for advice that quotes it (`1.0`, which the number prints as "1"). `byFlag`: the
 * value came from a flag (`--data x.jsonl`), so the advice is a flag too.
 */
export function valueHint(key: string, value: unknown, written?: string, byFlag = false): string {
  const schema = valueSchema(key);
  if (value === null) {
    const declared = schemaAt(key.split('.'));
    const dflt = declared instanceof z.ZodDefault ? (declared.parse(undefined) as unknown) : undefined;
    const what = written === undefined ? 'an empty value is null in YAML' : written === 'null' ? 'null is no value for it' : `YAML reads ${written} as null, no value for it`;
    return ` (${what}: write a value${dflt === undefined ? '' : `, or leave the key out for its default ${JSON.stringify(dflt)}`})`;
  }
  if (typeof value === 'string') {
    // (an entry that is a projection was refused for something else: given twice; one folded from lines, `- q_proj` over
    // `   - v_proj`, is refused as such where the config is read: config-yaml.ts)
    if (/^lora\.target_modules\.\d+$/.test(key)) return (PROJECTIONS as readonly string[]).includes(value) ? '' : ` (${projectionMeant(value)})`;
    if (schema instanceof z.ZodBoolean && /^(y|yes|n|no|on|off|true|false)$/i.test(value)) return ` (write true or false: YAML reads ${JSON.stringify(value)} as a string)`;
    // a string YAML itself reads as a number was quoted ("1e-4"); "0b11" or "3_000" is no number to YAML 1.2 either
    const wanted = schema instanceof z.ZodNumber ? 'a number' : schema instanceof z.ZodBoolean ? 'true or false' : null;
    if (wanted !== null && written === `!!str ${value}`) return ` (write it without the !!str tag, which makes it a string where ${wanted} is wanted)`;
    if (schema instanceof z.ZodNumber && typeof plainYamlValue(value) === 'number') return ` (write it without quotes: YAML reads ${JSON.stringify(value)} as a string)`;
    // `3.0e−4` copied from a paper (U+2212), full-width digits: text that prints as a number but is none
    const alike = schema instanceof z.ZodNumber ? lookAlikeNumber(value) : null;
    if (alike !== null) return ` (it holds ${JSON.stringify(alike.char)} (${codePoint(alike.char)}), not the ASCII ${JSON.stringify(alike.meant)}: write ${alike.text})`;
    // YAML 1.1's binary (0b101, PyYAML's 5): a string to YAML 1.2
    if (schema instanceof z.ZodNumber && /^[-+]?0b[01]+$/.test(value)) return ` (write ${(value.startsWith('-') ? -1 : 1) * parseInt(value.replace(/^[-+]?0b/, ''), 2)}: YAML 1.2 reads ${JSON.stringify(value)} as a string, where YAML 1.1 read binary)`;
    // digit separators (4_096, as YAML 1.1 and Python take it; 4,096 as prose writes it): a string to YAML 1.2
    if (schema instanceof z.ZodNumber && /^\d{1,3}(_\d{3})+$|^\d{1,3}(,\d{3})+$/.test(value)) return ` (write ${value.replace(/[_,]/g, '')}: YAML reads ${JSON.stringify(value)} as a string)`;
    // a decimal comma (0,5 as much of Europe writes 0.5): a string to YAML
    if (schema instanceof z.ZodNumber && /^[-+]?\d+,\d+([eE][-+]?\d+)?$/.test(value)) return ` (write ${value.replace(',', '.')}: YAML reads a number's decimal comma as text, so ${JSON.stringify(value)} is a string)`;
    // items between commas, else between spaces (a shell's list): `[neg pos]` would be the one item "neg pos"
    // (a Python tuple, "(0.9, 0.999)", or a list in quotes, "[neg, pos]": the items inside the brackets)
    if (schema instanceof z.ZodArray || schema instanceof z.ZodTuple) {
      // `-neg` on each line, which YAML folds into "-neg -pos"
      const dashed = spaceAfterDash(value);
      if (dashed !== '') return ` (${dashed})`;
      // `labels: neg - pos`, `- neg` lines under `labels: >` (text), or under a first item without its dash: "- " in text
      const dashItems = value.trim().split(/(?:^|\s+)-\s+/).filter((item) => item !== '');
      if (/(^|\s)-\s/.test(value.trim()) && dashItems.length > 0) {
        return ` (a list: write [${dashItems.join(', ')}], or each item on a line of its own as "- ${dashItems[0]}" under the key, which has nothing after its colon (no | or >))`;
      }
      const text = value.trim();
      const quoted = /^\[.*\]$/s.test(text);
      const items = /^(\[.*\]|\(.*\))$/s.test(text) ? text.slice(1, -1).trim() : text;
      return ` (a list: write [${items.split(items.includes(',') ? /\s*,\s*/ : /\s+/).join(', ')}]${quoted ? ' without quotes' : ''})`;
    }
    // Python's None (or "none", "off") for a key whose "off" is null: a string to YAML
    if (NONE_WORDS.test(value) && nullable(key)) {
      const off = OFF_AS_NULL.get(key);
      return ` (write null: YAML reads ${JSON.stringify(value)} as a string${off ? `; ${off.hint}` : ''})`;
    }
    const named = VALUE_NAMES.get(`${key}=${value.toLowerCase()}`);
    if (named !== undefined) return ` (${named})`;
    // `schedule: cosine`: a value of one of the section's keys; `optimizer:` over `  lr:1e-4`, which YAML reads as a string
    if (schema instanceof z.ZodObject) {
      // (a key of the section, or another tool's name for one: `data: s3:bucket/x` is no key)
      const spaced = spaceAfterColon(value, (name) => knownKeys(key.split('.')).includes(name) || suggestKey(name, key.split('.')) !== null);
      if (spaced !== '') return spaced;
      const sub = Object.keys(schema.shape).find((k) => {
        const field = valueSchema(`${key}.${k}`);
        return field instanceof z.ZodEnum && field.options.includes(value);
      });
      if (sub !== undefined) return ` (write ${key}.${sub}: ${value})`;
      // axolotl's optimizer: adamw_bnb_8bit, a name where a section is
      if (key === 'optimizer') return ` (${optimizerNamed(value)})`;
      // `data: train.jsonl`, the training file given for the section it belongs in
      if (key !== 'data') return '';
      return byFlag ? ` (the training file is --data.train ${shellPath(value)})` : ` (the data files are its keys: write data: {train: ${value}}, or train: ${value} on an indented line under data:)`;
    }
    // `Cosine`, `cosin`, `bf17`: the option it is near (within didYouMean's distance: `generate` is too far from generation)
    const options = schema instanceof z.ZodEnum ? schema.options.map(String) : [];
    const near = options.includes(value) ? null : didYouMean(value, options);
    return near === null ? '' : ` (did you mean ${near}?)`;
  }
  // several files for one split: prepare makes the one file of them
  if (/^data\.(train|val|test)$/.test(key) && Array.isArray(value) && value.every((f) => typeof f === 'string')) {
    const split = key.slice('data.'.length);
    const given = split === 'train' ? `--input ${value.map(shellPath).join(' ')}` : value.map((f) => `--${split} ${shellPath(f)}`).join(' ');
    return ` (one file: mistral-tune prepare ${given} … --out DIR merges them, its DIR/${split}.jsonl is ${key})`;
  }
  // mistral-finetune's checkpoint: true, its gradient checkpointing
  if (key === 'checkpoint' && typeof value === 'boolean') return ` (mistral-finetune's checkpoint: ${value} is activation_checkpointing: ${value} here; checkpoint: holds every_steps and keep)`;
  if (/^labels\.\d+$/.test(key) && (typeof value === 'number' || typeof value === 'boolean')) return ` (class names are strings: quote it, "${written ?? String(value)}")`;
  if (typeof value !== 'number') return '';
  // `packing: 1`, Python's and C's truth as a number: YAML 1.2 reads no number as a boolean
  if (schema instanceof z.ZodBoolean) return ` (write true or false: YAML reads ${written ?? String(value)} as a number)`;
  const off = OFF_AS_NULL.get(key);
  if (!Number.isFinite(value)) {
    const yaml = Number.isNaN(value) ? '.nan' : value < 0 ? '-.inf' : '.inf';
    // 1e400 past the float range: YAML made the infinity of it, which the error quotes as written
    const made = written !== undefined && !/^[-+]?\.(inf|nan)$/i.test(written) ? `YAML reads ${written} as ${yaml}, no value for it` : `YAML's ${yaml} is no value for it`;
    return ` (${made}: write a finite number${off ? `; ${off.hint}` : ''})`;
  }
  // 1e-400, past the smallest float: YAML made 0 of it, which the error quotes as written ("must be more than 0 (got 1e-400)")
  if (value === 0 && written !== undefined && /[1-9]/.test(written.split(/[eE]/)[0]!)) return ` (YAML reads ${written} as 0, past the smallest float: check the exponent)`;
  if (off?.values.includes(value)) return ` (${off.hint})`;
  if (key === 'epochs' && value > 0 && !Number.isInteger(value)) return ' (whole passes over the data; for part of one, set max_steps, which wins over epochs)';
  return '';
}

/**
 * What to say of an integer written with a leading zero whose value YAML 1.2 and YAML 1.1 read apart (`010`: 10 here,
 * octal 8 to PyYAML, so a config shared with a Python tool means two things), or null: `07` and `00` read alike.
 */
export function leadingZeroNote(written: string, read?: unknown): string | null {
  const m = /^([-+]?)0([0-7]+)$/.exec(written);
  if (m === null) return null;
  const decimal = Number(written), octal = (m[1] === '-' ? -1 : 1) * parseInt(m[2]!, 8);
  // (read as octal: a %YAML 1.1 document, read as PyYAML reads it)
  if (decimal === octal || read === octal) return null;
  return `${written} has a leading zero: read as ${decimal}; PyYAML (YAML 1.1) reads ${written} as octal ${octal} (write ${decimal}, or 0o${m[2]} for ${octal})`;
}

/** What a lora.target_modules entry that names no projection likely meant: PEFT's full module name, a misspelt projection. */
function projectionMeant(entry: string): string {
  const named = PROJECTIONS.find((p) => entry.endsWith(`.${p}`));
  if (named !== undefined) return `every layer's ${named} is adapted: write ${named}`;
  const near = didYouMean(entry, [...PROJECTIONS]);
  return near !== null ? `did you mean ${near}?` : 'only the projections of each decoder layer are adapted';
}

/** Values other tools use for a key's values here (`key=value`, lowercase): what to write instead. */
const VALUE_NAMES: ReadonlyMap<string, string> = new Map(Object.entries({
  'task=causal_lm': "PEFT's CAUSAL_LM is task: generation", 'task=seq_cls': "PEFT's SEQ_CLS is task: classification",
  'precision=fp16': 'fp16 is not offered: bf16 or fp32', 'precision=float16': 'fp16 is not offered: bf16 or fp32',
  'precision=bfloat16': 'write bf16', 'precision=float32': 'write fp32', 'device=gpu': 'write cuda', 'device=mps': "Apple's GPUs (mps) are not offered: cpu, or cuda on an NVIDIA GPU", 'method=qlora': 'quantized base weights (QLoRA) are not offered: lora, with precision: bf16',
}));

/** Keys where other tools (and habit) write 0 or -1 for "off", which here is null. */
const OFF_AS_NULL: ReadonlyMap<string, { values: number[]; hint: string }> = new Map(Object.entries({
  grad_clip: { values: [0], hint: "null turns clipping off, as transformers' max_grad_norm 0 does" },
  max_steps: { values: [0, -1], hint: "null lets epochs decide, as transformers' max_steps -1 does" },
  'checkpoint.every_steps': { values: [0], hint: 'null turns checkpoints off' },
  'early_stopping.patience': { values: [0], hint: 'null turns early stopping off' },
}));

/** Words for "nothing" that YAML reads as strings, not as null (Python's None above all). */
export const NONE_WORDS = /^(none|off|nil|disabled)$/i;

/** Whether the key at a dotted path takes null. */
function nullable(key: string): boolean {
  for (let schema = schemaAt(key.split('.')); schema instanceof z.ZodDefault || schema instanceof z.ZodNullable; schema = schema.unwrap() as z.ZodType) {
    if (schema instanceof z.ZodNullable) return true;
  }
  return false;
}

/** The schema of the value at a dotted key path, defaults and nullables unwrapped, or null. */
function valueSchema(key: string): z.ZodType | null {
  let schema = schemaAt(key.split('.'));
  // (schedule's arguments are optional transforms of a nullable number or name: the value is read by the transform's input)
  for (;;) {
    if (schema instanceof z.ZodDefault || schema instanceof z.ZodNullable || schema instanceof z.ZodOptional) schema = schema.unwrap() as z.ZodType;
    else if (schema instanceof z.ZodPipe && schema.out instanceof z.ZodTransform) schema = schema.in as z.ZodType;
    else return schema;
  }
}

/** Names other tools use for our keys (HF TrainingArguments, PEFT's LoraConfig). */
const ALIASES: ReadonlyMap<string, string> = new Map(Object.entries({
  rank: 'lora.r', lora_r: 'lora.r', lora_alpha: 'lora.alpha', lora_dropout: 'lora.dropout', target_modules: 'lora.target_modules',
  learning_rate: 'optimizer.lr', lr: 'optimizer.lr', weight_decay: 'optimizer.weight_decay', adam_epsilon: 'optimizer.eps',
  warmup_steps: 'schedule.warmup_steps', lr_scheduler_type: 'schedule.type', num_train_epochs: 'epochs',
  gradient_accumulation_steps: 'grad_accum', per_device_train_batch_size: 'batch_size', max_grad_norm: 'grad_clip',
  max_seq_length: 'max_seq_len', max_length: 'max_seq_len', eval_steps: 'eval.every_steps', save_steps: 'checkpoint.every_steps',
  save_total_limit: 'checkpoint.keep', model_name_or_path: 'model', warmup_ratio: 'schedule.warmup_steps',
  gradient_checkpointing: 'activation_checkpointing', bf16: 'precision', per_device_eval_batch_size: 'eval.batch_size',
  adam_beta1: 'optimizer.betas', adam_beta2: 'optimizer.betas', early_stopping_threshold: 'early_stopping.min_delta', data_seed: 'seed',
  train_batch_size: 'batch_size', eval_batch_size: 'eval.batch_size', lora_rank: 'lora.r',
  // axolotl's names
  base_model: 'model', micro_batch_size: 'batch_size', num_epochs: 'epochs', sequence_len: 'max_seq_len', lora_target_modules: 'lora.target_modules',
  early_stopping_patience: 'early_stopping.patience', use_gradient_checkpointing: 'activation_checkpointing', adapter: 'method', datasets: 'data.train',
  use_cpu: 'device', no_cuda: 'device', sample_packing: 'packing',
  // datasets' split name and HF's run_*.py script arguments for the data files
  validation: 'data.val', validation_file: 'data.val', train_file: 'data.train', test_file: 'data.test',
  // axolotl's lr_scheduler, and mistral-finetune's names
  lr_scheduler: 'schedule.type', seq_len: 'max_seq_len', run_dir: 'output_dir', model_id_or_path: 'model', num_microbatches: 'grad_accum',
  eval_freq: 'eval.every_steps', ckpt_freq: 'checkpoint.every_steps', max_norm: 'grad_clip', num_ckpt_keep: 'checkpoint.keep',
  // transformers' lr_scheduler_kwargs keys, written at the top level or in another section
  num_cycles: 'schedule.num_cycles', power: 'schedule.power', lr_end: 'schedule.lr_end', min_lr: 'schedule.min_lr', min_lr_rate: 'schedule.min_lr_rate',
  timescale: 'schedule.timescale', warmup_lr_rate: 'schedule.warmup_lr_rate', num_decay_steps: 'schedule.num_decay_steps',
  num_stable_steps: 'schedule.num_stable_steps', warmup_type: 'schedule.warmup_type', decay_type: 'schedule.decay_type', min_lr_ratio: 'schedule.min_lr_ratio',
  // axolotl's PEFT switches
  peft_use_dora: 'lora.use_dora', peft_use_rslora: 'lora.use_rslora',
  // prepare's and export's --out, written to train
  out: 'output_dir', output: 'output_dir', outdir: 'output_dir', out_dir: 'output_dir', output_path: 'output_dir',
}));

/** What HF's label_smoothing_factor (or label_smoothing) is told. */
const NO_SMOOTHING = 'the loss is plain cross-entropy (no label smoothing)';
/** What a metric to choose best/ by (HF's metric_for_best_model, or eval.metric) is told. */
const BY_VAL_LOSS = "best/ and early_stopping follow the val loss; metrics.jsonl logs each evaluation's loss with its perplexity, or a classification run's with accuracy and macro-F1";
/** What HF's eval_strategy (or eval.strategy) and save_strategy (or checkpoint.strategy) are told. */
const EVAL_WHEN = "evaluation runs every eval.every_steps steps, or at each epoch's end when that is null";
const SAVE_WHEN = 'a checkpoint is saved every checkpoint.every_steps steps (null: none)';
/** What a dtype for the weights (from_pretrained's torch_dtype, dtype) is told. */
const WEIGHT_DTYPE = 'the weights\' dtype is precision: bf16 or fp32 (auto chooses bf16 on CUDA, fp32 on the CPU)';
/** What HF's keys of distributed training (deepspeed, fsdp, DDP's) are told. */
const ONE_DEVICE = 'a run trains on one device, the CPU or one GPU (device): there is no distributed training';
/** What HF's bf16_full_eval and fp16_full_eval are told. */
const FULL_EVAL = "val and test are evaluated in the run's precision: (bf16 or fp32): leave it out";
/** What PEFT's layer selection is told: a new adapter takes every layer; one PEFT made for some continues as it is (lora.init_from). */
const SOME_LAYERS = "every decoder layer of a new adapter is adapted (lora.target_modules chooses the projections); for some layers only, make the adapter with PEFT's layers_to_transform and continue it with lora.init_from";
/** What PEFT's QLoRA keys (use_qalora, qalora_group_size) are told. */
const NO_QLORA = 'quantized base weights (QLoRA) are not offered: precision: bf16 stores them in bf16';

/**
 * Keys of HF TrainingArguments, PEFT's LoraConfig and axolotl that have no counterpart here (by full path, else by
 * name), and what to do instead: a did-you-mean would point to an unrelated key (bias → optimizer.betas).
 */
const NO_COUNTERPART: ReadonlyMap<string, string> = new Map(Object.entries({
  warmup_ratio: "write schedule.warmup_steps: a value below 1 there is a fraction of the run's steps, as warmup_ratio is",
  bias: "no bias is trained (PEFT's default, bias: none): leave it out",
  task_type: 'the task is the top-level key task: generation (CAUSAL_LM) or classification (SEQ_CLS)',
  modules_to_save: 'a classification run trains and saves its score head itself: leave it out',
  fan_in_fan_out: "Mistral's projections are Linear layers, not Conv1D: leave it out",
  init_lora_weights: "a new adapter starts as PEFT's default (A Kaiming-uniform, B zero); lora.init_from continues a trained one",
  layers_to_transform: SOME_LAYERS,
  layers_pattern: SOME_LAYERS,
  rank_pattern: 'every adapted projection has the one rank lora.r and lora.alpha',
  alpha_pattern: 'every adapted projection has the one rank lora.r and lora.alpha',
  optim: ADAMW, 'optimizer.type': ADAMW, 'optimizer.name': ADAMW,
  fp16: 'fp16 is not offered: precision: bf16 (auto chooses it on CUDA) or fp32',
  load_in_4bit: 'quantized base weights (QLoRA) are not offered: precision: bf16 stores them in bf16',
  load_in_8bit: 'quantized base weights (QLoRA) are not offered: precision: bf16 stores them in bf16',
  logging_steps: 'every optimizer step is logged in metrics.jsonl',
  eval_strategy: EVAL_WHEN, evaluation_strategy: EVAL_WHEN, save_strategy: SAVE_WHEN,
  // HF's strategies written in our sections
  'eval.strategy': EVAL_WHEN, 'checkpoint.strategy': SAVE_WHEN,
  eval_on_start: 'val data (data.val) is always evaluated at step 0, before the first update, as eval_on_start: true does: leave it out',
  'early_stopping.threshold': "write min_delta under early_stopping: (HF's early_stopping_threshold): a val-loss decrease of at most this counts as no improvement",
  torch_compile: 'there is no torch here to compile: the CPU and CUDA backends run kernels of their own; leave it out',
  gradient_checkpointing_kwargs: 'activation_checkpointing: true recomputes each decoder layer in the backward, and takes no arguments',
  save_safetensors: 'weights are always saved as safetensors: leave it out',
  deepspeed: ONE_DEVICE, fsdp: ONE_DEVICE, local_rank: ONE_DEVICE, ddp_find_unused_parameters: ONE_DEVICE,
  load_best_model_at_end: 'best/ always holds the weights of the lowest val loss (with data.val)',
  // a metric to choose best/ by, or to compute (eval: {metric: accuracy})
  metric_for_best_model: BY_VAL_LOSS, metric: BY_VAL_LOSS, 'eval.metric': BY_VAL_LOSS, 'early_stopping.metric': BY_VAL_LOSS,
  resume_from_checkpoint: 'continue a run with mistral-tune train RUN_DIR --resume',
  report_to: 'metrics go to metrics.jsonl in the run folder; mistral-tune dashboard shows them',
  val_set_size: 'split the data with mistral-tune prepare --split (its val.jsonl is data.val)',
  overwrite_output_dir: 'give --overwrite on the command line (it empties only a run folder train made)',
  do_train: 'train always trains; val and test are evaluated when data.val and data.test are set',
  do_eval: 'train always trains; val and test are evaluated when data.val and data.test are set',
  logging_dir: 'metrics go to metrics.jsonl in the run folder; mistral-tune dashboard shows them',
  logging_strategy: 'every optimizer step is logged in metrics.jsonl',
  greater_is_better: 'best/ and early_stopping follow the val loss, lower being better',
  run_name: 'a run is named by its folder, output_dir',
  push_to_hub: 'nothing is uploaded: mistral-tune export writes the PEFT adapter or a merged model folder to upload',
  dataloader_num_workers: 'the data is tokenized once before the first step: there are no loader workers',
  tf32: 'there is no TF32: precision: bf16 (auto chooses it on CUDA) or fp32',
  label_smoothing_factor: NO_SMOOTHING, label_smoothing: NO_SMOOTHING,
  neftune_noise_alpha: 'NEFTune embedding noise is not offered',
  dataset_text_field: "mistral-tune prepare reads the text from another field with --field text=KEY; data.train takes its output",
  exclude_modules: 'name the projections to adapt in lora.target_modules',
  lora_bias: "no bias is trained (PEFT's default, lora_bias: false): leave it out",
  // which tokens are trained: TRL's SFTConfig and axolotl name it with booleans, data.train_on with a choice
  assistant_only_loss: 'data.train_on says which tokens are trained: assistant (the default: assistant turns, and the completion of a prompt/completion record) or all',
  completion_only_loss: 'data.train_on says which tokens are trained: assistant (the default: assistant turns, and the completion of a prompt/completion record) or all',
  train_on_inputs: 'data.train_on says which tokens are trained: assistant (the default, train_on_inputs: false) or all (train_on_inputs: true)',
  lora_target_linear: 'write lora.target_modules: all-linear (the default: all 7 projections of every layer)',
  // TRL's SFTConfig: packing and the loss
  packing_strategy: 'packing: true packs as TRL\'s default packing_strategy "bfd" (best-fit decreasing); "bfd_split" and "wrapped" are not offered',
  padding_free: 'packing: true packs samples into whole sequences, attention not crossing them (as TRL\'s bfd packing, which is padding-free); unpacked batches are padded',
  loss_type: 'the loss is plain cross-entropy, TRL\'s "nll" ("chunked_nll" is the same loss); "dft" is not offered',
  // transformers' schedules' arguments (its lr_scheduler_kwargs) are schedule's keys here, by the same names
  lr_scheduler_kwargs: "its keys go under schedule: by the same names, as schedule.type takes them (num_cycles; power, lr_end; min_lr or min_lr_rate; timescale; warmup_lr_rate; num_decay_steps, num_stable_steps, warmup_type, decay_type, min_lr_ratio): schedule: {type: cosine_with_restarts, num_cycles: 2}",
  // axolotl's floor of its cosine, a fraction of the peak
  cosine_min_lr_ratio: 'write schedule: {type: cosine_with_min_lr, min_lr_rate: …} (the floor as a fraction of optimizer.lr, as cosine_min_lr_ratio is)',
  // mistral-finetune's
  log_freq: 'every optimizer step is logged in metrics.jsonl',
  no_eval: 'val data is evaluated when data.val is set: leave data.val out (or null) to evaluate nothing',
  save_adapters: 'a LoRA run saves its adapter in the run folder\'s adapter/ (mistral-tune export --merge makes a whole model): leave it out',
  no_ckpt: 'checkpoint.every_steps: null (the default) saves no checkpoint during the run; the adapter is saved at its end',
  mlflow: 'nothing is sent to MLflow: metrics go to metrics.jsonl in the run folder, and mistral-tune dashboard shows them',
  'lora.enable': 'method: lora (the default) trains an adapter; method: full trains every weight, as enable: false did',
  'lora.scaling': "mistral-finetune's scaling multiplies the adapter's output, as lora.alpha / lora.r does here: write alpha: scaling × r (r 16, scaling 2: alpha: 32)",
  'data.instruct_data': "mistral-finetune's instruct_data is data.train here, one JSON Lines file: mistral-tune prepare --input FILES --out DIR merges files, its DIR/train.jsonl is data.train",
  'data.data': "mistral-finetune's data (text to pretrain on) is data.train here, one JSON Lines file: mistral-tune prepare --input FILES --out DIR merges files, its DIR/train.jsonl is data.train",
  'data.eval_instruct_data': "mistral-finetune's eval_instruct_data is data.val here, one JSON Lines file: mistral-tune prepare --val FILES … --out DIR makes DIR/val.jsonl",
  'data.instruct': "the records are shuffled by the top-level shuffle: (true by default); function-call conversations are not chunked",
  lora_modules_to_save: 'a classification run trains and saves its score head itself: leave it out',
  // more of TrainingArguments' (and from_pretrained's) keys a user copies in: were "unknown key" alone, or a wrong did-you-mean (dtype → schedule.type)
  torch_dtype: WEIGHT_DTYPE, dtype: WEIGHT_DTYPE, half_precision_backend: WEIGHT_DTYPE,
  bf16_full_eval: FULL_EVAL, fp16_full_eval: FULL_EVAL,
  attn_implementation: 'the backends run attention kernels of their own: leave it out', use_liger_kernel: 'the backends run fused kernels of their own: leave it out',
  trust_remote_code: 'the Mistral architecture is built in and no model code is run: leave it out',
  optim_args: ADAMW, adafactor: `Adafactor is not offered: ${ADAMW}`,
  dataloader_drop_last: "an epoch's last batch is kept, shorter, as dataloader_drop_last: false (HF's default) does; dropping it is not offered",
  dataset_num_proc: 'the data is tokenized once before the first step: there are no loader workers',
  eval_accumulation_steps: 'eval.batch_size rows are evaluated at a time and only their losses kept: leave it out',
  save_only_model: 'checkpoint.every_steps: null (the default) saves no checkpoint during the run; the run ends by saving adapter/ (model/ for method: full)',
  label_names: 'the labels are made from the data (data.train_on; a classification record\'s label): leave it out',
  remove_unused_columns: "a record's other fields are left out as mistral-tune prepare reads it (--field maps a field to use): leave it out",
  include_num_input_tokens_seen: "metrics.jsonl logs each step's tokens_per_s (no running count of tokens): leave it out", average_tokens_across_devices: ONE_DEVICE,
  num_labels: 'a classification run (task: classification) takes its classes from labels: (their names) or from the data',
  // more of PEFT's LoraConfig
  'lora.peft_type': 'the adapter is LoRA (lora.use_dora: true for DoRA): leave it out', 'lora.inference_mode': 'train trains the adapter; eval and loadAdapter load it frozen: leave it out',
  'lora.base_model_name_or_path': 'the base model is the top-level key model (a local folder)', 'lora.target_parameters': 'name the projections to adapt in lora.target_modules',
  loftq_config: "LoftQ is not offered: a new adapter starts as PEFT's default (A Kaiming-uniform, B zero)", megatron_config: ONE_DEVICE,
  use_qalora: NO_QLORA, qalora_group_size: NO_QLORA,
  trainable_token_indices: 'an adapter trains no embedding rows (method: full trains every weight)', ensure_weight_tying: 'an adapter adapts no embedding or lm_head: leave it out',
  layer_replication: 'every decoder layer is adapted once, as it is: leave it out', alora_invocation_tokens: 'activated LoRA (aLoRA) is not offered',
  runtime_config: "PEFT's runtime settings do not apply here: leave it out",
  // PEFT's LoraConfig.revision, the base model's Hub revision: the model is the local folder `model` names
  revision: 'the base model is the local folder model names, as it is on disk (nothing is fetched from the Hub)',
}));

/** A known key path close to an unknown key `k` found under `at`: an alias, a sibling, or any key. */
export function suggestKey(k: string, at: string[]): string | null {
  const prefix = at.length ? `${at.join('.')}.` : '';
  // other tools' names written as flags are (learning-rate, num-train-epochs)
  const alias = ALIASES.get(k.toLowerCase().replace(/-/g, '_'));
  if (alias && alias !== prefix + k) return alias;
  const word = k.toLowerCase().replace(/-/g, '_');
  const ending = knownKeys(at).filter((key) => key.endsWith(`_${word}`) || key.startsWith(`${word}_`));
  const leaves = documentedKeys().map((d) => d.key);
  // another section's key by its very name, the top-level one first (val was "did you mean eval", data.task "data.test"),
  // where no key of this section begins or ends with the word
  const named = leaves.filter((l) => l.split('.').pop() === k);
  if (named.length > 0 && ending.length === 0) return named.find((l) => !l.includes('.')) ?? named[0]!;
  const sibling = didYouMean(k, knownKeys(at));
  if (sibling) return prefix + sibling;
  // the first or last word of one key of the section (eval.steps → eval.every_steps, eval.batch → eval.batch_size,
  // steps → max_steps), not a key of another section spelled alike (eval.steps was "optimizer.eps")
  if (ending.length === 1) return prefix + ending[0]!;
  // of several, the one key every config has (schedule.warmup → warmup_steps, not the optional warmup_type or warmup_lr_rate)
  const always = ending.filter((key) => setInEveryConfig([...at, key]));
  if (always.length === 1) return prefix + always[0]!;
  // a section written inside another (optimizer: {schedule: …}) is the top-level one
  if (at.length > 0 && knownKeys([]).includes(k)) return k;
  // a word several keys of this section hold is no other key misspelt (schedule.rate was "lora.r"), only its whole name
  if (ending.length > 1) return leaves.find((l) => l.split('.').pop() === k) ?? null;
  const leaf = didYouMean(k, leaves.map((l) => l.split('.').pop()!));
  if (leaf) return leaves.find((l) => l.split('.').pop() === leaf)!;
  // another tool's name misspelt (lerning_rate), as our own keys misspelt are met above
  const near = didYouMean(k.toLowerCase().replace(/-/g, '_'), [...ALIASES.keys()]);
  return near === null ? null : ALIASES.get(near)!;
}

/** The key path nearest an unknown dotted one (`max_step` → max_steps, `learning_rate` → optimizer.lr), or null. */
export function nearestConfigKey(dotted: string): string | null {
  const parts = dotted.split('.');
  return suggestKey(parts[parts.length - 1]!, parts.slice(0, -1));
}

/**
 * `text` with its look-alikes of ASCII (a Unicode minus or dash, full-width digits and signs) made ASCII, where that reads as a
 * number in YAML: the first such character, the one it stands for, and the text; else null.
 */
function lookAlikeNumber(text: string): { char: string; meant: string; text: string } | null {
  // (full-width forms only: NFKC also makes 10² "102" and ① "1", other numbers than the one written)
  const ascii = (c: string): string => (/[\u2010-\u2015\u2212\uFE63\uFF0D]/.test(c) ? '-' : /[\uFF01-\uFF5E]/.test(c) ? c.normalize('NFKC') : c);
  const folded = [...text].map(ascii).join('');
  if (folded === text || typeof plainYamlValue(folded) !== 'number') return null;
  const char = [...text].find((c) => ascii(c) !== c)!;
  return { char, meant: ascii(char), text: folded };
}

/** What YAML reads `text` as when it is written unquoted (undefined for text it refuses). */
function plainYamlValue(text: string): unknown {
  // a quoted value nested deep as YAML ("- - - … x") overflowed the parser's stack; the second such value crashed node
  // (FATAL ERROR: RegExpCompiler Allocation failed) where the first one's overflow was caught
  if (tooDeep(text) !== null) return undefined;
  try {
    return YAML.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
