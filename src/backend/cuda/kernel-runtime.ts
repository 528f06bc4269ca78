// Runs the kernels of kernel-table.ts: compiles each module (.cu) once per storage variant through NVRTC
// and the disk cache for the device's architecture, loads it, and launches a kernel on the backend's one
// stream — staging any buffer whose dtype the variant does not take through a converted copy (staging.ts)
// and converting written ones back. Arguments follow the table: CudaBuffer | null for buffers, numbers
// (bigint for 64-bit integers) for scalars.
import type { DType } from '../dtype.ts';
import { CudaError } from './check.ts';
import type { CudaBuffer } from './cuda-buffer.ts';
import type { CudaDriver, Handle } from './driver.ts';
import { f32, f64, i32, i64, ptr, u32, type KernelArg } from './kernel-args.ts';
import type { KernelCache } from './kernel-cache.ts';
import { compileRequest, type Storage } from './kernel-source.ts';
import { DTYPE_CODE, KERNELS, type KernelName, type KernelParam } from './kernel-table.ts';
import { DEFAULT_SHARED_LIMIT, elementwise, type Launch } from './launch.ts';
import { planStaging } from './staging.ts';

/** An argument: a buffer, a scalar, or a scalar that depends on the variant the call runs (the attention kernels' tile). */
export type KernelValue = CudaBuffer | null | number | bigint | ((variant: Storage) => number);
/** A launch, or one computed for the variant the call runs (the attention kernels' shared memory and tile). */
export type Geometry = Launch | ((variant: Storage) => Launch);


export interface RuntimeDeps {
  /** blocksPerSM: the occupancy query (absent on stand-ins that cannot answer it). */
  driver: Pick<CudaDriver, 'moduleLoad' | 'moduleUnload' | 'getFunction' | 'setMaxDynamicShared' | 'launch'> & Partial<Pick<CudaDriver, 'blocksPerSM'>>;
  stream: Handle;
  cache: Pick<KernelCache, 'get'>;
  arch: string;
  cudaInclude: string;
  /** Temporary buffers for staging (from the caching allocator). */
  alloc(dtype: DType, length: number): CudaBuffer;
  free(buf: CudaBuffer): void;
  /** When profiling: runs the launch between two events, counted under the kernel's name (op-profiler.ts). */
  timed?: (label: string, op: () => void) => void;
}

export class KernelRuntime {
  private readonly modules = new Map<string, Handle>();
  private readonly functions = new Map<string, Handle>();
  /** The dynamic shared memory each function was allowed so far (above the default 48 KiB): set once, not every launch. */
  private readonly sharedAllowed = new Map<Handle, number>();
  /** residentBlocks' answers, by kernel, variant, threads and shared bytes. */
  private readonly occupancy = new Map<string, number>();
  /** Launches made (the tests of step syncs count these beside downloads). */
  launches = 0;

  constructor(private readonly d: RuntimeDeps) {}

  launch(name: KernelName, geometry: Geometry, args: KernelValue[]): void {
    const spec = KERNELS[name];
    if (args.length !== spec.params.length) throw new Error(`${name}: ${args.length} arguments for ${spec.params.length} parameters`);
    const dtypes = spec.params.map((p, i) => (p.kind === 'buffer' ? bufferArg(name, p, args[i], i)?.dtype ?? null : null));
    const plan = planStaging(name, spec.params, dtypes);
    const staged = new Map<string, { orig: CudaBuffer; copy: CudaBuffer; written: boolean }>();
    const actual = args.map((a, i) => {
      const want = plan.stage[i];
      if (!want) return a;
      const orig = a as CudaBuffer;
      const key = `${orig.ptr}:${orig.length}:${want}`;
      let s = staged.get(key);
      if (!s) {
        s = { orig, copy: this.d.alloc(want, orig.length), written: false };
        this.convert(s.copy, orig, orig.length);
        staged.set(key, s);
      }
      s.written ||= (spec.params[i] as { written: boolean }).written;
      return s.copy;
    });
    const fn = this.fn(name, plan.variant);
    const g = typeof geometry === 'function' ? geometry(plan.variant) : geometry;
    if (g.sharedBytes > Math.max(DEFAULT_SHARED_LIMIT, this.sharedAllowed.get(fn) ?? 0)) {
      this.d.driver.setMaxDynamicShared(fn, g.sharedBytes);
      this.sharedAllowed.set(fn, g.sharedBytes);
    }
    const packed = actual.map((a, i) => pack(name, spec.params[i]!, a, plan.variant, i));
    const go = (): void => {
      try {
        this.d.driver.launch(fn, g.grid, g.block, g.sharedBytes, this.d.stream, packed);
      } catch (e) {
        throw launchFailure(e, name, plan.variant, g);
      }
    };
    if (g.grid.x > 0 && g.grid.y !== 0 && g.grid.z !== 0) { // an empty grid has nothing to do (and the driver refuses it)
      if (this.d.timed) this.d.timed(name, go);
      else go();
      this.launches++;
    }
    for (const s of staged.values()) {
      if (s.written) this.convert(s.orig, s.copy, s.orig.length);
      this.d.free(s.copy);
    }
  }

  /**
   * The blocks of `threads` threads and `sharedBytes` of dynamic shared memory of kernel `name` (its `variant`) an SM
   * holds at once, as the driver computes them from the compiled kernel's registers (cached a kernel); null where the
   * driver cannot say (it lacks the query, or the query fails: the caller's table is as good a guess) or says none.
   */
  residentBlocks(name: KernelName, variant: Storage, threads: number, sharedBytes: number): number | null {
    const query = this.d.driver.blocksPerSM;
    if (!query) return null;
    const fn = this.fn(name, variant), key = `${name}:${variant}:${threads}:${sharedBytes}`;
    let n = this.occupancy.get(key);
    if (n === undefined) this.occupancy.set(key, (n = askOccupancy(() => query.call(this.d.driver, fn, threads, sharedBytes))));
    return n > 0 ? n : null;
  }

  /** dst[0, n) = src[0, n) converted to dst's dtype (convert.cu). */
  convert(dst: CudaBuffer, src: CudaBuffer, n: number): void {
    this.launch('convert', elementwise(n), [dst, DTYPE_CODE[dst.dtype], src, DTYPE_CODE[src.dtype], BigInt(n)]);
  }

  private fn(name: KernelName, variant: Storage): Handle {
    const key = `${name}:${variant}`;
    let fn = this.functions.get(key);
    if (fn === undefined) {
      const file = KERNELS[name].file;
      const modKey = `${file}:${variant}`;
      let mod = this.modules.get(modKey);
      if (mod === undefined) {
        mod = this.d.driver.moduleLoad(this.d.cache.get(compileRequest(file, this.d.arch, this.d.cudaInclude, variant)));
        this.modules.set(modKey, mod);
      }
      fn = this.d.driver.getFunction(mod, name);
      this.functions.set(key, fn);
    }
    return fn;
  }

  unloadAll(): void {
    for (const mod of this.modules.values()) this.d.driver.moduleUnload(mod);
    this.modules.clear();
    this.functions.clear();
    this.sharedAllowed.clear(); // a handle of an unloaded module may come back for another function
    this.occupancy.clear();
  }
}

function bufferArg(name: string, p: KernelParam, a: KernelValue | undefined, i: number): CudaBuffer | null {
  if (a === null) {
    if (p.kind === 'buffer' && p.nullable) return null;
    throw new Error(`${name}: argument ${i} may not be null`);
  }
  if (typeof a !== 'object' || a === undefined) throw new Error(`${name}: argument ${i} must be a buffer`);
  if (a.freed) throw new Error(`${name}: argument ${i} was freed`);
  return a;
}

/** The integer scalar codes: the C type, and the range [lo, hi) of its values. */
const INTEGER_RANGE = {
  i32: ['int', -(2n ** 31n), 2n ** 31n], u32: ['unsigned int', 0n, 2n ** 32n], i64: ['long long', -(2n ** 63n), 2n ** 63n], u64: ['unsigned long long', 0n, 2n ** 64n],
} as const;

function pack(name: string, p: KernelParam, value: KernelValue, variant: Storage, i: number): KernelArg {
  if (p.kind === 'buffer') return ptr(value === null ? 0n : (value as CudaBuffer).ptr);
  const a = typeof value === 'function' ? value(variant) : value;
  if (typeof a === 'object' && a !== null) throw new Error(`${name}: a buffer where a ${p.code} scalar goes`);
  const num = Number(a);
  if (p.code in INTEGER_RANGE) {
    const [type, lo, hi] = INTEGER_RANGE[p.code as keyof typeof INTEGER_RANGE];
    const whole = typeof a === 'bigint' || Number.isInteger(num);
    // (a launch's numbers are compared as numbers: the bounds are exact doubles; a BigInt only for a bigint)
    if (!whole || (typeof a === 'bigint' ? a < lo || a >= hi : num < Number(lo) || num >= Number(hi))) {
      // a shape past what the kernel indexes with 32 bits: named here, where the kernel and the argument are known
      const past = whole && (p.code === 'i32' || p.code === 'u32') ? ' (a shape or stride past 32-bit indexing)' : '';
      throw new RangeError(`${name}: argument ${i} is ${a}, which does not fit the kernel's ${type}${past}`);
    }
  }
  switch (p.code) {
    case 'i32': return i32(num);
    case 'u32': return u32(num);
    case 'i64': return i64(BigInt(a as number | bigint));
    case 'u64': return i64(BigInt.asIntN(64, BigInt(a as number | bigint))); // its bits: packed as a long long
    case 'f32': return f32(num);
    case 'f64': return f64(num);
    case 'real': return variant === 'f64' ? f64(num) : f32(num);
  }
}

/**
 * A launch the driver refused (cuLaunchKernel's status: too many resources, shared memory past the function's limit, a
 * sticky fault of an earlier kernel), named with the kernel, its variant and its geometry — the binding's message names
 * only cuLaunchKernel — as a CudaError of the same call and status; anything else unchanged.
 */
function launchFailure(e: unknown, name: string, variant: Storage, g: Launch): unknown {
  if (!(e instanceof CudaError)) return e;
  const dims = (d: Launch['grid']): string => `${d.x}×${d.y}×${d.z}`;
  return new CudaError(e.call, e.status, `${e.message} (kernel ${name}, ${variant}: grid ${dims(g.grid)}, block ${dims(g.block)}, ${g.sharedBytes} bytes of dynamic shared memory)`);
}

/** The occupancy query's answer, or 0 (none) where it fails with a status: a grid sized by the table still runs. */
function askOccupancy(query: () => number): number {
  try {
    return query();
  } catch (e) {
    if (e instanceof CudaError) return 0;
    throw e;
  }
}
