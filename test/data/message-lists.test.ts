// Lists in prepare's messages (classes, files) are cut as every list in a message is (bounded-json.ts's
// boundedItemsText): the first few named, each itself cut, and a count of the rest. A class name of a megabyte (a text
// column taken for the labels) was echoed whole, in every warning that named it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classWarnings, untrainedClassWarning } from '../../src/data/label-warnings.ts';
import { formatsOf } from '../../src/data/ingest/read.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { isUserError } from '../../src/util/errors.ts';

const HUGE = 'x'.repeat(1 << 20);
const MANY = Array.from({ length: 50 }, (_, i) => `c${i}`);

test('classWarnings: empty classes and classes alike but for case are named cut, a megabyte class name to its start', () => {
  const empty = classWarnings(new Set(['a', 'b']), ['a', 'b', HUGE, ...MANY], false, FLAG_WORDS);
  assert.match(empty[0]!, /^classes "x+…" \(1048576 characters\), "c0", .*"c8" and 41 more have no record in the kept data/);
  const alike = classWarnings(new Set([HUGE, HUGE.toUpperCase()]), [HUGE, HUGE.toUpperCase()], true, FLAG_WORDS);
  assert.match(alike[0]!, /^classes "x+…" \(1048576 characters\) and "X+…" \(1048576 characters\) differ only in case/);
  for (const w of [...empty, ...alike]) assert.ok(w.length < 2000, `${w.length} characters`);
});

test('untrainedClassWarning: each class named cut, its counts kept', () => {
  const counts = [new Map([['a', 9]]), new Map([[HUGE, 2], ...MANY.map((c) => [c, 1] as [string, number])]), new Map<string, number>()];
  const w = untrainedClassWarning(counts, ['a', HUGE, ...MANY], false, FLAG_WORDS)!;
  assert.match(w, /^classes "x+…" \(1048576 characters\) \(val 2\), "c0" \(val 1\), .*"c8" \(val 1\) and 41 more have records in val or test but none in train/);
  assert.ok(w.length < 2000, `${w.length} characters`);
});

test('formatsOf: the other input files that are not text are named, a long path cut in its middle, its file name kept', () => {
  const files = ['a.xlsx', `${'d/'.repeat(3000)}b.pdf`, ...Array.from({ length: 20 }, (_, i) => `f${i}.gz`)];
  assert.throws(() => formatsOf(files), (e: unknown) => isUserError(e) && e.message.length < 2000 &&
    /; 21 more input files are not text either: (d\/)+…(\/d)+\/b\.pdf \(6005 characters\), f0\.gz, f1\.gz, f2\.gz, f3\.gz and 16 more$/.test(e.message));
});
