// What a run's checkpoint given where weights are read (--adapter RUN/checkpoints/step-N, --run of one) is when it is not
// there: the run removed it as it saved newer ones (checkpoint.keep, HF's save_total_limit), or never wrote one of that
// step; said with the checkpoints the run keeps and its weights folders, so the user can pick one that is there.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_LAYOUT, runOfCheckpointAsGiven, runPath } from './layout.ts';

const STEP = /^step-(\d{7,})$/;
const checkpointsOf = (run: string): string => path.join(run, RUN_LAYOUT.checkpoints);

/** The step-NNNNNNN folders in the run's checkpoints/, by step. */
function keptCheckpoints(run: string): Array<{ name: string; step: number }> {
  let names: string[];
  try {
    names = fs.readdirSync(checkpointsOf(run));
  } catch {
    return []; // none written yet, or removed with the rest
  }
  return names.flatMap((name) => {
    const m = STEP.exec(name);
    return m && fs.statSync(path.join(checkpointsOf(run), name), { throwIfNoEntry: false })?.isDirectory() ? [{ name, step: Number(m[1]) }] : [];
  }).sort((a, b) => a.step - b.step);
}

/**
 * For a missing folder `dir` that is a checkpoint of a run folder that is there (RUN/checkpoints/step-NNNNNNN): the rest
 * of a "not found" sentence saying whether the run pruned it (it keeps a later one) or wrote none of that step, and what
 * the run has instead; '' for any other path (the caller's plain "not found" stands).
 */
export function missingCheckpointHint(dir: string): string {
  const run = runOfCheckpointAsGiven(dir);
  if (run === null || fs.existsSync(dir) || !fs.existsSync(runPath(run, 'config'))) return '';
  const step = Number(STEP.exec(path.basename(path.resolve(dir)))![1]); // as runOfCheckpoint read it: step-N/. is step-N
  const kept = keptCheckpoints(run);
  // the rotation removes the oldest first: a pruned checkpoint is older than every one kept (one between them was never written)
  const why = kept.length > 0 && step < kept[0]!.step
    ? `the training run ${run} removed it as it saved newer checkpoints (checkpoint.keep keeps the newest)`
    : `the training run ${run} wrote no checkpoint of step ${step} (or it was deleted since)`;
  const keeps = kept.length === 0 ? 'it keeps no checkpoint now' : `it keeps ${kept.map((c) => path.join(checkpointsOf(run), c.name)).join(', ')}`;
  const weights = (['adapter', 'model', 'best'] as const).filter((e) => fs.existsSync(runPath(run, e))).map((e) => runPath(run, e));
  return `: ${why}; ${keeps}${weights.length === 0 ? '' : `, and its trained weights are in ${weights.join(' and ')}`}`;
}
