// Bytes that are not UTF-8 text never become training text: readLines marks such lines (invalid UTF-8 with
// the byte where it starts, a NUL byte as binary) without losing count of lines; every reader rejects the
// record that holds one (invalid_utf8 / binary), keeping the counting rule and line numbers; prepare lists
// them in rejected.jsonl and report.json balances; UTF-16 files, and compressed files under a text name, are refused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsDefault from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { readCsv } from '../../src/data/ingest/csv.ts';
import { readJson } from '../../src/data/ingest/json.ts';
import { readJsonl } from '../../src/data/ingest/jsonl.ts';
import { readText } from '../../src/data/ingest/text.ts';
import type { RawItem } from '../../src/data/ingest/types.ts';
import { prepare } from '../../src/data/prepare.ts';
import { encodingHint } from '../../src/data/prepare-words.ts';
import { readLines } from '../../src/util/lines.ts';
import { firstInvalidUtf8 } from '../../src/util/utf8-defects.ts';
import { notUtf8Text } from '../../src/util/text-encoding.ts';
import { mistralTokenizer, readJsonl as readOut, tempDir, writeFiles } from './helpers.ts';

const dir = tempDir();
const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const summary = (items: RawItem[]) => items.map((i) => ({ line: i.line, reason: i.error?.reason, detail: i.error?.detail }));

test('firstInvalidUtf8 follows Unicode Table 3-7: overlongs, surrogates, > U+10FFFF, truncated and stray bytes', () => {
  const ok = Buffer.from('aé€😀 ok', 'utf8');
  assert.equal(firstInvalidUtf8(ok), -1);
  for (const [b, at] of [
    [[0x61, 0xff], 1], [[0xc0, 0xaf], 0], [[0xe0, 0x80, 0xaf], 0], [[0xed, 0xa0, 0x80], 0], [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0x61, 0x62, 0xe2, 0x82], 2], [[0x80], 0], [[0xf5, 0x80, 0x80, 0x80], 0], [[0xc3, 0x28], 0],
  ] as Array<[number[], number]>) {
    assert.equal(firstInvalidUtf8(Buffer.from(b)), at, JSON.stringify(b));
    assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(b)), 'the platform agrees it is invalid');
  }
});

test('readLines: defective lines are marked with the byte, line numbers stay exact, whatever the chunk size', () => {
  const f = writeFiles(dir, {
    'mixed.txt': bytes('ok é\n', 'bad ', [0xff, 0xfe], ' here\r\n', 'nul', [0], 'x\n', '\ufeff', [0xc3], '\n', 'last 😀'),
  })['mixed.txt']!;
  for (const chunk of [1, 2, 3, 5, 7, 1 << 20]) {
    const lines = [...readLines(f, chunk)];
    assert.deepEqual(lines.map((l) => [l.lineNo, l.defect?.kind ?? null, l.defect?.byte ?? null]), [
      [1, null, null], [2, 'invalid_utf8', 5], [3, 'binary', 4], [4, 'invalid_utf8', 4], [5, null, null],
    ], `chunk ${chunk}`);
    assert.equal(lines[0]!.text, 'ok é');
    assert.equal(lines[4]!.text, 'last 😀');
    assert.equal(lines[1]!.text, 'bad \ufffd\ufffd here', 'CR still stripped');
    assert.equal(lines[1]!.text[lines[1]!.defect!.char], '\ufffd');
    assert.equal(lines[3]!.text[lines[3]!.defect!.char], '\ufffd', 'the BOM is dropped and the position follows');
  }
});

test('a UTF-16 file is refused as a whole, naming the file', () => {
  const f = writeFiles(dir, { 'utf16.jsonl': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"text": "hi"}\n', 'utf16le')]) })['utf16.jsonl']!;
  assert.throws(() => [...readLines(f)], /utf16\.jsonl: this is UTF-16 text .*convert it to UTF-8 first/);
  // UTF-32's mark starts as UTF-16LE's does: named as what it is, not as UTF-16
  const le32 = writeFiles(dir, { 'utf32.txt': Buffer.from([0xff, 0xfe, 0, 0, 0x68, 0, 0, 0, 0x69, 0, 0, 0]) })['utf32.txt']!;
  assert.throws(() => [...readLines(le32)], /utf32\.txt: this is UTF-32LE text \(it starts with a UTF-32 byte-order mark\): convert it to UTF-8 first \(iconv -f UTF-32LE -t UTF-8 \S+utf32\.txt > converted\.txt\)$/);
  const be32 = writeFiles(dir, { 'be32.txt': Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x68]) })['be32.txt']!;
  assert.throws(() => [...readLines(be32)], /be32\.txt: this is UTF-32BE text/);
  // without a byte-order mark (PowerShell's and some editors' "Unicode"), in either byte order
  const text = '{"text": "hi there, a record"}\n{"text": "and another one"}\n';
  const le = writeFiles(dir, { 'le.jsonl': Buffer.from(text, 'utf16le') })['le.jsonl']!;
  assert.throws(() => [...readLines(le)], /le\.jsonl: this looks like UTF-16LE text without a byte-order mark .*iconv -f UTF-16LE -t UTF-8/);
  const be = writeFiles(dir, { 'be.jsonl': Buffer.from(text, 'utf16le').swap16() })['be.jsonl']!;
  assert.throws(() => [...readLines(be)], /be\.jsonl: this looks like UTF-16BE text/);
  // a few NUL bytes in UTF-8 text are still one record's defect, not an encoding
  const nul = writeFiles(dir, { 'nul.jsonl': bytes('{"text": "a"}\n{"text": "b', [0], '"}\n') })['nul.jsonl']!;
  assert.equal([...readLines(nul)].length, 2);
});

test('UTF-32 without a byte-order mark (either byte order) is refused as UTF-32, naming the file, not rejected as binary data', () => {
  // before: its three 0 bytes a character made it "binary: 345 of its first 460 bytes are NUL or other control bytes"
  const text = '{"text": "hello world"}\n{"text": "naïve café 😀"}\n{"text": "Привет"}\n';
  const utf32le = (s: string) => Buffer.concat([...s].map((ch) => { const b = Buffer.alloc(4); b.writeUInt32LE(ch.codePointAt(0)!); return b; }));
  const d = path.join(dir, 'utf32');
  const f = writeFiles(d, { 'le.jsonl': utf32le(text), 'be.json': utf32le(text).swap32(), 'short.txt': utf32le('hi there\n') });
  assert.throws(() => [...readLines(f['le.jsonl']!)], /le\.jsonl: this looks like UTF-32LE text without a byte-order mark \(.*\): convert it to UTF-8 first \(iconv -f UTF-32LE -t UTF-8 \S+le\.jsonl > converted\.jsonl\)$/);
  assert.throws(() => [...readJson(f['be.json']!)], /be\.json: this looks like UTF-32BE text without a byte-order mark .*iconv -f UTF-32BE -t UTF-8/);
  assert.throws(() => [...readText(f['short.txt']!)], /short\.txt: this looks like UTF-32LE text/);
  // not UTF-32: little-endian 32-bit integers (control characters read so), and UTF-16 text (its units pair into no character)
  const ints = Buffer.alloc(64);
  for (let i = 0; i < 16; i++) ints.writeUInt32LE(i + 1, 4 * i);
  // … nor token ids as 32-bit integers above the control characters: characters read so, but many of them unassigned
  const ids = Buffer.alloc(4096);
  for (let i = 0; i < 1024; i++) ids.writeUInt32LE(160 + ((i * 37) % 32000), 4 * i);
  const g = writeFiles(d, { 'ints.bin': ints, 'ids.bin': ids, 'u16.jsonl': Buffer.from(text, 'utf16le') });
  assert.throws(() => [...readLines(g['u16.jsonl']!)], /this looks like UTF-16LE text/);
  assert.doesNotThrow(() => [...readLines(g['ints.bin']!)]);
  assert.doesNotThrow(() => [...readLines(g['ids.bin']!)]);
  // … nor a small file of 32-bit integers that are each a character: letters of four scripts (1000, 2000, 3000, 4000:
  // Coptic, N'Ko, Tamil, Tibetan), Latin letters with no space or punctuation between them, Cyrillic ones so, a
  // private-use character: not named UTF-32 text (to convert with iconv), read as the bytes they are
  const int32s = (values: number[]) => Buffer.concat(values.map((v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; }));
  const h = writeFiles(d, {
    'scripts.jsonl': int32s([1000, 2000, 3000, 4000]), 'latin.jsonl': int32s([100, 200, 300, 400, 500, 600, 700, 800]),
    'cyrillic.jsonl': int32s(Array.from({ length: 64 }, (_, i) => 1024 + 3 * i)), 'private.jsonl': int32s([0x4e00, 0x4e01, 0x20, 0xf00d]),
  });
  for (const f of Object.values(h)) {
    const lines = [...readLines(f)];
    assert.ok(lines.some((l) => l.defect?.kind === 'binary'), f);
  }
  // text in one or two scripts beside Latin (Japanese's three as one), parted by spaces or punctuation, still is
  const j = writeFiles(d, { 'ja.txt': utf32le('日本語のテキスト、カタカナ。\n'), 'el-ru.txt': utf32le('Ελληνικά и русский, and English\n').swap32() });
  assert.throws(() => [...readLines(j['ja.txt']!)], /ja\.txt: this looks like UTF-32LE text/);
  assert.throws(() => [...readLines(j['el-ru.txt']!)], /el-ru\.txt: this looks like UTF-32BE text/);
  // … and so is text in scripts written without spaces (Chinese without punctuation for a whole line, Japanese, Thai),
  // emoji, and a multilingual file (a record's fields in four scripts, translation pairs): real UTF-32, named so
  const unspaced = writeFiles(d, {
    'zh.txt': utf32le('天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜金生丽水玉出昆冈剑号巨阙珠称夜光果珍李柰菜重芥姜海咸河淡\n'),
    'ja.txt': utf32le('吾輩は猫である名前はまだ無いどこで生れたかとんと見当がつかぬ何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している\n'),
    'th.txt': utf32le('การพัฒนาระบบปัญญาประดิษฐ์เพื่อการประมวลผลภาษาธรรมชาติสำหรับภาษาไทยนั้นมีความท้าทายหลายประการ\n'),
    'emoji.txt': utf32le('😂😂😂🔥🔥🔥💯💯👍👍🎉🎉🎉😍😍😍🙌🙌🙌😂😂😂🔥🔥🔥💯💯👍👍🎉🎉🎉😍😍😍🙌🙌🙌😂😂😂🔥🔥🔥💯💯👍👍😂😂😂🔥🔥🔥💯💯👍👍🎉🎉🎉😍😍😍🙌🙌🙌\n'),
    'multi.jsonl': utf32le('{"en": "Hello", "ar": "مرحبا", "hi": "नमस्ते", "zh": "你好", "ru": "Привет"}\n'.repeat(4)),
    'pairs.jsonl': utf32le('{"src": "Thank you", "tgt": "Спасибо"}\n{"src": "Good morning", "tgt": "صباح الخير"}\n{"src": "Hello", "tgt": "नमस्ते"}\n'),
  });
  for (const [name, f] of Object.entries(unspaced)) assert.throws(() => [...readLines(f)], /this looks like UTF-32LE text/, name);
});

test('small files of 32-bit token ids (259 … 32000, a Mistral v0.1 vocabulary\'s words) are not named UTF-32 text: none holds an ASCII character, as every text sample does (its JSON, a space, a line end)', () => {
  let seed = 11;
  const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  const named: string[] = [];
  for (const count of [4, 5, 8, 16, 64]) {
    for (let file = 0; file < 200; file++) {
      const ids = Buffer.alloc(4 * count);
      for (let i = 0; i < count; i++) ids.writeUInt32LE(259 + next(31741), 4 * i);
      if (/UTF-32/.test(notUtf8Text(ids) ?? '')) named.push(`${count} ids: ${ids.toString('hex')}`);
    }
  }
  // before: 2 in 5 files of 8 ids, 1 in 4 of 16, 1 in 50 of 64 (Han code points bound words, one system)
  assert.deepEqual(named.slice(0, 3), []);
  // the same ids among text in UTF-32 are text: a record that holds them
  const text = Buffer.concat([...'{"text": "天地玄黄宇宙洪荒"}\n'].map((ch) => { const b = Buffer.alloc(4); b.writeUInt32LE(ch.codePointAt(0)!); return b; }));
  assert.match(notUtf8Text(text) ?? '', /this looks like UTF-32LE text/);
});

test('a compressed file under a text name (gzip output saved as .jsonl, a zip as .csv) is refused as a whole by its first bytes, not read as lines of binary records', async () => {
  const zlib = await import('node:zlib');
  const records = '{"text": "a record inside the archive"}\n{"text": "and another one"}\n';
  const files = writeFiles(dir, {
    'packed/gz.jsonl': zlib.gzipSync(records), 'packed/gz.json': zlib.gzipSync(`[${records.trim().split('\n').join(',')}]`),
    'packed/gz.csv': zlib.gzipSync('text,label\na,pos\n'), 'packed/gz.txt': zlib.gzipSync('plain text'),
    'packed/zip.csv': bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0], 'rest of an archive'),
    'packed/xz.jsonl': bytes([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4, 0xe6, 0xd6]),
    'packed/zst.jsonl': bytes([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x05, 0x29, 0, 0]),
    'packed/7z.txt': bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]),
  });
  const kinds: Record<string, string> = { gz: 'gzip-compressed data', zip: 'a zip archive', xz: 'xz-compressed data', zst: 'zstd-compressed data', '7z': 'a 7z archive' };
  for (const [name, f] of Object.entries(files)) {
    const kind = kinds[path.basename(name).split('.')[0]!]!;
    const message = `${f}: this is ${kind}`;
    assert.throws(() => [...readLines(f)], (e: Error) => e.message.startsWith(message) && /whatever its name: decompress it first$/.test(e.message), name);
    assert.throws(() => prepare({ inputs: [f], outDir: path.join(dir, 'packed-out'), tokenizer: mistralTokenizer() }), (e: Error) => e.name === 'UserError' && e.message.startsWith(message), name);
  }
  // text that merely starts with the letters of a signature ("PK", "7z") is text
  const text = writeFiles(dir, { 'packed/pk.txt': 'PK is the primary key\n7z archives are smaller\n' })['packed/pk.txt']!;
  assert.equal([...readLines(text)].length, 2);
});

test('a Ctrl-Z that ends the file (DOS\'s end-of-file mark) is no line of its own; one inside the text is kept', () => {
  const f = writeFiles(dir, { 'dos.jsonl': '{"text":"a"}\r\n\x1a', 'dos.csv': 'text,label\r\nx,1\r\ny,2\x1a', 'mid.txt': 'a\x1ab\n' });
  assert.deepEqual([...readJsonl(f['dos.jsonl']!)].map((i) => [i.line, i.value, i.error?.reason]), [[1, { text: 'a' }, undefined]]);
  assert.deepEqual([...readCsv(f['dos.csv']!, ',')].map((i) => [i.line, i.value, i.error?.reason]), [[2, { text: 'x', label: '1' }, undefined], [3, { text: 'y', label: '2' }, undefined]]);
  assert.deepEqual([...readLines(f['mid.txt']!)].map((l) => l.text), ['a\x1ab']);
});

test('every reader rejects the record holding invalid UTF-8 or a NUL byte, and only that record', () => {
  const f = writeFiles(dir, {
    'a.jsonl': bytes('{"text": "fine"}\n', '{"text": "caf', [0xe9], '"}\n', '\n', '{"text": "nul', [0], '"}\n', '{"text": "also fine"}'),
    'a.json': bytes('[\n{"text": "fine"},\n{"text":\n  "caf', [0xe9], '"},\n{"text": "after"}\n]\n'),
    'one.json': bytes('{\n  "text": "caf', [0xe9], '"\n}\n'),
    'a.csv': bytes('text,label\nfine,1\n"multi\nline ', [0xe9], '",2\nnul', [0], ',3\nafter,4\n'),
    'a.txt': bytes('block one\n\nblock ', [0xe9], ' two\nstill two\n\nblock three\n'),
  });
  assert.deepEqual(summary([...readJsonl(f['a.jsonl']!)]), [
    { line: 1, reason: undefined, detail: undefined },
    { line: 2, reason: 'invalid_utf8', detail: 'invalid UTF-8 at byte 14 of line 2' },
    { line: 4, reason: 'binary', detail: 'a NUL byte at byte 14 of line 4: binary data, not text' },
    { line: 5, reason: undefined, detail: undefined },
  ]);
  assert.deepEqual(summary([...readJson(f['a.json']!)]), [
    { line: 2, reason: undefined, detail: undefined },
    { line: 3, reason: 'invalid_utf8', detail: 'invalid UTF-8 at byte 7 of line 4' },
    { line: 5, reason: undefined, detail: undefined },
  ]);
  assert.deepEqual(summary([...readJson(f['one.json']!)]), [{ line: 1, reason: 'invalid_utf8', detail: 'invalid UTF-8 at byte 15 of line 2' }]);
  assert.deepEqual(summary([...readCsv(f['a.csv']!, ',')]), [
    { line: 2, reason: undefined, detail: undefined },
    { line: 3, reason: 'invalid_utf8', detail: 'invalid UTF-8 at byte 6 of line 4' },
    { line: 5, reason: 'binary', detail: 'a NUL byte at byte 4 of line 5: binary data, not text' },
    { line: 6, reason: undefined, detail: undefined },
  ]);
  assert.deepEqual(summary([...readText(f['a.txt']!, { textSplit: 'blank-lines' })]), [
    { line: 1, reason: undefined, detail: undefined },
    { line: 3, reason: 'invalid_utf8', detail: 'invalid UTF-8 at byte 7 of line 3' },
    { line: 6, reason: undefined, detail: undefined },
  ]);
  assert.equal(summary([...readText(f['a.txt']!)])[0]!.reason, 'invalid_utf8');
  // a record of several lines with a byte that is not UTF-8 and, on a later line, a NUL is binary, as one line with both is
  const both = writeFiles(dir, {
    'both.csv': bytes('text,label\n"one ', [0xe9], '\ntwo ', [0], '",1\n'),
    'both.txt': bytes([0x89], 'PNG\n', [0, 0], '\n'),
    'both.json': bytes('[{"text":\n"', [0xe9], '",\n"x": "', [0], '"}]'),
  });
  assert.deepEqual(summary([...readCsv(both['both.csv']!, ',')]), [{ line: 2, reason: 'binary', detail: 'a NUL byte at byte 5 of line 3: binary data, not text' }]);
  assert.deepEqual(summary([...readText(both['both.txt']!)]), [{ line: 1, reason: 'binary', detail: 'a NUL byte at byte 1 of line 2: binary data, not text' }]);
  assert.deepEqual(summary([...readJson(both['both.json']!)]), [{ line: 1, reason: 'binary', detail: 'a NUL byte at byte 7 of line 3: binary data, not text' }]);
  const header = writeFiles(dir, { 'h.csv': bytes('te', [0xff], 'xt\nx\n') })['h.csv']!;
  assert.throws(() => [...readCsv(header, ',')], /h\.csv:1: the header row is not UTF-8 text \(invalid UTF-8 at byte 3 of line 1\)/);
});

test('prepare: a binary file and latin-1 lines are rejected record by record; report.json balances; no U+FFFD is trained', () => {
  const tok = mistralTokenizer();
  writeFiles(dir, {
    'in/latin1.jsonl': bytes('{"text": "a clean record about rivers"}\n', '{"text": "caf', [0xe9], ' cr', [0xe8], 'me"}\n', '{"text": "another clean record about stones"}\n'),
    'in/blob.txt': bytes([0x89], 'PNG\r\n', [0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR'),
    'in/notes.txt': 'plain notes that are fine',
    'in/zeros.txt': bytes('looks like text\n', [0, 0, 0, 0], '\n'),
  });
  const out = path.join(dir, 'out');
  const { report } = prepare({ inputs: [path.join(dir, 'in')], outDir: out, tokenizer: tok, split: [1, 0, 0] });
  assert.equal(report.input_records, 6);
  assert.equal(report.kept + report.rejected, report.input_records);
  assert.deepEqual(report.by_reason, { binary: 2, invalid_utf8: 1 });
  const rejected = readOut<{ source: { file: string; line: number }; reason: string; detail: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [path.basename(r.source.file), r.source.line, r.reason, r.detail]), [
    // the PNG's first byte is not UTF-8, its NULs come on line 3: binary, as a line holding both is (it was invalid_utf8,
    // and the report told the user to convert the image from Windows-1252 with iconv)
    ['blob.txt', 1, 'binary', 'a NUL byte at byte 1 of line 3: binary data, not text'],
    ['latin1.jsonl', 2, 'invalid_utf8', 'invalid UTF-8 at byte 14 of line 2'],
    ['zeros.txt', 1, 'binary', 'a NUL byte at byte 1 of line 2: binary data, not text'],
  ]);
  const train = fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8');
  assert.ok(!train.includes('\ufffd') && !train.includes('PNG'), 'nothing decoded with replacement characters was kept');
  // each file with records that are not UTF-8 gets a warning with the conversion to run
  assert.deepEqual(report.warnings.filter((w) => w.includes('not UTF-8')).map((w) => w.split(':')[0]), ['latin1.jsonl']);
  assert.ok(report.warnings.some((w) => w.startsWith('latin1.jsonl: 1 record is not UTF-8 text') && w.includes('iconv -f WINDOWS-1252 -t UTF-8 latin1.jsonl')), report.warnings.join('; '));
});

test('prepare: a file in Windows-1252 that keeps nothing (Excel\'s "CSV (Comma delimited)") says in its one error line how to convert it', () => {
  // before: the warning with the iconv line was only in report.json; the error named the first bad byte alone
  const f = writeFiles(dir, { 'excel.csv': bytes('prompt,completion\r\nCaf', [0xe9], '?,Oui\r\n', [0x93], 'Smart', [0x94], ',ok\r\n') })['excel.csv']!;
  assert.throws(() => prepare({ inputs: [f], outDir: path.join(dir, 'out1252'), tokenizer: mistralTokenizer(), split: [1, 0, 0] }),
    /^UserError: no record was kept: all 2 records were rejected \(invalid_utf8 2\); the first: excel\.csv:2: invalid_utf8: invalid UTF-8 at byte 4 of line 2; if excel\.csv is in another encoding \(Windows-1252, Latin-1\), convert it and rerun: iconv -f WINDOWS-1252 -t UTF-8 excel\.csv > converted\.csv; rejected\.jsonl/);
});

test('a file of UTF-8 records beyond ASCII with one in Windows-1252 (mixed encodings) is not told to be converted whole, which would garble the others', () => {
  // before: the warning said to convert the file with iconv -f WINDOWS-1252, which turns its UTF-8 "café" into "cafÃ©"
  const d = path.join(dir, "mixed-enc");
  const f = writeFiles(d, {
    'mixed.jsonl': Buffer.concat([Buffer.from('{"text": "café au lait"}\n'), Buffer.from('{"text": "caf\xe9 noir"}\n', 'latin1'), Buffer.from('{"text": "tea"}\n')]),
    'latin.jsonl': Buffer.concat([Buffer.from('{"text": "tea"}\n'), Buffer.from('{"text": "caf\xe9 noir"}\n', 'latin1')]),
  });
  const { report } = prepare({ inputs: [f['mixed.jsonl']!, f['latin.jsonl']!], outDir: path.join(d, 'out'), tokenizer: mistralTokenizer(), split: [1, 0, 0], dedup: 'none' });
  assert.deepEqual(report.warnings.filter((w) => /invalid_utf8/.test(w)), [
    'mixed.jsonl: 1 record is not UTF-8 text (rejected as invalid_utf8): the file mixes encodings (some of its other records are UTF-8 text beyond ASCII); mend the lines rejected.jsonl names (iconv on the whole file would garble the others)',
    'latin.jsonl: 1 record is not UTF-8 text (rejected as invalid_utf8): if the file is in another encoding (Windows-1252, Latin-1), convert it and rerun: iconv -f WINDOWS-1252 -t UTF-8 latin.jsonl > converted.jsonl',
  ]);
});

test('a mixed-encoding file that keeps nothing is told in its error, as in its warning, to mend the lines, not to convert the whole file', () => {
  // before: the error said to iconv the whole file from Windows-1252, garbling its UTF-8 "café" (the warning already knew better)
  const d = path.join(dir, 'mixed-none');
  const f = writeFiles(d, { 'mixed.jsonl': bytes('{"text": "café au lait"}\n', '{"text": "caf', [0xe9], ' noir"}\n') })['mixed.jsonl']!;
  const hint = 'mixed.jsonl mixes encodings (some of its other records are UTF-8 text beyond ASCII); mend the lines rejected.jsonl names (iconv on the whole file would garble the others)';
  assert.throws(() => prepare({ inputs: [f], outDir: path.join(d, 'out'), tokenizer: mistralTokenizer(), split: [1, 0, 0], minChars: 100 }),
    (e: Error) => e.message.includes(`fewer than options.minChars 100; ${hint}; rejected.jsonl`) && !e.message.includes('iconv -f'));
});

test('rejected.jsonl clips a long raw record between characters: an emoji at the cut is not split into a lone surrogate', () => {
  // before: the cut at 4096 UTF-16 units left the emoji's first half, "\ud83d" in rejected.jsonl (not Unicode text)
  const raw = `{"text": "${'x'.repeat(4096 - 11)}😀 and more", "label": "y"}`;
  const f = writeFiles(dir, { 'clip.jsonl': `${raw}\n{"text": "kept"}\n` })['clip.jsonl']!;
  const out = path.join(dir, 'clip-out');
  prepare({ inputs: [f], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  const [rejected] = readOut<{ raw: string }>(path.join(out, 'rejected.jsonl'));
  assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(rejected!.raw), JSON.stringify(rejected!.raw.slice(4080, 4100)));
  assert.ok(rejected!.raw.startsWith(raw.slice(0, 4095)));
  assert.match(rejected!.raw, new RegExp(`…\\[${raw.length - 4095} more characters\\]$`));
});

test('a lone surrogate spelled in JSON ("\\ud800") is rejected as invalid_utf8, but the file is UTF-8: no advice to convert it from Windows-1252', () => {
  // before: the warning (and the error of a run that keeps nothing) said to iconv the file from WINDOWS-1252, which
  // would garble its UTF-8 text and leave the escape as it is
  const d = path.join(dir, 'lone');
  const f = writeFiles(d, { 'lone.jsonl': '{"text": "caf\\u00e9 fine"}\n{"text": "bad \\ud800 half"}\n' })['lone.jsonl']!;
  const { report } = prepare({ inputs: [f], outDir: path.join(d, 'out'), tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.equal(report.by_reason.invalid_utf8, 1);
  assert.deepEqual(report.warnings.filter((w) => /UTF-8|iconv/.test(w)), []);
  const g = writeFiles(d, { 'only.jsonl': '{"text": "bad \\ud800 half"}\n' })['only.jsonl']!;
  assert.throws(() => prepare({ inputs: [g], outDir: path.join(d, 'out2'), tokenizer: mistralTokenizer(), split: [1, 0, 0] }),
    (e: Error) => /lone surrogate/.test(e.message) && !/iconv|another encoding/.test(e.message));
});

test('files with records not UTF-8 text: the first 5 are named with their conversion, the rest counted in one line; nothing lost', () => {
  // before: one warning line per such file, uncapped (thousands of Latin-1 files, thousands of lines), while "no records in" named 5
  const d = path.join(dir, 'many-latin');
  const latin = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`latin${i}.jsonl`, Buffer.from('{"text": "caf\xe9 noir"}\n'.repeat(i % 2 + 1), 'latin1')]));
  const f = writeFiles(d, { 'good.jsonl': '{"text": "a record that is kept here"}\n', ...latin });
  const out = path.join(d, 'out');
  const { report } = prepare({ inputs: Object.values(f), outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0], dedup: 'none' });
  const said = report.warnings.filter((w) => /invalid_utf8/.test(w));
  assert.equal(said.length, 6, said.join('\n'));
  assert.deepEqual(said.slice(0, 5).map((w) => w.slice(0, w.indexOf(': '))), ['latin0.jsonl', 'latin1.jsonl', 'latin2.jsonl', 'latin3.jsonl', 'latin4.jsonl']);
  assert.ok(said[1]!.startsWith('latin1.jsonl: 2 records are not UTF-8 text (rejected as invalid_utf8): ') && said[1]!.includes('iconv -f WINDOWS-1252 -t UTF-8 latin1.jsonl'), said[1]);
  // latin5..latin7 hold 2 + 1 + 2 records
  assert.equal(said[5], "and 3 more files with records that are not UTF-8 text, rejected as invalid_utf8 (5 records): report.json's inputs names each, rejected.jsonl holds every record");
  assert.deepEqual(report.by_reason, { invalid_utf8: 12 });
  assert.equal(readOut(path.join(out, 'rejected.jsonl')).length, 12);
  assert.equal(report.warnings.filter((w) => /^latin\d\.jsonl: /.test(w)).length, 5, 'the files past the fifth are not named again as all rejected');
});

test('a file in GBK, Shift-JIS or EUC-KR is told the encoding its records read as, not Windows-1252 (which would garble them); one whose few bytes read as several is told each', () => {
  // before: each was told "if the file is in another encoding (Windows-1252, Latin-1) … iconv -f WINDOWS-1252", which
  // turns 你好 into "ÄãºÃ"
  const jsonl = (...texts: string[]) => Buffer.concat(texts.flatMap((t) => [Buffer.from('{"text": "'), Buffer.from(t, 'hex'), Buffer.from('"}\n')]));
  const d = path.join(dir, 'cjk-legacy');
  const f = writeFiles(d, {
    'gbk.jsonl': jsonl('bdf1ccecccecc6f8badcbac3a3acced2c3c7d2bbc6f0c8a5b9abd4b0c9a2b2bdb0c9a1a3', 'c7ebcecac8a5bbf0b3b5d5bed4f5c3b4d7dfa3bf'), // 今天天气很好，… 请问去火车站怎么走？
    'sjis.jsonl': jsonl('938c8b9e82cd93fa967b82cc8ef1937382c582b78142', '96be93fa82cd894a82aa8d7e82e982c582b582e582a482a98148'), // 東京は日本の首都です。…
    'euckr.jsonl': jsonl('bcadbfefc0ba20c7d1b1b9c0c720bcf6b5b5c0d4b4cfb4d92e', 'c0fab4c220b1e8c4a1c2eeb0b3b8a620c1c1bec6c7d5b4cfb4d92e'), // 서울은 한국의 수도입니다. …
    'two.jsonl': jsonl('bdf1ccecccecc6f8badcbac3a3acced2c3c7d2bbc6f0c8a5b9abd4b0c9a2b2bdb0c9a1a3', '938c8b9e82cd93fa967b82cc8ef1937382c582b78142'), // GBK, then Shift-JIS
    'short.txt': Buffer.from('c4e3bac3', 'hex'), // 你好 in GBK: as well in Big5, EUC-JP, EUC-KR, or UTF-16BE (two characters)
    'good.jsonl': '{"text": "a record that is kept here"}\n',
  });
  const { report } = prepare({ inputs: Object.values(f), outDir: path.join(d, 'out'), tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  const said = (name: string) => report.warnings.find((w) => w.startsWith(`${name}: `))?.replace(/^.*?\(rejected as invalid_utf8\): /, '');
  const named = (enc: string, name: string) => `the file looks like ${enc} text (Chinese, Japanese or Korean; not Windows-1252): convert it and rerun: iconv -f ${enc} -t UTF-8 ${name} > converted.jsonl`;
  assert.equal(said('gbk.jsonl'), named('GB18030', 'gbk.jsonl'));
  assert.equal(said('sjis.jsonl'), named('CP932', 'sjis.jsonl'));
  assert.equal(said('euckr.jsonl'), named('CP949', 'euckr.jsonl'));
  assert.equal(said('short.txt'), 'the file reads as Chinese, Japanese or Korean text in any of GB18030, BIG5-HKSCS, EUC-JP, CP949, UTF-16BE (not Windows-1252): find which (file -i short.txt), then convert it and rerun: iconv -f ENCODING -t UTF-8 short.txt > converted.txt');
  assert.equal(said('two.jsonl'), 'the file is not UTF-8 text, and its records read as no one encoding: find its encoding (file -i two.jsonl), then convert it and rerun: iconv -f ENCODING -t UTF-8 two.jsonl > converted.jsonl');
  assert.deepEqual(report.by_reason, { invalid_utf8: 9 }, 'which records are rejected is as before');
});

test('a JSON array on one line of GBK records: each record rejected is told GB18030 (every defect of the line carries what it reads as)', () => {
  // the line's defects are given what it reads as when made (lines.ts lineDefects): a field added to each afterwards took
  // three times the scan's time and memory on a 50 MB line (33 million defects)
  const gbk = (hex: string) => Buffer.concat([Buffer.from('{"text": "'), Buffer.from(hex, 'hex'), Buffer.from('"}')]);
  const d = path.join(dir, 'cjk-array');
  const f = writeFiles(d, { 'a.json': Buffer.concat([Buffer.from('['), gbk('bdf1ccecccecc6f8badcbac3a3acced2c3c7d2bbc6f0c8a5b9abd4b0c9a2b2bdb0c9a1a3'), Buffer.from(', '), gbk('c7ebcecac8a5bbf0b3b5d5bed4f5c3b4d7dfa3bf'), Buffer.from(', {"text": "kept"}]')]) });
  const { report } = prepare({ inputs: [f['a.json']!], outDir: path.join(d, 'out'), tokenizer: mistralTokenizer(), split: [1, 0, 0] });
  assert.deepEqual(report.by_reason, { invalid_utf8: 2 });
  assert.match(report.warnings.find((w) => w.startsWith('a.json: '))!, /2 records are not UTF-8 text \(rejected as invalid_utf8\): the file looks like GB18030 text/);
});

test('a one-line UTF-16 file of CJK text without a byte-order mark, too short to be refused as UTF-16, is told its byte order: rejected as invalid UTF-8, or as binary for its one NUL byte', () => {
  // before: "iconv -f WINDOWS-1252" for the one, "a NUL byte … binary data, not text" alone for the other (一 is 00 4E)
  const zh = '今天天气很好。我们去公园散步吧。';
  const d = path.join(dir, 'cjk-utf16');
  const f = writeFiles(d, { 'le.txt': Buffer.from(zh, 'utf16le'), 'be.txt': Buffer.from(zh, 'utf16le').swap16(), 'nul.txt': Buffer.from(`一${zh}`, 'utf16le') });
  for (const [name, order] of [['le.txt', 'UTF-16LE'], ['be.txt', 'UTF-16BE']]) {
    assert.throws(() => prepare({ inputs: [f[name]!], outDir: path.join(d, 'out'), tokenizer: mistralTokenizer(), split: [1, 0, 0] }),
      (e: Error) => e.message.includes(`: invalid_utf8: invalid UTF-8 at byte ${order === 'UTF-16LE' ? 1 : 2} of line 1; ${name} looks like ${order} text without a byte-order mark: convert it and rerun: iconv -f ${order} -t UTF-8 ${name} > converted.txt;`), name);
  }
  assert.deepEqual(summary([...readText(f['nul.txt']!)]), [{
    line: 1, reason: 'binary', detail: 'a NUL byte at byte 1 of line 1: binary data, not text — or UTF-16LE text without a byte-order mark, as it reads as Chinese, Japanese or Korean text so: then convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8 FILE > FILE.utf8)',
  }]);
});

/** `n` bytes of deterministic noise (an LCG's top byte): random data as a file of it, or the compressed body of an image, is. */
const noise = (n: number, seed: number): Buffer => {
  const out = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
};

test('a file that is binary as a whole (random bytes, an image under a .txt name) is one binary rejection in every --text-split, with a note saying so', () => {
  // before: --text-split lines or blank-lines cut it at its 0x0A bytes into hundreds of records, each rejected as
  // binary or invalid_utf8 (the warning said to convert it from Windows-1252, or that it mixes encodings), and a few
  // short ones that happened to be UTF-8 were kept as training text
  const f = writeFiles(path.join(dir, 'noise'), {
    'random.txt': noise(20000, 7),
    'image.txt': bytes([0x89], 'PNG\r\n', [0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR', [0, 0, 1, 0, 0, 0, 1, 0, 8, 6, 0, 0, 0], [...noise(9000, 3)]),
  });
  for (const file of Object.values(f)) {
    for (const textSplit of ['file', 'blank-lines', 'lines'] as const) {
      const notes: string[] = [];
      const items = [...readText(file, { textSplit, onNote: (n) => notes.push(n) })];
      assert.deepEqual(items.map((i) => [i.line, i.error?.reason]), [[1, 'binary']], `${path.basename(file)} ${textSplit}`);
      // --text-split file too (was: its first NUL's "a NUL byte at byte 3 of line 1", which a file without one lacks)
      assert.match(items[0]!.error!.detail, /^binary data, not text \(\d+ of its first 8192 bytes are NUL or other control bytes that text does not hold\): the whole file is one record, not cut at its line ends$/);
      if (textSplit === 'file') assert.deepEqual(notes, []);
      else assert.match(notes.join('\n'), new RegExp(`^binary data, not text \\(\\d+ of its first \\d+ bytes are NUL or other control bytes that text does not hold\\): rejected as one record \\(binary\\), not cut into records at its line ends \\(--text-split ${textSplit}\\)$`));
    }
  }
  // text with a stray NUL, or in an 8-bit encoding, is text: each line is judged by itself, as before
  const text = writeFiles(path.join(dir, 'noise'), {
    'stray.txt': bytes('a first line of text\nsecond ', [0], ' line\nthird line\n'),
    'koi8.txt': bytes([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4], ' ', [0xcd, 0xc9, 0xd2], '\nplain ascii line\n'),
  });
  assert.deepEqual([...readText(text['stray.txt']!, { textSplit: 'lines' })].map((i) => [i.line, i.error?.reason ?? i.raw]), [[1, 'a first line of text'], [2, 'binary'], [3, 'third line']]);
  assert.deepEqual([...readText(text['koi8.txt']!, { textSplit: 'lines' })].map((i) => [i.line, i.error?.reason ?? i.raw]), [[1, 'invalid_utf8'], [2, 'plain ascii line']]);
});

test('random bytes without a NUL byte (a small noise file, a random .png) are binary as a whole in every reader and --text-split; a Latin-1 file with a few kinds of control byte is not', () => {
  // before: no NUL, so not binary: "invalid UTF-8 at byte 2 of line 1", and prepare's tip said to convert it from Windows-1252
  const withoutNul = (n: number, seed: number): Buffer => Buffer.from(noise(n, seed).map((b) => (b === 0 ? 1 : b)));
  const f = writeFiles(path.join(dir, 'noise-nul-free'), { 'random.txt': withoutNul(5000, 11), 'small.txt': withoutNul(300, 5), 'random.jsonl': withoutNul(5000, 13) });
  for (const split of ['file', 'blank-lines', 'lines'] as const) {
    for (const name of ['random.txt', 'small.txt']) {
      const items = [...readText(f[name]!, { textSplit: split })];
      assert.deepEqual(items.map((i) => [i.line, i.error?.reason]), [[1, 'binary']], `${name} ${split}`);
      assert.match(items[0]!.error!.detail, /^binary data, not text \(\d+ of its first \d+ bytes are NUL or other control bytes that text does not hold\)/);
    }
  }
  assert.deepEqual([...readJsonl(f['random.jsonl']!)].map((i) => [i.line, i.error?.reason]), [[1, 'binary']]);
  // a Hive export in Latin-1 (0x01 and 0x02 separate its fields) and a man page's backspaces are text, line by line
  const text = writeFiles(path.join(dir, 'noise-nul-free'), {
    'hive.txt': bytes('caf', [0xe9, 0x01], 'noir', [0x02], 'cr', [0xe8], 'me', [0x01], '3\n', 'th', [0xe9, 0x01], 'vert', [0x02], 'menthe', [0x01], '4\n'),
    'man.txt': bytes('N\bNA\bAM\bME\bE\n\tls \u2014 list directory contents\n'),
  });
  assert.deepEqual([...readText(text['hive.txt']!, { textSplit: 'lines' })].map((i) => [i.line, i.error?.reason]), [[1, 'invalid_utf8'], [2, 'invalid_utf8']]);
  assert.deepEqual([...readText(text['man.txt']!, { textSplit: 'file' })].map((i) => [i.line, i.error?.reason]), [[1, undefined]]);
});

test('a text file with binary data after its first 8 KiB (an appended image, a text header over 8 KiB) is read as text up to it and one binary rejection from there, in every --text-split', () => {
  // before: only the first 8 KiB were judged: the blob was cut at its 0x0A bytes into records rejected as binary or
  // invalid_utf8 (the warning said to convert the file from Windows-1252), and short ones that happened to be UTF-8 were kept
  const lines = Array.from({ length: 400 }, (_, i) => `line ${i + 1} of a plain text corpus about rivers`);
  const text = `${lines.join('\n')}\n`; // 19,1xx bytes: the blob starts in the third 8 KiB window
  const f = writeFiles(path.join(dir, 'appended'), {
    'appended.txt': Buffer.concat([Buffer.from(text), noise(30000, 5)]),
    'header.txt': Buffer.concat([Buffer.from('P6 header line\n'.repeat(700)), noise(20000, 9)]), // 10,500 bytes of text first
  });
  for (const [name, textLines] of [['appended.txt', 400], ['header.txt', 700]] as const) {
    for (const textSplit of ['lines', 'blank-lines'] as const) {
      const notes: string[] = [];
      const items = [...readText(f[name]!, { textSplit, onNote: (n) => notes.push(n) })];
      const kept = items.filter((i) => i.error === undefined);
      assert.equal(kept.length, textSplit === 'lines' ? textLines : 1, `${name} ${textSplit}`);
      const last = items[items.length - 1]!;
      assert.deepEqual([items.length - kept.length, last.line, last.error?.reason], [1, textLines + 1, 'binary'], `${name} ${textSplit}`);
      assert.match(last.error!.detail, new RegExp(`^binary data from line ${textLines + 1} to the end of the file \\(\\d+ of the 8192 bytes from its byte \\d+ are NUL or other control bytes that text does not hold\\): one record, not cut at its line ends$`));
      assert.match(notes.join('\n'), new RegExp(`^binary data from line ${textLines + 1} on, not text \\(\\d+ of the 8192 bytes from its byte \\d+ are NUL or other control bytes that text does not hold\\): lines ${textLines + 1} to the end rejected as one record \\(binary\\)`));
    }
    // --text-split file: one record, binary, as before
    assert.deepEqual([...readText(f[name]!)].map((i) => i.error?.reason), ['binary']);
  }
  // the lines from where the data turns binary are one, judged as read: with chunks smaller than a window too
  for (const chunk of [1 << 20, 5000, 20000]) { // 20000: the blob starts 900 bytes before the first chunk's end
    const lines = [...readLines(f['appended.txt']!, chunk, undefined, false, true)];
    assert.deepEqual(lines.map((l) => l.lineNo), Array.from({ length: 401 }, (_, i) => i + 1), `chunks of ${chunk}`);
    assert.ok(lines[400]!.binary !== undefined && lines[399]!.binary === undefined && lines[400]!.defect?.kind === 'binary', `chunks of ${chunk}`);
  }
  // JSON Lines and CSV alike: one binary record from there (each of its lines was rejected as binary or invalid_utf8, and
  // the warning said to convert the file from Windows-1252)
  const rows = lines.slice(0, 50);
  const g = writeFiles(path.join(dir, 'appended'), {
    'rows.jsonl': Buffer.concat([Buffer.from(rows.map((t) => JSON.stringify({ text: t })).join('\n') + '\n'), noise(20000, 3)]),
    'rows.csv': Buffer.concat([Buffer.from(`text\n${rows.join('\n')}\n`), noise(20000, 4)]),
  });
  // and a JSON array cut by binary data holding a "/*" (it was "a `/*` comment opened here is never closed", exit 2)
  const arr = writeFiles(path.join(dir, 'appended'), {
    'rows.json': Buffer.concat([Buffer.from(`[\n${rows.map((t) => JSON.stringify({ text: t })).join(',\n')},\n`), noise(9000, 6), Buffer.from('/*'), noise(9000, 8), Buffer.from('\n]\n')]),
  })['rows.json']!;
  for (const items of [[...readJsonl(g['rows.jsonl']!)], [...readCsv(g['rows.csv']!, ',')], [...readJson(arr)]]) {
    assert.equal(items.filter((i) => i.error === undefined).length, 50);
    assert.deepEqual(items.slice(50).map((i) => i.error?.reason), ['binary']);
    assert.match(items[50]!.error!.detail, /^binary data from line \d+ to the end of the file/);
  }
  // a stray quote before it is a stray quote, as at the end of a file: the quotes among the binary bytes closed its field,
  // and the rows between were lost in that one rejection
  const stray = writeFiles(path.join(dir, 'appended'), {
    'stray.csv': Buffer.concat([Buffer.from(`text\n${rows.slice(0, 10).join('\n')}\n"stray quote\n${rows.slice(10).join('\n')}\n`), noise(20000, 4)]),
  })['stray.csv']!;
  const read = [...readCsv(stray, ',')];
  assert.deepEqual(read.map((i) => i.error?.reason ?? 'ok').filter((r) => r !== 'ok'), ['invalid_csv', 'binary']);
  assert.equal(read.filter((i) => i.error === undefined).length, 50);
  assert.match(read[10]!.error!.detail, /^a quoted field \(field 1\) opened on line 12 is not closed before the binary data that ends the file \(line 53\)/);
});

test('--text-split lines and blank-lines read a text file once: the binary check is made on the bytes as they are read, not on a first 64 KiB read again', () => {
  const f = writeFiles(path.join(dir, 'once'), { 'once.txt': 'a first line\n\na second line\n' })['once.txt']!;
  const opened: string[] = [];
  const openSync = fsDefault.openSync;
  fsDefault.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    opened.push(String(p));
    return (openSync as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fsDefault.openSync;
  syncBuiltinESMExports();
  try {
    for (const textSplit of ['lines', 'blank-lines'] as const) assert.equal([...readText(f, { textSplit })].length, 2);
  } finally {
    fsDefault.openSync = openSync;
    syncBuiltinESMExports();
  }
  assert.deepEqual(opened, [f, f], 'one open a read (it was two: binaryFile, then readLines)');
});

test('prepare --text-split lines on a folder holding a binary file: one binary rejection for it, the text files as before, report.json balances', () => {
  const d = path.join(dir, 'noise-folder');
  writeFiles(d, {
    'in/notes.txt': 'a line about rivers and their deltas\na line about stones and their layers\n',
    'in/mixed.txt': Buffer.concat([Buffer.from('café au lait every morning\n'), Buffer.from('caf\xe9 noir at night\n', 'latin1'), Buffer.from('green tea in the afternoon\n')]),
    'in/photo.txt': bytes([0xff, 0xd8, 0xff, 0xe0, 0, 0x10], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0], [...noise(30000, 11)]),
  });
  const out = path.join(d, 'out');
  const { report } = prepare({ inputs: [path.join(d, 'in')], outDir: out, tokenizer: mistralTokenizer(), split: [1, 0, 0], textSplit: 'lines', dedup: 'none' });
  assert.equal(report.kept + report.rejected, report.input_records);
  assert.deepEqual(report.inputs.map((i) => [path.basename(i.file), i.records, i.kept, i.rejected]), [['mixed.txt', 3, 2, 1], ['notes.txt', 2, 2, 0], ['photo.txt', 1, 0, 1]]);
  assert.deepEqual(report.by_reason, { binary: 1, invalid_utf8: 1 });
  const rejected = readOut<{ source: { file: string; line: number }; reason: string }>(path.join(out, 'rejected.jsonl'));
  assert.deepEqual(rejected.map((r) => [path.basename(r.source.file), r.source.line, r.reason]), [['mixed.txt', 2, 'invalid_utf8'], ['photo.txt', 1, 'binary']]);
  const train = fs.readFileSync(path.join(out, 'train.jsonl'), 'utf8');
  assert.ok(!train.includes('\ufffd') && !train.includes('JFIF'));
  // the warnings: the photo is binary data (not "another encoding" nor "mixes encodings"); the genuine mixed file keeps its own
  const about = (name: string) => report.warnings.filter((w) => w.startsWith(`${name}:`));
  assert.deepEqual(about('photo.txt').map((w) => w.replace(/\(\d+ of/g, '(N of')), [
    "photo.txt: binary data, not text (N of its first 8192 bytes are NUL or other control bytes that text does not hold): rejected as one record (binary), not cut into records at its line ends (options.textSplit 'lines')",
    'photo.txt: its one record was rejected; the first: photo.txt:1: binary: binary data, not text (N of its first 8192 bytes are NUL or other control bytes that text does not hold): the whole file is one record, not cut at its line ends',
  ]);
  assert.deepEqual(about('mixed.txt'), ['mixed.txt: 1 record is not UTF-8 text (rejected as invalid_utf8): the file mixes encodings (some of its other records are UTF-8 text beyond ASCII); mend the lines rejected.jsonl names (iconv on the whole file would garble the others)']);
});

test('UTF-16 without a byte-order mark on one long line (minified JSON, a paragraph: no line end in its first 64 KiB) is refused as UTF-16 by its ASCII characters', () => {
  // before: without a UTF-16 line end it was read as UTF-8, cut at the 0A of each 上 into records rejected as binary
  // or invalid_utf8 (the warning said to convert it from Windows-1252)
  const para = '这是一段很长的中文文本，上面有一些字，机器学习很有趣 2024 年。'.repeat(2500); // 160 KB in UTF-16, no line end
  const d = path.join(dir, 'wide-line');
  const f = writeFiles(d, {
    'line-le.txt': Buffer.from(para, 'utf16le'), 'line-be.txt': Buffer.from(para, 'utf16le').swap16(),
    'min-le.json': Buffer.from(JSON.stringify([{ text: para.slice(0, 40000) }, { text: para.slice(40000, 50000) }]), 'utf16le'),
  });
  for (const [name, file] of Object.entries(f)) {
    const order = name.includes('-le') ? 'UTF-16LE' : 'UTF-16BE';
    assert.throws(() => [...readLines(file)], (e: Error) => e.message === `${file}: this looks like ${order} text without a byte-order mark (its spaces, digits and punctuation are ${order}'s, ` +
      `and it reads as ${order} text throughout): re-save it as UTF-8, or convert it first (iconv -f ${order} -t UTF-8 ${file} > converted${path.extname(file)})`, name);
  }
  // not UTF-16: one line of 8-bit text with a few stray NULs (each beside a letter, where an ASCII unit would be)
  const latin1 = Buffer.from('une cr\xe8me br\xfbl\xe9e et un caf\xe9 noir, s\'il vous pla\xeet; '.repeat(400), 'latin1');
  for (const at of [100, 2000, 4000, 9000, 15000]) latin1[at - (at % 2)] = 0;
  const not = writeFiles(d, { 'latin1-nuls.txt': latin1 });
  assert.doesNotThrow(() => [...readLines(not['latin1-nuls.txt']!)]);
});

test('UTF-16 without a byte-order mark holding CJK text alone (no line end, no ASCII) is refused as UTF-16 by its script; GBK text with a stray NUL is not', () => {
  // before: with neither a line end nor 16 ASCII characters it was read as UTF-8, one record rejected as binary (the
  // NUL byte of 一, 00 4E), the message saying nothing of UTF-16
  const zh = '机器学习是人工智能的一个分支，它使计算机能够从数据中学习而无需明确编程。深度学习使用多层神经网络来表示复杂的模式。'.repeat(2);
  const d = path.join(dir, 'wide-script');
  const f = writeFiles(d, { 'zh-le.txt': Buffer.from(zh, 'utf16le'), 'zh-be.txt': Buffer.from(zh, 'utf16le').swap16() });
  for (const [name, file] of Object.entries(f)) {
    const order = name.includes('-le') ? 'UTF-16LE' : 'UTF-16BE';
    assert.throws(() => [...readLines(file)], (e: Error) => e.message === `${file}: this looks like ${order} text without a byte-order mark (its characters are ` +
      `Chinese, Japanese or Korean in ${order}, and it reads as ${order} text throughout): re-save it as UTF-8, or convert it first (iconv -f ${order} -t UTF-8 ${file} > converted.txt)`, name);
  }
  // not UTF-16: GB2312 (read as UTF-16BE: Hangul) with a stray NUL, and CJK text shorter than its bar (a NUL in it: binary, as before)
  const gb = Buffer.from('b3f5bcb6d1a7cfb0cac7c8cbb9a4d6c7c4dcb5c4d2bbb8f6b7d6d6a7'.repeat(6), 'hex');
  gb[40] = 0;
  const not = writeFiles(d, { 'gb-nul.txt': gb, 'short-le.txt': Buffer.from(zh.slice(0, 40), 'utf16le') });
  for (const file of Object.values(not)) assert.equal([...readLines(file)].length, 1, file);
});

test('a short UTF-16 file without a byte-order mark, rejected as binary, is said to be maybe UTF-16 where its NULs fall at every other byte; other binary data is not', () => {
  // before: "a NUL byte at byte 2 of line 1: binary data, not text" alone, too short for notUtf8Text to name UTF-16
  const hint = ' — or UTF-16 text without a byte-order mark, as its NUL bytes fall at every other byte: then convert it to UTF-8 first (iconv -f UTF-16LE -t UTF-8 FILE > FILE.utf8, or -f UTF-16BE)';
  const f = writeFiles(path.join(dir, 'short-wide'), {
    'le.jsonl': Buffer.from('{"text": "你好世界"}\n', 'utf16le'), 'be.txt': Buffer.from('hi', 'utf16le').swap16(),
    'mixed.txt': Buffer.from([0x61, 0x00, 0x00, 0x62, 0x63, 0x00]), // NULs side by side: no UTF-16 text's pattern
    'stray.txt': Buffer.from([0x61, 0x00, 0x62, 0x63, 0x64, 0x00, 0x65]), // two stray NULs, not one byte apart
  });
  assert.deepEqual(summary([...readJsonl(f['le.jsonl']!)]).slice(0, 1), [{ line: 1, reason: 'binary', detail: `a NUL byte at byte 2 of line 1: binary data, not text${hint}` }]);
  assert.deepEqual(summary([...readText(f['be.txt']!)]), [{ line: 1, reason: 'binary', detail: `a NUL byte at byte 1 of line 1: binary data, not text${hint}` }]);
  assert.deepEqual(summary([...readText(f['mixed.txt']!)]), [{ line: 1, reason: 'binary', detail: 'a NUL byte at byte 2 of line 1: binary data, not text' }]);
  assert.deepEqual(summary([...readText(f['stray.txt']!)]), [{ line: 1, reason: 'binary', detail: 'a NUL byte at byte 2 of line 1: binary data, not text' }]);
});

test('UTF-16 without a byte-order mark in a script beyond Latin (Chinese, Cyrillic) is refused as UTF-16 by its line ends, not cut at 0x0A bytes inside its characters', () => {
  // before: few of its bytes are 0, so it was not taken for UTF-16; read as UTF-8 it was cut at the 0A of 上 (0A 4E)
  // and of its line ends into records each rejected as binary, more of them than it has lines
  const zh = '这是第一行中文文本，上面有一些字。\n第二行：机器学习很有趣。\n第三行上下左右 😀。\n';
  const ru = 'Привет, мир! Это первая строка.\r\nВторая строка текста.\r\n';
  const d = path.join(dir, 'wide');
  const f = writeFiles(d, {
    'zh-le.txt': Buffer.from(zh, 'utf16le'), 'zh-be.txt': Buffer.from(zh, 'utf16le').swap16(),
    'ru-le.jsonl': Buffer.from(ru, 'utf16le'), 'ru-be.csv': Buffer.from(ru, 'utf16le').swap16(),
  });
  for (const [name, file] of Object.entries(f)) {
    const order = name.includes('-le') ? 'UTF-16LE' : 'UTF-16BE';
    const message = `${file}: this looks like ${order} text without a byte-order mark (its line ends are ${order}'s, and it reads as ${order} text throughout): re-save it as UTF-8, or convert it first (iconv -f ${order} -t UTF-8 ${file} > converted${path.extname(file)})`;
    assert.throws(() => [...readLines(file)], (e: Error) => e.message === message, name);
  }
  for (const textSplit of ['file', 'lines', 'blank-lines'] as const) {
    assert.throws(() => prepare({ inputs: [f['zh-le.txt']!], outDir: path.join(d, 'out'), tokenizer: mistralTokenizer(), textSplit }),
      (e: Error) => e.name === 'UserError' && e.message.includes('zh-le.txt: this looks like UTF-16LE text without a byte-order mark'), textSplit);
  }
  // not UTF-16: UTF-8 in those scripts, 8-bit encodings (no 0 byte: no UTF-16 line end), noise and an image, UTF-16-looking
  // bytes with a NUL or an unpaired surrogate
  const not = writeFiles(d, {
    'zh.txt': zh, 'ru.txt': ru, 'koi8.txt': bytes([0xf0, 0xd2, 0xc9, 0xd7, 0xc5, 0xd4, 0x0a, 0xcd, 0xc9, 0xd2, 0x0a]).toString('latin1').repeat(20),
    'latin1.txt': Buffer.from('caf\xe9 cr\xe8me br\xfbl\xe9e\n'.repeat(20), 'latin1'), 'noise.txt': noise(70000, 5),
    'png.txt': bytes([0x89], 'PNG\r\n', [0x1a, 0x0a, 0, 0, 0, 0x0d], 'IHDR', [...noise(5000, 9)]),
    'nul.txt': Buffer.concat([Buffer.from(zh, 'utf16le'), Buffer.from([0, 0])]),
    'lone.txt': Buffer.concat([Buffer.from(zh, 'utf16le'), Buffer.from([0x00, 0xd8, 0x41, 0x00])]),
    // a stray NUL after a line end, on an even offset, in UTF-8 (JSON Lines: the fuzz test's) and in Latin-1 text
    'nul-lf.jsonl': bytes('{"text": "alpha 1 beta 2"}\n', [0], '{"text": "gamma 3 数据"}\n{"text": "delta 4"}\n'),
    'nul-lf-latin1.txt': Buffer.concat([Buffer.from('caf\xe9 noir et cr\xe8me\n', 'latin1'), Buffer.from([0]), Buffer.from('th\xe9 vert du matin\nun autre\n', 'latin1')]),
    // and in UTF-8 text with a control byte or two of its own: a terminal's colour codes (ESC), DOS's end-of-file Ctrl-Z
    'nul-lf-esc.txt': bytes('line one\n', [0], 'line two \x1b[31mred\x1b[0m\nline three\n'),
    'nul-lf-ctrl-z.txt': bytes('first line\n', [0], 'second line\nlast line\n', [0x1a]),
  });
  for (const [name, file] of Object.entries(not)) assert.doesNotThrow(() => [...readLines(file)], name);
});

test('the iconv command for a file not in UTF-8 names a file whose name starts with "-" or holds a space as a shell reads it back (was: iconv … -x.csv, read as options)', () => {
  assert.equal(encodingHint('-x.csv', false), 'if -x.csv is in another encoding (Windows-1252, Latin-1), convert it and rerun: iconv -f WINDOWS-1252 -t UTF-8 ./-x.csv > converted.csv');
  assert.match(encodingHint('my data.csv', false), / -t UTF-8 'my data\.csv' > converted\.csv$/);
});
