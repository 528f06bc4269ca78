// The loader's batches are those it made before its per-row arrays became typed arrays: every config of the grid in
// loader-walks.ts (shuffle, length grouping, packing, dropLast, seeds, batch and group sizes; evaluations between
// batches; resumes from JSON positions), batch by batch, against test/fixtures/loader-walks.json (made at e22bfdc2).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { allWalks, WALKS_FILE, type WalkRecord } from './loader-walks.ts';

test('every config walks the batches, contents and positions of the loader before (160 configs, 3 epochs, resumes)', () => {
  const expected = JSON.parse(fs.readFileSync(WALKS_FILE, 'utf8')) as Record<string, WalkRecord>;
  const got = allWalks();
  assert.deepEqual(Object.keys(got), Object.keys(expected), 'the same configs');
  for (const [name, want] of Object.entries(expected)) {
    if (want.rows !== undefined) assert.equal(got[name]!.rows, want.rows, `${name}: the batches' rows`);
    assert.equal(got[name]!.sha256, want.sha256, `${name}: the batches' rows, contents, positions or resumes`);
  }
});
