// Chat templates render as transformers renders them (Python jinja2): each case of fixtures/jinja-cases.txt and each
// typical model template of fixtures/chat-templates/ against its jinja2 rendering in fixtures/jinja-python.json (made by jinja-oracle.py; its provenance is in the file). When
// python3 with jinja2 is here, the fixture is also checked to be what jinja2 renders now.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatTemplate, chatTemplateRenderer, RENDER_LIMITS } from '../../src/tokenizer/chat-template.ts';
import { strftime } from '../../src/tokenizer/jinja-strftime.ts';
import { isUserError } from '../../src/util/errors.ts';
import { parsePythonJson } from '../../src/data/python-numbers.ts';
import type { TemplateMessage } from '../../src/tokenizer/types.ts';
import { tempDir } from '../temp-dir.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(HERE, 'fixtures', 'jinja-python.json');

interface Case {
  name: string;
  template: string;
  messages: TemplateMessage[];
  add_generation_prompt: boolean;
  /** apply_chat_template's tools (absent: None) */
  tools?: unknown[] | null;
  text?: string;
  error?: string;
}
interface Fixture {
  provenance: string;
  tokens: { bos_token: string; eos_token: string; unk_token: string; pad_token: string };
  cases: Case[];
  strftime: { moment: [number, number, number, number, number, number, number]; results: { format: string; text: string }[] };
}

/** Cases where we still differ from jinja2, and why (each must still differ: a fix removes its line). */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'parse-string-escapes': "@huggingface/jinja's lexer knows only \\n \\t \\x \\u-style escapes: no \\U, octal or unknown escapes ('\\q' is '\\\\q' in Python)",
  'generator-read-part-inside-its-loop': "a loop over a generator whose body reads part of it is refused: the library's loop holds its items from the start, where jinja2's goes on from where the body stopped",
  'generator-filtered-loop-read-inside': "a filtered loop (for x in g if …) over a generator that its body reads is refused: the library's loop tests every item before the first iteration",
  'urlize-refused': "urlize is refused: its URL, www. and e-mail detection (with its trailing punctuation rules) is not matched here; no chat template we know uses it",
  'recursive-loop-refused': "{% for … recursive %} is refused: the library's parser has no recursive loop (loop(…), loop.depth past 1); no chat template we know uses one",
};

function render(fx: Fixture, c: Case): { text: string } | { error: string } {
  try {
    const out = chatTemplateRenderer(c.template)({
      messages: c.messages, tools: c.tools ?? null, addGenerationPrompt: c.add_generation_prompt, tokens: fx.tokens, limits: RENDER_LIMITS,
    });
    return 'text' in out ? out : { error: 'stopped' in out ? out.stopped : out.failed };
  } catch (e) {
    return { error: `cannot parse: ${(e as Error).message}` };
  }
}

// read as transformers gets a chat from JSON: a tool's 1.0 stays a float
const fx = parsePythonJson(fs.readFileSync(FIXTURE, 'utf8')) as Fixture;

test('chat templates render as jinja2 renders them for transformers (fixtures/jinja-python.json)', () => {
  const wrong: string[] = [];
  for (const c of fx.cases) {
    const ours = render(fx, c);
    const same = c.error !== undefined ? 'error' in ours : 'text' in ours && ours.text === c.text;
    const known = Object.hasOwn(KNOWN_DIFFERENCES, c.name);
    if (same === known) {
      wrong.push(`${c.name}: ${known ? 'now agrees, remove it from KNOWN_DIFFERENCES' : `jinja2 ${JSON.stringify(c.text ?? c.error)}, ours ${JSON.stringify('text' in ours ? ours.text : ours.error)}`}`);
    }
  }
  assert.deepEqual(wrong, [], fx.provenance);
  assert.ok(fx.cases.length >= 100);
});

test("strftime_now is Python's strftime (English names whatever the locale), on a fixed moment", () => {
  const [y, mo, d, h, mi, sec, ms] = fx.strftime.moment;
  const moment = new Date(y, mo - 1, d, h, mi, sec, ms);
  for (const { format, text } of fx.strftime.results) assert.equal(strftime(moment, format), text, format);
  // and templates reach it
  const before = strftime(new Date(), '%Y-%m-%d');
  const out = render(fx, { name: 'now', template: "{{ strftime_now('%Y-%m-%d') }}", messages: [], add_generation_prompt: false });
  assert.ok('text' in out && [before, strftime(new Date(), '%Y-%m-%d')].includes(out.text), JSON.stringify(out));
});

test("a template's \\r\\n and \\r are newlines, as jinja2's lexer reads them (in text and string literals)", () => {
  const template = "{% for m in messages %}\r\n  {{ m.role }}\r\n{% endfor %}\r\n{{ 'a\r\nb\rc' }}\r\r\n";
  // jinja2 3.1.6 renders "  user\na\nb\nc\n" (trim_blocks eats the newline after a tag, the last newline goes)
  assert.deepEqual(render(fx, { name: 'crlf', template, messages: [{ role: 'user', content: 'x' }], add_generation_prompt: false }), { text: '  user\na\nb\nc\n' });
});

test('a method no one implements is a UserError naming the template and the method', () => {
  const t = new ChatTemplate("{{ messages[0].content.frobnicate() }}", { bosToken: '<s>', eosToken: '</s>', source: 'model/tokenizer_config.json: chat_template' });
  assert.throws(() => t.render([{ role: 'user', content: 'a' }]), (e: unknown) =>
    isUserError(e) && /^model\/tokenizer_config\.json: chat_template: chat template failed: str\.frobnicate\(\) is not supported/.test((e as Error).message));
});

test('fixtures/jinja-python.json is what jinja2 renders now (skipped without python3 and jinja2)', (t) => {
  try {
    execFileSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' });
  } catch {
    t.skip('python3 with jinja2 is not installed: the committed fixture is used as it is');
    return;
  }
  const dir = tempDir('jinja-oracle-');
  try {
    fs.copyFileSync(path.join(HERE, 'jinja-oracle.py'), path.join(dir, 'jinja-oracle.py'));
    fs.mkdirSync(path.join(dir, 'fixtures'));
    fs.copyFileSync(path.join(HERE, 'fixtures', 'jinja-cases.txt'), path.join(dir, 'fixtures', 'jinja-cases.txt'));
    fs.cpSync(path.join(HERE, 'fixtures', 'chat-templates'), path.join(dir, 'fixtures', 'chat-templates'), { recursive: true });
    execFileSync('python3', [path.join(dir, 'jinja-oracle.py')], { stdio: 'ignore' });
    const now = JSON.parse(fs.readFileSync(path.join(dir, 'fixtures', 'jinja-python.json'), 'utf8')) as Fixture;
    // the texts and which cases fail (an error's wording may change between jinja2 versions)
    const outcomes = (f: Fixture) => f.cases.map((c) => ({ name: c.name, template: c.template, text: c.text ?? 'an error' }));
    assert.deepEqual(outcomes(now), outcomes(fx), 'run python3 test/tokenizer/jinja-oracle.py to refresh the fixture');
    assert.deepEqual(now.strftime, fx.strftime);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a {% raw %} without its {% endraw %} is refused naming its line, as jinja2 refuses it', () => {
  assert.throws(() => new ChatTemplate("{{ 'a' }}\n{% raw %}{{ b }}", { bosToken: '<s>', eosToken: '</s>', source: 'tc.json: chat_template' }),
    (e: unknown) => isUserError(e) && /^tc\.json: chat_template: cannot parse the chat template: line 2: \{% raw %\} without its \{% endraw %\}/.test((e as Error).message));
});

test('a recursive loop is refused naming it, where the parser said only that it expected a closing token; `recursive` as a name is read', () => {
  assert.throws(() => new ChatTemplate('{% for x in messages if x recursive %}{{ loop(x.children) }}{% endfor %}', { bosToken: '<s>', eosToken: '</s>', source: 'tc.json: chat_template' }),
    (e: unknown) => isUserError(e) && /^tc\.json: chat_template: cannot parse the chat template: a recursive loop \(\{% for … recursive %\}/.test((e as Error).message));
  const t = new ChatTemplate('{% for x in recursive %}{{ x }}{% endfor %}', { bosToken: '<s>', eosToken: '</s>', source: 'tc.json: chat_template' });
  assert.equal(t.render([{ role: 'user', content: 'a' }], { chatTemplateKwargs: { recursive: [1, 2] } }), '12');
});

test('a special token the tokenizer lacks is undefined in the template, as transformers passes only those it has', () => {
  const chat = [{ role: 'user' as const, content: 'x' }, { role: 'assistant' as const, content: 'y' }];
  const t = new ChatTemplate('{{ pad_token is defined }}|{{ bos_token }}|{{ eos_token }}', { bosToken: null, eosToken: '</s>', padToken: null, source: 'test' });
  assert.equal(t.render(chat), 'False||</s>');
  assert.throws(() => new ChatTemplate('{{ bos_token + "x" }}', { bosToken: null, eosToken: '</s>', source: 'test' }).render(chat), (e: unknown) => isUserError(e));
});
