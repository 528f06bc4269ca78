// An added token inside the spaces another added token's rstrip took is split out all the same, and the text goes on
// from its end, as HF tokenizers does (added-split.ts): "<eot>  Hello" with "  " added is <eot>, "  ", Hello in
// transformers; both engines here dropped the "  ". The expected ids are transformers', in fixtures/strip-overlap.json,
// written by fixtures/strip-overlap-oracle.py (which builds the same tokenizer and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

interface Token { id: number; content: string; [flag: string]: unknown }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'strip-overlap.json'), 'utf8')) as {
  tokens: Token[]; cases: Array<{ text: string; ids: number[] }>;
};

function folder(): string {
  const json = bundledTokenizerJson() as { added_tokens: object[] };
  json.added_tokens.push(...oracle.tokens);
  const config = bundledConfigJson() as { added_tokens_decoder: Record<string, object> };
  for (const { id, ...flags } of oracle.tokens) config.added_tokens_decoder[String(id)] = flags;
  return tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config });
}

const dir = folder();
for (const engine of ['fast', 'huggingface'] as const) {
  test(`${engine} engine: an added token inside the spaces an rstrip took is split out, as transformers splits it`, () => {
    const tok = quietly(() => loadTokenizer(dir, { engine }));
    assert.equal(tok.engineName, engine);
    for (const c of oracle.cases) assert.deepEqual(tok.encode(c.text), c.ids, JSON.stringify(c.text));
  });
}
