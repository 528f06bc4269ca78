// HeldLines: the lines a reader looked at are given again before the rest, each line once, whether they were held
// or (a look past what is held) the file is read again from its start.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { HeldLines } from '../../src/util/held-lines.ts';
import { tempDir } from '../temp-dir.ts';

const dir = tempDir('mt-held-lines-');
const file = path.join(dir, 'lines.txt');
fs.writeFileSync(file, 'one\ntwo\nthree\nfour\nfive\n');

/** The first `n` lines a look at `held` gives, the look then left. */
function look(held: HeldLines, n: number): string[] {
  const out: string[] = [];
  const it = held.look();
  for (let r = it.next(); r.done !== true && out.length < n; r = it.next()) out.push(r.value.text);
  it.return(undefined);
  return out;
}

test('the lines looked at are given again, then the rest: each line once, whether held or read again', () => {
  for (const holdBytes of [1 << 20, 9, 1]) {
    const held = new HeldLines(file, holdBytes);
    assert.deepEqual(look(held, 2), ['one', 'two'], `${holdBytes}`);
    assert.deepEqual(look(held, 4), ['one', 'two', 'three', 'four'], `${holdBytes}`);
    assert.deepEqual([...held.all()].map((l) => [l.lineNo, l.text]), [[1, 'one'], [2, 'two'], [3, 'three'], [4, 'four'], [5, 'five']], `${holdBytes}`);
  }
});
