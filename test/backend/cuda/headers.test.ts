// The FFI declarations against the CUDA headers installed here (cuda.h, library_types.h, nvrtc.h,
// cublas_api.h, cublasLt.h, found where NVRTC's include folder is looked for): every entry point we bind is
// the name the header's #define maps the API to (cuMemAlloc → cuMemAlloc_v2), with the same number of
// arguments of the same size and kind (pointer, 64-bit, 32-bit, 8-bit, float), and every enum value we
// pass is the header's. Where the shared libraries are found too, `nm -D` shows each symbol exported.
// A header that is not installed skips its part with the reason; nothing here needs a GPU. Without the toolkit,
// NVRTC's and cuBLASLt's headers and libraries come from the CUDA 13 wheels on disk where they are (cuda-wheels.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CUDA_TYPE, HEURISTIC_BYTES, LT, LT_SIGNATURES, ltAlignment } from '../../../src/backend/cuda/cublaslt.ts';
import { CUDA_ERROR_OUT_OF_MEMORY, DEVICE_ATTRIBUTE, DRIVER_ERROR_SIGNATURES, DRIVER_SIGNATURES, FUNC_ATTRIBUTE, SHAREDMEM_CARVEOUT_MAX_SHARED } from '../../../src/backend/cuda/driver.ts';
import { findLibrary, includeSearchDirs, LIBCUBLASLT, LIBNVRTC } from '../../../src/backend/cuda/find-libs.ts';
import { NVRTC_ERROR_COMPILATION, NVRTC_SIGNATURES } from '../../../src/backend/cuda/nvrtc.ts';
import { useCudaWheelsWhereMissing } from './cuda-wheels.ts';

const WHEELS = useCudaWheelsWhereMissing(); // before anything below looks for the headers and libraries

/** The first include folder (NVRTC's search order) holding `name`, or null. */
function header(name: string): string | null {
  for (const dir of includeSearchDirs()) if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
  return null;
}

const read = (file: string): string => fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');

/** `NAME = value` of an enum in `text` (decimal or hex), or undefined. */
function enumValue(text: string, name: string): number | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(0x[0-9a-fA-F]+|-?\\d+)\\b`).exec(text);
  return m ? Number(m[1]) : undefined;
}

/** What the header's `#define base …` maps `base` to without per-thread default streams (itself when no define). */
function exportName(text: string, base: string): string {
  const names = new Set<string>();
  for (const m of text.matchAll(new RegExp(`^\\s*#\\s*define\\s+${base}\\s+(?:__CUDA_API_PTSZ\\((\\w+)\\)|__CUDA_API_PTDS\\((\\w+)\\)|(\\w+))\\s*$`, 'gm'))) {
    names.add(m[1] ?? m[2] ?? m[3]!);
  }
  assert.ok(names.size <= 1, `${base}: the header maps it to ${[...names].join(' and ')}`);
  return names.size ? [...names][0]! : base;
}

/** The first prototype of `fn` in the header: return type and parameter declarations. */
function prototype(text: string, fn: string): { ret: string; params: string[] } | null {
  const m = new RegExp(`([\\w\\s\\*]+?)\\s*\\b(?:CUDAAPI|CUBLASWINAPI)?\\s*\\b${fn}\\s*\\(([^)]*)\\)\\s*;`).exec(text);
  if (!m) return null;
  const ret = m[1]!.replace(/\b(?:extern|CUDAAPI|CUBLASWINAPI|NVRTC_API)\b/g, ' ').trim().split(/\s*\n\s*/).pop()!.trim();
  const params = m[2]!.replace(/\s+/g, ' ').trim();
  return { ret, params: params === '' || params === 'void' ? [] : params.split(',').map((p) => p.trim()) };
}

/** Handle types that are pointers: `typedef struct X *Name;` / `typedef X_t* Name;` of the headers, and the runtime's stream. */
function pointerTypedefs(...texts: string[]): Set<string> {
  const out = new Set(['cudaStream_t']);
  for (const t of texts) for (const m of t.matchAll(/typedef\s+(?:struct\s+)?\w+\s*\*\s*(\w+)\s*;/g)) out.add(m[1]!);
  return out;
}

const WIDE = new Set(['size_t', 'uint64_t', 'int64_t', 'unsigned long long', 'long long', 'CUdeviceptr', 'CUdeviceptr_v2']);

/** An argument's ABI class: ptr, i64, i32, i8 or f32 (enums and CUdevice are 32-bit ints). */
function cClass(decl: string, pointers: Set<string>): string {
  const d = decl.replace(/\bconst\b/g, ' ').replace(/\s+/g, ' ').trim();
  if (d.includes('*') || d.endsWith('[]')) return 'ptr'; // an array parameter is a pointer
  const words = d.split(' ');
  const type = (words.length > 1 && !['int', 'char', 'long', 'float'].includes(words.at(-1)!) ? words.slice(0, -1) : words).join(' ');
  if (pointers.has(type)) return 'ptr';
  if (WIDE.has(type)) return 'i64';
  if (type === 'float') return 'f32';
  if (type === 'unsigned char' || type === 'uint8_t' || type === 'char') return 'i8';
  return 'i32';
}

/** The same classes of a koffi declaration "int name(_Out_ void **p, size_t n)". */
function koffiClasses(sig: string): { ret: string; name: string; params: string[] } {
  const m = /^(.+?)\s*\b(\w+)\s*\((.*)\)$/.exec(sig);
  assert.ok(m, `cannot parse the koffi declaration ${sig}`);
  const params = m[3]!.trim() === '' ? [] : m[3]!.split(',').map((p) => cClass(p.replace(/\b_(?:Out|Inout)_\b/g, ''), new Set()));
  return { ret: m[1]!.trim(), name: m[2]!, params };
}

function checkBinding(text: string, pointers: Set<string>, sig: string, wantName?: string): void {
  const k = koffiClasses(sig);
  const base = k.name.replace(/_v\d+$/, '');
  assert.equal(k.name, wantName ?? exportName(text, base), `${base}: we bind ${k.name}, the header maps it to ${exportName(text, base)}`);
  const p = prototype(text, base) ?? prototype(text, k.name);
  assert.ok(p, `${k.name}: no prototype in the header`);
  // a device address (`void *` in C) may be declared uint64_t: the same 8-byte integer in the LP64 calling convention
  const deviceAddress = (d: string): boolean => /^(const\s+)?void\s*\*\s*\w*$/.test(d.trim());
  const want = p.params.map((d, i) => (k.params[i] === 'i64' && deviceAddress(d) ? 'i64' : cClass(d, pointers)));
  assert.deepEqual(k.params, want, `${k.name}(${p.params.join(', ')}) vs our ${sig}`);
  const ret = cClass(p.ret.includes('*') ? p.ret : `${p.ret} x`, pointers);
  assert.equal(cClass(k.ret.includes('*') ? k.ret : `${k.ret} x`, new Set()), ret, `${k.name} returns ${p.ret}`);
}

/** Every symbol the shared library exports (nm -D), or null when nm or the library is missing. */
/** The dynamic symbols a library defines, version suffixes dropped (nm prints `nvrtcVersion@@libnvrtc.so.13`; dlsym finds the default version by the bare name). */
function exported(file: string | null): Set<string> | null {
  if (!file) return null;
  try {
    return new Set(execFileSync('nm', ['-D', '--defined-only', file], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ').pop()!.replace(/@.*$/, '')));
  } catch {
    return null;
  }
}

const CUDA_H = header('cuda.h');
test('the driver bindings match cuda.h: export names (_v2 where #defined), argument kinds, attribute values', { skip: CUDA_H ? false : 'cuda.h not installed here (set CUDA_HOME)' }, () => {
  const text = read(CUDA_H!);
  const pointers = pointerTypedefs(text);
  assert.ok(pointers.has('CUcontext') && pointers.has('CUstream') && pointers.has('CUfunction'));
  for (const [key, [names, sig]] of Object.entries(DRIVER_SIGNATURES)) {
    const base = names[0]!.replace(/_v\d+$/, '');
    const want = exportName(text, base);
    assert.equal(names[0], want, `${key}: the first name tried is ${names[0]}, cuda.h exports ${base} as ${want}`);
    checkBinding(text, pointers, sig.replace('%s', names[0]!));
  }
  for (const sig of Object.values(DRIVER_ERROR_SIGNATURES)) checkBinding(text, pointers, sig);
  for (const [name, value] of Object.entries(DEVICE_ATTRIBUTE)) assert.equal(enumValue(text, `CU_DEVICE_ATTRIBUTE_${name}`), value, name);
  for (const [name, value] of Object.entries(FUNC_ATTRIBUTE)) assert.equal(enumValue(text, `CU_FUNC_ATTRIBUTE_${name}`), value, name);
  assert.equal(enumValue(text, 'CUDA_ERROR_OUT_OF_MEMORY'), CUDA_ERROR_OUT_OF_MEMORY);
  assert.equal(enumValue(text, 'CU_SHAREDMEM_CARVEOUT_MAX_SHARED'), SHAREDMEM_CARVEOUT_MAX_SHARED);
  assert.equal(enumValue(text, 'CUDA_SUCCESS'), 0);
});

const LIBRARY_TYPES_H = header('library_types.h');
test('cudaDataType_t values match library_types.h (CUDA_R_32F = 0, CUDA_R_64F = 1, CUDA_R_16F = 2, CUDA_R_16BF = 14)', { skip: LIBRARY_TYPES_H ? false : 'library_types.h not installed here' }, () => {
  const text = read(LIBRARY_TYPES_H!);
  const names = { f32: 'CUDA_R_32F', f64: 'CUDA_R_64F', f16: 'CUDA_R_16F', bf16: 'CUDA_R_16BF' } as const;
  for (const [t, v] of Object.entries(CUDA_TYPE)) assert.equal(enumValue(text, names[t as keyof typeof names]), v, t);
});

const NVRTC_H = header('nvrtc.h');
test('the NVRTC bindings match nvrtc.h', { skip: NVRTC_H ? false : `nvrtc.h not installed here (the CUDA toolkit, or pip nvidia-cuda-nvrtc, brings it); ${WHEELS}` }, () => {
  const text = read(NVRTC_H!);
  const pointers = pointerTypedefs(text);
  for (const sig of Object.values(NVRTC_SIGNATURES)) checkBinding(text, pointers, sig);
  assert.equal(enumValue(text, 'NVRTC_SUCCESS'), 0);
  assert.equal(enumValue(text, 'NVRTC_ERROR_COMPILATION'), NVRTC_ERROR_COMPILATION);
});

const CUBLASLT_H = header('cublasLt.h');
test('the cuBLASLt bindings and enum values match cublasLt.h and cublas_api.h', { skip: CUBLASLT_H ? false : `cublasLt.h not installed here (the CUDA toolkit, or pip nvidia-cublas, brings it); ${WHEELS}` }, () => {
  const api = header('cublas_api.h');
  const text = read(CUBLASLT_H!) + (api ? read(api) : '');
  const pointers = pointerTypedefs(text);
  for (const sig of Object.values(LT_SIGNATURES)) checkBinding(text, pointers, sig);
  for (const [name, value] of Object.entries(LT)) assert.equal(enumValue(text, name), value, name);
  // cublasLtMatmulHeuristicResult_t as we read it: the algo (8 uint64) first, then workspaceSize, state, wavesCount, reserved[4]
  assert.match(text, /typedef\s+struct\s*\{\s*uint64_t\s+data\[8\];\s*\}\s*cublasLtMatmulAlgo_t;/);
  const m = /typedef\s+struct\s*\{([^}]*)\}\s*cublasLtMatmulHeuristicResult_t;/.exec(text);
  assert.ok(m, 'cublasLtMatmulHeuristicResult_t');
  assert.equal(m[1]!.replace(/\s+/g, ' ').trim(), 'cublasLtMatmulAlgo_t algo; size_t workspaceSize; cublasStatus_t state; float wavesCount; int reserved[4];');
  assert.equal(HEURISTIC_BYTES, 64 + 8 + 4 + 4 + 16);
});

const LIBS = { nvrtc: findLibrary(LIBNVRTC).file, cublasLt: findLibrary(LIBCUBLASLT).file };
test('NVRTC and cuBLASLt export every symbol we bind (nm -D)', { skip: LIBS.nvrtc || LIBS.cublasLt ? false : `neither libnvrtc.so.* nor libcublasLt.so.* is installed here; ${WHEELS}` }, (t) => {
  for (const [lib, sigs] of [[LIBS.nvrtc, NVRTC_SIGNATURES], [LIBS.cublasLt, LT_SIGNATURES]] as const) {
    const names = exported(lib);
    if (!names) {
      t.diagnostic(`${lib ?? 'a library'}: not found or nm failed; its symbols are not checked`);
      continue;
    }
    for (const sig of Object.values(sigs)) {
      const name = koffiClasses(sig).name;
      assert.ok(names.has(name), `${lib} exports ${name}`);
    }
  }
});

test('the parsers above read C declarations as intended (so a skip-free run here is meaningful)', () => {
  const text = read(path.join(import.meta.dirname, 'fixtures', 'mini-cuda.h'));
  assert.equal(exportName(text, 'cuMemAlloc'), 'cuMemAlloc_v2');
  assert.equal(exportName(text, 'cuLaunchKernel'), 'cuLaunchKernel');
  assert.equal(exportName(text, 'cuInit'), 'cuInit');
  assert.equal(enumValue(text, 'CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR'), 75);
  const pointers = pointerTypedefs(text);
  assert.deepEqual(prototype(text, 'cuLaunchKernel')!.params.map((d) => cClass(d, pointers)),
    ['ptr', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'ptr', 'ptr', 'ptr']);
  assert.equal(cClass('cublasLtMatmulHeuristicResult_t results[]', pointers), 'ptr');
  checkBinding(text, pointers, 'int cuMemAlloc_v2(_Out_ uint64_t *ptr, size_t bytes)');
  assert.throws(() => checkBinding(text, pointers, 'int cuMemAlloc_v2(_Out_ uint64_t *ptr, unsigned int bytes)'), /cuMemAlloc_v2/);
  assert.throws(() => checkBinding(text, pointers, 'int cuMemAlloc(_Out_ uint64_t *ptr, size_t bytes)'), /maps it to cuMemAlloc_v2/);
  assert.throws(() => checkBinding(text, pointers, 'int cuLaunchKernel(void *fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, void *stream, void **params)'));
});

test('cuBLASLt alignment: the largest power of two ≤ 256 dividing the address and the batch stride', () => {
  assert.equal(ltAlignment(0x7f0000000000n), 256);
  assert.equal(ltAlignment(0x7f0000000004n), 4);
  assert.equal(ltAlignment(0x7f0000000010n), 16);
  assert.equal(ltAlignment(0x7f0000000000n, 4096 * 2), 256);
  assert.equal(ltAlignment(0x7f0000000000n, 6), 2);
  assert.equal(ltAlignment(0n), 256);
});
