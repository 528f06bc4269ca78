// Which compiled variant of a kernel a call runs (bf16, f32 or f64 storage) and which of its buffers must
// be staged through a converted copy first. A call's buffers may mix dtypes (bf16 activations with f32
// LoRA factors, an f64 step scalar beside f32 gradients); the rule only ever widens, so a staged input is
// exact and an output is rounded once on its way back — the CPU backend's bf16 staging, on the device.
import type { DType } from '../dtype.ts';
import type { Storage } from './kernel-source.ts';
import type { KernelParam } from './kernel-table.ts';

export interface StagingPlan {
  variant: Storage;
  /** Per parameter: the dtype to stage that buffer to, or null (as is, or not a buffer, or null). */
  stage: Array<DType | null>;
}

/** f64 if any store/exact buffer is f64; else f32 if any store buffer is f32 or f16; else bf16 if any is bf16; else f32. */
export function chooseVariant(params: KernelParam[], dtypes: ReadonlyArray<DType | null>): Storage {
  let variant: Storage | null = null;
  params.forEach((p, i) => {
    const d = dtypes[i];
    if (p.kind !== 'buffer' || !d || (p.code !== 'S' && p.code !== 'E')) return;
    if (d === 'f64') variant = 'f64';
    else if (p.code === 'S' && (d === 'f32' || d === 'f16') && variant !== 'f64') variant = 'f32';
    else if (p.code === 'S' && d === 'bf16' && variant === null) variant = 'bf16';
  });
  return variant ?? 'f32';
}

/** The dtype a buffer parameter has in a variant (null = any: a void* with its type code). */
export function expectedDType(code: 'S' | 'E' | 'I' | 'D' | 'V', variant: Storage): DType | null {
  switch (code) {
    case 'S': return variant;
    case 'E': return variant === 'f64' ? 'f64' : 'f32';
    case 'I': return 'i32';
    case 'D': return 'f64';
    case 'V': return null;
  }
}

/** The plan for a call whose buffer arguments have `dtypes` (null for a null buffer or a scalar). */
export function planStaging(kernel: string, params: KernelParam[], dtypes: ReadonlyArray<DType | null>): StagingPlan {
  const variant = chooseVariant(params, dtypes);
  const stage = params.map((p, i): DType | null => {
    const d = dtypes[i];
    if (p.kind !== 'buffer' || !d) return null;
    const want = expectedDType(p.code, variant);
    if (want === null || want === d) return null;
    if (p.code === 'I' || p.code === 'D') throw new Error(`${kernel}: argument ${i} must be ${want}, not ${d}`);
    return want;
  });
  return { variant, stage };
}
