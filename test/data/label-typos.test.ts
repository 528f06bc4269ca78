// Class names one edit apart ("positive" and "postive") found in a classification set's labels are named in a
// warning, as classes differing only in case are: each is a class of its own, trained on and scored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classWarnings } from '../../src/data/label-warnings.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';

/** At most 5 pairs and a count of the rest. */
const TYPO_LINES_AT_MOST = 6;
const typoLines = (labels: string[]): string[] => classWarnings(new Set(labels), labels, true, FLAG_WORDS).filter((w) => w.includes('one letter'));

test('classWarnings: classes one letter apart (changed, added, dropped, two swapped) are named as a likely typo', () => {
  // before: "postive" beside "positive" made a sixth class without a word
  assert.deepEqual(typoLines(['negative', 'neutral', 'positive', 'postive']), [
    'classes "positive" and "postive" differ by one letter: a typo? They are separate classes (give --labels to reject the misspelt one as unknown_label, or fix the data)',
  ]);
  assert.equal(typoLines(['neutral', 'nuetral']).length, 1, 'two neighbours swapped');
  assert.equal(typoLines(['positive', 'possitive']).length, 1, 'a letter added');
  assert.equal(typoLines(['positive', 'positiv']).length, 1, 'a letter dropped');
  assert.equal(typoLines(['intent_positive', 'intent_postive']).length, 1, 'within a part of the name');
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

test('classWarnings: a difference that is a whole short part of the name, an inflection or a series is no typo', () => {
  // before: class_a … class_z gave 325 warnings, and each pair below one
  const letters = [...'abcdefghijklmnopqrstuvwxyz'];
  assert.deepEqual(typoLines(letters.map((c) => `class_${c}`)), []);
  for (const pair of [['sport', 'sports'], ['approve', 'approved'], ['alarm_set', 'alarm_get'], ['B-PER', 'I-PER'], ['fra_Latn', 'fry_Latn'],
    ['music.play', 'music.pause'], ['alarm_set', 'alarm-set'], ['alarmset', 'alarm_set']]) {
    assert.deepEqual(typoLines(pair), [], pair.join('/'));
  }
});

test('classWarnings: many typo pairs are said in a few lines, and thousands of classes in one character neither crash nor flood', () => {
  // 12 misspelt words, each beside its correct form (two neighbours swapped): 5 lines, then a count
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echoes', 'foxtrot', 'golfer', 'hotels', 'indigo', 'juliet', 'kilos', 'limas'].map((w) => `${w}word`);
  const swapped = words.map((w) => `${w.slice(0, 2)}${w[3]}${w[2]}${w.slice(4)}`);
  const lines = typoLines([...words, ...swapped]);
  assert.equal(lines.length, 6);
  assert.equal(lines[5], 'and 7 more pairs of classes that differ by one letter');
  // before: 600 classes "class" + one CJK character threw RangeError (a spread of 179,700 warnings into push)
  const cjk = Array.from({ length: 600 }, (_, i) => `class${String.fromCodePoint(0x4e00 + i)}`);
  assert.ok(classWarnings(new Set(cjk), cjk, true, FLAG_WORDS).length <= TYPO_LINES_AT_MOST);
});

test('classWarnings: a class name of a megabyte (a text column taken for the labels) is checked in one pass and named cut', () => {
  // before: each name's texts with one character deleted were built, the square of its length (16,000 characters took 23 s)
  const long = 'x'.repeat(1 << 20), lines = typoLines([`${long}a`, `${long}b`, 'positive']);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^classes "x+…" \(1048577 characters\) and "x+…" \(1048577 characters\) differ by one letter/);
  assert.ok(lines[0]!.length < 1000, `${lines[0]!.length} characters`);
});

test('classWarnings: a class name with a no-break space is quoted in a typo warning as in every class warning, the space spelled', () => {
  // before: "very positive" with the no-break space as it is, where the other class warnings spell it \u00a0
  assert.deepEqual(typoLines(['very\u00a0positive', 'very\u00a0postive']), [
    'classes "very\\u00a0positive" and "very\\u00a0postive" differ by one letter: a typo? They are separate classes (give --labels to reject the misspelt one as unknown_label, or fix the data)',
  ]);
});
