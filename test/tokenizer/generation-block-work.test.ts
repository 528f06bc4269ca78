// A chat template with {% generation %} blocks is scanned for where its blocks stand (generation-block-places.ts) before
// any rendering, outside the render worker's time bound: each macro tag and each call may be followed to the
// template's end, so a downloaded template of thousands of macros (2,000 in 137 kB took 14 s of CPU, 8,000 minutes)
// or of "(" — or "{", or quotes — in a comment is refused in one line naming the file, as MAX_FOLLOW_WORK bounds it;
// real ones are far under.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { ChatTemplate } from '../../src/tokenizer/chat-template.ts';
import { MAX_FOLLOW_WORK, followWorkProblem } from '../../src/tokenizer/generation-block-places.ts';
import { UserError } from '../../src/util/errors.ts';
import { FIXTURES } from '../helpers.ts';

const TURNS = "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% else %}{{ m.content }}{% endif %}{% endfor %}";
const ctx = { bosToken: '<s>', eosToken: '</s>', source: 'hostile/tokenizer_config.json: chat_template' };

test('a template with generation blocks and 300,000 "(" in a comment is refused naming its file, before any scan', () => {
  const text = `${TURNS}{# ${'('.repeat(300_000)} #}`;
  assert.throws(() => new ChatTemplate(text, ctx), (e: unknown) => e instanceof UserError
    && e.message.startsWith('hostile/tokenizer_config.json: chat_template: a chat template with {% generation %} blocks and 300,014 "{", "(" and quotes in 300,157 characters')
    && e.message.includes(MAX_FOLLOW_WORK.toLocaleString('en-US')) && !e.message.includes('\n'));
});

test('2,000 macros holding generation blocks (137 kB) are refused, not followed for seconds', () => {
  const macros = Array.from({ length: 2000 }, (_, i) => `{% macro a${i}() %}{% generation %}x{% endgeneration %}{% endmacro %}`).join('');
  assert.match(followWorkProblem(TURNS + macros) ?? '', /10,013 "\{", "\(" and quotes in 137,041 characters/);
  assert.throws(() => new ChatTemplate(TURNS + macros, ctx), UserError);
});

test('a template of a few macros and calls is followed as before', () => {
  const text = `{% macro turn(m) %}{% generation %}{{ m.content }}{% endgeneration %}{% endmacro %}${TURNS.replace('{% generation %}{{ m.content }}{% endgeneration %}', '{{ turn(m) }}')}`;
  assert.equal(followWorkProblem(text), null);
  assert.equal(new ChatTemplate(text, ctx).followsGenerationBlocks, true);
  // without blocks nothing is counted: the bound is for following them only
  assert.equal(new ChatTemplate(`{{ '${'('.repeat(300_000)}' }}`, ctx).followsGenerationBlocks, false);
});

test('unclosed "{{", "{% set" or strings in a comment, each scanned to the end as a "(" is, are counted as it is', () => {
  // each was followed under the (macro tags + "(") count: 200 kB of "{{" took 5.7 s, 350 kB of "{% set " 23 s
  for (const text of [`${TURNS}{# ${'{{'.repeat(15_000)} #}`, `${TURNS}{# ${'{% set '.repeat(12_000)} #}`, `${TURNS}{# {{ ${"'\\".repeat(20_000)} }} #}`]) {
    assert.match(followWorkProblem(text) ?? 'followed', /"\{", "\(" and quotes in/, text.slice(150, 170));
    assert.throws(() => new ChatTemplate(text, ctx), UserError);
  }
});

test("TRL's training templates (the largest, diffusion_gemma_training.jinja, 19.5 kB) are followed", () => {
  const fixture = path.join(FIXTURES, 'trl-generation-blocks', 'blocks.json');
  const cases = JSON.parse(fs.readFileSync(fixture, 'utf8')).cases as Record<string, { template: string }>;
  for (const [name, c] of Object.entries(cases)) assert.equal(followWorkProblem(c.template), null, name);
  assert.ok(cases.diffusion_gemma_training!.template.length > 19_000);
});
