// The CUDA kernel sources as NVRTC compiles them: each .cu of kernels/ with its local headers inlined
// (so the kernel cache key covers them), and the compile options for an architecture and storage type.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompileRequest } from './kernel-cache.ts';

export const KERNELS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kernels');

/** The kernel files, one module each. */
export const KERNEL_FILES = ['attention', 'attention_flash_backward', 'attention_flash_forward', 'attention_gemm', 'convert', 'cross_entropy', 'dora', 'elementwise', 'gemm_fallback', 'gemm_small_k', 'lora_grad_up', 'optim', 'random', 'rmsnorm', 'rope', 'rows', 'swiglu'] as const;
export type KernelFile = (typeof KERNEL_FILES)[number];

/** bf16 storage (the default of the .cu files), float (-DSTORE_F32: the fp32 path) or double (-DSTORE_F64: gradient checks). */
export type Storage = 'bf16' | 'f32' | 'f64';

const STORAGE_FLAGS: Record<Storage, string[]> = { bf16: [], f32: ['-DSTORE_F32'], f64: ['-DSTORE_F64'] };

/** The source with every `#include "local.cuh"` replaced by the header (once; `#pragma once` dropped). */
export function expandIncludes(source: string, dir: string, seen: Set<string> = new Set()): string {
  return source.replace(/^[ \t]*#include\s+"([^"]+)"[ \t]*$/gm, (_line, name: string) => {
    const file = path.resolve(dir, name);
    if (seen.has(file)) return `// ${name} already included`;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8').replace(/^[ \t]*#pragma once[ \t]*$/m, '');
    return `// ---- ${name} ----\n${expandIncludes(text, path.dirname(file), seen)}\n// ---- end of ${name} ----`;
  });
}

export function kernelSource(name: KernelFile, dir: string = KERNELS_DIR): string {
  return expandIncludes(fs.readFileSync(path.join(dir, `${name}.cu`), 'utf8'), dir);
}

/** What the kernel cache and NVRTC get for one module. */
export function compileRequest(name: KernelFile, arch: string, cudaInclude: string, storage: Storage, dir: string = KERNELS_DIR): CompileRequest {
  return {
    name: `${name}.cu`, source: kernelSource(name, dir), arch,
    flags: ['-std=c++17', `-I${cudaInclude}`, ...STORAGE_FLAGS[storage]],
  };
}

/** NVRTC's option list for a request. */
export function nvrtcOptions(req: CompileRequest): string[] {
  return [`--gpu-architecture=${req.arch}`, ...req.flags];
}
