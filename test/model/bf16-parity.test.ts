// The HF forward parity in bf16 on the CPU at `npm test` time: test/model/forward-parity.test.ts run again
// with MISTRAL_TUNE_TEST_PRECISION=bf16 (the bf16 column of test/backend/device.ts), as the GPU suite runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeArgsFor } from '../node-args.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

test('forward-parity.test.ts passes with MISTRAL_TUNE_TEST_PRECISION=bf16', () => {
  // without NODE_TEST_CONTEXT (set by the runner around us) the child reports in TAP, not to our runner
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...nodeArgsFor('test/model/forward-parity.test.ts')], {
    cwd: ROOT, encoding: 'utf8', env: { ...env, MISTRAL_TUNE_TEST_PRECISION: 'bf16', MISTRAL_TUNE_TEST_DEVICE: 'cpu' },
  });
  assert.equal(r.status, 0, r.stdout.slice(-4000) + r.stderr);
  assert.match(r.stdout, /\[bf16\]/, 'the tests ran in bf16');
  assert.match(r.stdout, /# fail 0/);
});
