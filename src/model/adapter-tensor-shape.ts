// The check of an adapter tensor's shape against the one its base model gives it (from the safetensors header, before
// anything is read): one message for loading the adapter and for exporting it as a GGUF adapter file, naming the base
// model folder the expected shape comes from where the caller knows it.
import { UserError } from '../util/errors.ts';
import type { SafetensorsFile } from './safetensors.ts';

/** Tensor `name` of `st` is there, of `shape`; `baseDir`, where known, is the base model folder that shape is from. */
export function requireAdapterTensorShape(st: SafetensorsFile, name: string, shape: readonly number[], baseDir?: string | null): void {
  if (!st.has(name)) throw new UserError(`tensor "${name}" is missing`, st.file);
  const got = st.info(name).shape;
  if (got.length !== shape.length || got.some((s, i) => s !== shape[i])) {
    const from = baseDir ? ` from the base model at ${baseDir}` : '';
    throw new UserError(`tensor "${name}" has shape [${got.join(', ')}], expected [${shape.join(', ')}]${from}`, st.file);
  }
}
