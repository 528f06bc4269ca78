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
