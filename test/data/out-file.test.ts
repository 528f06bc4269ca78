// The shared mechanisms of the data pipeline's output: OutFile commits like writeFileAtomic (the file and
// then its folder fsynced, so the rename survives a crash), and one typed-array grow helper.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { grow } from '../../src/data/grow.ts';
import { OutFile, removeOwnTemps, removeStaleTemps, tempOf } from '../../src/data/out-file.ts';
import { removeDeadTemps, removeOwnTemps as removeOwnAtomicTemps } from '../../src/util/atomic.ts';
import { parseLeftover } from '../../src/util/leftover-names.ts';
import { deadPid } from '../helpers.ts';
import { isUserError } from '../../src/util/errors.ts';
import { cleanLine } from '../../src/util/lines.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir();

test('OutFile.commit fsyncs the file, renames it into place, then fsyncs the folder', () => {
  const target = path.join(dir, 'train.jsonl');
  const out = new OutFile(target);
  out.write('{"text": "a"}\n');
  const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
  const original = cjsFs.fsyncSync;
  const synced: string[] = [];
  cjsFs.fsyncSync = (fd: number) => {
    const st = fs.fstatSync(fd);
    synced.push(st.isDirectory() ? `dir:${st.ino === fs.statSync(dir).ino ? 'out' : 'other'}` : `file:${fs.existsSync(target) ? 'renamed' : 'temp'}`);
    original(fd);
  };
  syncBuiltinESMExports();
  try {
    out.commit();
  } finally {
    cjsFs.fsyncSync = original;
    syncBuiltinESMExports();
  }
  assert.deepEqual(synced, ['file:temp', 'dir:out']);
  assert.equal(fs.readFileSync(target, 'utf8'), '{"text": "a"}\n');
  assert.deepEqual(fs.readdirSync(dir), ['train.jsonl'], 'no temporary file left');
});

test('grow: same type, doubled (or the size asked), contents kept', () => {
  const a = Float64Array.from([1.5, 2.5]);
  const b = grow(a);
  assert.ok(b instanceof Float64Array);
  assert.deepEqual([...b], [1.5, 2.5, 0, 0]);
  const c = grow(Int8Array.from([-1, 2, 3]), 5);
  assert.ok(c instanceof Int8Array);
  assert.deepEqual([...c], [-1, 2, 3, 0, 0]);
  assert.throws(() => grow(new Int32Array(4), 2), /smaller/);
});

test('cleanLine (shared by readLines and the dashboard\'s metrics follower) drops a final CR and a leading BOM only', () => {
  assert.equal(cleanLine('\ufeff{"a": 1}\r'), '{"a": 1}');
  assert.equal(cleanLine('x\r\ry'), 'x\r\ry');
  assert.equal(cleanLine('a\ufeff\r\r'), 'a\ufeff\r');
});

test('a write that fails (ENOSPC injected into fs.writeSync) stops prepare with a UserError naming the file; no .tmp file is left', async () => {
  const { prepare } = await import('../../src/data/prepare.ts');
  const { mistralTokenizer } = await import('./helpers.ts');
  const tok = mistralTokenizer();
  const input = path.join(dir, 'in.jsonl');
  fs.writeFileSync(input, Array.from({ length: 50 }, (_, i) => JSON.stringify({ text: `record ${i} ${'word '.repeat(i % 7 + 1)}${i * 31}` })).join('\n') + '\n');
  const out = path.join(dir, 'full');
  const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
  const original = cjsFs.writeSync;
  cjsFs.writeSync = ((fd: number, ...rest: unknown[]) => {
    if (fs.fstatSync(fd).isFile()) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    return (original as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
  try {
    assert.throws(() => prepare({ inputs: [input], outDir: out, tokenizer: tok }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      // the first file written is the kept records' spool, said as what it is (an audit found "full/spool.jsonl: cannot write")
      assert.match(e.message, /^.*full\/spool\.jsonl \(the kept records' scratch copy, removed at the end\): cannot write: no space left on device \(ENOSPC\)$/);
      return true;
    });
  } finally {
    cjsFs.writeSync = original;
    syncBuiltinESMExports();
  }
  assert.deepEqual(fs.readdirSync(out), [], 'no .tmp files and no partial outputs');
});

test('a symbolic link or FIFO at OutFile\'s temporary name is refused, never opened; a leftover file there is replaced', () => {
  // before: the temporary (.NAME.PID.0.tmp, predictable) was opened as it was: a link there had prepare truncate and
  // write the file it points to, outside the folder, and a FIFO blocked until someone read it
  const out = tempDir(), victim = path.join(tempDir(), 'victim.txt');
  fs.writeFileSync(victim, 'precious');
  const train = path.join(out, 'train.jsonl'), val = path.join(out, 'val.jsonl'), test = path.join(out, 'test.jsonl');
  fs.symlinkSync(victim, tempOf(train, process.pid));
  spawnSync('mkfifo', [tempOf(val, process.pid)]);
  for (const [target, what] of [[train, 'a symbolic link'], [val, 'a FIFO']] as const) {
    assert.throws(() => new OutFile(target), (e: unknown) => isUserError(e) &&
      (e as Error).message === `${target}: cannot write: the temporary name it is written under first, ${path.basename(tempOf(target, process.pid))}, is ${what} that prepare did not make: remove it`);
  }
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  fs.writeFileSync(tempOf(test, process.pid), 'an earlier run of this pid left this');
  const f = new OutFile(test);
  f.write('{"text": "a"}\n');
  f.commit();
  assert.equal(fs.readFileSync(test, 'utf8'), '{"text": "a"}\n');
});

test('OutFile.written says the size and SHA-256 of every byte written, hashed as written: buffered pieces and one past the buffer', () => {
  const target = path.join(dir, 'hashed.jsonl');
  const out = new OutFile(target, { hashed: true });
  out.write('{"text": "é"}\n');
  out.write(`${'x'.repeat((1 << 20) + 17)}\n`); // larger than its buffer: written at once, after the buffer's flush
  out.write('{"text": "last"}\n'); // still in the buffer when written() is asked
  const said = out.written();
  out.commit();
  const bytes = fs.readFileSync(target);
  assert.deepEqual(said, { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
  const plain = new OutFile(path.join(dir, 'plain.jsonl')); // a scratch file: not hashed
  assert.throws(() => plain.written(), /not hashed/);
  plain.discard();
  fs.rmSync(target);
});

test('OutFile\'s temporaries are named as atomic writes\' are (leftover-names.ts): each naming\'s clean-ups find the other\'s, and an older version\'s .NAME.PID.tmp', () => {
  // before: OutFile's .NAME.PID.tmp was no leftover to parseLeftover, so atomic.ts's clean-ups (a stopped command's,
  // a killed write's retry), the run folder's judgement and the kill probe passed it by, and out-file.ts's missed
  // writeFileAtomic's (prepare's stop removed them by a second call)
  const out = tempDir(), dead = deadPid();
  const train = path.join(out, 'train.jsonl');
  assert.deepEqual(parseLeftover(path.basename(tempOf(train, dead))), { kind: 'file', name: 'train.jsonl', pid: dead });
  fs.writeFileSync(tempOf(train, dead), 'a killed prepare left this');
  removeDeadTemps(train); // atomic.ts's, as a write of train.jsonl by writeFileAtomic retries
  assert.deepEqual(fs.readdirSync(out), []);
  // a write of each naming, its process stopped midway: one clean-up of either file removes both
  for (const removeOwn of [removeOwnTemps, removeOwnAtomicTemps]) {
    const f = new OutFile(path.join(out, 'val.jsonl'));
    f.write('{"text": "a"}\n');
    const atomicTemp = `.report.json.${process.pid}.7.tmp`; // writeFileAtomic's, as its thread stopped midway leaves it
    fs.writeFileSync(path.join(out, atomicTemp), '{');
    removeOwn(out);
    assert.deepEqual(fs.readdirSync(out), [], removeOwn.name);
    f.discard();
  }
  // an older version's, a killed run's: still removed by prepare's start
  const older = [`.train.jsonl.${dead}.tmp`, `.report.json.${dead}.1.tmp`, `.notes.txt.${dead}.tmp`];
  for (const e of older) fs.writeFileSync(path.join(out, e), 'left');
  removeStaleTemps(out, ['train.jsonl', 'report.json']);
  assert.deepEqual(fs.readdirSync(out), [`.notes.txt.${dead}.tmp`]);
});

test('an older version\'s .NAME.PID.tmp is read only for what prepare wrote under it (.jsonl, .json): another .NAME.PID.tmp of this pid is not removed by a stopped prepare', () => {
  // the older naming was only ever given to prepare's outputs (.jsonl, report.json), so it never reads a name that the
  // newer one reads too (.model.5.PID.tmp is model's temporary by process 5: leftover-names.ts). Before, any
  // .NAME.PID.tmp was taken for it: a stopped prepare's removeOwnTemps removed files of this pid it did not make
  const out = tempDir();
  const notOurs = [`.notes.txt.${process.pid}.tmp`, `.model.${process.pid}.tmp`, `.model.5.${process.pid}.tmp`];
  for (const e of notOurs) fs.writeFileSync(path.join(out, e), 'another tool\'s');
  const olderOwn = [`.spool.jsonl.${process.pid}.tmp`, `.report.json.${process.pid}.tmp`]; // an older version's run of this pid (a container's pid again)
  for (const e of olderOwn) fs.writeFileSync(path.join(out, e), 'left');
  removeOwnTemps(out);
  assert.deepEqual(fs.readdirSync(out).sort(), [...notOurs].sort());
  for (const e of notOurs) fs.rmSync(path.join(out, e));
});
