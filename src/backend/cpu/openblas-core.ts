// Which kernels OpenBLAS runs. A DYNAMIC_ARCH build (Debian's, pip's) picks them by the CPU's model number, and a
// model it does not know — a cloud VM's generic "Intel Xeon Processor", a CPU newer than the build — falls back to
// Prescott's SSE3 kernels: Debian 12's OpenBLAS 0.3.21 does so on such a VM with AVX-512, and the quickstart took
// 97 s instead of 34 s. So the kernels are chosen by the CPU's features instead, through OPENBLAS_CORETYPE, which
// the library reads when it loads: SkylakeX's where AVX-512 (F, CD, BW, DQ, VL) is there, Haswell's where AVX2 and FMA
// are — the sgemm kernels a known CPU with those features gets too (Cooper Lake and Sapphire Rapids use SkylakeX's,
// Zen uses Haswell's). An OPENBLAS_CORETYPE the user set is kept; other systems and CPUs are left to the library.
// On a worker thread process.env is a copy that the library's getenv never reads, so there the choice is also set in
// the process's environment, through libc's setenv.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const AVX512 = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'];

/** The OpenBLAS core type for a CPU with these /proc/cpuinfo flags, or null to leave the choice to the library. */
export function openBlasCoreFor(flags: ReadonlySet<string>): string | null {
  if (AVX512.every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

/** The flags of the first CPU in /proc/cpuinfo (empty where there is none: not Linux). */
export function cpuFlags(cpuinfo = '/proc/cpuinfo'): Set<string> {
  try {
    const line = /^flags\s*:(.*)$/m.exec(fs.readFileSync(cpuinfo, 'utf8'))?.[1] ?? '';
    return new Set(line.trim().split(/\s+/).filter(Boolean));
  } catch {
    return new Set();
  }
}

/** Sets OPENBLAS_CORETYPE by the CPU's features on Linux x86-64, unless it is set; call before OpenBLAS loads. */
export function chooseOpenBlasCore(env: NodeJS.ProcessEnv = process.env): void {
  if (env.OPENBLAS_CORETYPE || process.platform !== 'linux' || process.arch !== 'x64') return;
  const core = openBlasCoreFor(cpuFlags());
  if (!core) return;
  env.OPENBLAS_CORETYPE = core;
  if (env === process.env && !isMainThread) setProcessEnv('OPENBLAS_CORETYPE', core);
}

/** Sets a variable of the process's own environment, which C code reads (libc's setenv through koffi); quietly nothing without them. */
function setProcessEnv(name: string, value: string): void {
  const require = createRequire(import.meta.url);
  for (const libc of ['libc.so.6', 'libc.musl-x86_64.so.1']) {
    try {
      const koffi = require('koffi') as typeof import('koffi');
      const setenv = koffi.load(libc).func('int setenv(const char *, const char *, int)') as (n: string, v: string, overwrite: number) => number;
      setenv(name, value, 1);
      return;
    } catch {
      // no koffi, or not this libc: try the next
    }
  }
}
