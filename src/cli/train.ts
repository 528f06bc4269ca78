// mistral-tune train CONFIG [--key.sub value ...]: fine-tunes a model as the YAML config says.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isConfigKey, readTrainConfig, type TrainConfig } from '../train/config.ts';
import { checkConfigPaths, keyPlaces } from '../train/config-paths.ts';
import { nearestConfigKey } from '../train/config-advice.ts';
import { RUN_LAYOUT } from '../run/layout.ts';
import { RunDir } from '../train/run-dir.ts';
import { removeStoppedRun } from '../train/stopped-run.ts';
import { firstMissingFolder, removeMadeFolders } from '../util/made-folders.ts';
import { didYouMean } from '../util/did-you-mean.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { oneLine } from '../util/json-file.ts';
import { info, warn } from '../util/log.ts';
import { shellWord } from '../util/shell-quote.ts';
import { onStopSignal } from '../util/stop-signals.ts';
import { givenTwice, missingValue, portOption, takesNoValue } from './args.ts';
import { runOnThread } from './command-thread.ts';
import type { TrainJob, TrainThreadResult } from './train-thread.ts';
import { threadModule } from '../util/worker-boot.ts';

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
                     (--port N: its port, 0–65535, default any free one; a port in use is refused
                     before training starts; Ctrl-C stops it)
  --dry-run          print the memory plan (weights, trainable state, activations, workspace) and
                     whether it fits the free memory, then exit without training or writing anything
                     (exit 2, with train's error, when it does not fit or train would refuse output_dir)
  --json             with --dry-run: print the plan as one JSON object on stdout
  --key.sub VALUE    override a config key, e.g. --optimizer.lr 1e-4 --lora.r 16 --max_steps 100
                     (VALUE is read as YAML: numbers, true/false, null, [a, b])

A run folder is locked while train runs: a second train on it stops with an error naming the process.
Every config key is documented in the README.`;

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mistral-tune.js');

/** train's flags that take no value. */
const SWITCHES = ['overwrite', 'resume', 'dashboard', 'dry-run', 'json'];

/** The error for `--NAME` with no value where NAME is neither a flag of train nor a config key. */
function unknownFlag(arg: string, key: string): UserError {
  const near = didYouMean(key.replace(/_/g, '-'), [...SWITCHES, 'port']) ?? nearestConfigKey(key);
  const hint = near !== null ? `did you mean --${near}? ` : '';
  return new UserError(`unknown option ${arg}: ${hint}train's options are --overwrite, --resume, --dashboard, --port, --dry-run and --json, ` +
    `and "${key}" is not a config key (--KEY VALUE sets one; see mistral-tune train --help)`);
}

export async function run(argv: string[]): Promise<void | number> {
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
      // `--dry-run=yes`, `--overwrite=false`: not a config key "dry-run", and never a switch turned off by its value
      if (eq > 0 && SWITCHES.includes(key)) throw takesNoValue(`--${key}`, 'train');
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      // `--max_steps --lora.r 4`: the next flag is not the value of this one
      if (value === undefined || (eq < 0 && value.startsWith('--'))) {
        // `--quiet`: a flag of another command, not a config key waiting for its value
        if (key !== 'port' && !isConfigKey(key)) throw unknownFlag(arg, key);
        throw missingValue(arg, 'train');
      }
      // `--max_steps=` or `--max_steps ""` (an unset shell variable): YAML reads nothing as null, which unsets the key unseen
      if (value.trim() === '' && isConfigKey(key)) {
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
  if (given !== undefined && file === null) throw new UserError(`--config: give the config file itself, mistral-tune train ${given[1]}`);
  const port = portOption(portArg);
  if (portArg !== undefined && !dashboard) throw new UserError('--port goes with --dashboard (the port the dashboard listens on)');
  if (!file) {
    throw new UserError(resume ? 'a run folder (or its config file) is required: mistral-tune train RUN_DIR --resume (see --help)'
      : 'a config file is required: mistral-tune train CONFIG.yaml (see --help)');
  }
  if (overwrite && resume) throw new UserError('--overwrite and --resume contradict each other: choose one');
  if (json && !dry) throw new UserError('--json goes with --dry-run (a run writes its metrics to metrics.jsonl)');
  // `--resume RUN_DIR` (or a run's own config.yaml) resumes that folder, wherever it has been moved
  const target = resume && !overrides.some(([k]) => k === 'output_dir') ? RunDir.resumeTarget(file) : null;
  if (!resume && RunDir.isRun(file)) {
    // not "its config.yaml with --overwrite": --overwrite refuses to empty the folder that holds the config
    throw new UserError(`is a run folder, not a config file: add --resume to continue it; to train it again, give the config it was made from with --overwrite, or ${path.join(file, RUN_LAYOUT.config)} with --output_dir NEW_DIR`, file);
  }
  const { cfg: loaded, place, written } = readTrainConfig(target?.config ?? file, overrides);
  const cfg = target ? { ...loaded, output_dir: target.dir } : loaded;
  // a missing model folder or data file named with the config's line (or the flag) that gave it; a resumed run's
  // paths are checked as it starts (a complete run is left as it is, wherever its data went)
  if (!resume) checkConfigPaths(cfg, place);
  const places = keyPlaces(place);
  if (dry) {
    const { describeDryRun, dryRun, dryRunJson, dryRunRefusal } = await import('../train/dry-run.ts'); // the model's planning: loaded only here
    const plan = dryRun(cfg, { overwrite, resume, keep: [file], places, written });
    if (json) process.stdout.write(JSON.stringify(dryRunJson(plan)) + '\n');
    else process.stdout.write(describeDryRun(plan, cfg) + '\n');
    // the plan is printed all the same; a run that would not start ends as train's refusals do (exit 2, one line)
    const refusal = dryRunRefusal(plan, cfg);
    if (refusal !== null) throw new UserError(refusal);
    return;
  }
  // a port the dashboard cannot have is refused before the run folder is made, not found out after training
  if (dashboard) {
    // the dashboard's server (~40 ms of CPU to load) only with --dashboard: every other train started without it
    const { checkListenable } = await import('../dashboard/server.ts');
    await checkListenable(port, FLAG_WORDS);
  }
  let dash: Dashboard | null = null;
  const made = firstMissingFolder(cfg.output_dir);
  // on a thread of its own, so that Ctrl-C removes what it was writing (command-thread.ts); the dashboard runs in a
  // process of its own, started here once the run folder is there
  const result = await runOnThread<TrainThreadResult>(threadModule('train-thread', import.meta.url).href, 'trainOnThread', { cfg, overwrite, resume, keep: [file], dashboard, places, written } satisfies TrainJob, {
    onNote: (dir) => { dash = startChild(dir as string, port); },
    onStop: () => {
      (dash as Dashboard | null)?.child.kill('SIGTERM');
      removeStoppedRun(cfg.output_dir);
      removeMadeFolders(cfg.output_dir, made);
    },
  });
  // a complete run resumed with --dashboard is shown as it is
  if (dashboard && result.alreadyComplete) dash = startChild(result.dir, port);
  if (dash) return serveUntilStopped(dash, result.dir, result.alreadyComplete === true);
  if (!result.alreadyComplete) info(`run directory: ${oneLine(result.dir)}`); // else said in its one line (control characters escaped)
}

interface Dashboard {
  child: ChildProcess;
  /** 'serving' once it says so (IPC), else how it exited first. */
  state: Promise<'serving' | string>;
  exit: Promise<string>;
}

/** Starts `mistral-tune dashboard DIR` as a child; it says on its IPC channel once it serves. */
function startChild(dir: string, port: number): Dashboard {
  const child = spawn(process.execPath, [BIN, 'dashboard', dir, '--port', String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, MISTRAL_TUNE_PARENT_PID: String(process.pid) },
  });
  const exit = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)));
  const serving = new Promise<'serving'>((resolve) => child.once('message', () => resolve('serving')));
  return { child, state: Promise.race([serving, exit]), exit };
}

/** After training (or a resume that found the run complete): keeps the dashboard child serving until Ctrl-C (0), or says that it stopped (1). */
async function serveUntilStopped(dash: Dashboard, dir: string, alreadyComplete: boolean): Promise<number> {
  const early = (how: string): number => {
    warn(`the dashboard stopped early (${how}; its error is above), so nothing serves this run: mistral-tune dashboard ${shellWord(dir)} shows it`);
    return 1;
  };
  // at once, the work's thread done (before a line is written, so that whoever reads it can stop us), and before the
  // dashboard serves too: a stop while it starts stops it with this process
  let stopping = false;
  const off = onStopSignal(() => {
    stopping = true;
    dash.child.kill('SIGTERM');
  });
  if (!alreadyComplete) info(`run directory: ${oneLine(dir)}`);
  const state = await dash.state;
  if (state === 'serving' && !stopping) info(`${alreadyComplete ? 'nothing trained (the run is complete)' : 'training finished'}; the dashboard keeps serving until Ctrl-C`);
  const how = state === 'serving' ? await dash.exit : state;
  off();
  // exit code 0: it stopped as asked (Ctrl-C in a terminal reaches it directly too)
  return stopping || how === 'exit code 0' ? 0 : early(how);
}
