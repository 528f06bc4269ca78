// mistral-tune quickstart: the whole path on the bundled data, on the CPU, in under two minutes (measured times: the README's Set-up).
import { quickstart, quickstartSummary, removeStoppedQuickstart, type QuickstartOptions, type QuickstartResult } from '../quickstart.ts';
import { firstMissingFolder, removeMadeFolders } from '../util/made-folders.ts';
import { intOption, parseCommand } from './args.ts';
import { runOnThread } from './command-thread.ts';

export const usage = `mistral-tune quickstart [--out runs/quickstart] [--epochs 3] [--seed 0] [--overwrite]

Takes the shipped pre-trained model (models/mistral-tune-tiny, a 7.7M-parameter Mistral), prepares
the bundled countries Q&A data (examples/data), LoRA-fine-tunes the model on it on the CPU, evaluates
on val and test, and prints samples before and after training. Everything lands in --out.

  --out DIR      the quickstart's folder (default runs/quickstart): data/, model/ and run/ are written there,
                 and a marker (.mistral-tune-quickstart) records them; a folder holding anything else is refused
  --epochs N     passes over the training data (default 3)
  --seed N       seed of the data split, shuffling and LoRA initialisation (default 0)
  --overwrite    replace an earlier complete quickstart in --out (an interrupted one is always replaced;
                 a file of yours in it is named and refused, even with --overwrite)`;

interface Flags { out?: string; epochs?: string; seed?: string; overwrite?: boolean; help?: boolean }

export async function run(argv: string[]): Promise<void> {
  const { values: f } = parseCommand<Flags>('quickstart', argv, {
    out: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, overwrite: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (f.help) {
    process.stdout.write(usage + '\n');
    return;
  }
  const t0 = performance.now();
  const opts: QuickstartOptions = {
    out: f.out ?? 'runs/quickstart', overwrite: f.overwrite ?? false, epochs: intOption('epochs', f.epochs, 3), seed: intOption('seed', f.seed, 0, 0),
  };
  const made = firstMissingFolder(opts.out);
  // on a thread of its own, so that Ctrl-C removes what it was writing (command-thread.ts)
  const result = await runOnThread<QuickstartResult>(import.meta.url, 'quickstartOnThread', opts, {
    onStop: () => {
      removeStoppedQuickstart(opts.out);
      removeMadeFolders(opts.out, made);
    },
  });
  process.stdout.write(quickstartSummary(result) + `\n(quickstart took ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}

/** The quickstart itself, on the command's thread. */
export function quickstartOnThread(opts: QuickstartOptions): QuickstartResult {
  return quickstart(opts);
}
