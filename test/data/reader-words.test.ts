// The record readers and detectRecord, shared by prepare, train and eval, name the options that would read a file in
// their caller's words: the CLI's flags (--field text=KEY, --labels, --val), a library call's options
// (options.fields.text 'KEY', options.labels, options.val); neither sees the other's.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readJson } from '../../src/data/ingest/json.ts';
import { prepare } from '../../src/data/prepare.ts';
import { detectRecord, DEFAULT_FIELDS } from '../../src/data/record.ts';
import { FLAG_WORDS, libraryWords } from '../../src/util/option-words.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const LIBRARY = libraryWords('prepare');

/** The rejection detail of `value` in a generation run, in `words`. */
function detail(value: unknown, words = FLAG_WORDS): string {
  const det = detectRecord(value, 'generation', DEFAULT_FIELDS, undefined, undefined, words);
  assert.ok('reason' in det, JSON.stringify(det));
  return det.detail;
}

test('detectRecord: the field option that reads a record is --field NAME=KEY on the command line, options.fields.NAME \'KEY\' in a library call', () => {
  const cases: Array<[unknown, string, string]> = [
    [{ sentence: 'a charming journey', id: '3' }, '; --field text=sentence reads it as the text', "; options.fields.text 'sentence' reads it as the text"],
    [{ 'Review Body': 'fine', stars: '4' }, '; --field text="Review Body" reads it as the text', "; options.fields.text 'Review Body' reads it as the text"],
    [{ Text: 'T' }, '; --field text=Text reads it', "; options.fields.text 'Text' reads it"],
    [{ conversation: [{ input: 'q', output: 'a' }] }, 'if they are a chat\'s turns, --field messages=conversation with --field role=KEY and --field content=KEY reads them',
      "if they are a chat's turns, options.fields.messages 'conversation' with options.fields.role 'KEY' and options.fields.content 'KEY' reads them"],
    [{ chosen: 'Human: hi Assistant: hello', rejected: 'Human: hi Assistant: go' }, ': --field text=chosen trains on the chosen texts, whole', ": options.fields.text 'chosen' trains on the chosen texts, whole"],
    [{ text: 'T', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }] }, '(--field text=none reads it as the chat, --field messages=none as the text)',
      "(options.fields.text 'none' reads it as the chat, options.fields.messages 'none' as the text)"],
  ];
  for (const [value, cli, library] of cases) {
    const [byFlags, byOptions] = [detail(value), detail(value, LIBRARY)];
    assert.ok(byFlags.includes(cli) && !byFlags.includes('options.'), byFlags);
    assert.ok(byOptions.includes(library) && !byOptions.includes('--'), byOptions);
  }
});

test("a JSON file of splits in one object names prepare's val and test options in the caller's words", () => {
  const f = writeFiles(dir, { 'splits.json': JSON.stringify({ train: [{ text: 'a' }], validation: [{ text: 'b' }] }) })['splits.json']!;
  assert.throws(() => [...readJson(f)], { message: `${f}:1: the file holds the splits "train", "validation" in one object: save each as its own file (JSON Lines) and name the evaluation ones with --val or --test` });
  assert.throws(() => [...readJson(f, { words: LIBRARY })], (e: Error) => e.message.endsWith('name the evaluation ones with options.val or options.test'));
  assert.throws(() => prepare({ inputs: [f], outDir: path.join(dir, 'splits-out'), tokenizer: mistralTokenizer() }), (e: Error) => e.message.endsWith('with options.val or options.test'));
});

test("prepare's rejected.jsonl names the field option as prepare's caller gives it", () => {
  const f = writeFiles(dir, { 'sst2.jsonl': '{"sentence": "a charming and often affecting journey"}\n{"text": "a record that is kept"}\n' })['sst2.jsonl']!;
  for (const [words, want] of [[LIBRARY, "options.fields.text 'sentence' reads it as the text"], [FLAG_WORDS, '--field text=sentence reads it as the text']] as const) {
    const out = path.join(dir, `sst2-${words.cli}`);
    prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] }, words);
    const [rej] = readJsonl<{ detail: string }>(path.join(out, 'rejected.jsonl'));
    assert.ok(rej!.detail.endsWith(want), rej!.detail);
  }
});
