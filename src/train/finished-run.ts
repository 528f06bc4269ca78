// --resume of a run that finished (report.json is written), as train decides it and as --dry-run foretells it: where it
// ended, and a config edited since it finished (max_steps raised to train on) refused, not ignored — a finished run is
// not trained further, and the way on is a new run from its weights.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_LAYOUT, weightsEntry } from '../run/layout.ts';
import { isUserError, UserError } from '../util/errors.ts';
import { readJsonFile } from '../util/json-file.ts';
import type { TrainConfig } from './config.ts';
import type { RunDir } from './run-dir.ts';
import { canWriteIn } from '../util/folder-writable.ts';

export interface FinishedRun {
  report: Record<string, unknown>;
  /** report.json's steps; null when it names none. */
  steps: number | null;
  /** Where it ended, for "already complete (…)": `step 4 of 4`, or that its report.json is written. */
  where: string;
}

/** The finished run `run` as --resume with `cfg` finds it; throws the one-line refusal where `cfg` edits it since. */
export function resumeFinished(run: RunDir, cfg: TrainConfig): FinishedRun {
  const report = readReport(run);
  const steps = typeof report.steps === 'number' ? report.steps : null;
  const total = typeof report.total_steps === 'number' ? report.total_steps : null;
  const where = steps === null ? `its ${RUN_LAYOUT.report} is written` : `step ${steps} of ${total ?? '?'}${report.stopped_early === true ? ', stopped early' : ''}`;
  const edits = run.editsSinceFinished(cfg);
  if (edits.length) {
    const weights = path.join(run.dir, RUN_LAYOUT[weightsEntry(cfg.method)]);
    throw new UserError(`cannot resume: the run is already complete (${where}), so ${edits.join(', ')} ` +
      `changed since it finished is not applied; to train further, start a new run from its weights (${cfg.method === 'lora' ? 'lora.init_from' : 'model'}: ` +
      `${weights}, another output_dir), or train it again from step 0 with --overwrite`, run.file(RUN_LAYOUT.config));
  }
  return { report, steps, where };
}

/**
 * Whether `dir` holds a finished run (its report.json is written) in a folder that cannot be written (a read-only mount,
 * a folder without write permission), where the run's lock cannot be taken: a --resume, which writes nothing, needs none.
 */
export function finishedReadOnly(dir: string): boolean {
  return fs.existsSync(path.join(dir, RUN_LAYOUT.report)) && !canWriteIn(dir);
}

/** report.json as an object ({} when it is not one: the run is complete all the same). */
function readReport(run: RunDir): Record<string, unknown> {
  try {
    const r = readJsonFile(run.file(RUN_LAYOUT.report));
    return typeof r === 'object' && r !== null && !Array.isArray(r) ? r as Record<string, unknown> : {};
  } catch (e) {
    if (isUserError(e)) return {};
    throw e;
  }
}
