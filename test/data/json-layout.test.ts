// A JSON file of one object whose values are lists of as many scalars is a table by column (json.dump of
// Dataset.to_dict()) or one token-classification record (CoNLL-2003's "tokens" and "ner_tags" on the Hub): the one-line
// error says which it is (the second was called a table by column, review15), or both where its keys cannot tell.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readJson } from '../../src/data/ingest/json.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir('mt-json-layout-');

/** The one-line UserError that reading `value` as a JSON file gives, at the file's line 1. */
function refusal(name: string, value: unknown): string {
  const f = writeFiles(dir, { [name]: JSON.stringify(value, null, 1) })[name]!;
  try {
    [...readJson(f)];
  } catch (e) {
    assert.equal((e as Error).name, 'UserError', String(e));
    const message = (e as Error).message;
    assert.ok(message.startsWith(`${f}:1: `) && !message.includes('\n'), message);
    return message.slice(f.length + 4);
  }
  assert.fail(`${name} was read`);
}

test('one token-classification record (a word list and a tag per word) is said to be one, not a table by column', () => {
  const conll = { tokens: ['EU', 'rejects', 'German', 'call', 'to', 'boycott', 'British', 'lamb', '.'], pos_tags: [22, 42, 16, 21, 35, 37, 16, 21, 7],
    ner_tags: [3, 0, 7, 0, 0, 0, 7, 0, 0] };
  const said = refusal('conll.json', conll);
  assert.match(said, /^one token-classification record \("tokens": 9 words, "pos_tags", "ner_tags": a value per word, as CoNLL-2003's/);
  assert.match(said, /a tag per word, which mistral-tune does not train .*write records \{"text": …, "label": …\}/);
  assert.doesNotMatch(said, /table by column/);
  // words and string tags (WNUT's, BIO names), the word list under "words"
  const bio = refusal('bio.json', { words: ['Paris', 'is', 'in', 'France'], labels: ['B-LOC', 'O', 'O', 'B-LOC'] });
  assert.match(bio, /^one token-classification record \("words": 4 words, "labels": a value per word/);
});

test('lists of one-word values under other keys: both readings are said; lists holding texts are a table by column as before', () => {
  const either = refusal('either.json', { text: ['great', 'awful', 'fine'], label: [1, 0, 1] });
  assert.match(either, /^an object of lists of one-word values \(each of "text", "label" a list of 3, no value with a space\): one token-classification record, .* or a table by column of one-word texts .*Dataset\.to_json\(path\)/);
  const table = refusal('table.json', { tokens: ['The first review.', 'The second.'], label: [1, 0] });
  assert.match(table, /^a table by column \(each of "tokens", "label" a list of 2 values: json\.dump of Dataset\.to_dict\(\)/);
});
