// mistral-tune train CONFIG [--key.sub value ...]: fine-tunes a model as the YAML config says.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTrainConfig } from '../train/config.ts';
import { RunDir } from '../train/run-dir.ts';
import { describeDryRun, dryRun, dryRunJson } from '../train/dry-run.ts';
import { train } from '../train/trainer.ts';
import { UserError } from '../util/errors.ts';
import { info } from '../util/log.ts';
import { missingValue } from './args.ts';

export const usage = `mistral-tune train CONFIG.yaml [options] [--key.sub value ...]
       mistral-tune train RUN_DIR --resume

Fine-tunes the model of the config (LoRA or full) and writes the run directory (output_dir):
metrics.jsonl, adapter/ (or model/), best/, config.yaml, report.json, loss_curve.svg.

  --overwrite        empty an existing, non-empty output_dir first (only a run folder that train
                     made, and never one that holds the config, the model, the data or the cwd)
  --resume           continue the run in output_dir from its newest valid checkpoint (same config;
                     metrics rows past the checkpoint are dropped, then recomputed identically);
                     given a run folder (or its config.yaml), resumes that folder even if moved.
                     Without a valid checkpoint a finished run is refused (nothing to resume) and an
                     unfinished one starts again from step 0
A run folder is locked while train runs: a second train on it stops with an error.
  --dashboard        serve the live dashboard of this run on 127.0.0.1 while it trains and after
                     (--port N: its port, default any free one; Ctrl-C stops it)
  --dry-run          print the memory plan (weights, trainable state, activations, workspace) and
                     whether it fits the free memory, then exit without training or writing anything
  --json             with --dry-run: print the plan as one JSON object on stdout
  --key.sub VALUE    override a config key, e.g. --optimizer.lr 1e-4 --lora.r 16 --max_steps 100
                     (VALUE is read as YAML: numbers, true/false, null, [a, b])

Every config key is documented in the README.`;

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mistral-tune.js');

export async function run(argv: string[]): Promise<void> {
  let file: string | null = null;
  let overwrite = false, resume = false, dashboard = false, dry = false, json = false, port = '0';
  const overrides: Array<[string, string]> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(usage + '\n');
      return;
    }
    if (arg === '--overwrite') overwrite = true;
    else if (arg === '--resume') resume = true;
    else if (arg === '--dashboard') dashboard = true;
    else if (arg === '--dry-run') dry = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      // `--max_steps --lora.r 4`: the next flag is not the value of this one
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw missingValue(arg, 'train');
      if (key === 'port') port = value;
      else overrides.push([key, value]);
    } else if (file === null) file = arg;
    else throw new UserError(`unexpected argument "${arg}" (one config file; overrides are --key value)`);
  }
  if (!file) throw new UserError('a config file is required: mistral-tune train CONFIG.yaml (see --help)');
  if (overwrite && resume) throw new UserError('--overwrite and --resume contradict each other: choose one');
  if (json && !dry) throw new UserError('--json goes with --dry-run (a run writes its metrics to metrics.jsonl)');
  // `--resume RUN_DIR` (or a run's own config.yaml) resumes that folder, wherever it has been moved
  const target = resume && !overrides.some(([k]) => k === 'output_dir') ? RunDir.resumeTarget(file) : null;
  const loaded = loadTrainConfig(target?.config ?? file, overrides);
  const cfg = target ? { ...loaded, output_dir: target.dir } : loaded;
  if (dry) {
    const plan = dryRun(cfg);
    if (json) process.stdout.write(JSON.stringify(dryRunJson(plan)) + '\n');
    else process.stdout.write(describeDryRun(plan, cfg) + '\n');
    return;
  }
  let dash: ReturnType<typeof spawn> | null = null;
  const result = train(cfg, {
    overwrite,
    resume,
    keep: [file],
    // The dashboard runs in its own process: the training loop keeps this one busy.
    onRunDir: dashboard ? (dir) => {
      dash = spawn(process.execPath, [BIN, 'dashboard', dir, '--port', port], {
        stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, MISTRAL_TUNE_PARENT_PID: String(process.pid) },
      });
    } : undefined,
  });
  info(`run directory: ${result.dir}`);
  if (dash) {
    const child = dash as ReturnType<typeof spawn>;
    info('training finished; the dashboard keeps serving until Ctrl-C');
    const stop = (): void => {
      child.kill('SIGTERM');
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    await new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
