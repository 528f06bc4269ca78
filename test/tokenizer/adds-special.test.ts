// Whether a tokenizer starts a sequence with BOS (or ends one with EOS), decided as HF transformers decides it
// (adds-special.ts), on the bundled tokenizer.json with other configs and post-processors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenizerAddsEos } from '../../src/tokenizer/adds-special.ts';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { readTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { readTokenizerJson } from '../../src/tokenizer/tokenizer-json.ts';
import { encodePrompt } from '../../src/tokenizer/prompt.ts';
import { isUserError } from '../../src/util/errors.ts';
import { bundled, bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

const template = (json: Record<string, unknown>) => json['post_processor'];
const load = (json: Record<string, unknown>, config?: Record<string, unknown>) =>
  quietly(() => loadTokenizer(tempFolder(config ? { 'tokenizer.json': json, 'tokenizer_config.json': config } : { 'tokenizer.json': json })));

test('the bundled Mistral tokenizer adds BOS (add_bos_token true)', () => {
  assert.equal(bundled('fast').addsBos, true);
  assert.deepEqual(encodePrompt(bundled('fast'), { raw: 'Hi' }), [1, ...bundled('fast').encode('Hi')]);
});

test("tokenizer_config.json's add_bos_token decides first; a value not true or false is refused naming the key", () => {
  const json = bundledTokenizerJson();
  const config = bundledConfigJson();
  const off = load(json, { ...config, add_bos_token: false });
  assert.equal(off.addsBos, false);
  assert.equal(off.bosId, 1, 'the BOS token is still known');
  assert.deepEqual(encodePrompt(off, { raw: 'Hi' }), off.encode('Hi'), 'no BOS before a prompt');
  assert.throws(() => load(json, { ...config, add_bos_token: 'yes' }), (e: unknown) => isUserError(e) && /tokenizer_config\.json: add_bos_token/.test((e as Error).message) && /true or false/.test((e as Error).message));
});

test('a Llama tokenizer class adds BOS whatever its post-processor; another class follows tokenizer.json\'s post-processor', () => {
  const config = bundledConfigJson();
  delete config['add_bos_token'];
  const bare = { ...bundledTokenizerJson(), post_processor: null };
  assert.equal(load(bare, config).addsBos, true, 'LlamaTokenizer');
  const generic = { ...config, tokenizer_class: 'PreTrainedTokenizerFast' };
  assert.equal(load(bundledTokenizerJson(), generic).addsBos, true, 'TemplateProcessing "<s> $A"');
  assert.equal(load(bare, generic).addsBos, false, 'no post-processor: HF adds nothing');
  const inSequence = { ...bare, post_processor: { type: 'Sequence', processors: [{ type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false }, template(bundledTokenizerJson())] } };
  assert.equal(load(inSequence, generic).addsBos, true, 'a TemplateProcessing inside a Sequence');
  const byteLevel = { ...bare, post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false } };
  assert.equal(load(byteLevel, generic).addsBos, false, 'ByteLevel adds no special token');
  const eosOnly = { ...bare, post_processor: { type: 'TemplateProcessing', single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], pair: [], special_tokens: { '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } } } };
  assert.equal(load(eosOnly, generic).addsBos, false, 'a special token after the text is not a BOS');
});

test('without tokenizer_config.json: "<s>" is BOS and added unless the post-processor says otherwise; no BOS token, no BOS', () => {
  assert.equal(load({ ...bundledTokenizerJson(), post_processor: null }).addsBos, true);
  assert.equal(load({ ...bundledTokenizerJson(), post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false } }).addsBos, false);
  const noBos = load(bundledTokenizerJson(), { ...bundledConfigJson(), bos_token: null });
  assert.equal(noBos.bosId, null);
  assert.equal(noBos.addsBos, false);
  assert.deepEqual(encodePrompt(noBos, { raw: 'Hi' }), noBos.encode('Hi'));
});

test('EOS at the end: add_eos_token when given; a Llama class adds none; else a TemplateProcessing with EOS after the text', () => {
  const eosOf = (json: Record<string, unknown>, config: Record<string, unknown>) => {
    const dir = tempFolder({ 'tokenizer.json': json, 'tokenizer_config.json': config });
    return tokenizerAddsEos(readTokenizerJson(`${dir}/tokenizer.json`), readTokenizerConfig(`${dir}/tokenizer_config.json`), 2);
  };
  const config = bundledConfigJson();
  delete config['add_eos_token'];
  const generic = { ...config, tokenizer_class: 'PreTrainedTokenizerFast' };
  const bare = { ...bundledTokenizerJson(), post_processor: null };
  const special = { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] } };
  const both = { ...bare, post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }], pair: [], special_tokens: special } };
  const eosFirst = { ...bare, post_processor: { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: special } };
  assert.equal(eosOf(bundledTokenizerJson(), bundledConfigJson()), false, "Mistral's: add_eos_token false");
  assert.equal(eosOf(bundledTokenizerJson(), { ...bundledConfigJson(), add_eos_token: true }), true);
  assert.equal(eosOf(both, config), false, 'a Llama class: EOS off by default, whatever the post-processor');
  assert.equal(eosOf(both, generic), true, '"<s> $A </s>"');
  assert.equal(eosOf(eosFirst, generic), false, 'EOS before the text is not at the end');
  assert.equal(eosOf(bare, generic), false, 'no post-processor: nothing added');
  assert.throws(() => eosOf(both, { ...generic, add_eos_token: 1 }), (e: unknown) => isUserError(e) && /add_eos_token/.test((e as Error).message));
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
