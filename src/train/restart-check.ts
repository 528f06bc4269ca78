// --resume of a run that did not finish and has no valid checkpoint starts it again from step 0. It is still a resume
// of that run, so it takes the model the run started from, as a resume from a checkpoint does: the run's marker
// recorded the fingerprint of the model folder's weights when the run started (model-fingerprint.ts); other weights, in
// the same folder or in the one model: now names, are refused, and a model folder moved since (the same weights) is
// said. A run started by an older version recorded none: said, since nothing can then tell another model.
import { UserError } from '../util/errors.ts';
import { warn } from '../util/log.ts';
import { listCheckpoints } from './checkpoint.ts';
import type { TrainConfig } from './config.ts';
import { DATA_KEYS, resumeChanges, type RunDir } from './run-dir.ts';

export interface RestartCheck {
  /** The run's config.yaml as --resume found it, and the config it goes on with (configRecord). */
  then: Record<string, unknown>;
  now: Record<string, unknown>;
  /** The fingerprint of the weights at model: now (undefined for random weights, which the config's seed and sizes make). */
  model: string | undefined;
  /** How a refusal ends: the way to start the run over (the CLI's --overwrite). */
  trainAgain: string;
  /** Where a refusal of `key` points: the key in the config file (its line), else config.yaml. */
  where: (key: string) => string;
}

/**
 * Checks the model of a run resumed without a checkpoint against the one it started from (refused in one line when other
 * weights), warns that it starts again from step 0, and records the fingerprint where the run recorded none.
 */
export function checkRestart(cfg: TrainConfig, run: RunDir, c: RestartCheck): void {
  const refusal = restartRefusal(run, c);
  if (refusal) throw refusal;
  const recorded = run.recordedModel();
  const same = c.model === undefined || recorded === undefined ? undefined : recorded === c.model;
  const { allowed } = resumeChanges(c.then, c.now, { sameWeights: same });
  for (const what of allowed.filter((a) => a.startsWith('model ('))) warn(`resume: ${what} changed since the run started`);
  if (recorded === undefined && c.model !== undefined) {
    warn(`resume: ${NONE}: whether ${String(cfg.model)} still holds the weights it started from is not checked; the run records this model's now`);
  }
  warnRestart(cfg, run);
  if (recorded === undefined && c.model !== undefined) run.recordModel(c.model);
}

const NONE = `the run recorded no fingerprint of its model's weights (it was started by an older version of mistral-tune)`;

/**
 * Why a resume without a checkpoint is refused (checkRestart), or null: other weights than the run started from, a model:
 * or data file at another path; reads only, so that `train --resume --dry-run` foretells it too.
 */
export function restartRefusal(run: RunDir, c: RestartCheck): UserError | null {
  const recorded = run.recordedModel();
  const same = c.model === undefined || recorded === undefined ? undefined : recorded === c.model;
  const { refused } = resumeChanges(c.then, c.now, { sameWeights: same });
  // openForResume let a model: of another folder through for the checkpoint's fingerprint to judge: here the marker's does
  const model = refused.filter((what) => what.startsWith('model ('));
  // and data files at other paths, which no checkpoint's data fingerprints tell moved (the same tokens) or other data: the
  // run would start again from step 0 over data it may not be of, config.yaml rewritten to name them
  const keyOf = (what: string): string => what.slice(0, what.indexOf(' ('));
  const data = refused.filter((what) => DATA_KEYS.includes(keyOf(what)));
  const none = recorded === undefined && c.model !== undefined ? NONE : null;
  if (model.length > 0) {
    return new UserError(`cannot resume: ${model.join(', ')} changed since the run started${none ? `, and ${none}, so the weights there cannot be told from other ones` : ''}` +
      `: put model: back, or ${c.trainAgain}`, c.where('model'));
  }
  if (data.length > 0) {
    return new UserError(`cannot resume: ${data.join(', ')} changed since the run started, and the run has no checkpoint, whose record of the ` +
      `data's tokens would tell a moved file of the same data from other data: put ${data.map(keyOf).join(', ')} back, or ${c.trainAgain}`, c.where(keyOf(data[0]!)));
  }
  if (same === false) {
    return new UserError(`cannot resume: the model's weights changed since the run started (same folder, other tensors; fingerprint ${recorded} then, ${c.model} now): ` +
      `the run would start again from step 0 over another model than the one its folder is of; put that model back, or ${c.trainAgain}`, c.where('model'));
  }
  return null;
}

/** The warning that the run starts again from step 0, with why no checkpoint was taken (a finished run never comes here: alreadyComplete). */
function warnRestart(cfg: TrainConfig, run: RunDir): void {
  const why = cfg.checkpoint.every_steps === null ? 'checkpoint.every_steps is null: the run writes none'
    : listCheckpoints(run.dir).length > 0 ? 'every checkpoint failed its checks'
      : `none is there: one is written ${cfg.checkpoint.every_steps === 1 ? 'at every step' : `every ${cfg.checkpoint.every_steps} steps, from step ${cfg.checkpoint.every_steps}`}`;
  warn(`resume: ${run.dir} has no valid checkpoint (${why}): the run did not finish, so it starts again from step 0 and its metrics are replaced`);
}
