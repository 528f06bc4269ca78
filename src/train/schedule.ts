// Learning-rate schedules as transformers' get_*_schedule_with_warmup define them: λ(s) for s = 0, 1, …
// and optimizer step k (counted from 1) uses lr · λ(k − 1).

export type ScheduleType = 'constant' | 'linear' | 'cosine';

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
  return peak * lrLambda(s, k - 1);
}
