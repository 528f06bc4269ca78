// The run's warning for warmup_stable_decay phases that do not fill it (warnUnusedSettings in setup.ts says it).
import type { Schedule } from './schedule.ts';

/**
 * warmup_stable_decay's phases that do not fill the run, as transformers' get_wsd_schedule runs them: a decay still going
 * at the run's end, steps after it that stay at the floor, or (num_stable_steps left out: the rest of the run, negative
 * where warmup and decay outlast it) a decay that starts part of the way down.
 */
export function wsdLengthWarning(s: Schedule, v: (key: string) => string): string | null {
  const decay = s.kwargs?.num_decay_steps;
  // (num_decay_steps 0 too: the stable steps given end early, and transformers drops to the floor at once)
  if (s.type !== 'warmup_stable_decay' || decay === undefined || s.warmupSteps >= s.totalSteps) return null;
  const given = s.kwargs?.num_stable_steps;
  if (given === undefined) {
    const skipped = s.warmupSteps + decay - s.totalSteps;
    if (skipped <= 0) return null;
    return `warmup_stable_decay's warmup ${s.warmupSteps} and schedule.num_decay_steps ${v('schedule.num_decay_steps')} are more than the run's ${s.totalSteps} steps: ` +
      `its decay starts ${skipped} step${skipped === 1 ? '' : 's'} in, below the peak (as in transformers; give num_decay_steps ${s.totalSteps - s.warmupSteps} or less)`;
  }
  const end = s.warmupSteps + given + decay;
  if (end === s.totalSteps) return null;
  const phases = `warmup ${s.warmupSteps}, schedule.num_stable_steps ${v('schedule.num_stable_steps')} and schedule.num_decay_steps ${v('schedule.num_decay_steps')}`;
  if (end > s.totalSteps) {
    const cut = s.warmupSteps + given >= s.totalSteps ? 'the run ends before the decay starts, at the peak, optimizer.lr' : 'the run ends before the decay does, above its floor';
    return `warmup_stable_decay's ${phases} are ${end} steps, past the run's ${s.totalSteps}: ${cut} (as in transformers)`;
  }
  return `warmup_stable_decay's ${phases} are ${end} steps, fewer than the run's ${s.totalSteps}: its last ${s.totalSteps - end} steps stay at the floor, optimizer.lr × min_lr_ratio (as in transformers; leave num_stable_steps out to fill the run)`;
}
