// Whether CUDA can be used here, and why not: what `--device auto` and `mistral-tune doctor` ask.
// Opens the driver (and optionally NVRTC and cuBLASLt) and reads the first GPU's name, memory and
// compute capability; a missing library or GPU becomes a one-line reason instead of an exception.
import { CudaError } from './check.ts';
import { CublasLt } from './cublaslt.ts';
import { CudaDriver, DEVICE_ATTRIBUTE } from './driver.ts';
import type { OpenOptions } from './ffi.ts';
import { archFor, Nvrtc } from './nvrtc.ts';
import { UserError } from '../../util/errors.ts';

export interface CudaDeviceInfo {
  name: string;
  totalBytes: number;
  computeCapability: { major: number; minor: number };
  driverVersion: number;
  /** The most dynamic shared memory a block may be given (what the flash kernels ask: the memory plan's attention paths). */
  sharedPerBlock: number;
}

export type CudaProbe =
  | {
    available: true; device: CudaDeviceInfo; driverFile: string;
    /** With `libraries`: where NVRTC and cuBLASLt loaded from, and their versions ("13.0"; 130001 for 13.0.1). */
    nvrtcFile?: string; nvrtcVersion?: string; cublasLtFile?: string; cublasLtVersion?: number;
  }
  | { available: false; reason: string };

/**
 * Checks the driver and a GPU; with `libraries`, also that NVRTC loads and compiles an empty kernel for the GPU (a
 * broken install fails here, before a run loads its weights, not at its first kernel) and that cuBLASLt loads. Never
 * throws for a missing piece.
 */
export function probeCuda(opts: OpenOptions & { libraries?: boolean } = {}): CudaProbe {
  let driver: CudaDriver;
  try {
    driver = CudaDriver.open(opts);
  } catch (e) {
    return { available: false, reason: `no CUDA driver: ${message(e)}` };
  }
  try {
    const count = driver.deviceCount();
    if (count === 0) return { available: false, reason: 'no CUDA GPU: the driver loaded but reports no device' };
    const dev = driver.device(0);
    const device: CudaDeviceInfo = {
      name: driver.deviceName(dev), totalBytes: driver.totalMem(dev),
      computeCapability: driver.computeCapability(dev), driverVersion: driver.version(),
      sharedPerBlock: driver.attribute(dev, DEVICE_ATTRIBUTE.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
    };
    if (!opts.libraries) return { available: true, device, driverFile: driver.file };
    const nvrtc = Nvrtc.open(opts);
    nvrtc.compile('extern "C" __global__ void mt_probe() {}', 'probe.cu', [`--gpu-architecture=${archFor(device.computeCapability)}`]);
    const lt = CublasLt.open(opts);
    const cublasLtVersion = lt.version();
    lt.destroy();
    return {
      available: true, device, driverFile: driver.file,
      nvrtcFile: nvrtc.file, nvrtcVersion: nvrtc.version(), cublasLtFile: lt.file, cublasLtVersion,
    };
  } catch (e) {
    return { available: false, reason: `CUDA unusable: ${message(e)}` };
  }
}

function message(e: unknown): string {
  if (e instanceof UserError || e instanceof CudaError) return e.message;
  throw e;
}
