// What a checkpoint of a LoRA run records of the base model under its adapter: a hash of every weight tensor's name,
// type and shape and of its first bytes. A resume compares it with the model at `model:` now: an adapter trained
// so far over one set of base weights and continued over another (a model folder replaced by a fine-tuned or merged
// copy of the same shape) would learn a correction to weights it never saw. The first bytes of each tensor (4 KiB)
// tell different weights apart (training changes every value of a matrix it touches) while reading a few MB of a 7B
// model's 14 GB, not all of it. A finished run's report.json records it too (base_fingerprint): eval, generate,
// classify and export of the run's adapter warn when the base it is applied to holds other weights, and so they do
// for any PEFT adapter whose adapter_config.json names another base (warnIfNotTrainedOn).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readConfigJson } from '../util/config-json.ts';
import { SafetensorsCheckpoint } from '../model/safetensors-checkpoint.ts';
import { RUN_LAYOUT, runOfCheckpoint, runPath } from '../run/layout.ts';
import { adapterBaseName } from '../util/adapter-base.ts';
import { UserError } from '../util/errors.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { saidOnce, warnOnce } from '../util/log.ts';

/** Bytes of each tensor's data that the hash reads. */
const SAMPLE_BYTES = 4096;

/** The fingerprint of the weights in model folder `dir` (hex, first 16 characters of a SHA-256). */
export function modelFingerprint(dir: string): string {
  const ckpt = SafetensorsCheckpoint.open(dir);
  try {
    const h = createHash('sha256');
    for (const name of ckpt.names().sort()) {
      const info = ckpt.info(name);
      h.update(`${name}\0${info.dtype}\0${info.shape.join(',')}\0`);
      h.update(ckpt.fileOf(name).readBytes(name, SAMPLE_BYTES));
    }
    return h.digest('hex').slice(0, 16);
  } finally {
    ckpt.close();
  }
}

/**
 * Warns, once per adapter and base, in one line naming both, when the PEFT adapter folder `adapter` is applied to a
 * base model folder `base` (whose shapes fit it: loadAdapter refuses others) that is not the one it was trained on:
 * - an adapter of one of our runs (RUN/adapter, RUN/best) whose report.json recorded the base's fingerprint: `base`
 *   has another;
 * - else adapter_config.json's base_model_name_or_path: a model folder here (our runs write its path) holding other
 *   weights than `base`, or a name (a hub id such as mistralai/Mistral-7B-v0.1) that is not `base`'s folder name
 *   nor the name in its config.json (`_name_or_path`).
 * An adapter that names no base (null) and has no recorded fingerprint is not checked.
 */
export function warnIfNotTrainedOn(adapter: string, base: string): void {
  // once an adapter and base: a command may resolve its adapter more than once
  const key = `not trained on\0${path.resolve(adapter)}\0${path.resolve(base)}`;
  if (saidOnce(key) || !fs.existsSync(path.join(base, 'config.json'))) return; // no model there: its loader says so
  const why = otherBase(adapter, base);
  if (why === null) return;
  warnOnce(key, why.byName
    ? `${why.text}: if it is not the model the adapter was trained on, the adapter corrects weights it never saw (a folder of another name holding that model is fine)`
    : `${why.text}: the adapter corrects weights it never saw; give it the base it was trained on (--model), or the run (--run)`);
}

/** Why `base` is not the base `adapter` was trained on (byName: only its name says so), or null when it is (or nothing says). */
function otherBase(adapter: string, base: string): { text: string; byName: boolean } | null {
  const run = runOfAdapter(path.resolve(adapter));
  const then = run === null ? null : recordedFingerprint(run);
  if (then !== null) {
    // a base of config.json alone (a GGUF adapter export reads no weight) has nothing to compare; a command that loads
    // weights says they are missing
    const now = fingerprintOrNull(base);
    return now === null || now === then ? null : { text: `${run}: the base model ${base} holds other weights than the run's adapter was trained over (fingerprint ${then} then, ${now} now)`, byName: false };
  }
  const named = adapterBaseName(adapter);
  if (named === null) return null;
  const where = `${adapter}: adapter_config.json's base_model_name_or_path is ${named}`;
  if (fs.existsSync(path.join(named, 'config.json'))) {
    if (path.resolve(named) === path.resolve(base)) return null;
    const a = fingerprintOrNull(named), b = fingerprintOrNull(base);
    return a === null || b === null || a === b ? null : { text: `${where}, whose weights are not those of the base model it is applied to, ${base} (fingerprint ${a}, ${b})`, byName: false };
  }
  const names = [base, configName(base)].filter((n): n is string => n !== null).map(lastName);
  return names.includes(lastName(named)) ? null : { text: `${where}, and the base model it is applied to is ${base}, which is not named so`, byName: true };
}

/** The run folder whose adapter `abs` is: RUN/adapter, RUN/best, or one of its checkpoints (RUN/checkpoints/step-N); null for another folder. */
function runOfAdapter(abs: string): string | null {
  const name = path.basename(abs);
  return name === RUN_LAYOUT.adapter || name === RUN_LAYOUT.best ? path.dirname(abs) : runOfCheckpoint(abs);
}

/** The base fingerprint report.json of run `run` recorded at the end of training, or null (no report, an older run). */
function recordedFingerprint(run: string): string | null {
  const file = runPath(run, 'report');
  if (!fs.existsSync(file)) return null;
  const report = readJsonFile(file);
  return isRecord(report) && typeof report.base_fingerprint === 'string' ? report.base_fingerprint : null;
}

/** config.json's `_name_or_path` of model folder `dir` (HF writes the hub id there), or null. */
function configName(dir: string): string | null {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return null;
  const c = readConfigJson(file);
  return isRecord(c) && typeof c._name_or_path === 'string' && c._name_or_path !== '' ? c._name_or_path : null;
}

/** A model's last name, as folders and hub ids end: `mistralai/Mistral-7B-v0.1/` and `/models/mistral-7b-v0.1` are one. */
function lastName(name: string): string {
  return path.basename(path.resolve(name.replace(/[\\/]+$/, ''))).toLowerCase();
}

function fingerprintOrNull(dir: string): string | null {
  try {
    return modelFingerprint(dir);
  } catch (e) {
    if (e instanceof UserError) return null; // no weights to compare (a folder holding only config.json)
    throw e;
  }
}
