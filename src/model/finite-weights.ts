// The load's guard against a damaged checkpoint: a base weight holding a NaN or an infinity would reach every logit
// and loss (transformers loads it as it is, and eval, train and generate would then stop on a NaN without saying
// where it came from), so it is refused as it loads, naming the tensor, its file and the first bad element. One
// double-precision sum of squares on the backend per tensor and a scalar's download (at load only, never in a step);
// the host copy is searched only when that sum is not finite. And the same search of a safetensors file or folder read
// on the host (firstNonFiniteTensor): an export's copy of a run's weights, --resume's check of best/.
import type { Backend, DeviceBuffer } from '../backend/backend.ts';
import type { HostData } from '../backend/dtype.ts';
import { UserError } from '../util/errors.ts';
import { firstNonFiniteIndex } from '../util/finite.ts';
import { isFloatDType, type SafetensorsFile } from './safetensors.ts';

/** Checks uploaded tensors with one scratch scalar; `free` releases it. */
export class FiniteWeights {
  private readonly scratch: DeviceBuffer;
  constructor(private readonly backend: Backend) {
    this.scratch = backend.alloc('f32', 1);
  }

  /** Throws a UserError when `buf` (uploaded from `host`, of `shape`) holds a NaN or an infinity. */
  require(buf: DeviceBuffer, host: HostData, shape: readonly number[], name: string, file: string): void {
    this.backend.sumSquares(this.scratch, buf, buf.length);
    if (Number.isFinite(this.backend.download(this.scratch)[0])) return;
    // not finite: a bad value, or finite ones whose sum overflows f32 (then there is nothing to refuse); or a finite f32
    // value past the buffer's range (3.4e38 is Infinity in bf16), which only the buffer holds: searched there
    const bad = firstNonFinite(host);
    const loaded = bad === null && buf.dtype !== host.dtype ? this.backend.download(buf) : null;
    const narrowed = loaded === null ? -1 : firstNonFiniteIndex(loaded);
    if (narrowed >= 0) {
      throw new UserError(`tensor "${name}" holds ${host.data[narrowed]} at [${unravel(narrowed, shape).join(', ')}], past the range of ` +
        `${buf.dtype} (it loads as ${loaded![narrowed]}): the checkpoint is damaged (or was saved from a diverged run), and every output of the model would be NaN`, file);
    }
    if (!bad) return;
    throw new UserError(`tensor "${name}" holds ${bad.value} at [${unravel(bad.index, shape).join(', ')}]: ` +
      'the checkpoint is damaged (or was saved from a diverged run), and every output of the model would be NaN', file);
  }

  free(): void {
    this.backend.free(this.scratch);
  }
}

/** The first NaN or infinity in `host` (bf16 / f16 as their bits), or null. */
export function firstNonFinite(host: HostData): { index: number; value: string } | null {
  const { data } = host;
  if (host.dtype === 'bf16' || host.dtype === 'f16') {
    const [exponent, mantissa] = host.dtype === 'bf16' ? [0x7f80, 0x007f] : [0x7c00, 0x03ff];
    for (let i = 0; i < data.length; i++) {
      const bits = data[i]!;
      if ((bits & exponent) === exponent) return { index: i, value: bits & mantissa ? 'NaN' : bits & 0x8000 ? '-Infinity' : 'Infinity' };
    }
    return null;
  }
  const i = firstNonFiniteIndex(data);
  return i < 0 ? null : { index: i, value: String(data[i]) };
}

/** The row-major coordinates of flat `index` in `shape`. */
function unravel(index: number, shape: readonly number[]): number[] {
  const at: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(index % shape[d]!);
    index = Math.floor(index / shape[d]!);
  }
  return at;
}

/** A safetensors file or a model folder's checkpoint (SafetensorsCheckpoint), read tensor by tensor. */
export type TensorReader = Pick<SafetensorsFile, 'names' | 'info' | 'readF32'>;

/** The first floating tensor of `st` holding a NaN or an infinity (in file order): its name, the index and value; null when none. */
export function firstNonFiniteTensor(st: TensorReader): { name: string; index: number; value: number } | null {
  for (const name of st.names()) {
    if (!isFloatDType(st.info(name).dtype)) continue;
    const data = st.readF32(name);
    const index = firstNonFiniteIndex(data);
    if (index >= 0) return { name, index, value: data[index]! };
  }
  return null;
}
