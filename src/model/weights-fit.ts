// A model folder's weights fit the device before a weight is read: eval, generate, classify and export load whole
// models, and a Mistral 7B in fp32 (the CPU's default precision) takes 27 GiB — more than many machines' RAM, where
// the load ran for a minute and the kernel's OOM killer then ended the process without a word ("Killed"). train says
// the same of its whole plan before loading (fit-check.ts, checkModelFits).
import type { Backend } from '../backend/backend.ts';
import { deviceTarget, usableBytes, usableWords } from '../backend/capacity.ts';
import { DTYPE_BYTES, type DType } from '../backend/dtype.ts';
import { gib } from '../util/byte-size.ts';
import { UserError } from '../util/errors.ts';
import { parameterCount, type MistralConfig } from './config.ts';
import { numel } from './safetensors.ts';

/** A checkpoint's tensor names and shapes (its headers: SafetensorsCheckpoint). */
export interface TensorShapes { names(): string[]; info(name: string): { shape: readonly number[] } }

/**
 * Throws a UserError when the weights `ckpt` loads for `cfg` in `storage` take more than the device holds: the host's
 * RAM on the CPU, the GPU's memory less the CUDA context's on CUDA (where the backend knows it; capacity.ts). The elements counted are the fewer of the
 * config's parameters and the checkpoint's tensors (a config that names more layers than the files hold fails on the
 * first missing tensor, as before; a file's extra tensors are not loaded).
 */
export function requireWeightsFit(backend: Pick<Backend, 'name'>, cfg: MistralConfig, ckpt: TensorShapes,
  storage: DType, dir: string): void {
  const target = deviceTarget(backend);
  const capacity = usableBytes(target);
  if (capacity === null) return;
  const elements = Math.min(parameterCount(cfg), tensorElements(ckpt));
  const need = elements * DTYPE_BYTES[storage];
  if (need <= capacity) return;
  const half = elements * DTYPE_BYTES.bf16;
  const advice = storage !== 'bf16' && half <= capacity
    ? `load it in bf16 (--precision bf16; ${gib(half)}), which stores the weights in half`
    : backend.name === 'cpu' ? 'a machine with more memory, or a GPU (--device cuda)' : 'a GPU with more memory';
  throw new UserError(`the model's weights in ${storage} take ${gib(need)}, more than ${usableWords(target)} (${gib(capacity)}): ${advice}`, dir);
}

/** How many numbers a checkpoint holds (its tensors' elements), from its headers. */
export function tensorElements(ckpt: TensorShapes): number {
  return ckpt.names().reduce((sum, n) => sum + numel(ckpt.info(n).shape), 0);
}
