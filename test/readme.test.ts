// The README documents every config key and every command, and its set-up commands are the ones CI runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { documentedKeys, loadTrainConfig, TrainConfigSchema } from '../src/train/config.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

test('every config key is in the README table', () => {
  const missing = documentedKeys().map((k) => k.key).filter((k) => !readme.includes(`| \`${k}\` |`));
  assert.deepEqual(missing, []);
});

test("the README table's defaults are the schema's", () => {
  // a row whose Default cell is one `value` is compared with what the schema fills in for a config without that key
  const cfg: unknown = TrainConfigSchema.parse({ model: 'm', data: { train: 't' } });
  const at = (key: string): unknown => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], cfg);
  const wrong: string[] = [];
  let compared = 0;
  for (const key of documentedKeys().map((k) => k.key)) {
    const cell = new RegExp(`^\\| \`${key.replace(/\./g, '\\.')}\` \\| \`([^\`]*)\` \\|`, 'm').exec(readme);
    if (!cell || at(key) === undefined) continue; // *(required)*, prose, or a key of model: {config, init}
    compared++;
    if (JSON.stringify(YAML.parse(cell[1]!)) !== JSON.stringify(at(key))) wrong.push(`${key}: README ${cell[1]}, schema ${JSON.stringify(at(key))}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(compared >= 30, `only ${compared} defaults compared`);
});

/** The commands main.ts defines (at least 7: a main.ts written another way must not make the tests below vacuous). */
function commandNames(): string[] {
  const main = fs.readFileSync(path.join(ROOT, 'src', 'cli', 'main.ts'), 'utf8');
  const commands = [...main.matchAll(/^ {2}(\w+): defineCommand\(/gm)].map((m) => m[1]!);
  assert.ok(commands.length >= 7, `commands found in src/cli/main.ts: ${commands.join(', ')}`);
  return commands;
}

test('every command is documented in the README', async () => {
  for (const c of commandNames()) assert.ok(readme.includes(`### \`mistral-tune ${c}`), c);
});

test("each command's --help flags are in its README section, and the flags of its README usage lines in its --help", async () => {
  const flags = (s: string): Set<string> => new Set([...s.matchAll(/(?<![\w-])--([a-z][a-z-]*[a-z])\b(?!\.)/g)].map((m) => m[1]!));
  const wrong: string[] = [];
  for (const c of commandNames()) {
    const { usage } = (await import(`../src/cli/${c}-flags.ts`)) as { usage: string };
    if (!usage.startsWith(`mistral-tune ${c} `)) wrong.push(`${c}: --help does not start with its usage line, mistral-tune ${c} …`);
    // every section of the command (export has three), up to the next heading
    const sections = [...readme.matchAll(new RegExp(`^### \`mistral-tune ${c}\\b([^\\n]*)\\n[\\s\\S]*?(?=^##)`, 'gm'))];
    const help = flags(usage), text = flags(sections.map((m) => m[0]).join('\n')), heads = flags(sections.map((m) => m[1]!).join('\n'));
    for (const f of help) if (!text.has(f)) wrong.push(`${c}: --${f} is in --help, not in the README`);
    for (const f of heads) if (!help.has(f)) wrong.push(`${c}: --${f} is in the README's usage line, not in --help`);
  }
  assert.deepEqual(wrong, []);
});

test('the set-up commands: the quickstart, and the test command that .ci/run runs', () => {
  assert.match(readme, /npm ci && npx mistral-tune quickstart/);
  assert.match(readme, /^npm test\b/m);
  assert.match(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8'), /^npm test$/m);
});

test('the example config validates', () => {
  const cfg = loadTrainConfig(path.join(ROOT, 'examples', 'train-lora.yaml'));
  assert.equal(cfg.lora.r, 16);
  assert.equal(cfg.output_dir, path.join(ROOT, 'runs', 'lora'));
});

test('/dev/stdin is said to be read only when redirected from a file: a pipe is refused (the FIFO check), in the README and --help', async () => {
  // the README and eval/classify --help said "/dev/stdin included", and `… | mistral-tune eval --data /dev/stdin` was refused
  const texts: Array<[string, string]> = [['README.md', readme]];
  for (const c of ['eval', 'classify']) texts.push([`${c} --help`, ((await import(`../src/cli/${c}-flags.ts`)) as { usage: string }).usage]);
  for (const [name, text] of texts) {
    for (const m of text.matchAll(/\/dev\/stdin/g)) assert.match(text.slice(m.index, m.index + 160), /pipe[\s\S]*refused|refused[\s\S]*pipe/, `${name}: ${text.slice(m.index, m.index + 80)}`);
  }
});

test("the quickstart's times in the prose are the set-up table's", () => {
  // the table was re-measured (29 s / 43 s) while the prose kept the older 33 s / 58 s, each calling itself "the table above"
  const row = /^\| `npm ci && npx mistral-tune quickstart` \| [^|]*?the quickstart (\d+) s[^|]*\| the quickstart (\d+) s \|$/m.exec(readme);
  assert.ok(row, 'the set-up table has its quickstart row');
  const [, blas, simd] = row;
  assert.match(readme, new RegExp(`It takes ${blas} s with OpenBLAS and ${simd} s without on`));
  assert.match(readme, new RegExp(`\\(${simd} s against ${blas} s on an AMD EPYC VM`));
  // the model card cites the table too
  const card = fs.readFileSync(path.join(ROOT, 'models', 'mistral-tune-tiny', 'README.md'), 'utf8').replace(/\s+/g, ' ');
  assert.match(card, new RegExp(`${blas} s with OpenBLAS on 2 cores, ${simd} s without \\(the README's set-up table\\)`));
});

test("the Library example's train call says to prepare the example config's data, as the config's header does", () => {
  // the snippet trained examples/train-lora.yaml, whose data.train is runs/data/train.jsonl, which nothing had made
  const header = fs.readFileSync(path.join(ROOT, 'examples', 'train-lora.yaml'), 'utf8');
  const prepare = /mistral-tune prepare [^\n]*/.exec(header)![0].trim();
  const snippet = /^## Library\n+```ts\n([\s\S]*?)```/m.exec(readme)![1]!;
  assert.ok(snippet.includes(prepare), `the Library example names \`${prepare}\``);
  const out = /--out (\S+)/.exec(prepare)![1]!;
  assert.equal(loadTrainConfig(path.join(ROOT, 'examples', 'train-lora.yaml')).data.train, path.join(ROOT, out, 'train.jsonl'));
});

test("output_dir's default is under the current directory, not the config's folder, and the README's table says so", () => {
  // every other relative path of a config is read from its folder, as the README says; the default is not written there
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-outdir-'));
  const file = path.join(dir, 'c.yaml');
  fs.writeFileSync(file, 'model: m\ndata:\n  train: t.jsonl\n');
  try {
    assert.equal(path.resolve(loadTrainConfig(file).output_dir), path.resolve('runs/latest'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const row = readme.split('\n').find((l) => l.startsWith('| `output_dir` |'))!;
  assert.match(row, /current directory/);
});

test("data.train_on's row says what it does to {prompt, completion} records, whose prompt `all` trains (was: chats only)", async () => {
  const { tokenizeRecord } = await import('../src/data/tokenize.ts');
  const { loadTokenizer } = await import('../src/tokenizer/load.ts');
  const tok = loadTokenizer(path.join(ROOT, 'models', 'mistral-tune-tiny'));
  const record = { shape: 'prompt_completion' as const, prompt: 'Q: capital of France?\nA:', completion: ' Paris' };
  const trained = (trainOn: 'assistant' | 'all') => [...tokenizeRecord(record, tok, { trainOn }).row!.labels!].filter((l) => l !== -100).length;
  assert.equal(trained('assistant'), 2, 'the completion ("▁Paris" joined to the prompt) and EOS');
  assert.ok(trained('all') > trained('assistant') + 5, 'the prompt too');
  const row = /^\| `data\.train_on` \|[^\n]*$/m.exec(readme)?.[0] ?? '';
  assert.match(row, /`\{prompt, completion\}` records on the completion only/);
  assert.match(row, /`all`: the prompt too/);
});

test("the README's list of rejection reasons names every reason of record-shape.ts (fully_masked was left out)", () => {
  const shape = fs.readFileSync(path.join(ROOT, 'src', 'data', 'record-shape.ts'), 'utf8');
  const union = /export type Reason =([^;]*);/.exec(shape)?.[1] ?? '';
  const reasons = [...union.matchAll(/'(\w+)'/g)].map((m) => m[1]!);
  assert.ok(reasons.length >= 20, `reasons found in record-shape.ts: ${reasons.join(', ')}`);
  const list = /with one of the reasons ([^.]*)\./.exec(readme)?.[1] ?? '';
  assert.deepEqual(reasons.filter((r) => !list.includes(`\`${r}\``)), []);
});

test("the README's and docs' relative links lead to files that exist (and to a heading there, for an #anchor)", () => {
  const pages = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), 'models/mistral-tune-tiny/README.md'];
  const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');
  const wrong: string[] = [];
  let links = 0;
  for (const page of pages) {
    const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(m[1]!)) continue; // https:, mailto:
      links++;
      const [file, anchor] = m[1]!.split('#');
      const target = file ? path.join(ROOT, path.dirname(page), file) : path.join(ROOT, page);
      if (!fs.existsSync(target)) wrong.push(`${page}: ${m[1]}: no such file`);
      else if (anchor && target.endsWith('.md') && ![...fs.readFileSync(target, 'utf8').matchAll(/^#+ (.*)$/gm)].some((h) => slug(h[1]!) === anchor)) wrong.push(`${page}: ${m[1]}: no such heading`);
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(links >= 10, `only ${links} links checked`);
});

test("every flag of a `mistral-tune COMMAND …` line in the README and docs is in that command's --help (train's: or a config key)", async () => {
  // readme.test's section check covers each command's usage heading; the example lines (the path, docs/data.md's, docs/dashboard.md's) are these
  const keys = documentedKeys().map((k) => k.key);
  const usages = new Map<string, string>();
  for (const c of commandNames()) usages.set(c, ((await import(`../src/cli/${c}-flags.ts`)) as { usage: string }).usage);
  const pages = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const wrong: string[] = [];
  let flags = 0;
  for (const page of pages) {
    const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
    for (const m of text.matchAll(/mistral-tune (\w+)\b([^`\n]*)/g)) {
      const usage = usages.get(m[1]!);
      if (!usage) continue;
      for (const f of m[2]!.matchAll(/(?<![\w-])--([a-z][\w.-]*[a-z0-9_])/g)) {
        flags++;
        const flag = f[1]!;
        if (flag === 'help' || flag === 'version') continue; // every command's
        if (new RegExp(`(?<![\\w-])--${flag.replace(/\./g, '\\.')}(?![\\w-])`).test(usage)) continue;
        if (m[1] === 'train' && keys.some((k) => k === flag || k.startsWith(`${flag}.`))) continue;
        wrong.push(`${page}: --${flag} in \`${m[0].trim().slice(0, 100)}\``);
      }
    }
  }
  assert.deepEqual(wrong, []);
  assert.ok(flags >= 40, `only ${flags} flags checked`);
});
