// The built-in default [INST] template rendered directly (default-chat.ts) gives what the Jinja interpreter gives for
// DEFAULT_CHAT_TEMPLATE, byte for byte, on random chats; and the interpreter is not run for them (counted, not timed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatTemplate, DEFAULT_CHAT_TEMPLATE, type ChatTemplateContext } from '../../src/tokenizer/chat-template.ts';
import type { TemplateMessage } from '../../src/tokenizer/types.ts';
import { Rng } from '../../src/util/rng.ts';

const PIECES = ['a', 'Hello', ' ', '  ', '\n', '\n\n', '[INST]', '[/INST]', '</s>', '<s>', '{{ x }}', '{% if %}', 'é', '日本', '😀', '\ud800', '\t', '"', "'", '\\', ''];

function randomChat(rng: Rng): TemplateMessage[] {
  const text = () => Array.from({ length: rng.below(6) }, () => PIECES[rng.below(PIECES.length)]!).join('');
  const turns = 1 + rng.below(8);
  const chat: TemplateMessage[] = rng.below(3) === 0 ? [{ role: 'system', content: text() }] : [];
  for (let i = 0; i < turns; i++) chat.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: text(), ...(rng.below(5) === 0 ? { name: 'bob' } : {}) });
  return chat;
}

/** The text, or the error's message. */
function outcome(f: () => string): string {
  try {
    return `text: ${f()}`;
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

test('the default template rendered directly is what the interpreter renders from DEFAULT_CHAT_TEMPLATE, and the interpreter is not run', () => {
  const ctx: ChatTemplateContext = { bosToken: '<s>', eosToken: '</s>', source: 'built-in' };
  const direct = new ChatTemplate(null, ctx), interpreted = new ChatTemplate(DEFAULT_CHAT_TEMPLATE, { ...ctx, source: 'the same, interpreted' });
  const rng = new Rng(5);
  for (let k = 0; k < 300; k++) {
    const chat = randomChat(rng);
    const opts = [{}, { addGenerationPrompt: true }, { chatTemplateKwargs: {} }][k % 3]!;
    assert.equal(direct.render(chat, opts), interpreted.render(chat, opts), JSON.stringify(chat));
  }
  // before: every one of them ran the interpreter
  assert.equal(direct.stats.interpreted, 0);
});

test('where the default template is not rendered directly (a special token missing, template variables), the interpreter renders it as before', () => {
  const chat: TemplateMessage[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
  for (const ctx of [{ bosToken: null, eosToken: '</s>' }, { bosToken: '<s>', eosToken: null }]) {
    const direct = new ChatTemplate(null, { ...ctx, source: 'built-in' }), interpreted = new ChatTemplate(DEFAULT_CHAT_TEMPLATE, { ...ctx, source: 'built-in' });
    assert.equal(outcome(() => direct.render(chat)), outcome(() => interpreted.render(chat)));
    assert.equal(direct.stats.interpreted, 1);
  }
  const ctx: ChatTemplateContext = { bosToken: '<s>', eosToken: '</s>', source: 'built-in' };
  const direct = new ChatTemplate(null, ctx), interpreted = new ChatTemplate(DEFAULT_CHAT_TEMPLATE, ctx);
  const kwargs = { chatTemplateKwargs: { eos_token: '<END>' } };
  assert.equal(outcome(() => direct.render(chat, kwargs)), outcome(() => interpreted.render(chat, kwargs)));
  assert.match(direct.render(chat, kwargs), /Hello<END>$/);
  assert.equal(direct.stats.interpreted, 2); // both renders
});

test('a special token so long that the interpreter stops at its bound on output (an EOS of 600,000 characters) is left to the interpreter: the same error', () => {
  const chat: TemplateMessage[] = [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }, { role: 'assistant', content: 'd' }];
  const ctx: ChatTemplateContext = { bosToken: '<s>', eosToken: 'e'.repeat(600_000), source: 'built-in' };
  const direct = new ChatTemplate(null, ctx), interpreted = new ChatTemplate(DEFAULT_CHAT_TEMPLATE, ctx);
  // before: the direct rendering gave 1,200,039 characters, where the interpreter stops (as it did with any template variable)
  assert.match(outcome(() => interpreted.render(chat)), /^error: .*chat template stopped: the output passed/);
  assert.equal(outcome(() => direct.render(chat)).slice(0, 100), outcome(() => interpreted.render(chat)).slice(0, 100));
  assert.equal(direct.stats.interpreted, 1);
  // once in a chat, it is rendered directly as before
  assert.equal(direct.render(chat.slice(0, 2)), interpreted.render(chat.slice(0, 2)));
  assert.equal(direct.stats.interpreted, 1);
});
