// `mistral-tune train CONFIG` (no flags) run in the test's own process, for a run a test only needs made: a reference
// to compare with, a checkpointed run that the real CLI then resumes. The config is read and checked as the CLI reads it
// (src/cli/train.ts), then trained by the CLI's work-thread function (train-thread.ts), so the run folder is the one
// the command writes. A process of the CLI spends ~1.5 CPU-s on itself (Node, the modules on both threads, the bundled
// tokenizer) around a run of a few steps; here that is paid once per test file.
import { trainOnThread } from '../../src/cli/train-thread.ts';
import { readTrainConfig } from '../../src/train/config.ts';
import { checkConfigPaths, keyPlaces } from '../../src/train/config-paths.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

/** Trains as `mistral-tune train config` does (relative paths from the working folder); returns the run folder and what it wrote to stderr. */
export function trainLikeCli(config: string): { dir: string; stderr: string } {
  const { result, stderr } = captureStderr(() => {
    const { cfg, place, written } = readTrainConfig(config);
    checkConfigPaths(cfg, place);
    return trainOnThread({ cfg, overwrite: false, resume: false, keep: [config], dashboard: false, places: keyPlaces(place), written }, () => {});
  });
  return { dir: result.dir, stderr };
}
