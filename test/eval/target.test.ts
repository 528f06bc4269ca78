// resolveEvalTarget's refusals of flags that do not go together: one phrasing each, naming the flags and what to give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveEvalTarget } from '../../src/eval/target.ts';
import { TINY_BASE } from '../helpers.ts';

test('--best without --run says once that it needs a run folder', () => {
  assert.throws(() => resolveEvalTarget({ model: TINY_BASE, best: true }),
    { message: '--best needs --run RUN_DIR: it picks the best/ weights of that training run' });
});
