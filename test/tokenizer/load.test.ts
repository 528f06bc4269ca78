// loadTokenizer: the bundled default (no folder, or a model folder without tokenizer.json, said on stderr),
// a folder or tokenizer.json path, and UserErrors that name the file (and key or line) for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/index.ts';
import { isUserError } from '../../src/util/errors.ts';
import { bundledTokenizerJson, captureStderr, tempFolder } from './helpers.ts';
import { literal } from '../helpers.ts';

function assertUserError(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

test('no folder: the bundled Mistral 7B v0.1 tokenizer, and a log line that says so', () => {
  const { result: t, stderr } = captureStderr(() => loadTokenizer());
  assert.match(stderr, /bundled Mistral 7B v0\.1 tokenizer/);
  assert.equal(t.file, path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'));
  assert.equal(t.vocabSize, 32000);
});

test('a model folder without tokenizer.json: the bundled tokenizer, plus a warning when config.json disagrees on vocab_size', () => {
  const model = tempFolder({ 'config.json': { model_type: 'mistral', vocab_size: 512 }, 'model.safetensors': '' });
  const { result: t, stderr } = captureStderr(() => loadTokenizer(model));
  assert.equal(t.vocabSize, 32000);
  assert.match(stderr, /has no tokenizer\.json; using the bundled Mistral 7B v0\.1 tokenizer/);
  assert.match(stderr, /warning: .*config\.json: vocab_size is 512, but the bundled tokenizer has 32000 tokens/);
  const plain = tempFolder({ 'config.json': { vocab_size: 32000 } });
  const quiet = captureStderr(() => loadTokenizer(plain));
  assert.doesNotMatch(quiet.stderr, /warning/);
});

test('a folder with tokenizer.json, or the path of the tokenizer.json itself', () => {
  const dir = tempFolder({ 'tokenizer.json': bundledTokenizerJson() });
  const a = captureStderr(() => loadTokenizer(dir));
  const b = captureStderr(() => loadTokenizer(path.join(dir, 'tokenizer.json')));
  assert.equal(a.result.file, path.join(dir, 'tokenizer.json'));
  assert.equal(b.result.file, path.join(dir, 'tokenizer.json'));
  assert.doesNotMatch(a.stderr, /bundled/);
  assert.deepEqual(a.result.encode('Hello'), [22557]);
});

test('missing folder or a file that is not tokenizer.json', () => {
  assertUserError(() => loadTokenizer('/no/such/folder'), /^\/no\/such\/folder: tokenizer folder not found/);
  const dir = tempFolder({ 'vocab.txt': 'x' });
  assertUserError(() => loadTokenizer(path.join(dir, 'vocab.txt')), /vocab\.txt: expected a folder holding tokenizer\.json/);
});

test('a FIFO given as the tokenizer: a UserError naming it, not an ENOTDIR stack trace from looking for FIFO/tokenizer.json', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
  const fifo = path.join(tempFolder({}), 'pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  assertUserError(() => loadTokenizer(fifo), new RegExp(`^${literal(fifo)}: is a FIFO \\(named pipe\\), not a tokenizer folder or tokenizer\\.json`));
});

test('invalid tokenizer.json: a UserError naming the file (and line:column, or key)', () => {
  const bad = tempFolder({ 'tokenizer.json': '{\n  "model": {\n    "type": "BPE",\n  }\n}\n' });
  assertUserError(() => loadTokenizer(bad), new RegExp(`^${literal(path.join(bad, 'tokenizer.json'))}:4:\\d+: invalid JSON`));
  const noModel = tempFolder({ 'tokenizer.json': { version: '1.0' } });
  assertUserError(() => loadTokenizer(noModel), /tokenizer\.json: model: missing or invalid "model"/);
  const notObject = tempFolder({ 'tokenizer.json': '[1, 2]' });
  assertUserError(() => loadTokenizer(notObject), /tokenizer\.json: expected a JSON object/);
  const json = bundledTokenizerJson();
  json['added_tokens'] = [{ id: 'one', content: '<s>' }];
  const badAdded = tempFolder({ 'tokenizer.json': json });
  assertUserError(() => loadTokenizer(badAdded), /tokenizer\.json: added_tokens\[0\]: "id" must be a non-negative integer/);
  const badNorm = bundledTokenizerJson();
  badNorm['normalizer'] = { kind: 'oops' };
  assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': badNorm })), /tokenizer\.json: normalizer: the normalizer has no "type"/);
  const unknownDecoder = bundledTokenizerJson();
  unknownDecoder['decoder'] = { type: 'NoSuchDecoder' };
  assertUserError(
    () => captureStderr(() => loadTokenizer(tempFolder({ 'tokenizer.json': unknownDecoder }))).result,
    /tokenizer\.json: decoder\.type: "NoSuchDecoder" is not a decoder of HF tokenizers, which refuses to load it/,
  );
});

test('a step without "type" is refused in one line saying so, at its JSON path, on every engine (HF tokenizers 0.23 loads some: a Prepend normalizer of {"prepend": "▁"}, a TemplateProcessing; it was "null is not a pre_tokenizer of HF tokenizers")', () => {
  const untagged: Array<[string, unknown, string, string]> = [
    ['normalizer', { prepend: '▁' }, 'normalizer', 'normalizer'],
    ['normalizer', { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: '▁' }, { pattern: { String: ' ' }, content: '▁' }] }, 'normalizer.normalizers\\[1\\]', 'normalizer'],
    ['pre_tokenizer', { type: 'Sequence', pretokenizers: [{ individual_digits: true }] }, 'pre_tokenizer.pretokenizers\\[0\\]', 'pre_tokenizer'],
    ['decoder', { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { content: ' ', start: 1, stop: 0 }] }, 'decoder.decoders\\[1\\]', 'decoder'],
    ['post_processor', { single: [{ Sequence: { id: 'A', type_id: 0 } }], pair: [{ Sequence: { id: 'A', type_id: 0 } }], special_tokens: {} }, 'post_processor', 'post-processor'],
    ['post_processor', { type: 'Sequence', processors: [{ single: [{ Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: {} }] }, 'post_processor.processors\\[0\\]', 'post-processor'],
  ];
  for (const [key, step, at, what] of untagged) {
    const dir = tempFolder({ 'tokenizer.json': { ...bundledTokenizerJson(), [key]: step } });
    for (const engine of ['auto', 'huggingface', 'fast'] as const) {
      assertUserError(() => captureStderr(() => loadTokenizer(dir, { engine })).result,
        new RegExp(`^${literal(path.join(dir, 'tokenizer.json'))}: ${at}: the ${what} has no "type"[^\\n]*$`));
    }
  }
});

test('unreadable tokenizer.json (a folder in its place)', () => {
  const dir = tempFolder({});
  fs.mkdirSync(path.join(dir, 'tokenizer.json'));
  assertUserError(() => loadTokenizer(dir), /tokenizer\.json: is a directory, not a regular file/);
});

test('invalid tokenizer_config.json: a UserError naming the file and key', () => {
  const tj = bundledTokenizerJson();
  assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': '{"bos_token": ' })), /tokenizer_config\.json:1:\d+: invalid JSON/);
  assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': { bos_token: 5 } })), /tokenizer_config\.json: bos_token: expected a string/);
  assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': { eos_token: '<|eot|>' } })), /tokenizer_config\.json: eos_token: "<\|eot\|>" is not in the vocabulary/);
  assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': { chat_template: 7 } })), /tokenizer_config\.json: chat_template: expected a Jinja template string/);
  assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': { clean_up_tokenization_spaces: 'yes' } })), /clean_up_tokenization_spaces: expected true or false/);
  const force = 'clean_up_tokenization_spaces_for_bpe_even_though_it_will_corrupt_output';
  assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': { [force]: 'yes' } })), new RegExp(`tokenizer_config\\.json: ${force}: expected true or false`));
});

test('an extra special token not in the vocabulary is refused at the key the file has (extra_special_tokens, by index or name; additional_special_tokens)', () => {
  const tj = bundledTokenizerJson();
  const refused = (config: Record<string, unknown>, key: string) =>
    assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': config })), new RegExp(`tokenizer_config\\.json: ${literal(key)}: "<\\|img\\|>" is not in the vocabulary`));
  refused({ extra_special_tokens: ['<s>', '<|img|>'] }, 'extra_special_tokens[1]');
  refused({ extra_special_tokens: { bos_like: '<s>', image_token: '<|img|>' } }, 'extra_special_tokens.image_token');
  refused({ additional_special_tokens: ['</s>', '<|img|>'] }, 'additional_special_tokens[1]');
});

test('a null among the extra special tokens is refused at its key, as transformers 5.17 refuses the config (TypeError), not dropped', () => {
  const tj = bundledTokenizerJson();
  const refused = (config: Record<string, unknown>, key: string) =>
    assertUserError(() => loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': config })), new RegExp(`tokenizer_config\\.json: ${literal(key)}: .*null`));
  refused({ additional_special_tokens: [null, '<unk>'] }, 'additional_special_tokens[0]');
  refused({ extra_special_tokens: ['<s>', null] }, 'extra_special_tokens[1]');
  refused({ extra_special_tokens: { image_token: null, x: '<unk>' } }, 'extra_special_tokens.image_token');
  // transformers reads additional_special_tokens only where the config has no extra_special_tokens: loads
  const t = loadTokenizer(tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': { additional_special_tokens: [null], extra_special_tokens: ['<unk>'] } }));
  assert.equal(t.vocabSize, 32000);
});

test('a chat_template.jinja (or additional_chat_templates/default.jinja) that is not UTF-8 is refused at its line, as a JSON file is, not read with U+FFFD in the prompts', () => {
  const tj = bundledTokenizerJson();
  const latin1 = Buffer.concat([Buffer.from('{% for m in messages %}\n'), Buffer.from([0xab]), Buffer.from(' {{ m.content }}{% endfor %}')]);
  const jinja = tempFolder({ 'tokenizer.json': tj });
  fs.writeFileSync(path.join(jinja, 'chat_template.jinja'), latin1);
  assertUserError(() => loadTokenizer(jinja), new RegExp(`^${literal(path.join(jinja, 'chat_template.jinja'))}:2: invalid UTF-8 at byte 1 of line 2: `));
  const named = tempFolder({ 'tokenizer.json': tj });
  fs.mkdirSync(path.join(named, 'additional_chat_templates'));
  fs.writeFileSync(path.join(named, 'additional_chat_templates', 'default.jinja'), latin1);
  assertUserError(() => loadTokenizer(named), /additional_chat_templates\/default\.jinja:2: invalid UTF-8 at byte 1 of line 2: /);
});

test('tokenizer_config.json: an added_tokens_decoder key that is not a token id, or an entry without a string content, is refused naming the key', () => {
  // transformers refuses both (int(key), AddedToken(**entry)); before, they were ignored
  const tj = bundledTokenizerJson();
  const withDecoder = (decoder: unknown): string => tempFolder({ 'tokenizer.json': tj, 'tokenizer_config.json': { added_tokens_decoder: decoder } });
  const unk = { content: '<unk>', special: true };
  assertUserError(() => loadTokenizer(withDecoder({ 0: unk, unk })), /tokenizer_config\.json: added_tokens_decoder: the key "unk" is not a token id/);
  assertUserError(() => loadTokenizer(withDecoder({ '-1': unk })), /added_tokens_decoder: the key "-1" is not a token id/);
  assertUserError(() => loadTokenizer(withDecoder({ '1.0': unk })), /added_tokens_decoder: the key "1\.0" is not a token id/);
  assertUserError(() => loadTokenizer(withDecoder({ 1: { special: true } })), /tokenizer_config\.json: added_tokens_decoder\["1"\]: expected an object with a string "content", got \{"special":true\}/);
  assertUserError(() => loadTokenizer(withDecoder({ 2: '</s>' })), /added_tokens_decoder\["2"\]: expected an object with a string "content"/);
  assertUserError(() => loadTokenizer(withDecoder([unk])), /added_tokens_decoder: expected an object/);
  assert.equal(loadTokenizer(withDecoder({ 0: unk, ' 1': { content: '<s>' } })).vocabSize, 32000);
});

test('a tokenizer.json that is not BPE/Unigram, whose tokens share an id, or whose BPE switches are not booleans, is refused naming the file and key', () => {
  // before: these loaded, and text later failed as "contains the text of a special token" (<unk>, or the shared id)
  const wordPiece = bundledTokenizerJson();
  wordPiece['model'] = { type: 'WordPiece', vocab: (wordPiece['model'] as Record<string, unknown>)['vocab'], unk_token: '<unk>' };
  const wp = tempFolder({ 'tokenizer.json': wordPiece });
  assertUserError(() => captureStderr(() => loadTokenizer(wp)).result, new RegExp(`^${literal(path.join(wp, 'tokenizer.json'))}: model\\.type: "WordPiece" is not supported`));
  const shared = bundledTokenizerJson();
  ((shared['model'] as Record<string, unknown>)['vocab'] as Record<string, number>)['▁hello'] = 1;
  assertUserError(() => captureStderr(() => loadTokenizer(tempFolder({ 'tokenizer.json': shared }))).result, /tokenizer\.json: model\.vocab: "<s>" and "▁hello" both have id 1/);
  // an added token takes the id after the vocabulary's count of entries (as HF tokenizers gives it, whatever id is
  // written: test/fixtures/added-token-ids), which a vocabulary whose ids skip one gives another token
  const holed = bundledTokenizerJson();
  const vocab = (holed['model'] as Record<string, unknown>)['vocab'] as Record<string, number>;
  delete vocab['hello'];
  (holed['model'] as Record<string, unknown>)['merges'] = ((holed['model'] as Record<string, unknown>)['merges'] as Array<string | string[]>)
    .filter((m) => (typeof m === 'string' ? m.replace(' ', '') : m.join('')) !== 'hello');
  (holed['added_tokens'] as Array<Record<string, unknown>>).push({ id: 32000, content: '<|new|>', special: true });
  assertUserError(() => captureStderr(() => loadTokenizer(tempFolder({ 'tokenizer.json': holed }))).result,
    /tokenizer\.json: model\.vocab: HF tokenizers gives the added token "<\|new\|>" id 31999, the next after the vocabulary's 31999 entries, but "梦" has that id there/);
  // a switch of the BPE model that is not a boolean: @huggingface/tokenizers refuses it, we read "true" as off
  const fallback = bundledTokenizerJson();
  (fallback['model'] as Record<string, unknown>)['byte_fallback'] = 'true';
  assertUserError(() => captureStderr(() => loadTokenizer(tempFolder({ 'tokenizer.json': fallback }))).result, /tokenizer\.json: model\.byte_fallback: expected true or false, got "true"/);
});

test('a vocabulary id of 2^24 or more is refused naming the token, before a table of that many ids is made', () => {
  // before: the id table was as long as the largest id (900,000,000 in a 100-byte file: 3 GB, then out of memory)
  const MAX_IDS = 1 << 24; // vocab.ts's bound, written out so that the test holds it to that number
  const tiny = (id: number): string => tempFolder({ 'tokenizer.json': { model: { type: 'BPE', vocab: { a: 0, b: 1, ab: id }, merges: ['a b'] } } });
  for (const id of [MAX_IDS, 900_000_000]) {
    assertUserError(() => captureStderr(() => loadTokenizer(tiny(id))).result,
      new RegExp(`tokenizer\\.json: model\\.vocab: id ${id} of "ab" is past the 16,777,216 ids a vocabulary may have`));
  }
  // ids with holes below the bound load as before (a table of 16.7M ids, the largest allowed, takes seconds to test)
  const t = captureStderr(() => loadTokenizer(tiny(100_000))).result;
  assert.equal(t.vocabSize, 100_001);
  assert.deepEqual(t.encode('ab'), [100_000]);
});

test('a BPE merge that is not an "a b" string or an ["a", "b"] pair is refused naming its index', () => {
  // before: "@huggingface/tokenizers cannot load it: x.split is not a function"
  const withMerges = (edit: (merges: unknown[]) => void): string => {
    const doc = bundledTokenizerJson();
    const model = doc['model'] as Record<string, unknown>;
    const merges = [...(model['merges'] as unknown[])];
    edit(merges);
    model['merges'] = merges;
    return tempFolder({ 'tokenizer.json': doc });
  };
  const load = (dir: string): unknown => captureStderr(() => loadTokenizer(dir)).result;
  assertUserError(() => load(withMerges((m) => { m[5] = 7; })), /tokenizer\.json: model\.merges\[5\]: 7 is not a merge: expected a string "a b" with one space like merges\[0\]/);
  assertUserError(() => load(withMerges((m) => { m[2] = ['▁', 't']; })), /model\.merges\[2\]: \["▁","t"\] is not a merge/);
  assertUserError(() => load(withMerges((m) => { m[3] = 'abc'; })), /model\.merges\[3\]: "abc" is not a merge/);
  assertUserError(() => load(withMerges((m) => { m[0] = null; })), /model\.merges\[0\]: null is not a merge: expected a string "a b" or a pair \["a", "b"\]$/);
  assertUserError(() => load(withMerges((m) => { m.forEach((x, i) => { m[i] = (x as string).split(' '); }); m[4] = ['a', 1]; })), /model\.merges\[4\]: \["a",1\] is not a merge: expected a pair \["a", "b"\] like merges\[0\]/);
  // the pair form (tokenizers ≥ 0.20) loads
  const pairs = load(withMerges((m) => { m.forEach((x, i) => { m[i] = (x as string).split(' '); }); })) as { encode(t: string): number[] };
  assert.ok(pairs.encode('hello world').length > 0);
});
