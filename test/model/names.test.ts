// One table of HF/PEFT tensor names (src/model/names.ts): the names it builds are HF's and PEFT's, and no
// other TypeScript file under src/ spells a tensor name (model.layers.…, …lora_A.weight, base_model.model.…,
// embed_tokens, the norms, lm_head, score) as a literal, so a new copy fails here.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { HF_NAMES, hfModuleName, layerNormName, loraKey, parseLoraKey, projectionName, SCORE_PARAM, SCORE_SAVED_KEY } from '../../src/model/names.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');
const OWNER = 'model/names.ts';

test('HF and PEFT names, as transformers and PEFT write them', () => {
  assert.equal(projectionName(3, 'q_proj'), 'model.layers.3.self_attn.q_proj.weight');
  assert.equal(projectionName(0, 'down_proj'), 'model.layers.0.mlp.down_proj.weight');
  assert.equal(hfModuleName(1, 'up_proj'), 'model.layers.1.mlp.up_proj');
  assert.equal(layerNormName(2, 'input'), 'model.layers.2.input_layernorm.weight');
  assert.equal(layerNormName(2, 'post_attention'), 'model.layers.2.post_attention_layernorm.weight');
  assert.deepEqual(HF_NAMES, { embed: 'model.embed_tokens.weight', finalNorm: 'model.norm.weight', lmHead: 'lm_head.weight', score: 'score.weight', scoreBias: 'score.bias' });
  assert.equal(loraKey(5, 'v_proj', 'B'), 'base_model.model.model.layers.5.self_attn.v_proj.lora_B.weight');
  assert.deepEqual(parseLoraKey(loraKey(12, 'gate_proj', 'A')), { layer: 12, block: 'mlp', proj: 'gate_proj', factor: 'A' });
  assert.equal(parseLoraKey('base_model.model.model.layers.1.self_attn.q_proj.weight'), null);
  // a DoRA magnitude by either name: saved (PEFT's files) and in memory (with .weight), which PEFT also reads
  for (const saved of [true, false]) {
    assert.deepEqual(parseLoraKey(loraKey(1, 'down_proj', 'magnitude', saved)), { layer: 1, block: 'mlp', proj: 'down_proj', factor: 'magnitude' });
  }
  assert.equal(SCORE_PARAM, 'base_model.model.score.modules_to_save.weight');
  assert.equal(SCORE_SAVED_KEY, 'base_model.model.score.weight');
});

test('tensor names are spelled only in src/model/names.ts', () => {
  const NAME = /(['"`])[^'"`\n]*(model\.layers\.|\blora_[AB]\b|base_model\.model|embed_tokens\.weight|model\.norm\.weight|_layernorm\.weight|lm_head\.weight|\bscore\.weight)/;
  const files = fs.readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => f.split(path.sep).join('/'));
  assert.ok(files.includes(OWNER));
  const offenders: string[] = [];
  for (const f of files) {
    if (f === OWNER) continue;
    const hits = fs.readFileSync(path.join(SRC, f), 'utf8').split('\n')
      .map((line, i) => ({ line, i }))
      .filter(({ line }) => !/^\s*(\/\/|\*|\/\*)/.test(line) && NAME.test(line));
    if (hits.length > 0) offenders.push(...hits.map(({ line, i }) => `src/${f}:${i + 1}: ${line.trim()}`));
  }
  assert.deepEqual(offenders, []);
});
