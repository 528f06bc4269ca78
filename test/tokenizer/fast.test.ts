// The fast engine against @huggingface/tokenizers: identical ids and decoding on the bundled tokenizer
// (1,000 varied strings, a generated corpus, long unbroken runs that take the heap path), on tokenizer.json
// variants it also implements (Metaspace pre-tokenizer, no byte fallback with fuse_unk, lstrip/rstrip
// added tokens), and the fallback to @huggingface/tokenizers for features it does not implement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { corpus, variedStrings } from './corpus.ts';
import { asWrittenConfigJson, bundled, bundledTokenizerJson, captureStderr, quietly, tempFolder } from './helpers.ts';

function assertSameEngines(folder: string | undefined, strings: readonly string[], label: string): void {
  const fast = quietly(() => loadTokenizer(folder, { engine: 'fast' }));
  const hf = quietly(() => loadTokenizer(folder, { engine: 'huggingface' }));
  assert.equal(fast.engineName, 'fast');
  assert.equal(hf.engineName, 'huggingface');
  for (const s of strings) {
    const ids = fast.encode(s);
    assert.deepEqual(ids, hf.encode(s), `${label}: ids differ for ${JSON.stringify(s)}`);
    assert.equal(fast.decode(ids), hf.decode(ids), `${label}: decoding differs for ${JSON.stringify(s)}`);
    assert.equal(fast.decode(ids, { skipSpecialTokens: false }), hf.decode(ids, { skipSpecialTokens: false }), `${label}: decoding (with special tokens) differs for ${JSON.stringify(s)}`);
  }
}

const STRINGS = variedStrings(1000, 3);
const WITH_SPECIAL = ['<s>', '</s>', '<unk>', 'a<s>b', ' </s> ', '<s><s></s>', 'x</s>\n<s>[INST] y', '<<s>>', '</s', '<unk>😀<unk>'];
const LONG = [
  'a'.repeat(5000),
  ' '.repeat(3000),
  '='.repeat(1000) + '\n' + '-'.repeat(999),
  'ab'.repeat(2500),
  Array.from({ length: 3000 }, (_, i) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[(i * 7919) % 64]).join(''),
  '😀'.repeat(500),
  '한'.repeat(700),
];

test('fast engine = @huggingface/tokenizers on 1,000 varied strings, special-token text and long runs', () => {
  assertSameEngines(undefined, [...STRINGS, ...WITH_SPECIAL, ...LONG], 'bundled');
});

test('fast engine = @huggingface/tokenizers on a generated 300 KB corpus', () => {
  const fast = bundled('fast'), hf = bundled('huggingface');
  const docs = corpus(300_000, 5);
  let n = 0;
  for (const d of docs) {
    const ids = fast.encode(d);
    assert.deepEqual(ids, hf.encode(d));
    n += ids.length;
  }
  assert.ok(n > 50_000, `${n} tokens`);
});

test('the fast engine is what loadTokenizer picks for the bundled tokenizer', () => {
  const t = quietly(() => loadTokenizer());
  assert.equal(t.engineName, 'fast');
});

test('Metaspace variant (normalizer null, pre-tokenizer Metaspace, prepend_scheme "first"): fast path, same ids', () => {
  const json = bundledTokenizerJson();
  json['normalizer'] = null;
  json['pre_tokenizer'] = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  json['decoder'] = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': asWrittenConfigJson() });
  assertSameEngines(dir, [...STRINGS.slice(0, 400), ...WITH_SPECIAL], 'metaspace');
  const t = quietly(() => loadTokenizer(dir));
  assert.equal(t.engineName, 'fast');
  // "first": only the first section gets the prefix "▁".
  assert.notDeepEqual(t.encode('<s>hi').slice(1), t.encode('hi'));
});

test('Metaspace split true (the default where the key is absent): each "▁" starts a word BPE merges apart, as transformers 5.17 / tokenizers (Python) give', () => {
  // @huggingface/tokenizers (JavaScript) merges across the words ("▁▁" 259 for two spaces), as the fast engine did: the
  // ids below are Python's (AutoTokenizer on this tokenizer.json), split false giving the merged ones
  const run = (split: boolean | undefined): number[][] => {
    const json = bundledTokenizerJson();
    json['normalizer'] = null;
    json['pre_tokenizer'] = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', ...(split === undefined ? {} : { split }) };
    json['decoder'] = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: split ?? true };
    const t = quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': asWrittenConfigJson() })));
    assert.equal(t.engineName, 'fast');
    return ['Hello   world  foo', 'x  ', 'def f():\n    return  1', 'a b c'].map((s) => t.encode(s).filter((id) => id !== 1));
  };
  const python = [[22557, 28705, 28705, 1526, 28705, 19222], [1318, 28705, 28705], [801, 285, 5888, 13, 28705, 28705, 28705, 604, 28705, 28705, 28740], [264, 287, 277]];
  assert.deepEqual(run(true), python);
  assert.deepEqual(run(undefined), python);
  assert.deepEqual(run(false), [[22557, 259, 1526, 28705, 19222], [1318, 259], [801, 285, 5888, 13, 2287, 604, 259, 28740], [264, 287, 277]]);
});

test('no byte fallback, fuse_unk, lstrip/rstrip added tokens: fast path, same ids', () => {
  const json = bundledTokenizerJson();
  const model = json['model'] as Record<string, unknown>;
  model['byte_fallback'] = false;
  model['fuse_unk'] = true;
  const added = json['added_tokens'] as Record<string, unknown>[];
  added.push({ id: 32000, content: '[INST]', single_word: false, lstrip: true, rstrip: true, normalized: false, special: true });
  added.push({ id: 32001, content: '<|im_end|>', single_word: false, lstrip: false, rstrip: true, normalized: false, special: false });
  const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': asWrittenConfigJson() });
  const extra = ['  [INST]  hello  [INST]', 'a<|im_end|>  b', '한국어 😀😀 text', '\n\n\t', '[INST][INST]', 'x [INST]\n'];
  assertSameEngines(dir, [...STRINGS.slice(0, 400), ...WITH_SPECIAL, ...extra], 'no-byte-fallback');
  const t = quietly(() => loadTokenizer(dir));
  assert.equal(t.engineName, 'fast');
  assert.equal(t.vocabSize, 32002);
  // Unknown characters become one <unk> per run (fuse_unk), not byte tokens.
  assert.deepEqual(t.encode('\n\n\n'), [t.tokenToId('▁'), 0]);
});

test('unsupported features fall back to @huggingface/tokenizers, say so, and give its ids', () => {
  const json = bundledTokenizerJson();
  json['normalizer'] = {
    type: 'Sequence',
    normalizers: [{ type: 'NFKC' }, { type: 'Prepend', prepend: '▁' }, { type: 'Replace', pattern: { String: ' ' }, content: '▁' }],
  };
  const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': asWrittenConfigJson() });
  const { result: t, stderr } = captureStderr(() => loadTokenizer(dir));
  assert.equal(t.engineName, 'huggingface');
  assert.match(stderr, /normalizer NFKC/);
  assert.match(stderr, /using @huggingface\/tokenizers/);
  // NFKC folds the full-width letters; the bundled tokenizer (no NFKC) does not.
  assert.deepEqual(t.encode('ｆｕｌｌ'), bundled('fast').encode('full'));
  assert.throws(() => quietly(() => loadTokenizer(dir, { engine: 'fast' })), /fast tokenizer cannot run .*normalizer NFKC/);
});

test('a pre-tokenizer the fast path lacks (ByteLevel) falls back too', () => {
  const json = bundledTokenizerJson();
  json['pre_tokenizer'] = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const dir = tempFolder({ 'tokenizer.json': json });
  const { result: t } = captureStderr(() => loadTokenizer(dir));
  assert.equal(t.engineName, 'huggingface');
});

test('a Prepend normalizer puts nothing before a text a Replace emptied, as transformers 5.17 / tokenizers give', () => {
  // Replace("x", "") then the legacy Prepend("▁"): "x" normalizes to "", which HF leaves empty (no "▁" 28705); the ids
  // are Python's (AutoTokenizer on this tokenizer.json)
  const json = bundledTokenizerJson();
  json['normalizer'] = { type: 'Sequence', normalizers: [{ type: 'Replace', pattern: { String: 'x' }, content: '' }, { type: 'Prepend', prepend: '▁' },
    { type: 'Replace', pattern: { String: ' ' }, content: '▁' }] };
  const t = quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': asWrittenConfigJson() })));
  assert.equal(t.engineName, 'fast');
  assert.deepEqual(['x', 'xx', 'x</s>x', 'xa</s>x', ' x'].map((s) => t.encode(s)), [[], [], [2], [264, 2], [259]]);
});
