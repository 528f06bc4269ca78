// A source generation_config.json holding a value transformers 5.17 cannot load (GenerationConfig.__init__'s validate()
// raises, and AutoModelForCausalLM.from_pretrained with it): a save (a merged export, a full run's model/) leaves that
// key out, warned of, so the saved folder loads; a loadable file is still copied byte for byte. The refused values
// below are those /tmp/hfvenv's GenerationConfig.from_pretrained raised for (and took the loadable ones), 2026-12-08.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { unloadableGenerationKeys } from '../../src/model/generation-loadable.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { LOADED, REFUSED } from './generation-loadable-cases.ts';

const backend = createBackend('cpu');
const TINY_MODEL = path.resolve('models', 'mistral-tune-tiny');

test('the keys transformers 5.17 refuses a generation_config.json for, and none in one it loads', () => {
  for (const [config, key] of REFUSED) assert.deepEqual(unloadableGenerationKeys(config).map((r) => r.key), [key], JSON.stringify(config));
  for (const config of LOADED) assert.deepEqual(unloadableGenerationKeys(config), [], JSON.stringify(config));
});

/** A copy of the tiny model whose generation_config.json is `text` (null: none, and `configKeys` in config.json). */
function sourceWith(text: string | null, configKeys: Record<string, unknown> = {}): string {
  const src = tempDir('mt-gen-loadable-src-');
  for (const f of fs.readdirSync(TINY_MODEL)) {
    if (f === 'model.safetensors') fs.symlinkSync(path.join(TINY_MODEL, f), path.join(src, f));
    else if (f !== 'generation_config.json' && fs.statSync(path.join(TINY_MODEL, f)).isFile()) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(src, f));
  }
  if (text !== null) fs.writeFileSync(path.join(src, 'generation_config.json'), text);
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(src, 'config.json'), JSON.stringify({ ...cfg, ...configKeys }));
  return src;
}

function saved(text: string | null, configKeys: Record<string, unknown> = {}): { out: string; stderr: string } {
  const src = sourceWith(text, configKeys);
  const model = captureStderr(() => loadModel(src, { backend })).result;
  const out = path.join(tempDir('mt-gen-loadable-'), 'out');
  const { stderr } = captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  return { out, stderr };
}

test('a greedy num_return_sequences 2 in the source generation_config.json: the save leaves it out, said, the rest kept in their number forms (was: copied, and transformers could not load the folder)', () => {
  const { out, stderr } = saved('{"eos_token_id": 2, "num_return_sequences": 2, "temperature": 1.0, "do_sample": false}');
  assert.equal(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8'), '{\n  "do_sample": false,\n  "eos_token_id": 2,\n  "temperature": 1.0\n}\n');
  assert.match(stderr, /generation_config\.json: transformers 5\.17 refuses to load a model folder with num_return_sequences 2 \(without do_sample true or num_beams above 1, generate\(\) returns one sequence\): left out of the saved generation_config\.json$/m);
  assert.equal(stderr.split('\n').filter((l) => l.includes('num_return_sequences')).length, 1);
});

test('a greedy num_return_sequences 2 in a source config.json without generation_config.json: the generation_config.json made from it leaves it out, said', () => {
  const { out, stderr } = saved(null, { num_return_sequences: 2, top_k: 5 });
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8')), { _from_model_config: true, bos_token_id: 1, eos_token_id: 2, top_k: 5 });
  assert.match(stderr, /config\.json: transformers 5\.17 refuses to load a model folder with num_return_sequences 2 \(.*\): left out of the saved generation_config\.json$/m);
});

test('a file\'s float 2.0 is a float to transformers: forced_eos_token_id 2.0 is left out (set(2.0) raises), early_stopping 1 kept (1 == True)', () => {
  const { out, stderr } = saved('{"eos_token_id": 2, "forced_eos_token_id": 2.0, "suppress_tokens": [5], "early_stopping": 1}');
  assert.equal(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8'), '{\n  "early_stopping": 1,\n  "eos_token_id": 2,\n  "suppress_tokens": [\n    5\n  ]\n}\n');
  assert.match(stderr, /refuses to load a model folder with forced_eos_token_id 2 \(a token id must be an integer, and the file writes a float\): left out of the saved generation_config\.json$/m);
});

test('a loadable source generation_config.json is copied byte for byte, without a warning', () => {
  const text = '{"num_return_sequences": 2,   "num_beams": 2, "eos_token_id": [2, 3]}';
  const { out, stderr } = saved(text);
  assert.equal(fs.readFileSync(path.join(out, 'generation_config.json'), 'utf8'), text);
  assert.doesNotMatch(stderr, /generation_config/);
});

const HF_PY = process.env.PYTHON ?? 'python3';
const transformersHere = spawnSync(HF_PY, ['-c', 'import transformers'], { stdio: 'ignore' }).status === 0;

test('transformers loads what is left of each refused file and each LOADED one, and refuses each refused one as it was (the tables above are its verdict)', { skip: !transformersHere && `${HF_PY} has no transformers (set PYTHON)` }, () => {
  const dir = tempDir('mt-gen-loadable-hf-');
  const cases = REFUSED.map(([config], i) => {
    const left = Object.fromEntries(Object.entries(config).filter(([k]) => !unloadableGenerationKeys(config).some((r) => r.key === k)));
    return { before: config, after: left, i };
  });
  // a NaN written as Python's json writes it (JSON.stringify would write null)
  const nan = (_k: string, v: unknown): unknown => (typeof v === 'number' && Number.isNaN(v) ? '\u0000NaN' : v);
  const all = [...cases, ...LOADED.map((config, i) => ({ before: config, after: config, i: `loaded ${i}` }))];
  fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(all, nan).replaceAll('"\\u0000NaN"', 'NaN'));
  const script = `
import json, sys, os
from transformers import GenerationConfig
from transformers.utils import logging
logging.set_verbosity_error()
for c in json.load(open(sys.argv[1])):
    for name in ('before', 'after'):
        try:
            GenerationConfig.from_dict(c[name]); print(c['i'], name, 'ok')
        except Exception:  # a TypeError (a string compared with a number) fails from_pretrained of the model too
            print(c['i'], name, 'refused')
`;
  const r = spawnSync(HF_PY, ['-c', script, path.join(dir, 'cases.json')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const loaded = LOADED.map((_, i) => `loaded ${i} before ok\nloaded ${i} after ok\n`).join('');
  assert.equal(r.stdout, cases.map(({ i }) => `${i} before refused\n${i} after ok\n`).join('') + loaded);
});
