// config.json's pad_token_id -1 and eos_token_id -1 (old LLaMA configs write -1), read as transformers 5.17 reads
// them, against test/fixtures/hf-pad-negative/reference.json (its make_pad_negative.py: transformers 5.17, torch 2.13
// CPU): the config loads with a warning; padding holds 0, never -1; embedding row 31 (nn.Embedding's padding_idx -1)
// takes no gradient in full fine-tuning; a classification head scores each row's last token, as HF does a row given
// alone; generation never stops at -1; a save keeps both ids in config.json, as transformers writes them, and leaves
// the -1 pad out of the generation_config.json it makes (transformers refuses to write it there); GGUF export is
// refused, as llama.cpp's convert_hf_to_gguf.py refuses it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { planGgufSource } from '../../src/export/gguf/from-source.ts';
import { modelTokenizer } from '../../src/export/gguf/tokenizer.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { classificationPadId, parseConfig } from '../../src/model/config.ts';
import { generate } from '../../src/model/generate.ts';
import { generationEosIds } from '../../src/model/generation-config.ts';
import { loadModel, type MistralModel } from '../../src/model/mistral.ts';
import { HF_NAMES } from '../../src/model/names.ts';
import { zeroGrads } from '../../src/model/params.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { UserError } from '../../src/util/errors.ts';
import { FIXTURES, relErr } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const DIR = path.join(FIXTURES, 'hf-pad-negative');
const MODEL = path.join(DIR, 'model');
interface Reference {
  rows: number[][];
  padding_idx: number;
  causal: { loss: number; logits: number[]; embed_grad: number[] };
  generate: { prompt: number[]; tokens: number[] };
  classification: { score_weight: number[]; alone: number[][]; batched: number[][] };
  save: { as_loaded: { refused: string }; with_generation_config: { 'config.json': Record<string, unknown> } };
  generation_config_eos: Record<string, number | number[]>;
  bos_negative: { bos_token_id: number; generate: number[]; 'config.json': Record<string, unknown>; 'generation_config.json': Record<string, unknown> };
}
const REF = JSON.parse(fs.readFileSync(path.join(DIR, 'reference.json'), 'utf8')) as Reference;
const backend = createBackend('cpu');
const rows = REF.rows.map((ids) => ({ inputIds: ids }));

const load = (): { model: MistralModel; stderr: string } => {
  const { result: model, stderr } = captureStderr(() => loadModel(MODEL, { backend }));
  return { model, stderr };
};

test('pad_token_id -1, eos_token_id -1: loaded with a warning for each, saying how it is read', () => {
  const { model, stderr } = load();
  assert.equal(model.cfg.padTokenId, -1);
  assert.deepEqual(model.cfg.eosTokenIds, [-1]);
  assert.match(stderr, new RegExp(`pad_token_id: -1 names no token; .*embedding row ${REF.padding_idx} takes no gradient`));
  assert.match(stderr, /eos_token_id: -1 names no token; generation does not stop at it/);
  // nn.Embedding takes padding_idx in [-vocab_size, vocab_size): one below fails to build in transformers
  const cfg = { model_type: 'mistral', vocab_size: 32 };
  assert.equal(captureStderr(() => parseConfig({ ...cfg, pad_token_id: -32 })).result.padTokenId, -32);
  // a classification head with no pad_token_id scores by the EOS (HF's usual pad = eos): one that names a token
  assert.equal(captureStderr(() => classificationPadId(parseConfig({ ...cfg, eos_token_id: -1 }))).result, null);
  assert.equal(captureStderr(() => classificationPadId(parseConfig({ ...cfg, eos_token_id: [-1, 2] }))).result, 2);
  assert.throws(() => parseConfig({ ...cfg, pad_token_id: -33 }, 'm/config.json'), (e) => e instanceof UserError && /^m\/config\.json: pad_token_id: -33 is below −vocab_size \(-32\)/.test(e.message));
});

test('pad_token_id -1: padding holds 0, and logits, loss and the full fine-tuning embedding gradient match transformers (row 31 none)', () => {
  const { model } = load();
  const batch = model.collate(rows);
  assert.ok(!batch.inputIds.includes(-1) && batch.inputIds[2 * batch.T - 1] === 0, 'padding holds 0');
  // the real tokens' logits (a padded position's are nobody's: HF's attend over the row's tokens, ours are masked)
  const V = model.cfg.vocabSize, real = (a: ArrayLike<number>): number[] => rows.flatMap((r, b) => Array.from(a).slice(b * batch.T * V, (b * batch.T + r.inputIds.length) * V));
  const logits = real(model.logits(batch)), want = real(REF.causal.logits);
  assert.ok(relErr(logits, want) < 1e-5, `logits: relative error ${relErr(logits, want)}`);
  model.enableBaseGrads();
  const params = model.trainableParams();
  zeroGrads(backend, params);
  const loss = causalLmBackward(model, batch, 1 / batch.targetCount) / batch.targetCount;
  assert.ok(Math.abs(loss - REF.causal.loss) < 1e-5 * REF.causal.loss, `loss ${loss} vs ${REF.causal.loss}`);
  const grad = backend.download(params.find((p) => p.name === HF_NAMES.embed)!.grad);
  const C = model.cfg.hiddenSize, row = REF.padding_idx;
  assert.deepEqual(Array.from(grad.subarray(row * C, row * C + C)), new Array<number>(C).fill(0));
  assert.ok(relErr(grad, REF.causal.embed_grad) < 1e-5, `embedding gradient: relative error ${relErr(grad, REF.causal.embed_grad)}`);
});

test('pad_token_id -1: the classification head scores each row\'s last token, as transformers scores a row given alone', () => {
  const { model } = load();
  const head = backend.alloc('f32', REF.classification.score_weight.length);
  backend.upload(head, { dtype: 'f32', data: Float32Array.from(REF.classification.score_weight) });
  model.setScoreHead(head, false);
  const logits = model.classLogits(model.collate(rows));
  assert.ok(relErr(logits, REF.classification.alone.flat()) < 1e-5, `class logits: relative error ${relErr(logits, REF.classification.alone.flat())}`);
  // (transformers' padded batch scores the shorter row at its padding: not what its rows are, not followed)
  assert.ok(relErr(REF.classification.batched[1]!, REF.classification.alone[1]!) > 0.1);
});

test('eos_token_id -1: greedy generation runs to its length, the tokens transformers generates', () => {
  const { model } = load();
  assert.deepEqual(generate(model, REF.generate.prompt, { maxNewTokens: REF.generate.tokens.length }), REF.generate.tokens);
  const dir = tempDir('mt-pad-neg-gen-');
  for (const [text, eos] of Object.entries(REF.generation_config_eos)) { // generation_config.json reads them as transformers
    fs.writeFileSync(path.join(dir, 'generation_config.json'), `{"eos_token_id": ${text}}`);
    assert.deepEqual(generationEosIds(dir), Array.isArray(eos) ? eos : [eos]);
  }
});

test('pad_token_id -1: a save keeps it in config.json; the generation_config.json made from it leaves it out', () => {
  assert.match(REF.save.as_loaded.refused, /pad_token_id` should be positive but got -1/); // transformers' own save
  const { model } = load();
  const out = path.join(tempDir('mt-pad-neg-save-'), 'saved');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: MODEL, head: 'causal' }));
  const doc = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  const ids = Object.fromEntries(['bos_token_id', 'eos_token_id', 'pad_token_id'].map((k) => [k, doc[k]]));
  assert.deepEqual(ids, REF.save.with_generation_config['config.json']);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8')), { _from_model_config: true, bos_token_id: 1, eos_token_id: -1, use_cache: true });
  assert.equal(captureStderr(() => loadModel(out, { backend })).result.cfg.padTokenId, -1);
  // a classification export writes the id it was scored by (classificationPadId): -1, which names no pad token
  const head = backend.alloc('f32', REF.classification.score_weight.length);
  backend.upload(head, { dtype: 'f32', data: Float32Array.from(REF.classification.score_weight) });
  model.setScoreHead(head, false);
  const cls = path.join(path.dirname(out), 'cls');
  captureStderr(() => saveModelFolder(model, cls, { sourceDir: MODEL, head: 'classification', labels: ['a', 'b', 'c'] }));
  assert.equal((JSON.parse(fs.readFileSync(path.join(cls, 'config.json'), 'utf8')) as Record<string, unknown>).pad_token_id, -1);
  const tokenizerConfig = path.join(cls, 'tokenizer_config.json');
  assert.ok(!fs.existsSync(tokenizerConfig) || !('pad_token' in (JSON.parse(fs.readFileSync(tokenizerConfig, 'utf8')) as object)));
});

test('pad_token_id or eos_token_id -1: GGUF export is refused, as convert_hf_to_gguf.py refuses it; -1 in a list is skipped', () => {
  const cfg = (over: object) => ({ cfg: { vocabSize: 32000, bosTokenId: 1, eosTokenIds: [2], eosTokenIdIsList: false, padTokenId: null, ...over } });
  const dir = tempDir('mt-pad-neg-gguf-');
  for (const [over, key] of [[{ padTokenId: -1 }, 'pad_token_id'], [{ eosTokenIds: [-1] }, 'eos_token_id']] as const) {
    assert.throws(() => captureStderr(() => modelTokenizer(cfg(over), dir)), (e) => e instanceof UserError && e.message.startsWith(`config.json: ${key}: -1 names no token, and llama.cpp's convert_hf_to_gguf.py refuses`) && !e.message.includes('\n'));
  }
  // refused from the config alone, naming the file, before any weight is read
  assert.throws(() => captureStderr(() => planGgufSource({ model: MODEL, adapter: null })), (e) => e instanceof UserError && e.message.startsWith(`${path.join(MODEL, 'config.json')}: eos_token_id: -1 names no token`));
  // SpecialVocab skips a list (its EOS is the tokenizer's: 2); the GGUF's stop ids leave out the -1
  const m = captureStderr(() => modelTokenizer(cfg({ eosTokenIds: [-1, 2], eosTokenIdIsList: true }), dir)).result;
  assert.equal(m.get('tokenizer.ggml.eos_token_id')?.value, 2);
  assert.equal(m.get('tokenizer.ggml.eot_token_id'), undefined);
});

test('bos_token_id -1: loaded with a warning as transformers loads it; generation from a prompt and a save match it; GGUF export is refused', () => {
  // before: refused as the config loaded ("bos_token_id: must be a token id or null, got -1"), where transformers loads it
  const dir = path.join(tempDir('mt-bos-neg-'), 'model');
  fs.cpSync(MODEL, dir, { recursive: true });
  const doc = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...doc, bos_token_id: -1, eos_token_id: 2, pad_token_id: null }));
  const { result: model, stderr } = captureStderr(() => loadModel(dir, { backend }));
  assert.equal(model.cfg.bosTokenId, REF.bos_negative.bos_token_id);
  assert.match(stderr, /config\.json: bos_token_id: -1 names no token; read as transformers reads it: a prompt's BOS is the tokenizer's/);
  assert.deepEqual(generate(model, REF.generate.prompt, { maxNewTokens: REF.bos_negative.generate.length }), REF.bos_negative.generate);
  const out = path.join(path.dirname(dir), 'saved');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: dir, head: 'causal' }));
  const saved = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.fromEntries(['bos_token_id', 'eos_token_id', 'pad_token_id'].map((k) => [k, saved[k]])), REF.bos_negative['config.json']);
  // as transformers writes it, use_cache (from config.json) included
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8')), REF.bos_negative['generation_config.json']);
  // convert_hf_to_gguf.py's SpecialVocab raises at a negative bos_token_id before it reads the tokenizer's BOS
  assert.throws(() => captureStderr(() => planGgufSource({ model: dir, adapter: null })),
    (e) => e instanceof UserError && e.message === `${path.join(dir, 'config.json')}: bos_token_id: -1 names no token, and llama.cpp's convert_hf_to_gguf.py refuses a negative special token id ("invalid value for special token type"): set it to null or a token id to export GGUF`);
});
