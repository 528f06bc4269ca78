// readJsonFile: a file too large to become one JavaScript string (a tokenizer.json past 512 MiB), or nested deeper than
// a reader of Hugging Face files takes, is a one-line UserError naming the file, not an uncaught error with a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants } from 'node:buffer';
import { readJsonFile } from '../../src/util/json-file.ts';
import { isUserError } from '../../src/util/errors.ts';
import { tempDir } from '../temp-dir.ts';
import { FIXTURES, TINY_BASE, literal } from '../helpers.ts';
import { loadConfig } from '../../src/model/config.ts';
import { readGenerationConfig } from '../../src/model/generation-config.ts';
import { loadTokenizer } from '../../src/tokenizer/load.ts';

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
    ['utf16le-bom', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json, 'utf16le')]), /: this is UTF-16 text \(it starts with a UTF-16 byte-order mark\): convert it to UTF-8 first \(iconv -f UTF-16 -t UTF-8 \S+utf16le-bom\.json > converted\.json: the mark gives the byte order\)$/],
    ['utf16be-bom', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(json, 'utf16le').swap16()]), /: this is UTF-16 text/],
    // without a mark every other byte is 0, which is valid UTF-8 (NUL) and reached JSON.parse as such
    ['utf16le', Buffer.from(json, 'utf16le'), /: this looks like UTF-16LE text without a byte-order mark \(every other byte is 0\): convert it to UTF-8 first \(iconv -f UTF-16LE -t UTF-8 \S+utf16le\.json > converted\.json\)$/],
    ['utf32le', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('{}')]), /: this is UTF-32LE text .*iconv -f UTF-32LE -t UTF-8 \S+utf32le\.json > converted\.json\)$/],
    // Chinese without a mark, few bytes 0, on one line (minified): it was "invalid UTF-8 at byte 2 … iconv -f WINDOWS-1252"
    ['utf16le-zh', Buffer.from(JSON.stringify({ architectures: ['MistralForCausalLM'], note: '中文的说明，上面的字。'.repeat(400) }), 'utf16le'),
      /: this looks like UTF-16LE text without a byte-order mark \(its spaces, digits and punctuation are UTF-16LE's, and it reads as UTF-16LE text throughout\)/],
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

// a tokenizer.json or config.json cut inside a character (a partial download or copy) was told "invalid UTF-8 … iconv -f
// WINDOWS-1252", which would garble it; bytes that are not UTF-8 before its end keep that advice
test('a JSON file that ends inside a UTF-8 character is said to be cut short, not to convert from Windows-1252', () => {
  const dir = tempDir('mt-json-cut-');
  const cut = (name: string, bytes: Buffer): string => {
    const file = path.join(dir, `${name}.json`);
    fs.writeFileSync(file, bytes);
    return file;
  };
  const start = Buffer.from('{\n  "merges": ["a b"],\n  "x": "');
  for (const [name, end] of [['euro', [0xe2, 0x82]], ['emoji', [0xf0, 0x9f, 0x98]], ['lf', [0xe2, 0x82, 0x0a]], ['crlf', [0xc3, 0x0d, 0x0a]]] as const) {
    const file = cut(name, Buffer.concat([start, Buffer.from(end)]));
    // a lone lead byte, the file's one byte that is not ASCII, is as much a Latin-1 letter that ends it: said too
    const latin1 = name === 'crlf' ? " — or it is Windows-1252 text ending in 'Ã' (its one byte that is not ASCII): convert it, iconv -f WINDOWS-1252 -t UTF-8" : '';
    assert.throws(() => readJsonFile(file), { message: `${file}:3: the file ends inside a UTF-8 character (byte 9 of line 3 begins one, whose other ` +
      `bytes are missing): cut short? An incomplete download or copy: download or copy it again${latin1}` }, name);
  }
  // after text that is UTF-8 and not ASCII, a lone lead byte is a cut character only
  const utf8 = cut('utf8-before', Buffer.concat([Buffer.from('{"a": "é",\n"b": "'), Buffer.from([0xe9])]));
  assert.throws(() => readJsonFile(utf8), { message: `${utf8}:2: the file ends inside a UTF-8 character (byte 7 of line 2 begins one, whose other ` +
    'bytes are missing): cut short? An incomplete download or copy: download or copy it again' });
  // the character's bytes go on past it, or lines follow it: not where the file ends
  for (const [name, end] of [['mid', [0xe2, 0x82, 0x22, 0x7d]], ['lines-after', [0xe2, 0x82, 0x0a, 0x0a]], ['latin1', [0xe9, 0x22, 0x7d]]] as const) {
    const file = cut(name, Buffer.concat([start, Buffer.from(end)]));
    assert.throws(() => readJsonFile(file), /:3: invalid UTF-8 at byte 9 of line 3: .*iconv -f WINDOWS-1252/, name);
  }
});

// JSON.parse reads any depth, but what reads a value after it recursed: config.json's eos_token_id or generation_config.json's
// num_beams nested 100,000 deep died in JSON.stringify, a tokenizer.json normalizer Sequence of Sequences in the growth
// check: "RangeError: Maximum call stack size exceeded" with a stack trace, from generate, eval, prepare and train
test('a model folder\'s JSON nested past 127 arrays and objects is one line at its file:line:column; 127 still reads', () => {
  const dir = tempDir('mt-json-deep-');
  const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);
  const flat = path.join(dir, 'flat.json');
  fs.writeFileSync(flat, `{"a": ${nested(126)}}`); // 127 with the object
  assert.equal(JSON.stringify(readJsonFile(flat)), `{"a":${nested(126)}}`);
  const deep = (file: string, at = String.raw`\d+:\d+`): { message: RegExp } => ({ message: new RegExp(`^${literal(file)}:${at}: arrays and objects nested more than 127 deep: ` +
    "Hugging Face tokenizers' reader refuses that \\(it stops at 128; Python's json near 1,000\\), and no model file comes near it; the file is damaged or not what it is named$") });
  fs.writeFileSync(flat, `{"a": ${nested(127)}}`);
  assert.throws(() => readJsonFile(flat), deep(flat, '1:133')); // the 128th bracket
  const withKey = (file: string, key: string, value: string): void => {
    fs.writeFileSync(file, JSON.stringify({ ...(JSON.parse(fs.readFileSync(file, 'utf8')) as object), [key]: '@' }, null, 2).replace('"@"', value));
  };
  const model = path.join(dir, 'model');
  fs.cpSync(TINY_BASE, model, { recursive: true });
  withKey(path.join(model, 'config.json'), 'eos_token_id', nested(100_000));
  assert.throws(() => loadConfig(model), deep(path.join(model, 'config.json')));
  withKey(path.join(model, 'generation_config.json'), 'num_beams', nested(100_000));
  assert.throws(() => readGenerationConfig(model), deep(path.join(model, 'generation_config.json')));
  const tokenizer = path.join(dir, 'tokenizer');
  fs.cpSync(path.join(FIXTURES, 'tekken-tiny'), tokenizer, { recursive: true });
  withKey(path.join(tokenizer, 'tokenizer.json'), 'normalizer', '{"type": "Sequence", "normalizers": ['.repeat(50_000) + ']}'.repeat(50_000));
  assert.throws(() => loadTokenizer(tokenizer), deep(path.join(tokenizer, 'tokenizer.json')));
});
