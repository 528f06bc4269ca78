// Finds the CUDA libraries (driver, NVRTC, cuBLASLt) and the CUDA headers by soname, without spawning
// anything: LD_LIBRARY_PATH, then CUDA_HOME/lib64, /usr/local/cuda/lib64, an active conda environment's lib (CONDA_PREFIX:
// conda's cuda-nvrtc, libcublas), the system library folders (a distribution's nvidia-cuda-toolkit), then the pip wheels' `nvidia/*/lib` layouts inside the site-packages of any python3 found at the
// common paths or on PATH (a GPU machine's torch venv, /opt/torch/.venv, holds nvidia-cublas and
// nvidia-cuda-nvrtc). A library that is nowhere gives a UserError listing every place that was looked at.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../util/errors.ts';
import { oneLine } from '../../util/json-file.ts';

/** A library we look for: `libcuda.so.1` exactly, or `libnvrtc.so.<major>` for any major. */
export interface LibrarySpec {
  /** What the library is, for messages ("CUDA driver"). */
  readonly what: string;
  /** File name stem, e.g. "libnvrtc.so". */
  readonly stem: string;
  /** The exact major version wanted, or null for the highest found. */
  readonly major: number | null;
  /** With `major` null: the oldest major taken (an older one is passed over and named in the error). */
  readonly minMajor?: number;
  /** A hint printed when the library is missing (libraryHint: the one for the driver's CUDA where it is known). */
  readonly hint: string;
  /** The pip wheel of CUDA 13 that holds it ("nvidia-cuda-nvrtc"); CUDA 12's is `${pip}-cu12`. */
  readonly pip?: string;
  /** The sonames the system loader's cache (ldconfig) is asked for when no folder has the library, in order. */
  readonly sonames: readonly string[];
}

export const LIBCUDA: LibrarySpec = {
  what: 'CUDA driver', stem: 'libcuda.so', major: 1,
  hint: 'install the NVIDIA driver (it provides libcuda.so.1), or add its folder to LD_LIBRARY_PATH',
  sonames: ['libcuda.so.1'],
};
export const LIBNVRTC: LibrarySpec = {
  what: 'NVRTC', stem: 'libnvrtc.so', major: null, minMajor: 12, // sm_90a and the bf16 kernels' headers
  pip: 'nvidia-cuda-nvrtc', hint: pipHint('nvidia-cuda-nvrtc'),
  sonames: ['libnvrtc.so.13', 'libnvrtc.so.12'],
};
export const LIBCUBLASLT: LibrarySpec = {
  what: 'cuBLASLt', stem: 'libcublasLt.so', major: null, minMajor: 12,
  pip: 'nvidia-cublas', hint: pipHint('nvidia-cublas'),
  sonames: ['libcublasLt.so.13', 'libcublasLt.so.12'],
};

/**
 * What to install for a library of pip wheel `pip`: CUDA 13's wheel (`pip`, nvidia/cu13) or CUDA 12's (`pip`-cu12,
 * nvidia/cuda_nvrtc, nvidia/cublas), the one the driver's CUDA major (`maxMajor`) runs where it is known, else both.
 */
function pipHint(pip: string, maxMajor?: number): string {
  const wheel = maxMajor === undefined || maxMajor < 12 ? `\`pip install ${pip}\` (CUDA 13: a driver of R580 or newer) or \`pip install ${pip}-cu12\` (CUDA 12)`
    : maxMajor === 12 ? `\`pip install ${pip}-cu12\` (CUDA 12, which the driver runs)` : `\`pip install ${pip}\` (CUDA 13)`;
  return `install the CUDA toolkit (set CUDA_HOME) or ${wheel}`;
}

/** The hint for a missing or broken `spec`, naming the pip wheel of the CUDA the driver runs (`maxMajor`) where that is known. */
export function libraryHint(spec: LibrarySpec, maxMajor?: number): string {
  return spec.pip ? pipHint(spec.pip, maxMajor) : spec.hint;
}

/** Where to look: the environment and, for tests, the folder standing in for the file system's root. */
export interface SearchEnv {
  LD_LIBRARY_PATH?: string;
  CUDA_HOME?: string;
  CUDA_PATH?: string;
  HOME?: string;
  VIRTUAL_ENV?: string;
  CONDA_PREFIX?: string;
  /** Each folder of PATH holding a python3 names an installation (its parent: /opt/torch/.venv for /opt/torch/.venv/bin). */
  PATH?: string;
}

export interface SearchOptions {
  env?: SearchEnv;
  /** Prefix for the fixed system paths (default "/"); tests point it at a fake tree. */
  root?: string;
  /**
   * With a spec's `major` null: the newest major taken, the CUDA major the driver runs (driverCudaMajor). A library of a
   * newer CUDA needs a newer driver (CUDA 13's cuBLASLt and NVRTC's cubins do not run on a CUDA 12 driver): it is passed
   * over, and named in the error, for an older one that runs.
   */
  maxMajor?: number;
}

/** The folders that may hold the libraries, in search order, without duplicates (folders need not exist). */
export function librarySearchDirs(opts: SearchOptions = {}): string[] {
  return searchDirs(opts, 'lib');
}

/** The folders that may hold the CUDA headers (cuda_bf16.h), in search order. */
export function includeSearchDirs(opts: SearchOptions = {}): string[] {
  return searchDirs(opts, 'include');
}

function searchDirs(opts: SearchOptions, kind: 'lib' | 'include'): string[] {
  const env = opts.env ?? (process.env as SearchEnv);
  const root = opts.root ?? '/';
  const sys = (p: string): string => path.join(root, p);
  const dirs: string[] = [];
  if (kind === 'lib') dirs.push(...(env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''));
  const sub = kind === 'lib' ? ['lib64', 'lib'] : ['include'];
  for (const home of [env.CUDA_HOME, env.CUDA_PATH]) if (home) dirs.push(...sub.map((s) => path.join(home, s)));
  dirs.push(...sub.map((s) => sys(`usr/local/cuda/${s}`)));
  // conda's cuda-nvrtc and libcublas: $CONDA_PREFIX/lib; cuda_bf16.h (cuda-cudart-dev) in targets/<arch>-linux/include. After
  // /usr/local/cuda: conda's PyTorch brings cuda-nvrtc without the headers, and a toolkit beside it has both
  if (env.CONDA_PREFIX) dirs.push(...(kind === 'lib' ? [path.join(env.CONDA_PREFIX, 'lib')] : condaIncludeDirs(env.CONDA_PREFIX)));
  // a distribution's toolkit (Debian and Ubuntu's nvidia-cuda-toolkit): the libraries in the system folders, the headers in /usr/include
  dirs.push(...(kind === 'lib' ? SYSTEM_LIB_DIRS.map(sys) : [sys('usr/include')]));
  for (const site of sitePackages(env, root)) {
    // pip wheels: nvidia/cuda_nvrtc/lib, nvidia/cublas/lib (CUDA 12), nvidia/cu13/lib (CUDA 13)
    for (const pkg of listDirs(path.join(site, 'nvidia'))) dirs.push(path.join(site, 'nvidia', pkg, kind));
  }
  return [...new Set(dirs.map((d) => path.resolve(d)))];
}

/** The system library folders (under the root), after /usr/local/cuda; /usr/local/nvidia/lib64 is a container's driver. */
const SYSTEM_LIB_DIRS = ['usr/local/nvidia/lib64', 'usr/lib/x86_64-linux-gnu', 'usr/lib/aarch64-linux-gnu', 'usr/lib64', 'usr/lib', 'lib64', 'lib'];

/** The header folders of the conda environment at `prefix`: include, and the CUDA packages' targets/<arch>-linux/include. */
function condaIncludeDirs(prefix: string): string[] {
  return ['include', 'targets/x86_64-linux/include', 'targets/sbsa-linux/include'].map((d) => path.join(prefix, d));
}

/** site-packages / dist-packages folders of python3 installations at the usual places. */
function sitePackages(env: SearchEnv, root: string): string[] {
  const prefixes = [
    env.VIRTUAL_ENV, env.CONDA_PREFIX,
    ...(env.PATH ?? '').split(':').filter((d) => path.isAbsolute(d) && fs.existsSync(path.join(d, 'python3'))).map((d) => path.dirname(d)),
    env.HOME ? path.join(env.HOME, '.local') : undefined,
    path.join(root, 'usr/local'), path.join(root, 'usr'), path.join(root, 'opt/conda'),
  ].filter((p): p is string => !!p);
  const out: string[] = [];
  for (const prefix of prefixes) {
    const lib = path.join(prefix, 'lib');
    for (const py of listDirs(lib).filter((d) => /^python3(\.\d+)?$/.test(d)).sort(byVersionDesc)) {
      for (const name of ['site-packages', 'dist-packages']) out.push(path.join(lib, py, name));
    }
  }
  return out;
}

function byVersionDesc(a: string, b: string): number {
  const v = (s: string): number => Number(s.split('.')[1] ?? 0);
  return v(b) - v(a);
}

function listDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The soname match in one folder: `stem.<major>` exactly when `major` is set, else the highest
 * `stem.<major>` present (full version names like libnvrtc.so.13.0.88 count when no bare soname exists).
 */
export function matchInDir(dir: string, spec: LibrarySpec): string | null {
  return scanDir(dir, spec).file;
}

/** The CUDA major a driver of cuDriverGetVersion `version` runs (13000 → 13): the newest libraries' major it takes (SearchOptions.maxMajor). */
export function driverCudaMajor(version: number): number {
  return Math.floor(version / 1000);
}

/** The search NVRTC and cuBLASLt are opened with on a driver of cuDriverGetVersion `version`: libraries of a CUDA it runs (the backend, the probe, the smoke test). */
export function driverSearch(version: number): SearchOptions {
  return { maxMajor: driverCudaMajor(version) };
}

/** Whether a soname of `spec` ("libnvrtc.so.13") is of a major newer than `maxMajor` (never for the driver's own exact soname). */
export function newerThanDriver(spec: LibrarySpec, major: number, maxMajor: number | undefined): boolean {
  return spec.major === null && maxMajor !== undefined && major > maxMajor;
}

/**
 * matchInDir, with the files of the soname it passed over, each with why (`passed`): a major older than
 * spec.minMajor, or newer than `maxMajor` (the driver's), or a broken link (a driver or toolkit removed under a link left
 * behind), which the loader could not open.
 */
function scanDir(dir: string, spec: LibrarySpec, maxMajor?: number): { file: string | null; passed: string[] } {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return { file: null, passed: [] };
  }
  const re = new RegExp(`^${spec.stem.replace(/\./g, '\\.')}\\.(\\d+)((?:\\.\\d+)*)$`);
  const passed: string[] = [];
  let best: { name: string; major: number; rest: number } | null = null;
  for (const name of names.sort()) {
    const m = re.exec(name);
    if (!m) continue;
    const major = Number(m[1]);
    if (spec.major !== null && major !== spec.major) continue;
    const file = path.join(dir, name);
    if (spec.minMajor !== undefined && major < spec.minMajor) {
      passed.push(`${file} (CUDA ${major}: too old)`);
      continue;
    }
    if (newerThanDriver(spec, major, maxMajor)) {
      // a driver older than every major taken (CUDA 11's, with minMajor 12): only a newer driver helps
      const or = spec.minMajor !== undefined && maxMajor! < spec.minMajor ? ` (one that runs CUDA ${spec.minMajor} or newer)` : `, or install CUDA ${maxMajor}'s`;
      passed.push(`${file} (CUDA ${major}: newer than the driver, which runs CUDA ${maxMajor}: update the NVIDIA driver${or})`);
      continue;
    }
    if (!fs.existsSync(file)) {
      passed.push(`${file} (a broken link to ${linkTarget(file)})`);
      continue;
    }
    const rest = m[2]!.length; // prefer the bare soname over a fully versioned file of the same major
    if (!best || major > best.major || (major === best.major && rest < best.rest)) best = { name, major, rest };
  }
  return { file: best ? path.join(dir, best.name) : null, passed };
}

function linkTarget(file: string): string {
  try {
    return fs.readlinkSync(file);
  } catch {
    return 'nothing';
  }
}

/** The result of a search: the file found, or null, and every folder looked at (in order). */
export interface Found {
  file: string | null;
  looked: string[];
  /** Files of the soname passed over, each with why ("… (a broken link to …)"), in search order. */
  passed?: string[];
  /** The folders the environment names (LD_LIBRARY_PATH, CUDA_HOME, CUDA_PATH) that do not exist, each with its variable. */
  absent?: string[];
  /** The driver's CUDA major the search was capped at (SearchOptions.maxMajor), for the error's hint. */
  maxMajor?: number;
}

export function findLibrary(spec: LibrarySpec, opts: SearchOptions = {}): Found {
  const looked = librarySearchDirs(opts);
  const passed: string[] = [];
  for (const dir of looked) {
    const scan = scanDir(dir, spec, opts.maxMajor);
    passed.push(...scan.passed);
    if (scan.file) return { file: scan.file, looked, passed, absent: [], maxMajor: opts.maxMajor };
  }
  return { file: null, looked, passed, absent: absentEnvDirs(opts.env ?? (process.env as SearchEnv)), maxMajor: opts.maxMajor };
}

/** The folders LD_LIBRARY_PATH, CUDA_HOME and CUDA_PATH name that do not exist, as "DIR (VARIABLE)". */
function absentEnvDirs(env: SearchEnv): string[] {
  const named: Array<[string, string | undefined]> = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').map((d): [string, string] => ['LD_LIBRARY_PATH', d]),
    ['CUDA_HOME', env.CUDA_HOME], ['CUDA_PATH', env.CUDA_PATH],
  ];
  return named.filter(([, d]) => d && !fs.existsSync(d)).map(([v, d]) => `${path.resolve(d!)} (${v})`);
}

/**
 * The folder holding cuda_bf16.h (for NVRTC's -I), or null. With `besideLib` (the NVRTC file that will compile), the
 * include folders of that installation first (lib64/../include, nvidia/cu13/lib/../include, a CUDA 12 wheel's
 * nvidia/cuda_runtime/include, a conda environment's targets/<arch>-linux/include, /usr/include for a system library
 * folder's: ownIncludeDirs), so that the headers and the compiler come from one CUDA release where both are there; and a
 * folder whose headers say another CUDA major than that NVRTC's soname (cuda.h's CUDA_VERSION, cuda_runtime_api.h's
 * CUDART_VERSION) is passed over, named in `passed`.
 */
export function findCudaInclude(opts: SearchOptions = {}, besideLib: string | null = null): Found {
  const own = besideLib && path.isAbsolute(besideLib) ? ownIncludeDirs(besideLib, opts) : [];
  const looked = [...new Set([...own, ...includeSearchDirs(opts)])];
  const m = besideLib ? /^libnvrtc\.so\.(\d+)/.exec(path.basename(besideLib)) : null;
  const want = m ? Number(m[1]) : null;
  const passed: string[] = [];
  for (const dir of looked) {
    if (!fs.existsSync(path.join(dir, 'cuda_bf16.h'))) continue;
    const major = want === null ? null : headerCudaMajor(dir);
    if (major !== null && major !== want) {
      passed.push(`${dir} (CUDA ${major}'s headers, not NVRTC ${want}'s)`);
      continue;
    }
    return { file: dir, looked, passed };
  }
  return { file: null, looked, passed };
}

/** The CUDA major of the headers in `dir` (cuda.h's CUDA_VERSION, else cuda_runtime_api.h's CUDART_VERSION: 12040 → 12), or null where neither says. */
export function headerCudaMajor(dir: string): number | null {
  for (const [file, macro] of [['cuda.h', 'CUDA_VERSION'], ['cuda_runtime_api.h', 'CUDART_VERSION']] as const) {
    let text: string;
    try {
      text = fs.readFileSync(path.join(dir, file), 'latin1');
    } catch {
      continue;
    }
    const v = new RegExp(`^\\s*#\\s*define\\s+${macro}\\s+(\\d+)`, 'm').exec(text);
    if (v) return driverCudaMajor(Number(v[1]));
  }
  return null;
}

/** The headers' folder NVRTC file `nvrtcFile` compiles with (findCudaInclude), or the UserError headersNotFoundError gives: what the backend, doctor's probe and the smoke test use. */
export function requireCudaInclude(nvrtcFile: string | null, opts: SearchOptions = {}): string {
  const found = findCudaInclude(opts, nvrtcFile);
  if (!found.file) throw headersNotFoundError(found);
  return found.file;
}

/** The one-line error for CUDA headers found nowhere (findCudaInclude's result): every folder looked at, the folders of another CUDA passed over, what to do. */
export function headersNotFoundError(found: Pick<Found, 'looked' | 'passed'>): UserError {
  const passed = found.passed?.length ? `; passed over: ${found.passed.join(', ')}` : '';
  return new UserError(oneLine(`CUDA headers (cuda_bf16.h, needed by NVRTC) not found; looked in: ${found.looked.join(', ')}${passed}; install the CUDA toolkit's headers (Debian: nvidia-cuda-dev; pip: \`pip install nvidia-cuda-runtime-cu12\` for a CUDA 12 NVRTC, \`nvidia-cuda-runtime\` for CUDA 13's) or set CUDA_HOME`));
}

/**
 * The include folders of the installation `lib` (an absolute library file) is part of: lib/../include, and where it is a
 * pip wheel's (site-packages/nvidia/PKG/lib) the include folder of every package beside it but nvidia/cuNN — CUDA 12's
 * wheels put NVRTC in nvidia/cuda_nvrtc and cuda_bf16.h in nvidia/cuda_runtime; CUDA 13's put both in nvidia/cu13, another
 * release's headers for a CUDA 12 NVRTC beside it. A system library folder's (/usr/lib/x86_64-linux-gnu: a distribution's
 * toolkit) is /usr/include; a conda environment's lib, its include folders (condaIncludeDirs).
 */
function ownIncludeDirs(lib: string, opts: SearchOptions): string[] {
  const env = opts.env ?? (process.env as SearchEnv);
  const root = opts.root ?? '/';
  const dir = path.dirname(lib);
  if (SYSTEM_LIB_DIRS.some((d) => path.resolve(root, d) === dir)) return [path.resolve(root, 'usr/include')];
  if (env.CONDA_PREFIX && path.resolve(env.CONDA_PREFIX, 'lib') === dir) return condaIncludeDirs(path.resolve(env.CONDA_PREFIX));
  const own = path.resolve(dir, '..', 'include');
  const nvidia = path.resolve(dir, '..', '..');
  // nvidia/cu13 holds a whole CUDA 13 release: a CUDA 12 wheel beside it is another release's, and the reverse
  const release = /^cu\d+$/;
  if (path.basename(nvidia) !== 'nvidia' || release.test(path.basename(path.dirname(dir)))) return [own];
  return [own, ...listDirs(nvidia).filter((pkg) => !release.test(pkg)).map((pkg) => path.join(nvidia, pkg, 'include'))];
}

/** The one-line error for a library found nowhere: what, every folder searched, the files passed over and why, the environment's folders that do not exist, the hint. */
export function notFoundError(spec: LibrarySpec, found: Pick<Found, 'looked' | 'passed' | 'absent' | 'maxMajor'>, extra: string[] = []): UserError {
  const want = spec.major !== null ? `${spec.stem}.${spec.major}` : `${spec.stem}.*${spec.minMajor !== undefined ? `, CUDA ${spec.minMajor} or newer` : ''}`;
  const passed = found.passed?.length ? `; passed over: ${found.passed.join(', ')}` : '';
  const absent = found.absent?.length ? `; no such folder: ${found.absent.join(', ')}` : '';
  // a folder from CUDA_HOME or LD_LIBRARY_PATH may hold a line break: the error stays one line
  return new UserError(oneLine(`${spec.what} (${want}) not found; looked in: ${[...found.looked, ...extra].join(', ')}${passed}${absent}; ${libraryHint(spec, found.maxMajor)}`));
}
