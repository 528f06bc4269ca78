// NVRTC through koffi: compiles CUDA C++ source to a cubin for one GPU architecture (sm_XY of the
// device's compute capability). Every call goes through check(); a failed compile carries the log.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { check, type StatusSource } from './check.ts';
import { bindAll, openLibrary, type Koffi, type KoffiFunction, type KoffiLibrary, type OpenOptions } from './ffi.ts';
import { LIBNVRTC } from './find-libs.ts';
import { libraryBuild } from './library-build.ts';

/** nvrtcResult's NVRTC_ERROR_COMPILATION (nvrtc.h; headers.test.ts checks it). */
export const NVRTC_ERROR_COMPILATION = 6;

/** The koffi declarations of the NVRTC entry points (headers.test.ts checks them against nvrtc.h). */
export const NVRTC_SIGNATURES = {
  errorString: 'const char *nvrtcGetErrorString(int status)',
  version: 'int nvrtcVersion(_Out_ int *major, _Out_ int *minor)',
  create: 'int nvrtcCreateProgram(_Out_ void **prog, const char *src, const char *name, int numHeaders, const char **headers, const char **includeNames)',
  compile: 'int nvrtcCompileProgram(void *prog, int numOptions, const char **options)',
  logSize: 'int nvrtcGetProgramLogSize(void *prog, _Out_ size_t *size)',
  log: 'int nvrtcGetProgramLog(void *prog, _Out_ uint8_t *log)',
  cubinSize: 'int nvrtcGetCUBINSize(void *prog, _Out_ size_t *size)',
  cubin: 'int nvrtcGetCUBIN(void *prog, _Out_ uint8_t *cubin)',
  destroy: 'int nvrtcDestroyProgram(_Inout_ void **prog)',
} as const;

/** The --gpu-architecture value for a compute capability: sm_90a on Hopper (wgmma needs the "a"). */
export function archFor(cc: { major: number; minor: number }): string {
  const arch = `sm_${cc.major}${cc.minor}`;
  return cc.major === 9 && cc.minor === 0 ? `${arch}a` : arch;
}

/**
 * The builtins library beside `file` (libnvrtc-builtins.so.13.0 beside libnvrtc.so.13), loaded now. libnvrtc opens
 * it by bare soname at its first compile, which the system loader finds only on LD_LIBRARY_PATH or in its cache — not
 * in a pip wheel's nvidia/cu13/lib, where every compile would fail with NVRTC_ERROR_BUILTIN_OPERATION_FAILURE — while
 * a library already loaded is found by its soname. Returns what it loaded (nothing beside a bare soname, or when absent).
 */
export function preloadBuiltins(koffi: Pick<Koffi, 'load'>, file: string): string[] {
  if (!path.isAbsolute(file)) return [];
  const dir = path.dirname(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /^libnvrtc-builtins\.so(\.\d+)+$/.test(n)); // not the .alt variant
  } catch {
    return [];
  }
  const loaded: string[] = [];
  for (const name of names) {
    try {
      koffi.load(path.join(dir, name));
      loaded.push(name);
    } catch {
      // a broken one: NVRTC says so at its first compile, with its own status
    }
  }
  return loaded;
}

export interface CompileResult {
  cubin: Uint8Array;
  /** The compiler's log (warnings), possibly empty. */
  log: string;
}

export class Nvrtc implements StatusSource {
  readonly library = 'NVRTC';
  private readonly f: Record<string, KoffiFunction>;

  constructor(readonly file: string, lib: KoffiLibrary) {
    this.f = bindAll(lib, file, LIBNVRTC, NVRTC_SIGNATURES);
  }

  static open(opts: OpenOptions = {}): Nvrtc {
    const { koffi, lib, file } = openLibrary(LIBNVRTC, opts);
    preloadBuiltins(koffi, file);
    return new Nvrtc(file, lib);
  }

  statusString(status: number): string {
    return (this.f.errorString!(status) as string | null) ?? 'NVRTC_ERROR_UNKNOWN';
  }

  /**
   * The kernel cache key's compiler: the version ("13.0", which patch releases share) and the loaded library file's
   * build (library-build.ts), so that another build of NVRTC never reads the cubins of this one.
   */
  build(): string {
    return `${this.version()} ${libraryBuild(this.file)}`;
  }

  /** "13.0" (major.minor: patch releases are alike). */
  version(): string {
    const major: [number] = [0], minor: [number] = [0];
    check(this, 'nvrtcVersion', this.f.version!(major, minor) as number);
    return `${major[0]}.${minor[0]}`;
  }

  /** Compiles `source` (named `name` in messages) with `options`; throws with the log on a compile error. */
  compile(source: string, name: string, options: string[]): CompileResult {
    const box: [bigint | number] = [0n];
    check(this, 'nvrtcCreateProgram', this.f.create!(box, source, name, 0, null, null) as number);
    const prog = box;
    try {
      const status = this.f.compile!(prog[0], options.length, options) as number;
      const log = this.log(prog[0]);
      check(this, `nvrtcCompileProgram(${name})`, status, status === NVRTC_ERROR_COMPILATION ? () => log : undefined);
      const size: [number | bigint] = [0];
      check(this, 'nvrtcGetCUBINSize', this.f.cubinSize!(prog[0], size) as number);
      const cubin = new Uint8Array(Number(size[0]));
      check(this, 'nvrtcGetCUBIN', this.f.cubin!(prog[0], cubin) as number);
      return { cubin, log };
    } finally {
      check(this, 'nvrtcDestroyProgram', this.f.destroy!(prog) as number);
    }
  }

  private log(prog: bigint | number): string {
    const size: [number | bigint] = [0];
    check(this, 'nvrtcGetProgramLogSize', this.f.logSize!(prog, size) as number);
    const buf = new Uint8Array(Number(size[0]));
    if (buf.length === 0) return '';
    check(this, 'nvrtcGetProgramLog', this.f.log!(prog, buf) as number);
    return Buffer.from(buf).toString('utf8').replace(/\0+$/, '');
  }
}
