// trainAsync: train() for a caller whose thread has more to do than train (a server, the dashboard, a timer, a SIGINT
// handler). train() holds its thread until the run ends; this drives the same steps (trainer.ts trainSteps) and lets the
// event loop run between optimizer steps, reports each step, and stops at a step's end when its AbortSignal is aborted.
// The run computes exactly what train() computes. Loading the model and data, an evaluation, a checkpoint and the end
// of the run (test split, weights, samples, report) still hold the thread while they run: a model too large for that
// is trained on a worker thread, as the CLI does (src/cli/train-thread.ts).
import { isDeepStrictEqual } from 'node:util';
import { badArgument, needArg, optionKeys, refuseMisspelledKeys } from '../util/api-args.ts';
import { libraryWords } from '../util/option-words.ts';
import type { TrainConfig } from './config.ts';
import { trainSteps, type StepDone, type TrainOptions, type TrainResult } from './trainer.ts';

export interface TrainAsyncOptions extends TrainOptions {
  /**
   * Stops the run at the end of the step in progress: the promise rejects with `signal.reason` (an AbortError unless
   * abort(reason) gave one), the run folder's lock is released, and what the run wrote stays (its checkpoints; resume
   * it with `resume: true`), as after Ctrl-C of `mistral-tune train`.
   */
  signal?: AbortSignal;
  /**
   * Called after each optimizer step (its metrics row written); a promise it returns is awaited before the next step. An
   * error it throws (or a promise it returns rejects with) stops the run as an abort does, with that error.
   */
  onStep?: (step: StepDone) => unknown;
}

const FN = 'trainAsync';

/**
 * `config` as trainAsync was called with it, for the run that starts a turn later: the caller may change its object once
 * the call returns (`cfg.output_dir = …` for its next run). The object itself while it is unchanged (a loaded config's
 * file is known by it: config-paths.ts), else a copy taken at the call; the object itself where no copy is faithful.
 */
function asCalled(config: TrainConfig): () => TrainConfig {
  let copy: TrainConfig;
  try {
    copy = structuredClone(config);
  } catch {
    return () => config; // something no copy can hold (a function): the run reads the object itself
  }
  if (!isDeepStrictEqual(copy, config)) return () => config;
  return () => (isDeepStrictEqual(copy, config) ? config : copy);
}

/** Trains as train() does, resolving to its result, with the event loop free between steps. */
export async function trainAsync(config: TrainConfig, opts: TrainAsyncOptions = {}): Promise<TrainResult> {
  needArg(FN, 'options', opts, 'object');
  const { signal, onStep, ...rest } = opts;
  refuseMisspelledKeys(FN, 'options', opts, optionKeys<TrainAsyncOptions>()(['overwrite', 'resume', 'tokenizer', 'onRunDir', 'keep', 'places', 'written', 'signal', 'onStep']));
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw badArgument(FN, 'options.signal', signal, 'an AbortSignal (new AbortController().signal)');
  if (onStep !== undefined) needArg(FN, 'options.onStep', onStep, 'function');
  const called = asCalled(config);
  // returned to the caller before the run starts: the code after trainAsync() (a SIGINT handler that aborts it, a server)
  // is in place before the model loads and the first step (and its onStep) runs
  await new Promise((resolve) => setImmediate(resolve));
  signal?.throwIfAborted(); // nothing started, nothing to stop
  const steps = trainSteps(called(), rest, libraryWords(FN));
  let r = steps.next();
  while (!r.done) {
    let stop: { error: unknown } | null = null;
    try {
      await onStep?.(r.value);
      await new Promise((resolve) => setImmediate(resolve)); // timers, I/O and signal handlers run here
      signal?.throwIfAborted();
    } catch (error) {
      stop = { error };
    }
    // thrown where the step ended: the run's own error handling (backend closed, lock released) runs as on a failure
    r = stop === null ? steps.next() : steps.throw(stop.error);
  }
  return r.value;
}
