// Chat exports given to prepare. ChatGPT's conversations.json: each conversation is {title, mapping, current_node}, its
// messages a tree under "mapping"; the rejection said "--field text=title reads it as the text" (its one string field),
// which trains the model on chat titles. Claude's: {name, chat_messages: [{sender: "human"|"assistant", text}]}; the
// rejection's --field messages=chat_messages --field role=sender … then refused "human". Each now says what the file is
// and where the command that converts it is, and that command (docs/data.md, run here as written there) gives chats
// prepare keeps.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectRecord } from '../../src/data/record.ts';
import { prepare } from '../../src/data/prepare.ts';
import { loadTokenizer } from '../../src/tokenizer/index.ts';
import { setQuiet } from '../../src/util/log.ts';
import { FIXTURES } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const node = (id: string, role: string | null, parts: unknown[], parent: string | null, children: string[], type = 'text') => ({
  id, parent, children,
  message: role === null ? null : { id, author: { role }, content: { content_type: type, parts }, metadata: {} },
});

/** Two conversations as ChatGPT exports them: a root without a message, a hidden empty system message, a regenerated answer (two branches; current_node the second), a tool call. */
const EXPORT = [
  {
    title: 'Mountains', create_time: 1700000000.5, current_node: 'a2',
    mapping: {
      root: node('root', null, [], null, ['sys']),
      sys: node('sys', 'system', [''], 'root', ['u1']),
      u1: node('u1', 'user', ['What is the tallest mountain?'], 'sys', ['a1', 'a2']),
      a1: node('a1', 'assistant', ['K2.'], 'u1', []),
      a2: node('a2', 'assistant', ['Mount Everest, 8,849 m.'], 'u1', []),
    },
  },
  {
    title: 'Weather', create_time: 1700000100, current_node: 'a4',
    mapping: {
      r: node('r', null, [], null, ['u3']),
      u3: node('u3', 'user', ['Is it raining in Oslo?'], 'r', ['c']),
      c: node('c', 'assistant', ['search("Oslo weather")'], 'u3', ['t'], 'code'),
      t: node('t', 'tool', ['Light rain, 7 °C'], 'c', ['a4']),
      a4: node('a4', 'assistant', ['Yes, light rain at 7 °C.'], 't', []),
    },
  },
];

test('a ChatGPT export conversation is rejected saying what it is and where its conversion is, not "--field text=title reads it as the text"', () => {
  const r = detectRecord(EXPORT[0], 'generation');
  assert.ok('reason' in r);
  assert.equal(r.reason, 'unknown_shape');
  assert.doesNotMatch(r.detail, /--field text=title/);
  assert.match(r.detail, /; it looks like a ChatGPT data export \(conversations\.json\), whose messages are a tree under "mapping", which prepare does not read: write each conversation's branch as \{"messages": \[\{"role", "content"\}\]\} first \(docs\/data\.md, "Common layouts", has the jq command\)$/);
  // a record with a "mapping" that is no such tree keeps the hint it had
  assert.match((detectRecord({ title: 'A title', mapping: { a: 1 } }, 'generation') as { detail: string }).detail, /--field text=title reads it as the text$/);
});

test("the error of a prepare that keeps nothing quotes the first rejection's hint whole (a ChatGPT export's, preference data's)", () => {
  // before: cut at 240 characters, "…which prepare does not read: …[130 more characters]", and the CLI's "--field text=chosen trains on the cho…"
  const dir = tempDir('mt-chat-export-error-');
  const files = { 'conversations.json': JSON.stringify(EXPORT), 'hh.jsonl': JSON.stringify({ chosen: '\n\nHuman: Hi\n\nAssistant: Hello', rejected: '\n\nHuman: Hi\n\nAssistant: Go away' }) + '\n',
    'wrapped.jsonl': JSON.stringify({ data: [{ text: 'a' }, { text: 'b' }] }) + '\n' };
  const ends = {
    'conversations.json': 'write each conversation\'s branch as {"messages": [{"role", "content"}]} first (docs/data.md, "Common layouts", has the jq command)',
    'hh.jsonl': "options.fields.text 'chosen' trains on the chosen texts, whole", // the library's words for --field text=chosen
    'wrapped.jsonl': "is read as JSON (a .json file, or options.format 'json'), or write them one a line (jq -c '.\"data\"[]')", // for --format json
  };
  setQuiet(true);
  try {
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(dir, name), text);
      assert.throws(() => prepare({ inputs: [path.join(dir, name)], outDir: path.join(dir, `out-${name}`), tokenizer: loadTokenizer() }),
        (e: Error) => e.message.includes(`: unknown_shape: `) && e.message.includes(`${ends[name as keyof typeof ends]}; rejected.jsonl and report.json are written`) && !e.message.includes('more characters'));
    }
  } finally {
    setQuiet(false);
  }
});

/** A Claude export: one conversation as claude.ai writes it. */
const CLAUDE = [{
  uuid: 'c1', name: 'Mountains', created_at: '2024-05-01T10:00:00Z', chat_messages: [
    { uuid: 'm1', text: 'What is the tallest mountain?', content: [{ type: 'text', text: 'What is the tallest mountain?' }], sender: 'human', attachments: [], files: [] },
    { uuid: 'm2', text: 'Mount Everest.', content: [{ type: 'text', text: 'Mount Everest.' }], sender: 'assistant', attachments: [], files: [] },
  ],
}];

test('a Claude export conversation is rejected saying what it is and where its conversion is, not with the --field options that then refuse "human"', () => {
  const r = detectRecord(CLAUDE[0], 'generation');
  assert.ok('reason' in r);
  assert.match(r.detail, /; it looks like a Claude data export \(conversations\.json\), whose "chat_messages" have senders "human" and "assistant": write each conversation as \{"messages": \[\{"role", "content"\}\]\} first \(docs\/data\.md, "Common layouts", has the jq command\)$/);
});

/** The jq command of docs/data.md that writes `out`, run as written there on `exported`; the chats it wrote, which prepare keeps. */
function docCommand(t: TestContext, out: string, exported: unknown): unknown[] | undefined {
  if (spawnSync('jq', ['--version']).status !== 0) {
    t.skip('jq is not installed');
    return undefined;
  }
  const doc = fs.readFileSync(path.join(FIXTURES, '..', '..', 'docs', 'data.md'), 'utf8');
  const block = new RegExp(`\`\`\`sh\n(jq -c [^\`]*?conversations\\.json > ${out.replace('.', '\\.')})\nmistral-tune prepare --input ${out.replace('.', '\\.')} --out prepared\n\`\`\``).exec(doc);
  assert.ok(block, `the command writing ${out} is in docs/data.md`);
  const dir = tempDir('mt-chat-export-');
  fs.writeFileSync(path.join(dir, 'conversations.json'), JSON.stringify(exported));
  const run = spawnSync('sh', ['-c', block[1]!], { cwd: dir, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const chats = fs.readFileSync(path.join(dir, out), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
  setQuiet(true);
  try {
    const { report } = prepare({ inputs: [path.join(dir, out)], outDir: path.join(dir, 'prepared'), tokenizer: loadTokenizer(), split: [1, 0, 0] });
    assert.equal(report.kept, chats.length, 'prepare keeps every chat');
  } finally {
    setQuiet(false);
  }
  return chats;
}

test("docs/data.md's jq commands, as written there, make chats of ChatGPT's shown branches and of Claude's conversations", (t) => {
  const chatgpt = docCommand(t, 'chatgpt.jsonl', EXPORT);
  if (chatgpt === undefined) return;
  assert.deepEqual(chatgpt, [
    { messages: [{ role: 'user', content: 'What is the tallest mountain?' }, { role: 'assistant', content: 'Mount Everest, 8,849 m.' }] },
    { messages: [{ role: 'user', content: 'Is it raining in Oslo?' }, { role: 'assistant', content: 'Yes, light rain at 7 °C.' }] },
  ]);
  assert.deepEqual(docCommand(t, 'claude.jsonl', CLAUDE), [
    { messages: [{ role: 'user', content: 'What is the tallest mountain?' }, { role: 'assistant', content: 'Mount Everest.' }] },
  ]);
});
