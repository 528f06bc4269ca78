// A differential probe of the chat-template renderer (not a test: it asserts nothing, and needs python3 with jinja2):
// each case of a cases file ("## name" lines, each followed by its template, as fixtures/jinja-cases.txt) is rendered
// by ours and by jinja2 in transformers' environment (jinja-oracle.py --batch) with jinja-oracle.py's chat, and each
// difference is printed: a different text, or one side failing where the other renders.
//   node --import tsx test/tokenizer/jinja-probe.ts test/tokenizer/fixtures/jinja-probe-cases.txt [--all]
//   python3 test/tokenizer/jinja-probe-generate.py > /tmp/gen.txt && node --import tsx test/tokenizer/jinja-probe.ts /tmp/gen.txt
// A case that shows a real difference goes to fixtures/jinja-cases.txt (rendered into jinja-python.json by
// jinja-oracle.py), fixed or listed in jinja-python.test.ts's KNOWN_DIFFERENCES.
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';
import { readSnippetFile } from './snippet-file.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** jinja-oracle.py's MESSAGES and TOKENS (what fixtures/jinja-cases.txt renders with). */
const MESSAGES = [
  { role: 'system', content: 'Be nice.' },
  { role: 'user', content: 'Hello  world' },
  { role: 'assistant', content: '<think>\nhmm\n</think>\n\n  Hi! 100%' },
  { role: 'user', content: 'x' },
];
const TOKENS = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: '' };

function ours(template: string): { text?: string; error?: string } {
  try {
    const out = chatTemplateRenderer(template)({ messages: MESSAGES, addGenerationPrompt: true, tokens: TOKENS, limits: RENDER_LIMITS });
    return 'text' in out ? out : { error: 'stopped' in out ? out.stopped : out.failed };
  } catch (e) {
    return { error: `cannot parse: ${(e as Error).message}` };
  }
}

const [file, flag] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node --import tsx test/tokenizer/jinja-probe.ts CASES_FILE [--all]\n');
  process.exit(2);
}
const cases = readSnippetFile(file);
const input = cases.map((c) => JSON.stringify({ template: c.template, messages: MESSAGES, add_generation_prompt: true, tokens: TOKENS })).join('\n') + '\n';
const py = spawnSync(process.env.PYTHON ?? 'python3', [path.join(HERE, 'jinja-oracle.py'), '--batch'], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
const theirs = py.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { text?: string; error?: string });
if (py.status !== 0 || theirs.length !== cases.length) {
  process.stderr.write(`jinja-oracle.py --batch failed (status ${py.status}, ${theirs.length} of ${cases.length} renderings): ${py.stderr.slice(-1000)}\n`);
  process.exit(1);
}
let differ = 0;
cases.forEach((c, i) => {
  const mine = ours(c.template);
  const py = theirs[i]!;
  const same = py.error !== undefined ? mine.error !== undefined : mine.text === py.text;
  if (same && flag !== '--all') return;
  if (!same) differ++;
  console.log(`${same ? 'same' : 'DIFF'} ${c.name}: ${JSON.stringify(c.template)}\n  jinja2: ${JSON.stringify(py.text ?? py.error)}\n  ours:   ${JSON.stringify(mine.text ?? mine.error)}`);
});
console.log(`${differ} of ${cases.length} cases differ (jinja2 fails where ours renders, or renders otherwise, or ours fails)`);
