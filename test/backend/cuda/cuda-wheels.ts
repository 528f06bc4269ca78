// CUDA 13's NVRTC and cuBLASLt from the pip wheels lying on disk, for the tests that read the real headers and
// libraries (headers.test.ts, nvrtc-compile.test.ts) on a machine without the toolkit. Where NVRTC, cuBLASLt or
// their headers are not found, the wheels (nvidia_cuda_nvrtc-13*.whl, nvidia_cublas-13*.whl in /opt/pypi-more/files,
// or in MISTRAL_TUNE_CUDA_WHEELS=DIR) are unpacked once into a cache under the temp folder — only the libraries
// the tests load or read and the headers, ~650 MB, a few seconds — and CUDA_HOME points this test process at it.
// The rest of the CUDA headers (cuda.h, cuda_bf16.h) are not in these wheels: find-libs.ts goes on to
// /usr/local/cuda/include after CUDA_HOME/include, as it would for any CUDA_HOME. A machine with the toolkit
// (the GPU machine) is left as it is.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findLibrary, includeSearchDirs, LIBCUBLASLT, LIBNVRTC } from '../../../src/backend/cuda/find-libs.ts';

export const DEFAULT_WHEELS_DIR = '/opt/pypi-more/files';
const HEADERS = ['nvrtc.h', 'cublasLt.h', 'cublas_api.h'];

// Copies out of each wheel its headers and the NVRTC, NVRTC builtins (not the .alt variants) and cuBLASLt
// libraries, wherever the wheel keeps them (nvidia/cu13/{include,lib} in CUDA 13), into DEST/include and DEST/lib.
const EXTRACT_PY = String.raw`
import os, re, shutil, sys, zipfile
dest, wheels = sys.argv[1], sys.argv[2:]
want = re.compile(r'^nvidia/[^/]+/(include/[^/]+\.h|lib/lib(?:nvrtc|nvrtc-builtins|cublasLt)\.so[.0-9]*)$')
for wheel in wheels:
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            m = want.match(name)
            if not m:
                continue
            out = os.path.join(dest, m.group(1))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(name) as src, open(out, 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
`;

/** What the two tests need of NVRTC and cuBLASLt that is not found here (empty where the toolkit is installed). */
export function missingCudaParts(): string[] {
  const missing = [LIBNVRTC, LIBCUBLASLT].filter((spec) => !findLibrary(spec).file).map((spec) => `${spec.stem}.*`);
  const dirs = includeSearchDirs();
  return [...missing, ...HEADERS.filter((h) => !dirs.some((d) => fs.existsSync(path.join(d, h))))];
}

/** The newest wheel in `dir` named `prefix`<version>-…-<this machine's arch>.whl, or null. */
function findWheel(dir: string, prefix: string): string | null {
  const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return null;
  }
  const found = names.filter((n) => n.startsWith(prefix) && n.endsWith(`${arch}.whl`))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return found.length ? path.join(dir, found.at(-1)!) : null;
}

/** The CUDA_HOME-like folder (include/, lib/) made from the two wheels, unpacked once (a cache per user: another user's is neither used nor in the way): into a fresh folder, then renamed into place, so a test process running beside never sees it half made. */
export function unpackCudaWheels(wheels: readonly string[], cacheRoot = path.join(os.tmpdir(), `mistral-tune-cuda-wheels-${process.getuid?.() ?? 'user'}`)): string {
  const names = wheels.map((w) => path.basename(w));
  const versions = names.map((n) => n.split('-').slice(0, 2).join('-').replace(/^nvidia_(cuda_)?/, '')).join('+');
  const home = path.join(cacheRoot, `${versions}-${createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 8)}`);
  if (fs.existsSync(home)) return home;
  fs.mkdirSync(cacheRoot, { recursive: true });
  const part = fs.mkdtempSync(`${home}.part-`);
  try {
    try {
      execFileSync('python3', ['-c', EXTRACT_PY, part, ...wheels], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim().split('\n').at(-1); // the traceback's last line
      throw new Error(`unpacking ${wheels.join(' and ')} with python3's zipfile failed: ${stderr || (e as Error).message}`);
    }
    const lib = fs.readdirSync(path.join(part, 'lib'));
    const lacking = [...[LIBNVRTC, LIBCUBLASLT].filter((s) => !lib.some((n) => n.startsWith(`${s.stem}.`))).map((s) => `${s.stem}.*`),
      ...HEADERS.filter((h) => !fs.existsSync(path.join(part, 'include', h)))];
    if (lacking.length) throw new Error(`${wheels.join(' and ')} lack ${lacking.join(', ')}`);
    try {
      fs.renameSync(part, home);
    } catch (e) {
      if (!fs.existsSync(home)) throw e; // else another test process made it first: use theirs
    }
  } finally {
    fs.rmSync(part, { recursive: true, force: true });
  }
  pruneStale(cacheRoot, path.basename(home));
  return home;
}

/** An unpacked folder of other wheels (or one left half made) unused this long is removed when a new one is made. */
const STALE_MS = 60 * 60 * 1000;

/**
 * Removes what earlier wheels left in the cache (~630 MB a version): every folder but `keep` not changed for
 * STALE_MS — a folder another test process is making or has just made is newer than that, and is kept.
 */
function pruneStale(cacheRoot: string, keep: string): void {
  for (const name of fs.readdirSync(cacheRoot)) {
    if (name === keep) continue;
    const p = path.join(cacheRoot, name);
    try {
      if (Date.now() - fs.statSync(p).mtimeMs > STALE_MS) fs.rmSync(p, { recursive: true, force: true });
    } catch {
      // gone already, or another user's: not ours to remove
    }
  }
}

/**
 * Points CUDA_HOME of this process at the CUDA 13 wheels, unpacked, where NVRTC, cuBLASLt or their headers are not
 * found here; call it before the tests look for them. Returns a note for skip messages: where the wheels were looked
 * for, or why they could not be unpacked (then the tests skip, as without them).
 */
export function useCudaWheelsWhereMissing(): string {
  const missing = missingCudaParts();
  if (!missing.length) return 'the CUDA toolkit found here was used';
  const dir = process.env.MISTRAL_TUNE_CUDA_WHEELS || DEFAULT_WHEELS_DIR;
  const wheels = [findWheel(dir, 'nvidia_cuda_nvrtc-13'), findWheel(dir, 'nvidia_cublas-13')];
  if (wheels.includes(null)) {
    return `no CUDA 13 wheels (nvidia_cuda_nvrtc-13*.whl, nvidia_cublas-13*.whl) at ${dir} to unpack either (MISTRAL_TUNE_CUDA_WHEELS=DIR names another folder)`;
  }
  try {
    process.env.CUDA_HOME = unpackCudaWheels(wheels as string[]);
  } catch (e) {
    // this machine's wheels or disk (a full temp folder), not our code: the tests skip, saying so
    return `the CUDA 13 wheels at ${dir} could not be used: ${(e as Error).message.split('\n')[0]}`;
  }
  return `CUDA_HOME=${process.env.CUDA_HOME} unpacked from the wheels at ${dir}`;
}
