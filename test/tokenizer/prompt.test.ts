// Prompt encoding for generation, in the library (src/tokenizer/prompt.ts) as the CLI uses it: the chat
// template with the generation prompt (with the BOS the template writes), or raw text (BOS first exactly once); a messages file read with a
// one-line error naming the file. And the one test of "this model only classifies" (src/model/task.ts).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as api from '../../src/index.ts';
import { isUserError } from '../../src/util/errors.ts';
import { bundled, captureStderr } from './helpers.ts';
import { tempDir } from '../temp-dir.ts';

const tok = bundled('fast');
const dir = tempDir('mt-prompt-');

test('raw: BOS + the text, as encoded', () => {
  const ids = api.encodePrompt(tok, { raw: 'Hello world' });
  assert.equal(ids[0], tok.bosId);
  assert.deepEqual(ids.slice(1), tok.encode('Hello world').filter((id, i) => !(i === 0 && id === tok.bosId)));
  assert.equal(ids.filter((id) => id === tok.bosId).length, 1);
});

test('messages: the chat template with the generation prompt, BOS once (the template writes it)', () => {
  const messages = [{ role: 'user' as const, content: 'What is 2 + 2?' }];
  const text = tok.applyChatTemplate(messages, { addGenerationPrompt: true });
  const ids = api.encodePrompt(tok, { messages });
  assert.equal(ids[0], tok.bosId);
  assert.equal(ids.filter((id) => id === tok.bosId).length, 1);
  assert.equal(tok.decode(ids), tok.decode(tok.encode(text)));
  assert.match(tok.decode(ids), /\[INST\] What is 2 \+ 2\? \[\/INST\]/);
});

test('messages under a template that writes no BOS (ChatML): the rendering as it is, no BOS, as HF\'s apply_chat_template', () => {
  const chatml = Object.assign(Object.create(tok) as typeof tok, {
    applyChatTemplate: (ms: ReadonlyArray<{ role: string; content: string }>, o?: { addGenerationPrompt?: boolean }) =>
      ms.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`).join('') + (o?.addGenerationPrompt ? '<|im_start|>assistant\n' : ''),
  });
  const messages = [{ role: 'user' as const, content: 'Hi' }];
  const ids = api.encodePrompt(chatml, { messages });
  assert.deepEqual(ids, tok.encode(chatml.applyChatTemplate(messages, { addGenerationPrompt: true })));
  assert.equal(ids.includes(tok.bosId!), false);
  assert.equal(api.encodePrompt(chatml, { raw: 'Hi' })[0], tok.bosId, 'raw text still starts with BOS');
});

test('messages ending with an assistant message: continued (HF\'s continue_final_message), cut after its text, no </s>', () => {
  const messages = [{ role: 'user' as const, content: 'Name a fruit.' }, { role: 'assistant' as const, content: 'A fruit: the' }];
  const ids = api.encodePrompt(tok, { messages });
  assert.deepEqual(ids, tok.encode('<s>[INST] Name a fruit. [/INST] A fruit: the'));
  assert.equal(ids.includes(tok.eosId!), false);
  // trailing spaces the template writes are kept; a message the template does not write as it is cannot be continued
  const spaced = api.encodePrompt(tok, { messages: [messages[0]!, { role: 'assistant' as const, content: 'Sure: ' }] });
  assert.deepEqual(spaced, tok.encode('<s>[INST] Name a fruit. [/INST] Sure: '));
  const rewrites = Object.assign(Object.create(tok) as typeof tok, { applyChatTemplate: () => '<s>something else' });
  assert.throws(() => api.encodePrompt(rewrites, { messages }), (e) => isUserError(e) && /does not write its text as it is/.test(e.message));
});

test("a final assistant message of content parts is continued from its last text part, as transformers' continue_final_message picks it", () => {
  // a template that writes parts as Mistral Small 3.1's does: text as it is, an image as [IMG]
  type Part = { type: string; text?: string };
  const parts = Object.assign(Object.create(tok) as typeof tok, {
    applyChatTemplate: (ms: ReadonlyArray<{ role: string; content: string | Part[] }>) => '<s>' + ms.map((m) =>
      (typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '[IMG]')).join('')) + '</s>').join(''),
  });
  const ask = { role: 'user' as const, content: 'Look' };
  const answer = (content: Part[]) => ({ role: 'assistant' as const, content: content as unknown as string });
  // transformers 5.17, with the tag after "Seen: ": '<s>Look</s>A[IMG]Seen: ' (the [IMG] after the text and the </s> cut)
  const ids = api.encodePrompt(parts, { messages: [ask, answer([{ type: 'text', text: 'A' }, { type: 'image' }, { type: 'text', text: 'Seen: ' }, { type: 'image' }])] });
  assert.deepEqual(ids, tok.encode('<s>Look</s>A[IMG]Seen: '));
  // transformers: "continue_final_message is set but we could not find any text to continue in the final message!"
  assert.throws(() => api.encodePrompt(parts, { messages: [ask, answer([{ type: 'image' }])] }), (e) => isUserError(e) && /messages\[1\]\.content: .*no text to continue/.test(e.message));
});

test('a messages file: read, and refused with the file and the message index', () => {
  const ok = path.join(dir, 'ok.json');
  fs.writeFileSync(ok, JSON.stringify([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]));
  assert.deepEqual(api.readMessagesFile(ok), [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]);
  // roles as prepare reads them: any case, spaces around, OpenAI's developer as system
  fs.writeFileSync(ok, JSON.stringify([{ role: 'Developer', content: 'Be brief.' }, { role: ' USER ', content: 'Hi' }]));
  assert.deepEqual(api.readMessagesFile(ok), [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]);
  // a chat record as prepare writes it (and an OpenAI request body): its "messages"
  fs.writeFileSync(ok, JSON.stringify({ id: 'x', messages: [{ role: 'user', content: 'Hi' }], model: 'm' }));
  assert.deepEqual(api.readMessagesFile(ok), [{ role: 'user', content: 'Hi' }]);
  // a request body's tool definitions, which HF's apply_chat_template would render: refused, not dropped; none is none
  fs.writeFileSync(ok, JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'function', function: { name: 'w' } }] }));
  assert.throws(() => api.readMessagesFile(ok), (e: unknown) => isUserError(e) && e.message.startsWith(`${ok}: "tools" holds tool definitions`) && e.message.endsWith('drop the field to generate from the messages without them'));
  fs.writeFileSync(ok, JSON.stringify([{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'c', type: 'function', function: { name: 'w', arguments: '{}' } }] }]));
  assert.throws(() => api.readMessagesFile(ok), (e: unknown) => isUserError(e) && e.message === `${ok}: messages[1] is a tool call ("tool_calls"): readMessagesFile reads text turns only (readPromptFile reads tool use)`);
  fs.writeFileSync(ok, JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }], tools: [] }));
  assert.deepEqual(api.readMessagesFile(ok), [{ role: 'user', content: 'Hi' }]);
  // an OpenAI request body's content parts, as prepare reads them: the text parts joined with newlines; another part is named
  fs.writeFileSync(ok, JSON.stringify({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'there' }] }] }));
  assert.deepEqual(api.readMessagesFile(ok), [{ role: 'user', content: 'Hi\nthere' }]);
  fs.writeFileSync(ok, JSON.stringify([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'x' } }] }]));
  assert.throws(() => api.readMessagesFile(ok), (e: unknown) => isUserError(e) && e.message === `${ok}: messages[0].content[1] is a "image_url" part: only text content is read`);
  // a number where text is expected is read as prepare reads it, as the file spells it; so is a boolean
  fs.writeFileSync(ok, '[{"role": "user", "content": [{"type": "text", "text": 3.50}]}, {"role": "assistant", "content": 1e5}, {"role": "user", "content": true}]');
  assert.deepEqual(api.readMessagesFile(ok), [{ role: 'user', content: '3.50' }, { role: 'assistant', content: '1e5' }, { role: 'user', content: 'true' }]);
  // as a Windows editor saves it: a UTF-8 BOM first and CRLF line ends (prepare's JSON reader takes it so too)
  fs.writeFileSync(ok, '\uFEFF[\r\n  {"role": "user", "content": "Hi"}\r\n]\r\n');
  assert.deepEqual(api.readMessagesFile(ok), [{ role: 'user', content: 'Hi' }]);
  // JSON can spell half a surrogate pair, which is no text: refused as prepare refuses it (transformers' tokenizer cannot encode it)
  fs.writeFileSync(ok, '[{"role": "user", "content": "a\\ud800b"}]');
  assert.throws(() => api.readMessagesFile(ok), (e: unknown) => isUserError(e) && e.message === `${ok}: message 0: "content" holds a lone surrogate \\ud800 at character 2: not Unicode text`);
  // bytes that are not UTF-8 (a Latin-1 file, or stdin) were read as U+FFFD without a word; Python's json refuses them
  fs.writeFileSync(ok, Buffer.concat([Buffer.from('[\n  {"role": "user", "content": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n]\n')]));
  assert.throws(() => api.readMessagesFile(ok), (e: unknown) => isUserError(e) && e.message === `${ok}:2: invalid UTF-8 at byte 35 of line 2: the file must be UTF-8 text (in another encoding, Windows-1252 or Latin-1, convert it: iconv -f WINDOWS-1252 -t UTF-8)`);
  fs.writeFileSync(ok, JSON.stringify({ prompt: 'Hi' }));
  assert.throws(() => api.readMessagesFile(ok), (e: unknown) => isUserError(e) && /or an object whose "messages" is one/.test(String(e)));
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify([{ role: 'user', content: 'Hi' }, { role: 'robot', content: 'x' }]));
  assert.throws(() => api.readMessagesFile(bad), (e: unknown) => isUserError(e) && /messages\[1\]\.role is "robot"; roles are system, user, assistant/.test(String(e)) && String(e).includes(bad));
  const empty = path.join(dir, 'empty.json');
  fs.writeFileSync(empty, '[]');
  assert.throws(() => api.readMessagesFile(empty), (e: unknown) => isUserError(e) && /non-empty JSON array/.test(String(e)));
  // a message that is not an object, or a role that is an object, is the same one-line refusal (was a TypeError)
  for (const [i, messages] of [[1, [{ role: 'user', content: 'Hi' }, null]], [0, [{ role: { toString: 1 }, content: 'x' }]], [0, ['user']]] as const) {
    fs.writeFileSync(bad, JSON.stringify(messages));
    assert.throws(() => api.readMessagesFile(bad), (e: unknown) => isUserError(e) && e.message === `${bad}: message ${i} must be {"role": "system"|"user"|"assistant", "content": string}`);
  }
});

test('a messages file in JSON Lines is named as such, with what to write instead; a file that is neither keeps its JSON error', () => {
  const file = path.join(dir, 'msg.jsonl');
  const lines = (values: unknown[]) => fs.writeFileSync(file, values.map((v) => JSON.stringify(v)).join('\n') + '\n');
  // one message a line (was "msg.jsonl:2:1: invalid JSON (Unexpected non-whitespace character after JSON ...)")
  lines([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }]);
  assert.throws(() => api.readMessagesFile(file), (e: unknown) => isUserError(e) &&
    e.message === `${file}: this is JSON Lines (2 messages, one a line): write the messages as one JSON array, [{"role": "user", "content": "..."}, ...]`);
  // prepare's records, one conversation a line: which one is not guessed
  lines([{ messages: [{ role: 'user', content: 'Hi' }] }, { messages: [{ role: 'user', content: 'Yo' }] }, { messages: [] }]);
  assert.throws(() => api.readMessagesFile(file), (e: unknown) => isUserError(e) &&
    e.message.startsWith(`${file}: this is JSON Lines of 3 conversations (records, one a line): --messages takes one conversation`));
  lines([1, 'two']);
  assert.throws(() => api.readMessagesFile(file), (e: unknown) => isUserError(e) && e.message.startsWith(`${file}: this is JSON Lines (2 JSON values, one a line), not one JSON value`));
  // a train.jsonl of tool chats, whose calls may hold NaN or Infinity as json.dumps writes them: still told as conversations
  const call = { role: 'assistant', content: null, tool_calls: [{ id: 'abc123def', type: 'function', function: { name: 'f', arguments: { x: 'NAN' } } }] };
  fs.writeFileSync(file, [JSON.stringify({ messages: [{ role: 'user', content: 'Hi' }, call] }).replace('"NAN"', 'NaN'), JSON.stringify({ messages: [{ role: 'user', content: 'Yo' }] }).replace('"Yo"', '"Yo", "n": Infinity')].join('\n') + '\n');
  assert.throws(() => api.readMessagesFile(file), (e: unknown) => isUserError(e) && e.message.startsWith(`${file}: this is JSON Lines of 2 conversations (records, one a line)`));
  // a broken line, or broken JSON that is not lines at all: the syntax error where it is, as before
  fs.writeFileSync(file, '{"role": "user", "content": "Hi"}\n{"role": "user",\n');
  assert.throws(() => api.readMessagesFile(file), (e: unknown) => isUserError(e) && e.message.startsWith(`${file}:2:1: invalid JSON`));
});

test('isClassificationOnly: a score head without an LM head, or a classifier by config.json', () => {
  const score = { weight: {}, grad: null, numLabels: 2 };
  const m = (lmHead: object | null, s: object | null, task: string | null = null) => ({ weights: { lmHead }, score: s, cfg: { task } }) as unknown as Parameters<typeof api.isClassificationOnly>[0];
  assert.equal(api.isClassificationOnly(m(null, score)), true);
  assert.equal(api.isClassificationOnly(m({}, score)), false);
  assert.equal(api.isClassificationOnly(m({}, null)), false);
  assert.equal(api.isClassificationOnly(m({}, score, 'classification')), true, 'config.json says MistralForSequenceClassification');
  assert.equal(api.isClassificationOnly(m(null, null)), false);
});

test('the generate command only parses and calls: no prompt encoding or head test of its own', () => {
  for (const file of ['generate.ts', 'generate-flags.ts']) {
    const src = fs.readFileSync(path.resolve(import.meta.dirname, '../../src/cli', file), 'utf8');
    assert.doesNotMatch(src, /applyChatTemplate|\.encode\(|bosId|weights\.lmHead|\.score\b/, file);
  }
});

test("a messages file's role that is not ours is explained as prepare explains it: ShareGPT's names, a near miss", () => {
  // generate said only 'message 0 must be {"role": "system"|"user"|"assistant", …}' where prepare names the role and what it means
  const refusal = (messages: unknown): string => {
    const file = path.join(dir, 'roles.json');
    fs.writeFileSync(file, JSON.stringify(messages));
    try {
      api.readMessagesFile(file);
    } catch (e) {
      assert.ok(isUserError(e));
      return e.message;
    }
    throw new Error('read');
  };
  // (not "or give the turns as ShareGPT's {from, value}", prepare's other way, which a messages file does not take)
  assert.match(refusal([{ role: 'human', content: 'hi' }]), /messages\[0\]\.role is "human"; roles are system, user, assistant \("human" is ShareGPT's name for "user": write "user"\)$/);
  assert.match(refusal([{ role: 'user', content: 'hi' }, { role: 'asistant', content: 'yo' }]), /messages\[1\]\.role is "asistant"; .*did you mean "assistant"\?/);
  assert.match(refusal([{ role: 'user' }]), /message 0 must be \{"role": "system"\|"user"\|"assistant", "content": string\}/);
});

test('a messages file whose messages carry a "name" (the speaker\'s) is read with it, as prepare keeps it for training: a template reading message.name renders it', () => {
  // before: the name was left out with a warning, where train (prepare's train.jsonl) renders it
  const dir = tempDir('mt-prompt-name-'), f = path.join(dir, 'named.json');
  fs.writeFileSync(f, JSON.stringify([{ role: 'user', name: 'alice', content: 'Hi' }, { role: 'assistant', content: 'Yo', name: '' }, { role: 'user', name: null, content: 'Hey' }]));
  const { result, stderr } = captureStderr(() => api.readMessagesFile(f));
  assert.deepEqual(result, [{ role: 'user', name: 'alice', content: 'Hi' }, { role: 'assistant', name: '', content: 'Yo' }, { role: 'user', content: 'Hey' }]);
  assert.equal(stderr, '');
  assert.deepEqual(api.readPromptFile(f).messages, result, 'the prompt file generate reads, the same');
  fs.writeFileSync(f, JSON.stringify([{ role: 'user', name: 42, content: 'Hi' }]));
  assert.throws(() => api.readPromptFile(f), (e: Error) => /named\.json: messages\[0\]\.name is a number; a speaker's name is text/.test(e.message));
  fs.rmSync(dir, { recursive: true, force: true });
});
