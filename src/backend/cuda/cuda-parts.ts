// What a CudaBackend runs on (CudaParts: the driver calls it makes, its stream, cuBLASLt, the kernel cache and
// the GPU's facts), and openCuda, which opens them on a real GPU for CudaBackend.open(); the host-side tests
// hand the backend stand-ins instead.
import { UserError } from '../../util/errors.ts';
import { cudaAttentionFromEnv, type CudaAttention } from './attention-path.ts';
import { CublasLt } from './cublaslt.ts';
import { gemmSmallKFromEnv } from './gemm-small-k.ts';
import { loraGradUpFromEnv } from './lora-grad-up.ts';
import { gemmSplitKFromEnv } from './gemm-splitk.ts';
import { eventTimer, gemmTuneFromEnv } from './gemm-tune.ts';
import { CudaDriver, DEVICE_ATTRIBUTE, type Handle } from './driver.ts';
import { driverSearch, requireCudaInclude } from './find-libs.ts';
import { KernelCache } from './kernel-cache.ts';
import { nvrtcOptions } from './kernel-source.ts';
import { archFor, Nvrtc } from './nvrtc.ts';
import { cudaProfileFromEnv, type EventApi } from './op-profiler.ts';

export interface CudaBackendOptions {
  /** GPU ordinal (default 0). */
  device?: number;
  /** Folder of the cubin cache (default: kernel-cache.ts's). */
  cacheDir?: string;
}

/** The driver calls the backend makes (the real CudaDriver, or a recording stand-in in the host-side tests). */
export type DriverApi = Pick<CudaDriver, 'memAlloc' | 'memFree' | 'memcpyHtoD' | 'memcpyDtoH' | 'memcpyDtoD' | 'memsetD32'
  | 'moduleLoad' | 'moduleUnload' | 'getFunction' | 'setMaxDynamicShared' | 'launch' | 'streamSynchronize' | 'streamDestroy'
  | keyof EventApi> & Partial<Pick<CudaDriver, 'blocksPerSM'>>;

/** What a CudaBackend runs on: opened by CudaBackend.open(), or stand-ins in tests. */
export interface CudaParts {
  driver: DriverApi;
  stream: Handle;
  /** cuBLASLt (tuningReport: what MISTRAL_TUNE_CUDA_GEMM_TUNE chose, printed on close when profiling). */
  gemm: Pick<CublasLt, 'matmul' | 'destroy'> & Partial<Pick<CublasLt, 'tuningReport'>>;
  cache: Pick<KernelCache, 'get'>;
  arch: string;
  cudaInclude: string;
  /** The GPU in words, for describe(). */
  gpu: string;
  /** Releases what open() retained (the primary context), last thing close() does. */
  release?: () => void;
  /** The GPU's memory in bytes (null: unknown, as with stand-ins), for the run's fit check. */
  deviceBytes?: number | null;
  /** The most dynamic shared memory a block may be allowed (MAX_SHARED_MEMORY_PER_BLOCK_OPTIN; null: unknown, as with stand-ins). */
  sharedPerBlock?: number | null;
  /** The attention path (default: DEFAULT_CUDA_ATTENTION, flash; MISTRAL_TUNE_CUDA_ATTENTION picks it in open()). */
  attention?: CudaAttention;
  /** Splits the k of skinny bf16 products (MISTRAL_TUNE_CUDA_GEMM_SPLITK in open(); gemm-splitk.ts) on a GPU of `multiprocessors` SMs. */
  splitK?: boolean;
  /** Runs bf16 products of a small k on gemm_small_k (MISTRAL_TUNE_CUDA_GEMM_SMALL_K in open(); gemm-small-k.ts). */
  smallK?: boolean;
  /** Runs LoRA's dz and ∂B on lora_grad_up (MISTRAL_TUNE_CUDA_LORA_GRAD_UP in open(); lora-grad-up.ts) on a GPU of `multiprocessors` SMs. */
  loraGradUp?: boolean;
  /** The GPU's streaming multiprocessors (null: unknown, as with stand-ins: no product splits). */
  multiprocessors?: number | null;
  /** Times every operation with CUDA events, by class, reported on close (MISTRAL_TUNE_CUDA_PROFILE=1 in open()); needs the driver's event calls. */
  profile?: boolean;
}

/** Opens the driver, NVRTC and cuBLASLt on GPU `opts.device` (UserError when a piece is missing) and hands them to `make`
 * (CudaBackend's constructor); when a piece or `make` fails, gives back what was taken. */
export function openCuda<T>(opts: CudaBackendOptions, make: (parts: CudaParts) => T): T {
  const driver = CudaDriver.open();
  // NVRTC and cuBLASLt of a CUDA the driver runs: a newer one is passed over for an older one that runs (find-libs.ts)
  const libs = driverSearch(driver.version());
  if (driver.deviceCount() === 0) throw new UserError('CUDA: the driver loaded but reports no GPU');
  const dev = driver.device(opts.device ?? 0);
  driver.usePrimaryContext(dev);
  const release = (): void => driver.releasePrimaryContext(dev);
  let gemm: CublasLt | null = null;
  try {
    const nvrtc = Nvrtc.open(libs);
    // the headers of the NVRTC opened (its file, or the soname the system's loader cache gave: the version rule either way)
    const include = requireCudaInclude(nvrtc.file);
    gemm = CublasLt.open(libs);
    const cc = driver.computeCapability(dev);
    const [attention, profile, tune, splitK, smallK, loraGradUp] = [cudaAttentionFromEnv(), cudaProfileFromEnv(), gemmTuneFromEnv(), gemmSplitKFromEnv(), gemmSmallKFromEnv(), loraGradUpFromEnv()]; // a bad value stops here
    const stream = driver.streamCreate();
    if (tune) gemm.enableTuning(eventTimer(driver, stream));
    return make({
      attention, profile, splitK, smallK, loraGradUp, multiprocessors: driver.attribute(dev, DEVICE_ATTRIBUTE.MULTIPROCESSOR_COUNT), release, deviceBytes: driver.totalMem(dev), sharedPerBlock: driver.attribute(dev, DEVICE_ATTRIBUTE.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN), driver, stream, gemm, arch: archFor(cc), cudaInclude: include,
      cache: new KernelCache((req) => nvrtc.compile(req.source, req.name, nvrtcOptions(req)).cubin, nvrtc.build(), opts.cacheDir),
      gpu: `${driver.deviceName(dev)}, sm_${cc.major}${cc.minor}, ${(driver.totalMem(dev) / 2 ** 30).toFixed(0)} GiB`,
    });
  } catch (e) {
    // a library that failed to open (or the stream, or the constructor's first allocations): give back what
    // was taken, each part on its own (a failed cuBLASLt destroy must not keep the context), and report the
    // first error; releasing the primary context frees the stream and any allocation with it
    for (const giveBack of [() => gemm?.destroy(), release]) {
      try {
        giveBack();
      } catch {
        // the first error is the one to report
      }
    }
    throw e;
  }
}
