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

test('a name of 3 letters or fewer is at most one edit off: two would leave one letter of it in place', () => {
  // "gpu" suggested AdamW's "eps", a chat role "sep" suggested "user" (two edits each)
  assert.equal(didYouMean('gpu', ['lr', 'betas', 'eps', 'weight_decay']), null);
  assert.equal(didYouMean('sep', ['system', 'user', 'assistant']), null);
  assert.equal(didYouMean('eps', ['lr', 'betas', 'epss']), 'epss');
  assert.equal(didYouMean('usr', ['system', 'user']), 'user');
});
