// Our GGUF quantisers (encodeTensor) against the ggml that node-llama-cpp ships prebuilt (libggml-base.so's
// ggml_quantize_chunk, what llama-quantize runs per tensor without an importance matrix), byte for byte, on the
// fixture test/fixtures/gguf-quant/in.bin and on seeded tensors (normal, heavy-tailed, rows of mixed scales, tiny and
// huge values, zeros). The fixtures there are ggml-quants.c built with -ffp-contract=off; this is the binary as shipped.
// Not part of the product. From the project root:  node --import tsx scripts/hf-check/gguf-quant-ggml.ts [LIBGGML_BASE]
import * as fs from 'node:fs';
import * as path from 'node:path';
import koffi from 'koffi';
import { encodeTensor } from '../../src/export/gguf/quant/encode.ts';
import { rowBytes, type GgmlType } from '../../src/export/gguf/quant/ggml-types.ts';
import { Rng } from '../../src/util/rng.ts';

const lib = process.argv[2] ?? path.resolve('node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/libggml-base.so');
const ggml = koffi.load(lib);
const quantizeChunk = ggml.func('size_t ggml_quantize_chunk(int type, const float *src, _Out_ uint8_t *dst, int64_t start, int64_t nrows, int64_t n_per_row, const float *imatrix)');
// ggml.h's enum ggml_type
const TYPE_IDS: Partial<Record<GgmlType, number>> = { F16: 1, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14, BF16: 30 };

const rng = new Rng(15);
const cols = 512, rows = 8;
const tensor = (f: (row: number, col: number) => number): Float32Array => Float32Array.from({ length: rows * cols }, (_, i) => f(Math.floor(i / cols), i % cols));
const fixture = fs.readFileSync(path.resolve('test/fixtures/gguf-quant/in.bin'));
const inputs: Array<[string, Float32Array, number]> = [
  ['fixture in.bin', new Float32Array(fixture.buffer, fixture.byteOffset, fixture.byteLength / 4), 256],
  ['normal', tensor(() => rng.normal() * 0.02), cols],
  ['heavy-tailed', tensor(() => rng.normal() / Math.max(0.05, Math.abs(rng.normal()))), cols],
  ['rows of mixed scales', tensor((r) => rng.normal() * 10 ** (r - 4)), cols],
  ['tiny', tensor(() => rng.normal() * 1e-30), cols],
  ['huge', tensor(() => rng.normal() * 1e30), cols],
  ['zeros with outliers', tensor(() => (rng.next() < 0.01 ? rng.normal() * 100 : 0)), cols],
];
let bad = 0;
for (const [type, id] of Object.entries(TYPE_IDS) as Array<[GgmlType, number]>) {
  for (const [name, x, n] of inputs) {
    const want = new Uint8Array(rowBytes(type, x.length));
    quantizeChunk(id, x, want, 0, x.length / n, n, null);
    const got = encodeTensor(x, n, type);
    const first = got.findIndex((b, i) => b !== want[i]);
    const same = first === -1 && got.length === want.length;
    if (!same) bad++;
    console.log(`${same ? 'same' : 'DIFF'} ${type} ${name} (${want.length} bytes)${same ? '' : `: first differing byte ${first}`}`);
  }
}
process.exit(bad > 0 ? 1 : 0);
