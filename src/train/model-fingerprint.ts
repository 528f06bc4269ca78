// What a checkpoint of a LoRA run records of the base model under its adapter: a hash of every weight tensor's name,
// type and shape and of its first bytes. A resume compares it with the model at `model:` now: an adapter trained
// so far over one set of base weights and continued over another (a model folder replaced by a fine-tuned or merged
// copy of the same shape) would learn a correction to weights it never saw. The first bytes of each tensor (4 KiB)
// tell different weights apart (training changes every value of a matrix it touches) while reading a few MB of a 7B
// model's 14 GB, not all of it. A finished run's report.json records it too (base_fingerprint): eval, generate,
// classify and export of the run warn when the base folder now holds other weights.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsCheckpoint } from '../model/safetensors.ts';
import { runPath } from '../run/layout.ts';
import { isRecord, readJsonFile } from '../util/json-file.ts';
import { warn } from '../util/log.ts';

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

/** Runs already warned of (a command may resolve its run more than once). */
const warnedRuns = new Set<string>();

/**
 * Warns, once per run, when the base model folder `base` under run `run`'s adapter holds other weights than its
 * report.json recorded at the end of training (runs without the record, older or unfinished, are not checked).
 */
export function warnIfBaseChanged(run: string, base: string): void {
  const key = path.resolve(run);
  if (warnedRuns.has(key)) return;
  const file = runPath(run, 'report');
  if (!fs.existsSync(file)) return;
  const report = readJsonFile(file);
  const then = isRecord(report) && typeof report.base_fingerprint === 'string' ? report.base_fingerprint : null;
  if (then === null) return;
  const now = modelFingerprint(base);
  if (now === then) return;
  warnedRuns.add(key);
  warn(`${run}: the base model ${base} holds other weights than the run's adapter was trained over (fingerprint ${then} then, ${now} now): ` +
    'the adapter corrects weights it never saw; put that model back, or give the one it was trained on with --model and --adapter');
}
