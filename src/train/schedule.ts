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
} as const satisfies Record<string, readonly ScheduleKwarg[]>;

export type ScheduleType = keyof typeof SCHEDULE_KWARGS;
export const SCHEDULE_TYPES = Object.keys(SCHEDULE_KWARGS) as [ScheduleType, ...ScheduleType[]];

/** A schedule's arguments, as transformers' lr_scheduler_kwargs names them; one left out takes transformers' default. */
export interface ScheduleKwargs {
  /** cosine's waves (default 0.5: the peak down to 0), cosine_with_restarts' hard restarts (default 1) */
  num_cycles?: number;
  /** polynomial's exponent (default 1) */
  power?: number;
  /** polynomial's final learning rate (default 1e-7), below the peak */
  lr_end?: number;
  /** cosine_with_min_lr's floor: a learning rate (min_lr) or a fraction of the peak (min_lr_rate), exactly one */
  min_lr?: number;
  min_lr_rate?: number;
  /** inverse_sqrt's time scale in steps (default: the warmup's, or 10000 without warmup) */
  timescale?: number;
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
    return { key, problem: `is an argument of schedule.type ${owners.join(' or ')}, not of ${type} (${own})` };
  }
  const v = (k: ScheduleKwarg): number | undefined => kwargs[k];
  const range: Array<[ScheduleKwarg, (x: number) => boolean, string]> = [
    ['num_cycles', (x) => x > 0, 'a number above 0'],
    ['power', (x) => x > 0, 'a number above 0'],
    ['lr_end', (x) => x >= 0 && x < peak, `a learning rate from 0 to below the peak, optimizer.lr ${peak} (transformers refuses lr_end ≥ lr)`],
    ['min_lr', (x) => x >= 0 && x <= peak, `a learning rate from 0 to the peak, optimizer.lr ${peak}`],
    ['min_lr_rate', (x) => x >= 0 && x <= 1, 'a fraction of the peak learning rate, from 0 to 1'],
    ['timescale', (x) => Number.isSafeInteger(x) && x >= 1, 'a whole number of steps, at least 1'],
  ];
  for (const [key, ok, want] of range) {
    const x = v(key);
    if (x !== undefined && !(typeof x === 'number' && Number.isFinite(x) && ok(x))) return { key, problem: `must be ${want} (got ${JSON.stringify(x) ?? String(x)})` };
  }
  // a default lr_end (1e-7) at or above a tiny peak: transformers' own ValueError
  if (type === 'polynomial' && v('lr_end') === undefined && !(1e-7 < peak)) {
    return { key: 'lr_end', problem: `is 1e-7 (transformers' default), not below the peak, optimizer.lr ${peak}: give schedule.lr_end below it` };
  }
  if (type === 'cosine_with_min_lr' && (v('min_lr') === undefined) === (v('min_lr_rate') === undefined)) {
    const both = v('min_lr') !== undefined;
    return { key: both ? 'min_lr_rate' : 'min_lr', problem: `${both ? 'is given with schedule.min_lr' : 'is missing'} (cosine_with_min_lr takes exactly one of schedule.min_lr, a learning rate, and schedule.min_lr_rate, a fraction of optimizer.lr)` };
  }
  return null;
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

/** transformers' lr_lambda(current_step) of `s`, whose optimizer's initial lr is `peak` (polynomial's and min_lr's λ divide by it). */
export function lrLambda(s: Schedule, current: number, peak: number): number {
  const { warmupSteps: w, totalSteps: n } = s;
  const a = s.kwargs ?? {};
  if (current < w) return current / Math.max(1, w);
  const progress = (current - w) / Math.max(1, n - w);
  const halfCosine = (cycles: number): number => 0.5 * (1 + Math.cos(Math.PI * cycles * 2 * progress));
  switch (s.type) {
    case 'constant':
    case 'constant_with_warmup':
      return 1;
    case 'linear':
      return Math.max(0, (n - current) / Math.max(1, n - w));
    case 'cosine':
      return Math.max(0, halfCosine(a.num_cycles ?? 0.5));
    case 'cosine_with_restarts':
      if (progress >= 1) return 0;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * (((a.num_cycles ?? 1) * progress) % 1))));
    case 'cosine_with_min_lr': {
      const rate = a.min_lr !== undefined ? a.min_lr / peak : a.min_lr_rate ?? 0;
      return Math.max(0, halfCosine(a.num_cycles ?? 0.5) * (1 - rate) + rate);
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
    if (kwargs[key] !== undefined) needArg('lrAtStep', `schedule.kwargs.${key}`, kwargs[key], 'number');
  }
  const bad = scheduleKwargsProblem(o.type as ScheduleType, kwargs as ScheduleKwargs, peak as number);
  if (bad) throw new UserError(`schedule.kwargs.${bad.key} ${bad.problem}`, 'lrAtStep');
}
