// mistral-tune quickstart: the whole path on the bundled data, on the CPU, in under two minutes (measured times: the README's Set-up).
// Its usage and flags are quickstart-flags.ts's, checked before this module (the whole library) loads.
import { quickstart, quickstartSummary, releaseQuickstartLocks, removeStoppedQuickstart, type QuickstartOptions, type QuickstartResult } from '../quickstart.ts';
import { firstMissingFolder, removeMadeFolders } from '../util/made-folders.ts';
import { runOnThread } from './command-thread.ts';

export async function run(opts: QuickstartOptions): Promise<void> {
  const t0 = performance.now();
  const made = firstMissingFolder(opts.out);
  // on a thread of its own, so that Ctrl-C removes what it was writing (command-thread.ts)
  const result = await runOnThread<QuickstartResult>(import.meta.url, 'quickstartOnThread', opts, {
    onStop: () => {
      removeStoppedQuickstart(opts.out);
      removeMadeFolders(opts.out, made);
    },
    onSecondStop: () => releaseQuickstartLocks(opts.out),
  });
  process.stdout.write(quickstartSummary(result) + `\n(quickstart took ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}

/** The quickstart itself, on the command's thread. */
export function quickstartOnThread(opts: QuickstartOptions): QuickstartResult {
  return quickstart(opts);
}
