// mistral-tune prepare: raw data files → cleaned, deduplicated train/val/test JSONL, rejected.jsonl and
// report.json (see docs/data.md). The command only parses flags (prepare-flags.ts) and calls the library's prepare() (prepare-thread.ts).
import { removeStoppedPrepare } from '../data/out-dir.ts';
import type { PrepareResult } from '../data/prepare.ts';
import { releaseOwnLock } from '../train/run-lock.ts';
import { info } from '../util/log.ts';
import { firstMissingFolder, removeMadeFolders } from '../util/made-folders.ts';
import { threadModule } from '../util/worker-boot.ts';
import { runOnThread } from './command-thread.ts';
import type { PrepareArgs } from './prepare-flags.ts';
import type { PrepareJob } from './prepare-thread.ts';

export async function run({ options, tokenizer, quiet, json }: PrepareArgs): Promise<void> {
  const outDir = options.outDir;
  const made = firstMissingFolder(outDir);
  // on a thread of its own, so that Ctrl-C removes what it was writing (command-thread.ts)
  let result: PrepareResult;
  try {
    result = await runOnThread<PrepareResult>(threadModule('prepare-thread', import.meta.url).href, 'prepareOnThread', { options, tokenizer, quiet } satisfies PrepareJob, {
      onStop: () => {
        removeStoppedPrepare(outDir);
        removeMadeFolders(outDir, made);
      },
      onSecondStop: () => void releaseOwnLock(outDir),
    });
  } catch (e) {
    // a run stopped by bad input (a JSON layout refused, a comment never closed) leaves no empty --out it made; one
    // that kept nothing wrote rejected.jsonl and report.json there, and keeps it (only empty folders are removed)
    removeMadeFolders(outDir, made);
    throw e;
  }
  const { report, summary } = result;
  if (!quiet) info(summary);
  if (json) process.stdout.write(JSON.stringify(report) + '\n');
}
