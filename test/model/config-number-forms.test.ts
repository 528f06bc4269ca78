// config.json's numbers are taken or refused by their spelling as transformers 5.17 takes them, key by key: an integer
// key written as a float (hidden_size 16.0, 1.6E1, a token id 2.0) and a float key written as an integer
// (rms_norm_eps 1) are refused in one line naming the file and the key, saying what to write; attention_dropout 0 and
// rope_parameters' numbers (rope_theta 10000, factor 2, original_max_position_embeddings 32.0) are taken, with the
// value transformers holds; a config transformers takes but builds no model of (Ministral's head_dim 0) is refused.
// A saved model writes a whole-number float key as 1.0, which both read back.
// The reference is test/fixtures/hf-number-forms/forms.json (its make_number_forms.py: transformers 5.17, torch 2.13 CPU).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { loadConfig, type MistralConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { readRandomModelConfig } from '../../src/model/random-init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

interface Case {
  model_type: string; key: string; spelled: string;
  refused?: string; model_fails?: string; held?: { json: string; type: string };
}
const REF = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-number-forms', 'forms.json'), 'utf8')) as { base: Record<string, unknown>; cases: Case[] };
const root = tempDir('mt-number-forms-');

/** The value parseConfig gives for each top-level key that transformers takes (and holds as given). */
const OURS: Record<string, (c: MistralConfig) => unknown> = {
  hidden_size: (c) => c.hiddenSize, sliding_window: (c) => c.slidingWindow, num_labels: (c) => c.labels?.length,
  pad_token_id: (c) => c.padTokenId, rms_norm_eps: (c) => c.rmsNormEps, initializer_range: (c) => c.initializerRange,
  attention_dropout: (c) => c.attentionDropout,
};
/** rope_parameters' keys as RopeScaling names them (rope_theta: MistralConfig's ropeTheta). */
const camel = (k: string): string => k.replace(/_(\w)/g, (_, ch: string) => ch.toUpperCase());

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function taken(file: string): boolean {
  try {
    loadConfig(path.dirname(file));
    return true;
  } catch {
    return false;
  }
}

/**
 * What the refused number token in `spelled` should be written as: a float spelling (a fraction or an exponent, as Python's
 * json reads one) of an integer key as the integer; an integer spelling of a float key with ".0". `item` names a
 * list's item (eos_token_id [4, 2.0]).
 */
function respelling(spelled: string): { token: string; item: string; write: string; kind: string } {
  const tokens = spelled.startsWith('[') ? spelled.slice(1, -1).split(',').map((t) => t.trim()) : [spelled];
  const at = Math.max(0, tokens.findIndex((t) => /[.eE]/.test(t))); // a list's float item
  const token = tokens[at]!;
  const float = /[.eE]/.test(token);
  return { token, item: spelled.startsWith('[') ? `item ${at}: ` : '', write: float ? String(Number(token)) : `${token}.0`, kind: float ? 'a float' : 'an integer' };
}

/** A config.json of the reference's base with `key` spelled `spelled`, in the folder `dir` (made). */
function writeConfig(dir: string, modelType: string, key: string, spelled: string): string {
  fs.mkdirSync(dir);
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, `${JSON.stringify({ model_type: modelType, ...REF.base }).slice(0, -1)}, "${key}": ${spelled}}`);
  return file;
}

REF.cases.forEach((c, i) => {
  const outcome = c.refused !== undefined ? 'refuses it' : c.model_fails !== undefined ? 'builds no model of it' : 'takes it';
  test(`${c.model_type} ${c.key}: ${c.spelled}: transformers 5.17 ${outcome}, and so here`, () => {
    const dir = path.join(root, String(i));
    const file = writeConfig(dir, c.model_type, c.key, c.spelled);
    if (c.refused !== undefined || c.model_fails !== undefined) {
      // the refusal names the file and the key; for a number of the wrong kind it says what to write, where that is
      // taken (Ministral's head_dim 0.0 is refused for 0, which transformers builds no model with either: layer-types.ts)
      let message = new RegExp(`^${escape(file)}: ${c.key}: `);
      if (c.refused !== undefined) {
        const r = respelling(c.spelled);
        const fixed = writeConfig(`${dir}-fixed`, c.model_type, c.key, c.spelled.replace(r.token, r.write));
        if (taken(fixed)) message = new RegExp(`^${escape(file)}: ${c.key}: ${escape(`${r.item}${r.token} is ${r.kind}, which transformers refuses here: write ${r.write}`)}$`);
        else {
          const asWritten = REF.cases.find((o) => o.model_type === c.model_type && o.key === c.key && o.spelled === r.write);
          assert.ok(asWritten && (asWritten.refused ?? asWritten.model_fails) !== undefined, `${c.key}: ${r.write} is refused here, where the reference has transformers take it`);
        }
      }
      assert.throws(() => loadConfig(dir), { name: 'UserError', message });
      // a random model's config file is read alike (train's model: {config: FILE})
      assert.throws(() => readRandomModelConfig(file), { name: 'UserError', message });
      return;
    }
    const cfg = loadConfig(dir);
    assert.deepEqual(readRandomModelConfig(file).cfg, cfg);
    const held = JSON.parse(c.held!.json) as unknown;
    if (c.key === 'rope_theta' || c.key === 'rope_parameters') {
      for (const [k, v] of Object.entries(held as Record<string, unknown>)) {
        if (typeof v !== 'number') continue;
        const ours = k === 'rope_theta' ? cfg.ropeTheta : (cfg.ropeScaling as Record<string, unknown> | null)?.[camel(k)];
        assert.equal(ours, v, `${k}: transformers holds ${v}`);
      }
    } else if (c.key !== 'head_dim') { // (transformers holds head_dim 0 as 0, which its attention derives, as ours: config.test.ts)
      const ours = OURS[c.key];
      assert.ok(ours !== undefined, `${c.key}: a key this test has no reading of`);
      assert.equal(ours(cfg), held);
    }
  });
});

test('a whole-number float key is saved as a float (1.0), so that transformers and this reader take the saved model', () => {
  // from the source's config.json (initializer_range, kept as it is) and from the model's own config (rms_norm_eps)
  const src = path.join(root, 'whole-floats');
  writeConfig(src, 'mistral', 'initializer_range', '1.0');
  const cfg = { ...loadConfig(src), rmsNormEps: 1 };
  const out = path.join(root, 'whole-floats-saved');
  captureStderr(() => saveModelFolder(createRandomModel(createBackend('cpu'), cfg, { seed: 1, std: 0.1 }), out, { sourceDir: src, head: 'causal' }));
  const text = fs.readFileSync(path.join(out, 'config.json'), 'utf8');
  assert.match(text, /"rms_norm_eps": 1\.0,/);
  assert.match(text, /"initializer_range": 1\.0,/);
  assert.equal(loadConfig(out).rmsNormEps, 1);
  // a whole number JavaScript writes in exponent form (1e+21, as Python's json) was saved as the marker string
  // "\u0000float:1e+21", which no reader takes (rope_theta: must be a positive number)
  const big = path.join(root, 'whole-floats-exponent');
  captureStderr(() => saveModelFolder(createRandomModel(createBackend('cpu'), { ...cfg, ropeTheta: 1e21 }, { seed: 1, std: 0.1 }), big, { sourceDir: null, head: 'causal' }));
  assert.match(fs.readFileSync(path.join(big, 'config.json'), 'utf8'), /"rope_theta": 1e\+21[,\n]/);
  assert.equal(loadConfig(big).ropeTheta, 1e21);
});
