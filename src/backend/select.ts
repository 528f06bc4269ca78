// Picks the backend for a --device / config `device` value.
import { UserError } from '../util/errors.ts';
import type { Backend } from './backend.ts';
import { CpuBackend } from './cpu/cpu-backend.ts';

export type DeviceName = 'cpu' | 'cuda' | 'auto';

export function createBackend(device: DeviceName = 'auto'): Backend {
  if (device === 'cuda') {
    throw new UserError('the CUDA backend is not available in this version yet; use --device cpu');
  }
  if (device !== 'cpu' && device !== 'auto') throw new UserError(`unknown device "${device}" (use cpu, cuda or auto)`);
  return new CpuBackend();
}
