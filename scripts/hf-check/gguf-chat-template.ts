// Whether llama.cpp renders the chat template a GGUF export stores (tokenizer.chat_template) as we and transformers
// render it, for a 3-turn chat (system, user, assistant, user; add_generation_prompt): exports each case's model folder
// with the CLI, reads the file back with node-llama-cpp (readGgufFileInfo: the template, the BOS/EOS texts and whether
// they are added), renders it with llama.cpp's jinja engine (llama_chat_render.cpp, built as its header says: chat.cpp's
// path, which node-llama-cpp does not expose), with ours (the folder's tokenizer's applyChatTemplate) and with
// transformers (gguf_chat_template.py). llama.cpp drops a leading BOS text that its tokenizer adds anyway: it is put
// back before comparing. Cases: the bundled model (models/mistral-tune-tiny: no template of its own, so the built-in
// Mistral one), and copies of it with Mistral Nemo's (v3-Tekken) and Mistral Small 3.2's (v7) templates from llama.cpp's
// models/templates; then single constructs (PROBES), reported, not counted. Not part of the product. From the project root, after `npm run build`:
//   node --import tsx scripts/hf-check/gguf-chat-template.ts LLAMA RENDER OUT_DIR [PYTHON]
// (LLAMA: the llama.cpp tree; RENDER: the built llama_chat_render; PYTHON: one with transformers 5.17).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { ChatTemplate } from '../../src/tokenizer/chat-template.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import type { ChatMessage } from '../../src/tokenizer/types.ts';

const [llama, render, outArg, python = 'python3'] = process.argv.slice(2);
if (llama === undefined || render === undefined || outArg === undefined) {
  console.error('usage: gguf-chat-template.ts LLAMA RENDER OUT_DIR [PYTHON]');
  process.exit(2);
}
const out = path.resolve(outArg);
fs.mkdirSync(out, { recursive: true });
const TINY = path.resolve('models', 'mistral-tune-tiny');
const messages: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi there' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'What is 2+2?' },
];

/** A copy of the bundled model whose tokenizer_config.json has `template` (null: the folder itself). */
function caseFolder(name: string, template: string | null): string {
  if (template === null) return TINY;
  const dir = path.join(out, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of fs.readdirSync(TINY)) if (f !== 'recipe') fs.copyFileSync(path.join(TINY, f), path.join(dir, f));
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: template }));
  return dir;
}

const templates = path.join(llama, 'models', 'templates');
const cases = [
  { name: 'bundled', folder: caseFolder('bundled', null) },
  { name: 'nemo-v3-tekken', folder: caseFolder('nemo-v3-tekken', fs.readFileSync(path.join(templates, 'mistralai-Mistral-Nemo-Instruct-2407.jinja'), 'utf8')) },
  { name: 'small-3.2-v7', folder: caseFolder('small-3.2-v7', fs.readFileSync(path.join(templates, 'Mistral-Small-3.2-24B-Instruct-2506.jinja'), 'utf8')) },
];
const stored: Array<{ name: string; folder: string; template: string; bos: string; eos: string; addBos: boolean; addEos: boolean }> = [];
for (const c of cases) {
  const file = path.join(out, `${c.name}.gguf`);
  fs.rmSync(file, { force: true }); // ours, from a run before
  const r = spawnSync(process.execPath, ['bin/mistral-tune.js', 'export', '--model', c.folder, '--out', file, '--format', 'gguf', '--quant', 'f32'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`export ${c.name}: ${r.stderr}`);
  const g = (await readGgufFileInfo(file, { logWarnings: false })).metadata.tokenizer as unknown as {
    chat_template: string; ggml: { tokens: string[]; bos_token_id: number; eos_token_id: number; add_bos_token: boolean; add_eos_token: boolean };
  };
  stored.push({ ...c, template: g.chat_template, bos: g.ggml.tokens[g.ggml.bos_token_id]!, eos: g.ggml.tokens[g.ggml.eos_token_id]!, addBos: g.ggml.add_bos_token, addEos: g.ggml.add_eos_token });
}
// Jinja that transformers (jinja2) and ours run, one construct each, tried on llama.cpp's engine too: a template that
// uses one is stored as it is (convert_hf_to_gguf.py writes tokenizer_config.json's chat_template unchanged, as we do)
const PROBES = ["{{ messages[0].content }}{% for m in messages %}{{ loop.cycle('a', 'b') }}{% endfor %}", "{{ messages[0].content }}{{ '%s!' % 'x' }}",
  '{{ messages[0].content }}{{ 7 // 2 }}', '{{ messages[0].content }}{{ 2 ** 3 }}', "{{ messages[0].content }}{{ '<x>' | e }}",
  '{{ messages[0].content }}{{ messages | length is divisibleby 2 }}', '{{ messages[0].content }}{{ messages | length is divisibleby(2) }}',
  "{{ messages[0].content }}{% for m in messages %}{% generation %}{{ m['content'] | trim }}{% endgeneration %}{% endfor %}",
  "{{ messages[0].content }}{{ 'x {} y'.format(1) }}{{ messages[0].content.startswith('You') }}"];
PROBES.forEach((template, i) => stored.push({ name: `probe-${i}`, folder: TINY, template, bos: '<s>', eos: '</s>', addBos: false, addEos: false }));
fs.writeFileSync(path.join(out, 'in.json'), JSON.stringify({ cases: stored.map((s) => ({ name: s.name, folder: s.folder, template: s.template, messages })) }));
execFileSync(python, [path.join(import.meta.dirname, 'gguf_chat_template.py'), out], { stdio: 'inherit', env: { ...process.env, HF_HUB_OFFLINE: '1' } });
const hf = JSON.parse(fs.readFileSync(path.join(out, 'hf.json'), 'utf8')) as Record<string, string>;
let bad = 0;
for (const s of stored) {
  const tf = path.join(out, `${s.name}.jinja`);
  fs.writeFileSync(tf, s.template);
  const l = spawnSync(render, [tf, s.bos, s.eos, s.addBos ? '1' : '0', s.addEos ? '1' : '0'], { input: JSON.stringify(messages), encoding: 'utf8' });
  const lcpp = l.status === 0 ? (s.addBos ? s.bos : '') + l.stdout : `error: ${l.stdout.trim()}`;
  let ours: string;
  try {
    ours = s.name.startsWith('probe-') ? new ChatTemplate(s.template, { bosToken: s.bos, eosToken: s.eos, source: s.name }).render(messages, { addGenerationPrompt: true })
      : loadTokenizer(s.folder).applyChatTemplate(messages, { addGenerationPrompt: true });
  } catch (e) {
    ours = `error: ${(e as Error).message}`;
  }
  const same = ours === hf[s.name] && ours === lcpp;
  if (s.name.startsWith('probe-')) { // one line: the construct, and the engine that differs
    console.log(`${same ? 'same' : 'DIFF'} ${JSON.stringify(s.template.slice('{{ messages[0].content }}'.length))}: ours ${JSON.stringify(ours.slice(0, 60))}, hf ${JSON.stringify(hf[s.name]?.slice(0, 60))}, llama.cpp ${JSON.stringify(lcpp.replace(/\s+/g, ' ').slice(0, 160))}`);
    continue;
  }
  if (!same) bad++;
  console.log(`${same ? 'same' : 'DIFF'} ${s.name} (BOS ${s.bos} added: ${s.addBos}; EOS ${s.eos} added: ${s.addEos})${l.stderr ? `; llama.cpp: ${l.stderr.trim().replace(/\n/g, '; ')}` : ''}`);
  console.log(`  ours      ${JSON.stringify(ours)}`);
  console.log(`  hf        ${JSON.stringify(hf[s.name])}`);
  console.log(`  llama.cpp ${JSON.stringify(lcpp)}`);
}
process.exit(bad > 0 ? 1 : 0);
