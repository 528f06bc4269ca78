// A safetensors header that nests deeper than any reader loads, or holds more arrays, objects and keys than any
// checkpoint, is refused in one line naming the file before it is parsed (JSON.parse of a 10 MB header of nested
// arrays took 13 s and 581 MB); a header with a nested unknown key, as the Rust reader ignores it, still loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { rawFile, throwsNaming, tmpDir } from './safetensors-helpers.ts';

const dir = tmpDir();
const tensor = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };

test('__metadata__ nested 10,000 arrays deep: refused for its depth, naming the file, before it is parsed', () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  const file = rawFile(path.join(dir, 'deep.safetensors'), `{"__metadata__":{"a":${deep}},"w":${JSON.stringify(tensor)}}`, new Uint8Array(4));
  throwsNaming(() => SafetensorsFile.open(file), `${file}: header nests arrays and objects more than 127 deep`);
});

test('a header of 2,000,001 arrays (at a depth the format allows) is refused for their number; nesting up to 127 loads', () => {
  const many = `[${'[],'.repeat(2_000_000)}[]]`;
  const file = rawFile(path.join(dir, 'many.safetensors'), `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":${many}}}`, new Uint8Array(4));
  throwsNaming(() => SafetensorsFile.open(file), `${file}: header holds more than 2,000,000 arrays, objects and keys`);
  // an unknown key of a tensor's entry, 125 deep within it (127 in all): ignored, as the Rust reader ignores it
  const nested = '['.repeat(125) + ']'.repeat(125);
  const ok = rawFile(path.join(dir, 'nested-ok.safetensors'), `{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":${nested}}}`, new Uint8Array(4));
  const f = SafetensorsFile.open(ok);
  assert.deepEqual(f.info('w').shape, [1]);
  f.close();
});

// the safetensors library (so transformers) refuses a header over 100,000,000 bytes ("header too large"; safetensors
// 0.8's MAX_HEADER_SIZE): one of 100,000,001 is refused here too, before it is read (a sparse file: nothing is read)
test('a header longer than safetensors\' 100,000,000-byte limit is refused before it is read, as the safetensors library refuses it', () => {
  for (const n of [100_000_001, 104_857_600]) {
    const file = path.join(dir, `big-${n}.safetensors`);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(n));
    fs.writeFileSync(file, len);
    fs.truncateSync(file, 8 + n);
    throwsNaming(() => SafetensorsFile.open(file), file, `header length ${n} is larger than the safetensors format's limit of 100000000 bytes`);
    fs.rmSync(file);
  }
});
