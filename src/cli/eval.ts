// mistral-tune eval: loss and perplexity (generation) or loss, accuracy, F1 (macro, micro, weighted, per class) and the
// confusion matrix (classification) of a model on a data file. Its usage and the checks of its flags that read no model are
// eval-flags.ts's; the work (eval-thread.ts) runs on a thread of its own (command-thread.ts), so that a JavaScript
// heap filled up (a large data file) is said in one line, not with V8's fatal error and its stack.
import { threadModule } from '../util/worker-boot.ts';
import { runOnThread } from './command-thread.ts';
import type { EvalArgs } from './eval-flags.ts';

export function run(a: EvalArgs): Promise<void> {
  return runOnThread<void>(threadModule('eval-thread', import.meta.url).href, 'evalCommand', a, {
    onStop: () => {}, // it writes no file
  });
}
