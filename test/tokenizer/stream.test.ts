// The text generate streams: every token's text written once, in order, and all of it by the end — also where
// decoding a later token changes the text before it (clean_up_tokenization_spaces: " ." → ".").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { createTextStream, type StreamTokenizer } from '../../src/tokenizer/stream.ts';
import { tempDir } from '../temp-dir.ts';
import { bundled, quietly, tempFolder } from './helpers.ts';

/** What the stream writes for `ids`, and what it had written after each push. */
function streamed(tok: StreamTokenizer, ids: readonly number[]): { text: string; steps: string[] } {
  let text = '';
  const stream = createTextStream(tok, (t) => { text += t; });
  const steps = ids.map((id) => { stream.push(id); return text; });
  stream.end();
  return { text, steps };
}

test('a tokenizer that cleans up tokenization spaces: " ." becoming "." after the space was due no longer stops the stream', () => {
  const dir = path.join(tempDir('mt-stream-'), 'tok');
  fs.cpSync(BUNDLED_TOKENIZER_DIR, dir, { recursive: true });
  // transformers 5 cleans up a BPE tokenizer's decode only where the config insists (clean-up.test.ts)
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, clean_up_tokenization_spaces: true, clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output: true }));
  const tok = loadTokenizer(dir);
  const SPACE = 28705, DOT = 28723; // Mistral's "▁" and "."
  const ids = [...tok.encode('Hello'), SPACE, DOT, ...tok.encode(' How are you')];
  assert.equal(tok.decode(ids), 'Hello. How are you');
  const { text, steps } = streamed(tok, ids);
  assert.equal(text, 'Hello. How are you'); // before: "Hello " and nothing more
  assert.deepEqual(steps.slice(0, 3), ['Hello', 'Hello', 'Hello.'], 'the space held until the next token settles it');
  // without the force flag the space stays, in the stream as in the full decode (transformers 5: 'Hello . How are you')
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, clean_up_tokenization_spaces: true }));
  const kept = loadTokenizer(dir);
  assert.equal(kept.decode(ids), 'Hello . How are you');
  assert.equal(streamed(kept, ids).text, 'Hello . How are you');
});

test('half a character (a byte-level sequence) is held until complete; a decode that changes written text still loses nothing', () => {
  // a toy byte-level decoder: tokens 2, 3, 4 are the bytes of "€", which decode to U+FFFD until all three are there
  const idToToken = (id: number): string => `t${id}`; // none a byte-fallback token
  const bytes: Record<number, number> = { 2: 0xe2, 3: 0x82, 4: 0xac };
  const decode = (ids: readonly number[]): string => Buffer.from(ids.map((id) => bytes[id]!)).toString('utf8');
  const euro = streamed({ decode, idToToken, decodesByteTokens: false }, [2, 3, 4]);
  assert.deepEqual(euro.steps, ['', '', '€']);
  assert.equal(euro.text, '€');
  // a decoder whose second token rewrites the first ("ab" then "Xbc"): written text cannot be taken back, the rest follows it
  const rewriting = (ids: readonly number[]): string => ['', 'ab', 'Xbc'][ids.length]!;
  assert.equal(streamed({ decode: rewriting, idToToken, decodesByteTokens: false }, [7, 8]).text, 'abXbc');
});

test('a byte-fallback run that is not UTF-8 as a whole: nothing of it is written until a non-byte token ends it, and the stream is the decode', () => {
  const tok = bundled('fast');
  const byte = (b: number): number => tok.tokenToId(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)!;
  // "é" (0xC3 0xA9) then 0xFF: HF decodes the run as one U+FFFD per byte, so "é" alone was not what the end decodes
  const ids = [...tok.encode('Hi'), byte(0xc3), byte(0xa9), byte(0xff), ...tok.encode(' there friend, how are you')];
  const full = tok.decode(ids);
  assert.equal(full, 'Hi\uFFFD\uFFFD\uFFFD there friend, how are you');
  const { text, steps } = streamed(tok, ids);
  assert.equal(text, full); // before: 'Hié��� there friend, how are you' (the "é" written, then all of it again at the end)
  const run = tok.encode('Hi').length;
  assert.deepEqual(steps.slice(run - 1, run + 4), ['Hi', 'Hi', 'Hi', 'Hi', 'Hi\uFFFD\uFFFD\uFFFD there'], 'the run held until " there" ends it');
  for (let i = 0; i < ids.length; i++) assert.ok(full.startsWith(steps[i]!), `after token ${i}: ${JSON.stringify(steps[i])}`);
  // a run that is UTF-8 ("é") is written whole once ended, on both engines
  for (const engine of ['fast', 'huggingface'] as const) {
    const t = bundled(engine);
    const e = [...t.encode('Hi'), byte(0xc3), byte(0xa9), ...t.encode('!')];
    assert.equal(streamed(t, e).text, t.decode(e));
    assert.ok(t.decode(e).startsWith('Hié'), t.decode(e));
  }
});

test('a special token inside a byte-fallback run (decoded as nothing) does not end it: "<" is not written before the run turns it into U+FFFD', () => {
  const tok = bundled('fast');
  const byte = (b: number): number => tok.tokenToId(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)!;
  // <0x3C> ("<" alone), then <unk> or </s>, which decode skips, so the bytes around them are one run, not UTF-8 as a whole
  for (const special of [tok.tokenToId('<unk>')!, tok.tokenToId('</s>')!]) {
    const ids = [...tok.encode('Hi'), byte(0x3c), special, byte(0x8b), ...tok.encode(' there')];
    const full = tok.decode(ids);
    assert.equal(full, 'Hi\uFFFD\uFFFD there');
    assert.equal(streamed(tok, ids).text, full); // before: 'Hi<\uFFFD\uFFFD there' ("<" written when the special token came)
  }
});

/** A handmade BPE tokenizer.json whose vocabulary spells "<0xC3>" and "<0xA9>" as tokens of their own (no byte_fallback). */
function literalByteSpellings(decoder: object, preTokenizer: object, hi: string): object {
  return {
    version: '1.0', truncation: null, padding: null, normalizer: null, pre_tokenizer: preTokenizer, post_processor: null, decoder,
    added_tokens: [{ id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: { '<unk>': 0, [hi]: 1, '<0xC3>': 2, '<0xA9>': 3, '!': 4 }, merges: [] },
  };
}

test('a token spelled "<0xC3>" is held back only where the decoder has a ByteFallback step; elsewhere it is text, written at once', () => {
  // transformers 5.17 decodes [1, 2, 3, 4] of these as "Hi<0xC3><0xA9>!" (no ByteFallback step) and "Hié!" (with one)
  const replace = { type: 'Replace', pattern: { String: '▁' }, content: ' ' }, fuse = { type: 'Fuse' }, strip = { type: 'Strip', content: ' ', start: 1, stop: 0 };
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: false };
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  const load = (json: object) => quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json })));
  const written = ['Hi', 'Hi<0xC3>', 'Hi<0xC3><0xA9>', 'Hi<0xC3><0xA9>!'];
  const cases: Array<[string, object, string[]]> = [
    ['SentencePiece-style BPE without byte_fallback', literalByteSpellings({ type: 'Sequence', decoders: [replace, fuse, strip] }, metaspace, '▁Hi'), written],
    ['byte-level BPE', literalByteSpellings(byteLevel, byteLevel, 'Hi'), written],
    ['the same with a ByteFallback step', literalByteSpellings({ type: 'Sequence', decoders: [replace, { type: 'ByteFallback' }, fuse, strip] }, metaspace, '▁Hi'), ['Hi', 'Hi', 'Hi', 'Hié!']],
  ];
  for (const [label, json, steps] of cases) {
    const tok = load(json);
    const ids = [1, 2, 3, 4];
    assert.equal(tok.decode(ids), steps.at(-1), label);
    const got = streamed(tok, ids);
    assert.deepEqual(got.steps, steps, label); // before: ['Hi', 'Hi', 'Hi', 'Hi<0xC3><0xA9>!'] for all three
    assert.equal(got.text, steps.at(-1), label);
  }
});
