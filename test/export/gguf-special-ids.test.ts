// The special token ids of a GGUF export as llama.cpp's convert_hf_to_gguf.py picks them (special-ids.ts): which of
// tokenizer_config.json, the post-processor and config.json wins for each id, on the folders of special-id-cases.ts
// (whose `convert` ids gguf-py's SpecialVocab gave: scripts/hf-check/gguf-special-ids.ts), and what the file adds
// where convert gives none (the tokenizer's own ids, stop ids beyond the EOS).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadGgufSource, planGgufSource } from '../../src/export/gguf/from-source.ts';
import { configTokenIds, convertSpecialIds, listedAddedTokens, SPECIAL_ID_KEYS, type SpecialKind } from '../../src/export/gguf/special-ids.ts';
import { modelTokenizer, tokenizerMetadata } from '../../src/export/gguf/tokenizer.ts';
import { loadConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { addedTokensAsLoaded } from '../../src/tokenizer/load.ts';
import { readFolderTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { backend, config, cutTokenizer } from './gguf-models.ts';
import { SPECIAL_ID_CASES, writeCaseFolder } from './special-id-cases.ts';

const root = tempDir('mt-gguf-special-');
const folders = SPECIAL_ID_CASES.map((c) => writeCaseFolder(c, root));

for (const [i, c] of SPECIAL_ID_CASES.entries()) {
  test(`special ids, ${c.name}: convert_hf_to_gguf.py's, and the file's`, () => {
    const dir = folders[i]!;
    const config = readFolderTokenizerConfig(dir);
    const read = readTokenizerJson(path.join(dir, 'tokenizer.json'));
    const json = listedAddedTokens(addedTokensAsLoaded(read, config, dir), read, config.raw);
    const cfg = loadConfig(dir);
    assert.deepEqual(Object.fromEntries(convertSpecialIds(json, config.source === 'none' ? null : config.raw, configTokenIds(cfg))), c.convert);
    const m = captureStderr(() => modelTokenizer({ cfg }, dir)).result;
    const written = Object.fromEntries((Object.entries(SPECIAL_ID_KEYS) as Array<[SpecialKind, string]>).flatMap(([k, key]) => (m.has(key) ? [[k, m.get(key)!.value]] : [])));
    assert.deepEqual(written, c.gguf);
  });
}

test("a full run's file takes config.json's eos_token_id form from the weights' config.json (the model's), not the tokenizer folder's", () => {
  // the weights list their one EOS ([4]: none to SpecialVocab; saved as the list it is); the base folder, whose
  // tokenizer they use, says 4
  const run = path.join(root, 'full-run'), weights = path.join(run, 'model'), base = path.join(root, 'full-base');
  saveModelFolder(createRandomModel(backend, config({ vocabSize: 512, eosTokenIds: [4], eosTokenIdIsList: true }), { seed: 7, std: 0.1, normStd: 0.1 }), weights, { sourceDir: null, head: 'causal' });
  const saved = JSON.parse(fs.readFileSync(path.join(weights, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(saved['eos_token_id'], [4]);
  for (const f of fs.readdirSync(weights)) if (f.startsWith('tokenizer')) fs.rmSync(path.join(weights, f));
  fs.mkdirSync(base);
  cutTokenizer(base, 512);
  fs.rmSync(path.join(base, 'tokenizer_config.json')); // (which would name the EOS itself)
  fs.writeFileSync(path.join(base, 'config.json'), JSON.stringify({ ...saved, eos_token_id: 4 }));
  fs.writeFileSync(path.join(run, '.mistral-tune-run'), '');
  fs.writeFileSync(path.join(root, 'train.jsonl'), '{"input_ids": [1, 5, 9]}\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), `output_dir: ${JSON.stringify(run)}\nmodel: ${JSON.stringify(base)}\nmethod: full\ndata: {train: ${JSON.stringify(path.join(root, 'train.jsonl'))}}\n`);
  const plan = captureStderr(() => planGgufSource({ run, best: false })).result;
  assert.equal(plan.kind === 'full' && plan.modelDir, base);
  const m = captureStderr(() => loadGgufSource(plan, backend, 'fp32')).result.tokenizer;
  // no EOS from config.json: the tokenizer's own </s>, and 4 as the end of turn
  assert.deepEqual([m.get(SPECIAL_ID_KEYS.eos)?.value, m.get(SPECIAL_ID_KEYS.eot)?.value], [2, 4]);
});

test("config.json's bos_token_id and eos_token_id past the embedding's rows (which transformers loads) are skipped, as SpecialVocab skips an id out of range: the tokenizer's own ids are written", () => {
  const dir = path.join(root, 'ids-past-vocab');
  fs.mkdirSync(dir);
  cutTokenizer(dir, 512);
  fs.rmSync(path.join(dir, 'tokenizer_config.json'));
  // before: tokenizer.ggml.bos_token_id 700 and eos_token_id 600, ids the GGUF has no token for
  const m = captureStderr(() => tokenizerMetadata(dir, 512, [600], dir, { bosTokenId: 700, eosTokenId: 600, padTokenId: null })).result;
  assert.deepEqual([m.get(SPECIAL_ID_KEYS.bos)?.value, m.get(SPECIAL_ID_KEYS.eos)?.value, m.get(SPECIAL_ID_KEYS.eot)], [1, 2, undefined]);
});
