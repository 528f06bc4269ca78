// The on-disk cache of compiled kernels: cubins keyed by sha256 of (source, arch, flags, NVRTC build: Nvrtc.build),
// in MISTRAL_TUNE_CACHE/cubin or ~/.cache/mistral-tune/cubin, written atomically so that concurrent
// runs or a crash never leave a partial cubin behind. The compiler is a parameter (NVRTC, or a fake in tests).
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../util/atomic.ts';
import { makeFolders } from '../../util/made-folders.ts';
import { readRegularFile } from '../../util/regular-file.ts';

export interface CompileRequest {
  /** Name for messages (the .cu file's). */
  name: string;
  source: string;
  /** e.g. "sm_90a". */
  arch: string;
  /** Every other compiler option, in order. */
  flags: string[];
}

export type Compiler = (req: CompileRequest) => Uint8Array;

/** The cache folder: MISTRAL_TUNE_CACHE/cubin, else XDG_CACHE_HOME or ~/.cache, under mistral-tune/cubin. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MISTRAL_TUNE_CACHE) return path.join(env.MISTRAL_TUNE_CACHE, 'cubin');
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'mistral-tune', 'cubin');
}

/**
 * sha256 over the parts, each length-prefixed so that no two different requests hash alike; `compilerVersion` names the
 * compiler's build (Nvrtc.build: its version and library file), not only its version, which patch releases share.
 */
export function cacheKey(req: CompileRequest, compilerVersion: string): string {
  const h = createHash('sha256');
  for (const part of [req.source, req.arch, ...req.flags, `nvrtc ${compilerVersion}`]) {
    h.update(`${Buffer.byteLength(part)}:`);
    h.update(part);
  }
  h.update(`#flags=${req.flags.length}`);
  return h.digest('hex');
}

export interface KernelCacheStats {
  hits: number;
  compiles: number;
}

export class KernelCache {
  readonly stats: KernelCacheStats = { hits: 0, compiles: 0 };

  constructor(private readonly compile: Compiler, private readonly compilerVersion: string, readonly dir: string = defaultCacheDir()) {}

  /** The cubin for `req`: from disk when cached, else compiled and stored (a store failure only costs the cache). */
  get(req: CompileRequest): Uint8Array {
    const file = path.join(this.dir, `${cacheKey(req, this.compilerVersion)}.cubin`);
    try {
      const cubin = new Uint8Array(readRegularFile(file)); // a FIFO in its place would block the read forever
      if (cubin.length > 0) {
        this.stats.hits++;
        return cubin;
      }
    } catch {
      // not cached yet
    }
    const cubin = this.compile(req);
    this.stats.compiles++;
    try {
      makeFolders(this.dir); // not fs's recursive form, which loops forever under /proc
      writeFileAtomic(file, cubin);
    } catch {
      // a read-only or full cache folder: compile again next time
    }
    return cubin;
  }
}
