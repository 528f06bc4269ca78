// A model whose weights do not fit the device is refused before a weight is read, in one line naming the folder, with
// the precision that would fit (eval, generate, classify and export load through loadModel; a 7B in fp32 on a 24 GiB
// machine was loaded until the OOM killer ended the process).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Backend } from '../../src/backend/backend.ts';
import { CUDA_RESERVE_BYTES } from '../../src/backend/capacity.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { parseConfig, parameterCount } from '../../src/model/config.ts';
import { requireWeightsFit } from '../../src/model/weights-fit.ts';
import { SafetensorsCheckpoint } from '../../src/model/safetensors-checkpoint.ts';
import { UserError } from '../../src/util/errors.ts';
import { TINY_BASE } from '../helpers.ts';

/** A backend that knows its name and its GPU's memory, and fails any allocation: the check runs before one. */
const gpuOf = (deviceBytes: number): Backend => ({
  name: 'cuda', deviceBytes, alloc: () => assert.fail('allocated before the weights were checked'),
}) as unknown as Backend;

function elementsOf(dir: string): number {
  const ckpt = SafetensorsCheckpoint.open(dir);
  try {
    return ckpt.names().reduce((n, name) => n + ckpt.info(name).shape.reduce((a, b) => a * b, 1), 0);
  } finally {
    ckpt.close();
  }
}

test('loadModel refuses weights larger than the GPU before reading them, and names the precision that fits', () => {
  const elements = elementsOf(TINY_BASE);
  const refusal = (backend: Backend, precision: 'fp32' | 'bf16'): UserError => {
    try {
      loadModel(TINY_BASE, { backend, precision });
    } catch (e) {
      assert.ok(e instanceof UserError, String(e));
      return e;
    }
    assert.fail('loaded');
  };
  // fp32 takes 4 bytes a weight, bf16 2: a GPU of 3 bytes a weight beside the CUDA context's reserve holds the model in bf16 only
  const e = refusal(gpuOf(3 * elements + CUDA_RESERVE_BYTES), 'fp32');
  assert.match(e.message, /the model's weights in f32 take .* more than the GPU's memory \(less the CUDA context's\) .*: load it in bf16 \(--precision bf16; /);
  assert.equal(e.where, TINY_BASE);
  assert.match(refusal(gpuOf(elements + CUDA_RESERVE_BYTES), 'bf16').message, /weights in bf16 take .*: a GPU with more memory$/);
  // the reserve counts: bf16 weights that fill the GPU's memory whole do not fit beside the CUDA context
  assert.match(refusal(gpuOf(2 * elements), 'bf16').message, /weights in bf16 take .*: a GPU with more memory$/);
  const cfg = parseConfig(JSON.parse(fs.readFileSync(path.join(TINY_BASE, 'config.json'), 'utf8')));
  const shapes = { names: () => ['w'], info: () => ({ shape: [elements] }) };
  assert.doesNotThrow(() => requireWeightsFit(gpuOf(2 * elements + CUDA_RESERVE_BYTES), cfg, shapes, 'bf16', TINY_BASE));
});

test('the weights counted are those the config names, not a file\'s extra tensors, nor layers the files lack', () => {
  const cfg = parseConfig({
    model_type: 'mistral', vocab_size: 32000, hidden_size: 16384, intermediate_size: 65536, num_hidden_layers: 200,
    num_attention_heads: 128, num_key_value_heads: 8,
  });
  const huge = { names: () => ['w'], info: () => ({ shape: [parameterCount(cfg)] }) };
  // ≈ 0.7 T parameters: more than any machine's RAM in fp32 and in bf16
  assert.throws(() => requireWeightsFit({ name: 'cpu' }, cfg, huge, 'f32', '/m'),
    /weights in f32 take .* more than this machine's RAM .*: a machine with more memory, or a GPU \(--device cuda\)$/);
  // a checkpoint of two small tensors under that config: its load fails on the first missing tensor, not here
  const small = { names: () => ['a', 'b'], info: () => ({ shape: [4, 4] }) };
  assert.doesNotThrow(() => requireWeightsFit({ name: 'cpu' }, cfg, small, 'f32', '/m'));
});
