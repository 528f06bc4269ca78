// Added tokens with single_word (and lstrip/rstrip) split out of the text as transformers 5.17 (HF tokenizers)
// splits them: a single_word token is not matched beside a word character (Unicode letters, marks, digits, "_",
// joiners), and the text it covered is not searched again. The expected ids are transformers', in
// fixtures/single-word.json, written by fixtures/single-word-oracle.py (which builds the same three tokenizers and
// says how to run it); e.g. "zqxbox zqx" with the bundled tokenizer is [686, 28775, 28744, 2858, 28705, 32000] there,
// where we gave [32000, 3890, 28705, 32000] before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer, type EngineChoice } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

type Json = Record<string, unknown>;
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'single-word.json'), 'utf8')) as {
  strings: string[]; ids: Record<'bundled' | 'bundled_normalized' | 'written' | 'tekken', Record<string, number[]>>;
};

/** The oracle's added tokens from id `first` on: "zqx" single_word, "qxb" plain, "<|x|>" special single_word lstrip rstrip. */
function tokens(first: number, normalized: boolean): Json[] {
  return [
    { id: first, content: 'zqx', single_word: true, lstrip: false, rstrip: false, normalized, special: false },
    { id: first + 1, content: 'qxb', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
    { id: first + 2, content: '<|x|>', single_word: true, lstrip: true, rstrip: true, normalized: false, special: true },
  ];
}

/** A folder of `json` plus the added tokens, listed in the config's added_tokens_decoder too (as the oracle writes it). */
function folder(json: Json, config: Json, added: Json[]): string {
  const all = [...(json['added_tokens'] as Json[]), ...added];
  const decoder = Object.fromEntries(all.map(({ id, ...t }) => [String(id), t]));
  return tempFolder({ 'tokenizer.json': { ...json, added_tokens: all }, 'tokenizer_config.json': { ...config, added_tokens_decoder: decoder } });
}

function check(name: keyof typeof oracle.ids, dir: string, engines: ReadonlyArray<Exclude<EngineChoice, 'auto'>>): void {
  for (const engine of engines) {
    const tok = quietly(() => loadTokenizer(dir, { engine }));
    for (const s of oracle.strings) assert.deepEqual(tok.encode(s), oracle.ids[name][s], `${name}, ${engine}: ${JSON.stringify(s)}`);
  }
}

test('single_word added tokens: the bundled tokenizer (LlamaTokenizer class), both engines, as transformers 5.17', () => {
  check('bundled', folder(bundledTokenizerJson(), bundledConfigJson(), tokens(32000, false)), ['fast', 'huggingface']);
});

test('single_word added tokens "normalized" without a normalizer: matched in the text between the raw ones, both engines', () => {
  check('bundled_normalized', folder(bundledTokenizerJson(), bundledConfigJson(), tokens(32000, true)), ['fast', 'huggingface']);
});

test('single_word added tokens matched after normalization (found by their normalized text, "▁zqx"), as transformers 5.17', () => {
  const { tokenizer_class: _, ...config } = bundledConfigJson();
  check('written', folder(bundledTokenizerJson(), config, tokens(32000, true)), ['huggingface']);
});

test('single_word added tokens on a byte-level BPE tokenizer (Tekken\'s form), as transformers 5.17', () => {
  const dir = path.join(FIXTURES, 'tekken-tiny');
  const read = (f: string): Json => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Json;
  check('tekken', folder(read('tokenizer.json'), read('tokenizer_config.json'), tokens(873, false)), ['huggingface']);
});
