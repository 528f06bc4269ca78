// MISTRAL_TUNE_CUDA_GEMM_TUNE's pieces without a GPU: the switch, and the choice among timed candidates
// (cuBLASLt's side, through the real bindings on the stand-in library: fake-libs.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventTimer, fastestCandidate, gemmTuneFromEnv, TUNE_REPS } from '../../../src/backend/cuda/gemm-tune.ts';
import { UserError } from '../../../src/util/errors.ts';

test('MISTRAL_TUNE_CUDA_GEMM_TUNE: 1 by default (also when empty), 0 takes the heuristic\'s first, anything else a one-line error naming the variable', () => {
  assert.equal(gemmTuneFromEnv({}), true);
  assert.equal(gemmTuneFromEnv({ MISTRAL_TUNE_CUDA_GEMM_TUNE: '' }), true);
  assert.equal(gemmTuneFromEnv({ MISTRAL_TUNE_CUDA_GEMM_TUNE: '1' }), true);
  assert.equal(gemmTuneFromEnv({ MISTRAL_TUNE_CUDA_GEMM_TUNE: '0' }), false);
  assert.throws(() => gemmTuneFromEnv({ MISTRAL_TUNE_CUDA_GEMM_TUNE: 'yes' }), (e: Error) => e instanceof UserError && /^MISTRAL_TUNE_CUDA_GEMM_TUNE=yes: expected 1/.test(e.message));
});

test('fastestCandidate: each candidate that runs is timed over TUNE_REPS runs after one untimed; one that fails is passed over; -1 when none runs', () => {
  const cost = [5, 2, Infinity, 1.5, 3]; // candidate 2 fails to run
  const runs: number[] = [];
  let clock = 0;
  const tryRun = (i: number): boolean => {
    if (cost[i] === Infinity) return false;
    runs.push(i);
    clock += cost[i]!;
    return true;
  };
  const time = (run: () => void): number => {
    const t0 = clock;
    run();
    return clock - t0;
  };
  const { best, ms } = fastestCandidate(cost.length, tryRun, time);
  assert.equal(best, 3);
  assert.deepEqual(ms, [5, 2, null, 1.5, 3]);
  assert.equal(runs.length, 4 * (1 + TUNE_REPS));
  assert.deepEqual(fastestCandidate(2, () => false, time), { best: -1, ms: [null, null] });
});

test('eventTimer: two events made once and reused, recorded around the work, the end waited for, their distance returned', () => {
  const calls: string[] = [];
  let made = 0;
  const driver = {
    eventCreate: () => BigInt(++made), eventDestroy: () => {},
    eventRecord: (e: bigint, s: bigint) => { calls.push(`record ${e} on ${s}`); },
    eventSynchronize: (e: bigint) => { calls.push(`sync ${e}`); },
    eventElapsed: (a: bigint, b: bigint) => { calls.push(`elapsed ${a} ${b}`); return 0.25; },
  };
  const time = eventTimer(driver, 9n);
  assert.equal(time(() => calls.push('work')), 0.25);
  assert.equal(time(() => calls.push('work')), 0.25);
  assert.equal(made, 2);
  assert.deepEqual(calls.slice(0, 5), ['record 1 on 9', 'work', 'record 2 on 9', 'sync 2', 'elapsed 1 2']);
});
