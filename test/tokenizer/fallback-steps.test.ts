// tokenizer.json steps that @huggingface/tokenizers (the fallback engine) ran otherwise than HF tokenizers, run as
// transformers runs them (hf-steps.ts, metaspace.ts): each variant of a small cut of the bundled tokenizer.json in
// fixtures/fallback-steps.json (written by fixtures/fallback-steps-oracle.py, which builds the same folders and says how
// to run it) gives transformers' ids and decoding on every engine that loads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { quietly, tempFolder } from './helpers.ts';

interface Variant { steps: Record<string, unknown> & { added?: object[] }; ids: number[][]; decoded: string[]; ids_decoded: string[] }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'fallback-steps.json'), 'utf8')) as {
  base: Record<string, unknown> & { added_tokens: object[]; model: { vocab: Record<string, number> } }; strings: string[]; ids: number[][]; variants: Record<string, Variant>;
};
const CONFIG = { tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', clean_up_tokenization_spaces: false };

function folder(v: Variant): string {
  const { added, ...steps } = v.steps;
  const next = Object.keys(oracle.base.model.vocab).length; // an added token's id 'NEXT': the one after the vocabulary
  const json = { ...oracle.base, ...steps, added_tokens: [...oracle.base.added_tokens, ...(added ?? []).map((t) => ({ ...t, id: next }))] };
  return tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': CONFIG });
}

/** Each engine that loads the variant `name` (the fast one only where it runs it) gives transformers' ids and text. */
function assertAsTransformers(name: string): void {
  const v = oracle.variants[name]!, dir = folder(v);
  for (const engine of ['fast', 'huggingface'] as const) {
    let tok;
    try {
      tok = quietly(() => loadTokenizer(dir, { engine }));
    } catch (e) {
      if (engine === 'fast' && /fast tokenizer cannot run/.test(String(e))) continue;
      throw e;
    }
    oracle.strings.forEach((s, i) => {
      assert.deepEqual(tok.encode(s), v.ids[i], `${name} ${engine}: ids of ${JSON.stringify(s)}`);
      assert.equal(tok.decode(v.ids[i]!, { skipSpecialTokens: false }), v.decoded[i], `${name} ${engine}: decoding of ${JSON.stringify(s)}`);
    });
    oracle.ids.forEach((ids, i) => assert.equal(tok.decode(ids, { skipSpecialTokens: false }), v.ids_decoded[i], `${name} ${engine}: decoding of ${JSON.stringify(ids)}`));
  }
}

test('Metaspace split true on the fallback: each "▁" starts a word ("  " is ▁, ▁ as transformers gives, not ▁▁)', () => {
  assertAsTransformers('metaspace-split-always-nfkc');
  assertAsTransformers('metaspace-split-first-seq');
});

test('the Metaspace decoder drops every "▁" of the first token (transformers: "▁▁" is ""), none with prepend_scheme never', () => {
  assertAsTransformers('metaspace-nosplit-never');
});

test('Metaspace prepend_scheme first: no "▁" before the text after a normalized added token that starts the input', () => {
  assertAsTransformers('metaspace-first-normalized-added');
});

test('Prepend puts nothing before an empty text (StripAccents leaving none of "\u0301"), Lowercase lowers a final sigma to σ', () => {
  assertAsTransformers('strip-accents');
  assertAsTransformers('lowercase');
});

test('Split: its behaviours Removed, MergedWithNext and Contiguous, and invert, as HF tokenizers splits', () => {
  for (const name of ['split-removed', 'split-merged-with-next', 'split-contiguous', 'split-invert']) assertAsTransformers(name);
});
