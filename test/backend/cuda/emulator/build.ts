// Builds the kernel emulator: every kernel module of src/backend/cuda/kernels compiled for the host by g++ with
// cuda-host.h, one shared library per storage variant (libkernels-bf16.so, -f32.so, -f64.so), each exporting
// mt_launch(name, grid, block, shared bytes, kernelParams) — what the stand-in libcuda (fixtures/fake-cuda.c)
// calls on cuLaunchKernel when MT_FAKE_CUDA_KERNELS names the folder. The launch wrappers come from the kernel
// table. The inline PTX of mma.cuh and tile_io.cuh (mma.sync, ldmatrix, cp.async) becomes cuda-host.h's warp-collective
// mt_mma_m16n8k16_bf16 and mt_ldmatrix_x4 under MT_HOST_EMULATOR. Also builds the stand-in libraries.
// cachedKernelEmulator: the same build, made once per content (sources, this file, g++) under the temp folder.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KERNELS, type KernelParam } from '../../../../src/backend/cuda/kernel-table.ts';
import { KERNEL_FILES, KERNELS_DIR } from '../../../../src/backend/cuda/kernel-source.ts';

const HERE = import.meta.dirname;

function cType(p: KernelParam): string {
  if (p.kind === 'buffer') return { S: 'store_t *', E: 'exact_t *', I: 'int *', D: 'double *', V: 'void *' }[p.code];
  return { i32: 'int', i64: 'long long', u32: 'unsigned', u64: 'unsigned long long', f32: 'float', f64: 'double', real: 'real' }[p.code];
}

function dispatchSource(): string {
  const kernels = Object.entries(KERNELS);
  const protos = kernels.map(([name, k]) => `extern "C" void ${name}(${k.params.map(cType).join(', ')});`);
  const cases = kernels.map(([name, k]) =>
    `  if (!std::strcmp(name, "${name}")) { mt_run(grid, block, [=] { ${name}(${k.params.map((p, i) => `*(${cType(p)} *)p[${i}]`).join(', ')}); }); return 0; }`);
  return ['#include <cstdio>', '#include <cstdlib>', '#include <cstring>', '#include <functional>', '#include "common.cuh"',
    'void mt_run(const unsigned grid[3], const unsigned block[3], const std::function<void()> &fn);', ...protos,
    'static int run(const char *name, const unsigned grid[3], const unsigned block[3], void **p) {', ...cases, '  return 500; // CUDA_ERROR_NOT_FOUND', '}',
    'extern "C" int mt_launch(const char *name, const unsigned grid[3], const unsigned block[3], unsigned shmem, void **p) {',
    '  if (shmem > MT_SMEM_BYTES) return 1;',
    // the dynamic shared memory past what the launch asked for is filled, and checked after it: a kernel that writes
    // there would overrun its block's share on a GPU. What a passed check saw still holds the fill (filledFrom on),
    // so only the bytes the last launch could use are filled again
    '  static unsigned char fill[MT_SMEM_BYTES];',
    '  static unsigned filledFrom = MT_SMEM_BYTES;',
    '  if (!fill[0]) std::memset(fill, 0xa5, MT_SMEM_BYTES);',
    '  if (shmem < filledFrom) std::memcpy(smem_bytes + shmem, fill, filledFrom - shmem);',
    '  const int rc = run(name, grid, block, p);',
    '  if (std::memcmp(smem_bytes + shmem, fill, MT_SMEM_BYTES - shmem)) { std::fprintf(stderr, "emulator: %s wrote shared memory past the %u bytes its launch asked for\\n", name, shmem); std::abort(); }',
    '  filledFrom = shmem;',
    '  return rc;', '}', ''].join('\n');
}

/** Builds the three variant libraries into `out` (once per folder); returns `out`. */
export function buildKernelEmulator(out: string): string {
  if (fs.existsSync(path.join(out, 'libkernels-f64.so'))) return out;
  const src = path.join(out, 'src');
  fs.mkdirSync(src, { recursive: true });
  // the kernel files as the host compiles them: no CUDA header, "extern __shared__" as a plain extern
  const headers = fs.readdirSync(KERNELS_DIR).filter((f) => f.endsWith('.cuh'));
  for (const f of [...KERNEL_FILES.map((m) => `${m}.cu`), ...headers]) {
    const text = fs.readFileSync(path.join(KERNELS_DIR, f), 'utf8').replace(/#include <cuda_(bf16|fp16)\.h>/g, '').replace(/extern __shared__/g, 'extern');
    fs.writeFileSync(path.join(src, f.replace(/\.cu$/, '.cpp')), text);
  }
  fs.writeFileSync(path.join(src, 'dispatch.cpp'), dispatchSource());
  fs.copyFileSync(path.join(HERE, 'runtime.cpp'), path.join(src, 'runtime.cpp'));
  for (const h of ['cuda-host.h', 'fiber.h']) fs.copyFileSync(path.join(HERE, h), path.join(src, h));
  const units = [...KERNEL_FILES.map((m) => `${m}.cpp`), 'dispatch.cpp', 'runtime.cpp'].map((u) => path.join(src, u));
  for (const [variant, flags] of [['bf16', []], ['f32', ['-DSTORE_F32']], ['f64', ['-DSTORE_F64']]] as const) {
    execFileSync('g++', ['-std=c++17', '-O1', '-ffp-contract=off', '-fPIC', '-shared', '-w', '-include', path.join(src, 'cuda-host.h'), `-I${src}`, ...flags,
      ...units, '-o', path.join(out, `libkernels-${variant}.so`)], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return out;
}

/**
 * The kernel emulator of buildKernelEmulator, built once for what it is built from: a folder under the user's own
 * cache folder in the temp folder (another user's build is neither loaded nor in the way: a root-owned cache made
 * mkdtemp fail for a normal user) named by the hash of every file the build reads (the kernel modules and headers,
 * the emulator's runtime and headers, this file with its flags), the kernel table's launch wrappers and
 * `g++ --version` — so a changed kernel or compiler builds anew, and an unchanged one (the next npm test) takes
 * ~20 s of g++ less. Built into a fresh folder, then renamed into place, so a test process running beside never
 * sees it half made.
 */
export function cachedKernelEmulator(cacheRoot = path.join(os.tmpdir(), `mistral-tune-kernel-emulator-${process.getuid?.() ?? 'user'}`)): string {
  const hash = createHash('sha256');
  const add = (name: string, bytes: string | Buffer): void => { hash.update(`${name}\0${bytes.length}\0`); hash.update(bytes); };
  add('g++ --version', execFileSync('g++', ['--version']));
  add('dispatch.cpp', dispatchSource());
  for (const f of fs.readdirSync(KERNELS_DIR).filter((f) => /\.(cu|cuh)$/.test(f)).sort()) add(f, fs.readFileSync(path.join(KERNELS_DIR, f)));
  for (const f of ['build.ts', 'runtime.cpp', 'cuda-host.h', 'fiber.h']) add(f, fs.readFileSync(path.join(HERE, f)));
  const dir = path.join(cacheRoot, hash.digest('hex').slice(0, 24));
  if (fs.existsSync(path.join(dir, 'libkernels-f64.so'))) return dir;
  fs.mkdirSync(cacheRoot, { recursive: true });
  const fresh = fs.mkdtempSync(path.join(cacheRoot, '.tmp-'));
  try {
    buildKernelEmulator(fresh);
    fs.renameSync(fresh, dir);
  } catch (e) {
    fs.rmSync(fresh, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, 'libkernels-f64.so'))) throw e; // else another process put the same build in place first
  }
  return dir;
}

/** Builds the stand-in libcuda / libnvrtc / libcublasLt (one file, three names) into `root`/lib; returns the lib folder. */
export function buildStandIn(root: string, cc = 'cc'): string {
  const lib = path.join(root, 'lib');
  fs.mkdirSync(lib, { recursive: true });
  fs.mkdirSync(path.join(root, 'include'), { recursive: true });
  fs.writeFileSync(path.join(root, 'include', 'cuda_bf16.h'), '// stand-in\n');
  const so = path.join(lib, 'libfake.so');
  execFileSync(cc, ['-shared', '-fPIC', '-O2', '-o', so, path.join(HERE, '..', 'fixtures', 'fake-cuda.c'), '-ldl']);
  for (const name of ['libcuda.so.1', 'libnvrtc.so.13', 'libcublasLt.so.13']) if (!fs.existsSync(path.join(lib, name))) fs.symlinkSync('libfake.so', path.join(lib, name));
  return lib;
}
