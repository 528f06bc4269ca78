// The NVRTC disk cache with a fake compiler: a second request is read from disk, any change of source,
// arch, a flag or the compiler version recompiles, writes leave no temp files, and the folder follows
// MISTRAL_TUNE_CACHE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheKey, defaultCacheDir, KernelCache, type CompileRequest } from '../../../src/backend/cuda/kernel-cache.ts';
import { tempDir } from '../../temp-dir.ts';

const req: CompileRequest = { name: 'add.cu', source: 'extern "C" __global__ void add() {}', arch: 'sm_90a', flags: ['-std=c++17'] };

function fakeCompiler(): { calls: CompileRequest[]; compile: (r: CompileRequest) => Uint8Array } {
  const calls: CompileRequest[] = [];
  return { calls, compile: (r) => (calls.push(r), new TextEncoder().encode(`cubin of ${r.name} ${r.arch} ${r.flags.join(' ')}`)) };
}

test('compiled once, then read from disk by a fresh cache object (another process)', () => {
  const dir = tempDir('mt-cubin-');
  const fake = fakeCompiler();
  const first = new KernelCache(fake.compile, '13.0', path.join(dir, 'cubin'));
  const a = first.get(req);
  assert.equal(fake.calls.length, 1);
  assert.deepEqual(first.get(req), a);
  assert.equal(fake.calls.length, 1);
  const second = new KernelCache(fake.compile, '13.0', path.join(dir, 'cubin'));
  assert.deepEqual(Buffer.from(second.get(req)).toString(), 'cubin of add.cu sm_90a -std=c++17');
  assert.deepEqual(second.stats, { hits: 1, compiles: 0 });
  assert.deepEqual(fs.readdirSync(path.join(dir, 'cubin')), [`${cacheKey(req, '13.0')}.cubin`], 'one file, no temp files left');
});

test('source, arch, flags and the NVRTC version are all in the key', () => {
  const base = cacheKey(req, '13.0');
  const variants = [
    cacheKey({ ...req, source: req.source + ' ' }, '13.0'),
    cacheKey({ ...req, arch: 'sm_80' }, '13.0'),
    cacheKey({ ...req, flags: ['-std=c++17', '-DSTORE_F32'] }, '13.0'),
    cacheKey({ ...req, flags: ['-std=c++17 -DSTORE_F32'] }, '13.0'),
    cacheKey(req, '13.1'),
  ];
  assert.match(base, /^[0-9a-f]{64}$/);
  assert.equal(new Set([base, ...variants]).size, 6);
  assert.equal(cacheKey({ ...req, name: 'other.cu' }, '13.0'), base, 'the name is only for messages');
  const dir = tempDir('mt-cubin-');
  const fake = fakeCompiler();
  const cache = new KernelCache(fake.compile, '13.0', dir);
  cache.get(req);
  cache.get({ ...req, arch: 'sm_80' });
  new KernelCache(fake.compile, '13.1', dir).get(req);
  assert.equal(fake.calls.length, 3);
});

test('a truncated (empty) cache file is compiled again; an unwritable folder still returns the cubin', () => {
  const dir = tempDir('mt-cubin-');
  fs.writeFileSync(path.join(dir, `${cacheKey(req, '13.0')}.cubin`), '');
  const fake = fakeCompiler();
  assert.ok(new KernelCache(fake.compile, '13.0', dir).get(req).length > 0);
  assert.equal(fake.calls.length, 1);
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, 'x');
  const blocked = new KernelCache(fake.compile, '13.0', path.join(file, 'cubin')); // a folder under a file
  assert.ok(blocked.get(req).length > 0);
});

test('the cache folder: MISTRAL_TUNE_CACHE/cubin, else ~/.cache/mistral-tune/cubin', () => {
  assert.equal(defaultCacheDir({ MISTRAL_TUNE_CACHE: '/c' }), '/c/cubin');
  assert.equal(defaultCacheDir({ HOME: '/home/u' }), '/home/u/.cache/mistral-tune/cubin');
  assert.equal(defaultCacheDir({ HOME: '/home/u', XDG_CACHE_HOME: '/x' }), '/x/mistral-tune/cubin');
});

test('a cache folder under /proc (mkdir says ENOENT though /proc is there) only costs the cache: Node\'s recursive mkdir looped on it forever', { skip: fs.existsSync('/proc/self') ? false : 'no /proc here' }, () => {
  const fake = fakeCompiler();
  assert.ok(new KernelCache(fake.compile, '13.0', '/proc/mistral-tune-cache/cubin').get(req).length > 0);
  assert.equal(fake.calls.length, 1);
});

test('a FIFO in a cubin\'s place is compiled past, never read (the read blocked forever)', { skip: process.platform === 'win32' ? 'no mkfifo' : false }, () => {
  const dir = tempDir('mt-cubin-');
  execFileSync('mkfifo', [path.join(dir, `${cacheKey(req, '13.0')}.cubin`)]);
  const fake = fakeCompiler();
  assert.ok(new KernelCache(fake.compile, '13.0', dir).get(req).length > 0);
  assert.equal(fake.calls.length, 1);
});
