// The GGUF quantisers against ggml's own output (test/fixtures/gguf-quant, made by ggml-quants.c): byte for byte;
// the thread pool against one thread, byte for byte.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeTensor } from '../../src/export/gguf/quant/encode.ts';
import { nearestInt } from '../../src/export/gguf/quant/float-bits.ts';
import type { GgmlType } from '../../src/export/gguf/quant/ggml-types.ts';
import { QuantPool } from '../../src/export/gguf/quant/pool.ts';

const DIR = path.resolve(import.meta.dirname, '..', 'fixtures', 'gguf-quant');
const bytes = (f: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(DIR, f)));

const input = (): Float32Array => {
  const b = bytes('in.bin');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

for (const [type, file] of [['Q5_0', 'q5_0.bin'], ['Q8_0', 'q8_0.bin'], ['Q4_K', 'q4_K.bin'], ['Q6_K', 'q6_K.bin'], ['F16', 'f16.bin'], ['BF16', 'bf16.bin']] as Array<[GgmlType, string]>) {
  test(`${type} equals ggml's reference quantiser byte for byte`, () => {
    const want = bytes(file), got = encodeTensor(input(), 256, type);
    assert.equal(got.length, want.length);
    const first = got.findIndex((b, i) => b !== want[i]);
    assert.equal(first, -1, `${type}: first differing byte at ${first} (block ${Math.floor(first / (want.length / 8))})`);
  });
}

/** rows × cols floats, seeded: rows of scales from 1e-8 to 1e4, zero runs, constant and one-signed rows, tiny and fp16-overflowing values. */
function varied(rows: number, cols: number): Float32Array {
  let s = 12345;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const a = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const kind = r % 8, scale = 10 ** (rnd() * 12 - 8);
    for (let c = 0; c < cols; c++) {
      let v = (rnd() - 0.5) * scale + (rnd() < 0.01 ? (rnd() - 0.5) * scale * 30 : 0);
      if (kind === 1 && (c >> 5) % 3 === 0) v = 0;
      if (kind === 2) v = Math.abs(v) + scale * 0.1;
      if (kind === 3) v = -Math.abs(v);
      if (kind === 4 && (c >> 4) % 5 === 1) v = 1e-30 * (rnd() - 0.5);
      if (kind === 5 && c % 97 === 0) v = 7e4 * (rnd() < 0.5 ? -1 : 1);
      if (kind === 6 && (c >> 6) % 2 === 0) v = 0.125;
      a[r * cols + c] = v;
    }
  }
  return a;
}

test('the thread pool writes the same bytes as one thread, for every type', () => {
  const data = varied(48, 512);
  const pool = new QuantPool(3, 2048); // 4 rows a chunk: 12 chunks over the calling thread and two workers
  try {
    for (const type of ['Q4_K', 'Q6_K', 'Q5_0', 'Q8_0', 'F16', 'BF16', 'F32'] as GgmlType[]) {
      const one = encodeTensor(data, 512, type), many = pool.encode(data, 512, type);
      assert.equal(Buffer.compare(Buffer.from(one), Buffer.from(many)), 0, `${type}: the pool's bytes differ from one thread's`);
    }
  } finally {
    pool.close();
  }
  assert.deepEqual(new QuantPool(1, 2048).encode(data, 512, 'Q4_K'), encodeTensor(data, 512, 'Q4_K'));
});

test("nearestInt is ggml's nearest_int: ties to even, and C's bits past ±4194303", () => {
  const f32 = new Float32Array(1), i32 = new Int32Array(f32.buffer);
  const c = (x: number): number => {
    f32[0] = Math.fround(x) + 12582912;
    return (i32[0]! & 0x007fffff) - 0x00400000;
  };
  for (const x of [0, -0, 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.49999, 15.5, 1e-30, -4194303, 4194303, 4194303.5, -4194304.5, 5e6, -5e6, 1e9]) {
    assert.equal(nearestInt(Math.fround(x)), c(x), `nearestInt(${x})`);
  }
  assert.equal(nearestInt(2.5), 2);
  assert.equal(nearestInt(-3.5), -4);
});

test("values past nearest_int's range and blocks whose 1/d overflows give ggml's bytes (SHA-256 of its output)", () => {
  // made as test/fixtures/gguf-quant/PROVENANCE.md says (h.c, x86-64 gcc), ggml-quants.c built with -DNDEBUG as in
  // llama.cpp's release builds: asserts off, nearest_int returns the sum's low bits, (int8_t) cvttss2si's low byte
  const x = new Float32Array(512);
  for (let c = 0; c < 256; c++) x[c] = (c * 37) % 5 < 2 ? 1e30 : -1e-30;
  for (let c = 0; c < 256; c++) x[256 + c] = (c - 100) * 1e-40 * ((c % 3) + 1); // denormals
  const want: Array<[GgmlType, string]> = [
    ['Q4_K', '0f165e169e74809f28ece1f9040ddb84e25e99eb97bee7921ffdb30f5704112f'],
    ['Q5_0', 'ecb0f39cb21d892e4896e007d382c6e3e1ff5826055f19d18e5bc4374d1d2769'],
    ['Q6_K', 'de1da8f3791deb5ea5a11c9a67179b1e240aa14979524a3cc28add0e3612c0fe'],
    ['Q8_0', '24a8a0610863f6eabe0d69f4a522670e09a2fc31e6075892bcc902a604c7e165'],
  ];
  for (const [type, sha] of want) assert.equal(createHash('sha256').update(encodeTensor(x, 256, type)).digest('hex'), sha, type);
});
