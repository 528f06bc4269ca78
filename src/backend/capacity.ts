// How much memory a backend offers a model, in one place: train's checks before loading (train/fit-check.ts),
// loadModel's check of a folder's weights (model/weights-fit.ts) and the GGUF export's choice of precision
// (export/gguf/from-source.ts) all ask it, so a GPU's reserve is counted the same way by each.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { Backend } from './backend.ts';
import { gib } from '../util/byte-size.ts';

/**
 * What a CUDA run holds beyond its memory plan: cuBLASLt's 32 MiB workspace (allocated by the backend) and an
 * allowance of 512 MiB for the context, the kernel modules and the caching allocator's size classes (≤ 2 MiB
 * of rounding per large block).
 */
export const CUDA_RESERVE_BYTES = 32 * 2 ** 20 + 512 * 2 ** 20;

/** A device and its memory: the host's on the CPU, a GPU's `deviceBytes` on CUDA (null: unknown). */
export type DeviceTarget = { backend: 'cpu' } | { backend: 'cuda'; deviceBytes: number | null };

/** The target of a started backend: a CUDA backend knows its GPU's memory (`deviceBytes`); any other runs on the host. */
export function deviceTarget(backend: Pick<Backend, 'name'>): DeviceTarget {
  if (backend.name !== 'cuda') return { backend: 'cpu' };
  const { deviceBytes } = backend as { deviceBytes?: number | null };
  return { backend: 'cuda', deviceBytes: deviceBytes ?? null };
}

/**
 * The bytes a model may take there: the host's RAM on the CPU; on CUDA the GPU's memory less CUDA_RESERVE_BYTES,
 * or null where the GPU's memory is unknown (the allocator then says when it runs out).
 */
export function usableBytes(target: DeviceTarget): number | null {
  if (target.backend === 'cpu') return os.totalmem();
  return target.deviceBytes === null ? null : Math.max(0, target.deviceBytes - CUDA_RESERVE_BYTES);
}

/** What usableBytes measures, in words for an error. */
export function usableWords(target: DeviceTarget): string {
  return target.backend === 'cpu' ? "this machine's RAM" : "the GPU's memory (less the CUDA context's)";
}

/**
 * Memory the host can give a new process now: /proc/meminfo's MemAvailable (free RAM and the page cache the kernel can
 * drop), else os.freemem(). A CPU run is judged against the whole RAM (usableBytes) and told when it needs more than this.
 */
export function availableHostMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall through
  }
  return os.freemem();
}

/**
 * What to say of a CPU run whose memory plan fits the RAM but not what is free of it now (availableHostMemory), or null:
 * other processes hold the rest, and the run would page or be stopped by the kernel's OOM killer.
 */
export function hostMemoryNote(planBytes: number, freeBytes = availableHostMemory()): string | null {
  if (planBytes <= freeBytes) return null;
  return `the run's memory plan (${gib(planBytes)}) is more than the ${gib(freeBytes)} of RAM free now (MemAvailable): ` +
    'other processes hold the rest, so the run may page to disk or be stopped by the out-of-memory killer; close them, or make the run smaller (train --dry-run says how)';
}
