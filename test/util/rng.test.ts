// Rng's library entry points: a bad argument is one UserError naming the method and the argument, as the README
// promises for every library call; the draws themselves are unchanged by the check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.ts';
import { isUserError } from '../../src/util/errors.ts';

test('Rng.below refuses an n outside the integers 1..2^32 with a UserError naming it (was a plain Error; 1.5 drew 0.5)', () => {
  for (const [n, shown] of [[0, '0'], [-1, '-1'], [1.5, '1.5'], [2 ** 32 + 1, '4294967297'], [Number.NaN, 'NaN']] as const) {
    assert.throws(() => new Rng(1).below(n), (e: unknown) => isUserError(e) && e.message === `Rng.below: n is ${shown}: give an integer from 1 to 2^32`, String(n));
  }
  assert.throws(() => new Rng(1).below(undefined as unknown as number), (e: unknown) => isUserError(e) && e.message === 'Rng.below: n is missing: give an integer from 1 to 2^32');
  const r = new Rng(7);
  for (const n of [1, 2, 3, 1000, 2 ** 32]) {
    const x = r.below(n);
    assert.ok(Number.isInteger(x) && x >= 0 && x < n, `below(${n}) = ${x}`);
  }
});

test('shuffle draws as below does: Fisher–Yates over below(i + 1), from the end', () => {
  const a = Array.from({ length: 50 }, (_, i) => i);
  const want = [...a];
  const r = new Rng(3);
  for (let i = want.length - 1; i > 0; i--) {
    const j = r.below(i + 1);
    [want[i], want[j]] = [want[j]!, want[i]!];
  }
  assert.deepEqual(new Rng(3).shuffle(a), want);
});
