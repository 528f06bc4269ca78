// transformers 5.17's fix of a Mistral tokenizer's pre-tokenizer regex where tokenizer_config.json says
// "fix_mistral_regex": true (mistral-regex.ts): which folders get it, and the ids that gives. The expected regexes and
// ids are transformers', in fixtures/mistral-regex.json, written by fixtures/mistral-regex-oracle.py (which builds the
// same tokenizers from test/fixtures/tekken-tiny and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { withMistralRegexFix } from '../../src/tokenizer/mistral-regex.ts';
import { readTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { isUserError } from '../../src/util/errors.ts';
import { quietly, tempFolder } from './helpers.ts';

interface Case { fix_mistral_regex: boolean | null; config: Record<string, string> | null; padded: boolean; regex: string; ids: number[] }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'mistral-regex.json'), 'utf8')) as {
  wrong: string; padded: number; text: string; cases: Case[];
};
const TEKKEN_TINY = path.join(import.meta.dirname, '..', 'fixtures', 'tekken-tiny');
const baseConfig = JSON.parse(fs.readFileSync(path.join(TEKKEN_TINY, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;

/** tekken-tiny with GPT-2's regex, its vocabulary padded as the oracle pads it (or not). */
function tokenizerJson(padded: boolean): Record<string, unknown> {
  const json = JSON.parse(fs.readFileSync(path.join(TEKKEN_TINY, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> }; pre_tokenizer: { pretokenizers: Array<{ pattern: unknown }> } };
  json.pre_tokenizer.pretokenizers[0]!.pattern = { Regex: oracle.wrong };
  if (padded) for (let i = Object.keys(json.model.vocab).length; i < oracle.padded; i++) json.model.vocab[`<pad_${i}>`] = i;
  return json;
}

function folder(c: Case, json: Record<string, unknown>): string {
  const config = c.fix_mistral_regex === null ? baseConfig : { ...baseConfig, fix_mistral_regex: c.fix_mistral_regex };
  return tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config, ...(c.config ? { 'config.json': c.config } : {}) });
}

test('fix_mistral_regex: the Split regex transformers 5.17 runs, by the flag, the vocabulary size and config.json', () => {
  const read = new Map([true, false].map((padded) => [padded, readTokenizerJson(path.join(tempFolder({ 'tokenizer.json': tokenizerJson(padded) }), 'tokenizer.json'))]));
  for (const c of oracle.cases) {
    const dir = tempFolder({ 'tokenizer_config.json': c.fix_mistral_regex === null ? baseConfig : { ...baseConfig, fix_mistral_regex: c.fix_mistral_regex } });
    const facts = c.config ? { modelType: c.config['model_type'], transformersVersion: c.config['transformers_version'] } : undefined;
    const fixed = withMistralRegexFix(read.get(c.padded)!, readTokenizerConfig(path.join(dir, 'tokenizer_config.json')), facts);
    const pre = fixed.pre_tokenizer as { pretokenizers: Array<{ pattern: { Regex: string } }> };
    assert.equal(pre.pretokenizers[0]!.pattern.Regex, c.regex, JSON.stringify({ ...c, ids: undefined, regex: undefined }));
    assert.deepEqual(fixed.raw['pre_tokenizer'], fixed.pre_tokenizer, 'the engines read raw');
  }
});

test('fix_mistral_regex true on a Mistral folder: the ids transformers gives (the file\'s regex gave others); not true or false: refused naming the key', () => {
  const json = tokenizerJson(true);
  const fixedCase = oracle.cases.find((c) => c.fix_mistral_regex === true && c.padded && c.config?.['model_type'] === 'mistral' && !c.config['transformers_version'])!;
  const tok = quietly(() => loadTokenizer(folder(fixedCase, json)));
  assert.deepEqual(tok.encode(oracle.text), fixedCase.ids);
  assert.notDeepEqual(oracle.cases.find((c) => c.fix_mistral_regex === null)!.ids, fixedCase.ids, 'the case tells the two apart');
  assert.throws(() => quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': { ...baseConfig, fix_mistral_regex: 'yes' }, 'config.json': { model_type: 'mistral' } }))),
    (e: unknown) => isUserError(e) && /tokenizer_config\.json: fix_mistral_regex/.test((e as Error).message) && /true or false/.test((e as Error).message));
});
