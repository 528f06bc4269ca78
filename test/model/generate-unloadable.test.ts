// A model folder whose generation settings transformers 5.17 cannot load (AutoModelForCausalLM.from_pretrained raises
// for a greedy num_return_sequences 2, an early_stopping "yes", ...): readGenerationConfig, and so `mistral-tune generate`,
// refuses it naming the file and each key, as a config.json value transformers refuses is refused, in the words a save's
// warning uses for the key it leaves out (generation-loadable.ts). Was: "not applied" said of some, nothing of the others.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readGenerationConfig } from '../../src/model/generation-config.ts';
import { isUserError } from '../../src/util/errors.ts';
import { cli } from '../cli/in-process-cli.ts';
import { tempDir } from '../temp-dir.ts';
import { LOADED, REFUSED } from './generation-loadable-cases.ts';

const TINY_MODEL = path.resolve('models', 'mistral-tune-tiny');
const REFUSAL = /refuses to load a model folder with/;
/** The checks of keys generate applies (generation-key-checks.ts), made first: max_new_tokens 0 is refused as such. */
const OWN_CHECK = /^(max_new_tokens|suppress_tokens|do_sample) must be /;

/** A folder holding `config` as its generation_config.json alone. */
function folderWith(config: Record<string, unknown>): string {
  const dir = tempDir('mt-gen-unloadable-');
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify(config));
  return dir;
}

test('readGenerationConfig refuses each generation_config.json transformers refuses, naming the file and the key, and takes the ones it loads', () => {
  for (const [config, key] of REFUSED) {
    const dir = folderWith(config);
    assert.throws(() => readGenerationConfig(dir), (e) => isUserError(e) && e.where === path.join(dir, 'generation_config.json') &&
      (OWN_CHECK.test(e.what) || (e.what.startsWith(`transformers 5.17 refuses to load a model folder with ${key} `) && e.what.endsWith(': correct it or delete the key'))),
    JSON.stringify(config));
  }
  for (const config of LOADED) {
    const dir = folderWith(config);
    try {
      readGenerationConfig(dir);
    } catch (e) { // a value generate checks itself (suppress_tokens ["2"]) is its own error, not this one
      assert.ok(isUserError(e) && !REFUSAL.test(e.message), `${JSON.stringify(config)}: ${String(e)}`);
    }
  }
});

test('every key transformers refuses is named, in its check order, in one line', () => {
  const dir = folderWith({ num_return_sequences: 2, early_stopping: 'yes', cache_implementation: 'foo' });
  assert.throws(() => readGenerationConfig(dir), (e) => isUserError(e) && e.what ===
    'transformers 5.17 refuses to load a model folder with early_stopping "yes" (it must be true, false or "never"); cache_implementation "foo" ' +
    '(it names no cache transformers has); num_return_sequences 2 (without do_sample true or num_beams above 1, generate() returns one sequence): ' +
    'correct them or delete those keys');
});

test('without generation_config.json, config.json\'s generation keys are refused alike (transformers derives its GenerationConfig from them)', () => {
  const dir = tempDir('mt-gen-unloadable-cfg-');
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...cfg, num_return_sequences: 2 }));
  assert.throws(() => readGenerationConfig(dir), (e) => isUserError(e) && e.where === path.join(dir, 'config.json') && /with num_return_sequences 2 \(/.test(e.what));
});

/** A copy of the tiny model (its weights linked) whose generation_config.json is `config`. */
function modelWith(config: Record<string, unknown>): string {
  const dir = tempDir('mt-gen-unloadable-model-');
  for (const f of fs.readdirSync(TINY_MODEL)) {
    if (f === 'model.safetensors') fs.symlinkSync(path.join(TINY_MODEL, f), path.join(dir, f));
    else if (fs.statSync(path.join(TINY_MODEL, f)).isFile()) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(dir, f));
  }
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify(config));
  return dir;
}

test('generate on such a folder: exit 2 with that one line, before a backend starts; a loadable num_return_sequences 2 (do_sample) is still said not applied', async () => {
  const refused = modelWith({ eos_token_id: 2, forced_eos_token_id: 2, suppress_tokens: [2] });
  const r = await cli(['generate', '--model', refused, '--prompt', 'hello', '--max-new-tokens', '3']);
  assert.equal(r.code, 2, r.err);
  assert.equal(r.out, '');
  assert.equal(r.err, `error: ${path.join(refused, 'generation_config.json')}: transformers 5.17 refuses to load a model folder with forced_eos_token_id 2 ` +
    '(every id of it is in suppress_tokens): correct it or delete the key\n');
  const loadable = modelWith({ eos_token_id: 2, num_return_sequences: 2, do_sample: true });
  const ok = await cli(['generate', '--model', loadable, '--prompt', 'hello', '--max-new-tokens', '3', '--seed', '1']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.err, /generation_config\.json: num_return_sequences 2: not applied \(HF's generate\(\) would; this one has no such setting\)/);
});
