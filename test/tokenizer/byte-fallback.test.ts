// Byte-fallback decoding as transformers 5.17 (HF tokenizers' ByteFallback decoder, Rust) does it, on both engines: a
// run of <0xXX> tokens that is not UTF-8 as a whole becomes one U+FFFD per byte (not the WHATWG decoder's one per bad
// subsequence, which @huggingface/tokenizers uses: "@" then "\xE1" gave "@�", HF "��"), a BOM the bytes spell is kept,
// and a byte token is "<0x" two hex digits (or "+" and one, as Rust's from_str_radix reads them) ">", nothing looser
// ("<0x4G>" read as byte 4 before). The expected texts are transformers', in fixtures/byte-fallback.json, written by
// fixtures/byte-fallback-oracle.py (which builds the same two tokenizers and says how to run it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { bytePiece, byteOfToken } from '../../src/tokenizer/byte-fallback.ts';
import { bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

interface Case { ids: number[]; decode: string; decode_keep: string }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'byte-fallback.json'), 'utf8')) as {
  odd: string[]; cases: Record<'bundled' | 'odd', Case[]>;
};

/** The oracle's "odd" tokenizer: the bundled one with texts that look like byte tokens added after its vocabulary. */
function oddFolder(): string {
  const json = bundledTokenizerJson() as { added_tokens: object[] };
  oracle.odd.forEach((content, i) => json.added_tokens.push({ id: 32000 + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false }));
  return tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': { ...bundledConfigJson(), tokenizer_class: 'PreTrainedTokenizerFast' } });
}

for (const [name, folder] of [['bundled', undefined], ['odd', oddFolder()]] as const) {
  for (const engine of ['fast', 'huggingface'] as const) {
    test(`${name} tokenizer, ${engine} engine: byte-fallback runs decode as transformers decodes them`, () => {
      const tok = quietly(() => loadTokenizer(folder, { engine }));
      assert.equal(tok.engineName, engine);
      for (const c of oracle.cases[name]) {
        assert.equal(tok.decode(c.ids), c.decode, `${JSON.stringify(c.ids)}`);
        assert.equal(tok.decode(c.ids, { skipSpecialTokens: false }), c.decode_keep, `${JSON.stringify(c.ids)} (special tokens kept)`);
      }
    });
  }
}

test('bytePiece spells a byte as byte_fallback\'s piece (two upper-case hex digits: <0x0A>, <0xC3>), the one piece byteOfToken reads back for each byte', () => {
  assert.equal(bytePiece(0x0a), '<0x0A>');
  assert.equal(bytePiece(0xc3), '<0xC3>');
  const vocab = (bundledTokenizerJson()['model'] as { vocab: Record<string, number> }).vocab;
  for (let b = 0; b < 256; b++) {
    assert.equal(byteOfToken(bytePiece(b)), b, `byte ${b}`);
    assert.ok(Object.hasOwn(vocab, bytePiece(b)), `the bundled vocabulary has ${bytePiece(b)}`);
  }
});
