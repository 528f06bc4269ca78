// The readers of records tell onBytes (prepare's progress bar) exactly the bytes of the file they read, line ends
// (CRLF, a lone CR), BOM and a last line without its line end included: a file's lines add up to its size.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { readJsonArray } from '../../src/data/ingest/json-array.ts';
import { readRecords } from '../../src/data/ingest/read.ts';
import type { Format } from '../../src/data/ingest/types.ts';
import { tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();

/** The bytes a reader says it read of `file`. */
function counted(read: (onBytes: (n: number) => void) => Iterable<unknown>): number {
  let n = 0;
  for (const _ of read((b) => (n += b)));
  return n;
}

test('JSON Lines, CSV, TSV and text (every split) count a file\'s bytes exactly: CRLF, lone CRs, a BOM, no final line end', () => {
  const cases: Array<[string, Format, string]> = [
    ['crlf.jsonl', 'jsonl', '\ufeff{"text": "é"}\r\n{"text": "b"}\r\n{"text": "c"}'],
    ['lf.jsonl', 'jsonl', '{"text": "a"}\n{"text": "b"}'],
    ['stray-cr.jsonl', 'jsonl', '{"text": "a"}\r{"text": "b"}\n'],
    ['crlf.csv', 'csv', 'text,label\r\n"multi\r\nline",1\r\nb,2'],
    ['mac.csv', 'csv', 'text,label\r"a\rb",1\rc,2\r\nd,3'],
    ['crlf.tsv', 'tsv', 'text\tlabel\r\na\t1\r\nb\t2'],
    ['crlf.txt', 'text', 'one\r\ntwo\r\n\r\nthree'],
    ['dos.jsonl', 'jsonl', '{"text": "a"}\r\n{"text": "b"}\r\n\x1a'], // copy /a ends a file with a Ctrl-Z after its last line end
    ['dos.csv', 'csv', 'text,label\r\na,1\r\n\x1a'],
    ['dos.txt', 'text', 'one\r\ntwo\r\n\x1a'],
    // a file of a Ctrl-Z alone (an empty file that copy /a wrote): its one byte is read, not "0 of 1 bytes"
    ['only-dos-eof.jsonl', 'jsonl', '\x1a'],
    ['only-dos-eof.csv', 'csv', '\x1a'],
    ['only-dos-eof.txt', 'text', '\x1a'],
    ['only-dos-eof.json', 'json', '\x1a'],
    // a JSON file of blanks and comments holds no record, and its bytes are read all the same
    ['blank.json', 'json', '\n  \n'],
    ['comment.json', 'json', '// nothing yet\r\n/* none */\n'],
  ];
  for (const [name, format, content] of cases) {
    const f = writeFiles(dir, { [name]: content })[name]!;
    const splits = format === 'text' ? (['file', 'blank-lines', 'lines'] as const) : ([undefined] as const);
    for (const textSplit of splits) {
      assert.equal(counted((onBytes) => readRecords(f, format, { onBytes, textSplit })), fs.statSync(f).size, `${name} ${textSplit ?? ''}`);
    }
  }
});

test('a JSON array read line by line counts its bytes exactly, binary data that ends it included', () => {
  const f = writeFiles(dir, {
    'a.json': '[\r\n  {"text": "a"},\r\n  {"text": "b"}\r\n]',
    'blob.json': Buffer.concat([Buffer.from('[\r\n  {"text": "a"},\r\n'), Buffer.alloc(20000, 0), Buffer.from('\n]\n')]),
  });
  for (const file of Object.values(f)) assert.equal(counted((onBytes) => readJsonArray(file, { onBytes })), fs.statSync(file).size, file);
});

test('a JSON array on one line (and a .jsonl file that is one) is read from disk once, not once to find its first character, once to look past its first line and once to read it', () => {
  // 3 MiB: more than one chunk of readLines; a 5 GB one-line array was read three times over
  const records = Array.from({ length: 30000 }, (_, i) => JSON.stringify({ text: `record ${i} ${'x'.repeat(80)}` }));
  const f = writeFiles(dir, { 'one-line.json': `[${records.join(',')}]\n`, 'one-line.jsonl': `[${records.join(',')}]` });
  const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
  const original = cjsFs.readSync;
  for (const [name, format] of [['one-line.json', 'json'], ['one-line.jsonl', 'jsonl']] as const) {
    let read = 0, n = 0;
    cjsFs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
      const got = (original as (...a: unknown[]) => number)(...args);
      read += got;
      return got;
    }) as typeof fs.readSync;
    syncBuiltinESMExports();
    try {
      for (const it of readRecords(f[name]!, format)) if (it.error === undefined) n++;
    } finally {
      cjsFs.readSync = original;
      syncBuiltinESMExports();
    }
    assert.equal(n, records.length, name);
    // its bytes once, and its last byte once more (lines.ts looks whether it is DOS's Ctrl-Z)
    assert.equal(read, fs.statSync(f[name]!).size + 1, name);
  }
});
