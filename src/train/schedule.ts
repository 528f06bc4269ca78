// Learning-rate schedules as transformers' get_*_schedule_with_warmup define them: λ(s) for s = 0, 1, …
// and optimizer step k (counted from 1) uses lr · λ(k − 1).

import { needArg, needOneOf } from '../util/api-args.ts';

export type ScheduleType = 'constant' | 'linear' | 'cosine';
const SCHEDULE_TYPES = ['constant', 'linear', 'cosine'] as const satisfies readonly ScheduleType[];

export interface Schedule {
  type: ScheduleType;
  warmupSteps: number;
  totalSteps: number;
}

/** The warmup of `setting` (schedule.warmup_steps: steps, or a fraction below 1 of the run's), as transformers 5's get_warmup_steps. */
export function warmupStepsOf(setting: number, totalSteps: number): number {
  return setting >= 1 ? setting : Math.ceil(totalSteps * setting);
}

/** transformers' lr_lambda(current_step). */
export function lrLambda(s: Schedule, current: number): number {
  const { warmupSteps: w, totalSteps: n } = s;
  if (current < w) return current / Math.max(1, w);
  switch (s.type) {
    case 'constant':
      return 1;
    case 'linear':
      return Math.max(0, (n - current) / Math.max(1, n - w));
    case 'cosine': {
      const progress = (current - w) / Math.max(1, n - w);
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
    }
  }
}

/** The learning rate of optimizer step k (1-based). */
export function lrAtStep(s: Schedule, peak: number, k: number): number {
  needScheduleArgs(s, peak, k);
  return peak * lrLambda(s, k - 1);
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
}
