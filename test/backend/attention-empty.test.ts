// Attention with zero queries (T = 0, e.g. a decode call with nothing new) returns at once with nothing
// written, as the per-head loop it replaced did: the KV-group blocks must not step by zero. Run in a
// child with a time limit, since a synchronous endless loop would hang the test runner itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { runnable, TS_LOADER } from '../node-args.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROGRAM = `
import { attentionForward, typescriptAttentionOps } from ${JSON.stringify(runnable('src/backend/cpu/kernels/attention.ts'))};
const gemm = () => { throw new Error('no GEMM expected for zero queries'); };
const s = { B: 1, T: 0, kvLen: 4, qOffset: 4, Hq: 4, Hkv: 2, D: 8, scale: 1, window: null };
attentionForward(new Float32Array(0), new Float32Array(0), new Float32Array(0), new Float32Array(4 * 2 * 8),
  new Float32Array(4 * 2 * 8), new Int32Array(4), s, typescriptAttentionOps(gemm));
console.log('returned');
`;

test('attention forward with zero queries returns without a GEMM (no endless block loop)', () => {
  const r = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', PROGRAM], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.signal, null, 'the call did not return within 20 s');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'returned');
});
