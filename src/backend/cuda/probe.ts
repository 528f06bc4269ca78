// Whether CUDA can be used here, and why not: what `--device auto` and `mistral-tune doctor` ask.
// Opens the driver (and optionally NVRTC and cuBLASLt) and reads the first GPU's name, memory and
// compute capability; a missing library or GPU becomes a one-line reason instead of an exception.
import { CudaError } from './check.ts';
import type { FlashGpu } from './flash-attention.ts';
import { CublasLt } from './cublaslt.ts';
import { CudaDriver, DEVICE_ATTRIBUTE } from './driver.ts';
import { openLibrary, type OpenOptions } from './ffi.ts';
import { driverSearch, findLibrary, LIBCUBLASLT, LIBCUDA, requireCudaInclude } from './find-libs.ts';
import { archFor, Nvrtc } from './nvrtc.ts';
import { gib } from '../../util/byte-size.ts';
import { UserError } from '../../util/errors.ts';

export interface CudaDeviceInfo {
  name: string;
  totalBytes: number;
  computeCapability: { major: number; minor: number };
  driverVersion: number;
  /** The most dynamic shared memory a block may be given (what the flash kernels ask: the memory plan's attention paths). */
  sharedPerBlock: number;
}

/** The probed GPU as the memory plan's attention paths ask of it (train --dry-run's plan and doctor's of Mistral 7B). */
export function flashGpuOf(device: Pick<CudaDeviceInfo, 'computeCapability' | 'sharedPerBlock'>): FlashGpu {
  return { arch: archFor(device.computeCapability), sharedPerBlock: device.sharedPerBlock };
}

/** One piece CUDA needs (`libraries`: each of them), and whether it is there: its version and file, or what is wrong and what to do. */
export interface ProbeItem {
  what: 'driver' | 'GPU' | 'NVRTC' | 'cuBLASLt';
  ok: boolean;
  /** "CUDA 13.0 (/usr/lib/x86_64-linux-gnu/libcuda.so.1)", or the one-line problem with its remedy. */
  text: string;
}

export type CudaProbe =
  | {
    available: true; device: CudaDeviceInfo; driverFile: string;
    /** With `libraries`: where NVRTC and cuBLASLt loaded from, and their versions ("13.0"; 130001 for 13.0.1); the folder of the CUDA headers NVRTC compiles with (cuda_bf16.h). */
    nvrtcFile?: string; nvrtcVersion?: string; cublasLtFile?: string; cublasLtVersion?: number; cudaInclude?: string;
  }
  /** `reason`: the first problem, in one line; `items` (with `eachPiece`, or with `libraries` where the driver and a GPU are there): every piece, each checked whatever the others' state. */
  | { available: false; reason: string; items?: ProbeItem[] };

/**
 * What a driver that loaded but failed cuInit (or a device query) is telling, by status (cuda.h's CUresult), and what to do:
 * the stub libcuda of the toolkit's lib64/stubs on the library path, no GPU visible to the process, a driver and a
 * forward-compatibility package that do not match, or a GPU or kernel module in a bad state. (A driver too old for the
 * kernels shows later, at NVRTC or the module load: cuda.h has no CUresult 35 — that is the runtime API's
 * cudaErrorInsufficientDriver.)
 */
export function driverStatusHint(status: number): string {
  switch (status) {
    case 34: return "this libcuda.so.1 is the CUDA toolkit's stub (lib64/stubs), not the driver: take that folder out of LD_LIBRARY_PATH";
    case 100: return 'the driver sees no GPU: check nvidia-smi, CUDA_VISIBLE_DEVICES, and in a container its GPUs (docker --gpus all)';
    case 101: return 'CUDA_VISIBLE_DEVICES names no GPU the driver has: check it against nvidia-smi -L';
    case 803: case 804: return 'the driver and the CUDA forward-compatibility package do not match this GPU: remove cuda-compat from the library path, or update the driver';
    default: return 'the GPU or the NVIDIA kernel module is in a bad state: check nvidia-smi and dmesg; after a driver update, reboot (or reload the nvidia module)';
  }
}
/**
 * Checks the driver and a GPU; with `libraries`, also that NVRTC loads and compiles an empty kernel for the GPU (a
 * broken install fails here, before a run loads its weights, not at its first kernel) and that cuBLASLt loads. Never
 * throws for a missing piece. With `eachPiece` (doctor) NVRTC and cuBLASLt are opened and reported (`items`) even where
 * the driver or the GPU failed; without it (--device auto, the dry run) the probe stops there: a CPU machine with a
 * torch venv is not made to load its NVRTC and cuBLASLt (650 MB) at every run for a backend it cannot use.
 */
export function probeCuda(opts: OpenOptions & { libraries?: boolean; eachPiece?: boolean } = {}): CudaProbe {
  let driver: CudaDriver;
  try {
    driver = CudaDriver.open(opts);
  } catch (e) {
    const reason = e instanceof CudaError ? driverFailure(e, opts) : `no CUDA driver: ${message(e)}`;
    return unavailable(reason, opts.eachPiece ? [{ what: 'driver', ok: false, text: reason }, ...libraryItems(opts, null)] : undefined);
  }
  const driverItem: ProbeItem = { what: 'driver', ok: true, text: driverText(driver) };
  let device: CudaDeviceInfo;
  try {
    const count = driver.deviceCount();
    if (count === 0) {
      const reason = `no CUDA GPU: the driver loaded but reports no device; ${driverStatusHint(100)}`;
      return unavailable(reason, opts.eachPiece ? [driverItem, { what: 'GPU', ok: false, text: reason }, ...libraryItems(opts, null)] : undefined);
    }
    const dev = driver.device(0);
    device = {
      name: driver.deviceName(dev), totalBytes: driver.totalMem(dev),
      computeCapability: driver.computeCapability(dev), driverVersion: driver.version(),
      sharedPerBlock: driver.attribute(dev, DEVICE_ATTRIBUTE.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
    };
  } catch (e) {
    const reason = e instanceof CudaError ? driverFailure(e, opts) : `CUDA unusable: ${message(e)}`;
    return unavailable(reason, opts.eachPiece ? [driverItem, { what: 'GPU', ok: false, text: reason }, ...libraryItems(opts, null)] : undefined);
  }
  if (!opts.libraries) return { available: true, device, driverFile: driver.file };
  const found: Pieces = {};
  const items = libraryItems({ ...opts, ...driverSearch(device.driverVersion) }, device, found);
  const gpuItem: ProbeItem = { what: 'GPU', ok: true, text: deviceText(device) };
  if (items.some((i) => !i.ok)) return unavailable(`CUDA unusable: ${items.find((i) => !i.ok)!.text}`, [driverItem, gpuItem, ...items]);
  return {
    available: true, device, driverFile: driver.file,
    nvrtcFile: found.nvrtc!.file, nvrtcVersion: found.nvrtcVersion!, cublasLtFile: found.lt!.file, cublasLtVersion: found.ltVersion!, cudaInclude: found.include!,
  };
}

/** The GPU as doctor names it: "NVIDIA H100 80GB HBM3, 79.2 GiB, compute capability 9.0". */
export function deviceText(d: CudaDeviceInfo): string {
  return `${d.name}, ${gib(d.totalBytes)}, compute capability ${d.computeCapability.major}.${d.computeCapability.minor}`;
}

/** The driver's CUDA version as doctor prints it ("13.0"): major·1000 + minor·10. */
export function cudaVersionText(n: number): string {
  return `${Math.floor(n / 1000)}.${Math.floor((n % 1000) / 10)}`;
}

function driverText(driver: CudaDriver): string {
  try {
    return `CUDA ${cudaVersionText(driver.version())} (${driver.file})`;
  } catch {
    return driver.file;
  }
}

function unavailable(reason: string, items: ProbeItem[] | undefined): CudaProbe {
  return items ? { available: false, reason, items } : { available: false, reason };
}

/** A driver call (cuInit first) that failed: the library loaded, so say which file and what its status means. */
function driverFailure(e: CudaError, opts: OpenOptions): string {
  const file = findLibrary(LIBCUDA, opts).file ?? LIBCUDA.sonames[0]!;
  return `the CUDA driver (${file}) loaded, but ${e.message.replace(/^CUDA driver: /, '')}: ${driverStatusHint(e.status)}`;
}

/** What libraryItems found: the libraries opened, their versions, the headers' folder. */
interface Pieces { nvrtc?: Nvrtc; lt?: CublasLt; nvrtcVersion?: string; ltVersion?: number; include?: string }

/**
 * NVRTC and cuBLASLt, each checked on its own: loaded (and, with a `device`, NVRTC compiling an empty kernel for it that
 * includes cuda_bf16.h from the headers' folder the backend takes — a broken install, or a toolkit without its headers,
 * fails here, before a run loads its weights, not at its first kernel — and a cuBLASLt handle made). NVRTC's headers are
 * looked for with or without a device; where none are found that is NVRTC's problem, with every folder looked at.
 * Without a device only what loads without one: the library, NVRTC's version and headers, cuBLASLt's version.
 */
function libraryItems(opts: OpenOptions, device: CudaDeviceInfo | null, found: Pieces = {}): ProbeItem[] {
  const item = (what: 'NVRTC' | 'cuBLASLt', check: () => string): ProbeItem => {
    try {
      return { what, ok: true, text: check() };
    } catch (e) {
      return { what, ok: false, text: message(e) };
    }
  };
  return [
    item('NVRTC', () => {
      const nvrtc = Nvrtc.open(opts);
      const include = requireCudaInclude(nvrtc.file, opts); // the backend's headers for this NVRTC (openCuda)
      if (device) {
        nvrtc.compile('#include <cuda_bf16.h>\nextern "C" __global__ void mt_probe() {}', 'probe.cu',
          [`--gpu-architecture=${archFor(device.computeCapability)}`, '-std=c++17', `-I${include}`]);
      }
      Object.assign(found, { nvrtc, include, nvrtcVersion: nvrtc.version() });
      return `${found.nvrtcVersion} (${nvrtc.file}; headers: ${include})`;
    }),
    item('cuBLASLt', () => {
      if (!device) {
        const { file } = openLibrary(LIBCUBLASLT, opts);
        return `${file} (loads; not checked further without a GPU)`;
      }
      const lt = CublasLt.open(opts);
      found.lt = lt;
      found.ltVersion = lt.version();
      lt.destroy();
      return `${found.ltVersion} (${lt.file})`;
    }),
  ];
}
function message(e: unknown): string {
  if (e instanceof UserError || e instanceof CudaError) return e.message;
  throw e;
}
