// Device choice: `--device cuda` where CUDA cannot start is one error line and exit 2 (through the real
// CLI); `--device auto` falls back to the CPU with one info line giving the reason; a backend that fails
// to start (a missing NVRTC, a CUDA error) is reported the same way. Needs `npm run build` (bin runs dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../../../src/backend/backend.ts';
import { CudaError } from '../../../src/backend/cuda/check.ts';
import { createBackend, withBackend } from '../../../src/backend/select.ts';
import { UserError } from '../../../src/util/errors.ts';
import { CUDA_GPU_HERE } from '../../cuda-here.ts';
import { TINY_BASE } from '../../helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = path.join(ROOT, 'bin', 'mistral-tune.js');
const DATA = path.join(ROOT, 'examples', 'tiny-eval.jsonl');

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });

test('eval --device cuda without CUDA: exit 2, one line naming what is missing and where it looked', { skip: CUDA_GPU_HERE }, () => {
  const r = cli('eval', '--model', TINY_BASE, '--data', DATA, '--device', 'cuda');
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, r.stderr);
  // and the way out on a machine without a GPU, where installing a driver is none (it said only that)
  assert.match(lines[0]!, /^error: device cuda: no CUDA driver: CUDA driver \(libcuda\.so\.1\) not found; looked in: .*LD_LIBRARY_PATH; to run on the CPU instead: device cpu, or auto \(CUDA where it starts\)$/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
});

test('eval --device auto without CUDA: runs on the CPU and says why in one line', { skip: CUDA_GPU_HERE }, () => {
  const r = cli('eval', '--model', TINY_BASE, '--data', DATA, '--device', 'auto', '--json');
  assert.equal(r.status, 0, r.stderr);
  const why = r.stderr.split('\n').filter((l) => l.startsWith('device auto:'));
  assert.equal(why.length, 1, r.stderr);
  assert.match(why[0]!, /^device auto: using the CPU \(no CUDA driver: CUDA driver \(libcuda\.so\.1\) not found; --device cuda lists where it looked\)$/);
  assert.ok(Number.isFinite((JSON.parse(r.stdout) as { loss: number }).loss));
});

test('createBackend: a probe that passes but a backend that fails to start is one line; auto falls back; cuda returns the backend', () => {
  const fake = { name: 'cuda' } as unknown as Backend;
  const ok = { probe: () => ({ available: true as const, device: { name: 'H200', totalBytes: 1, computeCapability: { major: 9, minor: 0 }, driverVersion: 13000, sharedPerBlock: 232448 }, driverFile: 'x' }), start: () => fake };
  assert.equal(createBackend('cuda', ok), fake);
  assert.equal(createBackend('auto', ok), fake);
  const broken = { ...ok, start: (): Backend => { throw new CudaError('cuStreamCreate', 2, 'CUDA driver: cuStreamCreate failed with 2 CUDA_ERROR_OUT_OF_MEMORY\nmore'); } };
  assert.throws(() => createBackend('cuda', broken), (e: Error) => e instanceof UserError
    && e.message === 'device cuda: CUDA did not start: CUDA driver: cuStreamCreate failed with 2 CUDA_ERROR_OUT_OF_MEMORY; to run on the CPU instead: device cpu, or auto (CUDA where it starts)');
  assert.equal(createBackend('auto', broken).name, 'cpu');
  const bug = { ...ok, start: (): Backend => { throw new TypeError('a bug'); } };
  assert.throws(() => createBackend('auto', bug), TypeError, 'a bug is not a reason to fall back');
  assert.throws(() => createBackend('gpu' as 'cuda'), /^UserError: createBackend: device is "gpu": give one of "cpu", "cuda", "auto"$/);
});

test('withBackend closes the backend after the work, and after a failure without hiding it behind a failing close', () => {
  const closes: string[] = [];
  const source = (closeFails: boolean) => ({
    probe: () => ({ available: true as const, device: { name: 'H200', totalBytes: 1, computeCapability: { major: 9, minor: 0 }, driverVersion: 13000, sharedPerBlock: 232448 }, driverFile: 'x' }),
    start: () => ({ name: 'cuda', close: () => { closes.push('closed'); if (closeFails) throw new Error('close failed'); } }) as unknown as Backend,
  });
  assert.equal(withBackend('cuda', (be) => `ran on ${be.name}`, source(false)), 'ran on cuda');
  assert.deepEqual(closes, ['closed']);
  assert.throws(() => withBackend('cuda', () => { throw new UserError('the work failed'); }, source(true)), /the work failed/);
  assert.deepEqual(closes, ['closed', 'closed']);
  assert.throws(() => withBackend('cuda', () => 1, source(true)), /close failed/, 'a failing close after good work is reported');
});
