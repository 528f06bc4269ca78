// A model, adapter or config that disagrees with itself is never silently half-used: adapter tensors that
// adapter_config.json does not select, or target_modules that name no Mistral projection, are errors naming the
// tensor or key; modules selected without tensors and checkpoint tensors the config leaves unused are warnings
// (PEFT and transformers warn there); token ids beyond vocab_size are errors naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createBackend } from '../../src/backend/select.ts';
import { classificationPadId, parseConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { loadAdapter } from '../../src/model/peft.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/model/safetensors.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { isUserError } from '../../src/util/errors.ts';
import { TINY, TINY_BASE, TINY_CLS } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const backend = createBackend('cpu');
const tmp = (): string => tempDir('mt-mismatch-');
const readJson = (f: string): Record<string, unknown> => JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;

/** A copy of an adapter folder with some adapter_config.json keys changed. */
function adapterWith(src: string, changes: Record<string, unknown>): string {
  const dir = tmp();
  fs.copyFileSync(path.join(src, 'adapter_model.safetensors'), path.join(dir, 'adapter_model.safetensors'));
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({ ...readJson(path.join(src, 'adapter_config.json')), ...changes }));
  return dir;
}

function userError(f: () => unknown, ...fragments: string[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
    for (const s of fragments) assert.ok((e as Error).message.includes(s), `"${(e as Error).message}" lacks ${s}`);
    return true;
  });
}

test('adapter target_modules that disagree with its tensors: an error naming the key or the tensor', () => {
  const seven = path.join(TINY, 'adapter_step1'); // tensors for all seven projections in both layers
  const foo = adapterWith(seven, { target_modules: ['foo_proj'] });
  userError(() => loadAdapter(loadModel(TINY_BASE, { backend }), foo, { trainable: false }), 'adapter_config.json', 'target_modules', '"foo_proj"');
  const onlyQ = adapterWith(seven, { target_modules: ['q_proj'] });
  userError(() => loadAdapter(loadModel(TINY_BASE, { backend }), onlyQ, { trainable: false }),
    'adapter_model.safetensors', 'tensor "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight"', 'target_modules ["q_proj"]');
  const layer1 = adapterWith(seven, { layers_to_transform: [1] });
  userError(() => loadAdapter(loadModel(TINY_BASE, { backend }), layer1, { trainable: false }), 'layers.0.', 'layers_to_transform [1]');
  // "all-linear" is every projection (PEFT leaves out only the output layer): it agrees with seven, silently
  const all = captureStderr(() => loadAdapter(loadModel(TINY_BASE, { backend }), adapterWith(seven, { target_modules: 'all-linear' }), { trainable: false }));
  assert.deepEqual(all.result.spec.targets.length, 7);
  assert.doesNotMatch(all.stderr, /warning/);
});

test('an adapter tensor of a module that exclude_modules leaves out names exclude_modules, not target_modules, as the rule that left it out', () => {
  const seven = path.join(TINY, 'adapter_step1');
  const excluded = adapterWith(seven, { exclude_modules: ['model.layers.0.mlp.down_proj'] });
  assert.throws(() => loadAdapter(loadModel(TINY_BASE, { backend }), excluded, { trainable: false }), {
    name: 'UserError',
    message: `${path.join(excluded, 'adapter_model.safetensors')}: tensor "base_model.model.model.layers.0.mlp.down_proj.lora_A.weight" adapts down_proj of layer 0, ` +
      'which adapter_config.json\'s exclude_modules ["model.layers.0.mlp.down_proj"] leaves out',
  });
  // the other two rules, each named alone
  const layer1 = adapterWith(seven, { layers_to_transform: [1] });
  assert.throws(() => loadAdapter(loadModel(TINY_BASE, { backend }), layer1, { trainable: false }),
    { message: /adapts down_proj of layer 0, which adapter_config\.json's layers_to_transform \[1\] leaves out$/ });
  const onlyQ = adapterWith(seven, { target_modules: ['q_proj'] });
  assert.throws(() => loadAdapter(loadModel(TINY_BASE, { backend }), onlyQ, { trainable: false }),
    { message: /adapts down_proj of layer 0, which adapter_config\.json's target_modules \["q_proj"\] does not select$/ });
});

test('modules the config selects without tensors: a warning naming one (PEFT warns of missing keys), the rest loads', () => {
  const qv = path.join(TINY_CLS, 'adapter_step1'); // q_proj and v_proj tensors only
  const r = captureStderr(() => loadAdapter(loadModel(TINY_BASE, { backend }), adapterWith(qv, { target_modules: 'all-linear' }), { trainable: false }));
  assert.deepEqual([...r.result.spec.targets].sort(), ['q_proj', 'v_proj']);
  assert.match(r.stderr, /warning: .*adapter_model\.safetensors: 10 LoRA module\(s\) .* "base_model\.model\.model\.layers\.0\.self_attn\.k_proj\.lora_A\.weight"/);
});

test('config.json with fewer layers than the checkpoint: a warning naming an unused tensor', () => {
  const dir = tmp();
  fs.copyFileSync(path.join(TINY_BASE, 'model.safetensors'), path.join(dir, 'model.safetensors'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...readJson(path.join(TINY_BASE, 'config.json')), num_hidden_layers: 1 }));
  const r = captureStderr(() => loadModel(dir, { backend }));
  assert.equal(r.result.cfg.numLayers, 1);
  assert.match(r.stderr, /warning: .*: 9 checkpoint tensor\(s\) are not used .*num_hidden_layers 1.*"model\.layers\.1\./);
  assert.doesNotMatch(captureStderr(() => loadModel(TINY_BASE, { backend })).stderr, /warning/);
});

// integer weights are packed or quantized ones (bitsandbytes' int8, GPTQ's int32 qweight): one line naming the tensor,
// its file and what to use instead, not "expected a float type"
test('a checkpoint weight of an integer dtype is refused as quantized, naming the tensor and its file', () => {
  const src = path.join(TINY_BASE, 'model.safetensors');
  const f = SafetensorsFile.open(src);
  const tensors: Record<string, { dtype: 'F32' | 'I8'; shape: number[]; data: Float32Array | Int8Array }> = {};
  const name = 'model.layers.0.mlp.up_proj.weight';
  for (const n of f.names()) {
    const shape = [...f.info(n).shape];
    tensors[n] = n === name ? { dtype: 'I8', shape, data: new Int8Array(shape.reduce((a, b) => a * b, 1)) } : { dtype: 'F32', shape, data: f.readF32(n) };
  }
  f.close();
  const dir = tmp();
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
  userError(() => loadModel(dir, { backend }), path.join(dir, 'model.safetensors'), `tensor "${name}" has dtype I8: integer weights are quantized or packed ones, which are not supported: use the model's unquantized weights (BF16, F16 or F32)`);
});

// a multimodal checkpoint's text model (Mistral Small 3.1: language_model.model.* in transformers 4, model.language_model.*
// in 5) given with a Mistral config.json: transformers 5.17 loads none of its tensors into MistralForCausalLM (all
// UNEXPECTED, the model's MISSING and drawn at random); we refuse it, saying where its tensors are
test('a checkpoint whose tensors are under another prefix (a multimodal model\'s text part) is refused naming the prefix', () => {
  const src = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  for (const [from, to] of [['model.', 'language_model.model.'], ['model.', 'model.language_model.']]) {
    const tensors: Record<string, TensorToWrite> = {};
    for (const n of src.names()) tensors[n.startsWith(from) ? to + n.slice(from.length) : n] = { dtype: 'F32', shape: [...src.info(n).shape], data: src.readF32(n) };
    const dir = tmp();
    writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
    fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
    userError(() => loadModel(dir, { backend }), dir, `tensor "model.embed_tokens.weight" not found in the checkpoint: it holds "${to}embed_tokens.weight", under the prefix "${to}" where a Mistral's tensors are under "model." (the text model of a multimodal checkpoint?); transformers does not load it into a Mistral either (it draws those weights at random): rename its tensors to model.*`);
  }
  src.close();
});

// transformers before 4.31 saved each layer's rotary_emb.inv_freq buffer; transformers 5.17 computes the frequencies from
// the config and drops these keys without a word (_adjust_missing_and_unexpected_keys), and so does the loader
test('the legacy rotary_emb.inv_freq buffers of an old checkpoint are ignored without a warning, as transformers ignores them', () => {
  const dir = tmp();
  const f = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors = Object.fromEntries(f.names().map((n) => [n, { dtype: 'F32' as const, shape: f.info(n).shape, data: f.readF32(n) }]));
  f.close();
  for (const i of [0, 1]) tensors[`model.layers.${i}.self_attn.rotary_emb.inv_freq`] = { dtype: 'F32', shape: [8], data: new Float32Array(8).fill(7) };
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  fs.copyFileSync(path.join(TINY_BASE, 'config.json'), path.join(dir, 'config.json'));
  const r = captureStderr(() => loadModel(dir, { backend }));
  assert.doesNotMatch(r.stderr, /warning/);
  assert.deepEqual(Array.from(r.result.logits(r.result.collate([{ inputIds: [1, 7, 9] }]))), Array.from(loadModel(TINY_BASE, { backend }).logits(r.result.collate([{ inputIds: [1, 7, 9] }]))));
});

test('attention_bias / mlp_bias true read as transformers reads them (no biases); a checkpoint holding a projection bias is refused naming it', () => {
  const dir = tmp();
  fs.copyFileSync(path.join(TINY_BASE, 'model.safetensors'), path.join(dir, 'model.safetensors'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...readJson(path.join(TINY_BASE, 'config.json')), attention_bias: true, mlp_bias: true }));
  const plain = loadModel(TINY_BASE, { backend }), flagged = loadModel(dir, { backend });
  const batch = plain.collate([{ inputIds: [1, 7, 42, 9], labels: null, label: 0 }]);
  assert.deepEqual(flagged.logits(batch), plain.logits(batch), 'the keys change nothing, as in transformers');
  const st = SafetensorsFile.open(path.join(TINY_BASE, 'model.safetensors'));
  const tensors = Object.fromEntries(st.names().map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  tensors['model.layers.1.self_attn.k_proj.bias'] = { dtype: 'F32', shape: [32], data: new Float32Array(32).fill(0.5) };
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  userError(() => loadModel(dir, { backend }), 'tensor "model.layers.1.self_attn.k_proj.bias" is a bias of a projection, which the Mistral architecture does not have');
});

test('a Llama base (model_type llama) with a projection bias or under another prefix is refused naming its class, not Mistral', () => {
  const llama = path.join(TINY, '..', 'hf-llama', 'plain');
  const st = SafetensorsFile.open(path.join(llama, 'model.safetensors'));
  const tensors = Object.fromEntries(st.names().map((n) => [n, { dtype: 'F32' as const, shape: [...st.info(n).shape], data: st.readF32(n) }]));
  st.close();
  const biased = tmp(), moved = tmp();
  fs.copyFileSync(path.join(llama, 'config.json'), path.join(biased, 'config.json'));
  writeSafetensors(path.join(biased, 'model.safetensors'), { ...tensors, 'model.layers.1.self_attn.k_proj.bias': { dtype: 'F32', shape: [32], data: new Float32Array(32).fill(0.5) } }, { format: 'pt' });
  userError(() => loadModel(biased, { backend }), 'tensor "model.layers.1.self_attn.k_proj.bias" is a bias of a projection, which the Llama architecture does not have (transformers\' Llama would drop it');
  fs.copyFileSync(path.join(llama, 'config.json'), path.join(moved, 'config.json'));
  writeSafetensors(path.join(moved, 'model.safetensors'), Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n.replace(/^model\./, 'language_model.model.'), t])));
  userError(() => loadModel(moved, { backend }), `where a Llama's tensors are under "model."`, 'transformers does not load it into a Llama either');
});

/** The tiny model with a 3-class score head (classes a, b, c), saved as a classification model folder. */
function savedClassifier(): string {
  const model = loadModel(TINY_BASE, { backend });
  const C = model.cfg.hiddenSize;
  const head = backend.alloc(model.dtype, 3 * C);
  backend.upload(head, { dtype: 'f32', data: new Float32Array(3 * C).fill(0.01) });
  model.setScoreHead(head, false);
  const dir = tmp();
  saveModelFolder(model, dir, { sourceDir: TINY_BASE, head: 'classification', labels: ['a', 'b', 'c'] });
  return dir;
}

test('a score head with a bias (MistralForTokenClassification\'s, its config.json without architectures) is refused naming it, not loaded as a sequence classifier without it', () => {
  const dir = savedClassifier();
  const { architectures: _arch, ...config } = readJson(path.join(dir, 'config.json'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.safetensors'))!;
  const st = SafetensorsFile.open(path.join(dir, file));
  const tensors = Object.fromEntries(st.names().map((n) => [n, { dtype: 'F32' as const, shape: st.info(n).shape, data: st.readF32(n) }]));
  st.close();
  assert.equal(loadModel(dir, { backend }).score !== null, true, 'without the bias it loads as a classifier');
  tensors['score.bias'] = { dtype: 'F32', shape: [3], data: new Float32Array([0.5, -0.5, 1]) };
  writeSafetensors(path.join(dir, file), tensors, { format: 'pt' });
  userError(() => loadModel(dir, { backend }), 'tensor "score.bias" is a bias of the classification head, which transformers\' MistralForSequenceClassification does not have');
});

test('bos/eos token ids beyond vocab_size load with a warning, as transformers 5.17 loads them; a pad id beyond it is refused naming the key (transformers\' embedding refuses it as padding_idx)', () => {
  const base = readJson(path.join(TINY_BASE, 'config.json'));
  // before: all refused ("bos_token_id: 1000000000 is not a token id: vocab_size is 512"), where transformers loads them
  const eos = captureStderr(() => parseConfig({ ...base, eos_token_id: [2, 512] }, 'cfg.json'));
  assert.deepEqual(eos.result.eosTokenIds, [2, 512]);
  assert.match(eos.stderr, /cfg\.json: eos_token_id: 512 names no token \(vocab_size is 512\)/);
  const bos = captureStderr(() => parseConfig({ ...base, bos_token_id: 1e9 }, 'cfg2.json'));
  assert.equal(bos.result.bosTokenId, 1e9);
  assert.match(bos.stderr, /cfg2\.json: bos_token_id: 1000000000 names no token/);
  // the classification pad id (padding's fill, written as an export's pad_token_id) skips an EOS past the rows
  assert.equal(classificationPadId(captureStderr(() => parseConfig({ ...base, pad_token_id: null, eos_token_id: 600 }, 'cfg3.json')).result), null);
  assert.equal(classificationPadId(captureStderr(() => parseConfig({ ...base, pad_token_id: null, eos_token_id: [600, 2] }, 'cfg4.json')).result), 2);
  userError(() => parseConfig({ ...base, pad_token_id: 512 }, 'cfg.json'), 'cfg.json', 'pad_token_id', 'vocab_size is 512');
  assert.equal(parseConfig({ ...base, eos_token_id: 511 }).eosTokenIds[0], 511);
  // the length-limit note when no EOS id names a token: it was left out for [-1, 600], which mixes the two kinds
  const note = /it runs to its length limit unless the tokenizer or generation_config\.json names an EOS/g;
  for (const [ids, times] of [[[-1, 600], 1], [600, 1], [[-1], 1], [[-1, 600, 2], 0], [[600, 2], 0]] as const) {
    const { stderr } = captureStderr(() => parseConfig({ ...base, eos_token_id: ids }, `eos${JSON.stringify(ids)}.json`));
    assert.equal(stderr.match(note)?.length ?? 0, times, `eos_token_id ${JSON.stringify(ids)}: ${stderr}`);
  }
});

test('generation with an eos_token_id past vocab_size runs to its length limit (no token is it), with min_new_tokens too', () => {
  const dir = tempDir('mt-eos-past-');
  for (const f of fs.readdirSync(TINY_BASE)) fs.copyFileSync(path.join(TINY_BASE, f), path.join(dir, f));
  const cfg = readJson(path.join(dir, 'config.json'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, eos_token_id: 9999 }));
  const model = captureStderr(() => loadModel(dir, { backend })).result;
  assert.equal(generate(model, [1, 5, 9], { maxNewTokens: 4, minNewTokens: 2 }).length, 4);
});

test("a classification model whose config.json id2label names another number of classes than its score head has rows: an error naming both, as transformers refuses it", () => {
  const dir = savedClassifier();
  assert.deepEqual(loadModel(dir, { backend }).cfg.labels, ['a', 'b', 'c']);
  const config = readJson(path.join(dir, 'config.json'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, id2label: { 0: 'a', 1: 'b' }, label2id: { a: 0, b: 1 } }));
  userError(() => loadModel(dir, { backend }), dir, "config.json's id2label / num_labels give 2 classes, but the checkpoint's score.weight scores 3");
  // as transformers 5.17 sizes the head (checked with it): num_labels without id2label names LABEL_0 …; neither gives
  // 2 classes; a num_labels that differs from id2label's count wins, with a warning
  const { id2label: _names, label2id: _ids, ...unnamed } = config;
  const write = (over: object) => fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...unnamed, ...over }));
  write({ num_labels: 3 });
  assert.deepEqual(loadModel(dir, { backend }).cfg.labels, ['LABEL_0', 'LABEL_1', 'LABEL_2']);
  write({});
  userError(() => loadModel(dir, { backend }), dir, 'config.json has neither id2label nor num_labels, so transformers builds a head of 2 classes, but the checkpoint\'s score.weight scores 3');
  write({ num_labels: 4 });
  userError(() => loadModel(dir, { backend }), dir, 'give 4 classes, but the checkpoint\'s score.weight scores 3');
  write({ id2label: { 0: 'a', 1: 'b', 2: 'c' }, num_labels: 3 });
  assert.deepEqual(loadModel(dir, { backend }).cfg.labels, ['a', 'b', 'c']);
  write({ id2label: { 0: 'a', 1: 'b' }, num_labels: 3 });
  const r = captureStderr(() => loadModel(dir, { backend }));
  assert.deepEqual(r.result.cfg.labels, ['LABEL_0', 'LABEL_1', 'LABEL_2']);
  assert.match(r.stderr, /warning: .*config\.json: num_labels 3 differs from id2label's 2 names: transformers builds a head of 3 classes named LABEL_0 … LABEL_2/);
  for (const bad of [3.5, '3', -1, true]) userError(() => parseConfig({ ...unnamed, num_labels: bad }, 'cfg.json'), 'cfg.json', 'num_labels: must be an integer ≥ 0');
});
