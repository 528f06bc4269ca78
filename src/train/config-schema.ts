// The training config's schema: one zod object that gives the types, the defaults, strict keys and the README's
// table (documentedKeys), and the walks over it that name a key path's schema and the keys known at a path.
import { z } from 'zod';
import { PROJECTIONS } from '../model/names.ts';
import { gotValue } from './config-issues.ts';
import { spaceAfterDash } from '../util/yaml-plain.ts';
import { SCHEDULE_TYPES, scheduleKwargsProblem, WSD_SHAPES, type ScheduleKwargs, type ScheduleType } from './schedule.ts';

const int = (min: number) => z.number().int().min(min);

/**
 * A list's entry given twice, refused at the second (its line) with `said(name, first index)`: a class name twice would be
 * two head rows that one label cannot tell apart; a projection twice was adapted once, but made the saved adapter_config
 * list every module by its full name.
 */
function uniqueEntries(said: (name: string, j: number) => string): (names: string[], ctx: z.RefinementCtx) => void {
  return (names, ctx) => {
    const first = new Map<string, number>();
    names.forEach((n, i) => {
      const j = first.get(n);
      if (j !== undefined) ctx.addIssue({ code: 'custom', path: [i], message: said(n, j) });
      else first.set(n, i);
    });
  };
}
export const ALL_LINEAR = 'all-linear';

/** A schedule argument: absent from the resolved config when left out or null (a flag's null unsets the file's), so the type's default. */
const scheduleArgument = <T extends z.ZodType>(value: T) => value.nullable().transform((v) => v ?? undefined).optional();

/** transformers' schedules not offered here, each with why (they follow a metric, or another warmup). */
const SCHEDULES_NOT_OFFERED: Readonly<Record<string, string>> = {
  reduce_lr_on_plateau: "it lowers the rate when an evaluation's val loss stops improving, which this trainer does not: early_stopping.patience ends a run whose val loss stalls",
  greedy: 'it follows the loss',
};

/** schedule.type's error for transformers' names of schedules not offered; any other value gets the map's "must be one of". */
function scheduleTypeError(issue: { input?: unknown }): string | undefined {
  const why = typeof issue.input === 'string' ? SCHEDULES_NOT_OFFERED[issue.input] : undefined;
  if (why === undefined) return undefined;
  return `must be one of ${SCHEDULE_TYPES.join(', ')}${gotValue(issue.input)}: transformers' ${issue.input as string} is not offered (${why})`;
}

/** The schedule's arguments checked against its type and the peak learning rate (transformers' get_scheduler's TypeError and ValueError, said at the key). */
function checkScheduleKwargs(cfg: { optimizer: { lr: number }; schedule: { type: ScheduleType; warmup_steps: number } & ScheduleKwargs }, ctx: z.RefinementCtx): void {
  const { type, warmup_steps: _, ...kwargs } = cfg.schedule;
  // an optimizer.lr refused on its own (zod goes on past a range issue) bounds nothing: lr_end or min_lr not said against it too
  const peak = cfg.optimizer.lr > 0 ? cfg.optimizer.lr : Infinity;
  const bad = scheduleKwargsProblem(type, kwargs, peak);
  if (bad) ctx.addIssue({ code: 'custom', path: ['schedule', bad.key], message: bad.problem });
}

/** lora.target_modules' error for a value that is no list: a string names the list to write (`q_proj,v_proj` → [q_proj, v_proj]). */
function targetModulesError(input: unknown): string {
  const expected = `a list of projections, or "${ALL_LINEAR}"`;
  if (typeof input !== 'string') return expected;
  // all_linear, ALL-LINEAR: PEFT's one spelling
  if (input.toLowerCase().replace(/[_\s]/g, '-') === ALL_LINEAR) return `${expected}, not the string ${JSON.stringify(input)}: write ${ALL_LINEAR}`;
  const dashed = spaceAfterDash(input);
  if (dashed !== '') return `${expected}, not the string ${JSON.stringify(input)}: ${dashed}`;
  // a Python tuple or list, or a list in quotes: `(q_proj, v_proj)`, `"[q_proj, v_proj]"`, `'q_proj', 'v_proj'`; PEFT's
  // regular expression `q_proj|v_proj`
  const names = input.trim().replace(/^[([](.*)[)\]]$/s, '$1').split(/[\s,|]+/).map((n) => n.replace(/^(["'])(.*)\1$/, '$2')).filter((n) => n !== '');
  // PEFT reads a string as a regular expression over module names; here the projections are named
  const list = names.every((n) => (PROJECTIONS as readonly string[]).includes(n)) ? `write [${names.join(', ')}]` : `name them: [${PROJECTIONS.slice(0, 2).join(', ')}, …]`;
  return `${expected}, not the string ${JSON.stringify(input)}: ${list}`;
}

/** `model: {config, init: random}`: a model built from an HF config with random weights (benchmarks, dry runs). */
const RandomModelSchema = z.object({
  config: z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'a path to an HF config.json (or its folder), or a mapping of its keys' })
    .describe('HF config.json of the random model: a path (file or folder), or its keys inline (model_type defaults to mistral)'),
  init: z.literal('random').describe('random: normal(0, initializer_range) weights drawn on the backend, ones for norms'),
  seed: int(0).nullable().default(null).describe('seed of the random weights (null = the run\'s seed)'),
}).strict();

export const TrainConfigSchema = z.object({
  model: z.union([z.string().min(1), RandomModelSchema], { error: (issue) => `must be a model folder path, or {config: CONFIG, init: random}${gotValue(issue.input)}` })
    .describe('HF model folder (config.json, safetensors, tokenizer.json), or {config, init: random} for random weights'),
  task: z.enum(['generation', 'classification']).default('generation').describe('generation (causal LM) or classification'),
  labels: z.array(z.string().min(1)).min(2).superRefine(uniqueEntries((n, j) => `${JSON.stringify(n)} is also class ${j}: give each class its own name`)).nullable().default(null).describe('class names, for classification (default: those of the prepare report.json beside data.train)'),
  method: z.enum(['lora', 'full']).default('lora').describe('lora: train an adapter; full: train every weight (small models)'),
  data: z.object({
    train: z.string().min(1).describe('training data: a prepare output or any file prepare accepts'),
    val: z.string().min(1).nullable().default(null).describe('validation data (evaluated at step 0 and every eval.every_steps)'),
    test: z.string().min(1).nullable().default(null).describe('test data (evaluated once at the end)'),
    train_on: z.enum(['assistant', 'all']).default('assistant').describe('chats: train on assistant turns only, prompt/completion records on the completion only (TRL\'s assistant_only_loss and completion_only_loss); all: on every token'),
  }).strict().describe('the data files, of which data.train is required'),
  lora: z.object({
    r: int(1).default(8).describe('rank'),
    alpha: z.number().positive().default(16).describe('scaling numerator: scaling = alpha / r'),
    dropout: z.number().min(0).lt(1).default(0).describe('dropout on the adapter input (0 = off)'),
    // PEFT's "all-linear" (every linear layer but the output head) is the 7 projections
    target_modules: z.preprocess((v) => (v === ALL_LINEAR ? [...PROJECTIONS] : v),
      z.array(z.enum(PROJECTIONS), { error: (issue) => (issue.code === 'invalid_type' ? targetModulesError(issue.input) : undefined) })
        .min(1).superRefine(uniqueEntries((n, j) => `${JSON.stringify(n)} is also entry ${j}: name each projection once`)))
      .default([...PROJECTIONS]).describe(`projections to adapt ("${ALL_LINEAR}": all 7)`),
    use_rslora: z.boolean().default(false).describe('rank-stabilised scaling alpha / √r'),
    use_dora: z.boolean().default(false).describe("weight-decomposed LoRA (DoRA, PEFT's use_dora): a trained magnitude per output of each adapted projection"),
    init_from: z.string().min(1).nullable().default(null).describe('a PEFT adapter folder to continue from (its adapter_config wins)'),
  }).strict().default({ r: 8, alpha: 16, dropout: 0, target_modules: [...PROJECTIONS], use_rslora: false, use_dora: false, init_from: null }),
  optimizer: z.object({
    lr: z.number().positive().default(2e-4).describe('peak learning rate'),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]).describe('AdamW betas'),
    eps: z.number().positive().default(1e-8).describe('AdamW epsilon'),
    weight_decay: z.number().min(0).default(0).describe('decoupled weight decay (torch AdamW)'),
  }).strict().default({ lr: 2e-4, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0 }),
  schedule: z.object({
    type: z.enum(SCHEDULE_TYPES, { error: scheduleTypeError }).default('linear').describe("transformers' lr_scheduler_type, as its get_scheduler builds it"),
    warmup_steps: z.number().min(0).refine((v) => Number.isSafeInteger(v) || v < 1,
      { error: (issue) => `must be a whole number of steps below 2^53, or a fraction of the run's steps below 1${gotValue(issue.input)}` })
      .default(0).describe('linear warmup: optimizer steps, or a fraction below 1 of the run\'s steps, rounded up (as transformers 5 reads warmup_steps; its warmup_ratio); 0 = none'),
    // transformers' lr_scheduler_kwargs, by their names there; left out (or null), transformers' default
    num_cycles: scheduleArgument(z.number()).describe('cosine, cosine_with_min_lr, cosine_warmup_with_min_lr, warmup_stable_decay\'s cosine decay: waves of the cosine (default 0.5, the peak down once); cosine_with_restarts: hard restarts (default 1)'),
    power: scheduleArgument(z.number()).describe('polynomial: the exponent of the decay (default 1)'),
    lr_end: scheduleArgument(z.number()).describe('polynomial: the learning rate at the end, below optimizer.lr (default 1e-7)'),
    min_lr: scheduleArgument(z.number()).describe('cosine_with_min_lr, cosine_warmup_with_min_lr: the floor the cosine decays to, a learning rate (or give min_lr_rate)'),
    min_lr_rate: scheduleArgument(z.number()).describe('cosine_with_min_lr, cosine_warmup_with_min_lr: the floor as a fraction of optimizer.lr (or give min_lr)'),
    warmup_lr_rate: scheduleArgument(z.number()).describe('cosine_warmup_with_min_lr: the first warmup step\'s learning rate as a fraction of optimizer.lr (default 1 / the warmup\'s steps)'),
    // (a whole number: scheduleKwargsProblem says its range, once; int(1) here said it twice)
    timescale: scheduleArgument(z.number()).describe('inverse_sqrt: steps of its time scale (default: the warmup\'s steps, or 10000 without warmup)'),
    num_decay_steps: scheduleArgument(z.number()).describe('warmup_stable_decay: steps of the decay at the end (required)'),
    num_stable_steps: scheduleArgument(z.number()).describe('warmup_stable_decay: steps at the peak after the warmup (default: the run\'s steps less the warmup\'s and the decay\'s)'),
    warmup_type: scheduleArgument(z.enum(WSD_SHAPES)).describe('warmup_stable_decay: the warmup\'s shape, linear, cosine or 1-sqrt (default linear)'),
    decay_type: scheduleArgument(z.enum(WSD_SHAPES)).describe('warmup_stable_decay: the decay\'s shape, linear, cosine or 1-sqrt (default cosine)'),
    min_lr_ratio: scheduleArgument(z.number()).describe('warmup_stable_decay: where the warmup starts and the decay ends, a fraction of optimizer.lr (default 0)'),
  }).strict().default({ type: 'linear', warmup_steps: 0 }),
  batch_size: int(1).default(4).describe('micro-batch size in sequences'),
  grad_accum: int(1).default(1).describe('micro-batches per optimizer step'),
  epochs: int(1).default(1).describe('passes over the training data (max_steps, when set, wins)'),
  max_steps: int(1).nullable().default(null).describe('optimizer steps in total, across epochs'),
  max_seq_len: int(2).default(1024).describe('longest sequence in tokens'),
  overflow: z.enum(['truncate', 'drop']).default('truncate').describe('what happens to a longer example'),
  packing: z.boolean().default(false).describe("pack several examples per sequence (attention does not cross them), once, as TRL's SFTTrainer(packing=True) packs them"),
  shuffle: z.boolean().default(true).describe("seeded shuffle each epoch, in HF's Trainer's order for the same seed; false = file order"),
  group_by_length: z.boolean().default(false).describe("batch examples of similar length together (needs shuffle), in HF's group_by_length order for the same seed (from the second epoch on only with lora.dropout 0: HF's later orders follow its dropout draws)"),
  grad_clip: z.number().positive().nullable().default(1).describe('clip the global gradient norm to this (null = off)'),
  activation_checkpointing: z.boolean().default(false).describe('keep only each decoder layer\'s input and recompute the layer in the backward: less activation memory, one more forward of the layers'),
  eval: z.object({
    every_steps: int(1).nullable().default(null).describe('evaluate on val every N optimizer steps (null = at the end of each epoch)'),
    batch_size: int(1).default(8).describe('sequences per evaluation batch'),
    samples: int(0).default(3).describe('prompts to generate from before and after training: the first N val rows (training rows without val data)'),
    max_new_tokens: int(1).default(48).describe('length of each generated sample'),
  }).strict().default({ every_steps: null, batch_size: 8, samples: 3, max_new_tokens: 48 }),
  early_stopping: z.object({
    patience: int(1).nullable().default(null).describe("stop after this many evaluations without improvement (null = off); step 0's evaluation, a baseline, is not counted (HF's eval_on_start)"),
    min_delta: z.number().min(0).default(0).describe('for patience: a val-loss decrease of at most this counts as no improvement (best/ keeps any lower loss)'),
  }).strict().default({ patience: null, min_delta: 0 }),
  checkpoint: z.object({
    every_steps: int(1).nullable().default(null).describe('save a resumable checkpoint every N steps (null = off); a LoRA run\'s holds the adapter of its step too'),
    keep: int(1).default(2).describe('checkpoints kept (oldest deleted first)'),
  }).strict().default({ every_steps: null, keep: 2 }),
  seed: int(0).default(0).describe('seed of shuffling, initialisation and dropout'),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto').describe('backend'),
  precision: z.enum(['auto', 'fp32', 'bf16']).default('auto').describe('bf16: weights and activations stored in bf16, math and trained tensors in f32; auto: bf16 on CUDA, fp32 on the CPU'),
  output_dir: z.string().min(1).default('runs/latest').describe('the run directory (refused if it exists and is not empty, unless --overwrite); the default is under the current directory, while a path written in the file is read from the file\'s folder'),
}).strict().superRefine(checkScheduleKwargs);

export type TrainConfig = z.infer<typeof TrainConfigSchema>;
export type RandomModelSpec = z.infer<typeof RandomModelSchema>;

/** Whether `dotted` ("lora.r", "data") names a key of the config, at any depth. */
export function isConfigKey(dotted: string): boolean {
  const parts = dotted.split('.');
  return parts.every((part, i) => knownKeys(parts.slice(0, i)).includes(part));
}

/** The keys the schema accepts at a path (for did-you-mean). */
export function knownKeys(at: string[]): string[] {
  const schema = schemaAt(at);
  return schema ? Object.keys(objectShape(schema) ?? {}) : [];
}

/** Whether the key at `path` holds a value in every config: it is required or has a default (not an optional argument). */
export function setInEveryConfig(path: string[]): boolean {
  const parsed = schemaAt(path)?.safeParse(undefined);
  return parsed !== undefined && (!parsed.success || parsed.data !== undefined);
}

/** The schema of the key at a path (as declared: with its default), or null when the path is no key. */
export function schemaAt(at: string[]): z.ZodType | null {
  let schema: z.ZodType = TrainConfigSchema;
  for (const part of at) {
    const shape = objectShape(schema);
    if (!shape || !Object.hasOwn(shape, part)) return null;
    schema = shape[part]!;
  }
  return schema;
}

export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | null {
  let s: z.ZodType = schema;
  // unwrap defaults / nullables to reach the object
  for (let i = 0; i < 4; i++) {
    if (s instanceof z.ZodObject) return s.shape as Record<string, z.ZodType>;
    if (s instanceof z.ZodUnion) {
      const obj = (s.options as z.ZodType[]).find((o) => o instanceof z.ZodObject);
      if (!obj) return null;
      s = obj;
      continue;
    }
    const inner = (s as unknown as { unwrap?: () => z.ZodType }).unwrap?.();
    if (!inner) break;
    s = inner;
  }
  return null;
}

/** Every documented key path with its description, for the README and its test. */
export function documentedKeys(): Array<{ key: string; description: string }> {
  const out: Array<{ key: string; description: string }> = [];
  const walk = (schema: z.ZodType, prefix: string): void => {
    const shape = objectShape(schema);
    if (!shape) return;
    for (const [k, v] of Object.entries(shape)) {
      const key = prefix ? `${prefix}.${k}` : k;
      const sub = objectShape(v);
      // a union of a value and a mapping (model: PATH | {config, init}) documents both the key and its keys
      if (!sub || v instanceof z.ZodUnion) out.push({ key, description: v.description ?? '' });
      if (sub) walk(v, key);
    }
  };
  walk(TrainConfigSchema, '');
  return out;
}
