// prepare on chats with tool use in OpenAI's form (tool_calls, role "tool", "tools"), with Mistral-7B-Instruct-v0.3's
// template (tekken-tiny): kept with their tool fields exactly as given, content alone normalised; deduplicated with
// those fields compared (key order aside); refused, with the reason, where the model's template does not render them
// or they are not of that form.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import type { ChatTurn } from '../../src/data/record-shape.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { ARGUMENTS_AS_OBJECTS, ARGUMENTS_AS_OBJECTS_JQ } from '../../src/train/data.ts';
import { spawnSync } from 'node:child_process';
import { parsePythonJson, pythonJson } from '../../src/data/python-numbers.ts';
import { sharedCanonicalJsonChars } from '../../src/data/record-content.ts';
import { tekkenTinyWith } from '../tokenizer/helpers.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const V03 = fs.readFileSync(path.join(import.meta.dirname, '..', 'tokenizer', 'fixtures', 'chat-templates', 'v03_tools.jinja'), 'utf8');
const v03 = tekkenTinyWith(V03);
const dir = tempDir();

const add = { type: 'function', function: { name: 'add', description: 'Adds two numbers', parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } } } };
const chat = (args: unknown, answer = 'It is 3.', id = 'abc123def') => ({
  messages: [
    { role: 'user', content: 'Add 1 and 2' },
    { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'add', arguments: args } }] },
    { role: 'tool', tool_call_id: id, content: ' 3 ' },
    { role: 'assistant', content: answer },
  ],
  tools: [add],
});

interface Kept { messages: Array<Record<string, unknown>>; tools?: unknown[] }
interface Rejected { source: { line: number }; reason: string; detail: string }

function run(name: string, records: unknown[], tokenizer = v03, stripHtml = false) {
  const f = writeFiles(dir, { [`${name}.jsonl`]: records.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const outDir = path.join(dir, name);
  const { report } = prepare({ inputs: [f[`${name}.jsonl`]!], outDir, tokenizer, split: [1, 0, 0], stripHtml });
  return { report, kept: readJsonl<Kept>(path.join(outDir, 'train.jsonl')), rejected: readJsonl<Rejected>(path.join(outDir, 'rejected.jsonl')) };
}

test('prepare keeps tool calls, tool results and tools as given (content alone normalised), dedups with them compared, and writes them', () => {
  const { kept, rejected, report } = run('tools', [
    chat({ a: 1, b: 2 }, '  It is 3.  '),
    chat({ b: 2, a: 1 }), // the same calls, keys in another order: a duplicate
    chat('{"a": 1, "b": 2}'), // arguments as a JSON string: another text (HF renders it double-encoded)
    chat({ a: 1, b: 2 }, 'It is 3.', 'zzz999aaa'), // another call id: another record
  ]);
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[2, 'duplicate']]);
  assert.equal(report.kept, 3);
  const first = kept.find((k) => (k.messages[1]!.tool_calls as Array<{ id: string; function: { arguments: unknown } }>)[0]!.id === 'abc123def' && typeof (k.messages[1]!.tool_calls as Array<{ function: { arguments: unknown } }>)[0]!.function.arguments === 'object')!;
  assert.deepEqual(first.messages, [
    { role: 'user', content: 'Add 1 and 2' },
    { role: 'assistant', content: '', tool_calls: [{ id: 'abc123def', type: 'function', function: { name: 'add', arguments: { a: 1, b: 2 } } }] },
    { role: 'tool', content: '3', tool_call_id: 'abc123def' },
    { role: 'assistant', content: 'It is 3.' },
  ]);
  assert.deepEqual(first.tools, [add]);
  // --strip-html strips content only: a call's empty content is no field left empty, its arguments stay as given
  const html = run('tools-html', [chat({ a: '<b>1</b>', b: 2 }, '<b>It is 3.</b>')], v03, true);
  assert.deepEqual(html.kept[0]!.messages.map((m) => m.content), ['Add 1 and 2', '', '3', 'It is 3.']);
  assert.deepEqual(html.kept[0]!.messages[1]!.tool_calls, chat({ a: '<b>1</b>', b: 2 }).messages[1]!.tool_calls);
  // what prepare writes, it reads again as the same record
  const again = run('tools-again', kept);
  assert.equal(again.report.kept, 3);
  assert.deepEqual(again.kept.map((k) => [k.messages, k.tools]), kept.map((k) => [k.messages, k.tools]));
});

test("numbers in tool calls and tools keep Python's types from the file to train.jsonl to the tokens trained (TRL's)", () => {
  // TRL's case: arguments and a schema with 1.0, -74.0, 1e3 (floats: json.dumps writes 1000.0), 0.5, 1e-5, an int past 2**53
  interface MaskCase { name: string; messages: unknown[]; tools: unknown[]; ids: number[]; turns: Array<{ span: number[] }> }
  const masks = parsePythonJson(fs.readFileSync(path.join(FIXTURES, 'trl-tool-masks', 'masks.json'), 'utf8')) as { cases: MaskCase[] };
  const c = masks.cases.find((x) => x.name.startsWith('numbers as Python has them'))!;
  const line = pythonJson({ messages: c.messages, tools: c.tools });
  assert.match(line, /"arguments":\{"lat":1\.0,"lon":-74\.0,"zoom":0\.5,"radius":1000\.0,"eps":0\.00001,"id":12345678901234567890,"n":3,"far":1e\+16\}/);
  const f = writeFiles(dir, { 'numbers.jsonl': line + '\n' });
  const outDir = path.join(dir, 'numbers');
  const { report } = prepare({ inputs: [f['numbers.jsonl']!], outDir, tokenizer: v03, split: [1, 0, 0] });
  assert.equal(report.kept, 1);
  // written as read: a float of whole value with its ".0", the int with every digit
  const written = fs.readFileSync(path.join(outDir, 'train.jsonl'), 'utf8');
  assert.match(written, /"arguments":\{"lat":1\.0,"lon":-74\.0,"zoom":0\.5,"radius":1000\.0,"eps":0\.00001,"id":12345678901234567890,"n":3,"far":1e\+16\}/);
  assert.match(written, /"lat":\{"type":"number","minimum":-90\.0,"maximum":90\.0,"default":1\.0\}/);
  // train reads it back: the tokens and the trained ones are TRL's
  const { rows } = loadTokenRows(path.join(outDir, 'train.jsonl'), { tokenizer: v03 });
  assert.deepEqual([...rows[0]!.inputIds], c.ids);
  const trained = new Set(c.turns.flatMap((t) => t.span));
  assert.deepEqual([...rows[0]!.labels!], c.ids.map((id, t) => (trained.has(t) ? id : -100)));
  // a copy whose arguments say 1 where the first says 1.0 is no exact copy (the template writes them apart); 1e3 is 1000.0
  const twice = writeFiles(dir, { 'numbers-twice.jsonl': `${line}\n${line.replace('"lat":1.0,', '"lat":1,')}\n${line.replace('1000.0', '1e3')}\n` });
  const again = prepare({ inputs: [twice['numbers-twice.jsonl']!], outDir: path.join(dir, 'numbers-twice'), tokenizer: v03, split: [1, 0, 0], dedup: 'exact' });
  assert.deepEqual(readJsonl<Rejected>(path.join(dir, 'numbers-twice', 'rejected.jsonl')).map((r) => [r.source.line, r.reason]), [[3, 'duplicate']]);
  assert.equal(again.report.kept, 2);
});

test("numbers that String() writes as the file spells them keep Python's types too: Infinity, 1e21 (floats), an int past 2**53", () => {
  // Python's json.dumps writes inf as Infinity; transformers renders these arguments {"x": Infinity, "y": -Infinity, "big": 12345678901234567000, "e": 1e+21, "f": 1.0}
  const args = '{"x": Infinity, "y": -Infinity, "big": 12345678901234567000, "e": 1e21, "f": 1.0}';
  const f = writeFiles(dir, { 'numbers-as-written.jsonl': JSON.stringify(chat('ARGS')).replace('"ARGS"', args) + '\n' });
  const outDir = path.join(dir, 'numbers-as-written');
  assert.equal(prepare({ inputs: [f['numbers-as-written.jsonl']!], outDir, tokenizer: v03, split: [1, 0, 0] }).report.kept, 1);
  const written = fs.readFileSync(path.join(outDir, 'train.jsonl'), 'utf8');
  assert.match(written, /"arguments":\{"x":Infinity,"y":-Infinity,"big":12345678901234567000,"e":1e\+21,"f":1\.0\}/); // not "x":null
  const { rows } = loadTokenRows(path.join(outDir, 'train.jsonl'), { tokenizer: v03 });
  assert.ok(v03.decode([...rows[0]!.inputIds]).includes('"arguments": {"x": Infinity, "y": -Infinity, "big": 12345678901234567000, "e": 1e+21, "f": 1.0}'));
});

test("a NaN in a tool call's arguments is Python's float nan, as json.loads reads it: written NaN to train.jsonl and rendered NaN (not null)", () => {
  // transformers 5.17 (json.loads, apply_chat_template) renders these arguments {"x": NaN, "y": Infinity, "z": -Infinity, "n": [NaN], "f": 1.0}
  const args = '{"x": NaN, "y": Infinity, "z": -Infinity, "n": [NaN], "f": 1.0}';
  const f = writeFiles(dir, { 'numbers-nan.jsonl': JSON.stringify(chat('ARGS')).replace('"ARGS"', args) + '\n' });
  const outDir = path.join(dir, 'numbers-nan');
  assert.equal(prepare({ inputs: [f['numbers-nan.jsonl']!], outDir, tokenizer: v03, split: [1, 0, 0] }).report.kept, 1);
  const written = fs.readFileSync(path.join(outDir, 'train.jsonl'), 'utf8');
  assert.match(written, /"arguments":\{"x":NaN,"y":Infinity,"z":-Infinity,"n":\[NaN\],"f":1\.0\}/);
  const { rows } = loadTokenRows(path.join(outDir, 'train.jsonl'), { tokenizer: v03 });
  assert.ok(v03.decode([...rows[0]!.inputIds]).includes('[{"name": "add", "arguments": {"x": NaN, "y": Infinity, "z": -Infinity, "n": [NaN], "f": 1.0}, "id": "abc123def"}]'));
});

test('near-duplicate chats whose tool calls hold an infinite float (written Infinity, as Python writes it) are compared, not a SyntaxError', () => {
  const long = 'the quick brown fox jumps over the lazy dog and then it runs far away into the forest where nobody finds it';
  const near = (word: string, args: string) => JSON.stringify(chat('ARGS', long)).replace('Add 1 and 2', `${long} ${word}`).replace('"ARGS"', args);
  for (const args of ['{"x": 1e400}', '{"x": Infinity, "y": -Infinity}']) {
    const f = writeFiles(dir, { 'near-infinite.jsonl': `${near('one', args)}\n${near('two', args)}\n` });
    const outDir = path.join(dir, 'near-infinite');
    const { report } = prepare({ inputs: [f['near-infinite.jsonl']!], outDir, tokenizer: v03, split: [1, 0, 0] });
    assert.equal(report.kept, 1, args);
    const rejected = readJsonl<Rejected>(path.join(outDir, 'rejected.jsonl'));
    assert.deepEqual(rejected.map((r) => r.reason), ['near_duplicate']);
    assert.match(rejected[0]!.detail, /^near-duplicate of near-infinite\.jsonl:1 /);
  }
});

test("prepare refuses tool use the model's template does not render, and tool use not in OpenAI's form, saying why", () => {
  const plain = { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] };
  const v01 = run('v01', [chat({ a: 1, b: 2 }), plain], mistralTokenizer());
  assert.equal(v01.rejected[0]!.reason, 'untokenizable');
  assert.match(v01.rejected[0]!.detail, /tool call \("tool_calls"\), which .* does not render/);
  const { rejected } = run('bad', [
    chat({ a: 1 }, 'ok', 'short'), // v0.3 wants call ids of 9 characters
    { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: null, function_call: { name: 'add', arguments: '{}' } }, { role: 'function', name: 'add', content: '3' }, { role: 'assistant', content: 'ok' }] },
    { text: 'hello', tools: [add] },
    { ...chat({ a: 1 }), tools: { add } },
    { messages: [{ role: 'user', content: 'hi' }, { role: 'tool', tool_call_id: 'abc123def', content: '3' }, { role: 'assistant', content: 'ok' }] },
    { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Calling.', tool_calls: [{ id: 'abc123def', type: 'function', function: { name: 'add', arguments: {} } }] }, { role: 'tool', tool_call_id: 'abc123def', content: '3' }, { role: 'assistant', content: 'ok' }] },
    plain,
  ]);
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[1, 'untokenizable'], [2, 'unknown_shape'], [3, 'unknown_shape'], [4, 'unknown_shape'], [5, 'invalid_roles'], [6, 'untokenizable']]);
  const [id, older, besideText, notArray, noCall, content] = rejected.map((r) => r.detail);
  assert.match(id!, /Tool call IDs should be alphanumeric strings with length 9/);
  assert.match(older!, /function_call is OpenAI's older form of a tool call, which is not read: write it as "tool_calls"/);
  assert.match(besideText!, /"tools" holds tool definitions beside a text record/);
  assert.match(notArray!, /"tools" is an object; it is an array of tool definitions/);
  assert.match(noCall!, /turn 1 is tool where assistant was expected \(a tool result follows the assistant turn that calls it\)/);
  assert.match(content!, /messages\[1\]\.content is not rendered by the chat template beside the turn's tool calls/);
});

test("a call turn's content that the template leaves out is refused even where its text is elsewhere in the chat", () => {
  // v0.3 renders the calls only: "Sure" is in the user's turn, not the assistant's, and would be left out unseen
  const calls = chat({ a: 1, b: 2 }).messages[1]!.tool_calls;
  const { rejected, report } = run('content-elsewhere', [{ ...chat({ a: 1, b: 2 }), messages: [
    { role: 'user', content: 'Sure: add 1 and 2' }, { role: 'assistant', content: 'Sure', tool_calls: calls }, ...chat({ a: 1, b: 2 }).messages.slice(2),
  ] }, chat({ a: 1, b: 2 })]);
  assert.equal(report.kept, 1);
  assert.match(rejected[0]!.detail, /messages\[1\]\.content is not rendered by the chat template beside the turn's tool calls/);
});

test("ShareGPT's tool turns (LLaMA-Factory's function_call, observation) are refused with what to write instead", () => {
  const { rejected } = run('sharegpt-tools', [
    { conversations: [{ from: 'human', value: 'Add 1 and 2' }, { from: 'function_call', value: '{"name": "add", "arguments": {"a": 1, "b": 2}}' }, { from: 'observation', value: '3' }, { from: 'gpt', value: 'It is 3.' }], tools: JSON.stringify([add]) },
    chat({ a: 1, b: 2 }),
  ]);
  assert.deepEqual(rejected.map((r) => r.reason), ['invalid_roles']);
  assert.match(rejected[0]!.detail, /conversations\[1\]\.from is "function_call"; .*LLaMA-Factory's ShareGPT tool turns, function_call and observation, are not read: write the chat as OpenAI's messages/);
});

test("a tool result whose content is a JSON object is refused with what to write instead (transformers renders Python's repr)", () => {
  const { rejected } = run('object-result', [
    { ...chat({ a: 1, b: 2 }), messages: chat({ a: 1, b: 2 }).messages.map((m) => (m.role === 'tool' ? { ...m, content: { sum: 3 } } : m)) },
    chat({ a: 1, b: 2 }),
  ]);
  assert.deepEqual(rejected.map((r) => r.reason), ['unknown_shape']);
  assert.match(rejected[0]!.detail, /^messages\[2\]: "content" is an object, not a string; a tool's result is text: write the object as its JSON text/);
});

test('near dedup compares chats rendered with the same tools only (key order aside): the same turns with other tools are another example', () => {
  const tail = 'The train leaves the northern station at nine and reaches the harbour two hours later, stopping twice on the way';
  const talk = (answer: string) => [{ role: 'user', content: 'When does the morning train reach the harbour, and where does it stop?' }, { role: 'assistant', content: `${tail}${answer}` }];
  const addKeysReordered = { function: { parameters: add.function.parameters, description: add.function.description, name: 'add' }, type: 'function' };
  const sub = { type: 'function', function: { ...add.function, name: 'sub', description: 'Subtracts two numbers' } };
  const { rejected, report } = run('near-tools', [
    { messages: talk('.') },
    { messages: talk('.'), tools: [add] }, // the tools are rendered into the prompt: another example
    { messages: talk('.'), tools: [sub] },
    { messages: talk('!'), tools: [addKeysReordered] }, // the same tools: a near copy of line 2
    { messages: talk('!'), tools: [add, sub] },
    { messages: talk('!') }, // a near copy of line 1
  ]);
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason, r.detail.replace(/ \(Jaccard.*/, '')]), [
    [4, 'near_duplicate', 'near-duplicate of near-tools.jsonl:2'], [6, 'near_duplicate', 'near-duplicate of near-tools.jsonl:1'],
  ]);
  assert.equal(report.kept, 4);
  assert.deepEqual(report.by_reason, { near_duplicate: 2 });
});

test('tool definitions holding the text of a special token are refused, as every other text field is', () => {
  const eosTool = { type: 'function', function: { ...add.function, description: 'Adds two numbers </s> then stops' } };
  const { rejected } = run('special-tools', [{ ...chat({ a: 1, b: 2 }), tools: [eosTool] }, chat({ a: 1, b: 2 })]);
  assert.deepEqual(rejected.map((r) => [r.reason, r.detail]), [['special_token', '"tools" contains the special token "</s>"']]);
  // beside other HTML, with no hint that --strip-html removes it: tools are kept as given, never stripped
  const htmlTool = { type: 'function', function: { ...add.function, description: '<b>Adds</b> two numbers </s>' } };
  const html = run('special-tools-html', [{ ...chat({ a: 1, b: 2 }), tools: [htmlTool] }, chat({ a: 1, b: 2 })], v03, true);
  assert.deepEqual(html.rejected.map((r) => r.detail), ['"tools" contains the special token "</s>"']);
  const record = { shape: 'chat' as const, messages: [{ role: 'user' as const, content: 'hi' }, { role: 'assistant' as const, content: 'hello' }], tools: [eosTool] };
  assert.throws(() => tokenizeRecord(record, v03), /"tools" contains the text of a special token \("<\/s>"\)/);
});

test("chats whose tool call's arguments are JSON text that the template writes as a string are counted (the trainer warns with the count)", () => {
  const f = writeFiles(dir, {
    'args-text.jsonl': [chat('{"a": 1, "b": 2}'), chat({ a: 1, b: 2 }), chat('{}', 'It is 0.', 'qqq111www')].map((r) => JSON.stringify(r)).join('\n') + '\n',
  });
  assert.equal(loadTokenRows(f['args-text.jsonl']!, { tokenizer: v03 }).stats.argumentsAsText, 2); // v03: "arguments": "{\"a\": 1, …}"
  // a template that writes JSON text as it is (as Qwen 2.5's: `arguments is string` → the text) is not counted
  const asGiven = "{{ bos_token }}{% if tools is not none %}[AVAILABLE_TOOLS]{{ tools|tojson }}[/AVAILABLE_TOOLS]{% endif %}{% for m in messages %}" +
    "{% if m.role == 'user' %}[INST]{{ m.content }}[/INST]{% elif m.tool_calls is defined and m.tool_calls is not none %}[TOOL_CALLS][" +
    "{% for c in m.tool_calls %}{\"name\": \"{{ c.function.name }}\", \"arguments\": {{ c.function.arguments if c.function.arguments is string else c.function.arguments|tojson }}, \"id\": \"{{ c.id }}\"}{% endfor %}]{{ eos_token }}" +
    "{% elif m.role == 'tool' %}[TOOL_RESULTS]{{ m.content }}[/TOOL_RESULTS]{% else %}{{ m.content }}{{ eos_token }}{% endif %}{% endfor %}";
  const v03AsGiven = tekkenTinyWith(asGiven);
  assert.equal(loadTokenRows(f['args-text.jsonl']!, { tokenizer: v03AsGiven }).stats.argumentsAsText, 0);
  // nor a chat that holds the arguments' text as a JSON string elsewhere (a user quoting it): the rendering is compared
  const quoting = chat('{"a": 1, "b": 2}');
  quoting.messages[0]!.content = `Why is ${JSON.stringify('{"a": 1, "b": 2}')} the call?`;
  const g = writeFiles(dir, { 'args-text-quoted.jsonl': JSON.stringify(quoting) + '\n' });
  assert.equal(loadTokenRows(g['args-text-quoted.jsonl']!, { tokenizer: v03AsGiven }).stats.argumentsAsText, 0);
  assert.equal(loadTokenRows(g['args-text-quoted.jsonl']!, { tokenizer: v03 }).stats.argumentsAsText, 1);
  // a template that fails on text that is no JSON object (it reads the text) is asked by search
  const strict = tekkenTinyWith(V03.replace('{%- for message in loop_messages %}',
      "{%- for m in messages %}{%- for c in (m.tool_calls or []) %}{%- if c.function.arguments is string and not c.function.arguments.startswith('{') %}{{- raise_exception('not JSON') }}{%- endif %}{%- endfor %}{%- endfor %}{%- for message in loop_messages %}"));
  assert.equal(loadTokenRows(f['args-text.jsonl']!, { tokenizer: strict }).stats.argumentsAsText, 2);
});

test("the jq that train's warning gives keeps the arguments' numbers as written, or stops (a jq that writes 1.0 as 1: jq 1.6)", (t) => {
  // jq 1.6 reads every number as a double: fromjson of {"lat": 1.0} wrote {"lat":1}, which the template renders 1, not
  // 1.0 (transformers renders what json.loads reads of the text: 1.0), and the id past 2**53 rounded
  const f = writeFiles(dir, { 'args-floats.jsonl': JSON.stringify(chat('{"lat": 1.0, "id": 12345678901234567890}')) + '\n' });
  const jq = spawnSync('jq', ['-c', ARGUMENTS_AS_OBJECTS_JQ, f['args-floats.jsonl']!], { encoding: 'utf8' });
  if (jq.error) return t.skip('no jq on this machine');
  if (jq.status !== 0) {
    assert.equal(jq.stdout, '', 'nothing written');
    assert.match(jq.stderr, /have_literal_numbers|writes 1\.0 as 1/); // jq 1.6 does not know it; a 1.7 without decNumber says so
    return;
  }
  assert.match(jq.stdout, /"arguments":\{"lat":1\.0,"id":12345678901234567890\}/);
});

test("the jq that train's warning gives turns arguments given as text into objects in a file that mixes both forms (and records without messages)", (t) => {
  // a prompt/completion record beside the chats (prepare keeps such a file whole): `.messages |= map(…)` stopped jq on it
  // ("Cannot iterate over null", exit 5); a chat without tool calls is left as it is
  const plain = { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }] };
  const records = [chat('{"a": 1, "b": 2}'), { prompt: 'Add 2 and 2', completion: '4' }, plain, chat({ a: 1, b: 2 }, 'It is 3.', 'zzz999aaa')];
  const f = writeFiles(dir, { 'args-mixed.jsonl': records.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  // the conversion alone: the jq here may be 1.6, which the warning's program refuses (the test above)
  const jq = spawnSync('jq', ['-c', ARGUMENTS_AS_OBJECTS, f['args-mixed.jsonl']!], { encoding: 'utf8' });
  if (jq.error) return t.skip('no jq on this machine');
  assert.equal(jq.status, 0, jq.stderr); // fromjson of an object: "only strings can be parsed", exit 5
  const out = writeFiles(dir, { 'args-objects.jsonl': jq.stdout });
  const converted = readJsonl<Record<string, unknown>>(out['args-objects.jsonl']!);
  assert.deepEqual(converted.slice(1, 3), records.slice(1, 3), 'the records without tool calls, as they were');
  fs.writeFileSync(out['args-objects.jsonl']!, [converted[0], converted[3]].map((r) => JSON.stringify(r)).join('\n') + '\n');
  assert.deepEqual(readJsonl<Kept>(out['args-objects.jsonl']!).map((k) => (k.messages[1]!.tool_calls as Array<{ function: { arguments: unknown } }>)[0]!.function.arguments), [{ a: 1, b: 2 }, { a: 1, b: 2 }]);
  assert.equal(loadTokenRows(out['args-objects.jsonl']!, { tokenizer: v03 }).stats.argumentsAsText, 0);
});

test('a lone surrogate in a tool call, a call id or the tools (JSON spells one, "\\ud800") is invalid_utf8 naming where, as in a content', () => {
  const lone = '\ud800'; // JSON.stringify writes it as the escape \ud800
  const withTools = (tools: unknown[]) => ({ ...chat({ a: 1, b: 2 }), tools });
  const { rejected, report } = run('lone-tools', [
    chat({ a: `x${lone}`, b: 2 }),
    chat({ a: 1, b: 2 }, 'It is 3.', `abc123de${lone}`),
    withTools([{ ...add, function: { ...add.function, description: `Adds ${lone}` } }]),
    chat({ a: 1, b: 2 }),
  ]);
  assert.equal(report.kept, 1);
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason, r.detail]), [
    [1, 'invalid_utf8', 'messages[1].tool_calls[0].function.arguments.a holds a lone surrogate \\ud800 at character 2: not Unicode text'],
    [2, 'invalid_utf8', 'messages[1].tool_calls[0].id holds a lone surrogate \\ud800 at character 9: not Unicode text'],
    [3, 'invalid_utf8', '"tools"[0].function.description holds a lone surrogate \\ud800 at character 6: not Unicode text'],
  ]);
});

test('a tool result\'s call id holding a special token\'s text is refused, by prepare and by tokenizing: v0.3 renders it ([TOOL_RESULTS] {"call_id": …})', () => {
  // before: checked nowhere, so "ab</s>cde" was trained as an EOS inside the tool result
  const bad = chat({ a: 1, b: 2 });
  (bad.messages[2] as { tool_call_id: unknown }).tool_call_id = 'ab</s>cde';
  const { rejected } = run('call-id-special', [bad, chat({ a: 1, b: 2 })]);
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason, r.detail]), [[1, 'special_token', 'messages[2].tool_call_id contains the special token "</s>"']]);
  // (as prepare reads it: a call turn's null content is empty)
  const record = { shape: 'chat' as const, messages: bad.messages.map((m) => ({ ...m, content: m.content ?? '' })) as ChatTurn[], tools: bad.tools };
  assert.throws(() => tokenizeRecord(record, v03), /messages\[2\]\.tool_call_id contains the text of a special token \("<\/s>"\)/);
});

test('prepare lets go of the canonical JSON of the tools it compared once it ends (memory held after the step), and when it fails', () => {
  // before: up to 16M characters of tools' canonical JSON (tens of MB) stayed in a module-level cache after prepare
  const records = Array.from({ length: 50 }, (_, i) => ({ ...chat({ a: i, b: 2 }, `It is ${i + 2}.`), tools: [{ ...add, function: { ...add.function, description: `Adds two numbers (${i})` } }] }));
  run('tools-forgotten', records);
  assert.equal(sharedCanonicalJsonChars(), 0);
  // a run that keeps nothing (an error) lets go of it too
  const f = writeFiles(dir, { 'tools-none.jsonl': JSON.stringify(chat({ a: 1, b: 2 })) + '\n' });
  assert.throws(() => prepare({ inputs: [f['tools-none.jsonl']!], outDir: path.join(dir, 'tools-none'), tokenizer: v03, split: [1, 0, 0], minChars: 100000 }), /no record was kept/);
  assert.equal(sharedCanonicalJsonChars(), 0);
});
