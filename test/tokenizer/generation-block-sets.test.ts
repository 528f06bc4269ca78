// The marks that find a chat's {% generation %} blocks are the first of MARK_SETS sets of noncharacters that the chat
// rendered without marks holds none of (generation-blocks.ts generationMarks): which set a chat gets depends on its
// text alone, and the spans — so the labels — must not depend on it. Every template and chat of the TRL fixture
// (trl-generation-blocks/blocks.json, whose labels generation-blocks.test.ts checks with the set each chat gets) is
// marked with each set it holds none of, rendered in this thread (chatTemplateRenderer), and gives the same spans.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';
import { generationMarks, generationSpans, MARK_SETS, markGenerationBlocks, type GenerationMarks } from '../../src/tokenizer/generation-blocks.ts';
import type { TemplateMessage } from '../../src/tokenizer/types.ts';
import { FIXTURES } from '../helpers.ts';

const ref = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'trl-generation-blocks', 'blocks.json'), 'utf8')) as {
  templates: Record<string, string>;
  chats: TemplateMessage[][];
  cases: Record<string, { template: string; records: Array<{ messages: TemplateMessage[] }> }>;
};

const marksOf = (set: number): GenerationMarks => {
  const [open, close, macroOpen, macroClose] = [0, 1, 2, 3].map((k) => String.fromCharCode(0xfdd0 + 4 * set + k)) as [string, string, string, string];
  return { open, close, macroOpen, macroClose };
};

function rendered(template: string, messages: readonly TemplateMessage[]): string {
  const outcome = chatTemplateRenderer(template)({ messages, addGenerationPrompt: false, tokens: { bos_token: '<s>', eos_token: '</s>' }, limits: RENDER_LIMITS });
  assert.ok('text' in outcome, JSON.stringify(outcome));
  return outcome.text;
}

test('every set of marks a chat holds none of gives the same spans, and the chat gets the first of them', () => {
  const chats = [
    ...Object.entries(ref.templates).flatMap(([name, template]) => ref.chats.map((messages, i) => ({ name: `${name}/${i}`, template, messages }))),
    ...Object.entries(ref.cases).flatMap(([name, c]) => c.records.map((r, i) => ({ name: `${name}/${i}`, template: c.template, messages: r.messages }))),
  ];
  const usedSets = new Set<number>();
  for (const { name, template, messages } of chats) {
    const plain = rendered(template, messages);
    const free = Array.from({ length: MARK_SETS }, (_, set) => set).filter((set) => !Object.values(marksOf(set)).some((c) => plain.includes(c)));
    assert.equal(generationMarks(plain)?.set, free[0], name);
    const spans = free.map((set) => generationSpans(rendered(markGenerationBlocks(template, marksOf(set)), messages), plain, marksOf(set)));
    assert.notEqual(spans[0], null, name);
    for (const [k, s] of spans.entries()) assert.deepEqual(s, spans[0], `${name}: set ${free[k]} against set ${free[0]}`);
    usedSets.add(free[0]!);
  }
  // the fixture's mark_characters chats are marked with sets other than the first
  assert.ok(usedSets.size > 1, `sets used: ${[...usedSets].join(', ')}`);
});
