// rejection-order.ts: rejections held while a JSON Lines "[" line is open come out in line order; a few are held in
// memory, and only many (past the bound) go to the scratch file, which is not made and removed again at every "]".
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { OutFile } from '../../src/data/out-file.ts';
import { RejectionOrder } from '../../src/data/rejection-order.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir();

/**
 * Writes the rejections of `steps` ([line, holding], a third item tagging it) through a RejectionOrder, flushing at `null`;
 * the lines written (a tagged one as `line:tag`), in order.
 */
function order(name: string, steps: ReadonlyArray<readonly [number, boolean, string?] | null>, scratch: string, memoryChars?: number): Array<number | string> {
  const out = new OutFile(path.join(dir, `${name}.jsonl`));
  const r = new RejectionOrder(out, scratch, memoryChars);
  try {
    for (const s of steps) {
      if (s === null) r.flush();
      else r.write(s[0], `${JSON.stringify({ line: s[0], tag: s[2] })}\n`, s[1]);
    }
    r.flush();
    out.commit();
  } finally {
    r.discard();
  }
  return fs.readFileSync(path.join(dir, `${name}.jsonl`), 'utf8').trim().split('\n').map((l) => {
    const { line, tag } = JSON.parse(l) as { line: number; tag?: string };
    return tag === undefined ? line : `${line}:${tag}`;
  });
}

test('rejections held while a "[" is open are written in line order, a stray "[" (rejected last) at its line', () => {
  const steps = [[1, false], [3, true], [4, true], [6, true], [2, true], [5, true], null, [8, false], [10, true], [9, false]] as const;
  assert.deepEqual(order('small', steps, path.join(dir, 'held-small.jsonl')), [1, 2, 3, 4, 5, 6, 8, 10, 9]);
});

test('a few held rejections at each of many "]" never make the scratch file (one made and removed per array was 20x slower)', () => {
  // the scratch file's folder does not exist: making it fails; before, the first held rejection made it
  const steps = Array.from({ length: 1000 }, (_, i) => [[4 * i + 2, true] as const, [4 * i + 4, false] as const]).flat();
  const lines = order('many-arrays', steps, path.join(dir, 'no-such-folder', 'held.jsonl'));
  assert.deepEqual(lines, steps.map((s) => s[0]));
});

test('past the memory bound the held rejections go to the scratch file, and still come out in line order, merged with the late ones', () => {
  const scratch = path.join(dir, 'held-big.jsonl');
  const steps: Array<readonly [number, boolean, string?] | null> = [[1, false]];
  for (let l = 3; l < 2000; l++) steps.push([l, true]);
  steps.push([2, true], [1000, true, 'late'], null, [3000, false]);
  const expected: Array<number | string> = [1, 2]; // the late one of line 1000 after the held one (in the order they came)
  for (let l = 3; l < 2000; l++) expected.push(l, ...(l === 1000 ? ['1000:late'] : []));
  expected.push(3000);
  assert.deepEqual(order('big', steps, scratch, 1000), expected);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('held-big')), []); // removed once written
});
