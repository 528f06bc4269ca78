// The Q4_K, Q5_K, Q6_K and Q8_0 quantisers compiled to WebAssembly (wasm/quant.c → wasm/quant.wasm, built by
// scripts/build-quant-wasm.sh): the same bytes as the TypeScript ones (q4-k.ts and q5-k.ts with qkx2.ts, q6-k.ts, q8-0.ts: the reference),
// 6–16 times faster (docs/gguf.md). The module is read and instantiated synchronously, once per thread (each pool
// worker has its own); it owns a fixed memory with one chunk of input and output, so a tensor goes through
// it a chunk at a time. MISTRAL_TUNE_GGUF_QUANT=auto|wasm|typescript chooses (auto: wasm where WebAssembly
// SIMD runs, else TypeScript).
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../../util/errors.ts';
import { wasmApi } from '../../../backend/cpu/wasm/wasm-api.ts';

/** Quantises x (length a multiple of the type's block) into out (its blocks). */
export type BlockQuantizer = (x: Float32Array, out: Uint8Array) => void;

export interface WasmQuantizers {
  Q4_K: BlockQuantizer;
  Q5_K: BlockQuantizer;
  Q6_K: BlockQuantizer;
  Q8_0: BlockQuantizer;
}

interface Exports {
  memory: { buffer: ArrayBuffer };
  quant_in(): number;
  quant_out(): number;
  quant_chunk(): number;
  quantize_q4_k(nb: number): void;
  quantize_q5_k(nb: number): void;
  quantize_q6_k(nb: number): void;
  quantize_q8_0(nb: number): void;
}

const FILE = fileURLToPath(new URL('./wasm/quant.wasm', import.meta.url));

/** This thread's quantisers for each MISTRAL_TUNE_GGUF_QUANT seen (instantiated once per value, in practice once). */
const loaded = new Map<string, WasmQuantizers | null>();

/** The wasm quantisers of this thread for MISTRAL_TUNE_GGUF_QUANT (see quantizersFor). */
export function wasmQuantizers(): WasmQuantizers | null {
  const want = process.env.MISTRAL_TUNE_GGUF_QUANT ?? 'auto';
  let q = loaded.get(want);
  if (q === undefined) loaded.set(want, (q = quantizersFor(want)));
  return q;
}

/**
 * A new instance of the wasm quantisers for `want` (auto, wasm or typescript): null for typescript, or for auto
 * where WebAssembly (SIMD) does not run; a UserError for another value, or for wasm where it does not run.
 */
export function quantizersFor(want: string, file = FILE): WasmQuantizers | null {
  if (want !== 'auto' && want !== 'wasm' && want !== 'typescript') {
    throw new UserError(`MISTRAL_TUNE_GGUF_QUANT: "${want}" is not auto, wasm or typescript`);
  }
  if (want === 'typescript') return null;
  try {
    return instantiate(fs.readFileSync(file));
  } catch (e) {
    if (want === 'wasm') throw new UserError(`MISTRAL_TUNE_GGUF_QUANT=wasm: cannot load ${file} (${(e as Error).message})`);
    return null;
  }
}

function instantiate(bytes: Uint8Array): WasmQuantizers {
  const x = new wasmApi.Instance(new wasmApi.Module(bytes), {}).exports as unknown as Exports;
  for (const f of ['quant_in', 'quant_out', 'quant_chunk', 'quantize_q4_k', 'quantize_q5_k', 'quantize_q6_k', 'quantize_q8_0'] as const) {
    if (typeof x[f] !== 'function') throw new Error(`it has no function ${f}`);
  }
  const chunk = x.quant_chunk(); // floats per call, a multiple of 256
  const input = new Float32Array(x.memory.buffer, x.quant_in(), chunk); // (chunk)
  const output = new Uint8Array(x.memory.buffer, x.quant_out(), (chunk / 32) * 34); // the blocks of one chunk (Q8_0's are the most)
  const quantizer = (run: (nb: number) => void, blockSize: number, blockBytes: number): BlockQuantizer => (data, out) => {
    for (let i = 0; i < data.length; i += chunk) {
      const n = Math.min(chunk, data.length - i), nb = n / blockSize;
      input.set(data.subarray(i, i + n));
      run(nb);
      out.set(output.subarray(0, nb * blockBytes), (i / blockSize) * blockBytes);
    }
  };
  return { Q4_K: quantizer(x.quantize_q4_k, 256, 144), Q5_K: quantizer(x.quantize_q5_k, 256, 176), Q6_K: quantizer(x.quantize_q6_k, 256, 210), Q8_0: quantizer(x.quantize_q8_0, 32, 34) };
}
