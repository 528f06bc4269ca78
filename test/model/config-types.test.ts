// config.json keys that transformers 5.17 validates and nothing here computes from (PreTrainedConfig's use_cache,
// output_hidden_states, label2id…, LlamaConfig's pretraining_tp), num_labels, a "llama" config's null sizes and its
// numbers of the wrong kind (vocab_size 32.0, rms_norm_eps 1: read from a copy, they were not checked): a value
// transformers refuses as it loads the config is refused here in one line naming the file and the key; a value it takes
// is taken. The reference is test/fixtures/hf-config-types/types.json (its make_config_types.py: transformers 5.17,
// torch 2.13 CPU).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/model/config.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

interface Case { model_type: string; key: string; spelled: string; refused: string | null; model_fails?: string }
const REF = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-config-types', 'types.json'), 'utf8')) as { base: Record<string, unknown>; cases: Case[] };
const root = tempDir('mt-config-types-');

/**
 * Values transformers takes that are refused here on purpose: a num_labels below 2 is a head transformers trains as
 * regression, or none (range(-1)), and a boolean one is its 0 or 1 (config-head.ts: must be an integer ≥ 0).
 */
const REFUSED_HERE = new Set(['num_labels: -1', 'num_labels: true', 'num_labels: false']);

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

REF.cases.forEach((c, i) => {
  const ours = REFUSED_HERE.has(`${c.key}: ${c.spelled}`) ? 'refused here on purpose' : c.refused === null ? 'takes it, and so here' : 'refuses it, and so here';
  test(`${c.model_type} ${c.key}: ${c.spelled}: transformers 5.17 ${c.refused === null ? 'takes it' : 'refuses it'}; ${ours}`, () => {
    const dir = path.join(root, String(i));
    fs.mkdirSync(dir);
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, `${JSON.stringify({ model_type: c.model_type, ...REF.base }).slice(0, -1)}, "${c.key}": ${c.spelled}}`);
    if (c.refused === null && !REFUSED_HERE.has(`${c.key}: ${c.spelled}`)) {
      loadConfig(dir);
      return;
    }
    // one line, naming the file and the key (a "llama" null size by itself, not as LlamaConfig's default 32 or 4096)
    assert.throws(() => loadConfig(dir), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, new RegExp(`^${escape(file)}: ${c.key}: [^\\n]*$`));
      if (c.spelled === 'null') assert.doesNotMatch(e.message, /\b(32|4096)\b/);
      return true;
    });
  });
});

test('the reference covers the three model types and the keys read from it', () => {
  const keys = new Set(REF.cases.map((c) => c.key));
  for (const k of ['use_cache', 'num_labels', 'label2id', 'pretraining_tp', 'chunk_size_feed_forward', 'hidden_size', 'num_attention_heads']) assert.ok(keys.has(k), k);
  assert.deepEqual([...new Set(REF.cases.map((c) => c.model_type))], ['mistral', 'ministral', 'llama']);
});

test('a refused value of a key nothing here reads is said cut, not echoed whole (a label2id of 100,000 classes, one a float)', () => {
  // the whole value was quoted: a 2.2 MB one-line error for this label2id
  const dir = path.join(root, 'long-values');
  fs.mkdirSync(dir);
  const label2id: Record<string, number> = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`class${i}`, i]));
  label2id.odd = 1.5;
  for (const [key, value] of [['label2id', label2id], ['output_hidden_states', Array.from({ length: 100_000 }, (_, i) => i)]] as const) {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mistral', ...REF.base, [key]: value }));
    assert.throws(() => loadConfig(dir), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.ok(e.message.length < 600, `${key}: ${e.message.length} characters: ${e.message.slice(0, 200)}`);
      assert.match(e.message, new RegExp(`: ${key}: must be .*, got [[{].*(characters|items)\\), which transformers 5.17 refuses`));
      return true;
    });
  }
});

test('a refused value of a key config.ts reads is said cut, not echoed whole (hidden_size a list of 100,000 ints, model_type a long string, …)', () => {
  // each was quoted whole by jsonValueText / JSON.stringify: a hidden_size of 10^6 ints was a multi-MB error line
  const dir = path.join(root, 'long-read-values');
  fs.mkdirSync(dir);
  const long = Array.from({ length: 100_000 }, (_, i) => i);
  const cases: [string, unknown][] = [['hidden_size', long], ['rms_norm_eps', long], ['tie_word_embeddings', long], ['eos_token_id', { ids: long }],
    ['model_type', 'x'.repeat(100_000)], ['hidden_act', long], ['dtype', long], ['head_dim', long], ['rope_scaling', long]];
  for (const [key, value] of cases) {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mistral', ...REF.base, [key]: value }));
    assert.throws(() => loadConfig(dir), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.ok(e.message.length < 600, `${key}: ${e.message.length} characters: ${e.message.slice(0, 200)}`);
      assert.match(e.message, new RegExp(`: ${key}: .*(characters|items)\\)`));
      return true;
    });
  }
});
