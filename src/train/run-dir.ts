// The run directory (its names are in run/layout.ts): .mistral-tune-run (the marker that train made it), config.yaml (the resolved config),
// metrics.jsonl (one JSON row per optimizer step and per evaluation), adapter/ (last step), best/ (best
// validation), report.json and loss_curve.svg; the checks before a run may empty or resume it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { withIo, writeFileAtomic, writerGone } from '../util/atomic.ts';
import { recoverFolderSwaps, replaceFolderAtomic } from '../util/folder-swap.ts';
import { parseLeftover } from '../util/leftover-names.ts';
import { foreignPaths, removeOwnedEntries, unremovableIn, type FolderSpec } from '../util/owned-tree.ts';
import { UserError } from '../util/errors.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { FLAG_WORDS, setOption, type OptionWords } from '../util/option-words.ts';
import { isRecord, ownField, readJsonFile } from '../util/json-file.ts';
import { shellPath } from '../util/shell-quote.ts';
import { warn } from '../util/log.ts';
import { configToYaml, PATH_KEYS, type TrainConfig } from './config.ts';
import { readYamlMapping } from './config-yaml.ts';
import { RUN_LAYOUT } from '../run/layout.ts';
import { checkpointsSpec } from './checkpoint.ts';
import { isLockEntry, runFolderSpec, runSpec, runSpecOf, type RunMethod } from './run-files.ts';
import { checkRunOutputs, requireRunConfigAndMarker } from './run-outputs.ts';
import { requireOwnFile } from './metrics-log.ts';
import { makeFolders } from '../util/made-folders.ts';
import { recordWrittenFolder } from '../model/written-folder.ts';

/** The file `train` writes when it creates a run folder: only a folder with it is ever emptied by --overwrite. */
export const RUN_MARKER = RUN_LAYOUT.marker;
/** Entries of a run folder that do not make it "not empty": the lock, and its temporary and guard files. */
const ignored = isLockEntry;

/**
 * Whether the entries of a run folder (the lock's aside) are at most what a train killed before its config.yaml was in
 * place left: the marker, and the temporaries of the marker and config.yaml of dead processes. Such a folder holds no
 * run yet, so it counts as empty (what is left is train's own, replaced by the next run's writes).
 */
function nothingStarted(dir: string, entries: readonly string[]): boolean {
  return entries.every((entry) => {
    if (entry === RUN_MARKER) return true;
    const left = parseLeftover(entry);
    return left?.kind === 'file' && (left.name === RUN_MARKER || left.name === RUN_LAYOUT.config) && writerGone(left.pid, path.join(dir, entry));
  });
}

export class RunDir {
  private constructor(readonly dir: string) {}

  /** The files and folders a run reads (model, data, adapter to start from), which --overwrite must never empty. */
  static inputsOf(cfg: TrainConfig): string[] {
    const model = typeof cfg.model === 'string' ? cfg.model : cfg.model.config;
    return [model, cfg.data.train, cfg.data.val, cfg.data.test, cfg.lora.init_from].filter((p): p is string => typeof p === 'string');
  }

  /** Whether `dir` is absent, or a folder holding nothing but a run's lock (and what a run killed before its config.yaml left). */
  static holdsNothing(dir: string): boolean {
    if (!RunDir.checkFolder(dir)) return true;
    return nothingStarted(dir, withIo(dir, 'read the folder', () => fs.readdirSync(dir)).filter((e) => !ignored(e)));
  }

  /** Whether `dir` is a run folder made by `train` (it holds the marker file). */
  static isRun(dir: string): boolean {
    return fs.existsSync(path.join(dir, RUN_MARKER));
  }

  /** Whether `dir` exists; throws when it is something other than a folder (checked before the lock makes it). */
  static checkFolder(dir: string): boolean {
    const stat = withIo(dir, 'use as output_dir', () => fs.statSync(dir, { throwIfNoEntry: false })); // ENOTDIR: a file on the path
    if (stat && !stat.isDirectory()) throw new UserError('output_dir exists and is not a folder: choose another output_dir', dir);
    return stat !== undefined;
  }

  /**
   * Checks that `dir` can become a run directory: absent, empty, or (with `overwrite`) a run folder that
   * `train` made holding nothing, at any depth, that train did not write (run-files.ts). Anything else is
   * refused, and so is a folder that holds the current directory or one of `keep` (the config file, the model,
   * the data), so --overwrite never deletes a file of the user's.
   */
  static check(dir: string, overwrite: boolean, keep: readonly string[] = [], words: OptionWords = FLAG_WORDS): void {
    const ow = words.say('overwrite'), resume = words.say('resume');
    if (!RunDir.checkFolder(dir)) return;
    const entries = withIo(dir, 'read the folder', () => fs.readdirSync(dir)).filter((e) => !ignored(e));
    if (nothingStarted(dir, entries)) return;
    const inside = [process.cwd(), ...keep].find((p) => isInside(p, dir));
    const holds = inside === undefined ? '' : `a folder that holds ${inside === process.cwd() ? 'the current directory' : inside}`;
    if (!overwrite) {
      // --overwrite and --resume refuse a folder train did not make: offered only for a run
      if (!entries.includes(RUN_MARKER)) {
        throw new UserError(`output_dir exists and is not empty, and is not a run directory made by mistral-tune train (no ${RUN_MARKER} in it): ` +
          `choose another output_dir (${ow} and ${resume} take only runs)`, dir);
      }
      // not offered where it would be refused next (train RUN/config.yaml: the run's own config is in the folder)
      if (inside !== undefined) throw new UserError(`output_dir exists and is not empty: choose another output_dir, or ${resume} to continue it (${ow} would empty ${holds})`, dir);
      throw new UserError(`output_dir exists and is not empty: choose another output_dir, or ${setOption(words, 'overwrite')} (or ${resume} to continue it)`, dir);
    }
    if (inside !== undefined) throw new UserError(`${ow} would empty ${holds}: choose another output_dir`, dir);
    if (!entries.includes(RUN_MARKER)) {
      throw new UserError(`output_dir is not empty and is not a run directory made by mistral-tune train (no ${RUN_MARKER} in it): ${ow} only replaces runs; ` +
        'choose another output_dir, or delete the folder yourself', dir);
    }
    // a run train made may hold files of the user beside its own (notes, plots, an export), or inside its folders
    // (adapter/notes.md, checkpoints/step-0000100/eval.txt): never deleted
    const foreign = withIo(dir, 'read the folder', () => foreignPaths(dir, runSpecOf(dir)));
    if (foreign.length > 0) {
      throw new UserError(`${ow} would delete ${boundedItemsText(foreign, { shown: 5, total: true, keepEnd: true })}, which train did not make: ` +
        `move ${foreign.length === 1 ? 'it' : 'them'} out of the run folder, or delete ${foreign.length === 1 ? 'it' : 'them'} yourself`, dir);
    }
  }

  /**
   * Creates the run directory (after check), emptying an earlier run there when `overwrite`. `model`: the fingerprint of
   * the model folder's weights the run starts from (model-fingerprint.ts; none for random weights), which the marker
   * records so that a --resume that finds no checkpoint (and starts again from step 0) can tell another model.
   */
  static create(dir: string, overwrite: boolean, keep: readonly string[] = [], words: OptionWords = FLAG_WORDS, model?: string): RunDir {
    RunDir.check(dir, overwrite, keep, words);
    withIo(dir, 'empty the earlier run in', () => {
      // only what train wrote (the check found nothing else; one made since is kept), and never the lock of this run
      if (fs.existsSync(dir)) {
        const spec = runSpecOf(dir); // the earlier run's method, before its config.yaml goes
        // the marker stays until the new one replaces it: a kill while a big run is being emptied leaves a folder that
        // is still a run's, which the next --overwrite takes (without it, a half-emptied run would be refused as not one)
        const owned: FolderSpec = (entry) => (ignored(entry) || entry === RUN_MARKER ? null : spec(entry));
        // all or nothing: a folder of it made read-only (checkpoints/) stopped the removal midway, adapter/ and best/ gone
        const blocked = unremovableIn(dir, owned);
        if (blocked !== null) {
          throw new UserError(`the earlier run's files in it cannot be deleted (${blocked.why}), so ${words.say('overwrite')} deleted nothing: ` +
            `${blocked.fix}, or choose another output_dir`, blocked.folder);
        }
        removeOwnedEntries(dir, owned);
      }
      makeFolders(dir);
    });
    const run = new RunDir(dir);
    run.writeJson(RUN_MARKER, { format: 'mistral-tune run', version: 1, created: new Date().toISOString(), ...(model === undefined ? {} : { model_fingerprint: model }) });
    return run;
  }

  /** The fingerprint of the model's weights the marker recorded when the run started; undefined when it recorded none (an older version's run). */
  recordedModel(): string | undefined {
    const marker = this.marker();
    return typeof marker?.model_fingerprint === 'string' ? marker.model_fingerprint : undefined;
  }

  /** Records in the marker the fingerprint of the model's weights the run (started again from step 0) now starts from. */
  recordModel(fingerprint: string): void {
    this.updateMarker({ model_fingerprint: fingerprint });
  }

  /**
   * Records in the marker the config the run finishes with, before report.json says it finished: --resume of the
   * finished run compares the config it is given with it (editsSinceFinished). The marker, not report.json, which
   * the dashboard shows key by key beside config.yaml.
   */
  recordFinishedConfig(cfg: TrainConfig): void {
    this.updateMarker({ finished_config: configRecord(cfg) });
  }

  /**
   * Writes config.yaml again, with a warning, where it is gone since the run wrote it (deleted while the run trained):
   * export, eval and --resume read the run by it, so a run that went on without it finished with exit 0 into a folder
   * that each of them refused ('not a run directory: config.yaml not found'), even `train CONFIG --resume`.
   */
  keepConfig(cfg: TrainConfig): void {
    const file = this.file(RUN_LAYOUT.config);
    if (withIo(file, 'write', () => fs.lstatSync(file, { throwIfNoEntry: false })) !== undefined) return;
    warn(`${file}: gone since the run wrote it (deleted while it trained): written again from the run's config, by which export, eval and --resume read the run`);
    this.writeText(RUN_LAYOUT.config, configToYaml(cfg));
  }

  /**
   * The edits of a finished run's config that --resume cannot apply: the keys a resume refuses whose values in `cfg`
   * differ from those the run finished with, e.g. max_steps raised in its config.yaml to train on. A moved model folder
   * is no edit (nothing is loaded), nor is a data file moved (a project folder moved): its key names another path, and
   * the file the run finished with is gone from its own, as a data file edited in place is no edit either (a finished run
   * reads no data). A data key naming another file while that one is still there is new data, refused. A run of an older
   * version recorded no config: its config.yaml is the one it finished with (as openForResume compared it before a
   * finished run was left to this check); [] when it has none.
   */
  editsSinceFinished(cfg: TrainConfig): string[] {
    const marked = this.marker()?.finished_config;
    const recorded = isRecord(marked) ? marked : fs.existsSync(this.file(RUN_LAYOUT.config)) ? readYamlMapping(this.file(RUN_LAYOUT.config)) : null;
    if (!recorded) return [];
    const data = ownField(recorded, 'data');
    // undefined, not false, for a file still there: no tokens were compared ("other tokens" is not said)
    const moved = (key: string): true | undefined => {
      const then = isRecord(data) ? ownField(data, key.slice('data.'.length)) : undefined;
      return typeof then === 'string' && !fs.existsSync(then) ? true : undefined;
    };
    return resumeChanges(recorded, configRecord(cfg), { sameWeights: true, sameData: moved }).refused;
  }

  private updateMarker(fields: Record<string, unknown>): void {
    this.writeJson(RUN_MARKER, { ...(this.marker() ?? { format: 'mistral-tune run', version: 1 }), ...fields });
  }

  /**
   * The marker's JSON object; null when it is not one (an empty marker is a run's all the same), nor one readJsonFile
   * reads: a value nested 100,000 deep in it overflowed JSON.stringify as the finished run rewrote it, after every step.
   */
  private marker(): Record<string, unknown> | null {
    try {
      const m: unknown = readJsonFile(this.file(RUN_MARKER));
      return isRecord(m) ? m : null;
    } catch {
      return null;
    }
  }

  /** Opens an existing run directory (resume). */
  static open(dir: string): RunDir {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UserError('run directory not found', dir);
    return new RunDir(dir);
  }

  /** Whether the run finished: report.json, the last thing a run writes, is there. */
  finished(): boolean {
    const report = this.file(RUN_LAYOUT.report);
    // a folder, FIFO or link of the user's named report.json is no report of train's: it took an unfinished run for a
    // finished one ("already complete; nothing to do", exit 0)
    requireOwnFile(report);
    return fs.existsSync(report);
  }

  /** Throws unless `dir` is a run folder that `train` made: --resume never trains into (or rewrites) another folder. */
  static requireRun(dir: string): void {
    if (!RunDir.isRun(dir)) {
      throw new UserError(`cannot resume: not a run directory made by mistral-tune train (no ${RUN_MARKER} in it): resume the folder a train wrote ` +
        '(its output_dir), or start a new run in an output_dir that does not exist or is empty', dir);
    }
  }

  /**
   * Opens the run of `cfg.output_dir` to resume it: its config.yaml must equal `cfg` in every key but
   * output_dir (a run folder may have been moved; the folder given is the one resumed) and those of
   * RESUME_MAY_CHANGE (the trainer warns of them against the checkpoint's), and `model` naming another folder, which
   * the trainer takes only when it holds the weights the checkpoint was made over; recordConfig then updates config.yaml.
   * A finished run's config is compared by resumeFinished instead. `readOnly`: a finished run in a folder that cannot be
   * written (finishedReadOnly), opened only to say so, or a run a dry run checks: nothing in it is repaired.
   */
  static openForResume(cfg: TrainConfig, words: OptionWords = FLAG_WORDS, { readOnly = false } = {}): RunDir {
    const dir = RunDir.open(cfg.output_dir);
    RunDir.requireRun(cfg.output_dir);
    requireRunConfigAndMarker(dir.dir); // read below and written again (recordConfig, recordModel): never a link's target
    // before the model loads and the run trains (and before the repair below works in checkpoints/): a link where a
    // folder or file goes was refused only at its write, after the training. A finished run writes nothing again.
    if (!dir.finished()) checkRunOutputs(dir.dir, cfg.method);
    // a crash in the middle of replacing adapter/, best/ or a checkpoint left it moved aside: put it back (not where
    // nothing can be written: the repair's EROFS failed the finished run's resume, which writes nothing; a run that can write repairs it)
    if (!readOnly) {
      recoverFolderSwaps(dir.dir, runSpec(cfg.method));
      recoverFolderSwaps(dir.file(RUN_LAYOUT.checkpoints), checkpointsSpec(cfg.method));
    }
    const savedFile = dir.file(RUN_LAYOUT.config);
    if (!fs.existsSync(savedFile)) throw new UserError('cannot resume: the run directory has no config.yaml', cfg.output_dir);
    const saved = readYamlMapping(savedFile);
    const now = configRecord(cfg);
    // a model folder that moved (model: names another path) is checked by the trainer against the checkpoint it resumes,
    // whose fingerprint of the weights it was made over says whether it is the same model, as for `train RUN --resume`.
    // A finished run is not resumed at all: its edits are refused by resumeFinished (finished-run.ts), whose refusal says
    // that it finished and the way to train on, which "a different config" did not
    // data files that moved are let through likewise: the checkpoint's data fingerprints judge them (trainer.ts)
    const changed = dir.finished() ? [] : resumeChanges(saved, now, { sameWeights: true, sameData: () => true }).refused;
    if (changed.length) {
      throw new UserError(`cannot resume with a different config: ${changed.join(', ')} changed since the run's config.yaml ` +
        (words.cli ? `(resume with the config and flags it was started with, or as mistral-tune train ${shellPath(dir.dir)} --resume with no --key overrides; `
          : `(resume with the config it was started with: loadTrainConfig of the run's ${RUN_LAYOUT.config}, with no overrides; `) +
        `only ${[...RESUME_MAY_CHANGE].join(', ')} may change)`, savedFile);
    }
    return dir;
  }

  /** Records in config.yaml the config a resumed run goes on with: where it now is, and the keys a resume may change. */
  recordConfig(cfg: TrainConfig): void {
    if (configChanges(readYamlMapping(this.file(RUN_LAYOUT.config)), configRecord(cfg)).length) this.writeText(RUN_LAYOUT.config, configToYaml(cfg));
  }

  /**
   * The run folder that `train ARG --resume` names: ARG itself when it is a folder (which must be a run
   * folder), or the folder of ARG when ARG is a run's own config.yaml (so a moved run resumes where it now
   * is); null otherwise.
   */
  static resumeTarget(arg: string): { dir: string; config: string } | null {
    // the run's config.yaml is refused as openForResume refuses it, before it is read as the config
    if (fs.existsSync(arg) && fs.statSync(arg).isDirectory()) {
      // a train killed before its config.yaml was in place left its lock, marker or their temporaries (or nothing): there is
      // no config here to resume with, and "not a run directory made by train" (or "config.yaml: file not found") misled
      if (!fs.existsSync(path.join(arg, RUN_LAYOUT.config)) && RunDir.holdsNothing(arg)) {
        throw new UserError('cannot resume: it holds no run yet (no config.yaml, which a resume of the folder reads: a train stopped before writing it, ' +
          `or none ran here): start it with its config, mistral-tune train CONFIG.yaml --output_dir ${shellPath(arg)}`, arg);
      }
      RunDir.requireRun(arg);
      requireRunConfigAndMarker(arg);
      return { dir: path.resolve(arg), config: path.join(arg, RUN_LAYOUT.config) };
    }
    const dir = path.dirname(path.resolve(arg));
    if (path.basename(arg) !== RUN_LAYOUT.config || !RunDir.isRun(dir)) return null;
    requireRunConfigAndMarker(dir);
    return { dir, config: arg };
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  writeText(name: string, text: string): void {
    writeFileAtomic(this.file(name), text);
  }

  writeJson(name: string, value: unknown): void {
    this.writeText(name, JSON.stringify(value, null, 2) + '\n');
  }

  /**
   * Replaces the sub-folder `name` (best/, adapter/, model/) of a run of `method` whole: a failed write keeps the
   * previous one. Files of the user's in it (best/notes.md, a config.json in a LoRA run's best/) are carried into the
   * new one (folder-swap.ts): only train's own are replaced.
   */
  writeFolder(name: string, method: RunMethod, fill: (tmp: string) => void): void {
    replaceFolderAtomic(this.file(name), (tmp) => {
      fill(tmp);
      recordWrittenFolder(tmp); // what --resume, eval, generate and export read of it is checked against this
    }, runFolderSpec(name, method));
  }
}

/** Whether `p` is `dir` or lies inside it. */
function isInside(p: string, dir: string): boolean {
  const rel = path.relative(real(dir), real(p));
  return rel === '' || !(rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel));
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The resolved config as config.yaml holds it (and a checkpoint records it), for changedConfigKeys. */
export function configRecord(cfg: TrainConfig): Record<string, unknown> {
  return YAML.parse(configToYaml(cfg)) as Record<string, unknown>;
}

/**
 * The keys a resume may change besides output_dir (a run folder may move): where and how often checkpoints are
 * kept, how evaluations are batched and sampled, the backend (its change is warned as the checkpoint's is), and
 * the remedies a diverged run's error names (optimizer.lr, grad_clip), with which it goes on from its last good
 * checkpoint. Any other key would make the checkpoint another run's: the data order, the schedule, the adapter.
 */
export const RESUME_MAY_CHANGE: ReadonlySet<string> = new Set([
  'optimizer.lr', 'grad_clip', 'checkpoint.every_steps', 'checkpoint.keep',
  'eval.batch_size', 'eval.samples', 'eval.max_new_tokens', 'device', 'precision',
]);

/**
 * The keys whose values differ between two config records (configRecord), each by its path with both values:
 * `optimizer.lr (0.0002 then, 0.001 now)`, not the whole section "optimizer".
 */
function configChanges(saved: Record<string, unknown>, now: Record<string, unknown>, prefix = ''): { key: string; what: string; then: unknown; now: unknown }[] {
  return Object.keys({ ...saved, ...now }).flatMap((k) => {
    const key = prefix + k, then = ownField(saved, k), value = ownField(now, k);
    if (isRecord(then) && isRecord(value)) return configChanges(then, value, `${key}.`);
    const [a, b] = [JSON.stringify(then) ?? 'none', JSON.stringify(value) ?? 'none'];
    return a === b ? [] : [{ key, what: `${key} (${a} then, ${b} now)`, then, now: value }];
  });
}

/**
 * The changes between two config records, output_dir's aside: those a resume refuses, and those of RESUME_MAY_CHANGE.
 * A path key naming the same file or folder (the same real path) is no change. `sameWeights`: whether the model folder
 * now holds the weights the checkpoint was made over (its fingerprint, which the caller compared; unknown when absent):
 * a model folder moved, where config.json's error says to set model: to it, is allowed and said, not refused; one of
 * other weights is refused saying so.
 */
export function resumeChanges(saved: Record<string, unknown>, now: Record<string, unknown>, o: { sameWeights?: boolean; sameData?: (key: string) => boolean | undefined } = {}): { refused: string[]; allowed: string[] } {
  // a path key (config.ts's) naming the same file or folder by another path to it (a symlink) is no change
  const changes = configChanges(saved, now).filter((c) => c.key !== 'output_dir' && !(PATH_KEYS.includes(c.key) && samePlace(c.then, c.now)));
  const paths = (c: { then: unknown; now: unknown }): boolean => typeof c.then === 'string' && typeof c.now === 'string';
  const folders = (c: { key: string; then: unknown; now: unknown }): boolean => c.key === 'model' && paths(c);
  // a data file moved (a project folder moved, or copied to another machine) holding the tokens the checkpoint recorded
  const dataMoved = (c: { key: string; then: unknown; now: unknown }): boolean => DATA_KEYS.includes(c.key) && paths(c) && o.sameData?.(c.key) === true;
  const moved = (c: { key: string; then: unknown; now: unknown }): boolean => (folders(c) && o.sameWeights === true) || dataMoved(c);
  const noted = (c: { what: string }, note: string): string => `${c.what.slice(0, -1)}; ${note})`;
  const said = (c: { key: string; what: string; then: unknown; now: unknown }): string => (dataMoved(c) ? noted(c, 'the same tokens') : folders(c) ? noted(c, 'the same weights') : c.what);
  return {
    refused: changes.filter((c) => !RESUME_MAY_CHANGE.has(c.key) && !moved(c)).map((c) => (folders(c) && o.sameWeights === false ? noted(c, 'other weights')
      : DATA_KEYS.includes(c.key) && paths(c) && o.sameData?.(c.key) === false ? noted(c, 'other tokens') : c.what)),
    allowed: changes.filter((c) => RESUME_MAY_CHANGE.has(c.key) || moved(c)).map((c) => (moved(c) ? said(c) : c.what)),
  };
}

/** The data keys whose files a checkpoint's data fingerprints (data-fingerprint.ts) vouch for when they move. */
export const DATA_KEYS: readonly string[] = ['data.train', 'data.val', 'data.test'];

/** Whether two values of a path key name the same file or folder: one reached through a symlink is the same. */
function samePlace(a: unknown, b: unknown): boolean {
  return typeof a === 'string' && typeof b === 'string' && real(a) === real(b);
}
