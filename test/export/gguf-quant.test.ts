// The GGUF quantisers against ggml's own output (test/fixtures/gguf-quant, made by ggml-quants.c): byte for byte.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeTensor } from '../../src/export/gguf/quant/encode.ts';
import type { GgmlType } from '../../src/export/gguf/quant/ggml-types.ts';

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
