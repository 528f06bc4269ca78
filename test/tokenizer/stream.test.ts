// The text generate streams: every token's text written once, in order, and all of it by the end — also where
// decoding a later token changes the text before it (clean_up_tokenization_spaces: " ." → ".").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { createTextStream } from '../../src/tokenizer/stream.ts';
import type { Tokenizer } from '../../src/tokenizer/types.ts';
import { tempDir } from '../temp-dir.ts';

/** What the stream writes for `ids`, and what it had written after each push. */
function streamed(tok: Pick<Tokenizer, 'decode'>, ids: readonly number[]): { text: string; steps: string[] } {
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

test('half a character (a byte-fallback sequence) is held until complete; a decode that changes written text still loses nothing', () => {
  // a toy byte-level decoder: tokens 2, 3, 4 are the bytes of "€", which decode to U+FFFD until all three are there
  const bytes: Record<number, number> = { 2: 0xe2, 3: 0x82, 4: 0xac };
  const decode = (ids: readonly number[]): string => Buffer.from(ids.map((id) => bytes[id]!)).toString('utf8');
  const euro = streamed({ decode }, [2, 3, 4]);
  assert.deepEqual(euro.steps, ['', '', '€']);
  assert.equal(euro.text, '€');
  // a decoder whose second token rewrites the first ("ab" then "Xbc"): written text cannot be taken back, the rest follows it
  const rewriting = (ids: readonly number[]): string => ['', 'ab', 'Xbc'][ids.length]!;
  assert.equal(streamed({ decode: rewriting }, [7, 8]).text, 'abXbc');
});
