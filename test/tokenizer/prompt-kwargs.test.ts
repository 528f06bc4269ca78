// A messages file that is a chat record with "chat_template_kwargs" (TRL 1.13's field, as prepare reads it) renders
// generate's prompt with those variables, as transformers' apply_chat_template(messages, tools=…,
// add_generation_prompt=True, **kwargs) does (test/fixtures/hf-prompt-kwargs/cases.json: a small template reading
// enable_thinking, effort, tools and bos_token on the tekken-tiny tokenizer); refused as prepare refuses it (no object,
// an argument of apply_chat_template's name) naming the file and the field; never dropped unsaid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { encodePrompt, readMessagesFile, readPromptFile } from '../../src/tokenizer/prompt.ts';
import { parsePythonJson, pythonJson } from '../../src/data/python-numbers.ts';
import { isUserError } from '../../src/util/errors.ts';
import { quietly, tempFolder } from './helpers.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const TEKKEN = path.join(FIXTURES, 'tekken-tiny');
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
interface Case { name: string; record: Record<string, unknown>; text: string; ids: number[] }
// read as transformers' json reads it: 1.0 a float
const fixture = parsePythonJson(fs.readFileSync(path.join(FIXTURES, 'hf-prompt-kwargs', 'cases.json'), 'utf8')) as { template: string; cases: Case[] };
const tok = quietly(() => loadTokenizer(tempFolder({
  'tokenizer.json': readJson(path.join(TEKKEN, 'tokenizer.json')),
  'tokenizer_config.json': { ...readJson(path.join(TEKKEN, 'tokenizer_config.json')), chat_template: fixture.template },
})));
const dir = tempFolder({});
const says = (re: RegExp) => (e: unknown) => isUserError(e) && re.test((e as Error).message);

/** `record` written as Python's json.dumps writes it (1.0 stays 1.0) to a messages file. */
function messagesFile(record: unknown, name = 'prompt.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, pythonJson(record));
  return file;
}

test("a messages file's chat_template_kwargs render into the prompt as transformers' apply_chat_template(..., add_generation_prompt=True, **kwargs)", () => {
  assert.equal(fixture.cases.length, 5);
  for (const c of fixture.cases) {
    const prompt = readPromptFile(messagesFile(c.record));
    assert.deepEqual(encodePrompt(tok, prompt), c.ids, c.name);
    assert.equal(tok.decode(c.ids, { skipSpecialTokens: false }), c.text, c.name);
  }
});

test('chat_template_kwargs null or {} are none; as given in the prompt read (key order, 1.0 a float)', () => {
  const [plain, off] = fixture.cases;
  const messages = plain!.record.messages;
  for (const none of [null, {}]) {
    const read = readPromptFile(messagesFile({ messages, chat_template_kwargs: none }));
    assert.deepEqual(read, readPromptFile(messagesFile({ messages })));
    assert.deepEqual(encodePrompt(tok, read), plain!.ids);
  }
  assert.deepEqual(readPromptFile(messagesFile(off!.record)).chatTemplateKwargs, { enable_thinking: false });
  const effort = fixture.cases.find((c) => c.name.startsWith('tools, and effort'))!;
  const read = readPromptFile(messagesFile(effort.record));
  assert.equal(pythonJson(read.chatTemplateKwargs), '{"effort":{"level":1.0,"b":[2,"x"],"a":null},"enable_thinking":true}');
});

test('chat_template_kwargs that are no object, or name an argument of apply_chat_template, are refused naming the file and the field, as prepare refuses them', () => {
  const messages = fixture.cases[0]!.record.messages;
  const refused = (kwargs: unknown, re: RegExp) => {
    const file = messagesFile({ messages, chat_template_kwargs: kwargs }, 'refused.json');
    assert.throws(() => readPromptFile(file), (e: unknown) => says(re)(e) && (e as Error).message.startsWith(`${file}: "chat_template_kwargs"`), pythonJson(kwargs));
  };
  refused([{ enable_thinking: false }], /"chat_template_kwargs" is an array; it is an object of extra chat template variables/);
  refused('{"enable_thinking": false}', /"chat_template_kwargs" is a string; it is an object/);
  refused(false, /"chat_template_kwargs" is a boolean; it is an object/);
  refused({ tools: [] }, /"chat_template_kwargs" has "tools", which apply_chat_template takes as its own argument, not as a template variable: give tool definitions as the record's "tools" field/);
  refused({ add_generation_prompt: false }, /has "add_generation_prompt", which apply_chat_template takes as its own argument/);
  refused({ continue_final_message: true }, /has "continue_final_message", which apply_chat_template takes as its own argument/);
});

test('readMessagesFile, whose messages are text turns only, refuses chat_template_kwargs rather than dropping them', () => {
  const off = fixture.cases[1]!;
  const file = messagesFile(off.record);
  assert.throws(() => readMessagesFile(file), says(/"chat_template_kwargs" holds chat template variables, .*readMessagesFile reads the messages only \(readPromptFile reads them\)/));
  // none given: read as before
  assert.equal(readMessagesFile(messagesFile({ messages: off.record.messages, chat_template_kwargs: {} })).length, 3);
});

test('a lone surrogate in the parts kept as given (tool calls, a call id, tools, chat_template_kwargs) is refused naming where, as prepare rejects it', () => {
  const call = (args: string) => ({ role: 'assistant', content: null, tool_calls: [{ id: 'abc123def', type: 'function', function: { name: 'f', arguments: args } }] });
  const cases: Array<[string, RegExp]> = [
    ['{"messages": [{"role": "user", "content": "hi"}], "chat_template_kwargs": {"effort": "a\\ud800"}}', /"chat_template_kwargs"\.effort holds a lone surrogate \\ud800 at character 2/],
    ['{"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "function", "function": {"name": "f\\udc00"}}]}', /"tools"\[0\]\.function\.name holds a lone surrogate \\udc00/],
    [`{"messages": [{"role": "user", "content": "hi"}, ${JSON.stringify(call('{"a": 1}')).replace('"f"', '"f\\ud800"')}, {"role": "tool", "tool_call_id": "abc123def", "content": "1"}]}`, /messages\[1\]\.tool_calls\[0\]\.function\.name holds a lone surrogate/],
    [`{"messages": [{"role": "user", "content": "hi"}, ${JSON.stringify(call('{"a": 1}'))}, {"role": "tool", "tool_call_id": "abc\\ud800", "content": "1"}]}`, /messages\[2\]\.tool_call_id holds a lone surrogate/],
  ];
  for (const [text, why] of cases) {
    const file = path.join(dir, 'lone.json');
    fs.writeFileSync(file, text);
    assert.throws(() => readPromptFile(file), (e: unknown) => says(why)(e) && (e as Error).message.startsWith(`${file}: `) && !(e as Error).message.includes('\n'), text);
  }
});
