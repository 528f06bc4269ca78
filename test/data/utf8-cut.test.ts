// A file cut short inside a UTF-8 character (a `head -c` of a larger file, an interrupted copy): its last record is
// rejected as truncated, saying so, with no advice to convert the file from another encoding (which would garble it).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { readCsv } from '../../src/data/ingest/csv.ts';
import { readJsonl } from '../../src/data/ingest/jsonl.ts';
import { readRecords } from '../../src/data/ingest/read.ts';
import { readText } from '../../src/data/ingest/text.ts';
import { prepare } from '../../src/data/prepare.ts';
import { readLines } from '../../src/util/lines.ts';
import { mistralTokenizer, readJsonl as readOut, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const CUT = /^the file ends inside a UTF-8 character \(byte \d+ of line \d+ begins one, whose other bytes are missing\): cut short\? Its last record is incomplete$/;

test('readLines: a file that ends inside a UTF-8 character is cut short, whatever follows its last line and whatever the chunk size; a line inside the file that ends so is not', () => {
  const f = writeFiles(dir, {
    'end.txt': bytes('ok\n日', [0xe6, 0x9c]), // 日 then 本 cut after two of its three bytes
    'lf.txt': bytes('ok\n', [0xe2, 0x82], '\n'), // € cut, then a line end (head -c, then echo >>)
    'crlf.txt': bytes('ok\r\n', [0xf0, 0x9f, 0x98], '\r\n\x1a'), // 😀 cut, CRLF and DOS's Ctrl-Z
    'inside.txt': bytes('a', [0xe2, 0x82], '\nok\n'), // not the file's end: invalid UTF-8 as any other
    'before.txt': bytes('caf', [0xe9], '\n', [0xe2, 0x82]), // a line before is not UTF-8: its encoding is in question
    'lone.txt': bytes('ok\n', [0xc0]), // no UTF-8 character starts with C0
  });
  for (const chunk of [1, 2, 3, 1 << 20]) {
    const last = (name: string) => [...readLines(f[name]!, chunk)].at(-1)!;
    for (const [name, lineNo, byte] of [['end.txt', 2, 4], ['lf.txt', 2, 1], ['crlf.txt', 2, 1]] as const) {
      const d = last(name).defect!;
      assert.deepEqual([last(name).lineNo, d.kind, d.byte, d.cutShort, d.readsAs], [lineNo, 'invalid_utf8', byte, true, undefined], `${name}, chunk ${chunk}`);
      assert.match(d.detail!, CUT);
    }
    for (const name of ['inside.txt', 'before.txt', 'lone.txt']) {
      const lines = [...readLines(f[name]!, chunk)];
      assert.ok(lines.every((l) => l.defect?.cutShort === undefined && l.defect?.detail === undefined), `${name}, chunk ${chunk}`);
    }
  }
});

test('readLines: a cut character whose CRLF has its CR end a chunk, the LF in the next, is the file cut short (classic Mac line ends; the config)', () => {
  // a lone CR that ends a chunk holds its line for the next chunk's first byte: the LF made the line end the file only then
  const f = writeFiles(dir, {
    'mac.txt': bytes('a\rb\r', [0xe2, 0x82], '\r\n'), // more lone CRs than LFs: read at CRs
    'mac-eof.txt': bytes('a\rb\r', [0xe2, 0x82], '\r\n\x1a'),
  });
  for (const name of ['mac.txt', 'mac-eof.txt']) {
    // chunk 7 ends at that CR; read at CRs unasked when the first chunk holds more lone CRs than LFs (chunk 7 does)
    for (const [anyLineEnd, chunks] of [[false, [7, 1 << 20]], [true, [1, 2, 3, 7, 1 << 20]]] as const) {
      for (const chunk of chunks) {
        const last = [...readLines(f[name]!, chunk, undefined, anyLineEnd)].at(-1)!;
        assert.deepEqual([last.lineNo, last.defect?.cutShort], [3, true], `${name}, chunk ${chunk}, anyLineEnd ${anyLineEnd}`);
        assert.match(last.defect!.detail!, CUT);
      }
    }
  }
});

test('a file whose one byte that is not ASCII is a lone lead byte that ends it may be Latin-1 text (café): said beside cut short', () => {
  const f = writeFiles(dir, {
    'cafe.csv': bytes('text\nok\ncaf', [0xe9]),
    'cafe-crlf.jsonl': bytes('{"text":"ok"}\r\n{"text":"caf', [0xe9], '\r\n'),
    'utf8.csv': bytes('text\nnaïve\ncaf', [0xe9]), // UTF-8 text before it: a cut character only
    'two.csv': bytes('text\nok\n', [0xe2, 0x82]), // a lead byte and a continuation byte: a cut character only
  });
  const LATIN1 = " — or it is Windows-1252 text ending in 'é' (its one byte that is not ASCII): convert it, iconv -f WINDOWS-1252 -t UTF-8";
  const said = (file: string, format: 'csv' | 'jsonl') => {
    const notes: string[] = [];
    const last = [...readRecords(file, format, { onNote: (n) => notes.push(n) })].at(-1)!;
    return [last.error?.reason, last.error?.detail.endsWith(LATIN1), notes.length, notes.every((n) => n.endsWith(LATIN1.replace('it is', 'the file is')))];
  };
  assert.deepEqual(said(f['cafe.csv']!, 'csv'), ['truncated', true, 1, true]);
  assert.deepEqual(said(f['cafe-crlf.jsonl']!, 'jsonl'), ['truncated', true, 1, true]);
  assert.deepEqual(said(f['utf8.csv']!, 'csv'), ['truncated', false, 1, false]);
  assert.deepEqual(said(f['two.csv']!, 'csv'), ['truncated', false, 1, false]);
  // past a chunk of ASCII (read again from the file's start), and at every chunk size
  const long = writeFiles(dir, { 'long.txt': bytes('x'.repeat(3 << 20), '\ncaf', [0xe9]), 'long-utf8.txt': bytes('x'.repeat(5 << 19), 'é', 'x'.repeat(1 << 19), '\ncaf', [0xe9]) });
  for (const chunk of [1 << 20, 7]) assert.equal([...readLines(f['cafe.csv']!, chunk)].at(-1)!.defect?.latin1, 'é');
  assert.deepEqual([...readLines(long['long.txt']!)].at(-1)!.defect?.latin1, 'é');
  assert.deepEqual([...readLines(long['long-utf8.txt']!)].at(-1)!.defect?.latin1, undefined);
});

test('every reader rejects the record where the file ends inside a UTF-8 character as truncated, saying so at its line', () => {
  const f = writeFiles(dir, {
    'cut.jsonl': bytes('{"text":"ok"}\n{"text": "', [0xe2, 0x82]),
    'cut.csv': bytes('text\nok\n日', [0xe6]),
    'cut.txt': bytes('ok\n\n日', [0xe6, 0x9c]),
  });
  const said = (items: Iterable<{ line: number; error?: { reason: string; detail: string } }>) => [...items].map((i) => [i.line, i.error?.reason, CUT.test(i.error?.detail ?? '')]);
  assert.deepEqual(said(readJsonl(f['cut.jsonl']!)), [[1, undefined, false], [2, 'truncated', true]]);
  assert.deepEqual(said(readCsv(f['cut.csv']!, ',')), [[2, undefined, false], [3, 'truncated', true]]);
  assert.deepEqual(said(readText(f['cut.txt']!, { textSplit: 'blank-lines' })), [[1, undefined, false], [3, 'truncated', true]]);
});

test('prepare: a JSON Lines file cut inside a UTF-8 character is told it was cut short, never to convert it from CP932 or Windows-1252', () => {
  // before: "the file looks like CP932 text … iconv -f CP932" (a cut €), "iconv -f WINDOWS-1252" (日 then a cut 本): either
  // conversion garbles the file's UTF-8 text
  const d = path.join(dir, 'prepare');
  const f = writeFiles(d, {
    'euro.jsonl': bytes('{"text":"ok"}\n{"text": "', [0xe2, 0x82]),
    'kanji.jsonl': bytes('{"text":"fine"}\n{"text": "日', [0xe6, 0x9c]),
  });
  const out = path.join(d, 'out');
  const { report } = prepare({ inputs: Object.values(f), outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0], dedup: 'none' });
  assert.deepEqual(report.by_reason, { truncated: 2 });
  assert.deepEqual(report.warnings.filter((w) => /UTF-8|iconv|encoding/.test(w)), [
    'euro.jsonl: the file ends inside a UTF-8 character: cut short? Its last record (line 2) is incomplete, rejected as truncated',
    'kanji.jsonl: the file ends inside a UTF-8 character: cut short? Its last record (line 2) is incomplete, rejected as truncated',
  ]);
  const rejected = readOut<{ source: { file: string; line: number }; reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [r.source.file, r.source.line, r.reason, CUT.test(r.detail)]), [['euro.jsonl', 2, 'truncated', true], ['kanji.jsonl', 2, 'truncated', true]]);
});
