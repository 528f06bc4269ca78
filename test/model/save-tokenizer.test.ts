// What a model folder we write carries besides its weights, so that transformers behaves as training did: the
// tokenizer the model was trained with (its own, or the bundled one), the chat template (the folder's
// chat_template.jinja first, as transformers reads it; the built-in one written out where the folder has none), a
// classification export's pad token, the source's generation_config.json as it was, eos_token_id null as transformers
// saves it (save-eos-form.test.ts: every form), and float keys written as floats (transformers 5 types MistralConfig strictly).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { createBackend } from '../../src/backend/select.ts';
import { loadConfig } from '../../src/model/config.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { initRandomModel } from '../../src/model/random-init.ts';
import { saveModelFolder } from '../../src/model/save.ts';
import { withJsonKeys, writeTokenizerFiles } from '../../src/model/save-tokenizer.ts';
import { DEFAULT_CHAT_TEMPLATE } from '../../src/tokenizer/chat-template.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { readFolderTokenizerConfig } from '../../src/tokenizer/tokenizer-config.ts';
import { FIXTURES } from '../helpers.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { tempDir } from '../temp-dir.ts';

const backend = createBackend('cpu');
const TINY_MODEL = path.resolve('models', 'mistral-tune-tiny');
const tmp = (): string => tempDir('mt-save-tok-');
const read = (f: string): string => fs.readFileSync(f, 'utf8');
const json = (f: string): Record<string, unknown> => JSON.parse(read(f)) as Record<string, unknown>;
const chat = [{ role: 'user' as const, content: 'Capital of Peru?' }, { role: 'assistant' as const, content: 'Lima.' }];

/** A copy of the bundled tiny model (weights linked), with some files replaced (null: removed). */
function tinyWith(files: Record<string, string | null>): string {
  const dir = tmp();
  for (const f of fs.readdirSync(TINY_MODEL)) {
    if (f === 'model.safetensors') fs.symlinkSync(path.join(TINY_MODEL, f), path.join(dir, f));
    else if (fs.statSync(path.join(TINY_MODEL, f)).isFile()) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(dir, f));
  }
  for (const [f, text] of Object.entries(files)) {
    if (text === null) fs.rmSync(path.join(dir, f));
    else fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

function saved(src: string, head: 'causal' | 'classification' = 'causal'): string {
  const model = loadModel(src, { backend });
  if (head === 'classification') model.setScoreHead(backend.alloc('f32', 2 * model.cfg.hiddenSize), false);
  const out = path.join(tmp(), 'out');
  captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head, labels: head === 'classification' ? ['no', 'yes'] : null }));
  return out;
}

test('withJsonKeys edits JSON as text: huge integers and every other value unchanged, a null replaced, a key appended', () => {
  const text = '{\n  "model_max_length": 1000000000000000019884624838656,\n  "pad_token": null,\n  "x": {"pad_token": 1}\n}\n';
  const out = withJsonKeys(text, { pad_token: '</s>', chat_template: '{{ "$&" }}' }, 'tokenizer_config.json');
  assert.match(out, /"model_max_length": 1000000000000000019884624838656,/);
  const doc = JSON.parse(out) as Record<string, unknown>;
  assert.deepEqual(doc, { model_max_length: 1e30, pad_token: '</s>', x: { pad_token: 1 }, chat_template: '{{ "$&" }}' });
  assert.equal(withJsonKeys('{}', { a: 'b', c: 'd' }, 'f'), '{\n  "a": "b",\n  "c": "d"\n}');
  assert.throws(() => withJsonKeys('{"pad_token": "<pad>"}', { pad_token: '</s>' }, 'f'), /f: cannot set pad_token: "pad_token" is set already/);
  // a key it may replace: any value, an object's too, everything else as it was
  const replaced = withJsonKeys('{"a": [1, "]"], "pad_token": {"content": "<unk>", "x": "}"}, "b": 2}', { pad_token: '</s>' }, 'f', new Set(['pad_token']));
  assert.equal(replaced, '{"a": [1, "]"], "pad_token": "</s>", "b": 2}');
  assert.equal(withJsonKeys('{"pad_token": "<pad>" }', { pad_token: '</s>' }, 'f', new Set(['pad_token'])), '{"pad_token": "</s>" }');
  // a nested key of the same name, before the top-level one, is left alone
  const nested = withJsonKeys('{"added": {"pad_token": null, "x": "a\\"b"}, "pad_token": null}', { pad_token: '</s>' }, 'f');
  assert.deepEqual(JSON.parse(nested), { added: { pad_token: null, x: 'a"b' }, pad_token: '</s>' });
});

test('a folder without a chat template: the built-in one training used is written into tokenizer_config.json, the rest kept', () => {
  const out = saved(TINY_MODEL);
  const before = json(path.join(TINY_MODEL, 'tokenizer_config.json')), after = json(path.join(out, 'tokenizer_config.json'));
  assert.equal(before.chat_template, undefined);
  assert.equal(after.chat_template, DEFAULT_CHAT_TEMPLATE);
  assert.deepEqual({ ...after, chat_template: undefined }, { ...before, chat_template: undefined });
  for (const f of ['tokenizer.json', 'generation_config.json']) assert.equal(read(path.join(out, f)), read(path.join(TINY_MODEL, f)), f);
  const ours = captureStderr(() => loadTokenizer(TINY_MODEL)).result, theirs = captureStderr(() => loadTokenizer(out)).result;
  assert.equal(theirs.applyChatTemplate(chat), ours.applyChatTemplate(chat));
  assert.equal(theirs.usesDefaultChatTemplate, false, 'the exported folder names its template');
});

test('chat_template.jinja is the template (before tokenizer_config.json\'s key, as transformers) and travels with the model', () => {
  const jinja = '{% for m in messages %}<<{{ m.role }}>>{{ m.content }}{% endfor %}';
  const src = tinyWith({ 'chat_template.jinja': jinja });
  const tok = captureStderr(() => loadTokenizer(src)).result;
  assert.equal(tok.applyChatTemplate(chat), '<<user>>Capital of Peru?<<assistant>>Lima.');
  const out = saved(src);
  assert.equal(read(path.join(out, 'chat_template.jinja')), jinja);
  assert.equal(read(path.join(out, 'tokenizer_config.json')), read(path.join(src, 'tokenizer_config.json')), 'nothing added');
});

test('the source\'s generation_config.json is kept as it is (stop tokens, sampling defaults)', () => {
  const gen = '{\n  "bos_token_id": 1,\n  "eos_token_id": [2, 7],\n  "do_sample": true,\n  "temperature": 0.7\n}\n';
  const out = saved(tinyWith({ 'generation_config.json': gen }));
  assert.equal(read(path.join(out, 'generation_config.json')), gen);
  // with a NaN and an Infinity (transformers' json.loads reads them; JSON.parse refuses them): still byte for byte
  const python = '{\n  "bos_token_id": 1,\n  "my_key": NaN,\n  "my_list": [Infinity, -Infinity]\n}\n';
  assert.equal(read(path.join(saved(tinyWith({ 'generation_config.json': python })), 'generation_config.json')), python);
});

test('a classification export names its pad token (the EOS) in tokenizer_config.json and special_tokens_map.json', () => {
  const src = tinyWith({ 'special_tokens_map.json': '{"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}' });
  const out = saved(src, 'classification');
  assert.equal(json(path.join(out, 'config.json')).pad_token_id, 2);
  assert.equal(json(path.join(out, 'tokenizer_config.json')).pad_token, '</s>');
  assert.equal(json(path.join(out, 'special_tokens_map.json')).pad_token, '</s>');
  assert.equal(captureStderr(() => loadTokenizer(out)).result.padId, 2);
});

test('a classification export whose source tokenizer pads with another token (<unk>) writes config.json\'s pad token instead, said: HF scored padding', () => {
  const config = JSON.parse(read(path.join(TINY_MODEL, 'tokenizer_config.json'))) as Record<string, unknown>;
  const src = tinyWith({
    'tokenizer_config.json': JSON.stringify({ ...config, pad_token: '<unk>' }, null, 2),
    'special_tokens_map.json': '{"bos_token": "<s>", "pad_token": {"content": "<unk>", "lstrip": false, "normalized": false}, "eos_token": "</s>"}',
  });
  const model = loadModel(src, { backend });
  model.setScoreHead(backend.alloc('f32', 2 * model.cfg.hiddenSize), false);
  const out = path.join(tmp(), 'out');
  const { stderr } = captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'classification', labels: ['no', 'yes'] }));
  assert.ok(stderr.includes(`warning: ${src}: the tokenizer's pad_token "<unk>" is written "</s>", config.json's pad_token_id 2, which the classification head's pick skips`), stderr);
  assert.equal(json(path.join(out, 'config.json')).pad_token_id, 2);
  const written = json(path.join(out, 'tokenizer_config.json'));
  assert.deepEqual({ ...written, chat_template: undefined }, { ...config, pad_token: '</s>', chat_template: undefined }); // (the built-in template added)
  assert.deepEqual(json(path.join(out, 'special_tokens_map.json')), { bos_token: '<s>', pad_token: '</s>', eos_token: '</s>' });
  assert.equal(captureStderr(() => loadTokenizer(out)).result.padId, 2);
  // a causal export keeps the source's pad token as it is
  assert.equal(json(path.join(saved(src), 'tokenizer_config.json')).pad_token, '<unk>');
});

test("a classification export whose source pads with tokenizer.json's padding.pad_token (<unk>; tokenizer_config.json names none) says so as it writes config.json's", () => {
  // transformers 5.17 takes that pad token where tokenizer_config.json has no pad_token key (json-defaults.ts): HF scored padding there too
  const { pad_token: _, ...config } = JSON.parse(read(path.join(TINY_MODEL, 'tokenizer_config.json'))) as Record<string, unknown>;
  const tokenizer = JSON.parse(read(path.join(TINY_MODEL, 'tokenizer.json'))) as Record<string, unknown>;
  const padding = { strategy: 'BatchLongest', direction: 'Right', pad_to_multiple_of: null, pad_id: 0, pad_type_id: 0, pad_token: '<unk>' };
  const src = tinyWith({ 'tokenizer_config.json': JSON.stringify(config, null, 2), 'tokenizer.json': JSON.stringify({ ...tokenizer, padding }) });
  assert.equal(captureStderr(() => loadTokenizer(src)).result.padId, 0);
  const model = loadModel(src, { backend });
  model.setScoreHead(backend.alloc('f32', 2 * model.cfg.hiddenSize), false);
  const out = path.join(tmp(), 'out');
  const { stderr } = captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'classification', labels: ['no', 'yes'] }));
  assert.ok(stderr.includes(`warning: ${src}: the tokenizer's pad_token "<unk>" is written "</s>", config.json's pad_token_id 2, which the classification head's pick skips`), stderr);
  assert.equal(json(path.join(out, 'tokenizer_config.json')).pad_token, '</s>');
  assert.equal(captureStderr(() => loadTokenizer(out)).result.padId, 2);
});

test('eos_token_id null stays null in config.json and is left out of generation_config.json (as transformers 5.17), floats written as Python writes them, the int rope_theta given kept', () => {
  const cfg = json(path.join(TINY_MODEL, 'config.json'));
  const src = tinyWith({ 'config.json': JSON.stringify({ ...cfg, eos_token_id: null, rope_theta: 10000, rms_norm_eps: 1e-6 }), 'generation_config.json': null });
  const out = saved(src);
  assert.equal(json(path.join(out, 'config.json')).eos_token_id, null);
  assert.ok(!('eos_token_id' in json(path.join(out, 'generation_config.json'))));
  // the int the source gave stays one, as transformers writes it back (an int there is no error: it takes either)
  assert.match(read(path.join(out, 'config.json')), /"rope_theta": 10000,?\n/);
  assert.match(read(path.join(out, 'config.json')), /"rms_norm_eps": 1e-06,/);
});

test('random weights at vocabulary 32000 are saved with the bundled tokenizer they were trained with', () => {
  const model = initRandomModel(backend, loadConfig(TINY_MODEL), { seed: 1, std: 0.02, dtype: 'f32' });
  const out = path.join(tmp(), 'out');
  saveModelFolder(model, out, { sourceDir: null, head: 'causal' });
  assert.equal(read(path.join(out, 'tokenizer.json')), read(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json')));
  assert.equal(json(path.join(out, 'tokenizer_config.json')).chat_template, DEFAULT_CHAT_TEMPLATE);
});

test('a folder with tokenizer.json alone: the template goes to chat_template.jinja, no tokenizer_config.json is made (BOS and EOS stay implied)', () => {
  const out = saved(tinyWith({ 'tokenizer_config.json': null }));
  assert.equal(fs.existsSync(path.join(out, 'tokenizer_config.json')), false);
  assert.equal(read(path.join(out, 'chat_template.jinja')), DEFAULT_CHAT_TEMPLATE);
  const tok = captureStderr(() => loadTokenizer(out)).result;
  assert.deepEqual([tok.bosId, tok.eosId], [1, 2]);
  const cls = saved(tinyWith({ 'tokenizer_config.json': null }), 'classification');
  assert.deepEqual(json(path.join(cls, 'tokenizer_config.json')), { bos_token: '<s>', eos_token: '</s>', pad_token: '</s>' });
  assert.deepEqual([captureStderr(() => loadTokenizer(cls)).result.bosId, captureStderr(() => loadTokenizer(cls)).result.padId], [1, 2]);
});

test('named chat templates in additional_chat_templates/ (which transformers reads beside chat_template.jinja) are copied into the folder written: its *.jinja files', () => {
  const src = tinyWith({ 'chat_template.jinja': '{{ messages[0].content }}' });
  fs.mkdirSync(path.join(src, 'additional_chat_templates'));
  fs.writeFileSync(path.join(src, 'additional_chat_templates', 'tool_use.jinja'), 'TOOLS');
  fs.writeFileSync(path.join(src, 'additional_chat_templates', 'README.md'), 'not read by transformers');
  const model = loadModel(src, { backend });
  const out = path.join(tmp(), 'out');
  const { stderr } = captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' }));
  assert.doesNotMatch(stderr, /additional_chat_templates/);
  assert.deepEqual(fs.readdirSync(path.join(out, 'additional_chat_templates')), ['tool_use.jinja']);
  assert.equal(read(path.join(out, 'additional_chat_templates', 'tool_use.jinja')), 'TOOLS');
  const plain = path.join(tmp(), 'plain');
  captureStderr(() => saveModelFolder(model, plain, { sourceDir: TINY_MODEL, head: 'causal' }));
  assert.equal(fs.existsSync(path.join(plain, 'additional_chat_templates')), false);
  // a source with named templates but no default ({"tool_use": ...} alone): written as it is, no chat_template.jinja.
  // It was the built-in one as chat_template.jinja, which made transformers render chats with [INST] where the source
  // had no default (transformers 5.17 refuses a chat there, as training here now does: no chat was rendered with it)
  const bare = tinyWith({});
  fs.mkdirSync(path.join(bare, 'additional_chat_templates'));
  fs.writeFileSync(path.join(bare, 'additional_chat_templates', 'tool_use.jinja'), 'TOOLS');
  const out2 = path.join(tmp(), 'out2');
  captureStderr(() => saveModelFolder(loadModel(bare, { backend }), out2, { sourceDir: bare, head: 'causal' }));
  assert.equal(fs.existsSync(path.join(out2, 'chat_template.jinja')), false);
  assert.equal(read(path.join(out2, 'additional_chat_templates', 'tool_use.jinja')), 'TOOLS');
  assert.equal(json(path.join(out2, 'tokenizer_config.json')).chat_template, undefined);
  // a chat_template list without "default" (transformers 5.17 loads it; it was refused as the tokenizer loaded): kept as
  // it is, the built-in one not added beside it (which was refused: "chat_template" is set already)
  const list = [{ name: 'alpha', template: 'A' }, { name: 'tool_use', template: 'TOOLS' }];
  const listed = tinyWith({ 'tokenizer_config.json': JSON.stringify({ ...json(path.join(TINY_MODEL, 'tokenizer_config.json')), chat_template: list }) });
  const out4 = tmp();
  captureStderr(() => writeTokenizerFiles(out4, { sourceDir: listed, vocabSize: 32000, padTokenId: null }));
  assert.deepEqual(json(path.join(out4, 'tokenizer_config.json')).chat_template, list);
  assert.deepEqual(fs.readdirSync(out4).filter((f) => f.includes('chat_template')), []);
  // one in tokenizer_config.json's key: used here, but not by transformers beside named templates (warned of when the
  // source is read); the folder written has it as chat_template.jinja, the default transformers reads beside them
  const keyed = tinyWith({});
  fs.cpSync(path.join(bare, 'additional_chat_templates'), path.join(keyed, 'additional_chat_templates'), { recursive: true });
  const cfg = json(path.join(keyed, 'tokenizer_config.json'));
  fs.writeFileSync(path.join(keyed, 'tokenizer_config.json'), JSON.stringify({ ...cfg, chat_template: 'KEY {{ messages[0].content }}' }));
  const loaded = captureStderr(() => loadModel(keyed, { backend }));
  const read1 = captureStderr(() => loadTokenizer(keyed));
  assert.match(read1.stderr + loaded.stderr, /tokenizer_config\.json: chat_template: used as the chat template here, but transformers does not read it beside additional_chat_templates\/ \(tool_use\.jinja\): it has no default template there/);
  const out3 = path.join(tmp(), 'out3');
  const saved3 = captureStderr(() => saveModelFolder(loaded.result, out3, { sourceDir: keyed, head: 'causal' }));
  assert.doesNotMatch(saved3.stderr, /out3/);
  assert.equal(read(path.join(out3, 'chat_template.jinja')), 'KEY {{ messages[0].content }}');
});

test("the chat templates written are the files transformers' save_pretrained writes for the same source (test/fixtures/saved-chat-templates)", () => {
  type Case = { jinja: string | null; named: Record<string, string>; key: unknown };
  const dir = path.join(FIXTURES, 'saved-chat-templates');
  const cases = json(path.join(dir, 'cases.json')) as Record<string, Case>;
  const expected = json(path.join(dir, 'expected.json')) as Record<string, { files: Record<string, string> }>;
  const jinjaFiles = (d: string): Record<string, string> => Object.fromEntries((fs.readdirSync(d, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.jinja')).sort().map((f) => [f, read(path.join(d, f))]));
  for (const [name, c] of Object.entries(cases)) {
    const src = tmp();
    for (const f of ['tokenizer.json', 'config.json']) fs.copyFileSync(path.join(TINY_MODEL, f), path.join(src, f));
    const tc = json(path.join(TINY_MODEL, 'tokenizer_config.json'));
    fs.writeFileSync(path.join(src, 'tokenizer_config.json'), JSON.stringify(c.key === null ? tc : { ...tc, chat_template: c.key }));
    if (c.jinja !== null) fs.writeFileSync(path.join(src, 'chat_template.jinja'), c.jinja);
    if (Object.keys(c.named).length > 0) fs.mkdirSync(path.join(src, 'additional_chat_templates'));
    for (const [k, v] of Object.entries(c.named)) fs.writeFileSync(path.join(src, 'additional_chat_templates', `${k}.jinja`), v);
    const out = tmp();
    const before = captureStderr(() => readFolderTokenizerConfig(src)).result.chatTemplate;
    captureStderr(() => writeTokenizerFiles(out, { sourceDir: src, vocabSize: 32000, padTokenId: null }));
    assert.equal(captureStderr(() => readFolderTokenizerConfig(out)).result.chatTemplate, before, `${name}: the template training used`);
    // a template only tokenizer_config.json's key holds stays where it is (transformers moves it into the files, and
    // drops it beside named templates without a default, where this one is written as chat_template.jinja instead)
    const keyOnly = c.key !== null && c.jinja === null && c.named['default'] === undefined;
    if (!keyOnly) assert.deepEqual(jinjaFiles(out), expected[name]!.files, name);
  }
});

test('a tokenizer_config.json and special_tokens_map.json holding NaN and Infinity (which transformers\' json.load reads) are read, copied and edited with them kept as written', () => {
  const config = read(path.join(TINY_MODEL, 'tokenizer_config.json')).trimEnd().replace(/\}$/, ',\n  "my_key": NaN,\n  "big": [-Infinity, 1]\n}\n');
  const map = '{"bos_token": "<s>", "eos_token": "</s>", "my_key": NaN}';
  const src = tinyWith({ 'tokenizer_config.json': config, 'special_tokens_map.json': map });
  assert.equal(readFolderTokenizerConfig(src).chatTemplate, null);
  for (const head of ['causal', 'classification'] as const) {
    const out = saved(src, head); // the built-in template added to tokenizer_config.json; a classification export's pad token to both
    const written = read(path.join(out, 'tokenizer_config.json'));
    assert.match(written, /\n {2}"my_key": NaN,\n {2}"big": \[-Infinity, 1\],?\n/, head);
    assert.equal(readFolderTokenizerConfig(out).chatTemplate, DEFAULT_CHAT_TEMPLATE, head);
    assert.match(read(path.join(out, 'special_tokens_map.json')), /"my_key": NaN/, head);
    assert.equal(captureStderr(() => loadTokenizer(out)).result.padId, head === 'classification' ? 2 : null, head);
  }
});

test('a JSON file of the source cut short (tokenizer.json, tokenizer_config.json, special_tokens_map.json, generation_config.json) is refused naming it there, not copied on nor named at its copy', () => {
  const whole = (f: string): string => read(path.join(TINY_MODEL, f));
  const files: Record<string, string> = {
    'tokenizer.json': whole('tokenizer.json'), 'tokenizer_config.json': whole('tokenizer_config.json'),
    'generation_config.json': whole('generation_config.json'), 'special_tokens_map.json': '{"bos_token": "<s>", "eos_token": "</s>"}\n',
  };
  const model = loadModel(TINY_MODEL, { backend }); // the same weights as each damaged copy's (linked)
  for (const [f, text] of Object.entries(files)) {
    const src = tinyWith({ ...files, [f]: text.slice(0, Math.floor(text.length / 2)) });
    const out = path.join(tmp(), 'out');
    assert.throws(() => captureStderr(() => saveModelFolder(model, out, { sourceDir: src, head: 'causal' })),
      (e: unknown) => e instanceof Error && e.message.startsWith(`${path.join(src, f)}:`) && /invalid JSON/.test(e.message), f);
    assert.equal(fs.existsSync(path.join(out, f)), false, `${f} is not copied`);
  }
});

test('a source tokenizer_config.json holding a NaN (transformers\' json.load takes it) is read, copied and given a classification pad token as text (was: "invalid JSON" at the load, then at the copy)', () => {
  const text = read(path.join(TINY_MODEL, 'tokenizer_config.json')).replace(/\n}\s*$/, ',\n  "my_limit": NaN\n}\n');
  const src = tinyWith({ 'tokenizer_config.json': text });
  assert.equal(captureStderr(() => readFolderTokenizerConfig(src)).result.unkToken, '<unk>');
  const out = saved(src, 'classification');
  const written = read(path.join(out, 'tokenizer_config.json'));
  // the source's text kept, the pad token and the built-in chat template (the tiny model has none) set in it
  assert.match(written, /\n {2}"my_limit": NaN,\n/);
  assert.match(written, /\n {2}"pad_token": "<\/s>",\n/);
  assert.ok(written.startsWith(text.slice(0, text.indexOf('"pad_token"'))), 'the text before pad_token as it was');
});
