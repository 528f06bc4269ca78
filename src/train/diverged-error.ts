// The error of a run whose loss or gradient norm stopped being finite: which checkpoint is the last good one to resume
// from, and which holds the diverged weights (a step's loss is that of the weights the step before it made).
import * as path from 'node:path';
import { RUN_LAYOUT } from '../run/layout.ts';
import { UserError } from '../util/errors.ts';
import { checkpointName, listCheckpoints, stepOf } from './checkpoint.ts';

/** The run's checkpoint config, and the steps of the checkpoint its process resumed from (null: none) and of those it wrote. */
export interface CheckpointsWritten {
  every_steps: number | null;
  keep: number;
  resumedFrom?: number | null;
  written?: readonly number[];
}

/**
 * The one-line error of a run (folder `dir`) that diverged at `step` (`what` was not finite): what is kept, and what to change. A last
 * good checkpoint that checkpoint.keep 1 deleted is named as such (`checkpoints`).
 */
export function divergedError(dir: string, step: number, what: string, ofStart: 'loss' | 'gradient norm' | null, checkpoints: CheckpointsWritten): UserError {
  // those of this run up to here (one of a later step is one a resume went back before, having failed its checks)
  const before = listCheckpoints(dir).filter((c) => stepOf(c) < step);
  // a step's loss and gradient norm are those of the weights it started from, on its batch: the previous step's update
  // made them diverge, and its checkpoint holds them, from which --resume (which takes the newest, and the same batch
  // next) would diverge again at once, whatever lr it is given
  const bad = ofStart !== null && before.length > 0 && stepOf(before[before.length - 1]!) === step - 1 ? before.pop() : undefined;
  const good = before.pop();
  const lost = !good && bad ? lostGoodCheckpoint(stepOf(bad), checkpoints) : null;
  const kept = good ? `the last good checkpoint ${path.relative(dir, good)} is kept` : lost ? lost.said
    : checkpoints.every_steps === null ? 'no checkpoint was written (checkpoint.every_steps is null)' : 'no checkpoint was written';
  // with none before it, a resume finds no valid checkpoint and starts the run again from step 0
  const move = bad ? ` (${path.relative(dir, bad)} holds the weights step ${step} started from, whose ${ofStart} is not finite on its batch: move it out of the run ` +
    `folder before --resume, which ${good ? 'goes on from the newest checkpoint' : 'then starts the run again from step 0'})` : '';
  // the run folder said in the line, not as its place: the CLI anchors an error placed at output_dir to that config
  // key's line, which did not cause this
  return new UserError(`run ${dir}: training diverged at step ${step}: ${what}; the run stopped without saving this step, ${kept}${move}. ` +
    `Lower optimizer.lr, set grad_clip, or check the training data and the model weights for NaN or extreme values${lost?.deletedByKeep ? '; a checkpoint.keep of 2 or more keeps a checkpoint to go back to' : ''}`);
}

/**
 * What became of the checkpoint written before the diverged one of step `badStep`, none being left: checkpoint.keep 1
 * deleted it when the diverged one was written, or none was written before (the diverged one is the run's first). Its
 * step is the one before in what this process resumed from and wrote; where the diverged one is what it resumed from,
 * the diverged one's less checkpoint.every_steps (a resume before that changed every_steps may have written it elsewhere).
 */
function lostGoodCheckpoint(badStep: number, checkpoints: CheckpointsWritten): { said: string; deletedByKeep: boolean } {
  const { resumedFrom = null, written = [] } = checkpoints;
  const known = [...(resumedFrom === null ? [] : [resumedFrom]), ...written];
  const at = known.lastIndexOf(badStep);
  const previous = at > 0 ? known[at - 1]! : at === 0 && resumedFrom === null ? 0
    : checkpoints.every_steps === null ? 0 : badStep - checkpoints.every_steps;
  if (previous <= 0) return { said: 'no good checkpoint was written', deletedByKeep: false };
  const name = path.join(RUN_LAYOUT.checkpoints, checkpointName(previous));
  return checkpoints.keep === 1
    ? { said: `the last good checkpoint ${name} was deleted by checkpoint.keep 1 when the next was written`, deletedByKeep: true }
    : { said: `the last good checkpoint ${name} is not there (moved or deleted)`, deletedByKeep: false };
}
