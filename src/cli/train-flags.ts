// mistral-tune train's usage and the checks of its command line that read no file: the flags, the overrides' form and
// their combinations, made before train.ts (the config's reading, the run folder, the work's thread) loads. Whether a
// flag given no value is a config key is the config schema's to say: only then is it loaded.
import * as fs from 'node:fs';
import { didYouMean } from '../util/did-you-mean.ts';
import { UserError } from '../util/errors.ts';
import { emptyPath } from '../util/empty-path.ts';
import { givenTwice, missingValue, portOption, refuseUnexpanded, takesNoValue } from './args.ts';
import { shellPath } from '../util/shell-quote.ts';

export const usage = `mistral-tune train CONFIG.yaml [options] [--key.sub value ...]
mistral-tune train RUN_DIR --resume

Fine-tunes the model of the config (LoRA or full) and writes the run directory (output_dir):
metrics.jsonl, adapter/ (or model/), best/ (with val data), checkpoints/ (with checkpoint.every_steps),
config.yaml, report.json, loss_curve.svg.

  --overwrite        empty an existing, non-empty output_dir first (only a run folder that train
                     made, and never one that holds the config, the model, the data, the cwd, or a
                     file train did not write, at any depth: those are named)
  --resume           continue the run in output_dir from its newest valid checkpoint (same config;
                     metrics rows past the checkpoint are dropped, then recomputed identically);
                     given a run folder (or its config.yaml), resumes that folder even if moved.
                     A finished run (report.json written) is left as it is: "already complete",
                     exit 0. An unfinished one without a valid checkpoint starts again from step 0
  --dashboard        serve the live dashboard of this run on 127.0.0.1 while it trains and after
                     (Ctrl-C stops it)
  --port N           with --dashboard: its port, 0–65535 (default 0: any free one); a port in use is
                     refused before training starts
  --dry-run          print the memory plan (weights, trainable state, activations, workspace) and
                     whether it fits the device's memory (the machine's RAM, saying when it is more than
                     the RAM free now; a GPU's less 544 MiB for CUDA), then exit without training or
                     writing anything (exit 2, with train's error, when it does not fit or train would
                     refuse output_dir)
  --json             with --dry-run: print the plan as one JSON object on stdout
  --key.sub VALUE    override a config key, e.g. --optimizer.lr 1e-4 --lora.r 16 --max_steps 100,
                     --device cuda --precision bf16 (VALUE is read as YAML: numbers, true/false,
                     null, [a, b])

A run folder is locked while train runs: a second train on it stops with an error naming the process.
Every config key is documented in the README.`;

/** train's command line as checked here, for train.ts's run. */
export interface TrainArgs {
  /** The config file, or the run folder (or its config.yaml) to resume. */
  file: string;
  overwrite: boolean;
  resume: boolean;
  dashboard: boolean;
  /** --dry-run. */
  dry: boolean;
  json: boolean;
  /** The dashboard's port (0: any free one). */
  port: number;
  /** --KEY VALUE overrides of config keys, in command-line order. */
  overrides: Array<[string, string]>;
}

/** train's flags that take no value. */
const SWITCHES = ['overwrite', 'resume', 'dashboard', 'dry-run', 'json'];

/**
 * Whether `key` is a config key: the config's schema (zod) is loaded only for the flags that need it, one given no value
 * or an empty one, so that every other flag is checked at the cost of the CLI's own modules. Config keys are snake_case
 * (test/cli/flag-errors-load.test.ts holds the schema to it), so a hyphenated one (--dry-runn) is none without the
 * schema, and a near miss of train's own flags is said from here.
 */
async function isConfigKey(key: string): Promise<boolean> {
  if (key.includes('-')) return false;
  return (await import('../train/config-schema.ts')).isConfigKey(key);
}

/** The error for `--NAME` with no value where NAME is neither a flag of train nor a config key. */
async function unknownFlag(arg: string, key: string): Promise<UserError> {
  // the start of one of train's flags (`--res`, `--over`), as the other commands take it (args.ts), else the nearest
  const name = key.replace(/_/g, '-'), flags = [...SWITCHES, 'port'], started = flags.filter((f) => name.length >= 2 && f.startsWith(name));
  const near = (started.length === 1 ? started[0]! : didYouMean(name, flags)) ?? (await import('../train/config-advice.ts')).nearestConfigKey(key);
  const hint = near !== null ? `did you mean --${near}? ` : '';
  return new UserError(`unknown option ${arg}: ${hint}train's options are --overwrite, --resume, --dashboard, --port, --dry-run and --json, ` +
    `and "${key}" is not a config key (--KEY VALUE sets one; see mistral-tune train --help)`);
}

/** train's command line checked in its order, up to the config file that train.ts reads; null: --help or -h. */
export async function parse(argv: string[]): Promise<TrainArgs | null> {
  let file: string | null = null;
  let overwrite = false, resume = false, dashboard = false, dry = false, json = false, portArg: string | undefined;
  const overrides: Array<[string, string]> = [];
  let options = true; // after `--`, every argument is the config (or run folder), as for the other commands: train -- -c.yaml
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (options && arg === '--') {
      options = false;
      continue;
    }
    if (!options) {
      // `train -- -c.yaml --dry-run`: after `--` a flag is not one
      if (file !== null) throw new UserError(`unexpected argument "${arg}" after "--" (what follows -- is the config file alone; give flags and overrides before --)`);
      file = arg;
      continue;
    }
    if (arg === '--help' || arg === '-h') return null;
    if (arg === '--overwrite') overwrite = true;
    else if (arg === '--resume') resume = true;
    else if (arg === '--dashboard') dashboard = true;
    else if (arg === '--dry-run') dry = true;
    else if (arg === '--json') json = true;
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      // `--dry-run=yes`, `--overwrite=false`: not a config key "dry-run", and never a switch turned off by its value
      if (eq > 0 && SWITCHES.includes(key)) throw takesNoValue(`--${key}`, 'train');
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      // `--max_steps --lora.r 4`: the next flag is not the value of this one
      if (value === undefined || (eq < 0 && value.startsWith('--'))) {
        // `--quiet`: a flag of another command, not a config key waiting for its value
        if (key !== 'port' && !(await isConfigKey(key))) throw await unknownFlag(arg, key);
        throw missingValue(arg, 'train');
      }
      // `--max_steps=` or `--max_steps ""` (an unset shell variable): YAML reads nothing as null, which unsets the key unseen
      if (value.trim() === '' && (await isConfigKey(key))) {
        throw new UserError(`--${key} is given an empty value: give it a value, or null to unset it (see mistral-tune train --help)`);
      }
      // `--max_steps 3 … --max_steps 5`: the later would win without a word, as parseCommand refuses for the other commands
      const earlier = key === 'port' ? portArg : overrides.find(([k]) => k === key)?.[1];
      if (earlier !== undefined && earlier !== value) throw givenTwice(key, earlier, value);
      if (key === 'port') portArg = value;
      else overrides.push([key, value]);
    } else if (arg.startsWith('-') && arg.length > 1 && !fs.existsSync(arg)) {
      // `train -c config.yaml` (other tools' flag): not a config file named "-c" with config.yaml left over
      throw new UserError(`unknown option ${arg}: train takes the config file itself, mistral-tune train CONFIG.yaml (one whose name starts with "-" after --; see --help)`);
    } else if (file === null) file = arg;
    else {
      // `--lora.target_modules [q_proj, v_proj]` unquoted: the shell split the list at its space
      const last = overrides[overrides.length - 1];
      if (last !== undefined && argv[i - 1] === last[1] && /^[[{]/.test(last[1]) && !/[\]}]$/.test(last[1])) {
        let end = i; // the word that closes it
        while (end + 1 < argv.length && !/[\]}]$/.test(argv[end]!) && !argv[end + 1]!.startsWith('-')) end++;
        const whole = [last[1], ...argv.slice(i, end + 1)].join(' ');
        throw new UserError(`--${last[0]} ${whole}: a YAML list or mapping with spaces is one argument to the shell only quoted: --${last[0]} "${whole}"`);
      }
      throw new UserError(`unexpected argument "${arg}" (one config file; overrides are --key value)`);
    }
  }
  // `train --config c.yaml`: not a config key "config"
  const given = overrides.find(([k]) => k === 'config');
  if (given?.[1] === '' && file === null) throw emptyPath('--config', 'file', 'the config file itself, mistral-tune train CONFIG.yaml');
  if (given !== undefined && file === null) throw new UserError(`--config: give the config file itself, mistral-tune train ${shellPath(given[1])}`);
  const port = portOption(portArg);
  if (portArg !== undefined && !dashboard) throw new UserError('--port goes with --dashboard (the port the dashboard listens on)');
  // `train "$CONFIG"` with CONFIG unset: said as what it is, not as if no config were given
  if (file === '') throw resume ? emptyPath('run folder', 'folder', 'a run folder (or its config file) to resume') : emptyPath('config file', 'file', 'a config file (mistral-tune train CONFIG.yaml)');
  if (!file) {
    // `train --quiet c.yaml`: a flag that is neither train's nor a config key took the config file as its value
    for (const [key] of overrides) if (key !== 'config' && !(await isConfigKey(key))) throw await unknownFlag(`--${key}`, key);
    throw new UserError(resume ? 'a run folder (or its config file) is required: mistral-tune train RUN_DIR --resume (see --help)'
      : 'a config file is required: mistral-tune train CONFIG.yaml (see --help)');
  }
  refuseUnexpanded([file]);
  if (overwrite && resume) throw new UserError('--overwrite and --resume contradict each other: choose one');
  if (json && !dry) throw new UserError('--json goes with --dry-run (a run writes its metrics to metrics.jsonl)');
  return { file, overwrite, resume, dashboard, dry, json, port, overrides };
}
