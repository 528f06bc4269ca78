// Placeholders: a text field that is, whole, what an export writes for a missing value or what a forum leaves of a
// removed post. Artefacts no one writes as text ("nan", "null", "[deleted]") are rejected in every field; words a
// person also answers with ("None", "N/A", "NA") only where no answer is — a text, a prompt, a system or user turn —
// and kept as a completion or an assistant turn. prepare rejects such a record as `placeholder` (prepare.test.ts's
// messy file has one of each shape) unless --keep-placeholders; the words inside real text are text.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { placeholderOf } from '../../src/data/placeholder.ts';
import { prepare } from '../../src/data/prepare.ts';
import { checkRecord } from '../../src/data/record-checks.ts';
import type { DataRecord } from '../../src/data/record.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

test('placeholderOf: whole fields only, any case, trimmed; artefacts and words told apart', () => {
  for (const p of ['nan', 'NaN', '-nan', ' null ', 'NULL', 'undefined', '<NA>', '#N/A', '#VALUE!', '[deleted]', '[Removed]']) {
    assert.equal(placeholderOf(p)?.kind, 'artefact', p);
  }
  for (const p of ['None', 'NONE', 'N/A', 'n/a', 'NA']) assert.equal(placeholderOf(p)?.kind, 'word', p);
  assert.equal(placeholderOf('nan')!.why, '"nan" is what an export writes for a missing value (pandas\' NaN, Python\'s None)');
  assert.match(placeholderOf('[deleted]')!.why, /^"\[deleted\]" is what a forum leaves of a removed post/);
  for (const t of ['None of these', 'banana', 'no', '-', '?', 'N/A.', 'null pointer', '0', 'nil', 'Nat']) assert.equal(placeholderOf(t), null, t);
});

const limits = { maxChars: 1000, maxCharsGiven: false, keepPlaceholders: false };
const reason = (rec: DataRecord): string | null => checkRecord(rec, limits, [], null)?.reason ?? null;

test('checkRecord: a word such as None is kept as an answer, rejected where no answer is; an artefact everywhere', () => {
  assert.equal(reason({ shape: 'prompt_completion', prompt: 'Known side effects? ', completion: 'None' }), null);
  assert.equal(reason({ shape: 'prompt_completion', prompt: 'Is a visa needed? ', completion: 'N/A' }), null);
  assert.equal(reason({ shape: 'prompt_completion', prompt: 'None', completion: ' An answer.' }), 'placeholder');
  assert.equal(reason({ shape: 'prompt_completion', prompt: 'Known side effects? ', completion: 'nan' }), 'placeholder');
  assert.equal(reason({ shape: 'chat', messages: [{ role: 'user', content: 'Any allergies?' }, { role: 'assistant', content: 'None' }] }), null);
  assert.equal(reason({ shape: 'chat', messages: [{ role: 'user', content: 'None' }, { role: 'assistant', content: 'Sorry?' }] }), 'placeholder');
  assert.equal(reason({ shape: 'chat', messages: [{ role: 'system', content: 'N/A' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }] }), 'placeholder');
  assert.equal(reason({ shape: 'chat', messages: [{ role: 'user', content: 'Any allergies?' }, { role: 'assistant', content: 'null' }] }), 'placeholder');
  assert.equal(reason({ shape: 'text', text: 'None' }), 'placeholder');
  assert.equal(reason({ shape: 'classification', text: 'N/A', label: 'pos' }), 'placeholder');
  const detail = checkRecord({ shape: 'text', text: 'nan' }, limits, [], null)!.detail;
  assert.match(detail, /^"text": .*not text \(--keep-placeholders keeps it\)$/);
  // the detail names the field, as an empty one's does: which of a chat's turns is the placeholder, which holds </s>
  const chat = (content: string) => ({ shape: 'chat' as const, messages: [{ role: 'user' as const, content: 'hi' }, { role: 'assistant' as const, content: 'ok' }, { role: 'user' as const, content }, { role: 'assistant' as const, content: 'yes' }] });
  assert.match(checkRecord(chat('[deleted]'), limits, [], null)!.detail, /^messages\[2\]\.content: "\[deleted\]" is what a forum leaves/);
  assert.equal(checkRecord(chat('stop </s> here'), limits, ['<s>', '</s>'], null)!.detail, 'messages[2].content contains the special token "</s>"');
  assert.equal(checkRecord({ shape: 'prompt_completion', prompt: 'Q? ', completion: 'A <unk>' }, limits, ['<unk>'], null)!.detail, '"completion" contains the special token "<unk>"');
});

test("a special token's text that is HTML's strikethrough tag, in text with other HTML, says --strip-html removes it (was: the special token alone)", () => {
  const special = ['<unk>', '<s>', '</s>'];
  assert.equal(checkRecord({ shape: 'text', text: 'this is <s>bad</s> good' }, limits, special, null)!.detail,
    '"text" contains the special token "<s>" (an HTML tag there? --strip-html removes tags, this one with them)');
  assert.equal(checkRecord({ shape: 'text', text: '<p>price </s> end</p>' }, limits, special, null)!.detail,
    '"text" contains the special token "</s>" (an HTML tag there? --strip-html removes tags, this one with them)');
  // alone, or not a tag: a sequence's end written into the text, said as before
  assert.equal(checkRecord({ shape: 'text', text: 'stop </s> here' }, limits, special, null)!.detail, '"text" contains the special token "</s>"');
  assert.equal(checkRecord({ shape: 'text', text: '<b>x</b> and <unk>' }, limits, special, null)!.detail, '"text" contains the special token "<unk>"');
});

test('prepare --keep-placeholders keeps them, and says so in report.json', () => {
  const dir = tempDir('mt-placeholder-');
  const f = writeFiles(dir, {
    'p.jsonl': '{"prompt": "What does print() return?", "completion": "None"}\n{"text": "a real record of some length"}\n{"prompt": "None", "completion": " x"}\n',
  })['p.jsonl']!;
  const tok = mistralTokenizer();
  const rejected = prepare({ inputs: [f], outDir: path.join(dir, 'a'), tokenizer: tok, split: [1, 0, 0] }).report;
  assert.deepEqual(rejected.by_reason, { placeholder: 1 });
  assert.deepEqual(readJsonl<{ source: { line: number } }>(path.join(dir, 'a', 'rejected.jsonl')).map((r) => r.source.line), [3]);
  const kept = prepare({ inputs: [f], outDir: path.join(dir, 'b'), tokenizer: tok, split: [1, 0, 0], keepPlaceholders: true }).report;
  assert.equal(kept.kept, 3);
  assert.equal(kept.options.keep_placeholders, true);
});

test("prepare's placeholder and special-token rejections name the input's field, as an empty one's do (was: messages[1].content, no field of the file)", () => {
  const dir = tempDir('mt-placeholder-');
  const files = writeFiles(dir, {
    'sg.jsonl': [
      '{"conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "nan"}]}',
      '{"conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": ""}]}',
      // an empty system turn is dropped: the placeholder is still the input's turn 1
      '{"conversations": [{"from": "system", "value": ""}, {"from": "human", "value": "nan"}, {"from": "gpt", "value": "A"}]}',
      '{"system": "You are <s>", "conversations": [{"from": "human", "value": "Q"}, {"from": "gpt", "value": "ok"}]}',
      '{"instruction": "Do <s>", "input": "the context", "output": "ok"}',
      '{"instruction": "q1", "history": [["hq", "nan"]], "output": "ok2"}',
      '{"question": "[deleted]", "answer": " A"}',
      '{"conversations": [{"from": "human", "value": "A kept question"}, {"from": "gpt", "value": "A kept answer"}]}',
    ].join('\n') + '\n',
    'alpaca.csv': 'instruction,input,output\nNaN,,Answer here\nKept,,Kept answer\n',
    'html.jsonl': [
      '{"conversations": [{"from": "system", "value": ""}, {"from": "human", "value": "<p></p>"}, {"from": "gpt", "value": "A"}]}',
      '{"conversations": [{"from": "system", "value": ""}, {"from": "human", "value": "<p>x &lt;/s&gt;</p>"}, {"from": "gpt", "value": "A"}]}',
      '{"conversations": [{"from": "human", "value": "<b>Kept</b>"}, {"from": "gpt", "value": "A kept answer"}]}',
    ].join('\n') + '\n',
    'pc.jsonl': '{"q": "nan", "a": " A"}\n{"q": "Kept?", "a": " yes"}\n',
  });
  const tok = mistralTokenizer();
  const details = (inputs: string[], out: string, fields?: Record<string, string>): string[] => {
    prepare({ inputs, outDir: path.join(dir, out), tokenizer: tok, split: [1, 0, 0], ...(fields ? { fields } : {}) });
    return readJsonl<{ detail: string }>(path.join(dir, out, 'rejected.jsonl')).map((r) => r.detail.replace(/ (is what|contains).*/, ' $1'));
  };
  assert.deepEqual(details([files['sg.jsonl']!], 'a'), [
    'conversations[1].value: "nan" is what', 'conversations[1] (assistant) has empty content', 'conversations[1].value: "nan" is what',
    '"system" contains', '"instruction"+"input" contains', '"history[0][1]": "nan" is what', '"question": "[deleted]" is what',
  ]);
  assert.deepEqual(details([files['alpaca.csv']!], 'b'), ['"instruction": "NaN" is what']);
  // with --strip-html: a turn its HTML empties, and one that holds a special token once stripped, named as the input does
  prepare({ inputs: [files['html.jsonl']!], outDir: path.join(dir, 'h'), tokenizer: tok, split: [1, 0, 0], stripHtml: true });
  assert.deepEqual(readJsonl<{ detail: string }>(path.join(dir, 'h', 'rejected.jsonl')).map((r) => r.detail.replace(/ (holds|contains) .*/, ' $1')),
    ['conversations[1].value holds', 'conversations[1].value contains']);
  // a prompt/completion record read through the field option: its own key, not "prompt"
  assert.deepEqual(details([files['pc.jsonl']!], 'c', { prompt: 'q', completion: 'a' }), ['"q": "nan" is what']);
});

test('self-instruct\'s "<noinput>" is a placeholder as "nan" is: an instruction pair\'s input that is one is left out, and a user turn, an answer or a text that is one is rejected (was: kept and trained)', () => {
  for (const p of ['<noinput>', '<No Input>', ' <NOINPUT> ']) assert.equal(placeholderOf(p)?.kind, 'artefact', p);
  assert.equal(placeholderOf('<noinput>')!.why, '"<noinput>" is self-instruct\'s mark of a missing input');
  const dir = tempDir();
  const lines = [
    { instruction: '<noinput>', output: 'cat' }, { instruction: 'nan', output: 'cat' }, { instruction: 'Name a pet', output: '<noinput>' },
    { text: '<noinput>' }, { instruction: 'Name a pet', input: '<noinput>', output: 'dog' },
  ];
  const f = writeFiles(dir, { 'pairs.jsonl': lines.map((l) => JSON.stringify(l)).join('\n') + '\n' })['pairs.jsonl']!;
  prepare({ inputs: [f], outDir: path.join(dir, 'out'), tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  const rejected = readJsonl<{ source: { line: number }; reason: string }>(path.join(dir, 'out', 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[1, 'placeholder'], [2, 'placeholder'], [3, 'placeholder'], [4, 'placeholder']]);
  assert.deepEqual(readJsonl<{ messages: unknown }>(path.join(dir, 'out', 'train.jsonl')).map((r) => r.messages),
    [[{ role: 'user', content: 'Name a pet' }, { role: 'assistant', content: 'dog' }]]);
});

test('placeholders typed in full-width or other compatibility characters ("ｎａｎ", "ＮＯＮＥ", "Ｎ／Ａ") are placeholders too; the text itself is not folded', () => {
  // they were kept and trained as text, while "nan" and "NONE" were rejected
  for (const p of ['ｎａｎ', 'ＮａＮ', '　ｎｕｌｌ　', '＃Ｎ/Ａ', '［ｄｅｌｅｔｅｄ］', '＜ｎｏｉｎｐｕｔ＞']) assert.equal(placeholderOf(p)?.kind, 'artefact', p);
  for (const p of ['ＮＯＮＥ', 'Ｎ/Ａ', 'Ｎ／Ａ', 'ｎａ']) assert.equal(placeholderOf(p)?.kind, 'word', p);
  assert.equal(placeholderOf('ｎａｎ')!.why, '"ｎａｎ" ("nan" in full-width or other compatibility characters) is what an export writes for a missing value (pandas\' NaN, Python\'s None)');
  for (const t of ['ｂａｎａｎａ', 'ﬁ', 'Ｎｏｎｅ ｏｆ ｔｈｅｓｅ']) assert.equal(placeholderOf(t), null, t);
  assert.equal(reason({ shape: 'text', text: 'ＮＯＮＥ' }), 'placeholder');
  assert.equal(reason({ shape: 'prompt_completion', prompt: 'Known side effects? ', completion: 'ＮＯＮＥ' }), null); // a word as an answer
  const dir = tempDir();
  const f = writeFiles(dir, { 'wide.csv': 'text\nｈｅｌｌｏ ｗｏｒｌｄ\nｎａｎ\nＮＯＮＥ\nＮ/Ａ\nnan\n' })['wide.csv']!;
  const out = path.join(dir, 'out');
  const report = prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] }).report;
  assert.deepEqual(report.by_reason, { placeholder: 4 });
  assert.deepEqual(readJsonl<{ text: string }>(path.join(out, 'train.jsonl')).map((r) => r.text), ['ｈｅｌｌｏ ｗｏｒｌｄ']);
});
