// A crash between the two renames of replaceFolderAtomic (best/ moved aside, its replacement not yet in
// place) loses nothing: the next replacement of that folder, or opening the run for --resume, puts the
// moved-aside folder back and removes the temporary folders of dead processes. The crash state is made on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import nodeFs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { APPEARED, writeFileAtomic, writeStreamAtomic } from '../../src/util/atomic.ts';
import { recoverFolderSwaps, replaceFolderAtomic } from '../../src/util/folder-swap.ts';
import { filesSpec, foreignPaths } from '../../src/util/owned-tree.ts';
import { UserError } from '../../src/util/errors.ts';
import { RunDir } from '../../src/train/run-dir.ts';
import { loadTrainConfig } from '../../src/train/config.ts';
import { deadPid, FIXTURES, literal, TINY_BASE } from '../helpers.ts';
import { tempDir } from '../temp-dir.ts';

const BIN = path.join(FIXTURES, '..', '..', 'bin', 'mistral-tune.js');
const DATA = path.join(FIXTURES, '..', '..', 'examples', 'tiny-eval.jsonl');

/** A folder of w.txt, as the folders replaced here are written. */
const W = filesSpec((name) => name === 'w.txt');


/** Makes in `parent` what a crash mid-swap of `name` leaves: name/ moved aside holding `content`, a half-built temporary. */
function crashState(parent: string, name: string, pid: number, content: string): void {
  fs.mkdirSync(path.join(parent, `.old-${name}-${pid}`));
  fs.writeFileSync(path.join(parent, `.old-${name}-${pid}`, 'w.txt'), content);
  fs.mkdirSync(path.join(parent, `.tmp-${name}-${pid}`));
  fs.writeFileSync(path.join(parent, `.tmp-${name}-${pid}`, 'w.txt'), 'half');
}

test('the next replaceFolderAtomic puts back a folder a crash left moved aside, and clears the temporary', () => {
  const dir = tempDir('mt-swap-');
  crashState(dir, 'best', deadPid(), 'old');
  assert.throws(() => replaceFolderAtomic(path.join(dir, 'best'), () => { throw Object.assign(new Error('disk full'), { code: 'ENOSPC' }); }, W), /ENOSPC/);
  assert.equal(fs.readFileSync(path.join(dir, 'best', 'w.txt'), 'utf8'), 'old', 'the best/ of before the crash is back');
  assert.deepEqual(fs.readdirSync(dir), ['best']);
  replaceFolderAtomic(path.join(dir, 'best'), (tmp) => { fs.mkdirSync(tmp); fs.writeFileSync(path.join(tmp, 'w.txt'), 'new'); }, W);
  assert.equal(fs.readFileSync(path.join(dir, 'best', 'w.txt'), 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(dir), ['best']);
});

test('opening a run for --resume puts back adapter/ and a checkpoint a crash left moved aside', () => {
  const dir = tempDir('mt-swap-');
  fs.copyFileSync(DATA, path.join(dir, 'data.jsonl'));
  fs.writeFileSync(path.join(dir, 'config.yaml'),
    `model: ${TINY_BASE}\ndata: {train: data.jsonl}\nmax_steps: 2\nbatch_size: 1\neval: {samples: 0}\ncheckpoint: {every_steps: 2}\noutput_dir: run\n`);
  const r = spawnSync(process.execPath, [BIN, 'train', path.join(dir, 'config.yaml')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const run = path.join(dir, 'run');
  const [checkpoint] = fs.readdirSync(path.join(run, 'checkpoints'));
  const pid = deadPid();
  for (const [parent, name] of [[run, 'adapter'], [path.join(run, 'checkpoints'), checkpoint!]] as const) {
    fs.renameSync(path.join(parent, name), path.join(parent, `.old-${name}-${pid}`));
    fs.mkdirSync(path.join(parent, `.tmp-${name}-${pid}`));
  }
  RunDir.openForResume(loadTrainConfig(path.join(run, 'config.yaml')));
  assert.ok(fs.existsSync(path.join(run, 'adapter', 'adapter_model.safetensors')), 'adapter/ is back');
  assert.ok(fs.existsSync(path.join(run, 'checkpoints', checkpoint!, 'trainer_state.json')), 'the checkpoint is back');
  const leftovers = fs.readdirSync(run, { recursive: true, encoding: 'utf8' }).filter((f) => /(^|\/)\.(tmp|old)-/.test(f));
  assert.deepEqual(leftovers, []);
});

test('a write under a path through a file is a one-line error naming the target, not the temporary file\'s ENOTDIR from the cleanup', () => {
  const dir = tempDir('mt-swap-');
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, 'mine');
  assert.throws(() => writeFileAtomic(path.join(file, 'preds.jsonl'), 'x'),
    (e: unknown) => e instanceof UserError && e.message === `${path.join(file, 'preds.jsonl')}: cannot write: a path component is not a folder (ENOTDIR)`);
  assert.throws(() => replaceFolderAtomic(path.join(file, 'adapter'), (tmp) => fs.mkdirSync(tmp), W),
    (e: unknown) => e instanceof UserError && /adapter: cannot write: a path component is not a folder \(ENOTDIR\)$/.test(e.message));
  assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
});

test('a file write to a path ending in "/" (a folder given for a file: export --format gguf --out gguf/) says so, not ENOTDIR', () => {
  const dir = tempDir('mt-swap-');
  const target = path.join(dir, 'gguf') + '/';
  assert.throws(() => writeFileAtomic(target, 'x'),
    (e: unknown) => e instanceof UserError && e.message === `${target}: names a folder (it ends with "/"): give a file path in it`);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('a file write that must not replace (a GGUF export) leaves a file that appeared at its target while it was written', () => {
  const dir = tempDir('mt-swap-');
  const target = path.join(dir, 'model.gguf');
  assert.throws(() => writeStreamAtomic(target, (write) => {
    fs.writeFileSync(target, 'mine'); // the user, during a long export
    write(Buffer.from('gguf'));
  }, false), (e: unknown) => e instanceof UserError && e.message === `${target}: ${APPEARED}`);
  assert.equal(fs.readFileSync(target, 'utf8'), 'mine');
  assert.deepEqual(fs.readdirSync(dir), ['model.gguf'], 'no temporary left');
  const fresh = path.join(dir, 'fresh.gguf');
  assert.equal(writeStreamAtomic(fresh, (write) => write(Buffer.from('gguf')), false), 4);
  assert.equal(fs.readFileSync(fresh, 'utf8'), 'gguf');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['fresh.gguf', 'model.gguf']);
});

test('a symbolic link put at the temporary folder\'s name (.tmp-NAME-PID) is refused: nothing is written through it', () => {
  // before: the fill made its folder through the link (mkdir -p of a link to a folder succeeds) and wrote the whole
  // adapter into the folder it points to, outside the run, then renamed the link into place as adapter/
  const run = tempDir('mt-swap-'), outside = tempDir('mt-swap-victim-');
  const tmp = path.join(run, `.tmp-adapter-${process.pid}`);
  fs.symlinkSync(outside, tmp);
  const write = (): void => replaceFolderAtomic(path.join(run, 'adapter'), (dir) => {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(path.join(dir, 'w.txt'), 'weights');
  }, W);
  assert.throws(write, (e: unknown) => e instanceof UserError && e.message ===
    `${path.join(run, 'adapter')}: cannot write: the temporary name it is written under first, .tmp-adapter-${process.pid}, is a symbolic link that mistral-tune did not make: remove it`);
  assert.deepEqual(fs.readdirSync(outside), []);
  assert.ok(fs.lstatSync(tmp).isSymbolicLink() && !fs.existsSync(path.join(run, 'adapter')), 'the link is left as it was, no adapter/ made');
  fs.unlinkSync(tmp);
  write();
  assert.equal(fs.readFileSync(path.join(run, 'adapter', 'w.txt'), 'utf8'), 'weights');
});

test('a leftover temporary folder of this process id holding a file of the user\'s is kept, and the refusal says to move the file out, not that mistral-tune did not make it', () => {
  const run = tempDir('mt-swap-kept-');
  const tmp = path.join(run, `.tmp-adapter-${process.pid}`);
  fs.mkdirSync(tmp);
  fs.writeFileSync(path.join(tmp, 'notes.md'), 'mine');
  const write = (): void => replaceFolderAtomic(path.join(run, 'adapter'), (dir) => {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(path.join(dir, 'w.txt'), 'weights');
  }, W);
  const said: string[] = [];
  const stderr = process.stderr.write;
  process.stderr.write = ((chunk: string) => { said.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    assert.throws(write, (e: unknown) => e instanceof UserError && e.message ===
      `${path.join(run, 'adapter')}: cannot write: the temporary name it is written under first, .tmp-adapter-${process.pid}, is a folder holding files that mistral-tune did not write: move them out`);
  } finally {
    process.stderr.write = stderr;
  }
  assert.equal(fs.readFileSync(path.join(tmp, 'notes.md'), 'utf8'), 'mine', 'the user\'s file is kept');
  assert.match(said.join(''), /notes\.md/, 'the kept file is named in a warning');
});

test('a moved-aside folder of this process id that was kept (a file of the user\'s it could not carry) does not stop the next replacement: that one moves the folder aside under the next name', () => {
  const run = tempDir('mt-swap-kept-old-');
  const target = path.join(run, 'adapter');
  const write = (weights: string): void => replaceFolderAtomic(target, (dir) => {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(path.join(dir, 'w.txt'), weights);
  }, W);
  // what an earlier replacement by this pid kept (an earlier command of this process, or a container's pid 1 again): the
  // user's notes.md, whose name the folder that replaced it holds too
  const kept = path.join(run, `.old-adapter-${process.pid}`);
  fs.mkdirSync(kept);
  fs.writeFileSync(path.join(kept, 'notes.md'), 'older notes');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'w.txt'), 'one');
  fs.writeFileSync(path.join(target, 'notes.md'), 'notes');
  const said: string[] = [];
  const stderr = process.stderr.write;
  process.stderr.write = ((chunk: string) => { said.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    write('two');
  } finally {
    process.stderr.write = stderr;
  }
  assert.equal(fs.readFileSync(path.join(target, 'w.txt'), 'utf8'), 'two');
  assert.equal(fs.readFileSync(path.join(target, 'notes.md'), 'utf8'), 'notes', 'the user\'s file in the replaced folder is carried over');
  assert.equal(fs.readFileSync(path.join(kept, 'notes.md'), 'utf8'), 'older notes', 'the kept one stays, named in a warning');
  assert.match(said.join(''), new RegExp(`kept ${literal(kept)}, which holds notes\\.md`));
  assert.deepEqual(fs.readdirSync(run).sort(), [`.old-adapter-${process.pid}`, 'adapter'], 'no other folder left beside');
});

test('a crash between the two renames beside a kept moved-aside folder (.old-NAME-PID holding only the user\'s file, the folder at .old-NAME-PID.1) puts back the folder, not the kept one', () => {
  const run = tempDir('mt-swap-kept-crash-');
  const pid = deadPid();
  // the kept one first, as a sorted listing has it (ext4 lists in hash order: either may come first)
  const kept = path.join(run, `.old-best-${pid}`);
  fs.mkdirSync(kept);
  fs.writeFileSync(path.join(kept, 'notes.md'), 'older notes');
  fs.mkdirSync(path.join(run, `.old-best-${pid}.1`));
  fs.writeFileSync(path.join(run, `.old-best-${pid}.1`, 'w.txt'), 'old');
  fs.writeFileSync(path.join(run, `.old-best-${pid}.1`, 'notes.md'), 'notes');
  fs.mkdirSync(path.join(run, `.tmp-best-${pid}`));
  fs.writeFileSync(path.join(run, `.tmp-best-${pid}`, 'w.txt'), 'half');
  const readdir = nodeFs.readdirSync, stderr = process.stderr.write;
  nodeFs.readdirSync = ((dir: fs.PathLike, ...rest: []) => {
    const names = readdir(dir, ...rest) as unknown as string[];
    return path.resolve(String(dir)) === path.resolve(run) ? [...names].sort() : names;
  }) as typeof nodeFs.readdirSync;
  syncBuiltinESMExports();
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    recoverFolderSwaps(run, (n) => (n === 'best' ? W : null));
  } finally {
    nodeFs.readdirSync = readdir;
    syncBuiltinESMExports();
    process.stderr.write = stderr;
  }
  assert.equal(fs.readFileSync(path.join(run, 'best', 'w.txt'), 'utf8'), 'old', 'the best/ of before the crash is back, its weights kept');
  assert.equal(fs.readFileSync(path.join(run, 'best', 'notes.md'), 'utf8'), 'notes');
  assert.equal(fs.readFileSync(path.join(kept, 'notes.md'), 'utf8'), 'older notes', 'the kept one stays kept');
  assert.deepEqual(fs.readdirSync(run).sort(), [`.old-best-${pid}`, 'best']);
});

test('a file of the user\'s whose name is not UTF-8 (latin-1 bytes) is carried into the folder that replaces its own, and named as foreign', () => {
  // before: read as a string, its name (notes-\uFFFD.txt) named no file: it stayed in the moved-aside .old-best-PID/, hidden, without a word
  const dir = tempDir('mt-swap-bytes-');
  const best = path.join(dir, 'best');
  fs.mkdirSync(best);
  fs.writeFileSync(path.join(best, 'w.txt'), 'old');
  const latin1 = Buffer.concat([Buffer.from(best + path.sep), Buffer.from('notes-'), Buffer.from([0xe9]), Buffer.from('.txt')]);
  fs.writeFileSync(latin1, 'mine');
  replaceFolderAtomic(best, (tmp) => {
    fs.mkdirSync(tmp);
    fs.writeFileSync(path.join(tmp, 'w.txt'), 'new');
  }, W);
  assert.deepEqual(fs.readdirSync(dir), ['best'], 'no folder left aside');
  assert.equal(fs.readFileSync(latin1, 'utf8'), 'mine');
  assert.equal(fs.readFileSync(path.join(best, 'w.txt'), 'utf8'), 'new');
  assert.deepEqual(foreignPaths(best, W), ['notes-\uFFFD.txt']);
});

test('a repair that cannot be written (a read-only run folder) names the folder it repairs', () => {
  // before: ".old-best-PID: cannot repair the interrupted write of: read-only file system (EROFS)", its object missing
  const dir = tempDir('mt-swap-repair-');
  const pid = deadPid();
  crashState(dir, 'best', pid, 'old');
  const rename = nodeFs.renameSync;
  nodeFs.renameSync = (() => { throw Object.assign(new Error('EROFS: read-only file system, rename'), { code: 'EROFS' }); }) as typeof fs.renameSync;
  syncBuiltinESMExports();
  try {
    assert.throws(() => recoverFolderSwaps(dir, (n) => (n === 'best' ? W : null)),
      { message: `${path.join(dir, `.old-best-${pid}`)}: cannot repair the interrupted write of ${path.join(dir, 'best')}: read-only file system (EROFS)` });
  } finally {
    nodeFs.renameSync = rename;
    syncBuiltinESMExports();
  }
});

test('a replaced folder that cannot be deleted (its moved-aside copy read-only) is a one-line error naming it, the new folder in place', () => {
  // before: Node's "EACCES: permission denied, unlink '.old-best-PID/w.txt'" and its stack trace, exit 1 (train, a
  // read-only best/ of a run being resumed, as a user without root finds it)
  const dir = tempDir('mt-swap-retire-');
  const best = path.join(dir, 'best');
  const fill = (text: string) => (tmp: string) => { fs.mkdirSync(tmp); fs.writeFileSync(path.join(tmp, 'w.txt'), text); };
  replaceFolderAtomic(best, fill('old'), W);
  const rm = nodeFs.rmSync;
  nodeFs.rmSync = ((file: fs.PathLike, ...rest: unknown[]) => {
    if (String(file).includes(`${path.sep}.old-best-`)) throw Object.assign(new Error(`EACCES: permission denied, unlink '${String(file)}'`), { code: 'EACCES', syscall: 'unlink' });
    return (rm as (...a: unknown[]) => void)(file, ...rest);
  }) as typeof fs.rmSync;
  syncBuiltinESMExports();
  try {
    const old = path.join(dir, `.old-best-${process.pid}`);
    assert.throws(() => replaceFolderAtomic(best, fill('new'), W),
      (e: unknown) => e instanceof UserError && e.message === `${old}: cannot delete the replaced best/ (the new one is in place): permission denied (EACCES)`);
  } finally {
    nodeFs.rmSync = rm;
    syncBuiltinESMExports();
  }
  assert.equal(fs.readFileSync(path.join(best, 'w.txt'), 'utf8'), 'new');
  recoverFolderSwaps(dir, (n) => (n === 'best' ? W : null)); // once it can be deleted, the next write (or --resume) does
  assert.deepEqual(fs.readdirSync(dir), ['best']);
});
