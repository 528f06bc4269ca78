// The GGUF quantisers against ggml's own output (test/fixtures/gguf-quant, made by ggml-quants.c): byte for byte,
// every type (Q5_0 and Q5_1 in TypeScript only); Q4_K, Q5_K, Q6_K and Q8_0 both in WebAssembly (quant.wasm, what
// encodeTensor runs) and in TypeScript (the reference); the two against each other on varied and extreme tensors; the committed quant.wasm against its source where clang
// is installed; the thread pool against one thread, byte for byte.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeTensor } from '../../src/export/gguf/quant/encode.ts';
import { nearestInt } from '../../src/export/gguf/quant/float-bits.ts';
import { GGML_TYPES, rowBytes, type GgmlType } from '../../src/export/gguf/quant/ggml-types.ts';
import { QuantPool } from '../../src/export/gguf/quant/pool.ts';
import { quantizeQ4_K } from '../../src/export/gguf/quant/q4-k.ts';
import { quantizeQ5_K } from '../../src/export/gguf/quant/q5-k.ts';
import { quantizeQ6_K } from '../../src/export/gguf/quant/q6-k.ts';
import { quantizeQ8_0 } from '../../src/export/gguf/quant/q8-0.ts';
import { quantizersFor, wasmQuantizers, type BlockQuantizer } from '../../src/export/gguf/quant/wasm-quant.ts';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';

const DIR = path.resolve(import.meta.dirname, '..', 'fixtures', 'gguf-quant');
const bytes = (f: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(DIR, f)));

const input = (): Float32Array => {
  const b = bytes('in.bin');
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

for (const [type, file] of [['Q5_0', 'q5_0.bin'], ['Q5_1', 'q5_1.bin'], ['Q8_0', 'q8_0.bin'], ['Q4_K', 'q4_K.bin'], ['Q5_K', 'q5_K.bin'], ['Q6_K', 'q6_K.bin'], ['F16', 'f16.bin'], ['BF16', 'bf16.bin']] as Array<[GgmlType, string]>) {
  test(`${type} equals ggml's reference quantiser byte for byte`, () => {
    const want = bytes(file), got = encodeTensor(input(), 256, type);
    assert.equal(got.length, want.length);
    const first = got.findIndex((b, i) => b !== want[i]);
    assert.equal(first, -1, `${type}: first differing byte at ${first} (block ${Math.floor(first / (want.length / 8))})`);
  });
}

/** The two implementations of each type quant.wasm has: [type, WebAssembly, TypeScript, fixture]. */
const WASM_TYPES = (): Array<[GgmlType, BlockQuantizer, BlockQuantizer, string]> => {
  const wasm = wasmQuantizers();
  assert.ok(wasm, 'quant.wasm loads in this Node.js');
  return [['Q4_K', wasm.Q4_K, quantizeQ4_K, 'q4_K.bin'], ['Q5_K', wasm.Q5_K, quantizeQ5_K, 'q5_K.bin'], ['Q6_K', wasm.Q6_K, quantizeQ6_K, 'q6_K.bin'], ['Q8_0', wasm.Q8_0, quantizeQ8_0, 'q8_0.bin']];
};

const run = (q: BlockQuantizer, x: Float32Array, type: GgmlType): Buffer => {
  const out = new Uint8Array(rowBytes(type, x.length));
  q(x, out);
  return Buffer.from(out);
};

test("Q4_K, Q5_K, Q6_K and Q8_0 equal ggml's bytes both in WebAssembly and in TypeScript", () => {
  for (const [type, wasm, ts, file] of WASM_TYPES()) {
    const want = Buffer.from(bytes(file));
    assert.equal(run(wasm, input(), type).compare(want), 0, `${type}: WebAssembly`);
    assert.equal(run(ts, input(), type).compare(want), 0, `${type}: TypeScript`);
  }
});

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

/** Super-blocks of extremes: zeros, one value, denormals, fp16 overflow and underflow, huge values past nearest_int's range, ±inf, NaN. */
function extremes(): Float32Array {
  const specials = [0, -0, 1e-45, -1e-45, 1e-40, 6e-8, 65504, 7e4, 1e30, -1e30, 3.4e38, -3.4e38, Infinity, -Infinity, NaN, 1, -1, 0.5];
  const x = new Float32Array(256 * 24);
  for (let b = 0; b < 24; b++) {
    for (let c = 0; c < 256; c++) {
      const i = b * 256 + c;
      if (b < specials.length) x[i] = c === 37 || b % 3 === 0 ? specials[b]! : (((i * 7919) % 1000) - 500) * 2e-6; // one, or a whole block of one special
      else x[i] = specials[(c * 7 + b) % specials.length]! * (1 + (c % 5));
    }
  }
  return x;
}

test('WebAssembly and TypeScript quantisers write the same bytes on varied and extreme tensors', () => {
  const hard = new Float32Array(512);
  for (let c = 0; c < 256; c++) hard[c] = (c * 37) % 5 < 2 ? 1e30 : -1e-30;
  for (let c = 0; c < 256; c++) hard[256 + c] = (c - 100) * 1e-40 * ((c % 3) + 1);
  const inputs: Array<[string, Float32Array]> = [['varied', varied(64, 512)], ['extremes', extremes()], ['hard', hard], ['fixture', input()],
    ['a chunk and a bit', varied(260, 256)]]; // more than quant.wasm's chunk of 65,536 weights
  for (const [type, wasm, ts] of WASM_TYPES()) {
    for (const [name, x] of inputs) {
      const a = run(wasm, x, type), b = run(ts, x, type);
      const first = a.findIndex((v, i) => v !== b[i]);
      assert.equal(first, -1, `${type}, ${name}: first differing byte at ${first} (block ${Math.floor(first / GGML_TYPES[type].blockBytes)})`);
    }
  }
});

test("Q5_K (WebAssembly and TypeScript) and Q5_1 (TypeScript only: no second implementation to compare) give ggml's bytes on varied tensors (SHA-256)", () => {
  // made as the tests below say, from varied(64, 512): 64 rows of scales from 1e-8 to 1e4, zero runs, constant and one-signed rows
  const x = varied(64, 512);
  const q5k = new Uint8Array(rowBytes('Q5_K', x.length));
  quantizeQ5_K(x, q5k);
  for (const bytes of [encodeTensor(x, 512, 'Q5_K'), q5k]) assert.equal(createHash('sha256').update(bytes).digest('hex'), '919ae16abb266fafc27594b0f05f999b06c13adbc302d2418aa8cee3e7b42d94');
  assert.equal(createHash('sha256').update(encodeTensor(x, 512, 'Q5_1')).digest('hex'), '3610609373c76a70e86ac36a7940a316c1b0b24fabe1bf020d993adc75c5cada');
});

test('MISTRAL_TUNE_GGUF_QUANT chooses: typescript → none, wasm → the module or a UserError naming the file, other → a UserError', () => {
  assert.equal(quantizersFor('typescript'), null);
  assert.ok(quantizersFor('wasm'));
  assert.equal(quantizersFor('auto', '/nonexistent/quant.wasm'), null); // auto falls back to TypeScript
  assert.throws(() => quantizersFor('wasm', '/nonexistent/quant.wasm'), (e) => e instanceof UserError && /MISTRAL_TUNE_GGUF_QUANT=wasm: cannot load \/nonexistent\/quant\.wasm/.test(e.message));
  assert.throws(() => quantizersFor('fast'), (e) => e instanceof UserError && e.message === 'MISTRAL_TUNE_GGUF_QUANT: "fast" is not auto, wasm or typescript');
});

const hasClang = spawnSync('clang', ['--version']).status === 0 && spawnSync('wasm-ld', ['--version']).status === 0;
test('the committed quant.wasm is what scripts/build-quant-wasm.sh builds from quant.c', { skip: !hasClang && 'clang or wasm-ld not installed' }, () => {
  const out = path.join(tempDir('mt-quant-wasm-'), 'quant.wasm');
  const r = spawnSync('bash', ['scripts/build-quant-wasm.sh'], { env: { ...process.env, OUT: out }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const committed = fs.readFileSync('src/export/gguf/quant/wasm/quant.wasm');
  assert.ok(fs.readFileSync(out).equals(committed), 'quant.wasm is stale: run bash scripts/build-quant-wasm.sh and commit it');
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
});

test('the thread pool writes the same bytes as one thread, for every type', () => {
  const data = varied(48, 512);
  const pool = new QuantPool(3, 2048); // 4 rows a chunk: 12 chunks over the calling thread and two workers
  try {
    for (const type of ['Q4_K', 'Q5_K', 'Q6_K', 'Q5_0', 'Q5_1', 'Q8_0', 'F16', 'BF16', 'F32'] as GgmlType[]) {
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
    ['Q5_K', '3f400cd1a36af6c9394de9e0c6aa169e80a66a8cbf5d59cd97e4d8a0be06b1bf'],
    ['Q5_1', '652c07ec8fe719aaf47b129e533f0ffba3db498a159a3c7d78f2ba1d8ff86853'],
  ];
  for (const [type, sha] of want) assert.equal(createHash('sha256').update(encodeTensor(x, 256, type)).digest('hex'), sha, type);
});

test("infinities, NaN, fp16-overflowing scales and lone extremes give ggml's bytes (SHA-256 of its output)", () => {
  // made as the test above says, from extremes(); before, the TypeScript Q4_K/Q6_K read C's `if (!d)` as true for a
  // NaN d (inf · 0 once the fp16 d overflows) and Q8_0 took Math.max for C's MAX (which drops a NaN but the last)
  const want: Array<[GgmlType, string]> = [
    ['Q4_K', '2f1f93bd78e9579b570bb6107902e9ab2b8cef525aca362224367fb88d3b030d'],
    ['Q5_0', 'e2128990669d33ef586e8b53e7e13fe7bbd3bf9d0d6c2c4b15810b74b519c7d4'],
    ['Q6_K', 'ebb0be2da2489cecbc47a6aafafb95a5bf60b1cf3d2c611de84829cab4dde347'],
    ['Q8_0', '4a35829792cfff6b2d2cec0b1ddd7269e2a8a9a203df5ceaba2f2109150fa8fe'],
    ['Q5_K', 'e70210e0afe94fef8094c939302d8afab690d6d44cadf475582d416d7cdacfad'],
    ['Q5_1', '955e8e0ecc7a176d7900f121dfff03b7c24dcc21ec70e7648aa13b1d15784f21'],
  ];
  const x = extremes();
  for (const [type, sha] of want) assert.equal(createHash('sha256').update(encodeTensor(x, 256, type)).digest('hex'), sha, type);
  for (const [type, , ts] of WASM_TYPES()) {
    assert.equal(createHash('sha256').update(run(ts, x, type)).digest('hex'), want.find(([t]) => t === type)![1], `${type}: TypeScript`);
  }
});
