// A key that names a field read but for case or spaces ("Text" beside "text", two columns of a CSV) is not read: the
// report says so, where, and how to read it instead (read-tally.ts's countShadowed).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { prepare } from '../../src/data/prepare.ts';
import { FLAG_WORDS, type OptionWords } from '../../src/util/option-words.ts';
import { mistralTokenizer, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();

test('a column or key naming a field read but for case or spaces, holding something else, is said in a warning: it is not read', () => {
  // before: "Text" (and "TEXT", " prompt") were dropped without a word, their cells lost from the training data
  const f = writeFiles(dir, {
    'cased.csv': 'text,Text,id\nfirst,other first,1\nsecond,second,2\nthird,other third,3\n',
    'cased.jsonl': '{"TEXT": "x", "text": "kept"}\n{"prompt": "p", " prompt": "q", "completion": "c"}\n{"text": "same", "Text": "same"}\n',
  });
  const said = (name: string, words?: OptionWords): string[] => {
    const { report } = prepare({ inputs: [f['cased.csv']!, f['cased.jsonl']!], outDir: path.join(dir, name), tokenizer: mistralTokenizer(), split: [1, 0, 0], dedup: 'none' }, words);
    assert.equal(report.kept, 6);
    return report.warnings.filter((w) => w.includes('but for case or spaces'));
  };
  assert.deepEqual(said('cli', FLAG_WORDS), [
    '2 records have "Text" beside "text" (the same name but for case or spaces) holding something else (first cased.csv:2): only "text" is read; rename or drop one (--field text="Text" reads the other)',
    '1 record has "TEXT" beside "text" (the same name but for case or spaces) holding something else (cased.jsonl:1): only "text" is read; rename or drop one (--field text="TEXT" reads the other)',
    '1 record has " prompt" beside "prompt" (the same name but for case or spaces) holding something else (cased.jsonl:2): only "prompt" is read; rename or drop one (--field prompt=" prompt" reads the other)',
  ]);
  // a library call is told of its options.fields, not of --field
  assert.deepEqual(said('lib').map((w) => w.replace(/.*rename or drop one /, '')), [
    "(options.fields.text 'Text' reads the other)", "(options.fields.text 'TEXT' reads the other)", "(options.fields.prompt ' prompt' reads the other)",
  ]);
});
