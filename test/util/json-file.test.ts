// readJsonFile: a file too large to become one JavaScript string (a tokenizer.json past 512 MiB) is a one-line
// UserError naming the file, not an uncaught ERR_STRING_TOO_LONG with a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants } from 'node:buffer';
import { readJsonFile } from '../../src/util/json-file.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';

test('a JSON file longer than the longest string: a UserError naming the file and its size', () => {
  const file = path.join(tempDir('mt-json-'), 'tokenizer.json');
  // a sparse file of NUL bytes (valid UTF-8, one character each) one past V8's longest string: no disk used
  fs.writeFileSync(file, '');
  fs.truncateSync(file, constants.MAX_STRING_LENGTH + 1);
  try {
    assert.throws(() => readJsonFile(file), (e: unknown) => {
      assert.ok(isUserError(e), `expected a UserError, got ${String(e)}`);
      assert.equal((e as Error).message, `${file}: too large to read as JSON: ${(constants.MAX_STRING_LENGTH + 1).toLocaleString('en-US')} bytes, past the ${constants.MAX_STRING_LENGTH.toLocaleString('en-US')} characters of Node.js's longest string`);
      return true;
    });
  } finally {
    fs.rmSync(file);
  }
});

test('a small JSON file still reads, a BOM dropped', () => {
  const file = path.join(tempDir('mt-json-'), 'config.json');
  fs.writeFileSync(file, '\uFEFF{"a": [1, 2]}');
  assert.deepEqual(readJsonFile(file), { a: [1, 2] });
});

test('a JSON file in UTF-16 or UTF-32, or compressed, is said to be one, not invalid UTF-8 to convert from Windows-1252', () => {
  const dir = tempDir('mt-json-');
  const json = '{"role": "user", "content": "Capital of France?"}\r\n';
  const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0xab, 0xae, 0x05, 0x00]); // gzip's header and {}
  const cases: Array<[string, Buffer, RegExp]> = [
    // PowerShell 5's `>` and Notepad's "Unicode" write UTF-16LE with a mark
    ['utf16le-bom', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), /: this is UTF-16 text \(it starts with a UTF-16 byte-order mark\): convert it to UTF-8 first$/],
    ['utf16be-bom', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, 'utf16le').swap16()]), /: this is UTF-16 text/],
    // without a mark every other byte is 0, which is valid UTF-8 (NUL) and reached JSON.parse as such
    ['utf16le', Buffer.from(json, 'utf16le'), /: this looks like UTF-16LE text without a byte-order mark \(every other byte is 0\): convert it to UTF-8 first \(iconv -f UTF-16LE -t UTF-8\)$/],
    ['utf32le', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('{}')]), /: this is UTF-32LE text .*iconv -f UTF-32LE -t UTF-8\)$/],
    ['gzip', gzip, /: this is gzip-compressed data \(by its first bytes\), whatever its name: decompress it first$/],
  ];
  for (const [name, bytes, message] of cases) {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, bytes);
    assert.throws(() => readJsonFile(file), (e: unknown) => {
      assert.ok(isUserError(e), `${name}: expected a UserError, got ${String(e)}`);
      const msg = (e as Error).message;
      assert.ok(msg.startsWith(`${file}: `), `${name}: names the file: ${msg}`);
      assert.match(msg, message, name);
      assert.doesNotMatch(msg, /WINDOWS-1252/, name);
      return true;
    });
  }
  // a Latin-1 file is still the one to convert from Windows-1252
  const latin1 = path.join(dir, 'latin1.json');
  fs.writeFileSync(latin1, Buffer.from('{"a": "caf\xe9"}', 'latin1'));
  assert.throws(() => readJsonFile(latin1), /latin1\.json:1: invalid UTF-8 at byte 11 of line 1: .*iconv -f WINDOWS-1252/);
});
