// AdamW over flat buffers of more than 2^31 elements (full fine-tuning of a model past 2.1B parameters: Mistral 7B,
// Nemo 12B) on the recording CUDA backend (fake-cuda.ts: nothing is allocated or computed): Backend.adamw's decay
// spans are i32 offsets from the call's start, so the update runs in pieces whose spans each fit, and together they
// decay exactly the parameters that decay (the norms are the gaps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostData } from '../../../src/backend/dtype.ts';
import type { DeviceBuffer } from '../../../src/backend/backend.ts';
import { cuda } from '../../../src/backend/cuda/cuda-buffer.ts';
import { packKernelArgs } from '../../../src/backend/cuda/kernel-args.ts';
import { decays, type Param } from '../../../src/model/params.ts';
import { AdamW } from '../../../src/train/optimizer.ts';
import { updatePieces } from '../../../src/train/flat-params.ts';
import { fakeBackend } from './fake-cuda.ts';

test('AdamW over 2.2e9 trainable elements (Nemo-shaped full fine-tuning) runs in calls below 2^31 elements whose i32 decay spans mark exactly the decayed parameters', () => {
  const { be, launches } = fakeBackend();
  const uploaded = new Map<bigint, number[]>(); // the i32 data uploaded to each device address
  const upload = be.upload.bind(be);
  be.upload = (dst: DeviceBuffer, src: HostData, at?: number): void => {
    if (src.dtype === 'i32') uploaded.set(cuda(dst).ptr, Array.from(src.data));
    upload(dst, src, at);
  };
  const C = 5120, V = 131072, I = 14336;
  const shapes: Array<[string, number]> = [['model.embed_tokens.weight', V * C]];
  for (let l = 0; l < 4; l++) {
    shapes.push([`model.layers.${l}.input_layernorm.weight`, C]);
    for (const proj of ['gate_proj', 'up_proj', 'down_proj']) shapes.push([`model.layers.${l}.mlp.${proj}.weight`, I * C]);
    shapes.push([`model.layers.${l}.post_attention_layernorm.weight`, C]);
  }
  shapes.push(['model.norm.weight', C], ['lm_head.weight', V * C]);
  const params: Param[] = shapes.map(([name, n]) => ({ name, shape: [n], value: be.alloc('f32', n), grad: be.alloc('f32', n) }));
  const total = shapes.reduce((s, [, n]) => s + n, 0);
  assert.ok(total > 2 ** 31, `${total} elements`);
  const optimizer = new AdamW(be, params, { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  const before = launches.length;
  optimizer.update(1e-4);
  const base = cuda(optimizer.flat.values).ptr;
  const calls = launches.slice(before).filter((l) => l.name === 'adamw').map((l) => {
    packKernelArgs(l.args); // every scalar fits its C type
    const offset = Number((l.args[0]!.value as bigint) - base) / 4, n = Number(l.args[6]!.value), S = Number(l.args[5]!.value);
    const spans = uploaded.get(l.args[4]!.value as bigint)!.slice(0, 2 * S);
    return { offset, n, spans };
  });
  assert.ok(calls.length >= 2 && calls.every((c) => c.n < 2 ** 31 && c.spans.every((s) => s >= 0 && s <= c.n)), JSON.stringify(calls.map((c) => c.n)));
  assert.equal(calls.reduce((s, c) => s + c.n, 0), total, 'the calls cover the flat buffer');
  const decayed = (i: number): boolean => {
    const c = calls.find((x) => x.offset <= i && i < x.offset + x.n)!;
    return c.spans.some((_, s) => s % 2 === 0 && i - c.offset >= c.spans[s]! && i - c.offset < c.spans[s + 1]!);
  };
  params.forEach((p, i) => {
    const at = optimizer.flat.offsets[i]!;
    for (const e of [at, at + p.value.length - 1]) assert.equal(decayed(e), decays(p.name), `${p.name} element ${e}`);
  });
});

test('updatePieces: one piece where n fits (an empty one for no parameters); else pieces of the limit with the spans clipped and counted from each start', () => {
  assert.deepEqual(updatePieces([0, 5, 7, 9], 10), [{ offset: 0, length: 10, spans: [0, 5, 7, 9] }]);
  assert.deepEqual(updatePieces([], 0), [{ offset: 0, length: 0, spans: [] }]);
  assert.deepEqual(updatePieces([0, 5, 7, 9], 10, 4), [
    { offset: 0, length: 4, spans: [0, 4] }, { offset: 4, length: 4, spans: [0, 1, 3, 4] }, { offset: 8, length: 2, spans: [0, 1] },
  ]);
});
