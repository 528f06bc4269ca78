// The bundled Mistral 7B v0.1 tokenizer: @huggingface/tokenizers loads the generated tokenizer.json and
// agrees with mistral-tokenizer-js (the package it was built from) on 1,200 varied strings, ids and
// decoding; it reproduces ids published for mistralai/Mistral-7B-Instruct-v0.1; the assets are what
// the build script produces.
//
// Convention compared: mistral-tokenizer-js's encode(text, addBos=false, addPrecedingSpace=true) and
// decode(ids, addBos=false, addPrecedingSpace=true) against HF encode(text, add_special_tokens=false)
// and decode. Its "preceding space" is the "▁" that the HF normalizer prepends to every text. Strings
// that contain "<s>", "</s>" or "<unk>" are left out of this comparison: HF (and we) read them as special
// tokens, mistral-tokenizer-js as plain text (special tokens have their own tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from 'mistral-tokenizer-js';
import { variedStrings, KINDS } from './corpus.ts';
import { bundled, bundledAsWritten } from './helpers.ts';
import { nodeArgsFor } from '../node-args.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SPECIAL_TEXT = /<s>|<\/s>|<unk>/;


test('@huggingface/tokenizers on the bundled tokenizer.json agrees with mistral-tokenizer-js on 1,200 varied strings', () => {
  const hf = bundledAsWritten('huggingface'); // the file's own pipeline: SentencePiece's ids
  const strings = variedStrings(1200, 11).filter((s) => !SPECIAL_TEXT.test(s));
  assert.ok(strings.length >= 1100, `only ${strings.length} strings left after filtering`);
  // Every kind is represented, and the required cases are among them.
  assert.ok(strings.includes(''), 'the empty string');
  assert.ok(strings.some((s) => /[\uac00-\ud7a3]/.test(s)), 'Korean');
  assert.ok(strings.some((s) => /[\u4e00-\u9fff]/.test(s)), 'Chinese');
  assert.ok(strings.some((s) => /\p{Extended_Pictographic}/u.test(s)), 'emoji');
  assert.ok(strings.some((s) => / {4,}/.test(s) && /\n\n/.test(s)), 'runs of spaces and newlines');
  assert.ok(strings.some((s) => /^\s/.test(s) && /\s$/.test(s)), 'leading and trailing whitespace');
  assert.ok(strings.some((s) => s.includes('function ')), 'code');
  let tokens = 0;
  for (const s of strings) {
    const ours = hf.encode(s);
    const theirs = js.encode(s, false, true) ?? [];
    assert.deepEqual(ours, theirs, `ids differ for ${JSON.stringify(s)}`);
    tokens += ours.length;
    if (ours.length > 0) assert.equal(hf.decode(ours), js.decode(ours, false, true), `decoding differs for ${JSON.stringify(s)}`);
  }
  assert.ok(tokens > 20_000, `${tokens} tokens compared`);
  assert.equal(KINDS, 20);
});

test('published ids: the @huggingface/jinja README chat for mistralai/Mistral-7B-Instruct-v0.1', () => {
  // From node_modules/@huggingface/jinja/README.md (transformers.js apply_chat_template, tokenize: true,
  // on the Hub's mistralai/Mistral-7B-Instruct-v0.1 tokenizer, which is Mistral 7B v0.1's).
  const text =
    "<s>[INST] Hello, how are you? [/INST]I'm doing great. How can I help you today?</s> [INST] I'd like to show off how chat templating works! [/INST]";
  const expected = [
    1, 733, 16289, 28793, 22557, 28725, 910, 460, 368, 28804, 733, 28748, 16289, 28793, 28737, 28742, 28719, 2548, 1598, 28723, 1602, 541, 315, 1316, 368,
    3154, 28804, 2, 28705, 733, 16289, 28793, 315, 28742, 28715, 737, 298, 1347, 805, 910, 10706, 5752, 1077, 3791, 28808, 733, 28748, 16289, 28793,
  ];
  assert.deepEqual(bundledAsWritten('huggingface').encode(text), expected);
  assert.deepEqual(bundledAsWritten('fast').encode(text), expected);
  // as transformers 5.17 loads it (LlamaTokenizer, "legacy": true: a Metaspace "▁" only before a text that does not
  // start with one), the " [INST]" after </s> is "▁[" alone, without the lone "▁" (28705) before it — as
  // mistral-common encodes it; AutoTokenizer.from_pretrained(assets/tokenizer/mistral-7b-v0.1) gives these ids
  const transformers5 = expected.filter((id, i) => !(id === 28705 && expected[i - 1] === 2));
  assert.equal(transformers5.length, expected.length - 1);
  assert.deepEqual(bundled('huggingface').encode(text), transformers5);
  assert.deepEqual(bundled('fast').encode(text), transformers5);
});

test('mistral-tokenizer-js\'s own test cases', () => {
  // Its runTests() cases (with BOS and the preceding space), which pin merge order and byte fallback.
  const cases: [string, number[]][] = [
    ['grabbed', [1, 13300]],
    [' grabbed', [1, 28705, 13300]],
    ['           grabbed', [1, 17422, 13300]],
    ['\n', [1, 28705, 13]],
    [' \n', [1, 259, 13]],
    ['\ttabs\t\t\t\tout here', [1, 28705, 12, 24856, 12, 12, 12, 12, 406, 1236]],
    ['ax\n####\nboo', [1, 6056, 13, 2000, 13, 1798, 28709]],
    ['镇', [1, 28705, 29780]],
  ];
  for (const engine of ['huggingface', 'fast'] as const) {
    const t = bundledAsWritten(engine); // SentencePiece's ids: the tokenizer.json's own Prepend normalizer
    for (const [text, ids] of cases) {
      assert.deepEqual([t.bosId, ...t.encode(text)], ids, `${engine}: ${JSON.stringify(text)}`);
      assert.equal(t.decode(ids), text);
    }
  }
});

test('vocabulary facts: 32,000 ids, <unk>/<s>/</s> at 0/1/2, byte pieces at 3..258, no pad token', () => {
  const t = bundled('fast');
  assert.equal(t.vocabSize, 32000);
  assert.deepEqual([t.tokenToId('<unk>'), t.bosId, t.eosId, t.padId, t.unkId], [0, 1, 2, null, 0]);
  assert.equal(t.tokenToId('<0x00>'), 3);
  assert.equal(t.tokenToId('<0x0A>'), 13);
  assert.equal(t.tokenToId('<0xFF>'), 258);
  assert.equal(t.tokenToId('▁'), 28705);
  assert.equal(t.idToToken(28705), '▁');
  assert.equal(t.tokenToId('no such token'), null);
});

test('the committed assets are what scripts/build-mistral-tokenizer.ts produces', () => {
  const r = spawnSync(process.execPath, [...nodeArgsFor(path.join(ROOT, 'scripts', 'build-mistral-tokenizer.ts')), '--check'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /up to date/);
});
