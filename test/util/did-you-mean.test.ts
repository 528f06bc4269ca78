// didYouMean: the candidate a mistyped name meant, by an edit distance that counts two letters swapped as one edit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { didYouMean } from '../../src/util/did-you-mean.ts';

test('two letters swapped side by side are one edit: a swap is nearer than a name two letters apart, and a two-letter name swapped is met; far names still none', () => {
  // a swap was two edits (Levenshtein): no nearer than a name two letters changed (listed first, it won), and for a
  // name of two letters, all of them (never suggested)
  assert.equal(didYouMean('tpo', ['tip', 'top']), 'top');
  assert.equal(didYouMean('lr', ['rl', 'seed']), 'rl');
  assert.equal(didYouMean('bets', ['best', 'model', 'run']), 'best');
  assert.equal(didYouMean('lables', ['labels', 'task']), 'labels');
  assert.equal(didYouMean('trian', ['train', 'eval']), 'train');
  assert.equal(didYouMean('temprature', ['temperature', 'topP']), 'temperature');
  assert.equal(didYouMean('<<', ['r']), null);
  assert.equal(didYouMean('kitten', ['sitting']), null);
  assert.equal(didYouMean('xyz', ['abc']), null);
});
