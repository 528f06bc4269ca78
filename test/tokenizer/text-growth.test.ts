// text-growth.ts: a tokenizer.json whose normalizer or pre-tokenizer could lengthen a text without bound (a Replace
// with a long content, a chain of them, a long Metaspace replacement) is refused at load on every
// engine, naming the file and the step; the bundled and fixture tokenizers, and the published kinds, are well inside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { MAX_GROWTH_TIMES, MAX_NORMALIZED_ADDED_CHARS, textGrowth } from '../../src/tokenizer/text-growth.ts';
import { isUserError } from '../../src/util/errors.ts';
import { bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

/** A BPE of four tokens that both engines run (the steps are checked before either is chosen). */
const TINY = {
  version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null,
  model: { type: 'BPE', vocab: { '<unk>': 0, '▁': 1, a: 2, b: 3 }, merges: [], unk_token: '<unk>', byte_fallback: false, fuse_unk: false },
};

function withSteps(steps: { normalizer?: unknown; pre_tokenizer?: unknown; decoder?: unknown; added_tokens?: unknown }): string {
  return tempFolder({ 'tokenizer.json': { ...TINY, ...steps } });
}

function assertRefused(dir: string, where: RegExp): void {
  for (const engine of ['auto', 'fast', 'huggingface'] as const) {
    assert.throws(() => quietly(() => loadTokenizer(dir, { engine })), (e: unknown) => {
      assert.ok(isUserError(e), `${engine}: expected a UserError, got ${String(e)}`);
      const msg = (e as Error).message;
      assert.ok(msg.startsWith(path.join(dir, 'tokenizer.json') + ': '), msg);
      assert.match(msg, where);
      assert.ok(!msg.includes('\n'), 'one line');
      return true;
    });
  }
}

const replace = (from: string, to: string): Record<string, unknown> => ({ type: 'Replace', pattern: { String: from }, content: to });

test('a Replace normalizer whose content is 100,000 times its pattern is refused at load on every engine, naming the step', () => {
  const dir = withSteps({ normalizer: { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, replace('a', 'b'.repeat(100_000))] } });
  assertRefused(dir, /normalizer\.normalizers\[1\] \(Replace\) can make a text of n characters 100,000·n \+ 100,000 long/);
  // by the reader itself, which the GGUF export's tokenizer (normalizing the added tokens) reads through too
  assert.throws(() => readTokenizerJson(path.join(dir, 'tokenizer.json')), /\(Replace\) can make a text/);
});

test('a Replace decoder step that lengthens each token 100,000 times is refused at load too (the text of generated tokens)', () => {
  const decoder = { type: 'Sequence', decoders: [replace('▁', 'x'.repeat(100_000)), { type: 'ByteFallback' }, { type: 'Fuse' }] };
  assertRefused(withSteps({ decoder }), /decoder\.decoders\[0\] \(Replace\) can make the text of k tokens of n characters 100,000·n \+ 0·k long/);
  assert.deepEqual(textGrowth({ decoder: (bundledTokenizerJson() as { decoder: Record<string, unknown> }).decoder }, 'decode').total, { times: 1, plus: 0 });
});

test('growth composes through a Sequence and into the pre-tokenizer: steps each within the limit are refused together', () => {
  const times = Math.ceil(Math.sqrt(MAX_GROWTH_TIMES)) + 1; // one is accepted, two are past the limit
  const one = replace(' ', '▁'.repeat(times));
  quietly(() => loadTokenizer(withSteps({ normalizer: { type: 'Sequence', normalizers: [one] } }), { engine: 'huggingface' }));
  assertRefused(withSteps({ normalizer: { type: 'Sequence', normalizers: [one, replace('▁', 'x'.repeat(times))] } }), /normalizer\.normalizers\[\d\] \(Replace\)/);
  assertRefused(withSteps({ normalizer: one, pre_tokenizer: { type: 'Metaspace', replacement: '▁', str_rep: '▁'.repeat(times) } }), /\(Replace\)|\(Metaspace\)/);
  // a Metaspace replacement alone: each space becomes it
  assertRefused(withSteps({ normalizer: null, pre_tokenizer: { type: 'Metaspace', replacement: '▁'.repeat(MAX_GROWTH_TIMES + 1) } }), /pre_tokenizer \(Metaspace\)/);
});

test('a Replace content is literal, as HF tokenizers puts it ("$&", "$`" are characters, not the match or the text before it), in both engines and in its growth', () => {
  // HF tokenizers 0.23 (Python): Replace("a", "$&$&") normalizes "xay" to "x$&$&y"; @huggingface/tokenizers's replaceAll gave "xaay"
  const vocab = { '<unk>': 0, $: 1, '&': 2, '`': 3, a: 4, b: 5 };
  const dir = tempFolder({ 'tokenizer.json': { ...TINY, model: { ...TINY.model, vocab }, normalizer: replace('a', '$&$`'), decoder: replace('b', '$&$&') } });
  for (const engine of ['fast', 'huggingface'] as const) {
    const tok = quietly(() => loadTokenizer(dir, { engine }));
    assert.deepEqual(tok.encode('bab'), [5, 1, 2, 1, 3, 5], engine);
    assert.equal(tok.decode([5, 4]), '$&$&a', engine);
  }
  assert.deepEqual(textGrowth({ normalizer: replace('a', '$`'.repeat(10)), pre_tokenizer: null }).total, { times: 20, plus: 0 });
  assert.equal(textGrowth({ normalizer: replace('ab', 'xyz'), pre_tokenizer: null }).total.times, 1.5);
});

test('added tokens that a normalizer within the limit would still make too long in all are refused at load, naming the file', () => {
  const times = 100; // within MAX_GROWTH_TIMES, so each text alone passes
  assert.ok(times <= MAX_GROWTH_TIMES);
  const count = Math.ceil(MAX_NORMALIZED_ADDED_CHARS / times / 50_000); // tokens of 50,000 characters: just past the limit
  const added = Array.from({ length: count }, (_, i) => ({ id: 4 + i, content: String.fromCharCode(0x61 + i).repeat(49_999) + 'a', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false }));
  const dir = withSteps({ normalizer: replace('a', 'b'.repeat(times)), added_tokens: added });
  assertRefused(dir, new RegExp(`added_tokens: ${count} tokens of [\\d,]+ characters in all, .* \\(at most ${MAX_NORMALIZED_ADDED_CHARS.toLocaleString('en-US')} is accepted\\)`));
});

test('the bundled and fixture tokenizers, and the published kinds, are far inside the limit', () => {
  const bundled = bundledTokenizerJson() as { normalizer: Record<string, unknown> | null; pre_tokenizer: Record<string, unknown> | null };
  assert.deepEqual(textGrowth(bundled).total, { times: 1, plus: 1 });
  const tekken = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tekken-tiny', 'tokenizer.json'), 'utf8')) as typeof bundled;
  assert.deepEqual(textGrowth(tekken).total, { times: 3, plus: 3 }); // its ByteLevel step
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  assert.deepEqual(textGrowth({ normalizer: null, pre_tokenizer: metaspace }).total, { times: 1, plus: 1 });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  assert.ok(textGrowth({ normalizer: { type: 'NFKC' }, pre_tokenizer: byteLevel }).total.times <= MAX_GROWTH_TIMES / 2);
  const bert = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true };
  assert.ok(textGrowth({ normalizer: bert, pre_tokenizer: { type: 'BertPreTokenizer' } }).total.times <= MAX_GROWTH_TIMES / 2);
  // transformers' own ALBERT / XLNet converters (convert_slow_tokenizer.py): a run of Unicode steps is bounded as one
  // (its largest form, 18, times Lowercase's 2), not 18·4·2·18; they were refused at 7,776·n
  const albert = { type: 'Sequence', normalizers: [replace('``', '"'), replace("''", '"'), { type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' },
    { type: 'Precompiled', precompiled_charsmap: '' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] };
  assert.deepEqual(textGrowth({ normalizer: albert, pre_tokenizer: metaspace }).total, { times: 72, plus: 2 });
  assert.deepEqual(textGrowth({ normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] }, pre_tokenizer: byteLevel }).total, { times: 108, plus: 3 });
  // a run ends at another step: Lowercase, a Replace that doubles, Lowercase again multiply
  assert.equal(textGrowth({ normalizer: { type: 'Sequence', normalizers: [{ type: 'Lowercase' }, replace('a', 'bb'), { type: 'Lowercase' }] }, pre_tokenizer: null }).total.times, 8);
});
