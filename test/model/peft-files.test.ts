// PEFT adapter files written by us: exactly PEFT's tensor keys and adapter_config.json keys, values that
// round-trip, PEFT's initialisation for new adapters, and clear errors for adapters we cannot apply.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { createAdapter, loadAdapter, readAdapterInfo, unloadAdapter } from '../../src/model/peft.ts';
import { saveAdapter } from '../../src/model/peft-save.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/model/safetensors.ts';
import { PROJECTIONS } from '../../src/model/weights.ts';
import { collate } from '../../src/data/batch.ts';
import { Rng } from '../../src/util/rng.ts';
import { FIXTURES, relErr, TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const tmp = (): string => tempDir('mt-peft-');
const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const keysOf = (file: string): string[] => {
  const f = SafetensorsFile.open(file);
  const names = f.names().sort();
  f.close();
  return names;
};
const json = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

const DORA = path.join(path.dirname(TINY), 'hf-tiny-mistral-dora');

for (const [name, dir, task] of [['causal LM', path.join(TINY, 'adapter_init'), 'CAUSAL_LM'], ['SEQ_CLS', path.join(TINY_CLS, 'adapter_init'), 'SEQ_CLS'],
  ['DoRA', path.join(DORA, 'adapter_init'), 'CAUSAL_LM']] as const) {
  test(`a saved ${name} adapter has PEFT's keys, config and values`, () => {
    const backend = testBackend();
    const model = loadModel(TINY_BASE, { backend });
    loadAdapter(model, dir, { trainable: false });
    const out = tmp();
    saveAdapter(model, out, { taskType: task, baseModel: 'tiny' });
    const ours = path.join(out, 'adapter_model.safetensors'), theirs = path.join(dir, 'adapter_model.safetensors');
    assert.deepEqual(keysOf(ours), keysOf(theirs));
    const a = SafetensorsFile.open(ours), b = SafetensorsFile.open(theirs);
    for (const key of b.names()) {
      assert.deepEqual(a.info(key).shape, b.info(key).shape);
      assert.equal(relErr(a.readF32(key), b.readF32(key)), 0, key);
    }
    assert.deepEqual(a.metadata, { format: 'pt' });
    a.close();
    b.close();
    const cfgOurs = json(path.join(out, 'adapter_config.json')), cfgTheirs = json(path.join(dir, 'adapter_config.json'));
    assert.deepEqual(Object.keys(cfgOurs).sort(), Object.keys(cfgTheirs).sort());
    for (const key of ['peft_type', 'task_type', 'r', 'lora_alpha', 'lora_dropout', 'bias', 'fan_in_fan_out', 'use_rslora', 'use_dora', 'modules_to_save', 'init_lora_weights', 'inference_mode']) {
      assert.deepEqual(cfgOurs[key], cfgTheirs[key], key);
    }
    assert.deepEqual([...(cfgOurs.target_modules as string[])].sort(), [...(cfgTheirs.target_modules as string[])].sort());
    assert.equal(cfgOurs.base_model_name_or_path, 'tiny');
  });
}

test('new adapters initialise like PEFT: A uniform in ±1/√in, B zero', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  createAdapter(model, { r: 8, alpha: 16, dropout: 0, targets: PROJECTIONS, useRslora: false }, new Rng(1), true);
  const down = model.lora!.layers[0]!.down_proj!;
  const A = backend.download(down.A), B = backend.download(down.B);
  const bound = 1 / Math.sqrt(160);
  assert.ok(A.every((x) => Math.abs(x) <= bound));
  assert.ok(Math.max(...A) > 0.8 * bound && Math.min(...A) < -0.8 * bound);
  assert.ok(B.every((x) => x === 0));
});

test("an adapter_config.json without r, lora_alpha or lora_dropout takes PEFT's LoraConfig defaults (8, 8, 0)", () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  createAdapter(model, { r: 8, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj'], useRslora: false }, new Rng(1), true);
  const out = tmp();
  saveAdapter(model, out, { taskType: 'CAUSAL_LM', baseModel: 'tiny' });
  const file = path.join(out, 'adapter_config.json');
  const { r: _r, lora_alpha: _alpha, lora_dropout: _dropout, ...rest } = json(file);
  fs.writeFileSync(file, JSON.stringify(rest));
  const { spec } = readAdapterInfo(out, 2);
  assert.deepEqual([spec.r, spec.alpha, spec.dropout], [8, 8, 0]);
  // factors of another rank: refused as PEFT's size mismatch would be, naming the default it was compared with
  const four = tmp();
  fs.cpSync(path.join(TINY, 'adapter_step1'), four, { recursive: true });
  const { r: _four, ...withoutR } = json(path.join(four, 'adapter_config.json'));
  fs.writeFileSync(path.join(four, 'adapter_config.json'), JSON.stringify(withoutR));
  assert.throws(() => loadAdapter(loadModel(TINY_BASE, { backend }), four, { trainable: false }), /its rank is not adapter_config\.json's r \(8\)/);
});

test('adapters we cannot apply are refused with the key that says why', () => {
  for (const [key, value, message] of [
    ['use_dora', true, /use_dora is true, but the module with "base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight" has no "[^"]*q_proj\.lora_magnitude_vector"/], ['bias', 'some', /bias/], ['peft_type', 'IA3', /peft_type/], ['rank_pattern', { q_proj: 8 }, /lora_A\.weight" has shape \[8, \d+\]|its rank is not its rank_pattern's r \(8\)/],
    ['rank_pattern', { q_proj: 0 }, /rank_pattern\["q_proj"\]: must be an integer ≥ 1, got 0/], ['alpha_pattern', { q_proj: 'x' }, /alpha_pattern\["q_proj"\]: must be a finite positive number/],
    ['rank_pattern', ['q_proj'], /rank_pattern: must be an object/], ['alpha_pattern', { '(?i)Q_PROJ': 2 }, /alpha_pattern\["\(\?i\)Q_PROJ"\]: is not a regular expression we can read/],
    // an entry that is not a name (an adapter from elsewhere is untrusted input) is refused by its key, not a TypeError
    ['modules_to_save', [{ toString: 1 }], /modules_to_save: must be a list of module names, got \[\{"toString":1\}\]/],
    ['modules_to_save', 'score', /modules_to_save: must be a list of module names, got "score"/],
    // a trained copy of the LM head or the embedding beside the factors: refused with the way to use it
    ['modules_to_save', ['lm_head'], /modules_to_save: "lm_head" is not supported \(only the classification head "score" is read\): the adapter holds a trained copy of it, which only PEFT applies; merge it there/],
    ['modules_to_save', ['layernorm'], /modules_to_save: "layernorm" is not supported \(only the classification head "score" is read\)$/],
    // an r other than the factors' rank is named before r-sized buffers are allocated (r: 1e9 was a RangeError)
    ['r', 1e9, /lora_A\.weight" has shape \[\d+, \d+\]: its rank is not adapter_config\.json's r \(1000000000\)/],
    // PEFT reads its switches by truthiness: use_rslora 1 would scale by alpha / √r there, read as false it scaled by alpha / r
    ['use_rslora', 1, /use_rslora: must be true or false, got 1/], ['use_dora', 'yes', /use_dora: must be true or false/],
    ['fan_in_fan_out', 1, /fan_in_fan_out: must be true or false/], ['lora_bias', true, /lora_bias: true is not supported/],
  ] as const) {
    const dir = tmp();
    fs.copyFileSync(path.join(TINY, 'adapter_init', 'adapter_model.safetensors'), path.join(dir, 'adapter_model.safetensors'));
    const cfg = json(path.join(TINY, 'adapter_init', 'adapter_config.json'));
    cfg[key] = value;
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify(cfg));
    const model = loadModel(TINY_BASE, { backend: testBackend() });
    assert.throws(() => loadAdapter(model, dir, { trainable: false }), message);
  }
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  assert.throws(() => loadAdapter(model, tmp(), { trainable: false }), /adapter_config\.json/);
  // a training run's folder given for its adapter (--adapter runs/lora) says where the adapter is
  const run = tmp();
  fs.cpSync(path.join(TINY, 'adapter_init'), path.join(run, 'adapter'), { recursive: true });
  assert.throws(() => loadAdapter(model, run, { trainable: false }),
    { message: `${path.join(run, 'adapter_config.json')}: adapter config not found (a PEFT adapter folder needs adapter_config.json): this is a training run's folder, whose adapter is ${path.join(run, 'adapter')} (eval, generate and classify also take --run)` });
});

// tests run as root, whom no permission stops: the folder is read by the CLI as user nobody (setpriv), or the test skips
const setpriv = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;
test('an adapter folder that cannot be entered (EACCES) is said to be unreadable, naming it, not "adapter config not found"', { skip: !setpriv && 'setpriv cannot run a command as user nobody here' }, () => {
  const parent = tmp(), adapter = path.join(parent, 'adapter');
  fs.chmodSync(parent, 0o755);
  fs.cpSync(path.join(TINY, 'adapter_init'), adapter, { recursive: true });
  fs.chmodSync(adapter, 0o700); // root's: nobody may not enter it
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'eval', '--model', TINY_BASE, '--adapter', adapter,
    '--data', path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl')], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('error:')), [`error: ${adapter}: cannot read the adapter folder: permission denied (EACCES)`], r.stderr);
});

test('DoRA adapters: a new one starts at the identity (magnitudes = the row norms of W); magnitudes without use_dora, of a module without factors, of the wrong length, or not finite are refused', () => {
  const backend = testBackend();
  const model = loadModel(TINY_BASE, { backend });
  createAdapter(model, { r: 4, alpha: 8, dropout: 0, targets: PROJECTIONS, useRslora: false, useDora: true }, new Rng(1), true);
  const down = model.lora!.layers[1]!.down_proj!, W = backend.download(model.layers[1]!.proj.down_proj.weight);
  const norms = Array.from({ length: 64 }, (_, r) => Math.hypot(...W.subarray(r * 160, (r + 1) * 160)));
  assert.ok(relErr(backend.download(down.dora!.magnitude), Float64Array.from(norms)) < 1e-6);
  const batch = collate([{ inputIds: [1, 5, 9, 33, 7], labels: null, label: 0 }], 0, 0);
  const adapted = model.logits(batch);
  model.setLora(null);
  assert.ok(relErr(adapted, model.logits(batch)) < 1e-6, 'a new DoRA adapter leaves the logits as they were');

  const src = path.join(DORA, 'adapter_init');
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const tensors = Object.fromEntries(st.names().map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  const q0 = 'base_model.model.model.layers.0.self_attn.q_proj';
  for (const [what, edit, changes, message] of [
    ['use_dora false', (t: typeof tensors) => t, { use_dora: false }, /tensor "[^"]*\.lora_magnitude_vector" is a DoRA magnitude, but adapter_config\.json's use_dora is not true/],
    ['no factors', (t: typeof tensors) => Object.fromEntries(Object.entries(t).filter(([n]) => !n.startsWith(`${q0}.lora_`) || n.endsWith('magnitude_vector'))), {},
      /tensor "[^"]*layers\.0\.self_attn\.q_proj\.lora_magnitude_vector" is a DoRA magnitude of a module without LoRA factors/],
    ['wrong length', (t: typeof tensors) => ({ ...t, [`${q0}.lora_magnitude_vector`]: { dtype: 'F32' as const, shape: [3], data: new Float32Array(3) } }), {},
      /tensor "[^"]*q_proj\.lora_magnitude_vector" has shape \[3\], expected \[64\]/],
    ['a matrix', (t: typeof tensors) => ({ ...t, [`${q0}.lora_magnitude_vector`]: { dtype: 'F32' as const, shape: [64, 1], data: new Float32Array(64) } }), {},
      /q_proj\.lora_magnitude_vector" has shape \[64, 1\]: a magnitude is a vector/],
    ['a magnitude twice', (t: typeof tensors) => ({ ...t, [`${q0}.lora_magnitude_vector.weight`]: t[`${q0}.lora_magnitude_vector`]! }), {},
      /the magnitude of q_proj of layer 0 is there twice, as "[^"]*q_proj\.lora_magnitude_vector" and "[^"]*q_proj\.lora_magnitude_vector\.weight"/],
    // PEFT computes NaN logits with either; the CPU attention would drop the NaN queries of q_proj and leave the loss finite
    ['a NaN magnitude', (t: typeof tensors) => ({ ...t, [`${q0}.lora_magnitude_vector`]: { ...t[`${q0}.lora_magnitude_vector`]!, data: t[`${q0}.lora_magnitude_vector`]!.data.map((v, i) => (i === 3 ? NaN : v)) } }), {},
      /adapter_model\.safetensors.*tensor "[^"]*q_proj\.lora_magnitude_vector" holds NaN \(at index 3\)/],
    ['an infinite factor', (t: typeof tensors) => ({ ...t, [`${q0}.lora_A.weight`]: { ...t[`${q0}.lora_A.weight`]!, data: t[`${q0}.lora_A.weight`]!.data.map((v, i) => (i === 0 ? -Infinity : v)) } }), {},
      /tensor "[^"]*q_proj\.lora_A\.weight" holds -Infinity \(at index 0\)/],
  ] as const) {
    const dir = tmp();
    writeSafetensors(path.join(dir, 'adapter_model.safetensors'), edit(tensors), { format: 'pt' });
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...json(path.join(src, 'adapter_config.json')), ...changes }));
    assert.throws(() => loadAdapter(loadModel(TINY_BASE, { backend }), dir, { trainable: false }), message, what);
  }
});

test("DoRA magnitudes saved under their in-memory names (lora_magnitude_vector.weight), which PEFT reads too, load as the usual ones", () => {
  const backend = testBackend();
  const src = path.join(DORA, 'adapter_init');
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const renamed = Object.fromEntries(st.names().map((n) => [n.endsWith('.lora_magnitude_vector') ? `${n}.weight` : n,
    { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  const dir = tmp();
  writeSafetensors(path.join(dir, 'adapter_model.safetensors'), renamed, { format: 'pt' });
  fs.copyFileSync(path.join(src, 'adapter_config.json'), path.join(dir, 'adapter_config.json'));
  const batch = collate([{ inputIds: [1, 5, 9, 33, 7], labels: null }], 0, 0);
  const logits = (adapter: string): Float32Array | Float64Array => {
    const model = loadModel(TINY_BASE, { backend });
    loadAdapter(model, adapter, { trainable: false });
    return model.logits(batch);
  };
  assert.deepEqual(logits(dir), logits(src));
});

test('an adapter covering part of the model is saved with a config selecting exactly its modules (no missing keys in PEFT)', () => {
  const backend = testBackend();
  const src = path.join(TINY, 'adapter_step1'); // all seven projections in both layers
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const tensors = Object.fromEntries(st.names().map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  const cases: Array<[string, (name: string) => boolean, Record<string, unknown>, { target_modules: string[]; layers_to_transform: number[] | null }]> = [
    ['layer 1 only', (n) => n.includes('.layers.1.'), { layers_to_transform: [1] }, { target_modules: [...PROJECTIONS], layers_to_transform: [1] }],
    ['q_proj in layer 0, q and v in layer 1', (n) => n.includes('q_proj') || (n.includes('.layers.1.') && n.includes('v_proj')), { target_modules: ['q_proj', 'v_proj'] },
      { target_modules: ['model.layers.0.self_attn.q_proj', 'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj'], layers_to_transform: null }],
  ];
  for (const [what, keep, changes, want] of cases) {
    const dir = tmp();
    writeSafetensors(path.join(dir, 'adapter_model.safetensors'), Object.fromEntries(Object.entries(tensors).filter(([n]) => keep(n))), { format: 'pt' });
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...json(path.join(src, 'adapter_config.json')), ...changes }));
    const model = loadModel(TINY_BASE, { backend });
    const loaded = captureStderr(() => loadAdapter(model, dir, { trainable: false }));
    assert.match(loaded.stderr, what === 'layer 1 only' ? /^$/ : /1 LoRA module\(s\)/, what); // layer 0's v_proj selected, absent: PEFT warns too
    const out = tmp();
    saveAdapter(model, out, { taskType: 'CAUSAL_LM', baseModel: 'tiny' });
    const cfg = json(path.join(out, 'adapter_config.json'));
    assert.deepEqual({ target_modules: cfg.target_modules, layers_to_transform: cfg.layers_to_transform }, want, what);
    const again = captureStderr(() => readAdapterInfo(out, 2));
    assert.equal(again.stderr, '', `${what}: the saved config selects no module without tensors`);
    assert.deepEqual(again.result.layers.map((s) => [...s].sort()), loaded.result.layers.map((s) => [...s].sort()), what);
    assert.deepEqual(keysOf(path.join(out, 'adapter_model.safetensors')), Object.keys(tensors).filter(keep).sort(), what);
  }
});

/** A copy of a tiny-fixture adapter (adapter_step1: trained, all seven projections of both layers) with `changes` to its config. */
function editedAdapter(changes: Record<string, unknown>, keep: (tensor: string) => boolean = () => true): string {
  const src = path.join(TINY, 'adapter_step1'), dir = tmp();
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const tensors = Object.fromEntries(st.names().filter(keep).map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  writeSafetensors(path.join(dir, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...json(path.join(src, 'adapter_config.json')), ...changes }));
  return dir;
}

// each of these, loaded as plain LoRA, gave logits other than PEFT's (scripts/hf-check/adapter_fuzz.py: aLoRA applies
// only from its invocation tokens on, layer_replication restacks the layers, PEFT re-runs PiSSA / OLoRA on loading and
// so changes the base weights), or PEFT refuses the config (layers_pattern "h", a regex with layers_to_transform)
test('adapters PEFT computes otherwise than plain LoRA are refused in one line naming adapter_config.json and the key', () => {
  for (const [key, changes] of [
    ['alora_invocation_tokens', { alora_invocation_tokens: [5] }], ['layer_replication', { layer_replication: [[1, 2], [0, 1]] }],
    ['init_lora_weights', { init_lora_weights: 'pissa' }], ['init_lora_weights', { init_lora_weights: 'pissa_niter_4' }],
    ['init_lora_weights', { init_lora_weights: 'olora' }], ['init_lora_weights', { init_lora_weights: 'corda' }],
    ['init_lora_weights', { init_lora_weights: 'loftq' }], ['init_lora_weights', { init_lora_weights: 'lora_ga' }], ['init_lora_weights', { init_lora_weights: 'mica' }],
    // values PEFT 0.21 refuses as it loads the adapter ("Unknown initialization"), which were read as plain LoRA
    ['init_lora_weights', { init_lora_weights: 'xavier' }], ['init_lora_weights', { init_lora_weights: 'Eva' }], ['init_lora_weights', { init_lora_weights: 1 }],
    ['trainable_token_indices', { trainable_token_indices: [3, 4] }], ['target_parameters', { target_parameters: ['self_attn.q_proj.weight'] }],
    ['velora_config', { velora_config: { num_groups: 64 } }], ['kasa_config', { kasa_config: { beta: 1e-4 } }], ['use_bdlora', { use_bdlora: { nblocks: 2 } }],
    ['monteclora_config', { monteclora_config: { num_samples: 2 } }], ['arrow_config', { arrow_config: { top_k: 2 } }],
    ['layers_pattern', { layers_to_transform: [1], layers_pattern: 'h' }], ['layers_pattern', { layers_pattern: 'layers' }],
    ['layers_to_transform', { target_modules: '.*_proj', layers_to_transform: [1] }], ['layers_to_transform', { target_modules: 'all-linear', layers_to_transform: [1] }],
  ] as const) {
    const dir = editedAdapter(changes);
    const model = loadModel(TINY_BASE, { backend: testBackend() });
    const cfg = path.join(dir, 'adapter_config.json');
    assert.throws(() => loadAdapter(model, dir, { trainable: false }), (e: Error) => e.message.startsWith(`${cfg}: ${key}: `) && !e.message.includes('\n'), JSON.stringify(changes));
  }
});

test('adapters PEFT computes as plain LoRA load as the plain adapter: bias all / lora_only, fan_in_fan_out, an empty layers_to_transform, variants off, other inits', () => {
  const backend = testBackend();
  const batch = loadModel(TINY_BASE, { backend }).collate([{ inputIds: [1, 5, 9, 7, 3] }, { inputIds: [1, 4, 2] }]);
  const logitsWith = (dir: string): Float32Array | Float64Array => {
    const model = loadModel(TINY_BASE, { backend });
    loadAdapter(model, dir, { trainable: false });
    return model.logits(batch);
  };
  const plain = logitsWith(path.join(TINY, 'adapter_step1'));
  for (const changes of [
    { bias: 'all' }, { bias: 'lora_only' }, { fan_in_fan_out: true }, { layers_to_transform: [] }, { layers_to_transform: [0, 1], layers_pattern: ['blocks', 'layers'] },
    { alora_invocation_tokens: [] }, { velora_config: {} }, { use_bdlora: null }, { init_lora_weights: 'gaussian' }, { init_lora_weights: 'orthogonal' },
    { init_lora_weights: 'eva' }, { init_lora_weights: false }, { use_qalora: true }, { init_lora_weights: 'Gaussian' }, { init_lora_weights: null },
  ]) {
    const loaded = captureStderr(() => logitsWith(editedAdapter(changes)));
    assert.deepEqual(loaded.result, plain, JSON.stringify(changes));
    assert.equal(loaded.stderr.includes('fan_in_fan_out'), 'fan_in_fan_out' in changes, JSON.stringify(changes)); // PEFT warns too
  }
});

test('an adapter with bias "all" or "lora_only" loaded and saved again (a run continuing it) keeps its bias, as PEFT\'s save_pretrained does (was: saved as "none")', () => {
  const backend = testBackend();
  for (const bias of ['all', 'lora_only', 'none']) {
    const model = loadModel(TINY_BASE, { backend });
    loadAdapter(model, editedAdapter({ bias }), { trainable: true });
    const out = tmp();
    saveAdapter(model, out, { taskType: 'CAUSAL_LM', baseModel: null });
    assert.equal(json(path.join(out, 'adapter_config.json')).bias, bias);
  }
  const model = loadModel(TINY_BASE, { backend });
  assert.throws(() => createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false, bias: 'some' as never }),
    { name: 'UserError', message: 'createAdapter: spec.bias is "some": give one of "none", "all", "lora_only"' });
});

test('an adapter whose init_lora_weights is not true, loaded and saved again, keeps it, as PEFT\'s save_pretrained does (was: saved as true)', () => {
  const backend = testBackend();
  for (const init of [false, 'gaussian', true]) {
    const model = loadModel(TINY_BASE, { backend });
    loadAdapter(model, editedAdapter({ init_lora_weights: init }), { trainable: true });
    const out = tmp();
    saveAdapter(model, out, { taskType: 'CAUSAL_LM', baseModel: null });
    assert.equal(json(path.join(out, 'adapter_config.json')).init_lora_weights, init);
  }
  assert.throws(() => createAdapter(loadModel(TINY_BASE, { backend }), { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false, initLoraWeights: false }),
    { name: 'UserError', message: "createAdapter: spec.initLoraWeights is false: createAdapter initialises as PEFT's init_lora_weights true (A Kaiming-uniform, B zero): leave it out" });
});

test('an adapter missing tensors of modules it selects: unadapted where PEFT leaves B zero; refused where its init_lora_weights draws them at random as PEFT loads it (false, null, "orthogonal")', () => {
  // PEFT 0.21 (PeftModel.from_pretrained, then the logits on two torch seeds): with init_lora_weights false, null or
  // "orthogonal" the missing modules' factors are drawn at each load, so the output differs from load to load
  const noV = (n: string): boolean => !n.includes('v_proj');
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  for (const init of [false, null, 'orthogonal']) {
    const dir = editedAdapter({ init_lora_weights: init }, noV);
    assert.throws(() => loadAdapter(model, dir, { trainable: false }), (e: Error) => e.name === 'UserError' &&
      e.message.startsWith(`${path.join(dir, 'adapter_config.json')}: init_lora_weights: ${JSON.stringify(init)}, and 2 LoRA module(s) that this config selects have no tensors`) &&
      /PEFT gives those random factors as it loads the adapter/.test(e.message), JSON.stringify(init));
  }
  for (const init of [true, 'gaussian', 'eva', undefined]) {
    const loaded = captureStderr(() => loadAdapter(model, editedAdapter({ init_lora_weights: init }, noV), { trainable: false }));
    unloadAdapter(model);
    assert.match(loaded.stderr, /2 LoRA module\(s\) that adapter_config\.json selects have no tensors, e\.g\. ".*v_proj\.lora_A\.weight"; they are left unadapted/, String(init));
  }
});

test('saveAdapter into a folder whose README.md is not a card it wrote (the user\'s notes) refuses before writing anything, where it replaced it (PEFT keeps its text); its own card it writes again', () => {
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  createAdapter(model, { r: 2, alpha: 4, dropout: 0, targets: ['q_proj'], useRslora: false });
  const dir = tmp(), notes = path.join(dir, 'README.md');
  fs.writeFileSync(notes, 'my own notes\n');
  assert.throws(() => saveAdapter(model, dir, { taskType: 'CAUSAL_LM', baseModel: null }),
    { name: 'UserError', message: `${notes}: is there, and is not a model card mistral-tune wrote: saveAdapter writes the adapter's card as README.md, which would replace it; move it, or save the adapter into another folder (nothing was written)` });
  assert.deepEqual(fs.readdirSync(dir), ['README.md']);
  assert.equal(fs.readFileSync(notes, 'utf8'), 'my own notes\n');
  fs.rmSync(notes);
  saveAdapter(model, dir, { taskType: 'CAUSAL_LM', baseModel: null });
  saveAdapter(model, dir, { taskType: 'CAUSAL_LM', baseModel: 'base' }); // over its own card
  assert.match(fs.readFileSync(notes, 'utf8'), /^---\nbase_model: "base"\n/);
});

test('a target_modules entry naming a module whole adapts it whatever layers_to_transform says, as PEFT does', () => {
  // PEFT: q_proj of layer 0 (named whole) and v_proj of layer 1 (by suffix, in layers_to_transform)
  const keep = (n: string): boolean => n.includes('layers.0.self_attn.q_proj') || n.includes('layers.1.self_attn.v_proj');
  const dir = editedAdapter({ target_modules: ['model.layers.0.self_attn.q_proj', 'v_proj'], layers_to_transform: [1] }, keep);
  const info = readAdapterInfo(dir, 2);
  assert.deepEqual(info.layers.map((s) => [...s]), [['q_proj'], ['v_proj']]);
});

test('an adapter with a layer the model lacks is refused naming the tensor and the layers the model has', () => {
  // adapter_step1 is of a 2-layer model: read against 2 layers its layer 1 is the last there is; against 1, it is past it
  const dir = editedAdapter({});
  assert.throws(() => readAdapterInfo(dir, 1), /tensor "[^"]*\.layers\.1\.[^"]*": layer 1, but the model has 1 layer \(0\)$/);
  const renamed = tmp(), src = path.join(dir, 'adapter_model.safetensors');
  const st = SafetensorsFile.open(src);
  const tensors = Object.fromEntries(st.names().map((n) => [n.replace('.layers.1.', '.layers.2.'), { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  writeSafetensors(path.join(renamed, 'adapter_model.safetensors'), tensors, { format: 'pt' });
  fs.copyFileSync(path.join(dir, 'adapter_config.json'), path.join(renamed, 'adapter_config.json'));
  assert.throws(() => readAdapterInfo(renamed, 2), /tensor "[^"]*\.layers\.2\.[^"]*": layer 2, but the model has 2 layers \(0-1\)$/);
});

test('an adapter saved as adapter_model.bin (safe_serialization=False) is refused naming the pickle and the way out', () => {
  const dir = tmp();
  fs.copyFileSync(path.join(TINY, 'adapter_init', 'adapter_config.json'), path.join(dir, 'adapter_config.json'));
  fs.writeFileSync(path.join(dir, 'adapter_model.bin'), 'PK');
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  assert.throws(() => loadAdapter(model, dir, { trainable: false }), /adapter_model\.safetensors: adapter weights not found: the folder has adapter_model\.bin \(a PyTorch pickle, saved with safe_serialization=False\), which is not read; save the adapter again with safe_serialization=True$/);
});

// PEFT 0.21's save_pretrained after resize_token_embeddings (save_embedding_layers "auto") writes, beside the factors,
// base_model.model.lm_head.weight and base_model.model.model.embed_tokens.weight, whole (seen on a tiny Mistral whose
// tokenizer got a pad token: resize_token_embeddings(len(tok)), get_peft_model, save_pretrained). Was: refused as
// "not a LoRA factor of a Mistral projection", which said neither what the tensor is nor the way out.
test('an adapter holding whole embed_tokens / lm_head weights (PEFT saves them after resize_token_embeddings) is refused naming the tensor and the way out', () => {
  const src = path.join(TINY, 'adapter_init');
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const factors = Object.fromEntries(st.names().map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  const whole = { dtype: 'F32' as const, shape: [513, 64], data: new Float32Array(513 * 64) };
  const lmHead = 'base_model.model.lm_head.weight', embed = 'base_model.model.model.embed_tokens.weight';
  for (const [extra, layer] of [[{ [lmHead]: whole, [embed]: whole }, 'lm_head'], [{ [embed]: whole }, 'embed_tokens']] as const) {
    const dir = tmp();
    writeSafetensors(path.join(dir, 'adapter_model.safetensors'), { ...extra, ...factors }, { format: 'pt' });
    fs.copyFileSync(path.join(src, 'adapter_config.json'), path.join(dir, 'adapter_config.json'));
    const name = layer === 'lm_head' ? lmHead : embed;
    assert.throws(() => readAdapterInfo(dir, 2), new RegExp(`adapter_model\\.safetensors: tensor "${name.replaceAll('.', '\\.')}" is a whole ${layer} weight ` +
      '\\(PEFT saves embed_tokens and lm_head so after resize_token_embeddings, or with save_embedding_layers=True\\), which only PEFT applies, ' +
      'over a base resized to it; merge it there \\(merge_and_unload, save_pretrained\\) and give the merged model as --model \\(the tokenizer saved with it\\)$'), layer);
    if (layer !== 'lm_head') continue;
    const r = spawnSync(process.execPath, [BIN, 'eval', '--model', TINY_BASE, '--adapter', dir, '--data', path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl')], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('error:')).length, 1, r.stderr);
    assert.match(r.stderr, /tensor "base_model\.model\.lm_head\.weight" is a whole lm_head weight/);
  }
});

test('an adapter without task_type that holds a score head (PEFT\'s PeftModel on a sequence classifier) is read as SEQ_CLS', () => {
  const src = path.join(TINY_CLS, 'adapter_init'), dir = tmp();
  fs.copyFileSync(path.join(src, 'adapter_model.safetensors'), path.join(dir, 'adapter_model.safetensors'));
  const { task_type: _, ...cfg } = json(path.join(src, 'adapter_config.json'));
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...cfg, modules_to_save: ['score'] }));
  const info = readAdapterInfo(dir, 2);
  assert.equal(info.hasScore, true);
  assert.equal(info.taskType, 'SEQ_CLS');
  // without a score head it stays a causal LM's
  assert.equal(readAdapterInfo(editedAdapter({ task_type: null }), 2).taskType, 'CAUSAL_LM');
});

test('rank_pattern and alpha_pattern: each module its own rank and alpha, as the same adapter padded to one rank computes it', () => {
  const backend = testBackend();
  const src = path.join(TINY, 'adapter_step1'); // r 4, lora_alpha 8: scaling 2
  const st = SafetensorsFile.open(path.join(src, 'adapter_model.safetensors'));
  const tensors = Object.fromEntries(st.names().map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  const base = json(path.join(src, 'adapter_config.json'));
  // q_proj of layer 1 at rank 2 (PEFT's regex key), every down_proj with alpha 3 (a suffix key)
  const ranked = (n: string): boolean => n.includes('.layers.1.self_attn.q_proj.');
  const patterned: typeof tensors = {}, padded: typeof tensors = {};
  for (const [n, t] of Object.entries(tensors)) {
    const [rows, cols] = t.shape as [number, number];
    if (!ranked(n)) {
      patterned[n] = t;
      // the same module in a uniform adapter: alpha 3 folded into B as 3/4 of the scaling 8/4
      padded[n] = n.includes('down_proj') && n.includes('lora_B') ? { ...t, data: t.data.map((v) => v * 3 / 8) } : t;
      continue;
    }
    if (n.includes('lora_A')) { // (4, in) → (2, in), and back to (4, in) with zero rows
      patterned[n] = { ...t, shape: [2, cols], data: t.data.slice(0, 2 * cols) };
      padded[n] = { ...t, data: new Float32Array(rows * cols).fill(0).map((_, i) => (i < 2 * cols ? t.data[i]! : 0)) };
    } else { // (out, 4) → (out, 2): scaling 8/2 = 4, twice the adapter's, folded into B; back to (out, 4) with zero columns
      patterned[n] = { ...t, shape: [rows, 2], data: new Float32Array(rows * 2).map((_, i) => t.data[Math.floor(i / 2) * cols + (i % 2)]!) };
      padded[n] = { ...t, data: t.data.map((v, i) => (i % cols < 2 ? v * 2 : 0)) };
    }
  }
  const write = (ts: typeof tensors, extra: Record<string, unknown>): string => {
    const dir = tmp();
    writeSafetensors(path.join(dir, 'adapter_model.safetensors'), ts, { format: 'pt' });
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...base, ...extra }));
    return dir;
  };
  const patternDir = write(patterned, { rank_pattern: { 'model\\.layers\\.1\\..*q_proj': 2, q_proj: 3 }, alpha_pattern: { down_proj: 3 } });
  const batch = collate([{ inputIds: [1, 5, 9, 14, 3, 7], labels: [1, 5, 9, 14, 3, 7] }], 0, 0);
  const logitsOf = (dir: string): Float32Array | Float64Array => {
    const model = loadModel(TINY_BASE, { backend });
    loadAdapter(model, dir, { trainable: false });
    return model.logits(batch);
  };
  // q_proj of layer 0 would be rank 3 by the second key: its file has rank 4, which the first key does not cover
  assert.throws(() => logitsOf(patternDir), /layers\.0\.self_attn\.q_proj\.lora_A\.weight" has shape \[4, \d+\]: its rank is not its rank_pattern's r \(3\)/);
  const dir = write(patterned, { rank_pattern: { 'model\\.layers\\.1\\..*q_proj': 2 }, alpha_pattern: { down_proj: 3 } });
  const info = readAdapterInfo(dir, 2);
  assert.equal(info.spec.r, 4, 'the largest rank');
  assert.deepEqual([info.ranks.of(1, 'q_proj'), info.ranks.of(0, 'q_proj'), info.ranks.of(0, 'down_proj')], [{ r: 2, alpha: 8 }, { r: 4, alpha: 8 }, { r: 4, alpha: 3 }]);
  assert.ok(relErr(logitsOf(dir), logitsOf(write(padded, {}))) < 1e-6);
  // trained further it would not be PEFT's: refused
  const model = loadModel(TINY_BASE, { backend });
  assert.throws(() => loadAdapter(model, dir, { trainable: true }), /adapter_config\.json: rank_pattern\/alpha_pattern: .* not trained on/);
  // keys that repeat r and lora_alpha, or match no module, leave it plain LoRA: trained on, as it is
  const plain = write(tensors, { rank_pattern: { q_proj: 4, 'no_such_proj': 2 }, alpha_pattern: { down_proj: 8 } });
  assert.equal(readAdapterInfo(plain, 2).ranks.patterned, false);
  assert.doesNotThrow(() => loadAdapter(loadModel(TINY_BASE, { backend }), plain, { trainable: true }));
});
