// What the safetensors tests share: a temporary folder removed after the file's tests, a raw file of any header,
// and the check that an error names its file, tensor and cause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { UserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';

export function tmpDir(): string {
  const dir = tempDir('mt-safetensors-');
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A raw safetensors file: 8-byte length, the header text as given, then `data`. */
export function rawFile(file: string, header: unknown, data: Uint8Array = new Uint8Array(0)): string {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const h = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.byteLength));
  fs.writeFileSync(file, Buffer.concat([len, h, data]));
  return file;
}

/** Asserts `fn` throws a UserError whose message holds every fragment (file, tensor, what). */
export function throwsNaming(fn: () => unknown, ...fragments: Array<string | RegExp>): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(e.message.includes(f), `"${e.message}" does not mention ${f}`);
      else assert.match(e.message, f);
    }
    return true;
  });
}

export const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

/** A safetensors file of tensors given as raw bytes of any dtype (one we do not write too), in the order given. */
export function rawTensors(file: string, tensors: Record<string, { dtype: string; shape: readonly number[]; bytes: Uint8Array }>): string {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
  }
  return rawFile(file, header, Buffer.concat(Object.values(tensors).map((t) => t.bytes)));
}
