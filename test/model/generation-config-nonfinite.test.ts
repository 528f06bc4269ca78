// generation_config.json: numbers past float64's range (1e309, read as infinity) are named as the file has them in
// the error, not as JSON.stringify's null ("top_k … got null", "eos_token_id … got [2,null]"), which it does not say;
// do_sample true at temperature 0 is refused, as HF's generate() refuses it.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { generationEosIds, generationSettings, readGenerationConfig } from '../../src/model/generation-config.ts';
import { tempDir } from '../temp-dir.ts';

function folderWith(text: string): string {
  const dir = tempDir('mt-genconfig-nonfinite-');
  fs.writeFileSync(path.join(dir, 'generation_config.json'), text);
  return dir;
}
const PAST = "Infinity (a number past float64's range, as 1e400)";

test('readGenerationConfig: a key or eos_token_id item past float64 is shown as Infinity, by its place in a list', () => {
  const topK = folderWith('{"do_sample": true, "top_k": 1e309}');
  assert.throws(() => readGenerationConfig(topK), { message: `${path.join(topK, 'generation_config.json')}: top_k must be an integer ≥ 0 (0 = off), got ${PAST}` });
  const eos = folderWith('{"eos_token_id": [2, 1e309]}');
  assert.throws(() => generationEosIds(eos), { message: `${path.join(eos, 'generation_config.json')}: eos_token_id must be a token id or a list of them, got a list whose item 1 is ${PAST}` });
  const word = folderWith('{"eos_token_id": "x"}');
  assert.throws(() => generationEosIds(word), { message: /eos_token_id must be a token id or a list of them, got "x"$/ });
  assert.deepEqual(generationEosIds(folderWith('{"eos_token_id": [2, 7]}')), [2, 7]);
});

test('generationSettings: generation_config.json with do_sample true and temperature 0 is refused naming the file, as HF refuses it', () => {
  // before: decoded greedily without a word, where HF's generate() raises ("has to be a strictly positive float")
  const file = { file: '/m/generation_config.json', eosIds: [], unsupported: [], doSample: true, temperature: 0 };
  assert.throws(() => generationSettings({}, file, 10, 1000),
    { message: "/m/generation_config.json: do_sample true with temperature 0: HF's generate() refuses it (sampling needs a temperature above 0); set do_sample false for greedy decoding, or give --temperature" });
  assert.equal(generationSettings({ temperature: 0 }, file, 10, 1000).temperature, 0, 'a given temperature overrides the file');
  assert.equal(generationSettings({}, { ...file, doSample: false }, 10, 1000).temperature, 0, 'greedy where the file does not sample');
});

// generation_config.json is read as transformers 5.17 reads it (GenerationConfig._dict_from_json_file: json.loads,
// which takes NaN, Infinity and -Infinity): a NaN was "invalid JSON (Unexpected token 'N', …)", the folder refused
// whole where transformers loads it; now each key's own check decides (a read key refuses NaN by its name).
test("readGenerationConfig: Python's NaN, Infinity and -Infinity are read as json.loads reads them, each key's check deciding", () => {
  const nan = folderWith('{"do_sample": true, "temperature": NaN}');
  assert.throws(() => readGenerationConfig(nan), { message: `${path.join(nan, 'generation_config.json')}: temperature must be a number ≥ 0, got NaN` });
  const unread = folderWith('{"eos_token_id": [2, 7], "length_penalty": NaN, "my_key": [-Infinity, "NaN"]}');
  assert.deepEqual(generationEosIds(unread), [2, 7]);
  const hot = readGenerationConfig(folderWith('{"do_sample": true, "temperature": Infinity}'));
  assert.equal(hot.temperature, Infinity);
});
