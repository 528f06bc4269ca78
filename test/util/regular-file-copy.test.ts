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
