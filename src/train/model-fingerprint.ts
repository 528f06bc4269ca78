// What a checkpoint of a LoRA run records of the base model under its adapter: a hash of every weight tensor's name,
// type and shape and of its first bytes. A resume compares it with the model at `model:` now: an adapter trained
// so far over one set of base weights and continued over another (a model folder replaced by a fine-tuned or merged
// copy of the same shape) would learn a correction to weights it never saw. The first bytes of each tensor (4 KiB)
// tell different weights apart (training changes every value of a matrix it touches) while reading a few MB of a 7B
// model's 14 GB, not all of it.
import { createHash } from 'node:crypto';
import { SafetensorsCheckpoint } from '../model/safetensors.ts';

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
