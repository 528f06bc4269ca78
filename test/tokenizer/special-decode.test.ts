// Special tokens and decoding: special-token text in the input, bos/eos/pad/unk from tokenizer_config.json,
// decode skipping special tokens by default, round trips on varied text, and invalid ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { isUserError } from '../../src/util/errors.ts';
import { variedStrings } from './corpus.ts';
import { bundled, bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

test('encode adds no BOS/EOS; special-token text becomes the special id, and the text after it gets its own "▁"', () => {
  const t = bundled('fast');
  assert.deepEqual(t.encode('Hello'), [22557]);
  assert.deepEqual(t.encode('<s>'), [1]);
  assert.deepEqual(t.encode('</s>'), [2]);
  assert.deepEqual(t.encode('<unk>'), [0]);
  assert.deepEqual(t.encode('<s>Hello</s>'), [1, 22557, 2]);
  assert.deepEqual(t.encode('Hello</s>Hello'), [22557, 2, 22557]);
  assert.ok(!t.encode('<s').includes(1)); // not special: plain characters
  assert.ok(!t.encode('s>').includes(1));
});

test('decode drops special tokens by default and keeps them on request', () => {
  for (const engine of ['fast', 'huggingface'] as const) {
    const t = bundled(engine);
    const ids = [t.bosId!, ...t.encode('Hello world'), t.eosId!];
    assert.equal(t.decode(ids), 'Hello world', engine);
    assert.equal(t.decode(ids, { skipSpecialTokens: false }), '<s> Hello world</s>', engine);
    assert.equal(t.decode([]), '', engine);
    assert.equal(t.decode([t.bosId!, t.eosId!]), '', engine);
  }
});

test('decode(encode(text)) === text for varied strings without special-token text or "▁"', () => {
  const t = bundled('fast');
  const strings = variedStrings(1000, 21).filter((s) => !/<s>|<\/s>|<unk>|▁/.test(s));
  assert.ok(strings.length > 900);
  assert.ok(strings.some((s) => s.startsWith(' ')));
  // as transformers 5 loads the tokenizer (llama-class.ts), a text that starts with a space gets no "▁" of its
  // own, so decoding (which strips the one it adds) gives it back without that space — as transformers does
  for (const s of strings) assert.equal(t.decode(t.encode(s)), s.startsWith(' ') ? s.slice(1) : s, JSON.stringify(s));
  // "▁" is SentencePiece's space: a literal one in the text decodes as a space (HF and sentencepiece alike).
  assert.equal(t.decode(t.encode('a▁b')), 'a b');
  // Pieces decoded separately and concatenated lose nothing either (each has its own prefix "▁").
  assert.equal(t.decode([...t.encode('Hello'), ...t.encode('world')]), 'Hello world');
});

test('encode refuses a text with a lone surrogate, naming where, as transformers refuses it; a surrogate pair is text', () => {
  // UTF-8 cannot hold half a surrogate pair: both engines encoded U+FFFD's bytes in its place, so the text decoded back
  // was another ("a\ufffdb"); transformers 5.17's tokenizer("a\ud800b") raises TypeError (TextEncodeInput must be ...)
  for (const engine of ['fast', 'huggingface'] as const) {
    const t = bundled(engine);
    const cases: Array<[string, string]> = [['a\ud800b', '\\ud800 at character 2'], ['\udc00', '\\udc00 at character 1'], ['ok \u{1F600} \ud83d', '\\ud83d at character 7']];
    for (const [text, where] of cases) {
      assert.throws(() => t.encode(text), (e: unknown) => isUserError(e) && e.message === `encode: "text" holds a lone surrogate ${where}: not Unicode text; take it out or replace it (U+FFFD) before encoding`, `${engine}: ${JSON.stringify(text)}`);
    }
    assert.equal(t.decode(t.encode('ok \u{1F600}')), 'ok \u{1F600}', engine);
    assert.equal(t.decode(t.encode('a\ufffdb')), 'a\ufffdb', engine);
  }
});

test('decode writes an id no token has as nothing, as HF tokenizers does; a negative or fractional id is refused', () => {
  // transformers 5.17 (checked in /tmp/hfvenv): decode([22557, 32000, 1526, 99999]) is 'Hello world' (a model's padded
  // embedding rows past the tokenizer's ids); decode([-1]) raises OverflowError. Before: a RangeError for 32000.
  // The refusal is the README's one UserError for a bad argument to a library call (it was a RangeError)
  for (const engine of ['fast', 'huggingface'] as const) {
    const t = bundled(engine);
    assert.equal(t.decode([22557, 32000, 1526, 99999]), 'Hello world', engine);
    assert.equal(t.decode([32000]), '', engine);
    assert.equal(t.decode(Int32Array.from([22557, 1526]) as unknown as number[]), 'Hello world', `${engine}: a typed array of ids`);
    const says = (message: string) => (e: unknown) => isUserError(e) && e.message === message;
    assert.throws(() => t.decode([-1]), says('decode: ids[0] is -1: give token ids, integers ≥ 0 (an id past the vocabulary of 32000 is written as nothing)'));
    assert.throws(() => t.decode([2, 1.5]), says('decode: ids[1] is 1.5: give token ids, integers ≥ 0 (an id past the vocabulary of 32000 is written as nothing)'));
    // a text or one id given where the list goes: "ids is not iterable", or 'a' named as ids[0]
    assert.throws(() => t.decode('ab' as unknown as number[]), says('decode: ids is "ab": give a list of token ids'));
    assert.throws(() => t.decode(5 as unknown as number[]), says('decode: ids is 5: give a list of token ids'));
    assert.throws(() => t.decode(undefined as unknown as number[]), says('decode: ids is missing: give a list of token ids'));
    assert.throws(() => t.decode(new DataView(new ArrayBuffer(4)) as unknown as number[]), says('decode: ids is an object: give a list of token ids'));
  }
});

test('encode given no text is one UserError naming the function and the argument (was a TypeError)', () => {
  for (const engine of ['fast', 'huggingface'] as const) {
    const t = bundled(engine);
    assert.throws(() => t.encode(5 as unknown as string), (e: unknown) => isUserError(e) && e.message === 'encode: text is 5: give a string', engine);
    assert.throws(() => t.encode(['a'] as unknown as string), (e: unknown) => isUserError(e) && e.message === 'encode: text is an array: give a string', engine);
  }
});

test('bos/eos/pad come from tokenizer_config.json (string or {content} form); pad is null for Mistral', () => {
  const json = bundledTokenizerJson();
  (json['added_tokens'] as object[]).push({ id: 32000, content: '<pad>', special: true, normalized: false, lstrip: false, rstrip: false, single_word: false });
  const dir = tempFolder({
    'tokenizer.json': json,
    'tokenizer_config.json': { ...bundledConfigJson(), pad_token: { content: '<pad>', lstrip: false }, eos_token: '<s>', additional_special_tokens: ['</s>'] },
  });
  const t = quietly(() => loadTokenizer(dir));
  assert.deepEqual([t.bosId, t.eosId, t.padId], [1, 1, 32000]);
  assert.equal(t.decode([5, 32000, 2]), '\u0002'); // <0x02> is byte 2; <pad> and the additional special </s> are dropped
  assert.equal(bundled('fast').padId, null);
});

test('without tokenizer_config.json: <s> and </s> are BOS and EOS when present, the default template is used', () => {
  const dir = tempFolder({ 'tokenizer.json': bundledTokenizerJson() });
  const t = quietly(() => loadTokenizer(dir));
  assert.deepEqual([t.bosId, t.eosId, t.padId], [1, 2, null]);
  assert.equal(t.applyChatTemplate([{ role: 'user', content: 'x' }]), '<s>[INST] x [/INST]');
  assert.equal(t.decode(t.encode('Hello , world .')), 'Hello , world .'); // no clean-up of spaces by default
});

test('for the bundled tokenizer, encode(x + " " + y) = encode(x) ++ encode(y) when x ends in a non-space', () => {
  // This is what lets the data pipeline find an assistant answer's tokens in a rendered chat: with the
  // default template "... [/INST] answer</s>", the answer's tokens are exactly encode(answer).
  const t = bundled('fast');
  const xs = variedStrings(300, 31).filter((s) => /\S$/.test(s) && !/▁$|<s>|<\/s>|<unk>/.test(s));
  // (a y that starts with a space is one "▁" short alone: it gets no prefix of its own, as transformers 5 loads it)
  const ys = variedStrings(300, 32).filter((s) => s.length > 0 && !s.startsWith(' ') && !/<s>|<\/s>|<unk>/.test(s));
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const x = xs[i]!, y = ys[i]!;
    assert.deepEqual(t.encode(`${x} ${y}`), [...t.encode(x), ...t.encode(y)], JSON.stringify([x, y]));
  }
  // (an answer that starts with spaces is found by the chat's common prefixes instead: data/tokenize.ts)
  const chat = t.encode(t.applyChatTemplate([{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'Then 42.\n' }]));
  const answer = t.encode('Then 42.\n');
  assert.deepEqual(chat.slice(-answer.length - 1), [...answer, t.eosId]);
});
