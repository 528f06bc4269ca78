// A `{% generation %}` written in a string literal or a comment of a chat template is text, not a block, as jinja2's
// lexer reads it: the marks of generation-blocks.ts stand only for the template's own generation tags (jinja-tags.ts).
// Expected spans: transformers 5.17's render_jinja_template(…, return_assistant_tokens_mask=True) on the same chat.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatTemplate } from '../../src/tokenizer/chat-template.ts';

const ctx = { bosToken: '<s>', eosToken: '</s>', source: 'model/tokenizer_config.json: chat_template' };
const CHAT = [
  { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'x' }, { role: 'assistant', content: 'y' },
];

test('a block printing "{% generation %}" from a single-quoted string renders, and its spans are transformers\'', () => {
  // the mark's {{ '…' }} landed inside the string literal: every chat failed "cannot parse the chat template: Unexpected character ﷐"
  const text = "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ '{% generation %}<' ~ m.content ~ '>' }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}";
  const t = new ChatTemplate(text, ctx);
  const plain = t.render(CHAT);
  assert.equal(plain, 'Hi{% generation %}<Hello!>x{% generation %}<y>');
  assert.deepEqual(t.generationSpans(CHAT, {}, plain), [[2, 26], [27, 46]]);
});

test('a template whose only "{% generation %}" is in a string or a comment has no blocks, and renders the text', () => {
  const text = "{# {% generation %} #}{% for m in messages %}{{ m.content ~ '{%- generation -%}' }}{% endfor %}";
  const t = new ChatTemplate(text, ctx);
  assert.equal(t.followsGenerationBlocks, false);
  assert.equal(t.render(CHAT.slice(0, 2)), 'Hi{%- generation -%}Hello!{%- generation -%}');
});
