// A string that a model folder's files give and a message names (a quant_method, a safetensors dtype or tensor name,
// a vocabulary token, a list of ids) is cut (util/bounded-json.ts), not printed whole: a 1 MB one was a 1 MB line.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { parseConfig } from '../../src/model/config.ts';
import { SafetensorsFile } from '../../src/model/safetensors.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { rawFile } from './safetensors-helpers.ts';

const HUGE = 'x'.repeat(1_000_000);
const CUT = `${'x'.repeat(100)}`; // what any cut form starts with
const TINY_MODEL = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'models', 'mistral-tune-tiny');
const BASE = { model_type: 'mistral', vocab_size: 64, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 };

/** `fn`'s error message: short, saying the length of what it cut (the JSON text's, quotes included, where it quotes it). */
function shortError(fn: () => unknown, ...fragments: string[]): string {
  try {
    fn();
  } catch (e) {
    const msg = (e as Error).message;
    assert.ok(msg.length < 1000, `${msg.length} characters: ${msg.slice(0, 300)}`);
    for (const f of [CUT, '00000', ' characters)', ...fragments]) assert.ok(msg.includes(f), `"${msg}" lacks ${f}`);
    return msg;
  }
  assert.fail('no error');
}

test('config.json: a quantization_config.quant_method of 1 MB is cut in the refusal', () => {
  shortError(() => parseConfig({ ...BASE, quantization_config: { quant_method: HUGE } }, 'c/config.json'), 'quantization_config: the weights are quantized (');
  assert.throws(() => parseConfig({ ...BASE, quantization_config: { quant_method: 'gptq' } }), { message: /the weights are quantized \(gptq\), which/ });
});

test('safetensors: a header dtype or tensor name of 1 MB is cut in the refusal', () => {
  const dir = tempDir('mt-bounded-st-');
  const dtype = rawFile(path.join(dir, 'dtype.safetensors'), { w: { dtype: HUGE, shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
  shortError(() => SafetensorsFile.open(dtype), 'tensor "w": unknown dtype "');
  const name = rawFile(path.join(dir, 'name.safetensors'), { [HUGE]: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4));
  shortError(() => SafetensorsFile.open(name), 'is 8 bytes but data_offsets span 4');
});

test('tokenizer: a special token of 1 MB that the vocabulary lacks is cut in the refusal', () => {
  const dir = tempDir('mt-bounded-tok-');
  for (const f of ['tokenizer.json', 'config.json']) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(dir, f));
  const cfg = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...cfg, pad_token: HUGE }));
  shortError(() => captureStderr(() => loadTokenizer(dir).encode('hi')), 'is not in the vocabulary of');
});

test('config.json: 10,000 negative eos_token_id are said by their first few and count', () => {
  const eos = Array.from({ length: 10_000 }, (_, i) => -1 - i);
  const { stderr } = captureStderr(() => parseConfig({ ...BASE, eos_token_id: eos }, 'eos/config.json'));
  const line = stderr.split('\n').find((l) => l.includes('eos_token_id: -1, -2'));
  assert.ok(line !== undefined && line.length < 1000 && line.includes('and 9992 more names no token'), stderr.slice(0, 400));
});
