// The library API of the README works as written: load, evaluate, generate, through src/index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as api from '../src/index.ts';
import { readFixture, TINY, TINY_BASE } from './helpers.ts';

test('the README example: loadModel, loss, generate', () => {
  const model = api.loadModel(TINY_BASE, { backend: api.createBackend('cpu') });
  const ex = readFixture(path.join(TINY, 'expected.safetensors'));
  const prompt = Array.from(ex.gen_prompt!.data as Int32Array);
  const out = api.generate(model, prompt, { maxNewTokens: 12, eosIds: [] });
  assert.deepEqual([...prompt, ...out], Array.from(ex.gen_output!.data as Int32Array));
  const { loss } = api.evaluateLoss(model, [{ inputIds: prompt }], { batchSize: 1 });
  assert.ok(loss > 0);
  assert.equal(typeof api.train, 'function');
  assert.equal(typeof api.prepare, 'function');
});
