// copyRegularFile's copy is fsynced before it returns: the copies (an adapter's weights and config, a tokenizer) go into
// a temporary folder that is then renamed into place, and that rename is made durable; a copy not flushed with it could
// come back from a power cut empty inside a folder that looks whole.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { copyRegularFile } from '../../src/util/regular-file.ts';
import { tempDir } from '../temp-dir.ts';

test('copyRegularFile fsyncs the copy', () => {
  const dir = tempDir('mt-copy-sync-');
  const src = path.join(dir, 'adapter_model.safetensors');
  const dst = path.join(dir, 'copy.safetensors');
  fs.writeFileSync(src, Buffer.alloc(4096, 7));
  const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
  const original = cjsFs.fsyncSync;
  const synced: number[] = [];
  cjsFs.fsyncSync = (fd: number) => {
    synced.push(fs.fstatSync(fd).ino);
    original(fd);
  };
  syncBuiltinESMExports();
  try {
    copyRegularFile(src, dst);
  } finally {
    cjsFs.fsyncSync = original;
    syncBuiltinESMExports();
  }
  assert.ok(synced.includes(fs.statSync(dst).ino), 'the copy was fsynced');
  assert.deepEqual(fs.readFileSync(dst), fs.readFileSync(src));
});

test('copyRegularFile copies a read-only file (an adapter or tokenizer chmod a-w): the copy keeps its mode, and its fsync does not open it for writing', () => {
  const dir = tempDir('mt-copy-read-only-');
  const src = path.join(dir, 'tokenizer.json');
  const dst = path.join(dir, 'copy.json');
  fs.writeFileSync(src, '{"model": {}}\n');
  fs.chmodSync(src, 0o444);
  // root opens a read-only file for writing all the same: as root, the open is refused as it is to any other user
  const cjsFs = createRequire(import.meta.url)('node:fs') as typeof fs;
  const original = cjsFs.openSync;
  if (process.getuid?.() === 0) {
    cjsFs.openSync = ((file: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode) => {
      const writes = typeof flags === 'string' ? /[wa+]/.test(flags) : ((flags ?? 0) & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (writes && st !== undefined && (st.mode & 0o200) === 0) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${String(file)}'`), { code: 'EACCES', errno: -13, syscall: 'open', path: String(file) });
      }
      return original(file, flags ?? 'r', mode);
    }) as typeof fs.openSync;
    syncBuiltinESMExports();
  }
  try {
    copyRegularFile(src, dst);
  } finally {
    cjsFs.openSync = original;
    syncBuiltinESMExports();
  }
  assert.deepEqual(fs.readFileSync(dst), fs.readFileSync(src));
});
