// adapter_config.json numbers past float64's range (1e309, read as infinity, as Python's json reads it too): a
// lora_alpha or alpha_pattern entry so is refused naming the key, rather than scaling every update to NaN that the
// loss then blamed on the weights; values are shown as the file has them, not as JSON.stringify's null.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readAdapterInfo } from '../../src/model/peft.ts';
import { tempDir } from '../temp-dir.ts';

function adapterWith(configText: string): string {
  const dir = tempDir('mt-adapter-nonfinite-');
  fs.writeFileSync(path.join(dir, 'adapter_config.json'), configText);
  return dir;
}
const base = '"peft_type": "LORA", "task_type": "CAUSAL_LM", "target_modules": ["q_proj"]';
const PAST = "Infinity (a number past float64's range, as 1e400)";

test('readAdapterInfo: an infinite lora_alpha or alpha_pattern entry is refused naming the key; r past range is shown as Infinity', () => {
  // before: lora_alpha 1e309 loaded, and eval stopped with "the loss of rows 0–7 is NaN: … check the weights"
  const alpha = adapterWith(`{${base}, "r": 8, "lora_alpha": 1e309}`);
  assert.throws(() => readAdapterInfo(alpha, 2), { message: `${path.join(alpha, 'adapter_config.json')}: lora_alpha: must be a finite positive number, got ${PAST}` });
  const pattern = adapterWith(`{${base}, "r": 8, "lora_alpha": 16, "alpha_pattern": {"q_proj": -1e309}}`);
  assert.throws(() => readAdapterInfo(pattern, 2), { message: /alpha_pattern\["q_proj"\]: must be a finite positive number, got -Infinity \(a number past/ });
  // before: "r: must be an integer ≥ 1, got null", which the file does not say
  const rank = adapterWith(`{${base}, "r": 1e309, "lora_alpha": 16}`);
  assert.throws(() => readAdapterInfo(rank, 2), { message: `${path.join(rank, 'adapter_config.json')}: r: must be an integer ≥ 1, got ${PAST}` });
  const ok = adapterWith(`{${base}, "r": 8, "lora_alpha": 16}`);
  assert.throws(() => readAdapterInfo(ok, 2), (e: Error) => !/lora_alpha|alpha_pattern/.test(e.message), 'a finite alpha passes its check');
});

// adapter_config.json is read as PEFT reads it (json.load, which takes NaN, Infinity and -Infinity): a NaN was "invalid
// JSON (Unexpected token 'N', …)" for the whole file; now each key's check refuses it by its name, lora_dropout too,
// whose range check (dropout < 0 || dropout >= 1) NaN passed.
test("readAdapterInfo: Python's NaN is read as PEFT's json.load reads it, each key's check refusing it by name", () => {
  const cases: Array<[string, string]> = [
    ['"r": NaN, "lora_alpha": 16', 'r: must be an integer ≥ 1, got NaN'],
    ['"r": 8, "lora_alpha": NaN', 'lora_alpha: must be a finite positive number, got NaN'],
    ['"r": 8, "lora_alpha": 16, "lora_dropout": NaN', 'lora_dropout: must be in [0, 1), got NaN'],
    ['"r": 8, "lora_alpha": Infinity', 'lora_alpha: must be a finite positive number, got Infinity'],
  ];
  for (const [keys, message] of cases) {
    const dir = adapterWith(`{${base}, ${keys}}`);
    assert.throws(() => readAdapterInfo(dir, 2), (e: Error) => e.message.startsWith(`${path.join(dir, 'adapter_config.json')}: ${message}`) || assert.fail(`${keys}: ${e.message}`));
  }
});
