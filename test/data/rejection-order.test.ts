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

test('many late rejections (a file of stray "[" lines, each rejected at its end) are held in bounded memory, and still come out in line order', () => {
  const scratch = path.join(dir, 'held-late.jsonl');
  const out = new OutFile(path.join(dir, 'late.jsonl'));
  const r = new RejectionOrder(out, scratch, 1000);
  let most = 0;
  const write = (line: number, holding: boolean): void => {
    r.write(line, `${JSON.stringify({ line })}\n`, holding);
    most = Math.max(most, r.inMemory);
  };
  // lines 1, 3, 5, … 3999 are stray "[" lines, each with a record rejected after it; the reader rejects the "[" lines at
  // the end of the file, in line order, then 5 of them again out of line order (another reader's order: merged)
  for (let l = 2; l <= 4000; l += 2) write(l, true);
  for (let l = 1; l < 4000; l += 2) write(l, true);
  for (const l of [3001, 11, 2001, 1, 3999]) write(l, true);
  r.flush();
  write(5000, false);
  out.commit();
  r.discard();
  const lines = fs.readFileSync(path.join(dir, 'late.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { line: number }).line);
  const expected: number[] = [];
  for (let l = 1; l <= 4000; l++) expected.push(...(l % 2 === 1 && [3001, 11, 2001, 1, 3999].includes(l) ? [l, l] : [l]));
  expected.push(5000);
  assert.deepEqual(lines, expected);
  // each rejection is 13 characters or so: at most 1000 characters of each kind in memory, never the 2000 late ones
  assert.ok(most <= 2 * (1000 / 12 + 1), `${most} rejections were in memory at once`);
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('held-late')), []); // the scratch files are removed once written
});

test('a write of rejected.jsonl that fails (a full disk) while held and late rejections are read back from scratch files leaves none of them behind', () => {
  const scratch = path.join(dir, 'held-full.jsonl');
  const out = new OutFile(path.join(dir, 'full.jsonl'));
  const r = new RejectionOrder(out, scratch, 100);
  for (let l = 2; l <= 200; l += 2) r.write(l, `${JSON.stringify({ line: l })}\n`, true);
  for (let l = 1; l < 200; l += 2) r.write(l, `${JSON.stringify({ line: l })}\n`, true);
  assert.ok(fs.readdirSync(dir).filter((n) => n.includes('held-full')).length >= 2, 'both kinds spilled to scratch files');
  let writes = 0;
  out.write = (): void => {
    if (++writes > 3) throw new Error('ENOSPC: no space left on device, write');
  };
  assert.throws(() => r.flush(), /ENOSPC/);
  r.discard();
  out.discard();
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n.includes('held-full') || n.includes('full.jsonl')), []);
});
