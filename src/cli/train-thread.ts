// The work `mistral-tune train` does on a thread of its own (train.ts, command-thread.ts): the training itself, all
// synchronous. A module of its own, so that the main thread, which only waits and cleans up, does not load the
// trainer (the model, the backends, the data loaders) a second time.
import type { TrainConfig } from '../train/config.ts';
import { train, type TrainResult } from '../train/trainer.ts';
import { FLAG_WORDS } from '../util/option-words.ts';

export interface TrainJob {
  cfg: TrainConfig; overwrite: boolean; resume: boolean; keep: string[]; dashboard: boolean; places: Record<string, string>; written: Record<string, string>;
}
export type TrainThreadResult = Pick<TrainResult, 'dir' | 'alreadyComplete'>;

/** The training itself, on the command's thread; `note` says where the run folder is once it is there (for the dashboard). */
export function trainOnThread(job: TrainJob, note: (dir: string) => void): TrainThreadResult {
  const r = train(job.cfg, { overwrite: job.overwrite, resume: job.resume, keep: job.keep, places: job.places, written: job.written, onRunDir: job.dashboard ? note : undefined }, FLAG_WORDS);
  return { dir: r.dir, alreadyComplete: r.alreadyComplete };
}
