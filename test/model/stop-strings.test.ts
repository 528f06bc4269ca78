// stop_strings: after each token of each case, whether generation stops equals transformers 5.17's StopStringCriteria
// (test/fixtures/hf-stop-strings/stop-strings.json, make_stop_strings.py there), for a byte-fallback tokenizer (the
// bundled Mistral 7B v0.1) and a byte-level one (tekken-tiny): across tokens, with text after it in the last token,
// split into byte tokens; generate() keeps the token that completes one and stops there, not at one only in the prompt.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test, testBackend } from '../backend/device.ts';
import { generate } from '../../src/model/generate.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { StopStrings, stopStringMode, tokenizerStopStringMode } from '../../src/model/stop-strings.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import type { Tokenizer } from '../../src/tokenizer/types.ts';
import { FIXTURES, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

interface Case { tokenizer: string; text: string; ids: number[]; steps: { any: boolean; each: string[] }[] }
const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'hf-stop-strings', 'stop-strings.json'), 'utf8')) as { stop_strings: string[]; cases: Case[] };
const tokenizers: Record<string, Tokenizer> = {
  'mistral-7b-v0.1': loadTokenizer(BUNDLED_TOKENIZER_DIR),
  'tekken-tiny': loadTokenizer(path.join(FIXTURES, 'tekken-tiny')),
};

test('stop strings match after the same tokens as transformers\' StopStringCriteria (byte-fallback and byte-level tokenizers, each string alone and all)', () => {
  assert.equal(ref.cases.length, 28);
  let stops = 0;
  for (const [name, tok] of Object.entries(tokenizers)) {
    const mode = tokenizerStopStringMode(tok);
    assert.equal(mode, name === 'tekken-tiny' ? 'byte_level' : 'byte_fallback');
    const all = new StopStrings(tok, ref.stop_strings, mode);
    const each = ref.stop_strings.map((s) => new StopStrings(tok, [s], mode));
    for (const c of ref.cases.filter((x) => x.tokenizer === name)) {
      assert.deepEqual(tok.encode(c.text), c.ids, `${name}: ${JSON.stringify(c.text)} encodes as in HF`);
      c.steps.forEach((step, i) => {
        const seq = c.ids.slice(0, i + 1);
        assert.equal(all.matches(seq), step.any, `${name}: ${JSON.stringify(c.text)} after ${i + 1} tokens`);
        assert.deepEqual(ref.stop_strings.filter((_, k) => each[k]!.matches(seq)), step.each, `${name}: ${JSON.stringify(c.text)} after ${i + 1} tokens, each`);
        if (step.any) stops++;
      });
    }
  }
  assert.ok(stops >= 20, `${stops} steps stop`);
  assert.equal(stopStringMode({ type: 'Sequence', decoders: [{ type: 'Replace' }, { type: 'ByteFallback' }] }), 'byte_fallback');
  assert.equal(stopStringMode({ type: 'Metaspace' }), null);
});

test('generate() stops after the token that completes a stop string, keeping it; one only in the prompt does not stop it', () => {
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  // the tiny model's 512 ids are the first 512 of the bundled tokenizer: its greedy text, and a stop string made of it
  const tok = tokenizers['mistral-7b-v0.1']!;
  const prompt = [1, 496, 430, 186, 81, 236];
  const plain = generate(model, prompt, { maxNewTokens: 12, eosIds: [] });
  // the last character of the first new token and the first of the second (both pieces of text, no byte tokens): the
  // second completes it (or the first already, where its text holds it)
  const piece = (id: number): string => tok.idToToken!(id)!.replaceAll('\u2581', ' ');
  assert.ok(!/^<0x/.test(piece(plain[0]!)) && !/^<0x/.test(piece(plain[1]!)));
  const stopString = piece(plain[0]!).slice(-1) + piece(plain[1]!).slice(0, 1);
  const early = plain.slice(0, 4).findIndex((_, i) => new StopStrings(tok, [stopString], 'byte_fallback').matches([...prompt, ...plain.slice(0, i + 1)]));
  const stopped = generate(model, prompt, { maxNewTokens: 12, eosIds: [], stopStrings: [stopString], tokenizer: tok });
  assert.deepEqual(stopped, plain.slice(0, early + 1));
  assert.ok(early >= 0 && early <= 1, `${early}`);
  // a stop string only in the prompt's text: generation runs to maxNewTokens
  const inPrompt = tok.decode(prompt.slice(0, 3));
  assert.equal(inPrompt, 'ff pro');
  assert.deepEqual(generate(model, prompt, { maxNewTokens: 12, eosIds: [], stopStrings: [inPrompt], tokenizer: tok }), plain);
  assert.throws(() => generate(model, prompt, { maxNewTokens: 2, stopStrings: ['x'] }), { name: 'UserError', message: /options\.stopStrings needs options\.tokenizer/ });
  assert.throws(() => generate(model, prompt, { maxNewTokens: 2, stopStrings: [''], tokenizer: tok }), { name: 'UserError', message: /stopStrings is \[""\]: give a non-empty list of non-empty strings/ });
  // a long list: cut, its first bad string named by its place (it was echoed whole)
  const long = [...Array.from({ length: 10000 }, () => 'User:'), ''];
  assert.throws(() => generate(model, prompt, { maxNewTokens: 2, stopStrings: long, tokenizer: tok }), (e: Error) =>
    e.name === 'UserError' && e.message.length < 400 && /stopStrings is \["User:",.*,…\] \(10001 items\), whose item 10000 is "": give/.test(e.message));
});

test("the matching mode is the loaded tokenizer's decoder's, as transformers loads it: no tokenizer.json read again per generate()", () => {
  // tekken-tiny (a ByteLevel decoder) named LlamaTokenizer, no config.json: AutoTokenizer takes that class, whose own
  // decoder has ByteFallback, so StopStringCriteria matches as byte_fallback (transformers 5.17, checked by hand), not
  // as the file's ByteLevel
  const dir = tempDir('mt-stop-llama-');
  fs.copyFileSync(path.join(FIXTURES, 'tekken-tiny', 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  const config = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tekken-tiny', 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, tokenizer_class: 'LlamaTokenizer' }));
  const tok = loadTokenizer(dir);
  // the file gone after loading: the mode, and generate() with stop strings, need nothing more from it (a 131k
  // vocabulary's tokenizer.json took seconds to parse again at each call)
  fs.rmSync(path.join(dir, 'tokenizer.json'));
  assert.equal(tokenizerStopStringMode(tok), 'byte_fallback');
  const model = loadModel(TINY_BASE, { backend: testBackend() });
  assert.equal(generate(model, [1, 496, 430], { maxNewTokens: 2, eosIds: [], stopStrings: ['zzz'], tokenizer: tok }).length, 2);
});

test('300,000 stop strings (a generation_config.json\'s stop_strings) are taken, the longest one\'s length the window, not a stack overflow', () => {
  // Math.max(...lengths) overflowed the call stack past ~125k strings: a RangeError with a stack trace from generate
  const tok = tokenizers['mistral-7b-v0.1']!;
  const strings = [...Array.from({ length: 300_000 }, () => 'zz'), 'Answer: done'];
  const stops = new StopStrings(tok, strings, tokenizerStopStringMode(tok));
  assert.equal(stops.matches(tok.encode('The Answer: done')), true);
  assert.equal(stops.matches(tok.encode('The Answer: don')), false);
});
