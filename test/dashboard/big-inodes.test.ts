// Inode numbers past 2^53 (Lustre, NFS, XFS inode64): the dashboard tells a metrics.jsonl or a run folder replaced by one
// of a neighbouring inode from the one it had, as the rest of the project does (bigint inodes): a Number rounds both to
// one, so the replaced file was "unchanged" (its rows never read) and the new folder never watched. The file system's
// inodes are mapped to large ones by a patched fs.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsModule from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { MetricsTail } from '../../src/dashboard/metrics-tail.ts';
import { PollPlan, type WatchFolder } from '../../src/dashboard/poll-plan.ts';
import { tempDir } from '../temp-dir.ts';

const BIG = 2n ** 57n; // Numbers 32 apart here: BIG + 1 and BIG + 2 are one Number

/** Runs `f` with the inodes of `paths` (as they are now) given by fs.statSync and fs.fstatSync as BIG + 1, BIG + 2, … */
function withBigInodes<T>(paths: string[], f: () => T): T {
  const big = new Map(paths.map((p, i) => [fs.statSync(p).ino, BIG + BigInt(i + 1)]));
  const { statSync, fstatSync } = fsModule;
  const mapped = <S>(st: S): S => {
    const s = st as { ino: number | bigint } | undefined;
    const ino = s === undefined ? undefined : big.get(Number(s.ino));
    return ino === undefined ? st : Object.assign(s!, { ino: typeof s!.ino === 'bigint' ? ino : Number(ino) }) as S;
  };
  Object.assign(fsModule, {
    statSync: (p: fs.PathLike, o?: fs.StatSyncOptions) => mapped(statSync(p, o)),
    fstatSync: (fd: number, o?: fs.StatOptions) => mapped(fstatSync(fd, o)),
  });
  syncBuiltinESMExports();
  try {
    return f();
  } finally {
    Object.assign(fsModule, { statSync, fstatSync });
    syncBuiltinESMExports();
  }
}

test('a metrics.jsonl replaced by one of the same size and time, its inode a neighbour past 2^53, is read again', () => {
  const dir = tempDir('mt-big-inodes-');
  const file = path.join(dir, 'metrics.jsonl'), next = path.join(dir, 'next.jsonl');
  fs.writeFileSync(file, '{"step":1,"loss":2.5}\n');
  fs.writeFileSync(next, '{"step":1,"loss":1.5}\n');
  for (const p of [file, next]) fs.utimesSync(p, 1_700_000_000, 1_700_000_000);
  withBigInodes([file, next], () => {
    const tail = new MetricsTail(file);
    assert.deepEqual(tail.poll()!.rows.map((r) => r.loss), [2.5]);
    fs.renameSync(next, file);
    const u = tail.poll();
    assert.ok(u !== null, 'the replaced file is read (it was taken for unchanged)');
    assert.equal(u.reset, true);
    assert.deepEqual(u.rows.map((r) => r.loss), [1.5]);
  });
});

test('a run folder replaced by one whose inode is a neighbour past 2^53 is watched anew', () => {
  const root = tempDir('mt-big-inodes-');
  const run = { dir: path.join(root, 'run'), behind: false, locked: false, dirExists: true, reportReady: false };
  const other = path.join(root, 'other');
  fs.mkdirSync(run.dir);
  fs.mkdirSync(other);
  const watches: string[] = [];
  const watch: WatchFolder = (dir) => {
    watches.push(dir);
    return () => {};
  };
  withBigInodes([run.dir, other], () => {
    const plan = new PollPlan([run], watch);
    for (const i of plan.due()) plan.read(i);
    fs.renameSync(run.dir, `${run.dir}.old`);
    fs.renameSync(other, run.dir);
    plan.read(0);
  });
  assert.deepEqual(watches, [run.dir, run.dir], 'the new folder gets a watch of its own');
});
