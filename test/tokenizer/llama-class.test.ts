// A tokenizer whose tokenizer_config.json names LlamaTokenizer is loaded as transformers 5 loads it
// (src/tokenizer/llama-class.ts): a Metaspace "▁" in place of the tokenizer.json's Prepend normalizer, after special
// tokens only with "legacy": true, nowhere with add_prefix_space false. The ids below are transformers 5.17's
// (AutoTokenizer on the bundled tokenizer.json with each config, and apply_chat_template with Mistral's v1 template).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { asWrittenConfigJson, bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

/** Mistral's v1 chat template, as the Instruct v0.1/v0.2 repos carry it since they were aligned with mistral-common. */
const V1_TEMPLATE = "{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content'] %}{%- set loop_messages = messages[1:] %}" +
  '{%- else %}{%- set loop_messages = messages %}{%- endif %}{{- bos_token }}{%- for message in loop_messages %}' +
  "{%- if message['role'] == 'user' %}{%- if loop.first and system_message is defined %}{{- ' [INST] ' + system_message + '\\n\\n' + message['content'] + ' [/INST]' }}" +
  "{%- else %}{{- ' [INST] ' + message['content'] + ' [/INST]' }}{%- endif %}{%- elif message['role'] == 'assistant' %}{{- ' ' + message['content'] + eos_token}}" +
  '{%- endif %}{%- endfor %}';

const load = (config: Record<string, unknown>) => {
  const dir = tempFolder({ 'tokenizer.json': bundledTokenizerJson(), 'tokenizer_config.json': config });
  return { fast: quietly(() => loadTokenizer(dir, { engine: 'fast' })), hf: quietly(() => loadTokenizer(dir, { engine: 'huggingface' })) };
};

test('"legacy": false with the v1 chat template: no lone "▁" after <s> and </s>, as transformers and mistral-common', () => {
  const chat = [{ role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hello!' }, { role: 'user' as const, content: 'Bye' }];
  const want = [1, 733, 16289, 28793, 15359, 733, 28748, 16289, 28793, 22557, 28808, 2, 733, 16289, 28793, 2463, 28706, 733, 28748, 16289, 28793];
  for (const t of Object.values(load({ ...bundledConfigJson(), legacy: false, chat_template: V1_TEMPLATE }))) {
    const text = t.applyChatTemplate(chat);
    assert.equal(text, '<s> [INST] Hi [/INST] Hello!</s> [INST] Bye [/INST]');
    assert.deepEqual(t.encode(text), want, t.engineName);
    assert.deepEqual(t.encode('<s>Hi'), [1, 23809], 'no "▁" after a special token'); // "Hi", not "▁Hi"
  }
  // the tokenizer.json alone (no LlamaTokenizer class) prepends "▁" to every text: a lone one after <s> and </s>
  const asWritten = load({ ...asWrittenConfigJson(), legacy: false, chat_template: V1_TEMPLATE }).fast;
  const ids = asWritten.encode(asWritten.applyChatTemplate(chat));
  assert.deepEqual(ids.filter((id) => id === 28705).length, 2);
});

test('"legacy": true: "▁" after every special token, but not before a text that starts with a space; add_prefix_space false: none', () => {
  for (const t of Object.values(load(bundledConfigJson()))) {
    assert.deepEqual(t.encode(' Paris'), [5465], t.engineName);
    assert.deepEqual(t.encode('Paris'), [5465]);
    assert.deepEqual(t.encode('a</s> b'), [264, 2, 287]);
    assert.deepEqual(t.encode('<s>Hi'), [1, 15359]);
    assert.equal(t.decode(t.encode('Paris is big')), 'Paris is big');
  }
  for (const t of Object.values(load({ ...bundledConfigJson(), add_prefix_space: false }))) {
    assert.deepEqual(t.encode(' Paris'), [5465], t.engineName);
    assert.deepEqual(t.encode('Paris'), [3916, 278]);
    assert.deepEqual(t.encode('a</s> b'), [28708, 2, 287]);
    assert.equal(t.decode([3916, 278]), 'Paris');
  }
});

test('"legacy" or "add_prefix_space" that is not true, false or null is refused naming the key (transformers reads "false" as true)', () => {
  for (const [key, value] of [['legacy', 'false'], ['add_prefix_space', 0]] as const) {
    assert.throws(() => load({ ...bundledConfigJson(), [key]: value }), new RegExp(`tokenizer_config\\.json: ${key}: expected true or false, got ${JSON.stringify(JSON.stringify(value)).slice(1, -1)}`));
  }
});

test("a Mistral model folder (config.json's model_type mistral) is tokenized by its tokenizer.json as it is, as AutoTokenizer's TokenizersBackend; model_type llama or no config.json: the LlamaTokenizer class", () => {
  // transformers 5.17's ids (AutoTokenizer on the bundled tokenizer files beside each config.json, 2026-12-02): it
  // takes the hub's class only where the model type registers none of its own (tokenization_auto.py)
  const withModel = (modelType: string | null) => tempFolder({
    'tokenizer.json': bundledTokenizerJson(), 'tokenizer_config.json': bundledConfigJson(),
    ...(modelType === null ? {} : { 'config.json': { model_type: modelType, vocab_size: 32000 } }),
  });
  const cases: Array<[string | null, number[], number[]]> = [
    ['mistral', [28705, 1736], [264, 28705, 2, 28705, 287]],
    ['mixtral', [28705, 1736], [264, 28705, 2, 28705, 287]],
    ['llama', [1736], [264, 28705, 2, 287]],
    [null, [1736], [264, 28705, 2, 287]],
  ];
  for (const [modelType, lead, special] of cases) {
    const dir = withModel(modelType);
    for (const engine of ['fast', 'huggingface'] as const) {
      const t = quietly(() => loadTokenizer(dir, { engine }));
      const what = `${modelType ?? 'no config.json'}, ${t.engineName}`;
      assert.deepEqual(t.encode(' lead'), lead, what);
      assert.deepEqual(t.encode('a </s> b'), special, what);
      assert.deepEqual(t.encode('x</s>[INST] y'), [1318, 2, 733, 16289, 28793, 337], what);
      assert.equal(t.decode(t.encode('Paris is big')), 'Paris is big', what);
    }
  }
});
