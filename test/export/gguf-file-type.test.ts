// general.file_type of a file whose matrices all fell back to F16 (rows too narrow for a Q8_0 block): the type asked
// for, as llama.cpp's convert_hf_to_gguf.py and llama-quantize write it, and the export says the file is F16 in fact.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { parseGgufQuant } from '../../src/export/gguf/quant-choices.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { backend, config, randomModelDir, tmp } from './gguf-models.ts';

/** The u32 value of the metadata key `key` of a GGUF file (its name, then its value type, then the value). */
function u32Key(file: string, key: string): number {
  const buf = fs.readFileSync(file), at = buf.indexOf(key);
  assert.ok(at > 0, key);
  return buf.readUInt32LE(at + key.length + 4);
}

test('q8_0 with every matrix fallen back to F16: file_type stays MOSTLY_Q8_0 (7), and the export says the file is f16', () => {
  const dir = randomModelDir('narrow', config({ vocabSize: 512, hiddenSize: 40, intermediateSize: 72, headDim: 10 }), 512);
  const model = loadModel(dir, { backend });
  const out = path.join(tmp, 'narrow.gguf');
  const { result, stderr } = captureStderr(() => exportGguf(model, dir, out, 'q8_0', { name: 'narrow', baseModel: null, adapter: null, run: null }, { progress: false }));
  assert.deepEqual(new Set(Object.values(result.types)), new Set(['F32', 'F16']));
  assert.equal(u32Key(out, 'general.file_type'), 7);
  assert.match(stderr, /no tensor could be q8_0 \(every matrix fell back to F16\): the file is an f16 one, its general\.file_type Q8_0 as llama\.cpp writes it/);
});

test('--quant in llama-quantize\'s spelling (Q4_K_M, or its alias Q4_K for Q4_K_M) is refused naming ours; another type names none', () => {
  const hint = (value: string): string => {
    try {
      parseGgufQuant(value, FLAG_WORDS);
      return 'accepted';
    } catch (e) {
      return (e as Error).message.replace(/^--quant: "[^"]*" is not one of [a-z0-9_, ]*/, '');
    }
  };
  assert.equal(hint('Q4_K_M'), ': did you mean q4_k_m?');
  assert.equal(hint('BF16'), ': did you mean bf16?');
  assert.equal(hint('Q4_K'), ': did you mean q4_k_m? (llama-quantize\'s Q4_K is its Q4_K_M)');
  assert.equal(hint('q5_k'), ': did you mean q5_k_m? (llama-quantize\'s Q5_K is its Q5_K_M)');
  assert.equal(hint('q4_0'), '', 'a type not written here: no near name (q8_0 is one edit away, and another type)');
  assert.equal(hint('q4_k_m'), 'accepted');
});

test('--quant in another spelling for --format gguf-lora: the hint names an adapter file\'s types, not a quantised one it refuses', () => {
  const hint = (value: string): string => {
    try {
      parseGgufQuant(value, FLAG_WORDS, 'gguf-lora');
      return 'accepted';
    } catch (e) {
      return (e as Error).message.replace(/^--quant: "[^"]*" is not one of [a-z0-9_, ]*/, '');
    }
  };
  for (const value of ['Q8_0', 'Q4_K_M', 'Q4_K']) {
    assert.doesNotMatch(hint(value), /did you mean q/, value);
    assert.match(hint(value), /an adapter file is written as f32, f16 or bf16/, value);
  }
  assert.equal(hint('F16'), ': did you mean f16?');
  assert.equal(hint('q4_0'), '');
  assert.equal(hint('bf16'), 'accepted');
});

test('--quant naming a property every object has (constructor, __proto__) is refused as any other word, not a TypeError', () => {
  for (const value of ['constructor', '__proto__', 'Constructor']) {
    assert.throws(() => parseGgufQuant(value, FLAG_WORDS), (e: Error) => e.name === 'UserError' && e.message === `--quant: "${value}" is not one of f32, f16, bf16, q8_0, q6_k, q5_k_m, q5_k_s, q4_k_m, q4_k_s`, value);
  }
});
