// A tokenizer.json whose own regular expression backtracks without end (a Split pre-tokenizer's `(a|aa)+$`, a Replace
// normalizer's) stops an encode with one UserError naming the file and the pattern, instead of hanging the command;
// a Replace decoder's stops a decode so; a tokenizer with such patterns that behave (Tekken's) encodes as it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { HfEngine } from '../../src/tokenizer/hf-engine.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { readFolderTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { DECODE_STEPS, needsBound, regexSites, UNBOUNDED_PUBLISHED_CHARS } from '../../src/tokenizer/regex-bound.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempFolder } from './helpers.ts';

const TEKKEN = path.join(import.meta.dirname, '..', 'fixtures', 'tekken-tiny');
const BACKTRACKS = '(a|aa)+$';
// 'a' × 34 then 'b': (a|aa)+$ tries every way of writing 34 a's before it fails (Fibonacci(35), about 9e6 of them; each
// two more a's multiply it by 2.6): seconds unbounded on a 2-core VM, well past the tests' 0.3 s bound on any machine,
// yet short enough that the test fails, rather than hangs, without the bound
const HOSTILE = `${'a'.repeat(34)}b`;

/** The tekken-tiny tokenizer with `edit` applied to its tokenizer.json, as HfEngine runs it, encodes bounded by `ms`. */
function engine(edit: (json: Record<string, any>) => void, ms: number): { engine: HfEngine; file: string } {
  const json = JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer.json'), 'utf8')) as Record<string, any>;
  edit(json);
  const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8') });
  const file = path.join(dir, 'tokenizer.json');
  return { engine: new HfEngine(readTokenizerJson(file), readFolderTokenizerConfig(dir), file, () => ms), file };
}

function assertStops(e: HfEngine, file: string, where: string, run = (): unknown => e.encode(HOSTILE), doing = 'encoding a text of 35 characters'): void {
  const start = performance.now();
  assert.throws(run, (err: unknown) => {
    assert.ok(isUserError(err), `expected a UserError, got ${String(err)}`);
    const msg = (err as Error).message;
    assert.ok(msg.startsWith(`${file}: ${doing} took longer than 0.3 s`), msg);
    assert.ok(msg.includes(`${where} "${BACKTRACKS}"`), msg);
    assert.ok(!msg.includes('\n'), msg);
    return true;
  });
  assert.ok(performance.now() - start < 5000, 'stopped near its bound');
}

test('a Split pre-tokenizer regex that backtracks without end: one line naming the file and the pattern, within the bound', () => {
  const { engine: e, file } = engine((j) => { j['pre_tokenizer'].pretokenizers[0].pattern.Regex = BACKTRACKS; }, 300);
  assertStops(e, file, 'pre_tokenizer.pretokenizers[0].pattern');
  // the engine is whole after the stop: a text the pattern matches at once encodes
  assert.ok(e.encode('hello').length > 0);
});

test("a Replace normalizer's regex is bounded too", () => {
  const { engine: e, file } = engine((j) => { j['normalizer'] = { type: 'Replace', pattern: { Regex: BACKTRACKS }, content: 'x' }; }, 300);
  assertStops(e, file, 'normalizer.pattern');
});

test("a Replace decoder's regex: a decode stops with one line naming the file and the decoder, within the bound", () => {
  // after ByteLevel, which joins the tokens: the pattern runs over the whole text (the same after a Fuse)
  const decoder = { type: 'Sequence', decoders: [{ type: 'ByteLevel' }, { type: 'Replace', pattern: { Regex: BACKTRACKS }, content: 'x' }] };
  const { engine: e, file } = engine((j) => { j['decoder'] = decoder; }, 300);
  const ids = e.encode(HOSTILE); // Tekken's own pre-tokenizer regex: encoded unbounded, as before
  assert.ok(ids.length > 1 && ids.length < 35);
  assertStops(e, file, 'decoder.decoders[1].pattern', () => e.decode(ids, null), `decoding ${ids.length} tokens (35 characters)`);
  // whole after the stop: tokens the pattern rejects at once decode, those it matches as it says
  assert.equal(e.decode(e.encode('hello b'), null), 'hello b');
  assert.equal(e.decode(e.encode('baaa'), null), 'bx');
});

test("Tekken's own regex, bounded (a text past the unbounded length): the ids @huggingface/tokenizers gives unbounded", () => {
  const text = 'Hello World, 12 apples   and\n\nnew   lines. '.repeat(Math.ceil(UNBOUNDED_PUBLISHED_CHARS / 40));
  assert.ok(text.length > UNBOUNDED_PUBLISHED_CHARS);
  const { engine: bounded } = engine(() => {}, 5000);
  const read = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(TEKKEN, name), 'utf8'));
  const library = new Tokenizer(read('tokenizer.json') as object, read('tokenizer_config.json') as object);
  assert.deepEqual(bounded.encode(text), library.encode(text, { add_special_tokens: false }).ids);
});

test("Tekken's published pattern on a text past the unbounded length: bounded (its quadratic run of whitespace stops, not hangs)", () => {
  const { engine: e, file } = engine(() => {}, 100);
  // 'x', 30,000 spaces, 'y': \s+(?!\S) backtracks over the run from each of its places, ~1 s unbounded on a 2-core VM
  const text = `x${' '.repeat(30_000)}y`;
  assert.throws(() => e.encode(text), (err: unknown) => isUserError(err) && (err as Error).message.startsWith(`${file}: encoding a text of 30,002 characters took longer than 0.1 s`));
});

test('needsBound: an unknown pattern always; published ones (Tekken\'s) past the unbounded length only; no pattern never', () => {
  const tekken = regexSites(readTokenizerJson(path.join(TEKKEN, 'tokenizer.json')).raw);
  assert.equal(tekken.length, 1);
  assert.equal(needsBound(tekken, UNBOUNDED_PUBLISHED_CHARS), false);
  assert.equal(needsBound(tekken, UNBOUNDED_PUBLISHED_CHARS + 1), true);
  assert.equal(needsBound([...tekken, { where: 'normalizer.pattern', pattern: BACKTRACKS }], 1), true);
  assert.equal(needsBound([], 10 * UNBOUNDED_PUBLISHED_CHARS), false);
});

test('regexSites: the Regex patterns of the normalizer and pre-tokenizer, where they are; String patterns and the decoder are not', () => {
  assert.deepEqual(regexSites({
    normalizer: { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { String: ' ' }, content: '▁' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] },
    pre_tokenizer: { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'Isolated', invert: false },
    decoder: { type: 'Replace', pattern: { Regex: 'x+' }, content: 'x' },
  }), [
    { where: 'normalizer.normalizers[1].pattern', pattern: ' {2,}' },
    { where: 'pre_tokenizer.pattern', pattern: '\\s+' },
  ]);
  assert.deepEqual(regexSites({ normalizer: null, pre_tokenizer: null }), []);
  assert.deepEqual(regexSites({
    pre_tokenizer: { type: 'Split', pattern: { Regex: '\\s+' }, behavior: 'Isolated', invert: false },
    decoder: { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'Replace', pattern: { Regex: 'x+' }, content: 'x' }] },
  }, DECODE_STEPS), [{ where: 'decoder.decoders[1].pattern', pattern: 'x+' }]);
});
