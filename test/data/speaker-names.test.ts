// A chat turn's speaker "name" (OpenAI's field) kept as given and rendered where the chat template reads it, as TRL 1.13
// renders a JSONL file's chats (test/fixtures/trl-speaker-names/cases.json: datasets' load_dataset("json") keeps each
// message's keys as given, and TRL hands the messages whole to apply_chat_template; a small template that reads
// message.name and message['name'] is defined, on the tekken-tiny tokenizer): prepare writes it to train.jsonl, train
// reads it back, exact dedup tells chats of other speakers apart, and a name that is no text is refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { detectRecord } from '../../src/data/record.ts';
import { tokenizeRecord } from '../../src/data/tokenize.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { tekkenTinyWith } from '../tokenizer/helpers.ts';
import { readJsonl, tempDir, writeFiles } from './helpers.ts';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const readJson = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
interface Case { name: string; record: { messages: Array<Record<string, string>> }; ids: number[]; assistant_masks: number[]; completion_masks: number[][]; text: string }
const fixture = readJson(path.join(FIXTURES, 'trl-speaker-names', 'cases.json')) as unknown as { template: string; cases: Case[] };
const tok = tekkenTinyWith(fixture.template);
const dir = tempDir();

test("a turn's speaker name renders into its chat and tokens as TRL renders a JSONL file's chats; each assistant turn is trained as TRL's assistant_only_loss trains the template's {% generation %} block", () => {
  assert.equal(fixture.cases.length, 4);
  for (const c of fixture.cases) {
    const det = detectRecord(c.record, 'generation');
    assert.ok('record' in det && det.record.shape === 'chat', `${c.name}: ${'detail' in det ? det.detail : ''}`);
    assert.deepEqual(det.record.messages, c.record.messages, `${c.name}: the turns as given, name and all`);
    const { row } = tokenizeRecord(det.record, tok);
    assert.equal(tok.decode([...row!.inputIds], { skipSpecialTokens: false }), c.text, c.name);
    assert.deepEqual([...row!.inputIds], c.ids, c.name);
    // the template's {% generation %} block, as TRL's assistant_only_loss trains it: "<calc>" before it is left out
    // (the second case), which TRL's conversational prompt/completion would train
    assert.deepEqual([...row!.labels!], c.ids.map((id, t) => (t > 0 && c.assistant_masks[t] === 1 ? id : -100)), c.name);
  }
  // the names change the tokens: "alice: " before the user's words, "<calc>" before the assistant's
  assert.ok(fixture.cases[0]!.text.includes('alice: Add') && fixture.cases[1]!.text.includes('<calc>Eight.'));
  const [, second] = fixture.cases;
  assert.notDeepEqual(second!.assistant_masks, second!.completion_masks[0], 'the {% generation %} block leaves the name label out');
});

test('prepare writes a turn\'s name to train.jsonl (only where the turn has one), and train reads the same tokens back', () => {
  const f = writeFiles(dir, { 'names.jsonl': fixture.cases.map((c) => JSON.stringify(c.record)).join('\n') + '\n' });
  const outDir = path.join(dir, 'names');
  const { report } = prepare({ inputs: [f['names.jsonl']!], outDir, tokenizer: tok, split: [1, 0, 0], dedup: 'exact' });
  assert.equal(report.kept, 4);
  const kept = readJsonl<{ source: { line: number }; messages: unknown[] }>(path.join(outDir, 'train.jsonl'));
  for (const k of kept) assert.deepEqual(k.messages, fixture.cases[k.source.line - 1]!.record.messages, `line ${k.source.line}`);
  assert.deepEqual(report.warnings.filter((w) => w.includes('"name"')), [], 'no warning that names were not kept');
  const { rows } = loadTokenRows(path.join(outDir, 'train.jsonl'), { tokenizer: tok });
  kept.forEach((k, i) => assert.deepEqual([...rows[i]!.inputIds], fixture.cases[k.source.line - 1]!.ids, `line ${k.source.line}`));
});

test('exact dedup tells apart the same chat said by other speakers; a name of null is none, and one that is no text is refused', () => {
  const chat = (name?: unknown) => ({ messages: [{ role: 'user', ...(name === undefined ? {} : { name }), content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] });
  const f = writeFiles(dir, { 'dedup.jsonl': [chat('alice'), chat('bob'), chat('alice'), chat(), chat(null)].map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const outDir = path.join(dir, 'dedup');
  prepare({ inputs: [f['dedup.jsonl']!], outDir, tokenizer: tok, split: [1, 0, 0], dedup: 'exact' });
  const rejected = readJsonl<{ source: { line: number }; reason: string }>(path.join(outDir, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.line, r.reason]), [[3, 'duplicate'], [5, 'duplicate']]);
  const refused = detectRecord(chat(7), 'generation');
  assert.deepEqual(refused, { reason: 'unknown_shape', detail: 'messages[0].name is a number; a speaker\'s name is text ("alice")' });
  const lone = detectRecord(chat('al\ud800ice'), 'generation');
  assert.ok('reason' in lone && lone.reason === 'invalid_utf8' && lone.detail.startsWith('messages[0]: "name" holds a lone surrogate'), JSON.stringify(lone));
});
