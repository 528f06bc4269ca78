// resolveEvalTarget's refusals of flags that do not go together: one phrasing each, naming the flags and what to give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requireOneNamePerClass, resolveEvalTarget } from '../../src/eval/target.ts';
import { TINY_BASE } from '../helpers.ts';

test('--best without --run says once that it needs a run folder', () => {
  assert.throws(() => resolveEvalTarget({ model: TINY_BASE, best: true }),
    { message: '--best needs --run RUN_DIR: it picks the best/ weights of that training run' });
});

test('too few or too many class names for the head say how many to give (they said only that the counts differ)', () => {
  assert.throws(() => requireOneNamePerClass(['a', 'b'], 7, '--labels'),
    { name: 'UserError', message: '--labels: 2 class names for a head that scores 7 classes: give 7, one per class in index order' });
  assert.throws(() => requireOneNamePerClass(['a', 'b'], 3, 'runs/x/config.yaml: labels'),
    { name: 'UserError', message: 'runs/x/config.yaml: labels: 2 class names for a head that scores 3 classes: give --labels with 3, one per class in index order' });
  requireOneNamePerClass(['a', 'b', 'c'], 3, '--labels');
});
