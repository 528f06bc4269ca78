// NearDupIndex's PrefixFilter switch (prefix-switch.ts): on while the bands read many entries for the queries' size
// (log lines, each in the band buckets of most earlier ones), off again when they read few (paragraphs of free
// text, which hardly meet in the bands: hashing them for the filter cost six times their query), and never on for
// long two-part records whose bands meet a fair share of the earlier ones. The work is counted (stats.hashed: the
// queries whose shingle hashes were made to find candidates), not timed; the matches are the same whether the filter
// is used always, never, or as the switch says.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NearDupIndex } from '../../src/data/near-dedup.ts';
import { PrefixSwitch } from '../../src/data/prefix-switch.ts';
import { Rng } from '../../src/util/rng.ts';
import { logLine, madeUpWord, paragraph } from './near-dedup-inputs.ts';
import { nearMatchLines } from './near-matches.ts';

test('NearDupIndex: the PrefixFilter on for log lines, off for paragraphs and chats, on again for log lines; the same matches always, never and switched', () => {
  const rng = new Rng(5);
  // blocks of the switch's window (1,024 queries); 1 record in 40 is a light edit of an earlier one of any block
  const blocks: Array<[string, number, () => string[]]> = [];
  let line = 0;
  blocks.push(['log lines', 5120, () => [logLine(line++)]]);
  blocks.push(['paragraphs', 2048, () => [paragraph(rng, 60 + rng.below(60))]]);
  blocks.push(['chats', 1024, () => [`what is the capital of ${madeUpWord(rng)}? please answer briefly.`, paragraph(rng, 40 + rng.below(40))]]);
  blocks.push(['log lines again', 2048, () => [logLine(line++)]]);
  const records: string[][] = [];
  const blockOf: number[] = [];
  blocks.forEach(([, n, make], b) => {
    for (let i = 0; i < n; i++, blockOf.push(b)) {
      if (records.length > 0 && rng.below(40) === 0) records.push(records[rng.below(records.length)]!.map((p) => `${p.replace(/a/, 'e')} `));
      else records.push(make());
    }
  });
  const skip = (r: number): boolean => r % 7 === 3;
  const hashed = [0, 0, 0, 0]; // per block, and over the second half of each
  const hashedLate = [0, 0, 0, 0];
  const auto = new NearDupIndex(0.8);
  let before = 0;
  const switched = nearMatchLines(auto, records, skip, (i) => {
    const b = blockOf[i]!, made = auto.stats.hashed - before;
    before = auto.stats.hashed;
    hashed[b] += made;
    if (blockOf[i - blocks[b]![1] / 2] === b) hashedLate[b] += made;
  });
  const always = nearMatchLines(new NearDupIndex(0.8, 'auto', undefined, 'auto', undefined, 'always'), records, skip);
  const never = nearMatchLines(new NearDupIndex(0.8, 'auto', undefined, 'auto', undefined, 'never'), records, skip);
  const dropped = never.filter((m) => !m.endsWith('-')).length;
  assert.ok(dropped > 150, `${dropped} dropped`);
  assert.deepEqual(always, never, 'the PrefixFilter for every query');
  assert.deepEqual(switched, never, 'the PrefixFilter as the switch says');
  assert.ok(hashed[0]! > 500, `log lines: ${hashed[0]} queries hashed (the filter on)`);
  assert.equal(hashedLate[1], 0, 'paragraphs, second half: the filter off');
  assert.equal(hashed[2], 0, 'chats: the filter off');
  assert.ok(hashedLate[3]! > 500, `log lines again, second half: ${hashedLate[3]} queries hashed (the filter on)`);
});

test('NearDupIndex: long two-part records whose completions share 70% of their words: the PrefixFilter stays off', () => {
  const rng = new Rng(9);
  const base = Array.from({ length: 150 }, () => madeUpWord(rng));
  const records = Array.from({ length: 3072 }, () => [`what is the capital of ${madeUpWord(rng)}?`, base.map((w) => (rng.below(100) < 30 ? madeUpWord(rng) : w)).join(' ')]);
  const idx = new NearDupIndex(0.8);
  nearMatchLines(idx, records, () => false);
  assert.ok(idx.stats.bandEntries > 256 * records.length, `${(idx.stats.bandEntries / records.length).toFixed(0)} band entries a query (the bands meet many)`);
  assert.equal(idx.stats.hashed, 0, 'no query hashed for the filter');
});

test('NearDupIndex: records that share a long preamble, served by the ShingleBound: the PrefixFilter stays off (the hashes are made for the bound anyway, and the bound leaves in fewer)', () => {
  const rng = new Rng(13);
  const preamble = 'you are a careful assistant that answers questions about a company handbook. read the question, find the relevant policy, and answer in plain language. if the handbook does not cover the question, say so and suggest whom to ask. do not invent policies, numbers or names. keep answers under one hundred words, use the second person, and end with the section number you relied on. question follows after the colon: ';
  const records = Array.from({ length: 2048 }, () => [preamble + paragraph(rng, 10)]);
  const idx = new NearDupIndex(0.8);
  nearMatchLines(idx, records, () => false);
  assert.ok(idx.stats.bandEntries > 1000 * records.length, `${(idx.stats.bandEntries / records.length).toFixed(0)} band entries a query (each meets most)`);
  assert.equal(idx.stats.viaPrefixes, 0, 'queries whose candidates the PrefixFilter gave');
});

test('PrefixSwitch: blocks of a window each, log lines and paragraphs in turn: on for most log-line windows, not one window late every time (the log lines through the bands, the paragraphs hashed)', () => {
  const sw = new PrefixSwitch();
  const window = (entriesPerChar: number): boolean => {
    const on = sw.on; // what the window's queries use
    for (let q = 0; q < 1024; q++) sw.note(110 * entriesPerChar, 110);
    return on;
  };
  for (let w = 0; w < 5; w++) window(8); // log lines: on
  let logWindowsOn = 0;
  for (let w = 0; w < 40; w++) {
    window(0.1); // paragraphs
    if (window(8)) logWindowsOn++;
  }
  assert.ok(logWindowsOn >= 35, `${logWindowsOn} of 40 log-line windows with the filter on`);
});

test('NearDupIndex: once the PrefixFilter budget is full, the switch serves no query: the later log lines are not hashed, and the matches are the same', () => {
  // 6k log lines switch the filter on after 4k; room for 1,000 prefix tokens (about 30 lines): each later line would
  // be a candidate of every query the filter serves, so the bands serve them, and hashing them is wasted
  const lines = Array.from({ length: 6000 }, (_, i) => logLine(i % 5000));
  const roomy = new NearDupIndex(0.8, 'auto', undefined, 'auto', undefined, 'auto');
  nearMatchLines(roomy, lines.map((l) => [l]), () => false);
  assert.ok(roomy.stats.viaPrefixes > 1000, 'the switch goes on for these lines');
  const full = new NearDupIndex(0.8, 'auto', undefined, 'auto', undefined, 'auto', 1000);
  const matches = nearMatchLines(full, lines.map((l) => [l]), () => false);
  // the budget fills as the lines so far are posted, in the query that turns the switch on: none is hashed
  assert.equal(full.stats.hashed, 0, 'lines hashed with the budget full');
  assert.deepEqual(matches, nearMatchLines(new NearDupIndex(0.8, 'auto', undefined, 'auto', undefined, 'never'), lines.map((l) => [l]), () => false));
});

test('NearDupIndex: when the PrefixFilter budget fills while the slots added with the switch off are posted, the rest are not read back to be refused', () => {
  // no shingle hashes kept (hash budget 0): posting a slot reads its record back (prepare: from its spool). The switch
  // goes on at line 4,096 with room for about 30 lines: the other 4,000 were each read back, hashed and refused, for a
  // filter that serves no query once full
  const lines = Array.from({ length: 6000 }, (_, i) => logLine(i % 5000));
  const idx = new NearDupIndex(0.8, 'auto', 0, 'auto', undefined, 'auto', 1000);
  const kept: number[] = [];
  let reads = 0, most = 0;
  const matches = lines.map((l, i) => {
    const before = reads;
    const m = idx.check([l], kept.length, (j) => (reads++, [lines[kept[j]!]!]));
    if (!m) kept.push(i);
    most = Math.max(most, reads - before);
    return m ? `${i} ${kept[m.index]} ${m.similarity}` : `${i} -`;
  });
  assert.ok(most < 200, `${most} records read back in one query`);
  assert.deepEqual(matches, nearMatchLines(new NearDupIndex(0.8, 'auto', 0, 'auto', undefined, 'never'), lines.map((l) => [l]), () => false));
});
