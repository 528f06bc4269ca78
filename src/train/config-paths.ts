// The config's paths checked before anything is read from them: the model folder (and its config.json), the data files
// and lora.init_from exist, a missing one named by its key and, where the loader knows it, the config's line that set it;
// and that place of a key (keyError) for the other checks made after validation (lora.r, packing, epochs).
import * as fs from 'node:fs';
import { shellPath } from '../util/shell-quote.ts';
import * as path from 'node:path';
import { adapterBaseHint } from '../util/adapter-base.ts';
import { codePoint } from '../util/code-point.ts';
import { loadConfig, randomConfigFile, requireAdapterFolder, requireModelFolder } from '../model/config.ts';
import { missingModelHint } from '../model/missing-model.ts';
import { runPath } from '../run/layout.ts';
import { dataFolderHint } from '../util/data-folder-hint.ts';
import { nearFileHint } from '../util/near-file.ts';
import { NONE_WORDS } from './config-advice.ts';
import { UserError } from '../util/errors.ts';
import type { TrainConfig } from './config-schema.ts';

/** The path keys checkConfigPaths checks. */
export const CONFIG_PATH_KEYS = ['model', 'data.train', 'data.val', 'data.test', 'lora.init_from'] as const;

/** The keys whose values are checked after validation, against the model and the data, and named at their place. */
const PLACED_KEYS = [...CONFIG_PATH_KEYS, 'model.config', 'lora.r', 'packing', 'epochs', 'max_seq_len', 'labels'];

/**
 * The place of each of PLACED_KEYS (`place` of it: the config's file:line:column, or the flag), as plain data that can
 * go to the training thread; placeOf turns it back into a place.
 */
export function keyPlaces(place: (key: string) => string): Record<string, string> {
  return Object.fromEntries(PLACED_KEYS.map((k) => [k, place(k)]));
}

/**
 * A folder given as train's model that is a run's folder (one with its weights) or a PEFT adapter, as the rest of the
 * error: what to set to train on from its weights. '' for another folder (loadConfig says what it lacks).
 */
function notATrainModel(dir: string): string {
  const adapter = fs.existsSync(runPath(dir, 'marker')) ? runPath(dir, 'adapter') : dir, trained = runPath(dir, 'model');
  if (adapter !== dir && fs.existsSync(path.join(trained, 'config.json'))) {
    return `${dir}: a training run's folder, not a model folder: to train on from its trained model, set model: ${trained}`;
  }
  if (!fs.existsSync(path.join(adapter, 'adapter_config.json'))) return '';
  const what = adapter === dir ? 'a PEFT adapter, not a model folder: to train on from it' : `a training run's folder, not a model folder: to train on from its LoRA adapter`;
  return `${dir}: ${what}, set lora.init_from: ${adapter} and model: the base model it was trained on${adapterBaseHint(adapter)}`;
}

/**
 * The error `what` about config key `key`: after the config's file:line:column of it and the key, or after the flag that
 * set it (which names the key); the key alone where no place is known.
 */
export function keyError(key: string, what: string, place?: (key: string) => string): UserError {
  const where = place?.(key) ?? key;
  return where.startsWith('--') || where === key ? new UserError(what, where) : new UserError(`${key}: ${what}`, where);
}

/**
 * `e` as the error of config key output_dir at `place` of it (the config's file:line:column, or the flag) where it is a
 * refusal of the folder `dir` that names the folder alone (RunDir's: it exists and is not a run folder, is a file, cannot be
 * made), as train's thread and the dry run's plan give it; any other error as it is.
 */
export function atOutputDirPlace(e: unknown, dir: string, place: (key: string) => string): unknown {
  if (!(e instanceof UserError) || !e.message.startsWith(`${dir}: `) || e.where !== undefined && e.where !== dir) return e;
  return keyError('output_dir', `${dir}: ${withoutOutputDirWord(e.message.slice(dir.length + 2))}`, place);
}

/** RunDir's refusal `what` of output_dir without its leading word "output_dir", for a line that names output_dir already. */
export function withoutOutputDirWord(what: string): string {
  return what.replace(/^output_dir /, '');
}

export function placeOf(places: Readonly<Record<string, string>> | undefined): ((key: string) => string) | undefined {
  return places && ((key) => places[key] ?? key);
}

/** `; HINT`, or '' for no hint. */
function hintAfter(hint: string): string {
  return hint === '' ? '' : `; ${hint}`;
}

/**
 * For a data split not found under the name prepare gives it (`runs/data/train.jsonl`, what examples/ name) in a folder
 * that is not there either (a folder that is may hold data moved away): the prepare that makes it.
 */
function missingSplitHint(key: string, missing: string): string {
  const split = /^data\.(train|val|test)$/.exec(key)?.[1];
  const dir = path.dirname(missing);
  if (split === undefined || path.basename(missing) !== `${split}.jsonl` || fs.existsSync(dir)) return '';
  const rel = path.relative(process.cwd(), dir);
  const out = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : dir;
  return `; \`mistral-tune prepare --input YOUR_DATA --out ${shellPath(out)}\` makes it`;
}

/** The file each config readTrainConfig read was read from; a config made otherwise (validate of an object) has none. */
const configFiles = new WeakMap<TrainConfig, string>();
/**
 * For a copy of a loaded config (`{...cfg, max_steps: 10}`, a JSON round trip), which keeps its paths (resolved at load):
 * the config file each resolved model path was read from; null where configs of two files resolved to the same path
 * (`org/name` in /x/a.yaml, `/x/org/name` in /y/b.yaml), whose copies cannot tell which was written how.
 */
const modelConfigFiles = new Map<string, string | null>();

/** Notes that `cfg` was read from `file`, whose folder its relative paths were read from (checkConfigPaths' configFile). */
export function noteConfigFile(cfg: TrainConfig, file: string): TrainConfig {
  const resolved = path.resolve(file);
  configFiles.set(cfg, resolved);
  if (typeof cfg.model === 'string') {
    const was = modelConfigFiles.get(cfg.model);
    modelConfigFiles.set(cfg.model, was === undefined || was === resolved ? resolved : null);
  }
  return cfg;
}

/** The config file `cfg` (or the config it is a copy of, by its model path) was read from (noteConfigFile), if known. */
function configFileOf(cfg: TrainConfig): string | undefined {
  return configFiles.get(cfg) ?? (typeof cfg.model === 'string' ? modelConfigFiles.get(cfg.model) ?? undefined : undefined);
}

/**
 * The model folder (with its config.json) or a random model's config.json, the data files and lora.init_from exist (of `only`, those keys); a missing
 * one is named by its key, after `place` of it when given (the config's file:line:column, or the flag that set it). `configFile`: the
 * file the config was read from (by default the one readTrainConfig noted), whose folder its relative paths were read from (a Hub id
 * written as the model is hinted at there); without one, paths were written as they are, or read from the current folder.
 */
export function checkConfigPaths(cfg: TrainConfig, place?: (key: string) => string, only?: readonly string[], configFile = configFileOf(cfg)): void {
  // a library train() of a config object: an absolute model path was hinted as a Hub id where the CLI said the folder is missing
  const readFrom = configFile === undefined ? [process.cwd()] : [path.dirname(path.resolve(configFile)), process.cwd()];
  const paths: Array<[string, string | null, string | null]> = [
    ['model', typeof cfg.model === 'string' ? cfg.model : null, 'model folder'], ['data.train', cfg.data.train, null], ['data.val', cfg.data.val, null],
    ['data.test', cfg.data.test, null], ['lora.init_from', cfg.lora.init_from, 'adapter folder'],
  ];
  for (const [key, p, folder] of paths) {
    if (p === null || (only !== undefined && !only.includes(key))) continue;
    // `--data.train x`: the flag is the key's name; a file's line is followed by the key it holds
    const fail = (what: string): never => {
      throw keyError(key, what, place);
    };
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      // `train.jsonl ` (a no-break space pasted from a web page, or a space inside quotes), which YAML keeps
      const base = path.basename(p), trimmed = path.join(path.dirname(p), base.trim());
      if (base.trim() !== base && base.trim() !== '' && fs.existsSync(trimmed)) {
        const starts = base.trimStart() !== base;
        const space = starts ? base[0]! : base[base.length - 1]!;
        const named = space === ' ' ? 'a space' : `${space === '\u00a0' ? 'a no-break space' : 'white space'} (${codePoint(space)})`;
        fail(`${JSON.stringify(p)}: ${folder ? `${folder} not found` : 'no such file'}, but ${trimmed} is: the name ${starts ? 'starts' : 'ends'} with ${named}, which YAML keeps: remove it`);
      }
      // `val: None` (Python's word): YAML's string, read as a file name; null is none
      if (['data.val', 'data.test', 'lora.init_from'].includes(key) && NONE_WORDS.test(path.basename(p))) fail(`${p}: no such file (YAML reads ${path.basename(p)} as a string, here a file name: write null for no ${key})`);
      const skip = (key === 'data.val' || key === 'data.test' ? `, or --${key} null to go without` : key === 'model' ? hintAfter(missingModelHint(p, readFrom)) : '') + missingSplitHint(key, p);
      fail(`${p}: ${folder ? `${folder} not found` : 'no such file'}${nearFileHint(p)} (set ${key}${skip})`);
    }
    if (folder && !st!.isDirectory()) {
      // a file where its folder belongs (model.safetensors, adapter_config.json, a .gguf export) named as eval and generate name it, with the folder to give
      try {
        (key === 'model' ? requireModelFolder : requireAdapterFolder)(p);
      } catch (e) {
        if (e instanceof UserError) fail(e.message);
        throw e;
      }
      fail(`${p}: not a folder`);
    }
    if (!folder && st!.isDirectory()) fail(`${p}: a folder, not a data file (${dataFolderHint(p, `${key.slice('data.'.length)}.jsonl`, true)})`);
    // a model folder without config.json: said here with the key's place (loadConfig says what the folder is instead)
    if (key === 'model' && !fs.existsSync(path.join(p, 'config.json'))) {
      // a run's folder or an adapter: what train takes them as, not eval's --run or --adapter (no flags of train)
      const trainFrom = notATrainModel(p);
      if (trainFrom !== '') fail(trainFrom);
      try {
        loadConfig(p);
      } catch (e) {
        if (e instanceof UserError) fail(e.message);
        throw e;
      }
    }
  }
  // a random model's config.json (model: {config: PATH, init: random}), at its line too
  const source = typeof cfg.model === 'string' ? null : cfg.model.config;
  if (typeof source !== 'string' || (only !== undefined && !only.includes('model.config'))) return;
  try {
    randomConfigFile(source);
  } catch (e) {
    if (e instanceof UserError) throw keyError('model.config', e.what, place);
    throw e;
  }
}
