// tokenizer.json's added tokens at the ids HF tokenizers (and so transformers 5.17) gives them, not the written ones
// (test/fixtures/added-token-ids: folders and what both give): a vocabulary entry keeps its id, a gap closes; and a
// named special token the vocabulary lacks, which transformers adds past the vocabulary, refused with its id said.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { UserError } from '../../src/util/errors.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from './helpers.ts';

const DIR = path.join(FIXTURES, 'added-token-ids');
interface Cases {
  folders: Record<string, { tokenizer_json_added: Array<Record<string, unknown>>; tokenizer_config: Record<string, unknown>; no_model_config?: boolean }>;
  texts: string[];
}
interface Expected { len: number; ids: Record<string, number>; enc: number[][]; tokenizers: { len: number; ids: Record<string, number>; enc: number[][] } }
const cases = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Cases;
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;

/** The folder `name` of cases.json, as make_expected.py builds it. */
function folder(name: string): string {
  const f = cases.folders[name]!, d = path.join(tempDir('mt-ati-'), name);
  fs.mkdirSync(d);
  const tj = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  tj.added_tokens.push(...f.tokenizer_json_added);
  fs.writeFileSync(path.join(d, 'tokenizer.json'), JSON.stringify(tj));
  const tc = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  delete tc.tokenizer_class;
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify({ ...tc, ...f.tokenizer_config }));
  if (!f.no_model_config) fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ model_type: 'mistral' }));
  return d;
}

for (const [name, engine] of [['vocab-entry', 'auto'], ['vocab-entry-normalized', 'auto'], ['gap', 'auto'], ['gap', 'huggingface']] as const) {
  test(`added tokens at HF tokenizers' ids (${name}, ${engine} engine): transformers' vocabulary size, ids and encodings, said in a warning`, () => {
    const { result: tok, stderr } = captureStderr(() => loadTokenizer(folder(name), { engine }));
    const want = expected[name]!;
    // transformers and the tokenizers library read these folders alike
    assert.deepEqual([want.tokenizers.len, want.tokenizers.ids, want.tokenizers.enc], [want.len, want.ids, want.enc]);
    assert.equal(tok.vocabSize, want.len);
    for (const [c, id] of Object.entries(want.ids)) assert.equal(tok.tokenToId(c), id, c);
    cases.texts.forEach((s, i) => assert.deepEqual(tok.encode(s), want.enc[i], `encoding ${JSON.stringify(s)}`));
    assert.match(stderr, name === 'gap' ? /added_tokens: HF tokenizers \(and transformers\) give "<b>" 32001, not 32005/ : /give "hello" 21558, not 32000/);
  });
}

for (const name of ['named-missing', 'named-missing-llama-class']) {
  test(`a named special token the vocabulary lacks (${name}): refused, saying the id transformers would add it at (past the embedding)`, () => {
    const want = expected[name]!;
    assert.deepEqual([want.ids['<|im_end|>'], want.ids['<pad>']], [32000, 32001]); // eos_token, then pad_token, each at the next id
    const d = folder(name);
    assert.throws(() => captureStderr(() => loadTokenizer(d)), (e: unknown) => e instanceof UserError &&
      e.message.includes('tokenizer_config.json: eos_token: "<|im_end|>" is not in the vocabulary') && e.message.includes('transformers 5.17 adds it as a new token (id 32000)') &&
      e.message.includes("add it to tokenizer.json's added_tokens"));
  });
}

test("tokenizer.json's renumbered added tokens, where transformers' LlamaTokenizer drops them for the config's list: nothing said", () => {
  // vocab-entry's "hello" written at 32000, with the bundled config's class LlamaTokenizer and added_tokens_decoder and
  // no config.json: transformers 5.17 takes only the config's list (a vocabulary of 32,000; "hello" is entry 21558)
  const d = folder('vocab-entry');
  fs.rmSync(path.join(d, 'config.json'));
  const tc = JSON.parse(fs.readFileSync(path.join(d, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify({ ...tc, tokenizer_class: 'LlamaTokenizer' }));
  const { result: tok, stderr } = captureStderr(() => loadTokenizer(d));
  assert.deepEqual([tok.vocabSize, tok.tokenToId('hello')], [32000, 21558]);
  assert.doesNotMatch(stderr, /added_tokens/);
});
