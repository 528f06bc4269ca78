// mistral-tune quickstart's usage and the checks of its flags: made before quickstart.ts (the whole library) loads, so
// that a mistake in them is said at the cost of the CLI's own modules.
import type { QuickstartOptions } from '../quickstart.ts';
import { intOption, parseCommand } from './args.ts';

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

/** quickstart's options from its flags; null: -h. */
export function parse(argv: string[]): QuickstartOptions | null {
  const { values: f } = parseCommand<Flags>('quickstart', argv, {
    out: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' }, overwrite: { type: 'boolean' }, help: { type: 'boolean' },
  });
  if (f.help) return null;
  return { out: f.out ?? 'runs/quickstart', overwrite: f.overwrite ?? false, epochs: intOption('epochs', f.epochs, 3), seed: intOption('seed', f.seed, 0, 0) };
}
