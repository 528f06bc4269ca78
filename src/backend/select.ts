// Picks the backend for a --device / config `device` value. `cuda`: the CUDA backend, or a one-line
// UserError saying why not (which library was missing and where it was looked for, or that no GPU is
// there). `auto`: CUDA when the driver loads, a GPU exists and the backend starts; otherwise the CPU, with
// one info line saying why. `cpu`: the CPU backend.
import { needOneOf } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { infoOnce } from '../util/log.ts';
import { inNativeSection } from '../util/native-section.ts';
import type { Backend } from './backend.ts';
import { CpuBackend } from './cpu/cpu-backend.ts';
import { CudaError } from './cuda/check.ts';
import { CudaBackend } from './cuda/cuda-backend.ts';
import { probeCuda, type CudaProbe } from './cuda/probe.ts';

export type DeviceName = 'cpu' | 'cuda' | 'auto';

/** How CUDA is looked for: the real probe and backend, or stand-ins in tests. */
export interface CudaSource {
  probe(): CudaProbe;
  start(): Backend;
}

const REAL_CUDA: CudaSource = { probe: () => probeCuda({ libraries: true }), start: () => CudaBackend.open() };

export function createBackend(device: DeviceName = 'auto', source: CudaSource = REAL_CUDA): Backend {
  // 'gpu' was "unknown device" naming no function
  needOneOf('createBackend', 'device', device, ['cpu', 'cuda', 'auto']);
  // it opens native libraries through koffi (OpenBLAS, libc; CUDA's): not to be cut short by a stop (native-section.ts)
  return inNativeSection(() => openBackend(device, source));
}

function openBackend(device: DeviceName, source: CudaSource): Backend {
  if (device === 'cpu') return new CpuBackend();
  if (device !== 'cuda' && device !== 'auto') throw new UserError(`unknown device "${device}" (use cpu, cuda or auto)`);
  const why = cudaUnavailable(source);
  if (typeof why !== 'string') return why;
  // the way out where no GPU is (a driver to install is none): the device that runs here
  if (device === 'cuda') throw new UserError(`device cuda: ${why}; to run on the CPU instead: device cpu, or auto (CUDA where it starts)`);
  // one short line: where the libraries were looked for is in --device cuda's error
  const [reason, looked] = why.split('; looked in');
  infoOnce('device-auto', `device auto: using the CPU (${reason}${looked === undefined ? '' : '; --device cuda lists where it looked'})`);
  return new CpuBackend();
}

/**
 * Runs `use` with a backend of `device`, then closes it — also after an error, whose report a failing close does
 * not replace: the CUDA backend gives its memory and context back (and prints its profile when
 * MISTRAL_TUNE_CUDA_PROFILE=1 asked for one).
 */
export function withBackend<T>(device: DeviceName, use: (backend: Backend) => T, source: CudaSource = REAL_CUDA): T {
  const backend = createBackend(device, source);
  let failed = true;
  try {
    const result = use(backend);
    failed = false;
    return result;
  } finally {
    try {
      backend.close?.();
    } catch (e) {
      if (!failed) throw e; // else the error `use` threw is the one to report
    }
  }
}

/** The CUDA backend, or the one-line reason it cannot start here. */
function cudaUnavailable(source: CudaSource): Backend | string {
  const probe = source.probe();
  if (!probe.available) return firstLine(probe.reason);
  try {
    return source.start();
  } catch (e) {
    if (e instanceof UserError || e instanceof CudaError) return `CUDA did not start: ${firstLine(e.message)}`;
    throw e;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!;
}
