// Chat templates: the default Mistral template (exact text and whitespace, and its tokens), a custom
// chat_template from tokenizer_config.json (Mistral 7B Instruct v0.1's, against published ids), and
// errors for chats the templates reject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import type { ChatMessage } from '../../src/tokenizer/index.ts';
import { isUserError } from '../../src/util/errors.ts';
import { bundled, bundledConfigJson, bundledTokenizerJson, quietly, tempFolder } from './helpers.ts';

const sys = (content: string): ChatMessage => ({ role: 'system', content });
const user = (content: string): ChatMessage => ({ role: 'user', content });
const bot = (content: string): ChatMessage => ({ role: 'assistant', content });

test('default template: exact text, with and without a system message', () => {
  const t = bundled('fast');
  assert.equal(t.usesDefaultChatTemplate, true);
  assert.equal(t.applyChatTemplate([user('Hi')]), '<s>[INST] Hi [/INST]');
  assert.equal(t.applyChatTemplate([user('Hi'), bot('Hello!')]), '<s>[INST] Hi [/INST] Hello!</s>');
  assert.equal(
    t.applyChatTemplate([sys('Be brief.'), user('Hi'), bot('Hello!'), user('Bye'), bot('See you.')]),
    '<s>[INST] Be brief.\n\nHi [/INST] Hello!</s>[INST] Bye [/INST] See you.</s>',
  );
  // The system message goes into the first user turn only; addGenerationPrompt adds nothing.
  assert.equal(t.applyChatTemplate([sys('S'), user('U1'), bot('A1'), user('U2')], { addGenerationPrompt: true }), '<s>[INST] S\n\nU1 [/INST] A1</s>[INST] U2 [/INST]');
  // Contents are inserted verbatim (no trimming).
  assert.equal(t.applyChatTemplate([user('  x\n'), bot(' y ')]), '<s>[INST]   x\n [/INST]  y </s>');
});

test('default template: tokens (one BOS, "▁[", "INST", "]", each answer ends with one EOS)', () => {
  const t = bundled('fast');
  const ids = t.encode(t.applyChatTemplate([user('Hi'), bot('Hello!'), user('Bye'), bot('Ok')]));
  const inst = t.encode('[INST]'); // ▁[ INST ]
  assert.deepEqual(inst, [733, 16289, 28793]);
  assert.equal(ids.filter((i) => i === t.bosId).length, 1);
  assert.equal(ids[0], t.bosId);
  assert.equal(ids.filter((i) => i === t.eosId).length, 2);
  assert.equal(ids.at(-1), t.eosId);
  // Text after a special token is encoded as its own piece, with its own "▁" prefix (HF legacy behaviour):
  const eos = ids.indexOf(t.eosId!);
  assert.deepEqual(ids.slice(1, eos), t.encode('[INST] Hi [/INST] Hello!'));
  assert.deepEqual(ids.slice(eos + 1, -1), t.encode('[INST] Bye [/INST] Ok'));
  // The answer's first token carries the space after [/INST]: "... ] ▁Hello !" = encode('Hello!').
  assert.deepEqual(t.encode('[INST] Hi [/INST] Hello!').slice(-t.encode('Hello!').length), t.encode('Hello!'));
});

test('default template: rejected chats name the message', () => {
  const t = bundled('fast');
  const cases: [ChatMessage[], RegExp][] = [
    [[], /at least one message/],
    [[sys('s')], /must be followed by a user message/],
    [[bot('a')], /messages\[0\]\.role: expected role "user"/],
    [[user('a'), user('b')], /messages\[1\]\.role: expected role "assistant"/],
    [[user('a'), bot('b'), sys('c')], /messages\[2\]\.role: .*system message is only allowed first/],
    [[sys('s'), bot('a')], /messages\[1\]\.role: expected role "user"/],
  ];
  for (const [msgs, re] of cases) {
    assert.throws(() => t.applyChatTemplate(msgs), (e: unknown) => isUserError(e) && re.test((e as Error).message), JSON.stringify(msgs));
  }
});

// Mistral 7B Instruct v0.1's chat_template (its tokenizer_config.json on the Hub).
const INSTRUCT_V01_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token + ' ' }}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

function customTokenizer(chatTemplate: unknown) {
  const dir = tempFolder({ 'tokenizer.json': bundledTokenizerJson(), 'tokenizer_config.json': { ...bundledConfigJson(), chat_template: chatTemplate } });
  return { dir, t: quietly(() => loadTokenizer(dir)) };
}

test('custom chat_template from tokenizer_config.json: rendered with @huggingface/jinja, published text and ids', () => {
  const { t } = customTokenizer(INSTRUCT_V01_TEMPLATE);
  assert.equal(t.usesDefaultChatTemplate, false);
  const chat = [user('Hello, how are you?'), bot("I'm doing great. How can I help you today?"), user("I'd like to show off how chat templating works!")];
  // The text from the @huggingface/jinja README (transformers.js on mistralai/Mistral-7B-Instruct-v0.1); its ids there
  // have a lone "▁" (28705) after </s>, as the tokenizer.json alone gives. transformers 5.17 (LlamaTokenizer, the
  // config's "legacy": true: llama-class.ts) gives none, as mistral-common: these are AutoTokenizer's ids for the text.
  const text = t.applyChatTemplate(chat);
  assert.equal(text, "<s>[INST] Hello, how are you? [/INST]I'm doing great. How can I help you today?</s> [INST] I'd like to show off how chat templating works! [/INST]");
  assert.deepEqual(t.encode(text), [
    1, 733, 16289, 28793, 22557, 28725, 910, 460, 368, 28804, 733, 28748, 16289, 28793, 28737, 28742, 28719, 2548, 1598, 28723, 1602, 541, 315, 1316, 368,
    3154, 28804, 2, 733, 16289, 28793, 315, 28742, 28715, 737, 298, 1347, 805, 910, 10706, 5752, 1077, 3791, 28808, 733, 28748, 16289, 28793,
  ]);
});

test('custom template: add_generation_prompt reaches the template; raise_exception becomes a UserError naming the config', () => {
  const { t } = customTokenizer("{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}");
  assert.equal(t.applyChatTemplate([user('a')], { addGenerationPrompt: true }), '<user>a<assistant>');
  assert.equal(t.applyChatTemplate([user('a')]), '<user>a');
  const { t: strict } = customTokenizer(INSTRUCT_V01_TEMPLATE);
  assert.throws(
    () => strict.applyChatTemplate([user('a'), user('b')]),
    (e: unknown) => isUserError(e) && /tokenizer_config\.json: chat_template: .*roles must alternate/.test((e as Error).message),
  );
});

test('custom template: the special tokens transformers hands a template (bos, eos, unk, pad; empty when the tokenizer has none)', () => {
  const { t } = customTokenizer("{{ bos_token }}|{{ eos_token }}|{{ unk_token }}|{{ pad_token }}|{{ messages[0].content }}");
  assert.equal(t.applyChatTemplate([user('a')]), '<s>|</s>|<unk>||a');
  // and the config's sep, cls and mask tokens and extra_special_tokens' named ones, as transformers 5.17 hands them
  // (its special_tokens_map): '</s>|<s>|<unk>|</s>|' there, undefined (empty) here before
  const dir = tempFolder({
    'tokenizer.json': bundledTokenizerJson(),
    'tokenizer_config.json': { ...bundledConfigJson(), sep_token: '</s>', cls_token: '<s>', mask_token: '<unk>', extra_special_tokens: { image_token: '</s>' },
      chat_template: '{{ sep_token }}|{{ cls_token }}|{{ mask_token }}|{{ image_token }}|{{ pad_token }}' },
  });
  assert.equal(quietly(() => loadTokenizer(dir)).applyChatTemplate([user('a')]), '</s>|<s>|<unk>|</s>|');
});

test("custom template: str.strip/lstrip/rstrip strip the characters given, as Python's do (whitespace without one)", () => {
  const { t } = customTokenizer("{% for m in messages %}[{{ m.content.lstrip('\\n') }}|{{ m.content.rstrip(' x') }}|{{ m.content.strip() }}|{{ m.content.strip(none) }}|{{ m.content.strip('\\n ') }}]{% endfor %}");
  assert.equal(t.applyChatTemplate([user('\n\n    indented x ')]), '[    indented x |\n\n    indented|indented x|indented x|indented x]');
});

test('custom template: documents, continue_final_message and an empty chat are refused, not rendered without them; tool calls render as transformers renders them', () => {
  const { t } = customTokenizer(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'chat-templates', 'v03_tools.jinja'), 'utf8'));
  const call = [{ id: 'abcdefghi', type: 'function', function: { name: 'f', arguments: { x: 1 } } }];
  // transformers 5.17's text, every field of the message handed to the template (tool-chats.test.ts: more, with ids)
  assert.equal(t.applyChatTemplate([user('a'), { role: 'assistant', content: '', tool_calls: call }]), '<s>[INST] a[/INST][TOOL_CALLS] [{"name": "f", "arguments": {"x": 1}, "id": "abcdefghi"}]</s>');
  const says = (re: RegExp) => (e: unknown) => isUserError(e) && re.test((e as Error).message);
  const loose = (o: object) => o as { addGenerationPrompt?: boolean };
  assert.throws(() => t.applyChatTemplate([user('a')], loose({ documents: [] })), says(/options\.documents is no option/));
  assert.throws(() => t.applyChatTemplate([user('a'), bot('b')], loose({ continue_final_message: true })), says(/continue_final_message is no option: encodePrompt/));
  // transformers: "Cannot apply chat template to an empty conversation"; Mistral v0.1's template rendered "<s>" here
  const { t: v01 } = customTokenizer(INSTRUCT_V01_TEMPLATE);
  assert.throws(() => v01.applyChatTemplate([]), says(/^applyChatTemplate: messages is empty/));
  // an empty list of calls is handed to the template as transformers hands it (which writes '<s>[INST] a[/INST][TOOL_CALLS] ['); a null one (OpenAI's) is no call
  assert.equal(t.applyChatTemplate([user('a'), { ...bot('b'), tool_calls: [] }]), '<s>[INST] a[/INST][TOOL_CALLS] [');
  assert.equal(t.applyChatTemplate([user('a'), { ...bot('b'), tool_calls: null }]), '<s>[INST] a[/INST] b</s>');
});

test('custom template: a list of named templates uses "default"; a broken template fails at load', () => {
  const { t } = customTokenizer([{ name: 'tool_use', template: 'TOOLS' }, { name: 'default', template: 'DEFAULT{{ messages | length }}' }]);
  assert.equal(t.applyChatTemplate([user('a')]), 'DEFAULT1');
  assert.throws(() => customTokenizer('{% for m in messages %}'), (e: unknown) => isUserError(e) && /chat_template: cannot parse/.test((e as Error).message));
});

test('a list of named templates without "default" loads, as transformers 5.17 loads it; a chat rendered without tools is refused, naming the file and the names', () => {
  // was refused as the tokenizer loaded ('no template named "default"'), where transformers 5.17 loads it (raw text,
  // completion and classification work) and only apply_chat_template without a template name fails ("multiple chat
  // templates with no default ... Available template names are ['alpha', 'tool_use']"); given tools, it renders "tool_use"
  const { dir, t } = customTokenizer([{ name: 'alpha', template: 'A' }, { name: 'tool_use', template: 'T{{ tools | length }}{{ tools[0].function.name }}' }]);
  assert.deepEqual(t.encode('Hello'), [22557]);
  assert.equal(t.usesDefaultChatTemplate, false);
  const where = `${path.join(dir, 'tokenizer_config.json')}: chat_template: `;
  assert.throws(() => t.applyChatTemplate([user('a')]), (e: unknown) => isUserError(e) && (e as Error).message ===
    `${where}no default chat template among the named ones (alpha, tool_use) to render a chat with, as transformers 5.17 has none ("multiple chat templates with no default"); ` +
    'no option here picks a template by name: name the one to use "default" in that list');
  assert.equal(t.applyChatTemplate([user('a')], { tools: [{ type: 'function', function: { name: 'f' } }] }), 'T1f');
  // without a "tool_use" one, a chat given tools is refused too (transformers 5.17: the same ValueError); an empty list loads as well
  const { t: alone } = customTokenizer([{ name: 'alpha', template: 'A' }]);
  assert.throws(() => alone.applyChatTemplate([user('a')], { tools: [] }), (e: unknown) => isUserError(e) && /\(alpha\) to render a chat with/.test((e as Error).message));
  assert.throws(() => customTokenizer([]).t.applyChatTemplate([user('a')]), (e: unknown) => isUserError(e) && /among the named ones \(none\)/.test((e as Error).message));
  assert.throws(() => customTokenizer([{ name: 'alpha' }]), (e: unknown) => isUserError(e) && /chat_template: each entry must be/.test((e as Error).message));
});

test('additional_chat_templates/ with no default.jinja and no chat_template.jinja: loads, and a chat is refused naming the folder and its names, not rendered with the built-in [INST] one', () => {
  // was: rendered silently with the built-in template, where transformers 5.17 refuses apply_chat_template without a
  // name ("multiple chat templates with no default ... ['alpha', 'tool_use']") and, given tools, renders tool_use.jinja
  const dir = tempFolder({ 'tokenizer.json': bundledTokenizerJson(), 'tokenizer_config.json': bundledConfigJson() });
  fs.mkdirSync(path.join(dir, 'additional_chat_templates'));
  fs.writeFileSync(path.join(dir, 'additional_chat_templates', 'alpha.jinja'), 'A');
  fs.writeFileSync(path.join(dir, 'additional_chat_templates', 'tool_use.jinja'), 'T{{ tools | length }}{{ tools[0].function.name }}');
  const t = quietly(() => loadTokenizer(dir));
  assert.deepEqual(t.encode('Hello'), [22557]);
  assert.equal(t.usesDefaultChatTemplate, false);
  assert.throws(() => t.applyChatTemplate([user('a')]), (e: unknown) => isUserError(e) && (e as Error).message ===
    `${path.join(dir, 'additional_chat_templates')}: no default chat template among the named ones (alpha, tool_use) to render a chat with, as transformers 5.17 has none ` +
    `("multiple chat templates with no default"); no option here picks a template by name: copy the one to use to ${path.join(dir, 'chat_template.jinja')} ` +
    `(or to ${path.join(dir, 'additional_chat_templates', 'default.jinja')})`);
  assert.equal(t.applyChatTemplate([user('a')], { tools: [{ type: 'function', function: { name: 'f' } }] }), 'T1f');
  // a chat_template list of the config is dropped beside the files, as transformers reads them: still no default
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...bundledConfigJson(), chat_template: [{ name: 'beta', template: 'B' }] }));
  assert.throws(() => quietly(() => loadTokenizer(dir)).applyChatTemplate([user('a')]), (e: unknown) => isUserError(e) && /additional_chat_templates: no default chat template among the named ones \(alpha, tool_use\)/.test((e as Error).message));
  // with chat_template.jinja beside them, that one is the default
  fs.writeFileSync(path.join(dir, 'chat_template.jinja'), 'J{{ messages[0].content }}');
  assert.equal(quietly(() => loadTokenizer(dir)).applyChatTemplate([user('a')]), 'Ja');
});

test('a chat_template is bounded: a loop of 10^8 steps, a huge output, range() or a macro calling itself is a one-line error naming the file', () => {
  // one template (loading a tokenizer is the slow part), its branch chosen by the message
  const { t } = customTokenizer([
    "{% set c = messages[0]['content'] %}",
    '{% if c == "loop" %}{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}',
    // few iterations of a long string (2,600 characters): the output bound trips well inside the time bound, even on a loaded machine
    `{% elif c == "big" %}{% for i in range(600) %}{{ '${'abcdefghijklmnopqrstuvwxyz'.repeat(100)}' }}{% endfor %}`,
    '{% elif c == "range" %}{% for i in range(100000000) %}{% endfor %}',
    "{% elif c == \"raise\" %}{{ raise_exception('no system role') }}",
    '{% elif c == "recurse" %}{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}',
    "{% else %}{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}{{ strftime_now('%Y')|length }}{{ none is none }}{% endif %}",
  ].join(''));
  // the globals still behave as the library's: range, strftime_now, none (printed as Python prints True). First: the
  // worker thread starts at the first rendering (its modules loaded: seconds on a loaded CI machine), not timed below
  assert.equal(t.applyChatTemplate([user('Hi')]), '1354True');
  const start = Date.now();
  assert.throws(() => t.applyChatTemplate([user('loop')]), (e: Error) => e.name === 'UserError' &&
    /tokenizer_config\.json: chat_template: chat template stopped: rendering took longer than \d+ ms/.test(e.message) && !e.message.includes('\n'));
  assert.ok(Date.now() - start < 5_000, `stopped after ${Date.now() - start} ms`);
  assert.throws(() => t.applyChatTemplate([user('big')]), /chat_template: chat template stopped: the output passed [\d,]+ characters/);
  assert.throws(() => t.applyChatTemplate([user('range')]), /chat_template: chat template stopped: range\(\) of 100,000,000 items/);
  assert.throws(() => t.applyChatTemplate([user('raise')]), /chat template failed: no system role/);
  // a stack too deep is a macro that calls itself, not an output too large
  assert.throws(() => t.applyChatTemplate([user('recurse')]), /chat template stopped: Maximum call stack size exceeded \(a macro that calls itself without end\?\)$/);
  // and it renders again after those stops
  assert.equal(t.applyChatTemplate([user('Hi')]), '1354True');
});
