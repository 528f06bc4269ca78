// An integer flag given digits past 2^53 − 1 (`--seed 18446744073709551616`, `--max-new-tokens 9007199254740993`)
// is refused as too large, not as "not a positive integer", which it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intOption, portOption } from '../../src/cli/args.ts';

test('intOption: digits past 2^53 − 1 are named as too large; other bad values keep their own words', () => {
  // before: "--seed must be an integer ≥ 0, got "18446744073709551616"": an integer ≥ 0 is what was given
  assert.throws(() => intOption('seed', '18446744073709551616', 0, 0), { message: '--seed must be at most 2^53 − 1, got "18446744073709551616"' });
  assert.throws(() => intOption('max-new-tokens', '9007199254740993', 256), { message: '--max-new-tokens must be at most 2^53 − 1, got "9007199254740993"' });
  assert.equal(intOption('max-new-tokens', '9007199254740991', 256), 9007199254740991);
  assert.throws(() => intOption('seed', '-18446744073709551616', 0, 0), { message: '--seed must be an integer ≥ 0, got "-18446744073709551616"' });
  assert.throws(() => intOption('seed', '1e400', 0, 0), { message: '--seed must be an integer ≥ 0, got "1e400"' });
  assert.throws(() => portOption('99999999999999999999'), /--port must be an integer from 0 to 65535/);
});
