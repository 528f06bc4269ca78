// writeStreamAtomic clears what killed writes of the same target left: their temporary files, by name and
// dead pid, never one of a live process nor a file of another name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { deadTempsBeside, removeDeadTemps, withIo, writeFully, writeStreamAtomic, writerGone } from '../../src/util/atomic.ts';
import { removeStoppedRun } from '../../src/train/stopped-run.ts';
import { danglingLinkTarget } from '../../src/util/dangling-link.ts';
import { openRegularFile } from '../../src/util/regular-file.ts';
import { tempDir } from '../temp-dir.ts';
import { deadPid } from '../helpers.ts';

test('a write removes the temporary files that killed writes of its target left (export --format gguf killed, then run again)', () => {
  const dir = tempDir('mt-atomic-');
  const dead = deadPid();
  const leftovers = [`.model.gguf.${dead}.1.tmp`, `.model.gguf.${dead}.7.tmp`];
  const kept = [`.model.gguf.${process.ppid}.1.tmp`, `.other.gguf.${dead}.1.tmp`, 'notes.txt']; // a live process's; another file's; the user's
  for (const f of [...leftovers, ...kept]) fs.writeFileSync(path.join(dir, f), 'x');
  writeStreamAtomic(path.join(dir, 'model.gguf'), (write) => write(Buffer.from('GGUF')), false);
  assert.deepEqual(fs.readdirSync(dir).sort(), [...kept, 'model.gguf'].sort());
});

test('temporary files under this process\'s own pid that predate it are an earlier process\'s (a container\'s pid 1, restarted after a kill): removed; its own are kept', () => {
  const dir = tempDir('mt-atomic-samepid-');
  const earlier = `.model.gguf.${process.pid}.9.tmp`, mine = `.model.gguf.${process.pid}.8.tmp`;
  for (const f of [earlier, mine]) fs.writeFileSync(path.join(dir, f), 'x');
  const before = new Date(Date.now() - process.uptime() * 1000 - 60_000);
  fs.utimesSync(path.join(dir, earlier), before, before);
  writeStreamAtomic(path.join(dir, 'model.gguf'), (write) => write(Buffer.from('GGUF')), false);
  assert.deepEqual(fs.readdirSync(dir).sort(), [mine, 'model.gguf'].sort());
});

test('a temporary this thread is writing is never taken for a leftover: not after a stopped run was cleaned up in this process, nor when its time is before the process started', () => {
  const dir = tempDir('mt-atomic-live-');
  // the clean-up of a train stopped by Ctrl-C (the CLI's main thread; in process, the tests', or a host running commands):
  // before, it set a flag of the whole process for good, after which every temporary of this process was a stopped write's
  removeStoppedRun(tempDir('mt-atomic-stopped-'));
  const target = path.join(dir, 'model.gguf');
  writeStreamAtomic(target, (write) => {
    write(Buffer.from('GG'));
    const tmp = path.join(dir, fs.readdirSync(dir).find((e) => e.endsWith('.tmp'))!);
    assert.equal(writerGone(process.pid, tmp), false, 'after a stopped run\'s clean-up');
    // a clock stepped back, or a network file system whose server's clock is behind: the file's time predates the process
    const before = new Date(Date.now() - process.uptime() * 1000 - 60_000);
    fs.utimesSync(tmp, before, before);
    assert.equal(writerGone(process.pid, tmp), false, 'with a time before the process started');
    assert.deepEqual(deadTempsBeside(path.join(dir, 'other.gguf')), [], 'not said to be a killed write\'s');
    removeDeadTemps(target);
    assert.ok(fs.existsSync(tmp), 'not removed while it is written');
    write(Buffer.from('UF'));
  }, false);
  assert.equal(fs.readFileSync(target, 'utf8'), 'GGUF');
  assert.deepEqual(fs.readdirSync(dir), ['model.gguf']);
});

test('an I/O error at a symbolic link to nothing names the link and its target, not only ENOENT or ENOTDIR', () => {
  const dir = tempDir('mt-dangling-');
  const link = path.join(dir, 'out');
  fs.symlinkSync(path.join(dir, 'gone', 'x'), link);
  assert.throws(() => withIo(link, 'create the folder', () => fs.mkdirSync(link, { recursive: true })),
    { message: `${link}: cannot create the folder: it is a symbolic link to ${path.join(dir, 'gone', 'x')}, which does not exist (ENOENT)` });
  // a plain missing path keeps the plain words
  const missing = path.join(dir, 'no', 'such');
  assert.throws(() => withIo(missing, 'read', () => fs.readFileSync(missing)), { message: `${missing}: cannot read: no such file or folder (ENOENT)` });
});

test('a name too long for the temporary written beside it says so, and how long a name may be, not only "name too long" of a legal name', () => {
  const dir = tempDir('mt-long-name-');
  const legal = path.join(dir, `${'m'.repeat(240)}.gguf`); // 245 bytes: a name the file system takes, its temporary not
  assert.throws(() => writeStreamAtomic(legal, (write) => write(Buffer.from('GGUF')), false),
    { message: `${legal}: cannot write: its name is 245 bytes, and the temporary name it is written under first (a dot, the name, a process id and a suffix) passes the 255 a file system takes: give a name of at most 231 bytes (ENAMETOOLONG)` });
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing left behind');
  const over = path.join(dir, 'é'.repeat(150)); // 300 bytes in UTF-8
  assert.throws(() => withIo(over, 'create the folder', () => fs.mkdirSync(over)), { message: `${over}: cannot create the folder: its name is 300 bytes, over the 255 a file system takes (ENAMETOOLONG)` });
});

test('a loop of symbolic links is named as one (ELOOP in words), not as a link to a target that does not exist', () => {
  const dir = tempDir('mt-link-loop-');
  const a = path.join(dir, 'a'), b = path.join(dir, 'b');
  fs.symlinkSync(b, a);
  fs.symlinkSync(a, b);
  assert.throws(() => withIo(a, 'create the folder', () => fs.mkdirSync(path.join(a, 'x'), { recursive: true })),
    { message: `${a}: cannot create the folder: a loop of symbolic links (or too many in a row) (ELOOP)` });
  assert.throws(() => openRegularFile(a), { message: `${a}: cannot open: a loop of symbolic links (or too many in a row) (ELOOP)` });
  assert.equal(danglingLinkTarget(a), null, 'its target is there: a link, not nothing');
  fs.symlinkSync(path.join(dir, 'gone'), path.join(dir, 'c'));
  assert.equal(danglingLinkTarget(path.join(dir, 'c')), path.join(dir, 'gone'));
  // a file where a folder should be, in words too
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'x');
  assert.throws(() => openRegularFile(path.join(file, 'data.jsonl')), { message: `${path.join(file, 'data.jsonl')}: cannot open: a path component is not a folder (ENOTDIR)` });
});

test('a symbolic link or FIFO put at the next temporary names is never written through: the write takes a free name', () => {
  // before: the temporary (.NAME.PID.N.tmp, predictable) was opened as it was, so a link there had the output written
  // into the file it points to, outside the folder, and the output itself left a link to that file
  const dir = tempDir('mt-atomic-'), outside = tempDir('mt-atomic-victim-');
  const victim = path.join(outside, 'victim.txt');
  fs.writeFileSync(victim, 'precious');
  const target = path.join(dir, 'adapter_config.json');
  let first = '';
  writeStreamAtomic(target, (write) => {
    first = fs.readdirSync(dir).find((e) => e.endsWith('.tmp'))!; // this write's temporary: .adapter_config.json.PID.N.tmp
    write(Buffer.from('{}'));
  });
  const n = Number(/\.(\d+)\.tmp$/.exec(first)![1]);
  const next = (k: number): string => path.join(dir, first.replace(/\.\d+\.tmp$/, `.${n + k}.tmp`));
  fs.symlinkSync(victim, next(1));
  fs.symlinkSync(victim, next(2));
  spawnSync('mkfifo', [next(3)]);
  writeStreamAtomic(target, (write) => write(Buffer.from('{"r": 8}')));
  assert.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  assert.ok(fs.lstatSync(target).isFile(), 'the output is a file, not a link');
  assert.equal(fs.readFileSync(target, 'utf8'), '{"r": 8}');
  assert.ok(fs.lstatSync(next(1)).isSymbolicLink() && fs.lstatSync(next(3)).isFIFO(), 'what was put there is left as it was');
});

test('writeFully writes a buffer past 2 GiB (an F32 GGUF tensor of Mistral Nemo: 131072 × 5120 × 4 bytes), which one fs.writeSync call refuses', () => {
  // to /dev/null, which reads nothing: the 2 GiB of zeros are never touched, so this costs no memory or disk
  const fd = fs.openSync('/dev/null', 'w');
  try {
    writeFully(fd, new Uint8Array(2 ** 31 + 64));
  } finally {
    fs.closeSync(fd);
  }
});
