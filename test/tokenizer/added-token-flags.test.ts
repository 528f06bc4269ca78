// One added token's content given two sets of flags, as transformers 5.17's AutoTokenizer reads a Mistral model folder
// (TokenizersBackend: tokenizer.json as it is; test/fixtures/added-token-flags, PROVENANCE.md): twice in tokenizer.json's
// added_tokens, once there with tokenizer_config.json's added_tokens_decoder giving other flags, and twice in the
// config's added_tokens_decoder: the last flags win
// (for matching, lstrip/rstrip and special alike) and the token keeps one id; its id, the vocabulary's size, the
// encodings and the decodings with and without skip_special_tokens are transformers' — a token normalized, or normalized
// in tokenizer.json before the config's flags, decodes as its normalized text ("▁zqx": a space more), and one special
// in tokenizer.json is still skipped (added-decode.ts).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';
import { captureStderr } from './helpers.ts';

const DIR = path.join(FIXTURES, 'added-token-flags');
type Kind = 'twice_in_tokenizer_json' | 'json_then_config' | 'twice_in_config';
interface Cases {
  flags: Record<string, Record<string, boolean>>;
  content: string;
  twice_in_tokenizer_json: Array<[string, string]>;
  json_then_config: Array<[string, string]>;
  twice_in_config: Array<[string, string]>;
  texts: string[];
  decode: number[][];
}
interface Expected { len: number; id: number; enc: number[][]; dec: string[]; dec_skip: string[] }
const cases = JSON.parse(fs.readFileSync(path.join(DIR, 'cases.json'), 'utf8')) as Cases;
const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<string, Expected>;
const PLAIN = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: false };

/** The folder of one case, as make_expected.py builds it. */
function folder(kind: Kind, first: string, second: string): string {
  const d = tempDir('mt-atf-');
  const flags = (name: string): Record<string, unknown> => ({ content: cases.content, ...PLAIN, ...cases.flags[name] });
  const tj = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const tc = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as { tokenizer_class?: string; added_tokens_decoder: Record<string, unknown> };
  delete tc.tokenizer_class;
  if (kind === 'twice_in_config') Object.assign(tc.added_tokens_decoder, { 32000: flags(first), 32001: flags(second) });
  else tj.added_tokens.push({ id: 32000, ...flags(first) });
  if (kind === 'twice_in_tokenizer_json') tj.added_tokens.push({ id: 32001, ...flags(second) });
  if (kind === 'json_then_config') tc.added_tokens_decoder['32000'] = flags(second);
  fs.writeFileSync(path.join(d, 'tokenizer.json'), JSON.stringify(tj));
  fs.writeFileSync(path.join(d, 'tokenizer_config.json'), JSON.stringify(tc));
  fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ model_type: 'mistral' }));
  return d;
}

for (const kind of ['twice_in_tokenizer_json', 'json_then_config', 'twice_in_config'] as const) {
  test(`one content with two sets of flags (${kind}): transformers' id, encodings and decodings`, () => {
    const failures: string[] = [];
    for (const [first, second] of cases[kind]) {
      const name = `${kind}:${first}>${second}`, want = expected[name]!;
      const tok = captureStderr(() => loadTokenizer(folder(kind, first, second))).result;
      const got = {
        len: tok.vocabSize, id: tok.tokenToId(cases.content), enc: cases.texts.map((s) => tok.encode(s)),
        dec: [...want.enc, ...cases.decode].map((ids) => tok.decode(ids, { skipSpecialTokens: false })),
        dec_skip: [...want.enc, ...cases.decode].map((ids) => tok.decode(ids, { skipSpecialTokens: true })),
      };
      for (const key of ['len', 'id', 'enc', 'dec', 'dec_skip'] as const) {
        if (JSON.stringify(got[key]) !== JSON.stringify(want[key])) failures.push(`${name} ${key}: ${JSON.stringify(got[key])}, transformers ${JSON.stringify(want[key])}`);
      }
    }
    assert.deepEqual(failures, []);
  });
}
