// A weight beyond float16's range (±65504) in a tensor written as F16 — --quant f16, or a block type's fallback — is
// refused naming it, as a NaN or infinite weight is: it was written as an infinity, a file llama.cpp loads and whose
// logits are NaN. bf16 and f32 hold it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { exportLoraGguf } from '../../src/export/gguf/export-lora-gguf.ts';
import { loadConfig } from '../../src/model/config.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { TINY, TINY_BASE } from '../helpers.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { backend, config, randomModelDir, tmp } from './gguf-models.ts';

test('an F16 tensor with a weight beyond ±65504 is refused naming it; nothing is written; bf16 writes it', () => {
  const dir = randomModelDir('f16-range', config({ vocabSize: 512 }), 512);
  const model = loadModel(dir, { backend });
  const w = model.layers[1]!.proj.up_proj.weight, host = backend.download(w) as Float32Array;
  host[5] = -70000;
  backend.upload(w, { dtype: 'f32', data: host });
  const from = { name: 'f16-range', baseModel: null, adapter: null, run: null };
  const out = path.join(tmp, 'f16-range.gguf');
  assert.throws(() => exportGguf(model, dir, out, 'f16', from, { progress: false, words: FLAG_WORDS }),
    { message: `${out}: tensor blk.1.ffn_up.weight holds -70000 (at index 5), beyond float16's range (±65504): nothing was exported (--quant bf16 or f32 holds it)` });
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('f16-range.') || f.startsWith('.f16-range')), []);
  assert.ok(exportGguf(model, dir, out, 'bf16', from, { progress: false }).bytes > 0);
});

test('so is an adapter file\'s F16 factor (--format gguf-lora)', () => {
  const adapter = path.join(tmp, 'big-adapter');
  fs.cpSync(path.join(TINY, 'adapter_step1'), adapter, { recursive: true });
  const file = path.join(adapter, 'adapter_model.safetensors'), st = SafetensorsFile.open(file);
  const tensors: Record<string, TensorToWrite> = {};
  for (const n of st.names()) tensors[n] = { dtype: 'F32', shape: st.info(n).shape, data: st.readF32(n) };
  st.close();
  const key = Object.keys(tensors).find((n) => n.includes('layers.0.') && n.endsWith('lora_B.weight'))!;
  (tensors[key]!.data as Float32Array)[2] = 1e5;
  writeSafetensors(file, tensors);
  const out = path.join(tmp, 'big-adapter.gguf');
  const from = { name: 'big-adapter', baseModel: TINY_BASE, adapter, run: null };
  assert.throws(() => exportLoraGguf(loadConfig(TINY_BASE), adapter, out, 'f16', from), new RegExp(`^UserError: .*adapter_model\\.safetensors: tensor ${key.replace(/\./g, '\\.')} holds 100000 \\(at index 2\\), beyond float16's range`));
  assert.equal(fs.existsSync(out), false);
  assert.ok(exportLoraGguf(loadConfig(TINY_BASE), adapter, out, 'f32', from).bytes > 0);
});
