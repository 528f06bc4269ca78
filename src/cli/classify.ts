// mistral-tune classify: the class a classification model predicts for new texts. Its usage and the checks of its
// flags that read no model are classify-flags.ts's; the work (classify-thread.ts) runs on a thread of its own
// (command-thread.ts), so that a JavaScript heap filled up (a large --data file) is said in one line, not with V8's fatal
// error and its stack, and on Ctrl-C or SIGTERM the --out file it was writing is removed.
import * as path from 'node:path';
import { removeOwnTemps } from '../util/atomic.ts';
import { threadModule } from '../util/worker-boot.ts';
import { runOnThread } from './command-thread.ts';
import type { ClassifyArgs } from './classify-flags.ts';

export function run(a: ClassifyArgs): Promise<void> {
  return runOnThread<void>(threadModule('classify-thread', import.meta.url).href, 'classifyCommand', a, {
    // the predictions go to stdout as they come, without --out: `classify … | head` ends once head has its lines
    stdoutIsOutput: a.f.out === undefined,
    onStop: () => {
      if (a.f.out !== undefined) removeOwnTemps(path.dirname(path.resolve(a.f.out)));
    },
  });
}
