// A second adapter on a model that has one: createAdapter and loadAdapter freed the first one's buffers and attached
// the new one, so the handle createAdapter had returned pointed at memory the next allocation reused. Refused, as PEFT
// refuses an adapter name that exists; unloadAdapter (PEFT's unload) or mergeLora removes the first.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter, loadAdapter, unloadAdapter } from '../../src/model/peft.ts';
import { mergeLora } from '../../src/model/merge.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { UserError } from '../../src/util/errors.ts';
import { compareDotNatural } from '../../src/model/names.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors.ts';
import { TINY, TINY_BASE } from '../helpers.ts';

const SPEC = { r: 2, alpha: 4, dropout: 0, targets: ['q_proj' as const], useRslora: false };
const ADAPTER = path.join(TINY, 'adapter_init');
const REFUSED = /model already has a LoRA adapter: unloadAdapter\(model\) to remove it/;

test('a second createAdapter or loadAdapter is refused and leaves the first adapter whole', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  const first = createAdapter(model, SPEC, 1);
  const a = Array.from(backend.download(first.layers[0]!.q_proj!.A));
  const inUse = backend.bytesInUse();
  for (const attach of [() => createAdapter(model, SPEC, 2), () => loadAdapter(model, ADAPTER)]) {
    assert.throws(attach, (e: unknown) => e instanceof UserError && REFUSED.test(e.message) && e.message.split('\n').length === 1);
  }
  assert.equal(backend.bytesInUse(), inUse, 'the refused calls allocated nothing');
  // the model's own setLora, which both called, refuses too (a library caller has it)
  const other = createAdapter(loadModel(TINY_BASE, { backend }), SPEC, 3);
  // with needNoLora's words (it said "detach it first (setLora(null) or unloadAdapter…)", another wording for the same case)
  const said = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      return (e as Error).message;
    }
    assert.fail('not refused');
  };
  const setLoraSaid = said(() => model.setLora(other)), createSaid = said(() => createAdapter(model, SPEC, 4));
  assert.ok(setLoraSaid.startsWith('MistralModel.setLora: ') && REFUSED.test(setLoraSaid), setLoraSaid);
  assert.equal(setLoraSaid.slice('MistralModel.setLora: '.length), createSaid.slice('createAdapter: '.length));
  assert.equal(model.lora, first);
  // the first handle's buffers are still its own: a new allocation does not overwrite them
  const fresh = backend.alloc(first.layers[0]!.q_proj!.A.dtype, a.length);
  backend.fill(fresh, 7);
  assert.deepEqual(Array.from(backend.download(first.layers[0]!.q_proj!.A)), a);
  backend.free(fresh);
});

test('unloadAdapter or mergeLora removes the adapter, after which another attaches', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  createAdapter(model, SPEC, 1);
  unloadAdapter(model);
  assert.equal(model.lora, null);
  assert.ok(model.layers.every((l) => Object.values(l.proj).every((p) => p.lora === null)));
  loadAdapter(model, ADAPTER);
  mergeLora(model);
  const again = createAdapter(model, SPEC, 2);
  assert.equal(model.lora, again);
  assert.throws(() => unloadAdapter({} as never), { message: /^unloadAdapter: model is an object that is no model/ });
  unloadAdapter(model);
  assert.throws(() => unloadAdapter(model), { message: /^unloadAdapter: model has no LoRA adapter/ });
});

test('loadAdapter that fails on a tensor (a NaN in a B factor) frees what it allocated and attaches nothing', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-adapter-nan-'));
  try {
    fs.copyFileSync(path.join(ADAPTER, 'adapter_config.json'), path.join(dir, 'adapter_config.json'));
    const st = SafetensorsFile.open(path.join(ADAPTER, 'adapter_model.safetensors'));
    const names = st.names();
    const tensors = Object.fromEntries(names.map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
    st.close();
    // every factor is allocated before the first is read: a NaN in any of them (here the last layer's) fails after it
    const last = names.filter((n) => n.endsWith('lora_B.weight')).sort(compareDotNatural).at(-1)!;
    tensors[last]!.data[0] = NaN;
    writeSafetensors(path.join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
    const inUse = backend.bytesInUse();
    assert.throws(() => loadAdapter(model, dir), { name: 'UserError', message: /holds NaN/ });
    assert.equal(model.lora, null);
    assert.equal(backend.bytesInUse(), inUse, 'the failed load freed its buffers');
    loadAdapter(model, ADAPTER);
    assert.notEqual(model.lora, null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('loadAdapter whose allocation fails (a GPU out of memory) closes the adapter file it opened', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  const opened = new Set<SafetensorsFile>();
  const { open } = SafetensorsFile, close = SafetensorsFile.prototype.close, alloc = backend.alloc;
  SafetensorsFile.open = (...args: Parameters<typeof open>) => {
    const st = open.apply(SafetensorsFile, args);
    opened.add(st);
    return st;
  };
  SafetensorsFile.prototype.close = function (this: SafetensorsFile) {
    opened.delete(this);
    close.call(this);
  };
  backend.alloc = () => {
    throw new Error('out of memory');
  };
  try {
    assert.throws(() => loadAdapter(model, ADAPTER), { message: 'out of memory' });
  } finally {
    backend.alloc = alloc;
    SafetensorsFile.open = open;
    SafetensorsFile.prototype.close = close;
  }
  assert.equal(model.lora, null);
  assert.equal(opened.size, 0, 'the adapter file was closed');
});

// allocateLora (createAdapter, loadAdapter) whose k-th allocation fails kept the k − 1 buffers it had made: nothing
// pointed at them, and on CUDA nothing frees them. Each allocation in turn fails here, with gradients and DoRA's parts.
test('createAdapter whose allocation fails at any point (a GPU out of memory) frees what it allocated', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  const before = backend.bytesInUse(), alloc = backend.alloc;
  let failures = 0;
  for (let k = 1; ; k++) {
    let calls = 0;
    backend.alloc = (dtype, n) => {
      if (++calls === k) throw new Error('out of memory');
      return alloc.call(backend, dtype, n);
    };
    let made = false;
    try {
      createAdapter(model, { ...SPEC, targets: ['q_proj', 'v_proj'], useDora: true }, 1, true);
      made = true;
    } catch (e) {
      assert.equal((e as Error).message, 'out of memory');
      failures++;
    } finally {
      backend.alloc = alloc;
    }
    if (made) break;
    assert.equal(model.lora, null);
    assert.equal(backend.bytesInUse(), before, `allocation ${k} failed: ${backend.bytesInUse() - before} bytes kept`);
  }
  assert.ok(failures >= 12, `${failures} allocations`);
  unloadAdapter(model);
  assert.equal(backend.bytesInUse(), before);
});

test("unloadAdapter of a SEQ_CLS adapter keeps its score head, as PEFT 0.21's unload() does (it returns the modules_to_save copy, not the original module)", () => {
  // PEFT 0.21 (get_peft_model SEQ_CLS on a MistralForSequenceClassification, its score copy moved, then unload()): the
  // logits after unload are the adapter's ([2.9745, 2.8363]), not the base's ([0.1538, 0.0156]); ModulesToSaveWrapper's
  // unload_and_optionally_merge_module returns modules_to_save[active adapter] (the original only where none is active)
  const backend = testBackend();
  const headed = (value: number, lora: boolean): ReturnType<typeof loadModel> => {
    const m = loadModel(TINY_BASE, { backend });
    if (lora) createAdapter(m, SPEC, 1);
    const w = backend.alloc(m.dtype, 2 * m.cfg.hiddenSize);
    backend.upload(w, { dtype: 'f32', data: new Float32Array(2 * m.cfg.hiddenSize).map((_, i) => value * ((i % 7) - 3)) });
    m.setScoreHead(w, lora);
    return m;
  };
  const baseDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-unload-base-')), adapterDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-unload-seqcls-'));
  try {
    saveModelFolder(headed(0.01, false), baseDir, { sourceDir: TINY_BASE, head: 'classification', labels: ['a', 'b'] });
    saveAdapter(headed(0.05, true), adapterDir, { taskType: 'SEQ_CLS', baseModel: null, labels: ['a', 'b'] });
    const model = loadModel(baseDir, { backend });
    const batch = model.collate([{ inputIds: [1, 5, 9, 14], label: 0 }]);
    const base = Array.from(model.classLogits(batch));
    loadAdapter(model, adapterDir);
    const adapted = Array.from(model.classLogits(batch));
    assert.notDeepEqual(adapted, base);
    unloadAdapter(model);
    assert.equal(model.lora, null);
    assert.deepEqual(Array.from(model.classLogits(batch)), adapted, "the adapter's head (its LoRA B is zero: the same logits)");
  } finally {
    fs.rmSync(baseDir, { recursive: true, force: true });
    fs.rmSync(adapterDir, { recursive: true, force: true });
  }
});
