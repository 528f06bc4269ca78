// The tokenizer section of a GGUF export, read without llama.cpp (gguf-llama.test.ts runs llama.cpp on the files):
// scores follow tokenizer.json's merge ranks and a token no merge makes scores below all of them (llama.cpp merges
// by score alone, whatever a token's type); a stop id of config.json's beyond the EOS becomes the end-of-turn token;
// BOS is added only when there is one and the tokenizer adds it; the provenance names folders, not the exporter's paths.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { modelMetadata } from '../../src/export/gguf/metadata.ts';
import { tokenizerMetadata } from '../../src/export/gguf/tokenizer.ts';
import type { MistralConfig } from '../../src/model/config.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { captureStderr } from '../tokenizer/helpers.ts';

const value = (m: Map<string, { value: unknown }>, key: string): unknown => m.get(key)?.value;

test('scores: minus the merge rank; tokens no merge makes (control, user-defined, unused rows) below every merge', () => {
  const m = captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32002)).result;
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: unknown[] } };
  const scores = value(m, 'tokenizer.ggml.scores') as Float32Array, tokens = value(m, 'tokenizer.ggml.tokens') as string[];
  const lowest = -(json.model.merges.length + 1);
  assert.equal(scores[json.model.vocab['▁t']!], 0, 'the first merge');
  assert.ok(scores[json.model.vocab['▁the']!]! < 0 && scores[json.model.vocab['▁the']!]! > lowest);
  for (const id of [0, 1, 2, 32000, 32001]) assert.equal(scores[id], lowest, `${tokens[id]} (id ${id})`);
  assert.equal(scores[json.model.vocab['a']!], 0, 'a single character is never a merge\'s result: its score is not read');
  assert.equal(tokens[32001], '[PAD32001]');
  assert.equal(value(m, 'tokenizer.ggml.add_space_prefix'), true, 'the legacy Prepend("▁") normalizer');
});

test('a second stop id of config.json is the end-of-turn token; no BOS in the vocabulary: add_bos_token false', () => {
  const m = captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000, [2, 7])).result;
  assert.equal(value(m, 'tokenizer.ggml.eos_token_id'), 2);
  assert.equal(value(m, 'tokenizer.ggml.eot_token_id'), 7);
  assert.equal(value(m, 'tokenizer.ggml.add_bos_token'), true);
  assert.equal(captureStderr(() => tokenizerMetadata(BUNDLED_TOKENIZER_DIR, 32000, [2])).result.has('tokenizer.ggml.eot_token_id'), false);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-gguf-tok-'));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ add_bos_token: true, bos_token: null, eos_token: '</s>' }));
  const noBos = captureStderr(() => tokenizerMetadata(dir, 32000)).result;
  assert.equal(noBos.has('tokenizer.ggml.bos_token_id'), false);
  assert.equal(value(noBos, 'tokenizer.ggml.add_bos_token'), false, 'llama.cpp would otherwise add its default id 1');
  // the rule training uses (adds-special.ts): a generic tokenizer class without a post-processor adds no BOS
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify({ ...json, post_processor: null }));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>' }));
  const generic = captureStderr(() => tokenizerMetadata(dir, 32000)).result;
  assert.equal(value(generic, 'tokenizer.ggml.bos_token_id'), 1);
  assert.equal(value(generic, 'tokenizer.ggml.add_bos_token'), false);
});

test('provenance: the base, adapter and run by folder name, never the exporter\'s paths', () => {
  const cfg = { vocabSize: 32000, hiddenSize: 64, intermediateSize: 128, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 16, rmsNormEps: 1e-5, ropeTheta: 10000, slidingWindow: null, maxPositionEmbeddings: 256 } as MistralConfig;
  const m = modelMetadata(cfg, 'f16', { name: 'run1', baseModel: '/home/alice/models/Mistral-7B-v0.1', adapter: '/home/alice/runs/run1/adapter', run: '/home/alice/runs/run1' });
  assert.equal(value(m, 'general.base_model.0.name'), 'Mistral-7B-v0.1');
  assert.equal(value(m, 'general.description'), 'merged by mistral-tune from Mistral-7B-v0.1 + adapter adapter (run run1)');
  for (const [k, v] of m) assert.ok(!JSON.stringify(v.value).includes('/home/alice'), k);
});
