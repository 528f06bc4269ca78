// Token-classification data (HF's conll2003, wnut_17, wikiann: {"tokens": [...], "ner_tags": [...]}) is a task not
// trained here: each record is rejected saying so, and a file of them keeps nothing, in one line that says it once.
// Before, each was rejected for its keys alone ('no "text", … field (keys: "id", "tokens", "ner_tags")'), which did
// not say why. A record with a shape field beside tokens and tags (Universal Dependencies' "text") is read by it.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { detectRecord } from '../../src/data/record.ts';
import { loadTokenRows } from '../../src/data/load-rows.ts';
import { prepare } from '../../src/data/prepare.ts';
import { isUserError } from '../../src/util/errors.ts';
import { mistralTokenizer, readJsonl, tempDir, writeFiles } from './helpers.ts';

const SAYS = 'token classification is not a supported task; the tasks are generation and classification (one label per text)';
const conll = (i: number): string => JSON.stringify({ id: String(i), tokens: ['EU', 'rejects', 'German', 'call', String(i)], pos_tags: [22, 42, 16, 21, 11], ner_tags: [3, 0, 7, 0, 0] });

test('prepare: a JSON Lines file of token-classification records keeps nothing, saying what they are once, in one line', () => {
  const dir = tempDir();
  const f = writeFiles(dir, { 'ner.jsonl': Array.from({ length: 50 }, (_, i) => conll(i) + '\n').join('') });
  for (const task of ['generation', 'classification'] as const) {
    const out = path.join(dir, task);
    assert.throws(() => prepare({ inputs: [f['ner.jsonl']!], outDir: out, tokenizer: mistralTokenizer(), task }), (e: Error) => isUserError(e) &&
      e.message.startsWith('no record was kept: all 50 records were rejected (unknown_shape 50); the first: ner.jsonl:1: unknown_shape: ' +
        `a token-classification record ("tokens" with a tag per token in "pos_tags", "ner_tags"): ${SAYS}; `) &&
      !e.message.includes('\n') && e.message.split('token-classification').length === 2);
    // every record accounted for in rejected.jsonl, each saying what it is
    const rejected = readJsonl<{ reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
    assert.equal(rejected.length, 50);
    assert.ok(rejected.every((r) => r.reason === 'unknown_shape' && r.detail.endsWith(SAYS)));
  }
});

test('prepare: a file of token-classification records beside files that keep theirs is warned of in one line naming it and why', () => {
  const dir = tempDir();
  // text.jsonl keeps all but one record (too short): a file partly rejected is no such file
  const f = writeFiles(dir, { 'ner.jsonl': Array.from({ length: 30 }, (_, i) => conll(i) + '\n').join(''),
    'text.jsonl': Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: i === 5 ? '' : `record number ${i} of the text file` }) + '\n').join('') });
  const { report } = prepare({ inputs: [f['ner.jsonl']!, f['text.jsonl']!], outDir: path.join(dir, 'out'), tokenizer: mistralTokenizer(), task: 'generation' });
  assert.equal(report.by_reason.unknown_shape, 30);
  assert.ok(report.kept > 0);
  const about = (file: string): string[] => report.warnings.filter((w) => w.startsWith(`${file}:`));
  assert.deepEqual(about('ner.jsonl'), ['ner.jsonl: all 30 records were rejected; the first: ner.jsonl:1: unknown_shape: ' +
    `a token-classification record ("tokens" with a tag per token in "pos_tags", "ner_tags"): ${SAYS}`]);
  assert.deepEqual(about('text.jsonl'), []);
});

test("train's reader stops at a token-classification record saying what it is; tokens without a tag each, or beside a text, are no such record", () => {
  const dir = tempDir();
  const f = writeFiles(dir, { 'train.jsonl': `{"text": "a fine record"}\n${JSON.stringify({ tokens: ['New', 'York'], tags: ['B-LOC', 'I-LOC'] })}\n` });
  assert.throws(() => loadTokenRows(f['train.jsonl']!, { tokenizer: mistralTokenizer() }),
    (e: Error) => isUserError(e) && e.message.startsWith(`${f['train.jsonl']}:2: unknown_shape: a token-classification record ("tokens" with a tag per token in "tags"): ${SAYS}`));
  const said = (v: unknown): string => { const det = detectRecord(v, 'generation'); return 'detail' in det ? det.detail : 'kept'; };
  assert.match(said({ tokens: ['a', 'b'], ner_tags: [1] }), /^no "text", .* field \(keys: "tokens", "ner_tags"\)/); // not a tag per token
  assert.match(said({ tokens: ['a', 'b'] }), /^no "text", /);
  assert.match(said({ tokens: [1, 2], ner_tags: [1, 0] }), /^no "text", /); // ids, not words
  assert.equal(said({ text: 'a b', tokens: ['a', 'b'], upos: ['DET', 'NOUN'] }), 'kept');
});
