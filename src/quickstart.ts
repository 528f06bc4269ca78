// The quickstart: the whole path on the bundled data, on the CPU, in under two minutes (measured times: the
// README's Set-up). It takes the shipped pre-trained model (models/mistral-tune-tiny: a 7.7M-parameter
// Mistral that we pre-trained on freely licensed English text), prepares the bundled countries Q&A data
// (clean, deduplicate, split 80/10/10), LoRA-fine-tunes the model on it, evaluates on val and test, and
// shows samples before and after. Its folder is locked while it runs and marked unfinished until the end; the
// marker records every file the quickstart wrote, and only a quickstart's own folder, with nothing else in it at
// any depth, is replaced.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from './backend/select.ts';
import { removeStoppedPrepare } from './data/out-dir.ts';
import { prepare } from './data/prepare.ts';
import { loadConfig, parameterCount } from './model/config.ts';
import { loadTokenizer, tokenizerName } from './tokenizer/load.ts';
import { validate } from './train/config.ts';
import { QUICKSTART_LAYOUT, runPath } from './run/layout.ts';
import { MetricsLog } from './train/metrics-log.ts';
import { isLockEntry, runSpecOf } from './train/run-files.ts';
import { asCommand } from './train/lock-command.ts';
import { acquireRunLock, releaseOwnLock } from './train/run-lock.ts';
import { removeStoppedRun } from './train/stopped-run.ts';
import { train, type TrainResult } from './train/trainer.ts';
import { fsyncDir, removeOwnTemps, withIo, writeFileAtomic } from './util/atomic.ts';
import { foreignPaths } from './util/owned-tree.ts';
import { copyRegularFile, readRegularFile } from './util/regular-file.ts';
import { removeListed } from './util/remove-listed.ts';
import { shellPath } from './util/shell-quote.ts';
import { UserError } from './util/errors.ts';
import { boundedItemsText } from './util/bounded-json.ts';
import { info } from './util/log.ts';
import { FLAG_WORDS } from './util/option-words.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SAMPLE_DATA = path.join(ROOT, 'examples', 'data', 'countries-qa.jsonl');

/** The shipped pre-trained model (HF format, bf16): its model card is models/mistral-tune-tiny/README.md. */
export const SHIPPED_MODEL = path.join(ROOT, 'models', 'mistral-tune-tiny');

export interface QuickstartOptions {
  out: string;
  /** Replace an earlier, complete quickstart in `out` (one that was interrupted is replaced anyway). */
  overwrite?: boolean;
  seed: number;
  epochs: number;
}

export interface QuickstartResult {
  modelDir: string;
  dataDir: string;
  run: TrainResult;
}

/** The file that marks a folder as the quickstart's, and says whether it finished. */
export const QUICKSTART_MARKER = QUICKSTART_LAYOUT.marker;

/** The folders the quickstart writes, one stage each. */
type Stage = (typeof QUICKSTART_LAYOUT)['model' | 'data' | 'run'];
const STAGES: readonly Stage[] = [QUICKSTART_LAYOUT.model, QUICKSTART_LAYOUT.data, QUICKSTART_LAYOUT.run];

interface Marker {
  format: 'mistral-tune quickstart';
  complete: boolean;
  /**
   * The manifest: every file and folder under --out that the quickstart wrote (posix paths relative to
   * --out), recorded after each stage; only these are ever removed when the folder is replaced.
   */
  files?: string[];
  /** The stage being written (an interrupted quickstart stopped in it): its entries are not in `files` yet. */
  writing?: Stage | null;
}

export function quickstart(opts: QuickstartOptions): QuickstartResult {
  const lock = acquireRunLock(opts.out, { name: 'the quickstart folder', instead: 'give another --out', command: 'quickstart' });
  try {
    claimFolder(opts.out, opts.overwrite ?? false);
    const files: string[] = [];
    const marker = (complete: boolean, writing: Stage | null): void => writeFileAtomic(path.join(opts.out, QUICKSTART_MARKER),
      JSON.stringify({ format: 'mistral-tune quickstart', complete, files, writing } satisfies Marker) + '\n');
    // marked unfinished until the end, so an interrupted quickstart is never taken for a complete one;
    // each stage is named before it writes and its files recorded once it has written them
    const stage = <T>(name: Stage, write: () => T): T => {
      marker(false, name);
      const r = asCommand('quickstart', write); // its prepare's and train's locks name the command the user ran
      files.push(name, ...listTree(path.join(opts.out, name)).map((f) => `${name}/${f}`));
      marker(false, null);
      return r;
    };
    const result = build(opts, stage);
    marker(true, null);
    return result;
  } finally {
    lock.release();
  }
}

/**
 * Removes what this process's quickstart, stopped by Ctrl-C or SIGTERM (its thread stopped midway), left in `out`: the
 * temporaries and locks of its run (removeStoppedRun) and data (removeStoppedPrepare), its marker's temporary and its
 * lock. What its stages wrote stays: the marker says which was being written, and the next quickstart replaces it.
 */
export function removeStoppedQuickstart(out: string): void {
  removeStoppedRun(path.join(out, QUICKSTART_LAYOUT.run));
  removeStoppedPrepare(path.join(out, QUICKSTART_LAYOUT.data));
  removeOwnTemps(out);
  releaseOwnLock(out);
}

/** Removes this process's locks of a quickstart's folder `out`, its run's and its data's (a second Ctrl-C: the process ends at once). */
export function releaseQuickstartLocks(out: string): void {
  for (const dir of [path.join(out, QUICKSTART_LAYOUT.run), path.join(out, QUICKSTART_LAYOUT.data), out]) releaseOwnLock(dir);
}

/** Every file and folder under `dir` (not following links), as posix paths relative to it; [] if absent. */
function listTree(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => [e.name, ...(e.isDirectory() ? listTree(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [])]);
}

/**
 * Whether the quickstart copies the shipped model's file or folder `rel` (its posix path inside the model folder): the
 * recipe and the model card stay behind. Judged inside the folder: the absolute path of a package installed under
 * ~/recipes/ held "/recipe", and nothing was copied.
 */
const copiesFromModel = (rel: string): boolean => !`/${rel}`.includes('/recipe') && !rel.endsWith('README.md');

/**
 * Copies the shipped model's files (copiesFromModel) into `dir`, made with its parents: each file flushed to disk
 * (copyRegularFile), each folder after its entries, and the folder above `dir`. The marker records the stage as written
 * right after, so a power cut then (fs.cpSync flushed nothing) could leave a quickstart marked complete whose
 * model.safetensors is empty. A full disk is one line naming the file, as the later stages' writes say it (the copy is
 * the stage's: the next quickstart replaces it).
 */
export function copyShippedModel(dir: string, model = SHIPPED_MODEL): void {
  const copy = (rel: string, to: string): void => {
    withIo(to, 'write', () => fs.mkdirSync(to, { recursive: true }));
    for (const e of fs.readdirSync(path.join(model, rel), { withFileTypes: true })) {
      const inModel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (!copiesFromModel(inModel)) continue;
      if (e.isDirectory()) copy(inModel, path.join(to, e.name));
      else copyRegularFile(path.join(model, inModel), path.join(to, e.name));
    }
    fsyncDir(to);
  };
  copy('', dir);
  fsyncDir(path.dirname(dir));
}

/**
 * Whether a path `rel` inside `dir`, the folder of `stage`, is one that stage writes, for a stage not in the
 * manifest (the one an interrupted quickstart stopped in, or any of a quickstart older than the manifest):
 * the model's files are those copied from the shipped model; the run's are what train writes in a run folder,
 * at every depth (run-files.ts: not run/adapter/notes.md); the data folder's are the files prepare writes at its top level.
 */
function stageWrites(stage: Stage, dir: string): (rel: string) => boolean {
  if (stage === QUICKSTART_LAYOUT.model) {
    const copied = new Set(listTree(SHIPPED_MODEL).filter(copiesFromModel));
    return (rel) => copied.has(rel);
  }
  if (stage === QUICKSTART_LAYOUT.run) {
    const foreign = fs.existsSync(dir) ? foreignPaths(dir, runSpecOf(dir)) : []; // a foreign folder is named "x/", with all in it
    return (rel) => !foreign.some((f) => (f.endsWith('/') ? `${rel}/`.startsWith(f) : rel === f));
  }
  return (rel) => !rel.includes('/');
}

/**
 * Empties `out` for a new quickstart: only a folder that an earlier quickstart made (its marker), and a
 * complete one only with `overwrite`; only the quickstart's own entries are removed — those its marker
 * records, at every depth — so a folder with anything else in it (DIR/notes.txt, DIR/run/notes.txt,
 * DIR/data/mine/), or that holds the current directory, is refused.
 */
function claimFolder(out: string, overwrite: boolean): void {
  const entries = fs.readdirSync(out).filter((e) => !isLockEntry(e));
  if (entries.length === 0) return;
  const marker = readMarker(path.join(out, QUICKSTART_MARKER));
  const refuse = (found: string[]): never => {
    throw new UserError(`--out holds other files that the quickstart did not make (${boundedItemsText(found, { shown: 3, keepEnd: true })}): ` +
      'give an empty or new folder', out);
  };
  if (!marker) refuse(entries);
  const own = new Set<string>(Object.values(QUICKSTART_LAYOUT));
  const foreignTop = entries.filter((e) => !own.has(e));
  if (foreignTop.length > 0) refuse(foreignTop);
  const manifest = new Set(marker!.files ?? []);
  // a marker without a manifest (an older quickstart's) is judged stage by stage, as an interrupted stage is
  const unrecorded = (s: Stage): boolean => marker!.files === undefined || marker!.writing === s;
  // a stage folder's lock, and an export's hold beside it (run-lock.ts acquireExportHold), are judged by whose they are
  // (takeStageLocks), not as files of the user's
  const listed = STAGES.map((s) => ({ s, rels: listTree(path.join(out, s)).filter((rel) => !isLockEntry(rel)) }));
  const foreign = listed.flatMap(({ s, rels }) => {
    const writes = unrecorded(s) ? stageWrites(s, path.join(out, s)) : () => false;
    return rels.filter((rel) => !manifest.has(`${s}/${rel}`) && !writes(rel)).map((rel) => path.join(s, rel));
  });
  // a folder is named, not each file in it
  const named = foreign.filter((f) => !foreign.some((g) => f.startsWith(g + path.sep)));
  if (named.length > 0) refuse(named);
  const cwd = path.relative(path.resolve(out), process.cwd());
  if (cwd === '' || !(cwd === '..' || cwd.startsWith('..' + path.sep) || path.isAbsolute(cwd))) {
    throw new UserError('--out holds the current directory: run the quickstart from outside it, or give another --out', out);
  }
  if (marker!.complete && !overwrite) throw new UserError('--out holds an earlier quickstart: pass --overwrite to replace it, or give another --out', out);
  takeStageLocks(out);
  info(`replacing the ${marker!.complete ? 'earlier' : 'unfinished (interrupted)'} quickstart in ${out}`);
  // only what was listed and judged above: an entry made since (a race) is never deleted, and keeps its folders; the
  // marker stays, replaced by the new quickstart's first write, so a kill midway leaves a folder still marked as ours
  const left = removeListed(out, [...entries.filter((e) => e !== QUICKSTART_MARKER), ...listed.flatMap(({ s, rels }) => rels.map((rel) => `${s}/${rel}`))]);
  if (left.length > 0) throw new UserError(`--out changed while it was cleared: ${left.join(', ')} holds what the quickstart did not make, left as it is`, out);
}

/**
 * The locks in the stage folders (run/'s, of a train there; data/'s, of a prepare) and exports' holds (run/'s, of an
 * export into it): one held by a running process refuses the folder, naming it (it was named as a file the quickstart
 * did not make); one its process left behind (killed) is taken over and removed, as train and prepare take it over.
 */
function takeStageLocks(out: string): void {
  for (const s of STAGES) {
    const dir = path.join(out, s);
    if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true || !fs.readdirSync(dir).some(isLockEntry)) continue;
    acquireRunLock(dir, { name: `the quickstart's ${s}/ folder`, instead: 'give another --out', command: 'quickstart' }).release();
  }
}

function readMarker(file: string): Marker | null {
  try {
    const m = JSON.parse(readRegularFile(file).toString('utf8')) as Partial<Marker>; // a FIFO in its place is no marker (it blocked)
    if (m.format !== 'mistral-tune quickstart') return null;
    const files = Array.isArray(m.files) && m.files.every((f) => typeof f === 'string') ? m.files : undefined;
    const writing = STAGES.includes(m.writing as Stage) ? m.writing as Stage : null;
    return { format: m.format, complete: m.complete === true, files, writing };
  } catch {
    return null;
  }
}

function build(opts: QuickstartOptions, stage: <T>(name: Stage, write: () => T) => T): QuickstartResult {
  const modelDir = path.join(opts.out, QUICKSTART_LAYOUT.model);
  const dataDir = path.join(opts.out, QUICKSTART_LAYOUT.data);
  const runDir = path.join(opts.out, QUICKSTART_LAYOUT.run);

  // the first line says which GEMM runs, since that decides how long the quickstart takes (the trainer's
  // own CPU backend, created later, does not repeat it)
  createBackend('cpu');
  info('\n== 1. model ==');
  stage(QUICKSTART_LAYOUT.model, () => {
    copyShippedModel(modelDir);
  });
  const cfg = loadConfig(modelDir);
  info(`mistral-tune-tiny: a small Mistral (${(parameterCount(cfg) / 1e6).toFixed(1)}M parameters: ${cfg.numLayers} layers, width ${cfg.hiddenSize}, ` +
    `Mistral 7B's 32,000-token tokenizer) that we pre-trained on freely licensed English text (the King James Bible, WordNet, ` +
    `the Jargon File, fortunes, The Devil's Dictionary, and the Python, SQLite, PostgreSQL and Perl manuals; model card: ${path.join(SHIPPED_MODEL, 'README.md')}). It writes English-like text but knows ` +
    `nothing of the countries data: the fine-tuning below teaches it. Copied to ${modelDir}.`);

  info('\n== 2. data ==');
  const tokenizer = loadTokenizer(modelDir);
  const { summary } = stage(QUICKSTART_LAYOUT.data, () => prepare({
    inputs: [SAMPLE_DATA], outDir: dataDir, tokenizer, tokenizerName: tokenizerName(tokenizer), seed: opts.seed,
  }, FLAG_WORDS)); // the quickstart is a command: its report speaks of flags, as prepare's would
  info(summary);

  info('\n== 3. fine-tuning (LoRA, on the CPU) ==');
  // absolute, as loadTrainConfig makes a config file's paths: the run's config.yaml records them, and eval, generate,
  // classify and export --run read them from wherever they are started, not from this command's folder
  const abs = (...p: string[]): string => path.resolve(...p);
  const trainCfg = validate({
    model: abs(modelDir), task: 'generation', method: 'lora', lora: { r: 16, alpha: 32 },
    data: { train: abs(dataDir, 'train.jsonl'), val: abs(dataDir, 'val.jsonl'), test: abs(dataDir, 'test.jsonl') },
    optimizer: { lr: 1e-2 }, schedule: { type: 'cosine', warmup_steps: 10 },
    // packed: the Q&A pairs are ~25 tokens, so 128-token rows of several pairs waste no compute on padding
    batch_size: 8, packing: true, epochs: opts.epochs, max_seq_len: 128, grad_clip: 1, seed: opts.seed, device: 'cpu',
    eval: { every_steps: 20, batch_size: 32, samples: 3, max_new_tokens: 24 }, output_dir: abs(runDir),
  }, 'quickstart');
  const run = stage(QUICKSTART_LAYOUT.run, () => train(trainCfg, {}, FLAG_WORDS)); // a command, as prepare above
  return { modelDir, dataDir, run: { ...run, dir: runDir } }; // the summary names the folders as --out gave them
}

/** The human summary of a quickstart run: val loss over time, test metrics, samples before and after. */
export function quickstartSummary(r: QuickstartResult): string {
  const rep = r.run.report as {
    val: { first: { loss: number }; last: { loss: number }; best: { step: number; loss: number } } | null;
    test: { loss: number; perplexity: number | 'Infinity' } | null;
    samples: Array<{ prompt: string; reference: string; before?: string; after?: string }>;
  };
  const metrics = [...new MetricsLog(runPath(r.run.dir, 'metrics')).rows()] as Array<{ step: number; split?: string; loss: number }>;
  const val = metrics.filter((m) => m.split === 'val').map((m) => `${m.step}: ${m.loss.toFixed(3)}`).join('  ');
  const lines = [
    '\n== 4. results ==',
    rep.val ? `val loss           ${rep.val.first.loss.toFixed(3)} (the pre-trained model) → ${rep.val.last.loss.toFixed(3)} after LoRA fine-tuning (best ${rep.val.best.loss.toFixed(3)} at step ${rep.val.best.step})` : '',
    `val loss by step   ${val}`,
    rep.test ? `test               loss ${rep.test.loss.toFixed(3)}, perplexity ${Number(rep.test.perplexity).toFixed(1)}` : '', // "Infinity" where exp(loss) overflows (evalRowJson)
    '',
    ...rep.samples.flatMap((s) => [
      `prompt:    ${JSON.stringify(s.prompt)}`,
      `reference: ${JSON.stringify(s.reference)}`,
      `before:    ${JSON.stringify(s.before ?? '')}`,
      `after:     ${JSON.stringify(s.after ?? '')}`,
      '',
    ]),
    `run directory: ${r.run.dir} (metrics.jsonl, report.json, loss_curve.svg, adapter/, best/)`,
    `next: mistral-tune dashboard ${shellPath(r.run.dir)}   |   mistral-tune generate --model ${shellPath(r.modelDir)} --adapter ${shellPath(runPath(r.run.dir, 'adapter'))} --prompt "What is the capital of Peru?"`,
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}
