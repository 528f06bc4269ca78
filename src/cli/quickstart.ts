// mistral-tune quickstart: the whole path on the bundled data, on the CPU, in about a minute.
import { quickstart, quickstartSummary } from '../quickstart.ts';
import { intOption, parseCommand } from './args.ts';

export const usage = `mistral-tune quickstart [--out runs/quickstart] [--epochs 3] [--seed 0] [--overwrite]

Takes the shipped pre-trained model (models/mistral-tune-tiny, a 7.7M-parameter Mistral), prepares
the bundled countries Q&A data (examples/data), LoRA-fine-tunes the model on it on the CPU, evaluates
on val and test, and prints samples before and after training. Everything lands in --out.`;

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
  const result = quickstart({
    out: f.out ?? 'runs/quickstart', overwrite: f.overwrite ?? false, epochs: intOption('epochs', f.epochs, 3), seed: intOption('seed', f.seed, 0, 0),
  });
  process.stdout.write(quickstartSummary(result) + `\n(quickstart took ${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}
