// A CudaBackend on recording stand-ins for the driver, cuBLASLt and the kernel cache (no GPU): device
// addresses are counted up, launches and GEMMs are recorded, nothing is computed. Shared by the host-side
// tests of the CUDA backend.
import { CudaBackend, type CudaParts } from '../../../src/backend/cuda/cuda-backend.ts';
import type { ResolvedGemm } from '../../../src/backend/cpu/gemm.ts';
import { check, type StatusSource } from '../../../src/backend/cuda/check.ts';
import { packKernelArgs, type KernelArg } from '../../../src/backend/cuda/kernel-args.ts';
import type { Dim3 } from '../../../src/backend/cuda/driver.ts';
import type { CompileRequest } from '../../../src/backend/cuda/kernel-cache.ts';
import type { EventApi } from '../../../src/backend/cuda/op-profiler.ts';

/** How the fake driver spells a failing status. */
const FAKE_DRIVER: StatusSource = { library: 'CUDA driver', statusString: (status) => (status === 1 ? 'CUDA_ERROR_INVALID_VALUE (invalid argument)' : 'CUDA_ERROR_UNKNOWN') };

export interface Launched { name: string; variant: string; args: KernelArg[]; shared: number; grid: Dim3; block: Dim3 }

export function fakeBackend(opts: { attention?: CudaParts['attention']; profile?: boolean; arch?: string; sharedPerBlock?: number; noAlgorithm?: boolean; splitK?: number; smallK?: boolean; loraGradUp?: boolean; blocksPerSM?: number; occupancyStatus?: number; launchStatus?: number; deviceBytes?: number; refuse?: (g: ResolvedGemm) => boolean } = {}): { be: CudaBackend; launches: Launched[]; gemms: unknown[]; ltCalls: unknown[][]; allocs: number[]; frees: bigint[]; events: string[]; copies: number[]; sharedAllowed: string[] } {
  const launches: Launched[] = [], gemms: unknown[] = [], ltCalls: unknown[][] = [], allocs: number[] = [], frees: bigint[] = [], events: string[] = [], copies: number[] = [];
  const sharedAllowed: string[] = []; // cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES) calls, as "kernel bytes"
  const modules: string[] = [], fns = new Map<bigint, { name: string; variant: string }>();
  let recordedEvents = 0;
  let next = 0x1000_0000n;
  const parts: CudaParts = {
    driver: {
      memAlloc: (bytes: number) => { allocs.push(bytes); const p = next; next += BigInt(bytes) + 4096n; return p; },
      memFree: (p: bigint) => { frees.push(p); }, memcpyHtoD: () => {}, memcpyDtoH: () => {}, memcpyDtoD: (_d: bigint, _s: bigint, bytes: number) => { copies.push(bytes); }, memsetD32: () => {},
      moduleLoad: (image: Uint8Array) => BigInt(image[0]!), moduleUnload: () => {},
      setMaxDynamicShared: (fn: bigint, bytes: number) => { sharedAllowed.push(`${fns.get(fn)!.name} ${bytes}`); },
      getFunction: (mod: bigint, name: string) => {
        const h = BigInt(fns.size + 1);
        fns.set(h, { name, variant: modules[Number(mod)]! });
        return h;
      },
      launch: (fn: bigint, grid: Dim3, block: Dim3, shared: number, _s: unknown, args: KernelArg[]) => {
        const { name } = fns.get(fn)!;
        packKernelArgs(args); // as the driver binding does: a RangeError where a scalar does not fit its C type
        if (opts.launchStatus !== undefined) check(FAKE_DRIVER, 'cuLaunchKernel', opts.launchStatus); // a launch the driver refuses, as its binding throws it
        const why = launchRefusal(grid, block, shared);
        if (why) throw new Error(`${name}: ${why}`);
        launches.push({ ...fns.get(fn)!, args, shared, grid, block });
      },
      // blocksPerSM: a driver that answers occupancy queries (cuOccupancyMaxActiveBlocksPerMultiprocessor) with it
      // (occupancyStatus: one whose query fails with that status, as the driver binding's check() throws it)
      ...(opts.blocksPerSM !== undefined || opts.occupancyStatus !== undefined ? {
        blocksPerSM: (fn: bigint, threads: number, shared: number) => {
          events.push(`occupancy ${fns.get(fn)!.name} ${threads} ${shared}`);
          if (opts.occupancyStatus !== undefined) check(FAKE_DRIVER, 'cuOccupancyMaxActiveBlocksPerMultiprocessor', opts.occupancyStatus);
          return opts.blocksPerSM!;
        },
      } : {}),
      streamSynchronize: () => { events.push('sync'); }, streamDestroy: () => { events.push('stream'); },
      // CUDA events (profiling): each recorded one a microsecond after the last
      ...fakeEvents(() => recordedEvents++ / 1000, events),
    } as unknown as CudaParts['driver'],
    stream: 7n,
    // noAlgorithm: a cuBLASLt whose heuristic has no algorithm for any product (matmul enqueues nothing, says false);
    // refuse: none for the products it names
    gemm: { matmul: (...a: unknown[]) => { gemms.push(a[1]); ltCalls.push(a); return !opts.noAlgorithm && !opts.refuse?.(a[0] as ResolvedGemm); }, destroy: () => { events.push('cublasLt'); } } as unknown as CudaParts['gemm'],
    cache: {
      get: (req: CompileRequest) => {
        modules.push(req.flags.includes('-DSTORE_F64') ? 'f64' : req.flags.includes('-DSTORE_F32') ? 'f32' : 'bf16');
        return new Uint8Array([modules.length - 1]);
      },
    },
    arch: opts.arch ?? 'sm_90a', cudaInclude: '/usr/local/cuda/include', gpu: 'fake', release: () => { events.push('context'); },
    attention: opts.attention, profile: opts.profile, sharedPerBlock: opts.sharedPerBlock ?? null,
    // splitK: the SMs of a GPU whose skinny bf16 products split their k (none by default here)
    splitK: opts.splitK !== undefined, multiprocessors: opts.splitK ?? null, smallK: opts.smallK ?? false, loraGradUp: opts.loraGradUp ?? false,
    deviceBytes: opts.deviceBytes ?? null, // the GPU's memory (unknown by default)
  };
  return { be: new CudaBackend(parts), launches, gemms, ltCalls, allocs, frees, events, copies, sharedAllowed };
}

/**
 * What cuLaunchKernel would refuse of a launch on sm_90 (CUDA_ERROR_INVALID_VALUE), or null: a grid past 2^31 − 1 blocks
 * along x or 65535 along y and z, a block of more than 1024 threads (or 64 along z), or more dynamic shared memory than
 * an H100's 227 KiB a block.
 */
export function launchRefusal(grid: Dim3, block: Dim3, shared: number): string | null {
  const [gy, gz, by, bz] = [grid.y ?? 1, grid.z ?? 1, block.y ?? 1, block.z ?? 1];
  if (grid.x > 2 ** 31 - 1 || gy > 65535 || gz > 65535) return `grid ${grid.x}×${gy}×${gz} past CUDA's limits`;
  if (block.x * by * bz > 1024 || block.x > 1024 || by > 1024 || bz > 64) return `block ${block.x}×${by}×${bz} past CUDA's limits`;
  if (shared > 227 * 1024) return `${shared} bytes of shared memory past sm_90's 227 KiB`;
  return null;
}

/**
 * CUDA events whose recorded times `clock` gives at eventRecord, counting creations, destructions and waits;
 * waits and destructions are also logged to `log` as 'event sync' and 'event'.
 */
export function fakeEvents(clock: () => number, log: string[] = []): EventApi & { created: number; destroyed: number; syncs: number } {
  const at = new Map<bigint, number>();
  const api = {
    created: 0, destroyed: 0, syncs: 0,
    eventCreate: () => BigInt(++api.created),
    eventRecord: (e: bigint) => { at.set(e, clock()); },
    eventSynchronize: () => { api.syncs++; log.push('event sync'); },
    eventElapsed: (a: bigint, b: bigint) => at.get(b)! - at.get(a)!,
    eventDestroy: () => { api.destroyed++; log.push('event'); },
  };
  return api;
}
