// The check --resume makes of best/ before the run goes on with it as its best weights: a weights file cut short or
// gone (a full disk, a copy of the run interrupted, a file deleted) or one holding NaN was kept as "best" until an
// export found it, after the run. What to do about it (rewrite it, start it again from the
// checkpoint's weights, go on without it, or refuse) is decided by bestOnResume, and for a best/ of step 0's weights
// (an older version's) by stepZeroBestOnResume.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstNonFiniteTensor } from '../model/finite-weights.ts';
import { SafetensorsCheckpoint } from '../model/safetensors-checkpoint.ts';
import { isUserError, UserError } from '../util/errors.ts';
import type { OptionWords } from '../util/option-words.ts';
import type { RunMethod } from './run-files.ts';

/**
 * What is wrong with the weights folder `dir` that train wrote for a run of `method` (best/, adapter/ or model/):
 * absent, its config file or weights missing, a weights file that does not read whole, or a tensor holding NaN or an
 * infinity; null when it reads whole.
 */
export function weightsFolderProblem(dir: string, method: RunMethod): string | null {
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (stat === undefined) return 'it is not there';
  if (!stat.isDirectory()) return 'it is not a folder';
  const config = method === 'lora' ? 'adapter_config.json' : 'config.json';
  if (!fs.statSync(path.join(dir, config), { throwIfNoEntry: false })?.isFile()) return `${config} is missing`;
  let ckpt: SafetensorsCheckpoint;
  try {
    ckpt = SafetensorsCheckpoint.open(dir, method === 'lora' ? 'adapter_model' : 'model');
  } catch (e) {
    if (isUserError(e)) return e.message;
    throw e;
  }
  try {
    const bad = firstNonFiniteTensor(ckpt);
    if (bad) return `tensor "${bad.name}" holds ${String(bad.value)} (at index ${bad.index})`;
  } catch (e) {
    if (isUserError(e)) return e.message;
    throw e;
  } finally {
    ckpt.close();
  }
  return null;
}

/** What --resume does with best/: whether it writes best/ from the restored weights, and the run's best val evaluation from then on. */
export interface BestOnResume {
  write: boolean;
  best: { step: number; loss: number } | null;
  /** What happened to best/, for the warning ('' when it is kept as it is). */
  why: string;
}

/**
 * Checks best/ (`dir`) of a run resumed from the checkpoint of step `step`, whose best val evaluation so far is `best`.
 * Whole: kept. Damaged, and the checkpoint's weights are the best's (best.step is the checkpoint's): written again
 * from them, exactly. Gone altogether (the user moved it away): when the checkpoint's step has a val evaluation of
 * the val data at hand (`at.stepLoss`), its weights are those evaluated, so best/ starts again from them, replaced by
 * any lower evaluation after; otherwise the run goes on without it, best/ then holding the best evaluation after the
 * checkpoint, or, when the run evaluates no more (`at.evaluatesAgain`), never written again, which the warning says.
 * Damaged otherwise: refused, since nothing here holds those weights any more; the error says to move it away to go
 * on that way, or to train again (`words`: the caller's name for overwrite).
 */
export function bestOnResume(dir: string, method: RunMethod, step: number, best: { step: number; loss: number },
  at: { stepLoss: number | null; evaluatesAgain: boolean }, words: OptionWords): BestOnResume {
  const problem = weightsFolderProblem(dir, method);
  if (problem === null) return { write: false, best, why: '' };
  const what = `the weights of the best val loss so far (${best.loss.toFixed(4)}, step ${best.step})`;
  if (best.step === step) return { write: true, best, why: `${problem}: written again from the checkpoint of step ${step}, which holds ${what}` };
  // what the run does without best/'s weights: start it again from the checkpoint's, or leave it to the evaluations after
  const restart = at.stepLoss === null ? null : { step, loss: at.stepLoss };
  const then = restart !== null
    ? `it starts again from the checkpoint of step ${step}, whose weights had val loss ${restart.loss.toFixed(4)}` +
      `${at.evaluatesAgain ? ', and takes any lower val evaluation after it' : ' (the run evaluates no more)'}`
    : at.evaluatesAgain ? `it will hold the best val evaluation after step ${step}` : 'the run evaluates no more, so it ends without best/';
  if (fs.lstatSync(dir, { throwIfNoEntry: false }) === undefined) return { write: restart !== null, best: restart, why: `${problem}, so ${what} are gone: ${then}` };
  throw new UserError(`cannot resume: ${path.basename(dir)}/ is damaged (${problem}); it should hold ${what}, which the checkpoint of ` +
    `step ${step} does not: move it away to resume without them (${then}), or train again with ${words.say('overwrite')}`, dir);
}

/**
 * What --resume does with best/ (`dir`) when it holds the weights of step 0's evaluation, which versions before the
 * lowest val loss was recorded kept as the best (`stepZero`): step 0's is a baseline (HF's eval_on_start) that neither
 * best/ nor early stopping counts. best/ starts again from the checkpoint's weights where its step was evaluated
 * (`at.stepLoss`), else it is replaced by the next val evaluation; a run that evaluates no more keeps it, and says so.
 * It is checked as bestOnResume checks best/: damaged or gone, it is said (and rewritten or replaced as above); damaged
 * where the run evaluates no more, which would end with it as its best, refused (move it away to go on without it).
 */
export function stepZeroBestOnResume(dir: string, method: RunMethod, step: number, stepZero: { step: number; loss: number },
  at: { stepLoss: number | null; evaluatesAgain: boolean }, words: OptionWords): BestOnResume {
  const problem = weightsFolderProblem(dir, method);
  const gone = problem !== null && fs.lstatSync(dir, { throwIfNoEntry: false }) === undefined;
  const weights = `the weights of step 0's val evaluation (${stepZero.loss.toFixed(4)}), which an older version kept as the best`;
  const baseline = "step 0's is a baseline that neither best/ nor early stopping counts (HF's eval_on_start)";
  const what = `${problem === null ? 'it holds' : `${gone ? problem : `it is damaged (${problem})`}; it held`} ${weights}; ${baseline}`;
  if (at.stepLoss !== null) {
    return { write: true, best: { step, loss: at.stepLoss }, why: `${what}: it starts again from the checkpoint of step ${step}, whose weights had val loss ${at.stepLoss.toFixed(4)}` };
  }
  if (at.evaluatesAgain) return { write: false, best: null, why: `${what}: the next val evaluation ${gone ? 'writes it again' : 'replaces it'}` };
  if (gone) return { write: false, best: null, why: `${what}: the run evaluates no more, so it ends without best/` };
  if (problem !== null) {
    throw new UserError(`cannot resume: ${path.basename(dir)}/ is damaged (${problem}); it holds ${weights}, and the run evaluates no more: ` +
      `move it away to resume without it (the run then ends without best/), or train again with ${words.say('overwrite')}`, dir);
  }
  return { write: false, best: stepZero, why: `${what}, and the run evaluates no more: it stays so` };
}
