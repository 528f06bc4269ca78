// Lists in prepare's messages (classes, files) are cut as every list in a message is (bounded-json.ts's
// boundedItemsText): the first few named, each itself cut, and a count of the rest. A class name of a megabyte (a text
// column taken for the labels) was echoed whole, in every warning that named it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classWarnings, untrainedClassWarning } from '../../src/data/label-warnings.ts';
import { formatsOf } from '../../src/data/ingest/read.ts';
import { FLAG_WORDS } from '../../src/util/option-words.ts';
import { isUserError } from '../../src/util/errors.ts';
import { detectRecord } from '../../src/data/record.ts';
import { tokenClassificationRefusal } from '../../src/data/token-tags.ts';
import { emptyListNote, recordListsNote, refuseTableLayouts } from '../../src/data/ingest/json-layout.ts';
import { ReadTally } from '../../src/data/read-tally.ts';

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

// JSON keys named in the messages of data that is no record: each was quoted whole (a megabyte key printed whole), the
// rest said "…" without how many
test('a record of no known shape names its first keys, each cut, and how many more', () => {
  const keys = Object.fromEntries([HUGE, ...MANY].map((k) => [k, 1]));
  const r = detectRecord(keys, 'generation') as { reason: string; detail: string };
  assert.match(r.detail, /\(keys: "x+…" \(1048576 characters\), "c0", .*"c6" and 43 more\)/);
  assert.ok(r.detail.length < 2000, `${r.detail.length} characters`);
});

test('token-classification data names its tag keys cut, and how many more', () => {
  const v: Record<string, unknown> = { tokens: ['EU', 'rejects'], [HUGE]: [1, 2], ...Object.fromEntries(MANY.map((k) => [k, [0, 0]])) };
  const r = tokenClassificationRefusal(v)!;
  assert.match(r.detail, /tag per token in "x+…" \(1048576 characters\), "c0", "c1" and 48 more\): token classification/);
  assert.ok(r.detail.length < 1000, `${r.detail.length} characters`);
});

test('a JSON object that is no record: its keys, columns and lists named cut, and how many more', () => {
  const said = (fn: () => void): string => {
    try {
      fn();
    } catch (e) {
      return (e as Error).message;
    }
    return '';
  };
  const byColumn = Object.fromEntries([HUGE, ...MANY].map((k) => [k, ['a b', 'c d']]));
  const table = said(() => refuseTableLayouts(byColumn, 'f.json:1'));
  assert.match(table, /a table by column \(each of "x+…" \(1048576 characters\), "c0", "c1", "c2" and 47 more columns a list of 2 values/);
  const tagged = said(() => refuseTableLayouts(Object.fromEntries([HUGE, ...MANY].map((k) => [k, ['a', 'b']])), 'f.json:1'));
  assert.match(tagged, /each of "x+…" \(1048576 characters\), "c0", "c1", "c2" and 47 more lists a list of 2/);
  const keyed = recordListsNote([], Object.fromEntries([HUGE, ...MANY].map((k) => [k, { text: 'a record' }])), 'f.json')!;
  assert.match(keyed, /holds records keyed by id \("x+…" \(1048576 characters\), "c0", "c1" and 48 more keys\)/);
  const empty = emptyListNote([HUGE, ...MANY].map((key) => ({ key, kind: 'empty', line: 1, char: 0 })), Object.fromEntries([HUGE, ...MANY].map((k) => [k, []])))!;
  assert.match(empty, /^no records: the file's one object holds the lists "x+…" \(1048576 characters\), "c0", "c1", "c2" and 47 more lists, all empty$/);
  const lists = recordListsNote([HUGE, ...MANY].map((key) => ({ key, kind: 'records', line: 1, char: 0 })), undefined, 'f.json')!;
  assert.match(lists, /holds lists of records \("x+…" \(1048576 characters\), "c0", .*"c6" and 43 more\): save/);
  for (const m of [table, tagged, keyed, empty]) assert.ok(m.length < 2000, `${m.length} characters`);
});

test('prepare\'s tally of pairs without input and of numbers read as text names the first three and counts the rest', () => {
  const tally = new ReadTally();
  for (let i = 0; i < 5; i++) tally.count({ layout: 'instruction_pairs', noInput: { key: 'input', text: `n/a${i}` }, stringified: { key: `k${i}`, text: '42' } } as Parameters<ReadTally['count']>[0]);
  const lines = tally.warnings('text', FLAG_WORDS);
  assert.ok(lines.some((l) => /stands for none \("input" "n\/a0" 1, "input" "n\/a1" 1, "input" "n\/a2" 1 and 2 more\)/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /where text is expected \("k0" 1, e\.g\. 42; "k1" 1, e\.g\. 42; "k2" 1, e\.g\. 42 and 2 more\)/.test(l)), lines.join('\n'));
});
