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
    'dos-end.txt': 'a\r\nb\r\n\x1a', // copy /a: the Ctrl-Z after the last line end is that line's
    'mac-dos.csv': 'a\rb\r\x1a',
    'bad.txt': Buffer.from([0x61, 0xff, 0x0d, 0x0a, 0x62, 0x00, 0x0a, 0x63]),
  });
  const expected: Record<string, number[]> = {
    'lf-crlf.txt': [3 + 2 + 4 + 2, 4, 6 + 4 + 2, 4],
    'mac.csv': [11, 3, 5, 3, 4],
    'dos.txt': [3, 2],
    'dos-end.txt': [3, 4],
    'mac-dos.csv': [2, 3],
    'bad.txt': [4, 3, 1],
  };
  for (const [name, sizes] of Object.entries(expected)) {
    assert.equal(sizes.reduce((a, b) => a + b, 0), fs.statSync(files[name]!).size, name);
    assert.deepEqual([...readLines(files[name]!)].map((l) => l.bytes), sizes, name);
    // (a chunk too small to hold a lone CR does not find the Mac file's line ends, unless every line end is asked for)
    for (const chunk of [1, 2, 3, 5]) {
      for (const anyLineEnd of name.startsWith('mac') ? [true] : [false, true]) {
        const lines = [...readLines(files[name]!, chunk, undefined, anyLineEnd)];
        assert.deepEqual(lines.map((l) => l.bytes), sizes, `${name}, chunk ${chunk}${anyLineEnd ? ', any line end' : ''}`);
      }
    }
  }
});

test('cutAtLoneCrs: the parts of a line and their CRs are the line\'s bytes', () => {
  const f = writeFiles(dir, { 'stray.txt': 'one\ntwo\ré\rthree\r\nfour\n' })['stray.txt']!;
  assert.deepEqual([...cutAtLoneCrs(readDataLines(f))].map((l) => [l.text, l.bytes]), [['one', 4], ['two', 4], ['é', 3], ['three', 7], ['four', 5]]);
  // a CRLF and a Ctrl-Z after it are the last part's, and no BOM of the first's (both are 3 bytes past the text)
  const dos = writeFiles(dir, { 'dos-stray.txt': 'x\na\rb\r\n\x1a', 'bom-stray.txt': '\ufeffa\rb' });
  assert.deepEqual([...cutAtLoneCrs(readDataLines(dos['dos-stray.txt']!))].map((l) => [l.text, l.bytes]), [['x', 2], ['a', 2], ['b', 4]]);
  assert.deepEqual([...cutAtLoneCrs(readDataLines(dos['bom-stray.txt']!))].map((l) => [l.text, l.bytes]), [['a', 5], ['b', 1]]);
});

test('readLines: binary data that ends a file is one line of the bytes from its start to the end of the file', () => {
  const text = 'one\r\ntwo\n'.repeat(3000);
  const f = writeFiles(dir, { 'blob.txt': Buffer.concat([Buffer.from(text), Buffer.alloc(20000, 0), Buffer.from('\nmore\n')]) })['blob.txt']!;
  const lines = [...readDataLines(f)];
  assert.deepEqual([lines.length, lines.at(-1)!.lineNo, lines.at(-1)!.binary !== undefined], [6001, 6001, true]);
  assert.deepEqual(lines.map((l) => l.bytes), [...Array.from({ length: 3000 }, () => [5, 4]).flat(), fs.statSync(f).size - text.length]);
});

test('readLines: the binary data that ends a classic-Mac file holds its last line, which waited for the byte after its CR', () => {
  const f = writeFiles(dir, { 'mac-blob.txt': Buffer.concat([Buffer.from('text\r'), Buffer.alloc(9000, 0), Buffer.from('\rmore\r')]) })['mac-blob.txt']!;
  const lines = [...readDataLines(f)];
  assert.deepEqual(lines.map((l) => [l.lineNo, l.binary !== undefined, l.bytes]), [[1, true, fs.statSync(f).size]]);
  assert.equal(lines[0]!.text, `text\n${'\0'.repeat(9000)}\nmore`);
});

test('readLines: a classic-Mac file\'s lines say how each ended (a lone CR, CRLF, LF), whatever the chunk size', () => {
  const f = writeFiles(dir, { 'ends.csv': 'a\rb\r\nc\nd\re\rf\r' })['ends.csv']!;
  for (const chunk of [1, 2, 3, 1 << 20]) {
    const ends = [...readLines(f, chunk, undefined, chunk < 1 << 20)].map((l) => (l.cr ? 'cr' : l.crlf ? 'crlf' : 'lf'));
    assert.deepEqual(ends, ['cr', 'crlf', 'lf', 'cr', 'cr', 'cr'], `chunk ${chunk}`);
  }
});
