// Where classify's reader (eval/texts.ts) says a text, or a record that gives none, is: its file:line, and
// "(record N)" where its line holds other records, as the reader numbers them (data/ingest/record-index.ts) and as
// prepare, train and eval name them. Before, texts.ts counted the records itself and named every text of a file by
// its number once any two shared a line, where the other readers name only those that share one.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readTextsToClassify } from '../../src/eval/texts.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-texts-');
/** Writes `files` (name → text) into the test's folder; their paths by name. */
const writeFiles = (files: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(files).map(([name, text]) => { fs.writeFileSync(path.join(dir, name), text); return [name, path.join(dir, name)]; }));
const places = (file: string): Array<[number, number | undefined]> => readTextsToClassify(file).map((t) => [t.line, t.record]);
/** That reading `file` stops with `where: detail`, the message and nothing else. */
const stopsAt = (file: string, where: string, detail: string): void => {
  assert.throws(() => readTextsToClassify(file), (e: Error) => isUserError(e) && e.message === `${file}${where}: ${detail}`);
};

test('a multi-line JSON array: a text alone on its line is named by the line, two on one line by their places too', () => {
  const f = writeFiles({
    'lines.json': '[\n{"text": "a"},\n{"text": "b"}, {"text": "c"},\n{"text": "d"}\n]\n',
    'shared-bad.json': '[\n{"text": "a"},\n{"text": "b"}, {"body": "c"},\n{"text": "d"}\n]\n',
    'alone-bad.json': '[\n{"text": "a"},\n{"text": "b"}, {"text": "c"},\n{"text": ""}\n]\n',
  });
  assert.deepEqual(places(f['lines.json']!), [[2, undefined], [3, 2], [3, 3], [4, undefined]]);
  stopsAt(f['shared-bad.json']!, ':3 (record 3)', 'no "text" field; --text-field body reads it as the text');
  stopsAt(f['alone-bad.json']!, ':4', '"text" is empty');
});

test('JSON Lines: a bad line by its line, a bad record of a batch on one line by its place too', () => {
  const f = writeFiles({
    'ok.jsonl': '{"text": "a"}\n[{"text": "b"}, {"text": "c"}]\n{"text": "d"}\n',
    'line.jsonl': '{"text": "a"}\n{"text": "b"}\n{"text": 1, "broken"\n',
    'batch.jsonl': '{"text": "a"}\n[{"text": "b"}, {"text": null}]\n',
  });
  assert.deepEqual(places(f['ok.jsonl']!), [[1, undefined], [2, 2], [2, 3], [3, undefined]]);
  assert.throws(() => readTextsToClassify(f['line.jsonl']!), (e: Error) => isUserError(e) && e.message.startsWith(`${f['line.jsonl']}:3: invalid_json: `));
  stopsAt(f['batch.jsonl']!, ':2 (record 3)', '"text" is null, not a string');
});

test('CSV: a record is named by the line it starts on, past a quoted field of several lines', () => {
  const f = writeFiles({
    'ok.csv': 'text,label\n"two\nlines",a\nthree,b\n',
    'bad.csv': 'text,label\n"two\nlines",a\n"",b\n',
  });
  assert.deepEqual(places(f['ok.csv']!), [[2, undefined], [4, undefined]]);
  stopsAt(f['bad.csv']!, ':4', '"text" is empty');
});

test('plain text: blank lines are skipped; a line of control or zero-width characters alone stops at its line, as an empty "text" does (was dropped unsaid)', () => {
  const f = writeFiles({
    'blank.txt': 'a\n\n \t\u3000\nb\n',
    'control.txt': 'a\n\u0001\nb\n',
    'invisible.txt': 'a\nb\n\u200b\u200b\n',
  });
  assert.deepEqual(places(f['blank.txt']!), [[1, undefined], [4, undefined]]);
  const detail = 'the line holds only control or zero-width characters, no text to classify: remove it, or make it a blank line';
  stopsAt(f['control.txt']!, ':2', detail);
  stopsAt(f['invisible.txt']!, ':3', detail);
});

test('a record without the text field names the fields that may hold it and the --text-field that reads them, as prepare names --field text=KEY (was: "--text-field names another" alone)', () => {
  const f = writeFiles({
    'sst2.csv': 'sentence,label\ngood film,1\n',
    'two.jsonl': '{"review": "good film", "summary": "good", "stars": 5}\n',
    'spaced.jsonl': '{"my text": "good film", "label": 1}\n',
    'none.jsonl': '{"n": 1}\n',
    'named.csv': 'sentence,label\ngood film,positive\n',
  });
  stopsAt(f['sst2.csv']!, ':2', 'no "text" field; --text-field sentence reads it as the text');
  stopsAt(f['two.jsonl']!, ':1', 'no "text" field; name the text field: --text-field review or --text-field summary');
  stopsAt(f['spaced.jsonl']!, ':1', 'no "text" field; --text-field "my text" reads it as the text');
  stopsAt(f['none.jsonl']!, ':1', 'no "text" field (--text-field names another)');
  // a class name in a "label" column is the gold label, not the text (was: "--text-field sentence or --text-field label")
  stopsAt(f['named.csv']!, ':2', 'no "text" field; --text-field sentence reads it as the text');
  assert.deepEqual(readTextsToClassify(f['sst2.csv']!, 'sentence').map((t) => t.text), ['good film']);
});
