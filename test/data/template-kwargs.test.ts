// A record's "chat_template_kwargs" (TRL 1.13's field) rendered into its chat as TRL renders it: extra variables of
// apply_chat_template (test/fixtures/trl-template-kwargs/cases.json: a small template reading enable_thinking, effort and
// bos_token, on the tekken-tiny tokenizer); kept by prepare as given, counted in exact dedup, refused with a reason
// where it is no object, names an argument of apply_chat_template, or stands beside a record no template renders.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { detectRecord } from '../../src/data/record.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { parsePythonJson, pythonJson } from '../../src/data/python-numbers.ts';
import { tekkenTinyWith } from '../tokenizer/helpers.ts';
import { readJsonl, tempDir, writeFiles } from './helpers.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
interface Case { name: string; record: Record<string, unknown>; ids: number[]; text: string; completion_mask?: number[] }
// read as prepare reads a file: 1.0 a float, as TRL's json reads it
const fixture = parsePythonJson(fs.readFileSync(path.join(FIXTURES, 'trl-template-kwargs', 'cases.json'), 'utf8')) as { template: string; cases: Case[] };
const tok = tekkenTinyWith(fixture.template);
const dir = tempDir();

test("a record's chat_template_kwargs renders into its chat and tokens as TRL's tokenize_fn renders them (transformers' apply_chat_template **kwargs)", () => {
  assert.equal(fixture.cases.length, 6);
  for (const c of fixture.cases) {
    const det = detectRecord(c.record, 'generation');
    assert.ok('record' in det, `${c.name}: ${'detail' in det ? det.detail : ''}`);
    const rec = det.record;
    assert.equal(rec.shape, 'chat');
    if (rec.shape !== 'chat') continue;
    assert.equal(tok.applyChatTemplate(rec.messages.map((m) => ({ ...m })), rec.chatTemplateKwargs === undefined ? {} : { chatTemplateKwargs: rec.chatTemplateKwargs }), c.text, c.name);
    const { row } = tokenizeRecord(rec, tok);
    assert.deepEqual([...row!.inputIds], c.ids, c.name);
    // a prompt and completion of messages: the completion is trained, as TRL's completion_mask says
    if (c.completion_mask !== undefined) assert.deepEqual([...row!.labels!], c.ids.map((id, t) => (c.completion_mask![t] === 1 ? id : -100)), c.name);
  }
  // the variables change the rendering: thinking off drops the <think></think> that the chat without them has
  const [plain, off] = fixture.cases;
  assert.ok(plain!.text.includes('<think></think>') && !off!.text.includes('<think>'));
});

test('prepare writes chat_template_kwargs as given (keys in order, 1.0 a float), and train reads the same tokens back', () => {
  const lines = fixture.cases.map((c) => pythonJson(c.record));
  const f = writeFiles(dir, { 'kwargs.jsonl': lines.join('\n') + '\n' });
  const outDir = path.join(dir, 'kwargs');
  const { report } = prepare({ inputs: [f['kwargs.jsonl']!], outDir, tokenizer: tok, split: [1, 0, 0], dedup: 'exact' });
  assert.equal(report.kept, 6);
  const written = fs.readFileSync(path.join(outDir, 'train.jsonl'), 'utf8');
  assert.match(written, /"chat_template_kwargs":\{"effort":\{"level":1\.0,"b":\[2,"x"\],"a":null\},"enable_thinking":true\}/);
  assert.match(written, /"chat_template_kwargs":\{"enable_thinking":false\}/);
  const kept = readJsonl<{ source: { line: number }; chat_template_kwargs?: unknown }>(path.join(outDir, 'train.jsonl'));
  const first = kept.find((k) => k.source.line === 1)!;
  assert.equal(Object.hasOwn(first, 'chat_template_kwargs'), false); // a record without it is written as before
  // train's reading of train.jsonl gives TRL's ids for each record
  const { rows } = loadTokenRows(path.join(outDir, 'train.jsonl'), { tokenizer: tok });
  const want = new Map(fixture.cases.map((c, i) => [i + 1, c.ids]));
  kept.forEach((k, i) => assert.deepEqual([...rows[i]!.inputIds], want.get(k.source.line), `line ${k.source.line}`));
});

test('exact dedup counts chat_template_kwargs: the same chat with other variables is another example; {} and null are none', () => {
  const chat = (fixture.cases[0]!.record as { messages: unknown[] }).messages;
  const records = [
    { messages: chat, chat_template_kwargs: { enable_thinking: false, effort: 'high' } },
    { messages: chat, chat_template_kwargs: { effort: 'high', enable_thinking: false } }, // keys in another order: the same variables
    { messages: chat, chat_template_kwargs: { enable_thinking: true, effort: 'high' } },
    { messages: chat },
    { messages: chat, chat_template_kwargs: {} },
    { messages: chat, chat_template_kwargs: null },
  ];
  const f = writeFiles(dir, { 'dedup.jsonl': records.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const outDir = path.join(dir, 'dedup');
  const { report } = prepare({ inputs: [f['dedup.jsonl']!], outDir, tokenizer: tok, split: [1, 0, 0], dedup: 'exact' });
  const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(outDir, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason, r.detail]), [[2, 'duplicate', 'duplicate of dedup.jsonl:1'], [5, 'duplicate', 'duplicate of dedup.jsonl:4'], [6, 'duplicate', 'duplicate of dedup.jsonl:4']]);
  assert.equal(report.kept, 3);
});

test('near dedup compares chats rendered with the same chat_template_kwargs only: the same turns with other variables are another example', () => {
  const tail = 'The train leaves the northern station at nine and reaches the harbour two hours later, stopping twice on the way';
  const chat = (answer: string) => [{ role: 'user', content: 'When does the morning train reach the harbour, and where does it stop?' }, { role: 'assistant', content: `${tail}${answer}` }];
  const records = [
    { messages: chat('.') },
    { messages: chat('.'), chat_template_kwargs: { enable_thinking: false } }, // thinking off: another training text
    { messages: chat('.'), chat_template_kwargs: { enable_thinking: true } },
    { messages: chat('!'), chat_template_kwargs: { enable_thinking: false } }, // a near copy of line 2, as rendered
    { messages: chat('!'), chat_template_kwargs: { effort: 'high', enable_thinking: false } }, // other variables still
    { messages: chat('!') }, // a near copy of line 1
    { messages: chat('!'), chat_template_kwargs: { bos_token: '<s>', enable_thinking: false } }, // the tokenizer's own BOS: rendered as line 2 is
  ];
  const f = writeFiles(dir, { 'near.jsonl': records.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const outDir = path.join(dir, 'near');
  const { report } = prepare({ inputs: [f['near.jsonl']!], outDir, tokenizer: tok, split: [1, 0, 0], dedup: 'near' });
  const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(outDir, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason, r.detail.replace(/ \(Jaccard.*/, '')]), [
    [4, 'near_duplicate', 'near-duplicate of near.jsonl:2'], [6, 'near_duplicate', 'near-duplicate of near.jsonl:1'], [7, 'near_duplicate', 'near-duplicate of near.jsonl:2'],
  ]);
  assert.equal(report.kept, 4);
  assert.deepEqual(report.by_reason, { near_duplicate: 3 });
});

test('chat_template_kwargs is refused, naming the field, where it is no object, names an argument of apply_chat_template, or stands beside a text', () => {
  const chat = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
  const refusal = (r: unknown): string => {
    const det = detectRecord(r, 'generation');
    assert.ok(!('record' in det), JSON.stringify(r));
    assert.equal(det.reason, 'unknown_shape');
    return det.detail;
  };
  assert.match(refusal({ messages: chat, chat_template_kwargs: [1] }), /^"chat_template_kwargs" is an array; it is an object of extra chat template variables/);
  assert.match(refusal({ messages: chat, chat_template_kwargs: '{"enable_thinking": false}' }), /^"chat_template_kwargs" is a string/);
  assert.match(refusal({ messages: chat, chat_template_kwargs: { tools: [] } }), /^"chat_template_kwargs" has "tools", which apply_chat_template takes as its own argument.*record's "tools" field/);
  // also the names of the functions between (render_jinja_template's conversations, TRL's _tokenize's input and
  // processing_class, the method's self): TRL fails 'got multiple values for argument'
  for (const name of ['add_generation_prompt', 'chat_template', 'messages', 'tokenize', 'documents', 'conversations', 'input', 'processing_class', 'self']) {
    assert.match(refusal({ messages: chat, chat_template_kwargs: { enable_thinking: true, [name]: true } }), new RegExp(`has "${name}"`));
  }
  assert.match(refusal({ text: 'Hello', chat_template_kwargs: { enable_thinking: false } }), /beside a text record: only a chat is rendered by the template/);
  assert.match(refusal({ prompt: 'Hi', completion: 'Hello', chat_template_kwargs: { enable_thinking: false } }), /beside a prompt_completion record/);
  // variables named as a rejection's fields are variables still
  const det = detectRecord({ messages: chat, chat_template_kwargs: { reason: 'x', detail: 'y' } }, 'generation');
  assert.ok('record' in det && det.record.shape === 'chat' && det.record.chatTemplateKwargs?.reason === 'x');
});

test("a special token's variable set to the tokenizer's own token (bos_token \"<s>\") is kept, as it renders as without it; any other special token's text in a variable is refused, naming the variable", () => {
  const chat = [{ role: 'user', content: 'Hi there' }, { role: 'assistant', content: 'Hello to you' }];
  const records = [
    { messages: chat, chat_template_kwargs: { bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>' } }, // each the tokenizer's own
    { messages: chat, chat_template_kwargs: { bos_token: '</s>' } }, // an EOS where the chat starts (transformers: id 2 first)
    { messages: chat, chat_template_kwargs: { enable_thinking: '<s>' } },
    { messages: chat, chat_template_kwargs: { bos_token: '<s>', effort: { level: 'high </s> then' } } },
    { messages: chat, chat_template_kwargs: { sep_token: '<s>' } }, // a name of no special token this tokenizer has
    { messages: chat }, // rendered as line 1 is: the same example
  ];
  const f = writeFiles(dir, { 'specials.jsonl': records.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const outDir = path.join(dir, 'specials');
  const { report } = prepare({ inputs: [f['specials.jsonl']!], outDir, tokenizer: tok, split: [1, 0, 0] });
  const rejected = readJsonl<{ source: { line: number }; reason: string; detail: string }>(path.join(outDir, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason, r.detail]), [
    [2, 'special_token', '"chat_template_kwargs".bos_token contains the special token "</s>" (the tokenizer\'s bos_token is "<s>": a template variable renders its value into the chat, another token\'s text as that token)'],
    [3, 'special_token', '"chat_template_kwargs".enable_thinking contains the special token "<s>" (a template variable renders its value into the chat, a special token\'s text as that token)'],
    [4, 'special_token', '"chat_template_kwargs".effort contains the special token "</s>" (a template variable renders its value into the chat, a special token\'s text as that token)'],
    [5, 'special_token', '"chat_template_kwargs".sep_token contains the special token "<s>" (a template variable renders its value into the chat, a special token\'s text as that token)'],
    [6, 'duplicate', 'duplicate of specials.jsonl:1'],
  ]);
  assert.equal(report.kept, 1);
  // training reads it back: the ids of the chat without the variables
  const { rows } = loadTokenRows(path.join(outDir, 'train.jsonl'), { tokenizer: tok });
  const plain = detectRecord({ messages: chat }, 'generation');
  assert.ok('record' in plain);
  assert.deepEqual([...rows[0]!.inputIds], [...tokenizeRecord(plain.record, tok).row!.inputIds]);
  // tokenizing a record refuses what prepare refuses, naming the variable as prepare's rejection does (was
  // "chat_template_kwargs.bos_token", the field and the variable in one pair of quotes)
  const injected = detectRecord(records[1], 'generation');
  assert.ok('record' in injected);
  assert.throws(() => tokenizeRecord(injected.record, tok), { message: '"chat_template_kwargs".bos_token contains the text of a special token ("</s>")' });
});

test('applyChatTemplate takes chatTemplateKwargs as a library option, refusing an argument name as prepare does', () => {
  const chat = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }];
  assert.equal(tok.applyChatTemplate(chat, { chatTemplateKwargs: { enable_thinking: false } }), '<s>[INST]Hi[/INST]Hello</s>');
  assert.throws(() => tok.applyChatTemplate(chat, { chatTemplateKwargs: { add_generation_prompt: true } }), /options\.chatTemplateKwargs has "add_generation_prompt"/);
  assert.throws(() => tok.applyChatTemplate(chat, { chatTemplateKwargs: { f: () => 1 } as Record<string, unknown> }), /options\.chatTemplateKwargs\.f is a function/);
});
