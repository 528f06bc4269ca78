// Learning-rate schedules as transformers' get_scheduler builds them (optimization.py's lr_lambda of each type): λ(s)
// for s = 0, 1, … and optimizer step k (counted from 1) uses lr · λ(k − 1). Each type's arguments are those of
// transformers' lr_scheduler_kwargs, by their names there, with its defaults.

import { needArg, needOneOf } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';

/** Each schedule.type and the lr_scheduler_kwargs keys transformers' get_scheduler passes its function. */
export const SCHEDULE_KWARGS = {
  constant: [],
  constant_with_warmup: [],
  linear: [],
  cosine: ['num_cycles'],
  cosine_with_restarts: ['num_cycles'],
  cosine_with_min_lr: ['num_cycles', 'min_lr', 'min_lr_rate'],
  polynomial: ['lr_end', 'power'],
  inverse_sqrt: ['timescale'],
  cosine_warmup_with_min_lr: ['num_cycles', 'min_lr', 'min_lr_rate', 'warmup_lr_rate'],
  warmup_stable_decay: ['num_decay_steps', 'num_stable_steps', 'warmup_type', 'decay_type', 'min_lr_ratio', 'num_cycles'],
} as const satisfies Record<string, readonly ScheduleKwarg[]>;

export type ScheduleType = keyof typeof SCHEDULE_KWARGS;
export const SCHEDULE_TYPES = Object.keys(SCHEDULE_KWARGS) as [ScheduleType, ...ScheduleType[]];

/** warmup_stable_decay's shapes of its warmup and its decay (transformers' warmup_type and decay_type). */
export const WSD_SHAPES = ['linear', 'cosine', '1-sqrt'] as const;
export type WsdShape = (typeof WSD_SHAPES)[number];

/** A schedule's arguments, as transformers' lr_scheduler_kwargs names them; one left out takes transformers' default. */
export interface ScheduleKwargs {
  /** cosine's waves (default 0.5: the peak down to 0), cosine_with_restarts' hard restarts (default 1); warmup_stable_decay's cosine decay's (default 0.5) */
  num_cycles?: number;
  /** polynomial's exponent (default 1) */
  power?: number;
  /** polynomial's final learning rate (default 1e-7), below the peak */
  lr_end?: number;
  /** cosine_with_min_lr's and cosine_warmup_with_min_lr's floor: a learning rate (min_lr) or a fraction of the peak (min_lr_rate), exactly one */
  min_lr?: number;
  min_lr_rate?: number;
  /** inverse_sqrt's time scale in steps (default: the warmup's, or 10000 without warmup) */
  timescale?: number;
  /** cosine_warmup_with_min_lr's first warmup step's fraction of the peak (default: 1 / the warmup's steps) */
  warmup_lr_rate?: number;
  /** warmup_stable_decay's steps of decay (required), of the stable peak (default: the run's less the warmup's and the decay's) */
  num_decay_steps?: number;
  num_stable_steps?: number;
  /** warmup_stable_decay's warmup shape (default linear) and decay shape (default cosine) */
  warmup_type?: WsdShape;
  decay_type?: WsdShape;
  /** warmup_stable_decay's floor, where the warmup starts and the decay ends, as a fraction of the peak (default 0) */
  min_lr_ratio?: number;
}
export type ScheduleKwarg = keyof ScheduleKwargs;

export interface Schedule {
  type: ScheduleType;
  warmupSteps: number;
  totalSteps: number;
  kwargs?: ScheduleKwargs;
}

/** The warmup of `setting` (schedule.warmup_steps: steps, or a fraction below 1 of the run's), as transformers 5's get_warmup_steps. */
export function warmupStepsOf(setting: number, totalSteps: number): number {
  return setting >= 1 ? setting : Math.ceil(totalSteps * setting);
}

/**
 * What is wrong with `kwargs` for `type` and the peak learning rate `peak`, as the key it is about and a sentence, or
 * null: a key of another type (transformers' get_scheduler fails with a TypeError for it, or for constant and
 * constant_with_warmup ignores it, which here would be a setting silently unused), a value out of its range,
 * min_lr and min_lr_rate both or neither, lr_end not below the peak (transformers' ValueError).
 */
export function scheduleKwargsProblem(type: ScheduleType, kwargs: ScheduleKwargs, peak: number): { key: ScheduleKwarg; problem: string } | null {
  const takes: readonly ScheduleKwarg[] = SCHEDULE_KWARGS[type];
  const given = (Object.keys(kwargs) as ScheduleKwarg[]).filter((k) => kwargs[k] !== undefined);
  for (const key of given) {
    if (takes.includes(key)) continue;
    const owners = SCHEDULE_TYPES.filter((t) => (SCHEDULE_KWARGS[t] as readonly string[]).includes(key));
    const own = takes.length === 0 ? `${type} takes none` : `${type} takes ${takes.join(', ')}`;
    const ownersText = owners.length === 1 ? owners[0] : `${owners.slice(0, -1).join(', ')} or ${owners.at(-1)}`;
    return { key, problem: `is an argument of schedule.type ${ownersText}, not of ${type} (${own})` };
  }
  const v = (k: ScheduleKwarg): unknown => kwargs[k];
  const fraction = 'a fraction of the peak learning rate, from 0 to 1';
  const range: Array<[ScheduleKwarg, (x: number) => boolean, string]> = [
    // (0: transformers' cosines stay at the peak after the warmup, constant_with_warmup's schedule)
    ['num_cycles', (x) => x >= 0, 'a number, 0 or more'],
    ['power', (x) => x > 0, 'a number above 0'],
    // (one pair of brackets: the "(got …)" that follows is the other)
    ['lr_end', (x) => x >= 0 && x < peak, `a learning rate from 0 to below the peak, optimizer.lr ${peak}, as transformers requires`],
    ['min_lr', (x) => x >= 0 && x <= peak, `a learning rate from 0 to the peak, optimizer.lr ${peak}`],
    ['min_lr_rate', (x) => x >= 0 && x <= 1, fraction],
    ['timescale', (x) => Number.isSafeInteger(x) && x >= 1, 'a whole number of steps, at least 1'],
    ['warmup_lr_rate', (x) => x >= 0 && x <= 1, fraction],
    ['num_decay_steps', (x) => Number.isSafeInteger(x) && x >= 0, 'a whole number of steps, 0 or more'],
    ['num_stable_steps', (x) => Number.isSafeInteger(x) && x >= 0, 'a whole number of steps, 0 or more'],
    ['min_lr_ratio', (x) => x >= 0 && x <= 1, fraction],
  ];
  for (const [key, ok, want] of range) {
    const x = v(key);
    if (x !== undefined && !(typeof x === 'number' && Number.isFinite(x) && ok(x))) return { key, problem: `must be ${want} (got ${JSON.stringify(x) ?? String(x)})${shareOfRun(key, x)}` };
  }
  for (const key of ['warmup_type', 'decay_type'] as const) {
    const x = v(key);
    if (x !== undefined && !(WSD_SHAPES as readonly unknown[]).includes(x)) return { key, problem: `must be one of ${WSD_SHAPES.join(', ')} (got ${JSON.stringify(x) ?? String(x)})` };
  }
  // transformers' get_wsd_schedule has no default for it (a TypeError)
  if (type === 'warmup_stable_decay' && v('num_decay_steps') === undefined) {
    return { key: 'num_decay_steps', problem: 'is missing (warmup_stable_decay needs the steps of its decay, as transformers\' get_wsd_schedule does; its stable steps default to the rest of the run)' };
  }
  // a default lr_end (1e-7) at or above a tiny peak: transformers' own ValueError
  if (type === 'polynomial' && v('lr_end') === undefined && !(1e-7 < peak)) {
    return { key: 'lr_end', problem: `is 1e-7 (transformers' default), not below the peak, optimizer.lr ${peak}: give schedule.lr_end below it` };
  }
  if ((type === 'cosine_with_min_lr' || type === 'cosine_warmup_with_min_lr') && (v('min_lr') === undefined) === (v('min_lr_rate') === undefined)) {
    const both = v('min_lr') !== undefined;
    return { key: both ? 'min_lr_rate' : 'min_lr', problem: `${both ? 'is given with schedule.min_lr' : 'is missing'} (${type} takes exactly one of schedule.min_lr, a learning rate, and schedule.min_lr_rate, a fraction of optimizer.lr)` };
  }
  return null;
}

/**
 * What a fraction below 1 given as warmup_stable_decay's steps is not: a share of the run. transformers 5.17's
 * get_wsd_schedule takes num_decay_steps 0.2 as 0.2 of a step (over 10 steps: no decay at all, the peak throughout),
 * num_stable_steps 0.5 as half a step (the peak at step 0 only, the decay begun at step 1).
 */
function shareOfRun(key: ScheduleKwarg, x: unknown): string {
  if ((key !== 'num_decay_steps' && key !== 'num_stable_steps') || typeof x !== 'number' || !(x > 0 && x < 1)) return '';
  const phase = key === 'num_decay_steps' ? 'a decay' : 'a stable phase';
  return `: not a share of the run (transformers' get_wsd_schedule takes ${x} as ${x} of a step, so ${phase} of under one step); give its number of steps`;
}

/** The arguments `s` sets, by their names in its type's order (`lr_end 0.000001, power 2`), or '' where none is set. */
export function scheduleArgsText(s: Pick<Schedule, 'type' | 'kwargs'>): string {
  const takes: readonly ScheduleKwarg[] = SCHEDULE_KWARGS[s.type];
  return takes.filter((k) => s.kwargs?.[k] !== undefined).map((k) => `${k} ${s.kwargs?.[k]}`).join(', ');
}

/**
 * What schedule.type `type` with schedule.warmup_steps `warmup` does unlike transformers' schedule of that name, or null:
 * constant warms up here (kept, so that a run of it resumes the same), where transformers' constant ignores the warmup.
 */
export function scheduleTypeNote(type: ScheduleType, warmup: number): string | null {
  if (type !== 'constant' || warmup === 0) return null;
  return "constant warms up over schedule.warmup_steps here, as transformers' constant_with_warmup does (transformers' constant has no warmup): " +
    "write constant_with_warmup, the same schedule, or warmup_steps: 0 for transformers' constant";
}

/**
 * The arguments given that `type` with schedule.warmup_steps `warmup` does not use, each with why (transformers takes
 * and ignores them): warmup_stable_decay's num_cycles without a cosine decay, a shape or warmup_lr_rate without a warmup.
 */
export function unusedScheduleArguments(type: ScheduleType, warmup: number, kwargs: ScheduleKwargs): Array<{ key: ScheduleKwarg; note: string }> {
  const unused: Array<{ key: ScheduleKwarg; note: string }> = [];
  const not = ': it is not used (as in transformers)';
  const noWarmup = (what: string): string => `schedule.warmup_steps is 0, so there is no warmup to ${what}${not}`;
  if (type === 'warmup_stable_decay') {
    const noDecay = kwargs.num_decay_steps === 0 ? `num_decay_steps is 0, so there is no decay to shape${not}` : null;
    if (kwargs.num_cycles !== undefined && (noDecay !== null || (kwargs.decay_type ?? 'cosine') !== 'cosine')) {
      unused.push({ key: 'num_cycles', note: noDecay ?? `only a cosine decay has cycles, and decay_type is ${kwargs.decay_type}${not}` });
    }
    if (kwargs.decay_type !== undefined && noDecay !== null) unused.push({ key: 'decay_type', note: noDecay });
    if (kwargs.warmup_type !== undefined && warmup === 0) unused.push({ key: 'warmup_type', note: noWarmup('shape') });
  }
  if (type === 'cosine_warmup_with_min_lr' && kwargs.warmup_lr_rate !== undefined && warmup === 0) unused.push({ key: 'warmup_lr_rate', note: noWarmup('start') });
  return unused;
}

/** transformers' lr_lambda(current_step) of `s`, whose optimizer's initial lr is `peak` (polynomial's and min_lr's λ divide by it). */
export function lrLambda(s: Schedule, current: number, peak: number): number {
  const { warmupSteps: w, totalSteps: n } = s;
  const a = s.kwargs ?? {};
  // these two warm up their own way
  if (s.type === 'warmup_stable_decay') return wsdLambda(a, w, n, current);
  if (s.type === 'cosine_warmup_with_min_lr') return cosineWarmupWithMinLrLambda(a, w, n, current, peak);
  if (current < w) return current / Math.max(1, w);
  const progress = (current - w) / Math.max(1, n - w);
  switch (s.type) {
    case 'constant':
    case 'constant_with_warmup':
      return 1;
    case 'linear':
      return Math.max(0, (n - current) / Math.max(1, n - w));
    case 'cosine':
      return Math.max(0, halfCosine(a.num_cycles ?? 0.5, progress));
    case 'cosine_with_restarts':
      if (progress >= 1) return 0;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * (((a.num_cycles ?? 1) * progress) % 1))));
    case 'cosine_with_min_lr': {
      return aboveFloor(halfCosine(a.num_cycles ?? 0.5, progress), minLrRate(a, peak));
    }
    case 'polynomial': {
      // transformers works on the learning rate (lr_end is one) and divides by the initial lr, as LambdaLR multiplies by it
      const lrEnd = a.lr_end ?? 1e-7;
      if (current > n || n === w) return lrEnd / peak;
      const pctRemaining = 1 - (current - w) / (n - w);
      return ((peak - lrEnd) * pctRemaining ** (a.power ?? 1) + lrEnd) / peak;
    }
    case 'inverse_sqrt': {
      const timescale = a.timescale ?? (w || 10_000);
      return 1 / Math.sqrt((current + timescale - w) / timescale);
    }
  }
}

/** transformers' cosine of `cycles` waves at `progress` (0 to 1): from 1 down to 0 and back up each wave. */
const halfCosine = (cycles: number, progress: number): number => 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress));

/** `factor` (0 to 1) rescaled to run from the floor `rate` to 1, as transformers' min_lr schedules and WSD do. */
const aboveFloor = (factor: number, rate: number): number => Math.max(0, factor * (1 - rate) + rate);

/** min_lr's rate of the peak, or min_lr_rate (cosine_with_min_lr, cosine_warmup_with_min_lr). */
const minLrRate = (a: ScheduleKwargs, peak: number): number => (a.min_lr !== undefined ? a.min_lr / peak : a.min_lr_rate ?? 0);

/**
 * transformers' _get_cosine_with_min_lr_schedule_with_warmup_lr_rate_lambda: the warmup reaches the peak a step earlier
 * than the others' ((s + 1) / warmup, or from warmup_lr_rate), and the cosine's progress counts from 1.
 */
function cosineWarmupWithMinLrLambda(a: ScheduleKwargs, w: number, n: number, current: number, peak: number): number {
  if (current < w) {
    if (a.warmup_lr_rate === undefined) return (current + 1) / Math.max(1, w);
    return a.warmup_lr_rate + (1 - a.warmup_lr_rate) * current / Math.max(1, w - 1);
  }
  const progress = (current - w + 1) / Math.max(1, n - w);
  return aboveFloor(halfCosine(a.num_cycles ?? 0.5, progress), minLrRate(a, peak));
}

/** transformers' _get_wsd_scheduler_lambda: warmup from min_lr_ratio, the peak for num_stable_steps, decay to min_lr_ratio, which it then keeps. */
function wsdLambda(a: ScheduleKwargs, w: number, n: number, current: number): number {
  const floor = a.min_lr_ratio ?? 0;
  const decay = a.num_decay_steps ?? 0;
  const stable = a.num_stable_steps ?? n - w - decay;
  if (current < w) {
    const progress = current / Math.max(1, w);
    const shape = a.warmup_type ?? 'linear';
    return aboveFloor(shape === 'linear' ? progress : shape === 'cosine' ? 0.5 * (1 - Math.cos(Math.PI * progress)) : 1 - Math.sqrt(1 - progress), floor);
  }
  if (current < w + stable) return 1;
  if (current < w + stable + decay) {
    const progress = (current - w - stable) / Math.max(1, decay);
    const shape = a.decay_type ?? 'cosine';
    return aboveFloor(shape === 'linear' ? 1 - progress : shape === 'cosine' ? halfCosine(a.num_cycles ?? 0.5, progress) : 1 - Math.sqrt(progress), floor);
  }
  return floor;
}

/** The learning rate of optimizer step k (1-based). */
export function lrAtStep(s: Schedule, peak: number, k: number): number {
  needScheduleArgs(s, peak, k);
  return peak * lrLambda(s, k - 1, peak);
}

/** A library caller's arguments, checked: a missing schedule was a TypeError from inside, a missing number a NaN rate. */
function needScheduleArgs(s: unknown, peak: unknown, k: unknown): void {
  needArg('lrAtStep', 'schedule', s, 'object', { hint: "an object such as {type: 'linear', warmupSteps: 10, totalSteps: 100}" });
  const o = s as Record<string, unknown>;
  needOneOf('lrAtStep', 'schedule.type', o.type, SCHEDULE_TYPES);
  needArg('lrAtStep', 'schedule.warmupSteps', o.warmupSteps, 'number');
  needArg('lrAtStep', 'schedule.totalSteps', o.totalSteps, 'number');
  needArg('lrAtStep', 'peak', peak, 'number', { hint: 'the peak learning rate, a number' });
  needArg('lrAtStep', 'k', k, 'number', { hint: 'the optimizer step, counted from 1' });
  if (o.kwargs === undefined) return;
  needArg('lrAtStep', 'schedule.kwargs', o.kwargs, 'object', { hint: "an object of transformers' lr_scheduler_kwargs, such as {num_cycles: 2}" });
  const kwargs = o.kwargs as Record<string, unknown>;
  const known: readonly string[] = SCHEDULE_TYPES.flatMap((t) => SCHEDULE_KWARGS[t]);
  for (const key of Object.keys(kwargs)) {
    if (!known.includes(key)) throw new UserError(`schedule.kwargs.${key} is no argument of a schedule: give those of ${[...new Set(known)].join(', ')} that its type takes`, 'lrAtStep');
    if (kwargs[key] === undefined) continue;
    if (key === 'warmup_type' || key === 'decay_type') needOneOf('lrAtStep', `schedule.kwargs.${key}`, kwargs[key], WSD_SHAPES);
    else needArg('lrAtStep', `schedule.kwargs.${key}`, kwargs[key], 'number');
  }
  const bad = scheduleKwargsProblem(o.type as ScheduleType, kwargs as ScheduleKwargs, peak as number);
  if (bad) throw new UserError(`schedule.kwargs.${bad.key} ${bad.problem}`, 'lrAtStep');
}
