// How a hostile safetensors header is quoted in its one-line error: an absurd shape (millions of dimensions, which a
// 100 MB header can hold) by its first dimensions and count, never whole; offsets past 2^53 named for what they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { SafetensorsFile, shapeText } from '../../src/model/safetensors.ts';
import { rawFile, throwsNaming, tmpDir } from './safetensors-helpers.ts';

const dir = tmpDir();

test('a shape of 3,000,000 dimensions: the error quotes 8 of them and the count, in a line of under 300 characters', () => {
  const file = rawFile(path.join(dir, 'dims.safetensors'), { w: { dtype: 'F32', shape: Array(3_000_000).fill(1), data_offsets: [0, 8] } }, new Uint8Array(8));
  throwsNaming(() => SafetensorsFile.open(file), file, 'tensor "w"', 'shape [1, 1, 1, 1, 1, 1, 1, 1, … (3,000,000 dimensions)] × F32 is 4 bytes but data_offsets span 8');
  try { SafetensorsFile.open(file); } catch (e) { assert.ok((e as Error).message.length < 300, `${(e as Error).message.length} characters`); }
});

test('a shape that is no list of sizes, however long, is quoted in part', () => {
  const file = rawFile(path.join(dir, 'bad-dims.safetensors'), { w: { dtype: 'F32', shape: [...Array(1_000_000).fill(2), -1], data_offsets: [0, 4] } }, new Uint8Array(4));
  throwsNaming(() => SafetensorsFile.open(file), 'shape [2, 2, 2, 2, 2, 2, 2, 2, … (1,000,001 dimensions)] is not a list of sizes');
  const text = rawFile(path.join(dir, 'string-shape.safetensors'), { w: { dtype: 'F32', shape: 'x'.repeat(10_000), data_offsets: [0, 4] } }, new Uint8Array(4));
  throwsNaming(() => SafetensorsFile.open(text), `shape "${'x'.repeat(119)}… is not a list of sizes`);
});

test('data_offsets past 2^53 (begin ≤ end): refused as offsets that are not whole numbers below 2^53', () => {
  const file = rawFile(path.join(dir, 'offsets.safetensors'), { w: { dtype: 'F32', shape: [1], data_offsets: [2 ** 60, 2 ** 60 + 4] } }, new Uint8Array(4));
  throwsNaming(() => SafetensorsFile.open(file), `data_offsets [${2 ** 60}, ${2 ** 60}] are not [begin, end]: two whole byte offsets below 2^53 with begin ≤ end`);
});

test('shapeText: short shapes whole; a long one cut at 8 with its count; other values as JSON', () => {
  assert.equal(shapeText([32000, 4096]), '[32000, 4096]');
  assert.equal(shapeText([]), '[]');
  assert.equal(shapeText([1, 2, 3, 4, 5, 6, 7, 8]), '[1, 2, 3, 4, 5, 6, 7, 8]');
  assert.equal(shapeText([1, 2, 3, 4, 5, 6, 7, 8, 9]), '[1, 2, 3, 4, 5, 6, 7, 8, … (9 dimensions)]');
  assert.equal(shapeText(undefined), 'undefined');
  assert.equal(shapeText(['a', null]), '["a", null]');
});
