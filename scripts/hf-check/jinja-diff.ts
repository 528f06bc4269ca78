// A differential fuzzer of the chat-template renderer (not a test; not part of the product): each snippet of
// jinja-diff-snippets.txt ("## name" lines, each followed by its template), and each real template of
// test/tokenizer/fixtures/chat-templates/, is rendered for each chat of CHATS twice (no tools and add_generation_prompt;
// TOOLS and no generation prompt) by ours and by transformers' own environment (jinja_diff.py); each difference is printed:
// a different text, or only one side failing (both failing is agreement).
// More folders of *.jinja templates may be named (llama.cpp's models/templates, trl's chat_templates).
//   HF_HUB_OFFLINE=1 node --import tsx scripts/hf-check/jinja-diff.ts PYTHON [FOLDER...] [--all]   (PYTHON: one with transformers)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';
import { readSnippetFile } from '../../test/tokenizer/snippet-file.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const TOKENS = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' };
const CALL = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris', days: 2, metric: true, extra: null } } };
const TOOLS = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city.', parameters: {
  type: 'object', properties: { city: { type: 'string', description: 'The city' }, days: { type: 'integer', enum: [1, 2, 3] } }, required: ['city'] } } }];
/** Chats the snippets and templates meet: plain turns, a system message, tool calls and results, content parts. */
const CHATS: Record<string, unknown[]> = {
  'sys-user-bot-user': [
    { role: 'system', content: 'Be nice.' }, { role: 'user', content: 'Hello  world' },
    { role: 'assistant', content: '<think>\nhmm\n</think>\n\n  Hi! 100%' }, { role: 'user', content: ' x ' }],
  'user': [{ role: 'user', content: 'One question?' }],
  'tools': [
    { role: 'user', content: 'Weather?' }, { role: 'assistant', content: '', tool_calls: [CALL] },
    { role: 'tool', content: '{"t": 21.5}', tool_call_id: 'call_1', name: 'get_weather' }, { role: 'assistant', content: 'Sunny, 21.5.' }],
  'parts': [
    { role: 'system', content: [{ type: 'text', text: 'Sys part.' }] },
    { role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'What is this?' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }], reasoning_content: 'looked' }],
  'odd': [{ role: 'user', content: '' }, { role: 'assistant', content: null }, { role: 'user', content: 'ü 😀 \t{{ x }}' }],
  'string-args': [
    { role: 'system', content: 'S' }, { role: 'user', content: 'Two calls' },
    { role: 'assistant', content: 'Calling.', tool_calls: [
      { id: 'a1', type: 'function', function: { name: 'f', arguments: '{"x": 1}' } },
      { id: 'a2', type: 'function', function: { name: 'g', arguments: { s: 'é"\n', l: [1, 2.5], o: {} } } }] },
    { role: 'tool', content: 'r1', tool_call_id: 'a1' }, { role: 'tool', content: { ok: true }, tool_call_id: 'a2' },
    { role: 'assistant', content: 'Done.', reasoning_content: 'thought' }, { role: 'user', content: 'Thanks' }],
  'long': Array.from({ length: 9 }, (_, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: `turn ${i}${i === 3 ? '\n<think>t</think>\n\nshown' : ''}` })),
  'assistant-first': [{ role: 'assistant', content: 'I start.' }, { role: 'user', content: 'ok' }],
  'system-only': [{ role: 'system', content: 'Only a system.' }],
  'users-twice': [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'assistant', content: 'c', thinking: 'deep' }],
};

interface Request { name: string; template: string; messages: unknown[]; tools: unknown[] | null; add_generation_prompt: boolean; tokens: Record<string, string> }
type Result = { text?: string; error?: string };

function ours(r: Request): Result {
  try {
    const out = chatTemplateRenderer(r.template)({ messages: r.messages as never, tools: r.tools, addGenerationPrompt: r.add_generation_prompt, tokens: r.tokens, limits: RENDER_LIMITS });
    return 'text' in out ? out : { error: 'stopped' in out ? out.stopped : out.failed };
  } catch (e) {
    return { error: `cannot parse: ${(e as Error).message}` };
  }
}

const args = process.argv.slice(2);
const all = args.includes('--all');
const [python = 'python3', ...folders] = args.filter((a) => a !== '--all');
const templates = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.jinja')).sort()
  .map((f) => ({ name: `${path.basename(dir)}/${f}`, template: fs.readFileSync(path.join(dir, f), 'utf8') }));
const sources = [
  ...readSnippetFile(path.join(HERE, 'jinja-diff-snippets.txt')),
  ...[path.join(ROOT, 'test', 'tokenizer', 'fixtures', 'chat-templates'), ...folders].flatMap(templates),
];
const requests: Request[] = [];
for (const s of sources) {
  for (const [chat, messages] of Object.entries(CHATS)) {
    for (const [tools, gen] of [[null, true], [TOOLS, false]] as const) {
      requests.push({ name: `${s.name} ${chat}${tools ? ' +tools' : ''}`, template: s.template, messages, tools: tools as unknown[] | null, add_generation_prompt: gen, tokens: TOKENS });
    }
  }
}
const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
const py = spawnSync(python, [path.join(HERE, 'jinja_diff.py')], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
const theirs = py.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Result);
if (py.status !== 0 || theirs.length !== requests.length) {
  process.stderr.write(`jinja_diff.py failed (status ${py.status}, ${theirs.length} of ${requests.length} renderings): ${py.stderr.slice(-1000)}\n`);
  process.exit(1);
}
let differ = 0;
const shown = new Set<string>();
requests.forEach((r, i) => {
  const mine = ours(r);
  const py = theirs[i]!;
  const same = py.error !== undefined ? mine.error !== undefined : mine.text === py.text;
  if (same && !all) return;
  if (!same) differ++;
  const snippet = r.name.split(' ')[0]!;
  if (shown.has(snippet) && !all) return; // one difference per snippet is enough to read
  shown.add(snippet);
  console.log(`${same ? 'same' : 'DIFF'} ${r.name}: ${JSON.stringify(r.template.slice(0, 300))}\n  jinja2: ${JSON.stringify(py.text ?? py.error)}\n  ours:   ${JSON.stringify(mine.text ?? mine.error)}`);
});
console.log(`${differ} of ${requests.length} renderings differ (${sources.length} templates × ${Object.keys(CHATS).length} chats × 2)`);
