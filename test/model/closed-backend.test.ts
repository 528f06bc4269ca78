// A model used after its backend's close(): the library function given it refuses it with a UserError naming itself.
// It failed inside, "alloc on a closed CUDA backend" (a plain Error) from generate, loadModel, createRandomModel and new
// AdamW, and saveModelFolder wrote the weights from memory close() had given back. The CUDA backend here is the stand-in
// driver's (fake-cuda.ts); on the test device (MISTRAL_TUNE_TEST_DEVICE=cuda, npm run test:gpu and test:gpu-emulated) the
// real one is closed too. The CPU backend has nothing to close: a model on it goes on as before.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { evaluateLoss } from '../../src/eval/evaluate.ts';
import { generate } from '../../src/model/generate.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { AdamW } from '../../src/train/optimizer.ts';
import { UserError } from '../../src/util/errors.ts';
import { fakeBackend } from '../backend/cuda/fake-cuda.ts';
import { test, TEST_DEVICE } from '../backend/device.ts';
import { tempDir } from '../data/helpers.ts';
import { TINY, TINY_BASE } from '../helpers.ts';
import { collate } from '../../src/data/batch.ts';
import { exportRun } from '../../src/export/export.ts';
import { exportMergedAdapter } from '../../src/export/merge-adapter.ts';
import { exportGgufFile } from '../../src/export/gguf/export-file.ts';
import { loadConfig } from '../../src/model/config.ts';

const dir = tempDir();
const closed = (fn: string, what: RegExp) => (e: unknown): boolean =>
  e instanceof UserError && e.where === fn && what.test(e.what) && !e.message.includes('\n');

test("a model on a closed CUDA backend is refused by name: generate, evaluateLoss, saveModelFolder; loadModel, createRandomModel and AdamW refuse the closed backend", () => {
  const { be } = fakeBackend();
  const model = loadModel(TINY_BASE, { backend: be });
  be.close();
  const gone = /^the model's backend is closed \(close\(\) gave its memory back, the model's weights with it\): load the model again/;
  assert.throws(() => generate(model, [1, 2], { maxNewTokens: 2 }), closed('generate', gone));
  assert.throws(() => evaluateLoss(model, [{ inputIds: [1, 2, 3] }], { batchSize: 1 }), closed('evaluateLoss', gone));
  const out = path.join(dir, 'saved');
  assert.throws(() => saveModelFolder(model, out, { sourceDir: null, head: 'causal' }), closed('saveModelFolder', gone));
  assert.equal(fs.existsSync(out), false, 'nothing written from the freed memory');
  assert.throws(() => loadModel(TINY_BASE, { backend: be }), closed('loadModel', /^options\.backend is closed .*createBackend\('cuda'\)/));
  assert.throws(() => createRandomModel(be, loadConfig(TINY_BASE), { seed: 1 }), closed('createRandomModel', /^backend is closed/));
  assert.throws(() => new AdamW(be, model.trainableParams(), { lr: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0 }), closed('AdamW', /^backend is closed/));
});

test("the model's own methods and the exports given a closed backend refuse it by their name, not loadModel's or \"alloc on a closed CUDA backend\"", () => {
  const { be } = fakeBackend();
  const model = loadModel(TINY_BASE, { backend: be });
  be.close();
  const batch = collate([{ inputIds: [1, 2, 3] }], 0, 0);
  for (const fn of ['forward', 'loss', 'tokenLosses', 'logits'] as const) {
    assert.throws(() => model[fn](batch), closed(fn, /^the model's backend is closed/));
  }
  const out = path.join(dir, 'exports');
  const given = /^options\.backend is closed/;
  assert.throws(() => exportMergedAdapter({ adapter: path.join(TINY, 'adapter_step1'), model: TINY_BASE, out: path.join(out, 'merged'), backend: be }), closed('exportMergedAdapter', given));
  assert.throws(() => exportGgufFile({ model: TINY_BASE, out: path.join(out, 'model.gguf'), backend: be }), closed('exportGgufFile', given));
  assert.throws(() => exportRun({ run: path.join(out, 'run'), out: path.join(out, 'run-export'), merge: true, backend: be }), closed('exportRun', given));
  assert.equal(fs.existsSync(out), false, 'nothing made');
});

test('on the test device: a model is refused after its backend closes (CUDA), or goes on (the CPU, which has nothing to close)', () => {
  const be = createBackend(TEST_DEVICE);
  const model = loadModel(TINY_BASE, { backend: be });
  const before = generate(model, [1, 2], { maxNewTokens: 2 });
  be.close?.();
  if (TEST_DEVICE === 'cuda') assert.throws(() => generate(model, [1, 2], { maxNewTokens: 2 }), closed('generate', /^the model's backend is closed/));
  else assert.deepEqual(generate(model, [1, 2], { maxNewTokens: 2 }), before);
});
