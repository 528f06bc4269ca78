// Differential check of the chat-template renderer: seeded random chats (system/user/assistant, contents drawn from a
// nasty pool: template syntax, quotes, backslashes, Unicode whitespace, emoji, RTL, <think> blocks, long text)
// through every template of fixtures/chat-templates/, rendered by ours and by Python jinja2 (jinja-oracle.py --batch,
// transformers' environment); each must give the same text, or both fail. Skipped without python3 and jinja2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';
import { rng } from './corpus.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TEMPLATES = path.join(HERE, 'fixtures', 'chat-templates');
const CHATS = 100;

const POOL = [
  '', ' ', '  ', '\n', '\n\n', '\t', ' \n ', '\r\n', '\r', '\u00a0', '\u3000', '\u200b', '\ufeff', '\u180e', '\v', '\f', '\x1c', '\x00', '\u2028', '\u0085',
  'Hello', ' Hello', 'Hello ', '\nHello\n', 'a', 'I', '{{', '}}', '{%', '%}', '{#', '#}', '{{ x }}', '{% if %}', "'", '"', "it's", 'say "hi"',
  '\\', '\\n', 'C:\\path\\', 'line1\n\nline2', 'tab\there', '中文字符', '😀', '👨‍👩‍👧‍👦', '🏳️‍🌈', 'e\u0301', 'مرحبا بالعالم', '\u202eRTL',
  '<think>\nreasoning\n</think>\n\nanswer', '<think>x</think>', '</think>', '<think>a</think>b</think>c', '\n</think>\n\n', '[INST]', '[/INST]',
  '<s>', '</s>', '<|im_end|>', '<|eot_id|>', '0', '42', '3.14', 'None', 'True', 'false', '%s', '%', '100%', '{0}', '{}', 'ß', 'İstanbul', 'ǅ', 'ΣΑΣ',
];
/** The special tokens as mistral-tune passes them (the vocabulary's strings; absent where the tokenizer has none). */
const TOKENS: Array<Record<string, string>> = [
  { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' },
  { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>', pad_token: '<|eot_id|>' },
  { eos_token: '<|im_end|>', pad_token: '<|endoftext|>' },
];

interface Chat {
  messages: { role: string; content: string }[];
  add_generation_prompt: boolean;
  tokens: (typeof TOKENS)[number];
}

function chats(n: number, seed: number): Chat[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const content = (): string => {
    const r = rand();
    if (r < 0.2) return pick(POOL);
    if (r < 0.23) return pick(POOL.filter((x) => x.trim() !== '')).repeat(500);
    let s = '';
    for (let i = 1 + Math.floor(rand() * 4); i > 0; i--) s += pick(POOL) + (rand() < 0.5 ? ' ' : '');
    return s;
  };
  return Array.from({ length: n }, () => {
    const messages = rand() < 0.4 ? [{ role: 'system', content: content() }] : [];
    const turns = 1 + Math.floor(rand() * 6);
    for (let i = 0; i < turns; i++) messages.push({ role: i % 2 === 0 ? 'user' : 'assistant', content: content() });
    return { messages, add_generation_prompt: rand() < 0.5, tokens: pick(TOKENS) };
  });
}

function hasJinja2(): boolean {
  try {
    execFileSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

test(`random chats render through every chat template as jinja2 renders them (${CHATS} chats; skipped without python3 and jinja2)`, (t) => {
  if (!hasJinja2()) {
    t.skip('python3 with jinja2 is not installed: no oracle to compare with');
    return;
  }
  const templates = Object.fromEntries(fs.readdirSync(TEMPLATES).sort().map((f) => [f, fs.readFileSync(path.join(TEMPLATES, f), 'utf8')]));
  const requests = Object.keys(templates).flatMap((template) => chats(CHATS, 1).map((c) => ({ template, ...c })));
  const input = [JSON.stringify({ templates }), ...requests.map((r) => JSON.stringify(r))].join('\n') + '\n';
  const py = spawnSync('python3', [path.join(HERE, 'jinja-oracle.py'), '--batch'], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(py.status, 0, py.stderr);
  const theirs = py.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text?: string; error?: string });
  assert.equal(theirs.length, requests.length);

  const renderers = new Map(Object.entries(templates).map(([name, text]) => [name, chatTemplateRenderer(text)]));
  const wrong: string[] = [];
  requests.forEach((r, i) => {
    const out = renderers.get(r.template)!({
      messages: r.messages, addGenerationPrompt: r.add_generation_prompt, tokens: r.tokens, limits: RENDER_LIMITS,
    });
    const py = theirs[i]!;
    const same = py.error !== undefined ? !('text' in out) : 'text' in out && out.text === py.text;
    if (!same) wrong.push(`${r.template} ${JSON.stringify(r.messages).slice(0, 300)}: jinja2 ${JSON.stringify(py.text ?? py.error).slice(0, 200)}, ours ${JSON.stringify(out).slice(0, 200)}`);
  });
  assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} of ${requests.length} renderings differ`);
});
