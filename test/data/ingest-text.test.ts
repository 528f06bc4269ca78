// Plain text read one record per line (--text-split lines): a sentence-per-line corpus.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readText } from '../../src/data/ingest/text.ts';
import { readRecords } from '../../src/data/ingest/read.ts';
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
  // the rejection's raw is the start of its text (it was "" for a line longer than the bound: nothing to see in rejected.jsonl)
  assert.deepEqual([...readText(long, { textSplit: 'lines', maxRawChars: 10 })].map((i) => i.raw), ['short', 'xxxxxxxxxxx', 'end']);
  assert.deepEqual([...readText(long, { maxRawChars: 10 })].map((i) => [i.error?.reason, i.raw]), [['too_long', 'short\nxxxxx']]);
});

test('a line of only zero-width or invisible characters (U+200B, a direction mark) is blank: it parts paragraphs and is no record', () => {
  // before: not blank (String.trim keeps them), so blank-lines joined the paragraphs around it into one record, and
  // lines gave it a record of its own, rejected as empty
  const f = writeFiles(dir, { 'zw.txt': 'Para one.\n\u200b\nPara two.\n\u200e \u2060\nPara three.\n' })['zw.txt']!;
  assert.deepEqual([...readText(f, { textSplit: 'blank-lines' })].map((i) => [i.line, i.value]), [
    [1, { text: 'Para one.' }], [3, { text: 'Para two.' }], [5, { text: 'Para three.' }],
  ]);
  assert.deepEqual([...readText(f, { textSplit: 'lines' })].map((i) => i.line), [1, 3, 5]);
  // a file of nothing else holds no record, as a blank file; text beside such characters is text
  const none = writeFiles(dir, { 'only-zw.txt': '\u200b\n\ufeff\u200b\n' })['only-zw.txt']!;
  assert.deepEqual([...readText(none)], []);
  const word = writeFiles(dir, { 'word.txt': 'a\u200b\n\u200bb\n' })['word.txt']!;
  assert.deepEqual([...readText(word, { textSplit: 'lines' })].map((i) => i.raw), ['a\u200b', '\u200bb']);
});

test('a lone CR in a line of an LF file ends a line for lines and blank-lines, as Python reads text (universal newlines) and HF\'s text loader splits it', () => {
  // before: the CR-ended lines (appended to an LF file) ran together into one record without a word
  const f = writeFiles(dir, { 'cr.txt': 'first line here\nsecond line\rthird line\nfourth line\n', 'cr-blocks.txt': 'para one\r\rpara two\nstill two\n' });
  assert.deepEqual([...readText(f['cr.txt']!, { textSplit: 'lines' })].map((i) => [i.line, i.value]), [
    [1, { text: 'first line here' }], [2, { text: 'second line' }], [2, { text: 'third line' }], [3, { text: 'fourth line' }],
  ]);
  assert.deepEqual([...readText(f['cr-blocks.txt']!, { textSplit: 'blank-lines' })].map((i) => [i.line, i.value]), [
    [1, { text: 'para one' }], [1, { text: 'para two\nstill two' }],
  ]);
  // one record a file keeps the file as it is
  assert.deepEqual([...readText(f['cr.txt']!)].map((i) => i.value), [{ text: 'first line here\nsecond line\rthird line\nfourth line' }]);
  // the records that share a line are told apart by their place in the file
  assert.deepEqual([...readRecords(f['cr.txt']!, 'text', { textSplit: 'lines' })].map((i) => [i.line, i.record]), [[1, undefined], [2, 2], [2, 3], [3, undefined]]);
});

test('--text-split lines ends a line at LF, CRLF and a lone CR only, as HF\'s text loader (datasets 5: universal newlines, then StringIO.readlines) splits it: not at FF, VT, FS/GS/RS, NEL, LS or PS, where str.splitlines would', () => {
  // the records are load_dataset('text', data_files=f)['train']'s rows for this file, less its blank lines
  const f = writeFiles(dir, { 'seps.txt': 'one\ftwo\nthree\vfour\nfive\x1csix\x1dseven\x1eeight\nnine\x85ten\nel\u2028ev\u2029en\nCR\rlone\r\n\nend\n' })['seps.txt']!;
  assert.deepEqual([...readText(f, { textSplit: 'lines' })].map((i) => [i.line, i.value]), [
    [1, { text: 'one\ftwo' }], [2, { text: 'three\vfour' }], [3, { text: 'five\x1csix\x1dseven\x1eeight' }], [4, { text: 'nine\x85ten' }],
    [5, { text: 'el\u2028ev\u2029en' }], [6, { text: 'CR' }], [6, { text: 'lone' }], [8, { text: 'end' }],
  ]);
});
