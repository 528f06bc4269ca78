// The training config: one typed, validated object (the zod schema of config-schema.ts), read from YAML (config-yaml.ts), with
// CLI overrides `--key.sub value` (precedence: CLI > file > defaults). Errors name the key path at its file:line:column
// (or the flag that set it), with what to write instead (config-advice.ts); relative paths in the file are resolved
// against the file's folder, those of flags against the current one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { needArg, needPath } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { unexpandedPath } from '../util/unexpanded-path.ts';
import { info, warn, warnOnce } from '../util/log.ts';
import { counted } from '../util/plural.ts';
import { prepareReportBeside, reportClassNames } from '../data/prepare-report.ts';
import { adaptedProjectionsBy } from '../model/peft.ts';
import { adapterConfigPath } from '../model/adapter-config-path.ts';
import { readClassNames } from '../data/labels.ts';
import { familyOfFolder } from '../model/family.ts';
import { MISTRAL_DEFAULT_TARGETS, namesNoProjection, noDefaultTargets } from '../model/peft-targets.ts';
import { PROJECTIONS } from '../model/weights.ts';
import { leadingZeroNote, unknownKeyText, valueHint } from './config-advice.ts';
import { checkConfigPaths, keyError, noteConfigFile } from './config-paths.ts';
import { asWritten, configIssueText, writtenTexts } from './config-issues.ts';
import { nodeAt, parseOverride, readYamlConfig, writtenAt, type Place, type Written } from './config-yaml.ts';
import { ALL_LINEAR, objectShape, schemaAt, TrainConfigSchema, type TrainConfig } from './config-schema.ts';
import { scheduleTypeNote, unusedScheduleArguments } from './schedule.ts';

export { documentedKeys, isConfigKey, TrainConfigSchema, type RandomModelSpec, type TrainConfig } from './config-schema.ts';

/** The model folder of the run, or null when its weights are random (`model: {config, init: random}`). */
export function modelFolder(cfg: Pick<TrainConfig, 'model'>): string | null {
  return typeof cfg.model === 'string' ? cfg.model : null;
}

/** Where the run's model config is, as an error names it: the model folder's config.json, or the `model.config` key. */
export function modelConfigPlace(cfg: Pick<TrainConfig, 'model'>): string {
  return typeof cfg.model === 'string' ? path.join(cfg.model, 'config.json') : 'model.config';
}

/**
 * The model folder a command needs (eval, export) of the run `where`: a run with random weights has none, and
 * a base model moved since (the run copied to another machine) is named as the run's config.yaml's, so a
 * UserError says so, not a missing file of a path the user never typed.
 */
export function requireModelFolder(cfg: Pick<TrainConfig, 'model'>, what: string, where?: string): string {
  const dir = modelFolder(cfg);
  if (dir === null) throw new UserError(`${what}: the run's base model had random weights (model: {config, init: random}), so there is no model folder to load`, where);
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(`${what}: the run's base model folder ${dir} (model: in its config.yaml) is not there: put it back, or set model: to where it is now`, where);
  }
  return dir;
}

/** The model in words, for reports: its folder, or "random (CONFIG)". */
export function modelName(cfg: Pick<TrainConfig, 'model'>): string {
  if (typeof cfg.model === 'string') return cfg.model;
  return `random (${typeof cfg.model.config === 'string' ? cfg.model.config : 'inline config'})`;
}

/** Keys (dotted) whose values are paths, resolved against the config file's folder (and compared by real path on resume, run-dir.ts). */
export const PATH_KEYS: readonly string[] = ['model', 'model.config', 'data.train', 'data.val', 'data.test', 'lora.init_from', 'output_dir'];

/** Reads a YAML config, applies `--key.sub value` overrides, validates and resolves paths. */
export function loadTrainConfig(file: string | null, overrides: ReadonlyArray<[string, string]> = []): TrainConfig {
  // a caller in plain JavaScript: {max_steps: 10} or a number value was a TypeError from inside ("overrides is not iterable")
  if (file !== null) needPath('loadTrainConfig', 'file', file, 'file', 'the path of a YAML config (or null for overrides alone)');
  const pairs = 'a list of [key, value] pairs of strings, as the command line gives them: [[\'max_steps\', \'10\'], [\'lora.r\', \'16\']]';
  needArg('loadTrainConfig', 'overrides', overrides, 'array', { hint: pairs });
  overrides.forEach((o: unknown, i) => {
    if (!Array.isArray(o) || o.length !== 2 || typeof o[0] !== 'string' || typeof o[1] !== 'string') {
      throw new UserError(`overrides[${i}] is ${JSON.stringify(o) ?? String(o)}: give ${pairs} (a value is read as YAML, as --key VALUE is)`, 'loadTrainConfig');
    }
  });
  // no file: the keys are the caller's (loadTrainConfig's), not the command line's as the CLI's train says
  return readTrainConfig(file, overrides, 'loadTrainConfig').cfg;
}

/**
 * loadTrainConfig, and where each key was set: the flag that overrode it, else its file:line:column in the config
 * (else the file), so that a check made after validation (a data file that is not there) names the line too.
 * `noFile` names where the keys came from when there is no file: the CLI's flags, or a library caller.
 */
export function readTrainConfig(file: string | null, overrides: ReadonlyArray<[string, string]> = [], noFile = 'command line'):
  { cfg: TrainConfig; place: (key: string) => string; written: Record<string, string> } {
  let raw: Record<string, unknown> = {};
  let place: Place = noFile;
  let inFile: Written = () => undefined;
  let anchorOf = (_key: string): string | undefined => undefined;
  if (file) {
    const read = readYamlConfig(file);
    // no keys at all (an empty file, comments alone, `{}`): said as such, not as each required key missing
    if (Object.keys(read.mapping).length === 0 && overrides.length === 0) {
      throw new UserError('the config is empty: write at least model: (a model folder) and data: {train: FILE}', file);
    }
    raw = read.mapping;
    place = read.place;
    anchorOf = read.anchorOf;
    inFile = read.written;
    resolveFilePaths(raw, file, read.place);
  }
  // the key each override sets, and its flag: a mapping (`--optimizer '{lr: 1e-4}'`) sets its keys, as
  // --optimizer.lr would, keeping the file's others (weight_decay) rather than replacing the whole section
  // A mapping is blamed for the keys it sets, not for the file's others beside them (`--lora '{alpha: 2}'` was blamed
  // for the file's lora.r), and for a key under it the file does not write (`--model '{config: c.json}'`: model.init)
  const setBy = new Map<string, { flag: string; value: unknown }>();
  const blamed: Array<{ key: string; flag: string }> = [], under: typeof blamed = []; // the keys set first, then what is under a mapping
  const flagDocs: Array<{ key: string; doc: YAML.Document }> = [];
  for (const [key, value] of overrides) {
    const flag = `--${key}`;
    const read = parseOverride(key, value);
    if (read.doc !== null) flagDocs.push({ key, doc: read.doc });
    if (!isRecord(read.value)) blamed.push({ key, flag });
    else if (getDotted(raw, key) === undefined) under.push({ key, flag });
    for (const [leaf, parsed] of overrideLeaves(key, read.value)) {
      blamed.push({ key: leaf, flag });
      const bad = leaf.split('.').find((part) => part === '' || UNSAFE_KEYS.has(part));
      if (bad !== undefined) throw new UserError(`"${leaf}" is not a config key${bad ? ` ("${bad}" is never one)` : ''}`, flag);
      const earlier = setBy.get(leaf);
      if (earlier !== undefined && earlier.flag !== flag && JSON.stringify(earlier.value) !== JSON.stringify(parsed)) {
        throw new UserError(`${earlier.flag} and ${flag} both set ${leaf}, to ${JSON.stringify(earlier.value)} and ${JSON.stringify(parsed)}: give it once`);
      }
      setBy.set(leaf, { flag, value: parsed });
      // `--model.seed 3` where the file's model is a folder path: the mapping that replaces it is this flag's doing
      const replaced = replacedByMapping(raw, leaf);
      if (replaced !== null) blamed.push({ key: replaced, flag });
      setDotted(raw, leaf, parsed);
      if (PATH_KEYS.includes(leaf)) resolvePathKey(raw, leaf, process.cwd(), flag);
    }
  }
  blamed.push(...under);
  // what these say (the splits and classes taken from a prepare output, the splits left out) is said once the config
  // validates: a refused config's error comes alone, not after advice about a config that cannot run
  const notes: Note[] = [...followPreparedTrain(raw, [...setBy.keys()]), ...notePreparedSplitsLeftOut(raw, [...setBy.keys()], file), ...labelsFromPrepareReport(raw)];
  // a value as written: by the last flag that set it (or a mapping or list above it), else in the file
  const written: Written = (key) => {
    const by = flagDocs.findLast((o) => key === o.key || (key.startsWith(`${o.key}.`) && nodeAt(o.doc, key.slice(o.key.length + 1)).node !== undefined));
    return by === undefined ? inFile(key) : writtenAt(by.doc, key.slice(by.key.length + 1));
  };
  // the file, for a check of its paths after a library caller gives the config on (train(loadTrainConfig(file)))
  const noted = (c: TrainConfig): TrainConfig => (file ? noteConfigFile(c, file) : c);
  const cfg = noted(validate(raw, place, blamed, written, anchorOf));
  for (const note of notes) (note.warning ? warn : info)(note.text);
  const placeOfKey = keyPlace(place, blamed);
  for (const [key, text] of Object.entries(writtenTexts(cfg, written))) {
    const note = leadingZeroNote(text, getDotted(cfg as unknown as Record<string, unknown>, key));
    if (note !== null) warnOnce(keyError(key, note, placeOfKey).message);
  }
  const scheduleNote = scheduleTypeNote(cfg.schedule.type, cfg.schedule.warmup_steps);
  if (scheduleNote !== null) warnOnce(keyError('schedule.type', scheduleNote, placeOfKey).message);
  const { type, warmup_steps: warmup, ...kwargs } = cfg.schedule;
  for (const { key, note } of unusedScheduleArguments(type, warmup, kwargs)) warnOnce(keyError(`schedule.${key}`, note, placeOfKey).message);
  if (!cfg.lora.init_from) return { cfg, place: placeOfKey, written: writtenTexts(cfg, written) };
  // the adapter folder is read now (its settings win): a missing one, or its config, is named with the line that gave it
  try {
    checkConfigPaths(cfg, placeOfKey, ['lora.init_from']);
    const adopted = noted(adoptAdapterConfig(cfg, raw));
    return { cfg: adopted, place: placeOfKey, written: writtenTexts(adopted, written) };
  } catch (e) {
    const where = placeOfKey('lora.init_from');
    if (!(e instanceof UserError) || e.where === where) throw e;
    throw new UserError(where.startsWith('--') ? e.message : `lora.init_from: ${e.message}`, where);
  }
}

/** Where key path `key` was set: the flag of `overridden` that set it (or a key above or below it), else `where`'s place of it. */
function keyPlace(where: Place, overridden: ReadonlyArray<{ key: string; flag: string }>): (key: string) => string {
  return (key) => {
    const by = overridden.find((o) => key === o.key || key.startsWith(`${o.key}.`) || o.key.startsWith(`${key}.`));
    return by !== undefined ? by.flag : typeof where === 'string' ? where : where(key);
  };
}

/** The key above `leaf` whose value (a string, number or list) setting `leaf` replaces with a mapping, or null. */
function replacedByMapping(raw: Record<string, unknown>, leaf: string): string | null {
  const parts = leaf.split('.');
  for (let i = 1; i < parts.length; i++) {
    const above = parts.slice(0, i).join('.');
    const v = getDotted(raw, above);
    if (v !== undefined && v !== null && !isRecord(v)) return above;
  }
  return null;
}

/**
 * The keys an override sets: `--key VALUE` itself, or for a mapping each of its keys (nested ones by their dotted
 * path); an empty mapping sets none.
 */
function overrideLeaves(key: string, value: unknown): Array<[string, unknown]> {
  if (!isRecord(value)) return [[key, value]];
  return Object.entries(value).flatMap(([k, v]) => overrideLeaves(`${key}.${k}`, v));
}

/** A line the config's reading has to say (info, or a warning), said once the config validates. */
interface Note { text: string; warning?: boolean }

/** Names that would reach an object's prototype: never config keys, refused before any object is touched. */
const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * `--data.train DIR/train.jsonl` where DIR is a prepare output (it has report.json): that folder's
 * val.jsonl and test.jsonl replace the file's data.val and data.test, unless those are overridden too,
 * so that the splits of one prepare run stay together. Its lines are returned, to be logged once the config validates.
 */
function followPreparedTrain(raw: Record<string, unknown>, overridden: readonly string[]): Note[] {
  const train = getDotted(raw, 'data.train');
  if (!overridden.includes('data.train') || typeof train !== 'string' || path.basename(train) !== 'train.jsonl') return [];
  const report = prepareReportBeside(train);
  if (report === null || 'error' in report) return [];
  const dir = path.dirname(train), notes: Note[] = [];
  for (const split of ['val', 'test']) {
    const key = `data.${split}`;
    const sibling = path.join(dir, `${split}.jsonl`);
    if (overridden.includes(key) || !fs.existsSync(sibling) || getDotted(raw, key) === sibling) continue;
    if (report.splits[split as 'val' | 'test'] === 0) {
      // prepare --split 1,0,0 writes it empty: no split of this data to evaluate, not a file to refuse as empty
      setDotted(raw, key, null);
      notes.push({ text: `${key}: none (the prepare output of --data.train has no ${split} records; give --${key} to choose a file)` });
      continue;
    }
    setDotted(raw, key, sibling);
    notes.push({ text: `${key}: ${sibling} (the prepare output of --data.train; give --${key} to choose another)` });
  }
  return notes;
}

/**
 * A config file whose data.train is a prepare output's train.jsonl but that does not write data.val or data.test (absent,
 * not null): the run would evaluate nothing (no val loss, best/ or early stopping) or score no test split, without a word,
 * while the splits prepare made for it sit beside data.train (given as --data.train they come along: followPreparedTrain).
 * One warning naming the lines to add, returned (said once the config validates); `null` says none is wanted and silences it.
 */
function notePreparedSplitsLeftOut(raw: Record<string, unknown>, overridden: readonly string[], file: string | null): Note[] {
  const train = getDotted(raw, 'data.train');
  if (file === null || overridden.includes('data.train') || typeof train !== 'string' || path.basename(train) !== 'train.jsonl') return [];
  const report = prepareReportBeside(train);
  if (report === null || 'error' in report) return [];
  const beside = (split: 'val' | 'test') => path.join(path.dirname(train), `${split}.jsonl`);
  const left = (['val', 'test'] as const).filter((split) => getDotted(raw, `data.${split}`) === undefined && (report.splits[split] ?? 0) > 0 && fs.existsSync(beside(split)));
  if (left.length === 0) return [];
  const lost = left.map((split) => (split === 'val' ? 'nothing is evaluated during training (no val loss, best/ or early stopping)' : 'no test split is scored at the end'));
  const lines = left.map((split) => `data.${split}: ${path.relative(path.dirname(file), beside(split)) || beside(split)}`);
  return [{ warning: true, text: `${left.map((split) => `data.${split}`).join(' and ')} ${left.length === 1 ? 'is' : 'are'} not set, so ${lost.join(' and ')}, though the prepare output of ` +
    `data.train has ${left.map((split) => `${split}.jsonl (${counted(report.splits[split] ?? 0, 'record')})`).join(' and ')}: add ${lines.map((l) => `"${l}"`).join(' and ')} ` +
    `under data: in ${path.basename(file)} to use ${left.length === 1 ? 'it' : 'them'}, or null to say none` }];
}

/**
 * `task: classification` without `labels`: the class list of the prepare report.json beside data.train (the
 * classes in index order, as the prepared files' labels refer to them). Its log line is returned; without such a report the
 * labels stay missing and validate asks for them.
 */
function labelsFromPrepareReport(raw: Record<string, unknown>): Note[] {
  const train = getDotted(raw, 'data.train');
  const given = getDotted(raw, 'labels');
  if (getDotted(raw, 'task') !== 'classification' || (given !== undefined && given !== null) || typeof train !== 'string') return [];
  const report = prepareReportBeside(train);
  if (report === null) return [];
  if ('error' in report) throw new UserError(`cannot read the class list: ${report.error}`, report.file);
  const labels = report.labels;
  if (labels === null || !labels.every((l) => typeof l === 'string' || Number.isSafeInteger(l))) return [];
  reportClassNames(report); // a name that is no class refused at report.json, where it came from, not at the config
  // and too few classes: the config writes no labels, and the line saying where they came from waits for it to validate
  if (labels.length < 2) {
    throw new UserError(`"labels": ${labels.length} class${labels.length === 1 ? '' : 'es'}${labels.length > 0 ? ` (${labels.map((l) => JSON.stringify(String(l))).join(', ')})` : ''}: ` +
      'classification needs at least 2 (the data prepare kept has fewer); give labels in the config to choose the classes', report.file);
  }
  setDotted(raw, 'labels', labels.map(String));
  return [{ text: `labels: ${labels.length} classes from ${report.file} (the prepare report beside data.train); give labels to choose others` }];
}

/**
 * lora.init_from: the adapter's own r, alpha, target_modules, dropout, rsLoRA and DoRA settings win (as PeftModel.from_pretrained
 * trains with them); any of them given explicitly in the config that disagrees with the adapter is an error, not dropped unsaid.
 */
function adoptAdapterConfig(cfg: TrainConfig, raw: Record<string, unknown>): TrainConfig {
  const file = adapterConfigPath(cfg.lora.init_from!, `to train on from it, set it as model: ${cfg.lora.init_from} instead (lora.init_from takes a PEFT adapter)`);
  const parsed = readJsonFile(file);
  if (!isRecord(parsed)) throw new UserError('lora.init_from: the adapter config is not a JSON object', file);
  const a = parsed;
  // the projections the adapter's target_modules name: "q_proj", or a module by its full name (an adapter that
  // covers part of the model, as saveAdapter writes it), "model.layers.3.self_attn.q_proj"
  // (an entry that is none, "lm_head", is refused here as the adapter loader refuses it, naming adapter_config.json's key)
  const projection = (m: unknown): string => {
    const p = PROJECTIONS.find((q) => m === q || String(m).endsWith(`.${q}`));
    if (p === undefined) throw new UserError(`target_modules: ${namesNoProjection(String(m))}`, file);
    return p;
  };
  // none (absent or null) is PEFT's default for Mistral (and Llama), q_proj and v_proj, as the adapter loader reads it (it was recorded
  // and planned as lora.target_modules' default, all 7, and an explicit [q_proj, v_proj] was refused as "undefined");
  // "all-linear" is the 7 projections; a regular expression (any other string) selects modules by their full names:
  // its projections are those the tensors adapt
  // PEFT has none for a Ministral base (peftDefaultTargets): it refuses the adapter, as loading it here does
  const base = modelFolder(cfg);
  if ((a.target_modules ?? null) === null && base !== null && familyOfFolder(base) === 'Ministral') throw new UserError(noDefaultTargets('ministral'), file);
  const declared = a.target_modules ?? MISTRAL_DEFAULT_TARGETS;
  const projections = Array.isArray(declared) ? [...new Set((declared as unknown[]).map(projection))].sort()
    : declared === ALL_LINEAR ? [...PROJECTIONS].sort()
    : typeof declared === 'string' ? adaptedProjectionsBy(cfg.lora.init_from!) : null;
  // PEFT's LoraConfig defaults where the adapter leaves a key out (r 8, lora_alpha 8, lora_dropout 0), as the adapter
  // loader reads it and training scales by it; a value of the wrong type is left for that loader to refuse
  const theirs = {
    r: a.r ?? 8, alpha: a.lora_alpha ?? 8, target_modules: projections ?? a.target_modules, use_dora: a.use_dora === true,
    dropout: typeof a.lora_dropout === 'number' ? a.lora_dropout : 0, use_rslora: a.use_rslora === true,
  };
  for (const [key, value] of Object.entries(theirs)) {
    const given = getDotted(raw, `lora.${key}`);
    if (given === undefined) continue;
    const list = key === 'target_modules' && given === ALL_LINEAR ? [...PROJECTIONS] : given;
    const ours = key === 'target_modules' && Array.isArray(list) ? [...(list as string[])].sort() : list;
    if (JSON.stringify(ours) !== JSON.stringify(value)) {
      throw new UserError(`lora.${key} is ${JSON.stringify(given)} but the adapter in lora.init_from has ${JSON.stringify(value)}: remove lora.${key} (the adapter's config wins)`, file);
    }
  }
  const merged = {
    ...cfg.lora,
    r: typeof theirs.r === 'number' ? theirs.r : cfg.lora.r,
    alpha: typeof theirs.alpha === 'number' ? theirs.alpha : cfg.lora.alpha,
    dropout: theirs.dropout,
    use_rslora: theirs.use_rslora,
    use_dora: theirs.use_dora,
    target_modules: projections ?? cfg.lora.target_modules,
  };
  return validate({ ...cfg, lora: merged }, file);
}

/**
 * The path keys of `raw`, read from the YAML config `file`, made absolute from the file's folder (`place`: where each key
 * was set). `orFromCwd`: a path missing there but found from the current folder is taken from it (a run's config.yaml
 * that a quickstart of before 2026-12-03 wrote relative to the folder it ran in).
 */
export function resolveFilePaths(raw: Record<string, unknown>, file: string, place: (key: string) => string, orFromCwd = false): void {
  const base = path.dirname(path.resolve(file));
  for (const key of PATH_KEYS) resolvePathKey(raw, key, base, place(key), orFromCwd);
}

/** A path key's value read from `base` (the config's folder, or the cwd for a flag); `where` is blamed for a `~` or `$HOME` in it. */
function resolvePathKey(raw: Record<string, unknown>, key: string, base: string, where: string, orFromCwd = false): void {
  const v = getDotted(raw, key);
  if (typeof v !== 'string' || v.length === 0) return;
  const unexpanded = unexpandedPath(v, base);
  if (unexpanded !== null) throw keyError(key, unexpanded, () => where);
  const resolved = path.resolve(base, v);
  setDotted(raw, key, orFromCwd && !fs.existsSync(resolved) && fs.existsSync(path.resolve(v)) ? path.resolve(v) : resolved);
}

/** Own properties only: a key path never walks into a prototype. */
function getDotted(obj: Record<string, unknown>, key: string): unknown {
  let cur: unknown = obj;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Sets own data properties (defineProperty: even a key named __proto__ could not reach the prototype). */
function setDotted(obj: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  const own = (o: Record<string, unknown>, k: string, v: unknown): void => {
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  };
  let cur = obj;
  for (const part of parts.slice(0, -1)) {
    const next = Object.hasOwn(cur, part) ? cur[part] : undefined;
    if (typeof next !== 'object' || next === null || Array.isArray(next)) own(cur, part, {});
    cur = cur[part] as Record<string, unknown>;
  }
  own(cur, parts[parts.length - 1]!, value);
}

/**
 * Validates with the schema; errors name the key path, with a did-you-mean for unknown keys, and are
 * blamed on the override flag (`--lora.r`) that set the key, else on `where` (the file, or the key's file:line:column).
 * `anchorOf`: the anchor of a key's value that an alias repeats (config-yaml.ts), for an unknown key kept for it.
 */
export function validate(raw: unknown, where: Place = 'config', overridden: ReadonlyArray<{ key: string; flag: string }> = [], written: Written = () => undefined,
  anchorOf: (key: string) => string | undefined = () => undefined): TrainConfig {
  const blame = keyPlace(where, overridden);
  const r = TrainConfigSchema.safeParse(withEmptySections(raw), { error: configIssueText });
  if (!r.success) {
    const found = r.error.issues.flatMap(unionBranch).flatMap((issue) => {
      const at = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((k) => {
          const full = at ? `${at}.${k}` : k;
          // a top-level key kept for its anchor alone (`x-lr: &lr 2e-4` above `lr: *lr`): no misspelt key to suggest for
          const anchor = at === '' ? anchorOf(full) : undefined;
          if (anchor !== undefined) {
            return { key: full, text: `unknown key "${full}": it holds the anchor &${anchor}, and every key of a config is read as a setting: ` +
              `put &${anchor} on the first value that *${anchor} repeats (key: &${anchor} VALUE) and leave "${full}" out` };
          }
          const valueAt = (key: string): unknown => getDotted(raw as Record<string, unknown>, key);
          return { key: full, text: unknownKeyText(full, k, issue.path.map(String), valueAt(full), written(full),
            typeof where === 'function' ? valueAt : undefined, blame(full).startsWith('--')) };
        });
      }
      const value = getDotted(raw as Record<string, unknown>, at);
      // a required key left out: zod's "expected string, received undefined" says what it is instead
      if (value === undefined && ['invalid_type', 'invalid_value', 'invalid_union'].includes(issue.code)) return [{ key: at, text: `${at}: missing (${schemaAt(at.split('.'))?.description ?? issue.message})` }];
      const typed = written(at);
      return [{ key: at, text: `${at || '(root)'}: ${asWritten(issue.message, issue.code, value, typed)}${valueHint(at, value, typed, overridden.some((o) => o.key === at))}` }];
    });
    // `--batch_size 0`: the flag names the key, so its text goes without the key again (as keyError says it); a key
    // below the flag's (`--optimizer '{lr: -1}'`, `--lora.target_modules '[q_proj, vproj]'`) is named from the flag's
    // on (`lr`, `[1]`), not by its whole path, which would say the flag's key twice
    const bare = (f: { key: string; text: string }): string => {
      const flag = blame(f.key);
      if (!flag.startsWith('--') || !f.text.startsWith(`${f.key}: `)) return f.text;
      const above = flag.slice(2);
      if (f.key === above) return f.text.slice(f.key.length + 2);
      if (!f.key.startsWith(`${above}.`)) return f.text;
      const below = f.key.slice(above.length + 1).split('.').map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
      return `${below}${f.text.slice(f.key.length)}`;
    };
    const first = blame(found[0]!.key);
    const messages = found.map((f) => (blame(f.key) === first ? bare(f) : `${blame(f.key)}: ${bare(f)}`));
    throw new UserError(messages.join('; '), first);
  }
  const cfg = r.data;
  if (cfg.task === 'classification' && !cfg.labels) {
    throw keyError('labels', 'classification needs the list of class names (or data.train from mistral-tune prepare, whose report.json beside it has them)', blame);
  }
  // keyError: `--group_by_length true` (or `--labels null`) names the key once (was "--group_by_length: group_by_length: needs …")
  if (cfg.group_by_length && !cfg.shuffle) throw keyError('group_by_length', 'needs shuffle: true (file order has no grouping)', blame);
  if (cfg.lora.init_from && cfg.method !== 'lora') {
    throw keyError('lora.init_from', `continues a LoRA adapter, so it needs method: lora (method: ${cfg.method} trains every weight of the model)`, blame);
  }
  if (cfg.labels) checkClassNames(cfg.labels, blame);
  validated.set(cfg, configJson(cfg) ?? '');
  return cfg;
}

/**
 * The configs validate() returned, each with its JSON then: train() validates any other object it is given (a plain object,
 * a spread copy) and one changed since (a library caller's `cfg.max_steps = -5` trained 0 steps, `cfg.learning_rate = 1` was ignored).
 */
const validated = new WeakMap<object, string>();

/**
 * `cfg`'s JSON, as validated sees a change: a number JSON cannot write (NaN, ±Infinity, which JSON.stringify writes as
 * null, a default's value) or a BigInt as a string of its own (no validated config holds one); null where it cannot be
 * written (a cycle), which no validated config's JSON is.
 */
function configJson(cfg: object): string | null {
  try {
    return JSON.stringify(cfg, (_k, v: unknown) =>
      typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v)) ? `\u0000${typeof v} ${String(v)}` : v);
  } catch {
    return null;
  }
}

/** `cfg` as validate() returned it, or validated now (a library user's plain object, or a validated one changed: its defaults filled, its errors named). */
export function validatedConfig(cfg: object, where: Place): TrainConfig {
  const json = configJson(cfg);
  if (json !== null && validated.get(cfg) === json) return cfg as TrainConfig;
  return validate(cfg, where);
}

/** Each class name as the data's labels are read (readClassNames): one that is no class, or one that is an earlier one, is refused at its line. */
function checkClassNames(labels: readonly string[], blame: (key: string) => string): void {
  const r = readClassNames(labels);
  if ('problem' in r) throw keyError(`labels.${r.at}`, r.problem, blame);
}

/**
 * `raw` with a section left empty in YAML (`lora:` with every key under it commented out, which YAML reads as null)
 * as an empty mapping: its keys take their defaults, as when the section is left out.
 */
function withEmptySections(raw: unknown): unknown {
  if (!isRecord(raw)) return raw;
  const sections = Object.keys(raw).filter((k) => raw[k] === null && !(schemaAt([k]) instanceof z.ZodUnion) && objectShape(schemaAt([k]) ?? z.never()) !== null);
  return sections.length === 0 ? raw : { ...raw, ...Object.fromEntries(sections.map((k) => [k, {}])) };
}

/**
 * An invalid_union issue as the issues of the branch the value was meant for (the one whose type it has,
 * e.g. the mapping of `model: {config, init}`), with full paths, so that its keys get a did-you-mean;
 * the union's own message when no branch or several match.
 */
function unionBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (issue.code !== 'invalid_union') return [issue];
  const typed = issue.errors.filter((branch) => !(branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0));
  if (typed.length !== 1) return [issue];
  return typed[0]!.map((sub) => ({ ...sub, path: [...issue.path, ...sub.path] })).flatMap(unionBranch);
}

/** The resolved config as YAML, for the run directory. */
export function configToYaml(cfg: TrainConfig): string {
  return YAML.stringify(cfg);
}
