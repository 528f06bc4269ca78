// Plain text read one record per line (--text-split lines): a sentence-per-line corpus.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readText } from '../../src/data/ingest/text.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();

test('plain text, one record per line: each non-blank line is a record at its line; a line not UTF-8 text is rejected alone', () => {
  // before: only file and blank-lines, so a corpus of one sentence a line (no blank lines) was one record
  const f = writeFiles(dir, { 'lines.txt': Buffer.concat([Buffer.from('First sentence.\n\n  Second one.\nThird\xff'.replace('\xff', ''), 'utf8'), Buffer.from([0xff]), Buffer.from('\n   \nFourth.\n')]) })['lines.txt']!;
  const items = [...readText(f, { textSplit: 'lines', textField: 'body' })];
  assert.deepEqual(items.map((i) => [i.line, i.error?.reason ?? i.value]), [
    [1, { body: 'First sentence.' }], [3, { body: '  Second one.' }], [4, 'invalid_utf8'], [6, { body: 'Fourth.' }],
  ]);
  // a line past the most any record can take is too_long, the lines around it read
  const long = writeFiles(dir, { 'long.txt': 'short\n' + 'x'.repeat(50) + '\nend\n' })['long.txt']!;
  assert.deepEqual([...readText(long, { textSplit: 'lines', maxRawChars: 10 })].map((i) => [i.line, i.error?.reason ?? i.raw]), [[1, 'short'], [2, 'too_long'], [3, 'end']]);
});
