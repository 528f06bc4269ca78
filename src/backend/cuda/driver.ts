// The CUDA driver API through koffi: device queries, the primary context, streams, events, memory,
// modules (cubin) and kernel launches. Handles and device pointers are bigints (koffi's pointers);
// every call goes through check() with the call's name and cuGetErrorName/cuGetErrorString.
import { check, type StatusSource } from './check.ts';
import { bindAll, bindFirst, openLibrary, type KoffiFunction, type OpenOptions } from './ffi.ts';
import { LIBCUDA } from './find-libs.ts';
import { packKernelArgs, type KernelArg } from './kernel-args.ts';

/** A device address (CUdeviceptr). */
export type DevicePtr = bigint;
/** An opaque driver handle (CUcontext, CUstream, CUevent, CUmodule, CUfunction); 0n is the null stream. */
export type Handle = bigint;

export const DEVICE_ATTRIBUTE = {
  MULTIPROCESSOR_COUNT: 16,
  COMPUTE_CAPABILITY_MAJOR: 75,
  COMPUTE_CAPABILITY_MINOR: 76,
  MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: 97,
} as const;
/** CU_FUNC_ATTRIBUTE_* (cuda.h; test/backend/cuda/headers.test.ts checks these values, as DEVICE_ATTRIBUTE's). */
export const FUNC_ATTRIBUTE = {
  LOCAL_SIZE_BYTES: 3,
  NUM_REGS: 4,
  MAX_DYNAMIC_SHARED_SIZE_BYTES: 8,
  PREFERRED_SHARED_MEMORY_CARVEOUT: 9,
} as const;
/** CU_SHAREDMEM_CARVEOUT_MAX_SHARED (cuda.h; headers.test.ts checks it): the carveout preference "all shared memory", in percent. */
export const SHAREDMEM_CARVEOUT_MAX_SHARED = 100;

/** CUresult's CUDA_ERROR_OUT_OF_MEMORY (cuda.h; headers.test.ts checks it). */
export const CUDA_ERROR_OUT_OF_MEMORY = 2;

export interface Dim3 {
  x: number;
  y?: number;
  z?: number;
}

// Signatures, with %s for the entry point's name; several names = newest first (headers.test.ts checks each
// against cuda.h: the name its #define maps to, and every argument's size and kind).
export const DRIVER_SIGNATURES: Record<string, [string[], string]> = {
  init: [['cuInit'], 'int %s(unsigned int flags)'],
  driverGetVersion: [['cuDriverGetVersion'], 'int %s(_Out_ int *version)'],
  deviceGetCount: [['cuDeviceGetCount'], 'int %s(_Out_ int *count)'],
  deviceGet: [['cuDeviceGet'], 'int %s(_Out_ int *device, int ordinal)'],
  deviceGetName: [['cuDeviceGetName'], 'int %s(_Out_ uint8_t *name, int len, int dev)'],
  deviceGetAttribute: [['cuDeviceGetAttribute'], 'int %s(_Out_ int *value, int attrib, int dev)'],
  deviceTotalMem: [['cuDeviceTotalMem_v2'], 'int %s(_Out_ size_t *bytes, int dev)'],
  memGetInfo: [['cuMemGetInfo_v2'], 'int %s(_Out_ size_t *free, _Out_ size_t *total)'],
  primaryCtxRetain: [['cuDevicePrimaryCtxRetain'], 'int %s(_Out_ void **ctx, int dev)'],
  primaryCtxRelease: [['cuDevicePrimaryCtxRelease_v2', 'cuDevicePrimaryCtxRelease'], 'int %s(int dev)'],
  ctxSetCurrent: [['cuCtxSetCurrent'], 'int %s(void *ctx)'],
  ctxSynchronize: [['cuCtxSynchronize'], 'int %s()'],
  streamCreate: [['cuStreamCreate'], 'int %s(_Out_ void **stream, unsigned int flags)'],
  streamDestroy: [['cuStreamDestroy_v2', 'cuStreamDestroy'], 'int %s(void *stream)'],
  streamSynchronize: [['cuStreamSynchronize'], 'int %s(void *stream)'],
  eventCreate: [['cuEventCreate'], 'int %s(_Out_ void **event, unsigned int flags)'],
  eventRecord: [['cuEventRecord'], 'int %s(void *event, void *stream)'],
  eventSynchronize: [['cuEventSynchronize'], 'int %s(void *event)'],
  eventElapsedTime: [['cuEventElapsedTime_v2', 'cuEventElapsedTime'], 'int %s(_Out_ float *ms, void *start, void *end)'],
  eventDestroy: [['cuEventDestroy_v2', 'cuEventDestroy'], 'int %s(void *event)'],
  memAlloc: [['cuMemAlloc_v2'], 'int %s(_Out_ uint64_t *ptr, size_t bytes)'],
  memFree: [['cuMemFree_v2'], 'int %s(uint64_t ptr)'],
  memcpyHtoDAsync: [['cuMemcpyHtoDAsync_v2'], 'int %s(uint64_t dst, const void *src, size_t bytes, void *stream)'],
  memcpyDtoHAsync: [['cuMemcpyDtoHAsync_v2'], 'int %s(void *dst, uint64_t src, size_t bytes, void *stream)'],
  memcpyDtoDAsync: [['cuMemcpyDtoDAsync_v2'], 'int %s(uint64_t dst, uint64_t src, size_t bytes, void *stream)'],
  memsetD8Async: [['cuMemsetD8Async'], 'int %s(uint64_t dst, uint8_t value, size_t n, void *stream)'],
  memsetD32Async: [['cuMemsetD32Async'], 'int %s(uint64_t dst, uint32_t value, size_t n, void *stream)'],
  moduleLoadData: [['cuModuleLoadData'], 'int %s(_Out_ void **module, const void *image)'],
  moduleUnload: [['cuModuleUnload'], 'int %s(void *module)'],
  moduleGetFunction: [['cuModuleGetFunction'], 'int %s(_Out_ void **fn, void *module, const char *name)'],
  funcSetAttribute: [['cuFuncSetAttribute'], 'int %s(void *fn, int attrib, int value)'],
  funcGetAttribute: [['cuFuncGetAttribute'], 'int %s(_Out_ int *value, int attrib, void *fn)'],
  occupancy: [['cuOccupancyMaxActiveBlocksPerMultiprocessor'], 'int %s(_Out_ int *blocks, void *fn, int blockSize, size_t dynamicSMemSize)'],
  launchKernel: [['cuLaunchKernel'], 'int %s(void *fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, void *stream, void **params, void **extra)'],
};

export const DRIVER_ERROR_SIGNATURES = {
  name: 'int cuGetErrorName(int status, _Out_ const char **name)',
  string: 'int cuGetErrorString(int status, _Out_ const char **text)',
} as const;

export class CudaDriver implements StatusSource {
  readonly library = 'CUDA driver';
  private readonly fns: Record<string, KoffiFunction> = {};
  private readonly errorName: KoffiFunction;
  private readonly errorString: KoffiFunction;

  /** Opens libcuda.so.1 (UserError listing where it looked when absent) and calls cuInit(0). */
  constructor(readonly file: string, lib: ReturnType<typeof openLibrary>['lib']) {
    for (const [key, [names, sig]] of Object.entries(DRIVER_SIGNATURES)) this.fns[key] = bindFirst(lib, names, sig);
    ({ name: this.errorName, string: this.errorString } = bindAll(lib, file, LIBCUDA, DRIVER_ERROR_SIGNATURES));
    this.call('init', 0);
  }

  static open(opts: OpenOptions = {}): CudaDriver {
    const { lib, file } = openLibrary(LIBCUDA, opts);
    return new CudaDriver(file, lib);
  }

  statusString(status: number): string {
    const name: [string | null] = [null];
    const text: [string | null] = [null];
    this.errorName(status, name);
    this.errorString(status, text);
    return `${name[0] ?? 'CUDA_ERROR_UNKNOWN'}${text[0] ? ` (${text[0]})` : ''}`;
  }

  /** Calls the bound entry point `key` and checks its status. */
  private call(key: keyof typeof DRIVER_SIGNATURES, ...args: unknown[]): void {
    check(this, DRIVER_SIGNATURES[key]![0][0]!, this.fns[key]!(...args) as number);
  }

  /** A value written through the first (out) argument. */
  private out<T>(key: keyof typeof DRIVER_SIGNATURES, init: T, ...rest: unknown[]): T {
    const box: [T] = [init];
    this.call(key, box, ...rest);
    return box[0];
  }

  // ---- devices ----
  /** The driver's CUDA version as major·1000 + minor·10 (13000 = 13.0). */
  version(): number { return this.out('driverGetVersion', 0); }
  deviceCount(): number { return this.out('deviceGetCount', 0); }
  device(ordinal: number): number { return this.out('deviceGet', 0, ordinal); }
  deviceName(dev: number): string {
    const buf = Buffer.alloc(256);
    this.call('deviceGetName', buf, buf.length, dev);
    return buf.toString('utf8', 0, Math.max(0, buf.indexOf(0)));
  }
  attribute(dev: number, attrib: number): number { return this.out('deviceGetAttribute', 0, attrib, dev); }
  /** Compute capability, e.g. {major: 9, minor: 0}. */
  computeCapability(dev: number): { major: number; minor: number } {
    return { major: this.attribute(dev, DEVICE_ATTRIBUTE.COMPUTE_CAPABILITY_MAJOR), minor: this.attribute(dev, DEVICE_ATTRIBUTE.COMPUTE_CAPABILITY_MINOR) };
  }
  totalMem(dev: number): number { return Number(this.out<number | bigint>('deviceTotalMem', 0, dev)); }
  /** Free and total bytes on the current context's device. */
  memInfo(): { free: number; total: number } {
    const free: [number | bigint] = [0], total: [number | bigint] = [0];
    this.call('memGetInfo', free, total);
    return { free: Number(free[0]), total: Number(total[0]) };
  }

  // ---- context ----
  /** Retains the device's primary context and makes it current. */
  usePrimaryContext(dev: number): Handle {
    const ctx = BigInt(this.out<bigint | number>('primaryCtxRetain', 0n, dev));
    this.call('ctxSetCurrent', ctx);
    return ctx;
  }
  releasePrimaryContext(dev: number): void { this.call('primaryCtxRelease', dev); }
  synchronize(): void { this.call('ctxSynchronize'); }

  // ---- streams and events ----
  streamCreate(flags = 0): Handle { return BigInt(this.out<bigint | number>('streamCreate', 0n, flags)); }
  streamDestroy(stream: Handle): void { this.call('streamDestroy', stream); }
  streamSynchronize(stream: Handle): void { this.call('streamSynchronize', stream); }
  eventCreate(flags = 0): Handle { return BigInt(this.out<bigint | number>('eventCreate', 0n, flags)); }
  eventRecord(event: Handle, stream: Handle): void { this.call('eventRecord', event, stream); }
  eventSynchronize(event: Handle): void { this.call('eventSynchronize', event); }
  /** Milliseconds between two recorded events. */
  eventElapsed(start: Handle, end: Handle): number { return this.out('eventElapsedTime', 0, start, end); }
  eventDestroy(event: Handle): void { this.call('eventDestroy', event); }

  // ---- memory ----
  memAlloc(bytes: number): DevicePtr { return BigInt(this.out<bigint | number>('memAlloc', 0, bytes)); }
  memFree(ptr: DevicePtr): void { this.call('memFree', ptr); }
  /** Host → device on `stream`; the host view must stay untouched until the stream reaches this point. */
  memcpyHtoD(dst: DevicePtr, src: ArrayBufferView, stream: Handle = 0n): void {
    this.call('memcpyHtoDAsync', dst, src, src.byteLength, stream);
  }
  /** Device → host on `stream` (pageable memory: returns once the copy is done). */
  memcpyDtoH(dst: ArrayBufferView, src: DevicePtr, stream: Handle = 0n): void {
    this.call('memcpyDtoHAsync', dst, src, dst.byteLength, stream);
  }
  memcpyDtoD(dst: DevicePtr, src: DevicePtr, bytes: number, stream: Handle = 0n): void {
    this.call('memcpyDtoDAsync', dst, src, bytes, stream);
  }
  memsetD8(dst: DevicePtr, value: number, n: number, stream: Handle = 0n): void { this.call('memsetD8Async', dst, value, n, stream); }
  /** n 32-bit words set to `bits` (e.g. the bits of a float). */
  memsetD32(dst: DevicePtr, bits: number, n: number, stream: Handle = 0n): void { this.call('memsetD32Async', dst, bits >>> 0, n, stream); }

  // ---- modules and launches ----
  moduleLoad(image: Uint8Array): Handle { return BigInt(this.out<bigint | number>('moduleLoadData', 0n, image)); }
  moduleUnload(mod: Handle): void { this.call('moduleUnload', mod); }
  getFunction(mod: Handle, name: string): Handle { return BigInt(this.out<bigint | number>('moduleGetFunction', 0n, mod, name)); }
  /**
   * Allows `bytes` of dynamic shared memory (needed above 48 KiB), and prefers the largest shared-memory carveout of
   * the SM's L1 for the kernel: one that lives on its shared memory (the flash kernels: two blocks an SM need 2 × 116 KB
   * of sm_90's 228 KB at D = 128) must not be given a smaller carveout and fewer blocks.
   */
  setMaxDynamicShared(fn: Handle, bytes: number): void {
    this.call('funcSetAttribute', fn, FUNC_ATTRIBUTE.MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
    this.call('funcSetAttribute', fn, FUNC_ATTRIBUTE.PREFERRED_SHARED_MEMORY_CARVEOUT, SHAREDMEM_CARVEOUT_MAX_SHARED);
  }
  /** What the compiler gave a kernel: registers a thread, and local memory (spills) a thread in bytes. */
  functionResources(fn: Handle): { registers: number; localBytes: number } {
    return { registers: this.out('funcGetAttribute', 0, FUNC_ATTRIBUTE.NUM_REGS, fn), localBytes: this.out('funcGetAttribute', 0, FUNC_ATTRIBUTE.LOCAL_SIZE_BYTES, fn) };
  }
  /** How many blocks of `threads` threads with `sharedBytes` of dynamic shared memory an SM holds at once (above 48 KiB, after setMaxDynamicShared). */
  blocksPerSM(fn: Handle, threads: number, sharedBytes: number): number { return this.out('occupancy', 0, fn, threads, sharedBytes); }
  launch(fn: Handle, grid: Dim3, block: Dim3, sharedBytes: number, stream: Handle, args: KernelArg[]): void {
    this.call('launchKernel', fn, grid.x, grid.y ?? 1, grid.z ?? 1, block.x, block.y ?? 1, block.z ?? 1, sharedBytes, stream,
      packKernelArgs(args), null);
  }
}
