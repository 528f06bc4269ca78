// tokenizer_config.json's added_tokens_decoder over tokenizer.json's added tokens, as transformers 5.17's AutoTokenizer
// reads them (test/fixtures/added-tokens-decoder: folders where the two disagree, and what transformers gives): the
// config's flags win, a content only it names gets the next free id (not the config's), a vocabulary entry keeps its
// id; where transformers builds its LlamaTokenizer the config's list is the whole list. A GGUF export writes the same.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { tokenizerMetadata } from '../../src/export/gguf/tokenizer.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from './helpers.ts';

const DIR = path.join(FIXTURES, 'added-tokens-decoder');
interface Cases {
  tokenizer_json_added: Array<Record<string, unknown>>;
  added_tokens_decoder: Record<string, Record<string, unknown>>;
  folders: Record<string, { tokenizer_class: string | null; model_type: string | null }>;
  texts: string[];
  tokens: string[];
}
interface Expected { len: number; ids: Record<string, number>; enc: number[][]; dec: string[]; dec_skip: string[] }
const cases = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Cases;
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;

/** The folder `name` of cases.json, as make_expected.py builds it. */
function folder(name: string): string {
  const f = cases.folders[name]!, d = path.join(tempDir('mt-atd-'), name);
  fs.mkdirSync(d);
  const tj = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: Array<Record<string, unknown>> };
  tj.added_tokens.push(...cases.tokenizer_json_added);
  fs.writeFileSync(path.join(d, 'tokenizer.json'), JSON.stringify(tj));
  const tc = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const dec: Record<string, unknown> = Object.fromEntries(tj.added_tokens.map(({ id, ...t }) => [String(id), t]));
  tc.added_tokens_decoder = { ...dec, ...cases.added_tokens_decoder };
  delete tc.tokenizer_class;
  if (f.tokenizer_class) tc.tokenizer_class = f.tokenizer_class;
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify(tc));
  if (f.model_type) fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ model_type: f.model_type }));
  return d;
}

for (const name of Object.keys(cases.folders)) {
  test(`added_tokens_decoder over tokenizer.json (${name}): transformers' ids, vocabulary size and encodings`, () => {
    const tok = captureStderr(() => loadTokenizer(folder(name))).result, want = expected[name]!;
    assert.equal(tok.vocabSize, want.len);
    assert.deepEqual(Object.fromEntries(cases.tokens.map((c) => [c, tok.tokenToId(c)])), want.ids);
    cases.texts.forEach((s, i) => assert.deepEqual(tok.encode(s), want.enc[i], `encoding ${JSON.stringify(s)}`));
    // decoding too: where tokenizer.json is read as it is, a token it had normalized decodes as its normalized text
    cases.texts.forEach((_, i) => {
      assert.equal(tok.decode(want.enc[i]!, { skipSpecialTokens: false }), want.dec[i]);
      assert.equal(tok.decode(want.enc[i]!, { skipSpecialTokens: true }), want.dec_skip[i]);
    });
  });
}

test("a GGUF export's vocabulary has the added tokens as training had them: the config's, at transformers' ids", () => {
  const m = captureStderr(() => tokenizerMetadata(folder('no-class'), 32008)).result;
  const tokens = m.get('tokenizer.ggml.tokens')!.value as string[], want = expected['no-class']!.ids;
  for (const c of ['<|im_end|>', 'zqx', '<|im_start|>', '<extra>', '<gap>']) assert.equal(tokens[want[c]!], c, c);
  assert.equal(tokens[32005], '[PAD32005]');
});

test('a config token new to a Unigram whose vocabulary lists a piece twice: the next id after all its entries, as tokenizers counts them', () => {
  // checked with transformers 5.17 (tokenizers 0.23.2): len 6, "<y>" 5, "a b <y>" → [4, 2, 4, 3, 4, 5]; counting the
  // distinct pieces gave "<y>" id 4, "▁"'s, and the load was refused
  const d = tempDir('mt-atd-uni-');
  fs.writeFileSync(path.join(d, 'tokenizer.json'), JSON.stringify({
    added_tokens: [], normalizer: null, pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }, post_processor: null, decoder: null,
    model: { type: 'Unigram', unk_id: 0, vocab: [['<unk>', 0], ['a', -1], ['a', -2], ['b', -1], ['▁', -1]], byte_fallback: false },
  }));
  const y = { content: '<y>', special: true, normalized: false, lstrip: false, rstrip: false, single_word: false };
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify({ added_tokens_decoder: { 20: y } }));
  const tok = captureStderr(() => loadTokenizer(d)).result;
  assert.deepEqual([tok.vocabSize, tok.tokenToId('<y>'), tok.encode('a b <y>')], [6, 5, [4, 2, 4, 3, 4, 5]]);
});
