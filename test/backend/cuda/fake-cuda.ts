// A CudaBackend on recording stand-ins for the driver, cuBLASLt and the kernel cache (no GPU): device
// addresses are counted up, launches and GEMMs are recorded, nothing is computed. Shared by the host-side
// tests of the CUDA backend.
import { CudaBackend, type CudaParts } from '../../../src/backend/cuda/cuda-backend.ts';
import type { KernelArg } from '../../../src/backend/cuda/kernel-args.ts';
import type { CompileRequest } from '../../../src/backend/cuda/kernel-cache.ts';

export interface Launched { name: string; variant: string; args: KernelArg[]; shared: number }

export function fakeBackend(opts: { attention?: CudaParts['attention']; profile?: boolean } = {}): { be: CudaBackend; launches: Launched[]; gemms: unknown[]; allocs: number[]; frees: bigint[]; events: string[]; copies: number[] } {
  const launches: Launched[] = [], gemms: unknown[] = [], allocs: number[] = [], frees: bigint[] = [], events: string[] = [], copies: number[] = [];
  const modules: string[] = [], fns = new Map<bigint, { name: string; variant: string }>();
  const eventTimes: Array<[bigint, number]> = [];
  let eventsMade = 0;
  const recorded = (e: bigint): number => eventTimes.findLast(([x]) => x === e)![1];
  let next = 0x1000_0000n;
  const parts: CudaParts = {
    driver: {
      memAlloc: (bytes: number) => { allocs.push(bytes); const p = next; next += BigInt(bytes) + 4096n; return p; },
      memFree: (p: bigint) => { frees.push(p); }, memcpyHtoD: () => {}, memcpyDtoH: () => {}, memcpyDtoD: (_d: bigint, _s: bigint, bytes: number) => { copies.push(bytes); }, memsetD32: () => {},
      moduleLoad: (image: Uint8Array) => BigInt(image[0]!), moduleUnload: () => {}, setMaxDynamicShared: () => {},
      getFunction: (mod: bigint, name: string) => {
        const h = BigInt(fns.size + 1);
        fns.set(h, { name, variant: modules[Number(mod)]! });
        return h;
      },
      launch: (fn: bigint, _g: unknown, _b: unknown, shared: number, _s: unknown, args: KernelArg[]) => {
        launches.push({ ...fns.get(fn)!, args, shared });
      },
      streamSynchronize: () => { events.push('sync'); }, streamDestroy: () => { events.push('stream'); },
      // CUDA events (profiling): each recorded one takes the next microsecond
      eventCreate: () => BigInt(0x9000 + eventTimes.length + eventsMade++), eventRecord: (e: bigint) => { eventTimes.push([e, eventTimes.length / 1000]); },
      eventSynchronize: () => { events.push('event sync'); },
      eventElapsed: (a: bigint, b: bigint) => recorded(b) - recorded(a), eventDestroy: () => { events.push('event'); },
    } as unknown as CudaParts['driver'],
    stream: 7n,
    gemm: { matmul: (...a: unknown[]) => { gemms.push(a[1]); }, destroy: () => { events.push('cublasLt'); } } as unknown as CudaParts['gemm'],
    cache: {
      get: (req: CompileRequest) => {
        modules.push(req.flags.includes('-DSTORE_F64') ? 'f64' : req.flags.includes('-DSTORE_F32') ? 'f32' : 'bf16');
        return new Uint8Array([modules.length - 1]);
      },
    },
    arch: 'sm_90a', cudaInclude: '/usr/local/cuda/include', gpu: 'fake', release: () => { events.push('context'); },
    attention: opts.attention, profile: opts.profile,
  };
  return { be: new CudaBackend(parts), launches, gemms, allocs, frees, events, copies };
}
