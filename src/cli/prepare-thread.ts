// The work `mistral-tune prepare` does on a thread of its own (prepare.ts, command-thread.ts): the tokenizer loaded and
// the data prepared, all synchronous. A module of its own, as train-thread.ts is, so that the main thread, which only
// checks the flags, waits and cleans up, does not load the tokenizer's modules (and the progress bar's) for nothing.
import { prepare, type PrepareOptions, type PrepareResult } from '../data/prepare.ts';
import { loadTokenizer, tokenizerName } from '../tokenizer/index.ts';
import { setQuiet } from '../util/log.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { Progress } from '../util/progress.ts';

/** An input this big (in bytes, all inputs together) or bigger shows a progress bar. */
const PROGRESS_MIN_BYTES = 16 << 20;

export interface PrepareJob { options: Omit<PrepareOptions, 'tokenizer' | 'tokenizerName' | 'onProgress'>; tokenizer: string | undefined; quiet: boolean }

/** The tokenizer loaded and the data prepared, with a progress bar for big inputs, on the command's thread. */
export function prepareOnThread(job: PrepareJob): PrepareResult {
  setQuiet(job.quiet);
  // an explicit --tokenizer must hold one: falling back to the bundled tokenizer would prepare (and count
  // tokens, and refuse special tokens) for another vocabulary than the user named
  const tokenizer = loadTokenizer(job.tokenizer, { fallback: job.tokenizer === undefined ? 'bundled' : 'error' });
  let progress: Progress | null = null;
  let shownMb = 0, totalMb = 0;
  const result = prepare({
    ...job.options, tokenizer, tokenizerName: tokenizerName(tokenizer),
    onProgress: job.quiet ? undefined : (done, total) => {
      if (total < PROGRESS_MIN_BYTES) return;
      totalMb = Math.ceil(total / 1e6);
      progress ??= new Progress({ label: 'prepare', total: totalMb, unit: 'MB' });
      const mb = Math.floor(done / 1e6);
      if (mb > shownMb) {
        progress.tick(mb - shownMb);
        shownMb = mb;
      }
    },
  }, FLAG_WORDS);
  const bar = progress as Progress | null;
  if (bar) {
    bar.tick(totalMb - shownMb);
    bar.finish();
  }
  return result;
}
