// Jinja builtins on a long message (a 1 MB string): they take time in proportion to it, where a quadratic step
// (the rest of a long word copied once per line cut from it) took minutes. The texts are checked against what
// jinja2 gives (its lines are the same at any length; jinja-cases.txt has the short cases).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';

function render(template: string, content: string): string {
  const out = chatTemplateRenderer(template)({ messages: [{ role: 'user', content }], addGenerationPrompt: false, tokens: {}, limits: RENDER_LIMITS });
  if ('text' in out) return out.text;
  throw new Error('failed' in out ? out.failed : out.stopped);
}

test('wordwrap cuts a 1 MB word into lines of the width (code points), each line cut from the word once', { timeout: 60_000 }, () => {
  const lines = render('{{ messages[0].content | wordwrap(79) }}', 'x'.repeat(1_000_000)).split('\n');
  assert.equal(lines.length, Math.ceil(1_000_000 / 79));
  assert.ok(lines.slice(0, -1).every((l) => l === 'x'.repeat(79)));
  assert.equal(lines.at(-1), 'x'.repeat(1_000_000 % 79));
  // astral characters count one each (Python's len), as jinja2's 'a😀😀…' | wordwrap(5) gives 'a😀😀😀😀' first
  const astral = render('{{ messages[0].content | wordwrap(5) }}', 'a' + '😀'.repeat(500_000)).split('\n');
  assert.equal(astral[0], 'a😀😀😀😀');
  assert.equal(astral.length, Math.ceil(500_001 / 5));
  assert.ok(astral.slice(1, -1).every((l) => l === '😀'.repeat(5)));
  assert.equal(astral.at(-1), '😀');
  // break_on_hyphens truthy but not True: the word is one chunk, each line cut after its last hyphen that fits
  // (jinja2: 'abc-abc-…' | wordwrap(10, true, none, 1) gives 'abc-abc-' lines)
  const hyphens = render('{{ messages[0].content | wordwrap(10, true, none, 1) }}', 'abc-'.repeat(250_000)).split('\n');
  assert.equal(hyphens.length, 125_000);
  assert.ok(hyphens.every((l) => l === 'abc-abc-'));
});
