// Whether a tokenizer starts a sequence with BOS (or ends one with EOS), decided as HF transformers decides it
// (adds-special.ts), on the bundled tokenizer.json with other configs and post-processors.
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { tokenizerAddsBos, tokenizerAddsEos, warnFlagsNotRead } from '../../src/tokenizer/adds-special.ts';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { specialIdsAround } from '../../src/tokenizer/post-processor-ids.ts';
import { readTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { encodePrompt } from '../../src/tokenizer/prompt.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { isUserError } from '../../src/util/errors.ts';
import { beginCommand } from '../../src/util/log.ts';
import { bundled, bundledConfigJson, bundledTokenizerJson, captureStderr, quietly, tempFolder } from './helpers.ts';

const template = (json: Record<string, unknown>) => json['post_processor'];
const load = (json: Record<string, unknown>, config?: Record<string, unknown>) =>
  captureStderr(() => quietly(() => loadTokenizer(tempFolder(config ? { 'tokenizer.json': json, 'tokenizer_config.json': config } : { 'tokenizer.json': json })))).result;

test('the bundled Mistral tokenizer adds BOS (its post-processor "<s> $A")', () => {
  assert.equal(bundled('fast').addsBos, true);
  assert.deepEqual(encodePrompt(bundled('fast'), { raw: 'Hi' }), [1, ...bundled('fast').encode('Hi')]);
});

interface FlagCase { post_processor: string; tokenizer_class: string; add_bos_token: boolean | null; add_eos_token: boolean | null; bos: boolean; eos: boolean }
const oracle = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'adds-special.json'), 'utf8')) as {
  post_processors: Record<string, unknown>; cases: FlagCase[];
};

test("BOS and EOS as transformers 5.17 adds them: tokenizer.json's post-processor decides; add_bos_token, add_eos_token and a Llama class decide nothing", () => {
  // transformers drops the two flags of a folder with tokenizer.json: "add_bos_token": false before a "<s> $A"
  // template still gave [1, …] there, and was trained without BOS here (fixtures/adds-special-oracle.py)
  // one tokenizer.json per post-processor, read once; a config per case (reading is what takes time)
  const jsonOf = new Map(Object.entries(oracle.post_processors).map(([name, post]) => {
    const dir = tempFolder({ 'tokenizer.json': { ...bundledTokenizerJson(), post_processor: post } });
    return [name, readTokenizerJson(`${dir}/tokenizer.json`)];
  }));
  for (const c of oracle.cases) {
    const config: Record<string, unknown> = { ...bundledConfigJson(), tokenizer_class: c.tokenizer_class };
    delete config['add_bos_token'];
    delete config['add_eos_token'];
    if (c.add_bos_token !== null) config['add_bos_token'] = c.add_bos_token;
    if (c.add_eos_token !== null) config['add_eos_token'] = c.add_eos_token;
    const cfg = readTokenizerConfig(`${tempFolder({ 'tokenizer_config.json': config })}/tokenizer_config.json`);
    const json = jsonOf.get(c.post_processor)!, what = JSON.stringify(c);
    assert.equal(tokenizerAddsBos(json, cfg, 1), c.bos, `BOS: ${what}`);
    assert.equal(tokenizerAddsEos(json, cfg, 2), c.eos, `EOS: ${what}`);
  }
  const off = load(bundledTokenizerJson(), { ...bundledConfigJson(), add_bos_token: false });
  assert.equal(off.addsBos, true);
  assert.deepEqual(encodePrompt(off, { raw: 'Hi' }), [1, ...off.encode('Hi')], 'a prompt starts with BOS, as transformers\' [1, …]');
});

test('a generic class follows tokenizer.json\'s post-processor: inside a Sequence too; ByteLevel and a special token after the text add no BOS', () => {
  const config = bundledConfigJson();
  const bare = { ...bundledTokenizerJson(), post_processor: null };
  const generic = { ...config, tokenizer_class: 'PreTrainedTokenizerFast' };
  const inSequence = { ...bare, post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }, template(bundledTokenizerJson())] } };
  assert.equal(load(inSequence, generic).addsBos, true, 'a TemplateProcessing inside a Sequence');
  const byteLevel = { ...bare, post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false } };
  assert.equal(load(byteLevel, generic).addsBos, false, 'ByteLevel adds no special token');
  const eosOnly = { ...bare, post_processor: { type: 'TemplateProcessing', single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], pair: [], special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } } };
  assert.equal(load(eosOnly, generic).addsBos, false, 'a special token after the text is not a BOS');
});

test('without tokenizer_config.json: "<s>" is BOS and added unless the post-processor says otherwise', () => {
  assert.equal(load({ ...bundledTokenizerJson(), post_processor: null }).addsBos, true);
  assert.deepEqual(load({ ...bundledTokenizerJson(), post_processor: null }).leadingIds, [1]);
  assert.equal(load({ ...bundledTokenizerJson(), post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false } }).addsBos, false);
  assert.deepEqual(load({ ...bundledTokenizerJson(), post_processor: null }, { ...bundledConfigJson(), tokenizer_class: 'PreTrainedTokenizerFast' }).leadingIds, [], 'a config, no post-processor: nothing added');
});

test("a text starts with the ids the post-processor puts before it, whatever tokenizer_config.json names its BOS (transformers 5.17's)", () => {
  // transformers 5.17 (checked in /tmp/hfvenv): "Hello world" is [1, 22557, 1526] with bos_token null before the "<s> $A"
  // template (bos_token None there too); [2, 1, 22557, 1526] for a "</s> <s> $A" template; [2, 22557, 1526] for "</s> $A"
  const noBos = load(bundledTokenizerJson(), { ...bundledConfigJson(), bos_token: null });
  assert.equal(noBos.bosId, null);
  assert.equal(noBos.addsBos, false, 'no BOS token');
  assert.deepEqual(encodePrompt(noBos, { raw: 'Hello world' }), [1, 22557, 1526]);
  assert.deepEqual(tokenizeRecord({ shape: 'text', text: 'Hello world' }, noBos).row!.inputIds, Int32Array.from([1, 22557, 1526, 2]));
  const special = { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } };
  const before = (...pieces: string[]) => ({ ...bundledTokenizerJson(), post_processor: { type: 'TemplateProcessing', single: [...pieces.map((id) => ({ SpecialToken: { id, type_id: 0 } })), { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: special } });
  const two = load(before('</s>', '<s>'), bundledConfigJson());
  assert.deepEqual(encodePrompt(two, { raw: 'Hello world' }), [2, 1, 22557, 1526]);
  assert.deepEqual(encodePrompt(two, { raw: '</s><s>Hello world' }), [2, 1, 22557, 1526], 'written by the text: not twice');
  const eosFirst = load(before('</s>'), bundledConfigJson());
  assert.equal(eosFirst.addsBos, false);
  assert.deepEqual(encodePrompt(eosFirst, { raw: 'Hello world' }), [2, 22557, 1526]);
  assert.deepEqual(tokenizeRecord({ shape: 'classification', text: 'Hello world', label: 0 }, eosFirst).row!.inputIds, Int32Array.from([2, 22557, 1526]));
  // a template naming a token special_tokens lacks: HF tokenizers loads it and panics at the first encode ("no entry
  // found for key", tokenizers of transformers 5.17); ours skipped the piece, unsaid
  const unlisted = { ...bundledTokenizerJson(), post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<x>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: special } };
  assert.throws(() => load(unlisted, bundledConfigJson()), (e: unknown) => isUserError(e) && /tokenizer\.json: post_processor\.single\[0\]: names the special token "<x>", which special_tokens does not list with its ids/.test((e as Error).message));
  const nested = { ...bundledTokenizerJson(), post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }, unlisted.post_processor] } };
  assert.throws(() => load(nested, bundledConfigJson()), (e: unknown) => isUserError(e) && /post_processor\.processors\[1\]\.single\[0\]: names the special token "<x>"/.test((e as Error).message));
  // an id no token has (past the vocabulary): a broken file, said where, not an id the embedding may not have
  const outside = { ...bundledTokenizerJson(), post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: { '<s>': { id: '<s>', ids: [32000], tokens: ['<s>'] } } } };
  assert.throws(() => load(outside, bundledConfigJson()), (e: unknown) => isUserError(e) && /tokenizer\.json: post_processor: puts id 32000 before a text, which is no token of this vocabulary \(32000 tokens\)/.test((e as Error).message));
});

test('EOS at the end: a TemplateProcessing with EOS after the text, not before it', () => {
  const eosOf = (json: Record<string, unknown>, config: Record<string, unknown>) => {
    const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config });
    return tokenizerAddsEos(readTokenizerJson(`${dir}/tokenizer.json`), readTokenizerConfig(`${dir}/tokenizer_config.json`), 2);
  };
  const generic = { ...bundledConfigJson(), tokenizer_class: 'PreTrainedTokenizerFast' };
  const bare = { ...bundledTokenizerJson(), post_processor: null };
  const special = { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } };
  const both = { ...bare, post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], pair: [], special_tokens: special } };
  const eosFirst = { ...bare, post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: special } };
  assert.equal(eosOf(bundledTokenizerJson(), bundledConfigJson()), false, "Mistral's: \"<s> $A\"");
  assert.equal(eosOf(both, generic), true, '"<s> $A </s>"');
  assert.equal(eosOf(eosFirst, generic), false, 'EOS before the text is not at the end');
  assert.equal(eosOf(bare, generic), false, 'no post-processor: nothing added');
});

test('BertProcessing and RobertaProcessing put cls before the text and sep after, as HF tokenizers does; an unknown post-processor is refused, as HF refuses it', () => {
  const config = bundledConfigJson();
  delete config['add_bos_token'];
  delete config['add_eos_token'];
  const generic = { ...config, tokenizer_class: 'PreTrainedTokenizerFast' };
  const bare = { ...bundledTokenizerJson(), post_processor: null };
  const dir = (json: Record<string, unknown>) => tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': generic });
  // transformers 5.17's AutoTokenizer gives [1, 22557, 1526, 2] for "Hello world" with either (checked in /tmp/hfvenv)
  for (const type of ['BertProcessing', 'RobertaProcessing']) {
    const json = { ...bare, post_processor: { type, cls: ['<s>', 1], sep: ['</s>', 2] } };
    assert.equal(load(json, generic).addsBos, true, type);
    const d = dir(json);
    assert.equal(tokenizerAddsEos(readTokenizerJson(`${d}/tokenizer.json`), readTokenizerConfig(`${d}/tokenizer_config.json`), 2), true, type);
    const reversed = { ...bare, post_processor: { type, cls: ['</s>', 2], sep: ['<s>', 1] } };
    assert.equal(load(reversed, generic).addsBos, false, `${type} whose cls is not the BOS`);
  }
  const refused = (post: unknown, where: RegExp) => assert.throws(() => load({ ...bare, post_processor: post }, generic),
    (e: unknown) => isUserError(e) && where.test((e as Error).message) && /not a post-processor of HF tokenizers/.test((e as Error).message));
  refused({ type: 'Foo' }, /tokenizer\.json: post_processor\.type/);
  refused({ type: 'Sequence', processors: [{ type: 'ByteLevel' }, { type: 'Bar' }] }, /post_processor\.processors\[1\]\.type/);
  assert.throws(() => load({ ...bare, post_processor: { type: 'Sequence', processors: 3 } }, generic), /post_processor\.processors: expected a list/);
});

test('add_bos_token or add_eos_token that tokenizer.json\'s post-processor overrides is said, once per command, naming the file, the key, what is done and how to change it', () => {
  const folder = (json: Record<string, unknown>, config: Record<string, unknown>) => tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config });
  const said = (dir: string) => captureStderr(() => quietly(() => loadTokenizer(dir))).stderr;
  const noBos = folder(bundledTokenizerJson(), { ...bundledConfigJson(), add_bos_token: false });
  const line = said(noBos);
  assert.match(line, /^warning: \S*tokenizer_config\.json: add_bos_token is false, but the tokenizer adds BOS before a text: transformers 5 ignores add_bos_token and add_eos_token where there is a tokenizer\.json and adds what its post_processor adds, and so does this toolkit; to change it, edit post_processor in \S*tokenizer\.json\n$/);
  assert.ok(line.includes(noBos), 'the folder is named');
  assert.equal(said(noBos), '', 'once per command');
  beginCommand();
  assert.equal(said(noBos), line, 'said again in the next command');
  const both = said(folder(bundledTokenizerJson(), { ...bundledConfigJson(), add_bos_token: false, add_eos_token: true }));
  assert.match(both, /add_bos_token is false, but the tokenizer adds BOS before a text, and add_eos_token is true, but the tokenizer adds no EOS after a text: /);
  assert.equal(both.split('\n').length, 2, 'one line');
  const bare = said(folder({ ...bundledTokenizerJson(), post_processor: null }, bundledConfigJson()));
  assert.match(bare, /add_bos_token is true, but the tokenizer adds no BOS before a text: .* adds what its post_processor adds \(it has none\)/, 'a LlamaTokenizer class without post-processor: no BOS in transformers 5');
});

test('no word where add_bos_token and add_eos_token agree with the post-processor or are absent: the bundled tokenizers, the tiny model, tekken-tiny', () => {
  const root = path.join(import.meta.dirname, '..', '..');
  beginCommand();
  for (const dir of [undefined, path.join(root, 'models', 'mistral-tune-tiny'), path.join(root, 'test', 'fixtures', 'tekken-tiny')]) {
    assert.equal(captureStderr(() => quietly(() => loadTokenizer(dir))).stderr, '', dir ?? 'bundled');
  }
  const { add_bos_token: _, add_eos_token: __, ...absent } = bundledConfigJson();
  assert.equal(captureStderr(() => quietly(() => loadTokenizer(tempFolder({ 'tokenizer.json': bundledTokenizerJson(), 'tokenizer_config.json': absent })))).stderr, '', 'no flags');
  // transformers 5.17's BOS and EOS for each post-processor, class and flag (fixtures/adds-special.json): a warning
  // exactly where a flag given says other than what transformers adds
  const jsonOf = new Map(Object.entries(oracle.post_processors).map(([name, post]) => {
    const dir = tempFolder({ 'tokenizer.json': { ...bundledTokenizerJson(), post_processor: post } });
    return [name, readTokenizerJson(`${dir}/tokenizer.json`)];
  }));
  for (const c of oracle.cases) {
    const raw: Record<string, unknown> = { tokenizer_class: c.tokenizer_class };
    if (c.add_bos_token !== null) raw['add_bos_token'] = c.add_bos_token;
    if (c.add_eos_token !== null) raw['add_eos_token'] = c.add_eos_token;
    const cfg = readTokenizerConfig(`${tempFolder({ 'tokenizer_config.json': raw })}/tokenizer_config.json`);
    const { stderr } = captureStderr(() => warnFlagsNotRead(jsonOf.get(c.post_processor)!, cfg, { bos: 1, eos: 2 }, 'tokenizer.json'));
    const contradicts = (c.add_bos_token !== null && c.add_bos_token !== c.bos) || (c.add_eos_token !== null && c.add_eos_token !== c.eos);
    assert.equal(stderr !== '', contradicts, JSON.stringify(c));
  }
});

test('a Sequence of post-processors runs as HF tokenizers runs it: a TemplateProcessing after another reads its two encodings (<s>, the text) with its pair template', () => {
  // transformers 5.17 on the bundled tokenizer.json with each post_processor, "Hello world" (scripts in /tmp/hfvenv):
  // twice [1, 22557, 1526], pair [1, 1, 2, 22557, 1526, 2], roberta [1, 1, 2, 2, 22557, 1526, 2], three: PanicException
  // "not yet implemented". Before: [1, 1, 22557, 1526] for twice (each template's ids before the text), [2, 1, …] for pair.
  const special = { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } };
  const piece = (p: string) => (p.startsWith('$') ? { Sequence: { id: p.slice(1), type_id: 0 } } : { SpecialToken: { id: p, type_id: 0 } });
  const T = (single: string, pair = '$A $B') => ({ type: 'TemplateProcessing', single: single.split(' ').map(piece), pair: pair.split(' ').map(piece), special_tokens: special });
  const roberta = { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 1], trim_offsets: true, add_prefix_space: false };
  const sequence = (...processors: object[]) => ({ type: 'Sequence', processors });
  assert.deepEqual(specialIdsAround(sequence(T('<s> $A'), T('<s> $A'))), { before: [1], after: [] }, 'twice');
  assert.deepEqual(specialIdsAround(sequence(T('<s> $A'), T('</s> $A', '<s> $A </s> $B </s>'))), { before: [1, 1, 2], after: [2] }, 'pair');
  assert.deepEqual(specialIdsAround(sequence(T('<s> $A'), roberta)), { before: [1, 1, 2, 2], after: [2] }, 'roberta');
  const twice = load({ ...bundledTokenizerJson(), post_processor: sequence(T('<s> $A'), T('<s> $A')) }, { ...bundledConfigJson(), tokenizer_class: 'PreTrainedTokenizerFast' });
  assert.deepEqual(encodePrompt(twice, { raw: 'Hello world' }), [1, 22557, 1526]);
  // what transformers fails on at the first encode is refused as the file is read, naming the step (a small tokenizer.json)
  const tekken = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'tekken-tiny', 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  const read = (post: object) => () => readTokenizerJson(`${tempFolder({ 'tokenizer.json': { ...tekken, post_processor: post } })}/tokenizer.json`);
  assert.throws(read(sequence(T('<s> $A </s>'), T('<s> $A'))), (e: unknown) => isUserError(e) &&
    /tokenizer\.json: post_processor\.processors\[1\]: gets 3 encodings from the post-processors before it/.test((e as Error).message));
  assert.throws(read(sequence(T('<s>'), T('<s> $A'))), (e: unknown) => isUserError(e) && /tokenizer\.json: post_processor: drops the text/.test((e as Error).message));
});
