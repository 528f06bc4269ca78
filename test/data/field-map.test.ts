// Two fields reading one column (--field prompt=q --field completion=q trained the model to echo its prompt;
// --task classification --field label=text made each label its text) are refused in one line naming both fields and
// the column, by prepare and by train's and eval's reader alike; fields turned off (=none) share no column.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { resolveFields } from '../../src/data/field-map.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { DEFAULT_FIELDS } from '../../src/data/record.ts';
import { isUserError } from '../../src/util/errors.ts';
import { FLAG_WORDS, libraryWords } from '../../src/util/option-words.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const oneLine = (pattern: RegExp) => (e: Error): boolean => isUserError(e) && !e.message.includes('\n') && pattern.test(e.message);

test('two given fields naming one column are refused naming both and the column, in the caller\'s words', () => {
  assert.throws(() => resolveFields({ prompt: 'q', completion: 'q' }, FLAG_WORDS),
    oneLine(/^--field prompt=q and --field completion=q read one column, "q", as two fields \(prompt and completion\): give each field its own column$/));
  assert.throws(() => resolveFields({ text: 'body', messages: 'body' }, libraryWords('prepare')),
    oneLine(/^options\.fields\.text 'body' and options\.fields\.messages 'body' read one column, "body"/));
  // a chat message's columns are their own scope: role and content from one column is refused, and only there
  assert.throws(() => resolveFields({ role: 'value', content: 'value' }, FLAG_WORDS), oneLine(/--field role=value and --field content=value read one column/));
  assert.deepEqual(resolveFields({ text: 'role', role: 'from', content: 'value' }, FLAG_WORDS), { ...DEFAULT_FIELDS, text: 'role', role: 'from', content: 'value' });
});

test("a given field naming the column a default field reads is refused naming the default and its ways out (its own column, or none)", () => {
  for (const [given, taken, field] of [[{ label: 'text' }, 'label', 'text'], [{ prompt: 'text' }, 'prompt', 'text'], [{ text: 'label' }, 'text', 'label'],
    [{ messages: 'text' }, 'messages', 'text'], [{ role: 'content' }, 'role', 'content']] as const) {
    const key = Object.values(given)[0]!;
    assert.throws(() => resolveFields(given, FLAG_WORDS), oneLine(new RegExp(`^--field ${taken}=${key} names the column "${key}", which the ${field} field reads by default: ` +
      `one column would be two fields \\(${taken} and ${field}\\); read ${field} from its own column \\(--field ${field}=KEY\\) or from none \\(--field ${field}=none\\)$`)), JSON.stringify(given));
  }
});

test('fields turned off (=none) share no column, and a default moved off the column the given field names is no clash', () => {
  assert.deepEqual(resolveFields({ text: 'none', messages: 'none', prompt: 'q', completion: 'a' }, FLAG_WORDS),
    { ...DEFAULT_FIELDS, text: 'none', messages: 'none', prompt: 'q', completion: 'a' });
  assert.deepEqual(resolveFields({ label: 'text', text: 'sentence' }, FLAG_WORDS), { ...DEFAULT_FIELDS, label: 'text', text: 'sentence' });
  assert.deepEqual(resolveFields(undefined, FLAG_WORDS), DEFAULT_FIELDS);
});

test('prepare and loadTokenRows refuse one column as two fields before reading a record; a label column named "text" reads with the text moved', () => {
  const dir = tempDir();
  const f = writeFiles(dir, { 'qa.jsonl': '{"q": "what is two and two?", "a": "four"}\n',
    'reviews.jsonl': ['{"sentence": "a fine film", "text": "pos"}', '{"sentence": "a dull film", "text": "neg"}'].join('\n') + '\n' });
  assert.throws(() => prepare({ inputs: [f['qa.jsonl']!], outDir: path.join(dir, 'echo'), tokenizer: mistralTokenizer(), fields: { prompt: 'q', completion: 'q' } }, FLAG_WORDS),
    oneLine(/^--field prompt=q and --field completion=q read one column, "q"/));
  assert.throws(() => prepare({ inputs: [f['reviews.jsonl']!], outDir: path.join(dir, 'same'), tokenizer: mistralTokenizer(), task: 'classification', fields: { label: 'text' } }, FLAG_WORDS),
    oneLine(/^--field label=text names the column "text", which the text field reads by default/));
  assert.throws(() => loadTokenRows(f['qa.jsonl']!, { tokenizer: mistralTokenizer(), fields: { prompt: 'q', completion: 'q' } }),
    oneLine(/^options\.fields\.prompt 'q' and options\.fields\.completion 'q' read one column, "q"/));
  const out = path.join(dir, 'moved');
  const { report } = prepare({ inputs: [f['reviews.jsonl']!], outDir: out, tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0], fields: { label: 'text', text: 'sentence' } }, FLAG_WORDS);
  assert.equal(report.kept, 2);
  assert.deepEqual(readJsonl<{ text: string; label: string }>(path.join(out, 'train.jsonl')).map((r) => [r.text, r.label]).sort(), [['a dull film', 'neg'], ['a fine film', 'pos']]);
});

test('a given field on the default column of a field no record reads with it is no clash: label=labels, completion=label, labels=label', () => {
  // review18: refused since user18, though each read right before (the labels field is read beside input_ids only; the
  // label field is classification's, not a prompt/completion record's)
  for (const given of [{ label: 'labels' }, { prompt: 'sentence', completion: 'label' }, { labels: 'label' }]) {
    assert.deepEqual(resolveFields(given, FLAG_WORDS), { ...DEFAULT_FIELDS, ...given }, JSON.stringify(given));
  }
  // a library caller's field set to undefined is no field given, not the column "undefined"
  assert.deepEqual(resolveFields({ text: undefined, prompt: undefined }, libraryWords('prepare')), DEFAULT_FIELDS);
  const dir = tempDir();
  const f = writeFiles(dir, {
    'cls.jsonl': ['{"text": "a fine film", "labels": 1}', '{"text": "a dull film", "labels": 0}'].join('\n') + '\n',
    'gen.jsonl': ['{"sentence": "a fine film", "label": "positive"}', '{"sentence": "a dull film", "label": "negative"}'].join('\n') + '\n',
  });
  const cls = path.join(dir, 'cls');
  assert.equal(prepare({ inputs: [f['cls.jsonl']!], outDir: cls, tokenizer: mistralTokenizer(), task: 'classification', split: [1, 0, 0], fields: { label: 'labels' } }, FLAG_WORDS).report.kept, 2);
  assert.deepEqual(readJsonl<{ text: string; label: number }>(path.join(cls, 'train.jsonl')).map((r) => [r.text, r.label]).sort(), [['a dull film', 0], ['a fine film', 1]]);
  const gen = path.join(dir, 'gen');
  assert.equal(prepare({ inputs: [f['gen.jsonl']!], outDir: gen, tokenizer: mistralTokenizer(), split: [1, 0, 0], fields: { prompt: 'sentence', completion: 'label' } }, FLAG_WORDS).report.kept, 2);
  assert.deepEqual(readJsonl<{ prompt: string; completion: string }>(path.join(gen, 'train.jsonl')).map((r) => [r.prompt, r.completion]).sort(),
    [['a dull film', 'negative'], ['a fine film', 'positive']]);
});
