// Each line readLines gives carries its exact size in the file (Line.bytes): its text's bytes, its BOM, its line end
// (LF, CRLF, a lone CR), a DOS Ctrl-Z after the last; so the lines of a file add up to its size, whatever the chunk
// size. The readers of records count progress with it (text + 1 byte a line missed each CRLF's CR and counted a last
// line without a line end one byte too many).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { cutAtLoneCrs, readDataLines, readLines } from '../../src/util/lines.ts';
import { tempDir, writeFiles } from '../data/helpers.ts';

const dir = tempDir();

test('readLines: each line\'s bytes are its bytes in the file (LF, CRLF, lone CR, BOM, no line end, Ctrl-Z, not UTF-8), whatever the chunk size', () => {
  const files = writeFiles(dir, {
    'lf-crlf.txt': '\ufeffé one\r\ntwo\nthree 😀\r\nlast',
    'mac.csv': 'text,label\r"a\rb",1\rc\r\nd,2\r', // classic Mac: lone CRs end lines, a CRLF too
    'dos.txt': 'a\r\nb\x1a',
    'bad.txt': Buffer.from([0x61, 0xff, 0x0d, 0x0a, 0x62, 0x00, 0x0a, 0x63]),
  });
  const expected: Record<string, number[]> = {
    'lf-crlf.txt': [3 + 2 + 4 + 2, 4, 6 + 4 + 2, 4],
    'mac.csv': [11, 3, 5, 3, 4],
    'dos.txt': [3, 2],
    'bad.txt': [4, 3, 1],
  };
  for (const [name, sizes] of Object.entries(expected)) {
    assert.equal(sizes.reduce((a, b) => a + b, 0), fs.statSync(files[name]!).size, name);
    assert.deepEqual([...readLines(files[name]!)].map((l) => l.bytes), sizes, name);
    // (a chunk too small to hold a lone CR does not find the Mac file's line ends, unless every line end is asked for)
    for (const chunk of [1, 2, 3, 5]) {
      for (const anyLineEnd of name === 'mac.csv' ? [true] : [false, true]) {
        const lines = [...readLines(files[name]!, chunk, undefined, anyLineEnd)];
        assert.deepEqual(lines.map((l) => l.bytes), sizes, `${name}, chunk ${chunk}${anyLineEnd ? ', any line end' : ''}`);
      }
    }
  }
});

test('cutAtLoneCrs: the parts of a line and their CRs are the line\'s bytes', () => {
  const f = writeFiles(dir, { 'stray.txt': 'one\ntwo\ré\rthree\r\nfour\n' })['stray.txt']!;
  assert.deepEqual([...cutAtLoneCrs(readDataLines(f))].map((l) => [l.text, l.bytes]), [['one', 4], ['two', 4], ['é', 3], ['three', 7], ['four', 5]]);
});

test('readLines: binary data that ends a file is one line of the bytes from its start to the end of the file', () => {
  const text = 'one\r\ntwo\n'.repeat(3000);
  const f = writeFiles(dir, { 'blob.txt': Buffer.concat([Buffer.from(text), Buffer.alloc(20000, 0), Buffer.from('\nmore\n')]) })['blob.txt']!;
  const lines = [...readDataLines(f)];
  assert.deepEqual([lines.length, lines.at(-1)!.lineNo, lines.at(-1)!.binary !== undefined], [6001, 6001, true]);
  assert.deepEqual(lines.map((l) => l.bytes), [...Array.from({ length: 3000 }, () => [5, 4]).flat(), fs.statSync(f).size - text.length]);
});

test('readLines: a classic-Mac file\'s lines say how each ended (a lone CR, CRLF, LF), whatever the chunk size', () => {
  const f = writeFiles(dir, { 'ends.csv': 'a\rb\r\nc\nd\re\rf\r' })['ends.csv']!;
  for (const chunk of [1, 2, 3, 1 << 20]) {
    const ends = [...readLines(f, chunk, undefined, chunk < 1 << 20)].map((l) => (l.cr ? 'cr' : l.crlf ? 'crlf' : 'lf'));
    assert.deepEqual(ends, ['cr', 'crlf', 'lf', 'cr', 'cr', 'cr'], `chunk ${chunk}`);
  }
});
