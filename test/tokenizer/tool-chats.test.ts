// Chats with tool calls, tool results and tool definitions: rendered and encoded as transformers 5.17's
// apply_chat_template gives them (test/fixtures/hf-tool-chats/cases.json: Mistral-7B-Instruct-v0.3's template on the
// tekken-tiny tokenizer), every field of each message handed to the template; refused where the template does not
// render them, which would give the chat without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer, type TemplateMessage } from '../../src/tokenizer/index.ts';
import { encodePrompt, readMessagesFile, readPromptFile } from '../../src/tokenizer/prompt.ts';
import { isUserError } from '../../src/util/errors.ts';
import { parsePythonJson, pythonJson } from '../../src/data/python-numbers.ts';
import { captureStderr, quietly, tempFolder } from './helpers.ts';
import { MISTRAL_V03_NO_TOOLS_TEMPLATE } from './mistral-v03-template.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const TEKKEN = path.join(FIXTURES, 'tekken-tiny');
const V03 = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'chat-templates', 'v03_tools.jinja'), 'utf8');
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

interface HfCase { name: string; messages: TemplateMessage[]; tools: unknown[]; add_generation_prompt: boolean; text: string; ids: number[] }
// read as transformers reads it: 1.0 a float, an int past 2**53 exact
const { cases } = parsePythonJson(fs.readFileSync(path.join(FIXTURES, 'hf-tool-chats', 'cases.json'), 'utf8')) as { cases: HfCase[] };

/** tekken-tiny with `chatTemplate` as its tokenizer_config.json's chat_template. */
function tekken(chatTemplate: unknown) {
  const dir = tempFolder({ 'tokenizer.json': readJson(path.join(TEKKEN, 'tokenizer.json')), 'tokenizer_config.json': { ...readJson(path.join(TEKKEN, 'tokenizer_config.json')), chat_template: chatTemplate } });
  return quietly(() => loadTokenizer(dir));
}

const says = (re: RegExp) => (e: unknown) => isUserError(e) && re.test((e as Error).message);
// one of each (a template renders on a worker thread of its own, whose start is most of a test's time)
const v03 = tekken(V03);
// a template that leaves out the roles it does not know, and writes a message's "name"
const skipping = tekken("{% for m in messages %}{% if m.role in ['user', 'assistant'] %}<{{ m.role }}>{{ m.content }}{{ m.name }}{% endif %}{% endfor %}");

test("Mistral v0.3's template: tool calls (arguments an object or a JSON string), tool results and tools render and encode as transformers' apply_chat_template, numbers as Python writes them (1.0, 1e-05, 12345678901234567890)", () => {
  assert.equal(cases.length, 5);
  for (const c of cases) {
    const text = v03.applyChatTemplate(c.messages, { tools: c.tools, addGenerationPrompt: c.add_generation_prompt });
    assert.equal(text, c.text, c.name);
    assert.deepEqual(v03.encode(text), c.ids, c.name);
  }
});

test('a template that does not render tool calls, tool results or tools refuses them, naming the message', () => {
  const [one] = cases;
  const withoutTools = tekken(MISTRAL_V03_NO_TOOLS_TEMPLATE);
  // transformers renders '<s>[INST] Weather in Zürich?[/INST] Let me look.</s>' here: the call lost (a tool result after
  // it fails the template's alternation of roles, here as there)
  const call = { ...one!.messages[1]!, content: 'Let me look.' };
  assert.throws(() => withoutTools.applyChatTemplate([one!.messages[0]!, call]), says(/^applyChatTemplate: messages\[1\] holds a tool call \("tool_calls"\), which the chat template \(.*tokenizer_config\.json: chat_template\) does not render/));
  assert.throws(() => withoutTools.applyChatTemplate([one!.messages[0]!, { role: 'assistant', content: 'x', function_call: { name: 'f', arguments: '{}' } }]), says(/messages\[1\] holds a tool call \("function_call"\)/));
  const result: TemplateMessage = { role: 'tool', tool_call_id: 'abc123def', content: '3' };
  assert.throws(() => skipping.applyChatTemplate([{ role: 'user', content: 'a' }, result, { role: 'assistant', content: 'b' }]), says(/messages\[1\] is a tool result \(role "tool"\), which the chat template/));
  assert.throws(() => withoutTools.applyChatTemplate([{ role: 'user', content: 'a' }], { tools: one!.tools }), says(/options\.tools holds a tool definition, which the chat template/));
  // the built-in [INST] template (a config without chat_template: Mistral v0.1's) renders none
  const builtIn = tekken(null);
  assert.throws(() => builtIn.applyChatTemplate(one!.messages), says(/messages\[1\] holds a tool call \("tool_calls"\), which the built-in \[INST\] chat template/));
  // an empty list of tools holds no definition to lose
  assert.equal(builtIn.applyChatTemplate([{ role: 'user', content: 'a' }], { tools: [] }), '<s>[INST] a [/INST]');
});

test('every field of a message reaches the template, and a template that fails without a tool part reads it', () => {
  // transformers hands "name" (OpenAI's speaker) to the template
  assert.equal(skipping.applyChatTemplate([{ role: 'user', content: 'a', name: 'bob' }]), '<user>abob');
  // v0.3's fails on a tool result whose call id is not 9 characters, as transformers' does
  assert.throws(() => v03.applyChatTemplate([{ role: 'user', content: 'a' }, { role: 'tool', tool_call_id: 'short', content: '1' }]), says(/chat template failed: Tool call IDs should be alphanumeric strings with length 9!/));
  assert.throws(() => skipping.applyChatTemplate([{ role: 'user', content: 'a' }], { tools: 'f' as unknown as unknown[] }), says(/options\.tools is string: it is a list of tool definitions/));
});

test('given tools, a config\'s "tool_use" named template renders the chat, as transformers picks it', () => {
  // tekken-tiny's config lists "default", "tool_use" and "rag-v1" templates; transformers 5.17 gives this text
  const t = quietly(() => loadTokenizer(TEKKEN));
  const tools = [{ type: 'function', function: { name: 'f' } }];
  assert.equal(t.applyChatTemplate([{ role: 'user', content: 'a' }], { tools }), '<s>[AVAILABLE_TOOLS][{"type": "function", "function": {"name": "f"}}][/AVAILABLE_TOOLS][INST]a[/INST]');
  assert.equal(t.applyChatTemplate([{ role: 'user', content: 'a' }]), '<s>[INST]a[/INST]');
  // a folder's template files take the place of the config's templates: additional_chat_templates/tool_use.jinja is
  // the one, and with chat_template.jinja alone there is none (transformers 5.17: 'T1'; then 'DFalse')
  const folder = (files: Record<string, string>) => {
    const dir = tempFolder({ 'tokenizer.json': readJson(path.join(TEKKEN, 'tokenizer.json')), 'tokenizer_config.json': readJson(path.join(TEKKEN, 'tokenizer_config.json')) });
    fs.mkdirSync(path.join(dir, 'additional_chat_templates'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return quietly(() => loadTokenizer(dir));
  };
  const both = folder({ 'chat_template.jinja': 'D{{ tools is none }}', 'additional_chat_templates/tool_use.jinja': 'T{{ tools|length }}' });
  assert.equal(both.applyChatTemplate([{ role: 'user', content: 'a' }], { tools }), 'T1');
  assert.equal(folder({ 'chat_template.jinja': 'D{{ tools is none }}' }).applyChatTemplate([{ role: 'user', content: 'a' }], { tools }), 'DFalse');
});

test("a messages file with tool use (a chat record's, an OpenAI request body's) is read as given and encoded as transformers' generation prompt", () => {
  const c = cases.find((k) => k.add_generation_prompt && k.messages.some((m) => m.role === 'tool'))!;
  const dir = tempFolder({ 'prompt.json': { model: 'm', messages: c.messages, tools: c.tools } });
  const file = path.join(dir, 'prompt.json');
  const prompt = readPromptFile(file);
  assert.deepEqual(prompt, { messages: c.messages, tools: c.tools });
  assert.deepEqual(encodePrompt(v03, prompt), c.ids);
  // content null beside the calls is read as empty, as prepare reads it; tools as JSON text are parsed
  const nulled = c.messages.map((m) => (m.role === 'assistant' ? { ...m, content: null } : m));
  fs.writeFileSync(file, JSON.stringify({ messages: nulled, tools: JSON.stringify(c.tools) }));
  assert.deepEqual(encodePrompt(v03, readPromptFile(file)), c.ids);
  // a conversation that ends with the calls has nothing for the model to answer from
  fs.writeFileSync(file, JSON.stringify({ messages: c.messages.slice(0, -1), tools: c.tools }));
  assert.throws(() => encodePrompt(v03, readPromptFile(file)), says(/^messages\[1\]: the conversation ends with an assistant turn that calls tools: give their results after it/));
  // readMessagesFile, whose messages are text turns, refuses tool use rather than dropping it
  assert.throws(() => readMessagesFile(file), says(/"tools" holds tool definitions, .*readMessagesFile reads text turns only \(readPromptFile reads tool use\)/));
  fs.writeFileSync(file, JSON.stringify(c.messages));
  assert.throws(() => readMessagesFile(file), says(/messages\[1\] is a tool call \("tool_calls"\): readMessagesFile reads text turns only \(readPromptFile reads tool use\)/));
  fs.writeFileSync(file, JSON.stringify({ messages: c.messages, tools: { add: 1 } }));
  assert.throws(() => readPromptFile(file), says(/"tools" is an object; it is an array of tool definitions/));
  // numbers as Python's json reads them (1.0 a float, 12345678901234567890 exact), in tools given as JSON text too
  const floats = cases.find((k) => k.name.startsWith('numbers as Python has them'))!;
  for (const tools of [floats.tools, pythonJson(floats.tools)]) {
    fs.writeFileSync(file, pythonJson({ messages: floats.messages, tools }));
    const read = readPromptFile(file);
    assert.equal(v03.applyChatTemplate(read.messages, { tools: read.tools! }), floats.text);
  }
});

// A messages file as Python's json.dumps writes one (prepare's train.jsonl holds a tool call's nan and inf so): NaN,
// Infinity and -Infinity are read as json.loads reads them (it was refused as invalid JSON), NaN a float nan where the
// template renders it, and 1.0 stays a float. The expected text is transformers 5.17's apply_chat_template(json.load(f)
// ['messages'], tools=…, chat_template=v03_tools.jinja, add_generation_prompt=True) on tekken-tiny.
test("a messages file with Python's NaN and Infinity in a tool call's arguments and tools renders as transformers renders its json.load", () => {
  const dir = tempFolder({});
  const file = path.join(dir, 'prompt.json');
  fs.writeFileSync(file, '{"messages": [{"role": "user", "content": "Add them"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "abc123def", "type": "function", "function": {"name": "add", "arguments": {"x": NaN, "y": Infinity, "z": -Infinity, "n": [NaN], "f": 1.0, "big": 12345678901234567890}}}]}, {"role": "tool", "tool_call_id": "abc123def", "content": "3"}], "tools": [{"type": "function", "function": {"name": "add", "description": "Add", "parameters": {"type": "object", "properties": {"x": {"type": "number", "default": 1.0, "maximum": Infinity}}}}}]}');
  const read = readPromptFile(file);
  assert.equal(v03.applyChatTemplate(read.messages, { tools: read.tools!, addGenerationPrompt: true }),
    '<s>[AVAILABLE_TOOLS] [{"type": "function", "function": {"name": "add", "description": "Add", "parameters": {"type": "object", "properties": {"x": {"type": "number", "default": 1.0, "maximum": Infinity}}}}}][/AVAILABLE_TOOLS][INST] Add them[/INST][TOOL_CALLS] [{"name": "add", "arguments": {"x": NaN, "y": Infinity, "z": -Infinity, "n": [NaN], "f": 1.0, "big": 12345678901234567890}, "id": "abc123def"}]</s>[TOOL_RESULTS] {"content": 3, "call_id": "abc123def"}[/TOOL_RESULTS]');
});

test('a messages file whose call turn has text the template does not render beside its calls: encoded as transformers does, and said', () => {
  const c = cases.find((k) => k.add_generation_prompt && k.messages.some((m) => m.role === 'tool'))!;
  const withText = c.messages.map((m) => (m.role === 'assistant' && 'tool_calls' in m ? { ...m, content: 'Sure' } : m));
  const call = withText.findIndex((m) => m.content === 'Sure');
  const { result, stderr } = captureStderr(() => encodePrompt(v03, { messages: withText, tools: c.tools }));
  assert.deepEqual(result, c.ids, "v0.3 renders the calls alone, as transformers' apply_chat_template does");
  assert.equal(stderr, `warning: messages[${call}].content is not rendered by the chat template beside the turn's tool calls (Mistral v0.3's renders the calls alone): ` +
    "the model does not see it, as with transformers' apply_chat_template\n");
  assert.equal(captureStderr(() => encodePrompt(v03, { messages: c.messages, tools: c.tools })).stderr, '', 'no text beside the calls: nothing said');
});
