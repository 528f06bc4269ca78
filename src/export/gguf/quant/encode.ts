// A float32 tensor (rows of `cols`) encoded as a ggml type: the one entry point the GGUF writer uses. Q4_K,
// Q5_K, Q6_K and Q8_0 run in WebAssembly where it runs (wasm-quant.ts), else in TypeScript: the same bytes. Q5_0
// and Q5_1 (fallbacks of a few tensors at most) run in TypeScript only.
import * as bits from './float-bits.ts';
import { GGML_TYPES, rowBytes, type GgmlType } from './ggml-types.ts';
import { quantizeQ4_K } from './q4-k.ts';
import { quantizeQ5_0 } from './q5-0.ts';
import { quantizeQ5_1 } from './q5-1.ts';
import { quantizeQ5_K } from './q5-k.ts';
import { quantizeQ6_K } from './q6-k.ts';
import { quantizeQ8_0 } from './q8-0.ts';
import { wasmQuantizers } from './wasm-quant.ts';

/** The bytes of `data` (row-major, rows of `cols` elements) in `type`. */
export function encodeTensor(data: Float32Array, cols: number, type: GgmlType): Uint8Array {
  const { blockSize } = GGML_TYPES[type];
  if (cols % blockSize !== 0) throw new Error(`encodeTensor: rows of ${cols} are not a multiple of ${type}'s block of ${blockSize}`);
  const out = new Uint8Array(rowBytes(type, data.length));
  switch (type) {
    case 'F32':
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return out;
    case 'F16':
    case 'BF16': {
      const conv = type === 'F16' ? bits.fp32ToFp16 : bits.fp32ToBf16;
      const u16 = new Uint16Array(out.buffer);
      for (let i = 0; i < data.length; i++) u16[i] = conv(data[i]!);
      return out;
    }
    case 'Q5_0': quantizeQ5_0(data, out); return out;
    case 'Q5_1': quantizeQ5_1(data, out); return out;
    case 'Q5_K': (wasmQuantizers()?.Q5_K ?? quantizeQ5_K)(data, out); return out;
    case 'Q8_0': (wasmQuantizers()?.Q8_0 ?? quantizeQ8_0)(data, out); return out;
    case 'Q4_K': (wasmQuantizers()?.Q4_K ?? quantizeQ4_K)(data, out); return out;
    case 'Q6_K': (wasmQuantizers()?.Q6_K ?? quantizeQ6_K)(data, out); return out;
  }
}
