// tokenizer.json steps that @huggingface/tokenizers (the fallback engine) ran otherwise than HF tokenizers, run as
// transformers runs them (hf-steps.ts, metaspace.ts): each variant of a small cut of the bundled tokenizer.json in
// fixtures/fallback-steps.json (written by fixtures/fallback-steps-oracle.py, which builds the same folders and says how
// to run it) gives transformers' ids and decoding on every engine that loads it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { isUserError } from '../../src/util/errors.ts';
import { captureStderr, quietly, tempFolder } from './helpers.ts';

interface Variant { steps: Record<string, unknown> & { added?: object[]; base?: 'tekken' }; ids: number[][]; decoded: string[]; ids_decoded: string[] }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'fallback-steps.json'), 'utf8')) as {
  base: Record<string, unknown> & { added_tokens: object[]; model: { vocab: Record<string, number> } }; strings: string[]; ids: number[][]; variants: Record<string, Variant>;
};
const CONFIG = { tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', clean_up_tokenization_spaces: false };

function folder(v: Variant): string {
  const { added, base: which, ...steps } = v.steps;
  // 'base': 'tekken': test/fixtures/tekken-tiny's byte-level tokenizer.json in place of the cut of the bundled one
  const base = which === 'tekken' ? JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'tekken-tiny', 'tokenizer.json'), 'utf8')) as typeof oracle.base : oracle.base;
  const next = Object.keys(base.model.vocab).length; // an added token's id 'NEXT': the one after the vocabulary
  const json = { ...base, ...steps, added_tokens: [...base.added_tokens, ...(added ?? []).map((t) => ({ ...t, id: next }))] };
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
  assertAsTransformers('metaspace-first-normalized-added-raw'); // no normalizer: the fast engine runs it too
});

test('Metaspace prepend_scheme first: "▁" only before a piece whose first character HF aligns with the input\'s first one (not where the normalizer took that away)', () => {
  // a Replace that deletes "He" of "Hello" (fast engine too), puts "q" for "ab" (aligned with "b"), a regex Replace,
  // StripAccents taking a leading mark, and a Replace whose content holds a normalized added token and then text
  for (const name of ['metaspace-first-replace-deletes', 'metaspace-first-replace-shorter', 'metaspace-first-regex-replace', 'metaspace-first-strip-accents', 'metaspace-first-replace-added']) {
    assertAsTransformers(name);
  }
});

test('Metaspace prepend_scheme first: no "▁" after a normalized added token where NFD moved a mark of the second character before one of the first ("á\u0323b" with "a": a, ̣, ́, b)', () => {
  assertAsTransformers('metaspace-first-nfd-reorder'); // was: a, ▁, ̣, ́, b (the lead took both characters of NFD("á"))
});

test('Prepend puts nothing before an empty text (StripAccents leaving none of "\u0301"), Lowercase lowers a final sigma to σ', () => {
  assertAsTransformers('strip-accents');
  assertAsTransformers('lowercase');
});

test('Unicode normal forms and StripAccents on HF\'s older tables: ㋿ stays ㋿ under NFKC, U+1AD8 is no mark, U+11935 U+11930 do not compose', () => {
  for (const name of ['nfkc-unicode', 'nfd-unicode', 'nfc-unicode', 'strip-accents']) assertAsTransformers(name);
});

test('Split: its behaviours Removed, MergedWithNext and Contiguous, and invert, as HF tokenizers splits', () => {
  for (const name of ['split-removed', 'split-merged-with-next', 'split-contiguous', 'split-invert']) assertAsTransformers(name);
});

test('Digits splits at every numeric character as HF tokenizers (\\p{N}: "٣", "₉", "①", "Ⅷ", "½"), not at ASCII digits only', () => {
  assertAsTransformers('digits');
  assertAsTransformers('digits-runs');
});

test('a Split or ByteLevel regex\'s \\s and \\S as HF\'s Oniguruma reads them: U+0085 is a space, U+FEFF is not (JavaScript\'s \\s: the other way)', () => {
  assertAsTransformers('split-space-class');
  assertAsTransformers('tekken-bytelevel-regex'); // ByteLevel's own regex: ">\n\n\u0085x" is ">", "\n\n", … (was "\n", "\n")
});

test('regexes read a letter added to Unicode since HF\'s tables (U+32732, CJK Ext. H) as HF does, an unknown character: tekken\'s "⪙\u3000𲜲AAA" keeps "𲜲AAA" one piece (one prefix space)', () => {
  assertAsTransformers('tekken-prefix');
});

const baseModel = oracle.base['model'] as unknown as { vocab: Record<string, number>; merges: string[] };

/** The base model with the merge "a b" (and its piece "ab", at the next id) first or last among its merges. */
function withMerge(merge: string, where: 'first' | 'last'): object {
  const vocab = { ...baseModel.vocab, [merge.replace(' ', '')]: Object.keys(baseModel.vocab).length };
  return { ...baseModel, vocab, merges: where === 'first' ? [merge, ...baseModel.merges] : [...baseModel.merges, merge] };
}

test('a step no engine here runs as HF tokenizers does is refused in one line naming the file, the part\'s JSON path and the step', () => {
  const ms = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: true };
  const cases: Array<[Record<string, unknown>, string, string]> = [
    [{ normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: false } }, 'normalizer.type', 'normalizer BertNormalizer'],
    [{ normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Strip', strip_left: true, strip_right: true }] } }, 'normalizer.normalizers[1].type', 'normalizer Strip'],
    [{ normalizer: { type: 'Precompiled', precompiled_charsmap: '' } }, 'normalizer.type', 'normalizer Precompiled'],
    [{ pre_tokenizer: { type: 'Whitespace' } }, 'pre_tokenizer.type', 'pre_tokenizer Whitespace'],
    [{ pre_tokenizer: { type: 'Punctuation', behavior: 'Isolated' } }, 'pre_tokenizer.type', 'pre_tokenizer Punctuation'],
    // steps of HF tokenizers that @huggingface/tokenizers does not know either (it said "Unknown PreTokenizer type", no path)
    [{ pre_tokenizer: { type: 'UnicodeScripts' } }, 'pre_tokenizer.type', 'pre_tokenizer UnicodeScripts'],
    [{ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'CharDelimiterSplit', delimiter: ' ' }] } }, 'pre_tokenizer.pretokenizers[0].type', 'pre_tokenizer CharDelimiterSplit'],
    [{ normalizer: { type: 'ByteLevel' } }, 'normalizer.type', 'normalizer ByteLevel'],
    [{ normalizer: { type: 'Nmt' } }, 'normalizer.type', 'normalizer Nmt'],
    [{ pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, ms] } }, 'pre_tokenizer.pretokenizers[1].prepend_scheme', 'pre_tokenizer Metaspace with prepend_scheme "first" after another pre-tokenizer'],
    [{ decoder: { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'CTC', pad_token: '<pad>', word_delimiter_token: '|', cleanup: true }] } }, 'decoder.decoders[1].type', 'decoder CTC'],
    [{ model: { ...(oracle.base['model'] as object), end_of_word_suffix: '</w>' } }, 'model.end_of_word_suffix', 'BPE end_of_word_suffix'],
    [{ model: { ...(oracle.base['model'] as object), dropout: 0.1 } }, 'model.dropout', 'BPE dropout'],
    // HF puts "<0xE2>" and "<unk>" in the word before merging (tokenizers 0.23.2: "☃" is "<0xE2><0x98>", "<0x83>" under
    // a merge "<0xE2> <0x98>"); both engines put them in after, and gave "<0xE2>", "<0x98>", "<0x83>"
    [{ model: withMerge('<0xE2> <0x98>', 'last') }, `model.merges[${baseModel.merges.length}]`, 'a BPE merge over its unk_token or a byte-fallback piece <0xNN>'],
    [{ model: withMerge('<unk> a', 'first') }, 'model.merges[0]', 'a BPE merge over its unk_token or a byte-fallback piece <0xNN>'],
  ];
  for (const [steps, at, what] of cases) {
    const dir = folder({ steps, ids: [], decoded: [], ids_decoded: [] });
    for (const engine of ['auto', 'huggingface'] as const) {
      // nothing said before the error (not the note that the fast engine leaves it to the other)
      const { result: e, stderr } = captureStderr(() => {
        try {
          loadTokenizer(dir, { engine });
          return null;
        } catch (err) {
          return err;
        }
      });
      assert.ok(isUserError(e), `${what} (${engine}): ${String(e)}`);
      assert.ok(e.message.startsWith(`${path.join(dir, 'tokenizer.json')}: ${at}: uses ${what}`), e.message);
      assert.ok(!e.message.includes('\n'), e.message);
      assert.equal(stderr, '', `${what} (${engine})`);
    }
  }
});

test('the fast engine refuses a BPE merge over its unk_token or a <0xNN> piece naming model.merges[i], as the other engine does', () => {
  for (const [model, at] of [[withMerge('<0xE2> <0x98>', 'last'), `model.merges[${baseModel.merges.length}]`], [withMerge('<unk> a', 'first'), 'model.merges[0]']] as const) {
    const dir = folder({ steps: { model }, ids: [], decoded: [], ids_decoded: [] });
    assert.throws(() => loadTokenizer(dir, { engine: 'fast' }), (e: unknown) => {
      assert.ok(isUserError(e), String(e));
      assert.ok(e.message.startsWith(`${path.join(dir, 'tokenizer.json')}: ${at}: the fast tokenizer cannot run this tokenizer.json (it uses a BPE merge over its unk_token or a byte-fallback piece <0xNN>`), e.message);
      return true;
    });
  }
});
