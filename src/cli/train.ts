// mistral-tune train CONFIG [--key.sub value ...]: fine-tunes a model as the YAML config says. Its usage and the checks
// of its command line that read no file are train-flags.ts's, made before this module loads.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrainConfig } from '../train/config.ts';
import { atOutputDirPlace, checkConfigPaths, keyPlaces } from '../train/config-paths.ts';
import { RUN_LAYOUT } from '../run/layout.ts';
import { RunDir } from '../train/run-dir.ts';
import { releaseOwnLock } from '../train/run-lock.ts';
import { removeStoppedRun, stoppedRunNote } from '../train/stopped-run.ts';
import { firstMissingFolder, removeMadeFolders } from '../util/made-folders.ts';
import { UserError } from '../util/errors.ts';
import { FLAG_WORDS } from '../util/option-words.ts';
import { oneLine } from '../util/json-file.ts';
import { info, warn } from '../util/log.ts';
import { shellPath } from '../util/shell-quote.ts';
import { onStopSignal, workOnThisThread, type StopSignal } from '../util/stop-signals.ts';
import { runOnThread } from './command-thread.ts';
import type { TrainArgs } from './train-flags.ts';
import type { TrainJob, TrainThreadResult } from './train-thread.ts';
import { threadModule } from '../util/worker-boot.ts';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'mistral-tune.js');

export async function run({ file, overwrite, resume, dashboard, dry, json, port, overrides }: TrainArgs): Promise<void | number> {
  // `--resume RUN_DIR` (or a run's own config.yaml) resumes that folder, wherever it has been moved
  const target = resume && !overrides.some(([k]) => k === 'output_dir') ? RunDir.resumeTarget(file) : null;
  // `train runs/gone --resume`: what is missing is a run folder (or a config), not merely "file not found"
  if (resume && !fs.existsSync(file)) throw new UserError('no such run folder or config file: --resume continues a run folder that train made (or the run of a config file)', file);
  if (!resume && RunDir.isRun(file)) {
    // not "its config.yaml with --overwrite": --overwrite refuses to empty the folder that holds the config
    throw new UserError(`is a run folder, not a config file: add --resume to continue it; to train it again, give the config it was made from with --overwrite, or ${path.join(file, RUN_LAYOUT.config)} with --output_dir NEW_DIR`, file);
  }
  const { cfg: loaded, place, written } = readTrainConfig(target?.config ?? file, overrides);
  const cfg = target ? { ...loaded, output_dir: target.dir } : loaded;
  // a missing model folder or data file named with the config's line (or the flag) that gave it; a resumed run's
  // paths are checked as it starts (a complete run is left as it is, wherever its data went)
  if (!resume) checkConfigPaths(cfg, place, undefined, file);
  const places = keyPlaces(place);
  if (dry) {
    await workOnThisThread(); // the plan tokenizes the data here: Ctrl-C stops it at once
    const { describeDryRun, dryRun, dryRunJson, dryRunRefusal, finishedRunDryRun } = await import('../train/dry-run.ts'); // the model's planning: loaded only here
    // a finished run: train loads nothing of it (its model and data may be gone from where its config.yaml names them)
    const finished = finishedRunDryRun(cfg, { resume, places, written });
    if (finished !== null) {
      const { output, outputRefusal } = finished;
      process.stdout.write(json ? JSON.stringify({ output_dir_action: output }) + '\n' : `output_dir: ${cfg.output_dir}: ${output}\n`);
      if (outputRefusal !== null) throw new UserError(outputRefusal);
      return;
    }
    const plan = dryRun(cfg, { overwrite, resume, keep: [file], places, written });
    if (json) process.stdout.write(JSON.stringify(dryRunJson(plan)) + '\n');
    else process.stdout.write(describeDryRun(plan, cfg) + '\n');
    // the plan is printed all the same; a run that would not start ends as train's refusals do (exit 2, one line)
    const refusal = dryRunRefusal(plan, cfg);
    if (refusal !== null) throw target ? new UserError(refusal) : atOutputDirPlace(new UserError(refusal), cfg.output_dir, place);
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
  // what a stop kept and how to go on, whatever the run was doing (the process ends by the signal next, so nothing else
  // would say it); on a terminal, below the progress bar's line
  const sayStopped = (signal: StopSignal): void => info(`${process.stderr.isTTY ? '\n' : ''}${oneLine(stoppedRunNote(cfg.output_dir, signal, cfg.checkpoint.every_steps))}`);
  // on a thread of its own, so that Ctrl-C removes what it was writing (command-thread.ts); the dashboard runs in a
  // process of its own, started here once the run folder is there
  // a refusal of output_dir (not empty and no run, a file) named with the config's line (or the flag) that set it
  const result = await runOnThread<TrainThreadResult>(threadModule('train-thread', import.meta.url).href, 'trainOnThread', { cfg, overwrite, resume, keep: [file], dashboard, places, written } satisfies TrainJob, {
    onNote: (dir) => { dash = startChild(dir as string, port); },
    onStop: (signal) => {
      (dash as Dashboard | null)?.child.kill('SIGTERM');
      removeStoppedRun(cfg.output_dir);
      removeMadeFolders(cfg.output_dir, made);
      // a full heap (signal null) is said by its own error, raised next
      if (signal !== null) sayStopped(signal);
    },
    onSecondStop: (signal) => {
      releaseOwnLock(cfg.output_dir);
      sayStopped(signal);
    },
  }).catch((e: unknown) => {
    throw target ? e : atOutputDirPlace(e, cfg.output_dir, place);
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
    warn(`the dashboard stopped early (${how}; its error is above), so nothing serves this run: mistral-tune dashboard ${shellPath(dir)} shows it`);
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
