// The kernel cache's compiler key holds the NVRTC library's build, not only nvrtcVersion's "13.0" (which every patch
// release of 13.0 says): an upgrade from 13.0.48 to 13.0.88 read back the cubins the older one compiled. The build is
// the loaded file's real path, size and modification time: the same across runs of one install (the cache is kept),
// another for another install. Stand-in library files (plain files: nothing is loaded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheKey, KernelCache, type CompileRequest } from '../../../src/backend/cuda/kernel-cache.ts';
import { libraryBuild } from '../../../src/backend/cuda/library-build.ts';
import { tempDir } from '../../temp-dir.ts';

const req: CompileRequest = { name: 'add.cu', source: 'extern "C" __global__ void add() {}', arch: 'sm_90a', flags: ['-std=c++17'] };

/** Installs `version` of a stand-in libnvrtc in `lib`: the versioned file and the soname's link to it, as the CUDA toolkit does. */
function install(lib: string, version: string, bytes: string): string {
  const file = path.join(lib, `libnvrtc.so.${version}`);
  fs.writeFileSync(file, bytes);
  fs.rmSync(path.join(lib, 'libnvrtc.so.13'), { force: true });
  fs.symlinkSync(path.basename(file), path.join(lib, 'libnvrtc.so.13'));
  return file;
}

test('two patch releases of NVRTC 13.0 key their cubins apart; runs of one install share them', () => {
  const lib = tempDir('mt-nvrtc-build-');
  const soname = path.join(lib, 'libnvrtc.so.13');
  const old = install(lib, '13.0.48', 'nvrtc 13.0.48');
  const first = libraryBuild(soname);
  assert.equal(first, `${fs.realpathSync(old)} ${'nvrtc 13.0.48'.length} ${Math.trunc(fs.statSync(old).mtimeMs)}`);
  assert.equal(libraryBuild(soname), first, 'the same install: the same build, so the cache is kept');
  install(lib, '13.0.88', 'nvrtc 13.0.88'); // same size: the path tells them apart
  const upgraded = libraryBuild(soname);
  assert.notEqual(upgraded, first);
  // a reinstall of the same file name with other bytes (a wheel's libnvrtc.so.13 is the file itself): the size or mtime
  const wheel = path.join(lib, 'wheel-libnvrtc.so.13');
  fs.writeFileSync(wheel, 'nvrtc 13.0.48');
  fs.utimesSync(wheel, 1_700_000_000, 1_700_000_000);
  const before = libraryBuild(wheel);
  fs.writeFileSync(wheel, 'nvrtc 13.0.88');
  fs.utimesSync(wheel, 1_700_000_500, 1_700_000_500);
  assert.notEqual(libraryBuild(wheel), before);
  // the key, and the cache: the upgrade compiles again, another run of the same install does not
  assert.notEqual(cacheKey(req, `13.0 ${first}`), cacheKey(req, `13.0 ${upgraded}`));
  const dir = tempDir('mt-cubin-');
  let compiles = 0;
  const compile = (): Uint8Array => (compiles++, new Uint8Array([1, 2, 3]));
  new KernelCache(compile, `13.0 ${first}`, dir).get(req);
  new KernelCache(compile, `13.0 ${first}`, dir).get(req);
  assert.equal(compiles, 1);
  new KernelCache(compile, `13.0 ${upgraded}`, dir).get(req);
  assert.equal(compiles, 2);
});

test('a library the system loader found by its bare soname is the file this process mapped; one not mapped is its name', () => {
  const lib = tempDir('mt-nvrtc-build-');
  const file = install(lib, '13.0.88', 'nvrtc 13.0.88');
  const maps = path.join(lib, 'maps');
  fs.writeFileSync(maps, [
    `7f0000000000-7f0000001000 r--p 00000000 08:01 1001                       ${path.join(lib, 'libnvrtc-builtins.so.13.0')}`,
    '7f0000002000-7f0000003000 rw-p 00000000 00:00 0                          [heap]',
    `7f0000004000-7f0000005000 r-xp 00000000 08:01 1002                       ${file}`,
  ].join('\n') + '\n');
  assert.equal(libraryBuild('libnvrtc.so.13', maps), libraryBuild(file));
  assert.equal(libraryBuild('libnvrtc.so.12', maps), 'libnvrtc.so.12');
  assert.equal(libraryBuild('libnvrtc.so.13', path.join(lib, 'no-maps')), 'libnvrtc.so.13', 'no /proc (not Linux): the name');
});
