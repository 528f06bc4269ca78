// The check --resume makes of best/ before the run goes on with it as its best weights: a weights file cut short or
// gone (a full disk, a copy of the run interrupted, a file deleted) or one holding NaN was kept as "best" until an
// export found it, after the run. What to do about it (rewrite it, forget it, or refuse) is decided by bestOnResume.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { firstNonFiniteTensor } from '../model/finite-weights.ts';
import { SafetensorsCheckpoint } from '../model/safetensors.ts';
import { isUserError, UserError } from '../util/errors.ts';
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

/** What --resume does with best/: keep it, write it again from the restored weights, or go on without it (forget). */
export type BestAction = 'keep' | 'rewrite' | 'forget';

/**
 * Checks best/ (`dir`) of a run resumed from the checkpoint of step `step`, whose best val evaluation so far is `best`.
 * Whole: kept. Damaged, and the checkpoint's weights are the best's (best.step is the checkpoint's): written again
 * from them, exactly. Gone altogether (the user moved it away): the run goes on without it, best/ then holds the best
 * evaluation after the checkpoint. Damaged otherwise: refused, since nothing here holds those weights any more; the
 * error says to move it away to go on that way.
 */
export function bestOnResume(dir: string, method: RunMethod, step: number, best: { step: number; loss: number }): { action: BestAction; why: string } {
  const problem = weightsFolderProblem(dir, method);
  if (problem === null) return { action: 'keep', why: '' };
  const what = `the weights of the best val loss so far (${best.loss.toFixed(4)}, step ${best.step})`;
  if (best.step === step) return { action: 'rewrite', why: `${problem}: written again from the checkpoint of step ${step}, which holds ${what}` };
  if (fs.lstatSync(dir, { throwIfNoEntry: false }) === undefined) {
    return { action: 'forget', why: `${problem}, so ${what} are gone: it will hold the best val evaluation after step ${step}` };
  }
  throw new UserError(`cannot resume: ${path.basename(dir)}/ is damaged (${problem}); it should hold ${what}, which the checkpoint of ` +
    `step ${step} does not: move it away to resume with it holding the best val evaluation after step ${step}, or train again with --overwrite`, dir);
}
