// NearDupIndex on log lines (a shared format, a unique id, number and path in each): every line lands in the band
// buckets of every other (estimates 0.6–0.8, exact Jaccard below 0.8), so the bands read a share of all the lines
// before each query. The work is counted, not timed: per query, over lines 15k–20k, the entries read to find the
// candidates and the candidates compared (before the PrefixFilter's switch on recent work and its short heads:
// about 1,190 entries and 14 candidates a query, rising with the lines; with the switch alone, 1,150 and 1.9; with
// both, 220 and 2.7, still rising slowly: the heads' 16-bit lists grow with the lines).
// Files that share a licence header are each confirmed against the first: read back once, not once a file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NearDupIndex } from '../../src/data/near-dedup.ts';
import { logLine } from './near-dedup-inputs.ts';

test('NearDupIndex on 20k log lines: the entries read and the candidates compared per query stay a few hundred and a few', () => {
  const n = 20_000;
  const lines = Array.from({ length: n }, (_, i) => logLine(i));
  const idx = new NearDupIndex(0.8);
  let read = 0, candidates = 0;
  for (let i = 0; i < n; i++) {
    if (i === (3 * n) / 4) ({ entriesRead: read, candidates } = idx.stats);
    assert.equal(idx.check([lines[i]!], i, (j) => [lines[j]!]), null, `line ${i} is no near duplicate`);
  }
  const perQuery = (idx.stats.entriesRead - read) / (n / 4), comparedPerQuery = (idx.stats.candidates - candidates) / (n / 4);
  assert.ok(perQuery < 400, `${perQuery.toFixed(1)} entries read a query over lines ${(3 * n) / 4}–${n}`);
  assert.ok(comparedPerQuery < 5, `${comparedPerQuery.toFixed(1)} candidates compared a query over lines ${(3 * n) / 4}–${n}`);
});

test('NearDupIndex on 2k files that share a licence header: the kept one they all match is read back once, not once a file', () => {
  const header = '/*\n * copyright (c) 2020 the example authors. all rights reserved.\n * licensed under the apache license, version 2.0 (the "license");\n * you may not use this file except in compliance with the license.\n * you may obtain a copy of the license at http://www.apache.org/licenses/license-2.0\n */\n';
  const files = Array.from({ length: 2000 }, (_, i) => `${header}export function f${i}(x: number): number {\n  return x * ${i % 97} + ${i};\n}\n`);
  const idx = new NearDupIndex(0.8);
  let readBack = 0;
  const matched = files.map((f, i) => idx.check([f], i, (j) => { readBack++; return [files[j]!]; })?.index ?? null);
  assert.deepEqual(matched, [null, ...Array.from({ length: files.length - 1 }, () => 0)]);
  assert.ok(readBack <= 2, `the kept file read back ${readBack} times`);
});
