// Class names one edit apart ("positive" and "postive") found in a classification set's labels are named in a
// warning, as classes differing only in case are: each is a class of its own, trained on and scored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classWarnings } from '../../src/data/labels.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';

const typoLines = (labels: string[]): string[] => classWarnings(new Set(labels), labels, true, FLAG_WORDS).filter((w) => w.includes('one letter'));

test('classWarnings: classes one letter apart (changed, added, dropped, two swapped) are named as a likely typo', () => {
  // before: "postive" beside "positive" made a sixth class without a word
  assert.deepEqual(typoLines(['negative', 'neutral', 'positive', 'postive']), [
    'classes "positive" and "postive" differ by one letter: a typo? They are separate classes (give --labels to reject the misspelt one as unknown_label, or fix the data)',
  ]);
  assert.equal(typoLines(['neutral', 'nuetral']).length, 1, 'two neighbours swapped');
  assert.equal(typoLines(['positive', 'positives']).length, 1, 'a letter added');
  assert.equal(typoLines(['positive', 'posotive']).length, 1, 'a letter changed');
  assert.equal(typoLines(['Positive', 'postive']).length, 1, 'compared without case');
});

test('classWarnings: distinct words, short names, numbered names and case-only variants are no typo', () => {
  assert.deepEqual(typoLines(['negative', 'neutral', 'positive']), []);
  assert.deepEqual(typoLines(['cat', 'car', 'pos', 'pot']), [], 'short names one letter apart are words');
  assert.deepEqual(typoLines(['class1', 'class2', 'LABEL_0', 'LABEL_1']), [], 'numbered on purpose');
  assert.deepEqual(typoLines(['Negative', 'negative']), [], 'said as a case difference instead');
  assert.deepEqual(typoLines(['female', 'male', 'formal', 'informal']), [], 'two letters apart');
  assert.deepEqual(typoLines(['sports', 'spotrs2']), []);
});
