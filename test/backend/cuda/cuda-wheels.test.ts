// cuda-wheels.ts on two small stand-in wheels laid out as CUDA 13's: only the headers and the NVRTC, builtins and
// cuBLASLt libraries come out, into include/ and lib/ of a folder named by the wheels, made once and then reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unpackCudaWheels } from './cuda-wheels.ts';
import { tempDir } from '../../temp-dir.ts';

/** A zip at `file` holding each of `members` with its own name as content. */
function zip(file: string, members: string[]): void {
  execFileSync('python3', ['-c', 'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z:\n    for n in sys.argv[2:]: z.writestr(n, n)', file, ...members]);
}

test('the wheels unpack into include/ and lib/ with only what the tests need, once', () => {
  const dir = tempDir('cuda-wheels-test-');
  try {
    const nvrtc = path.join(dir, 'nvidia_cuda_nvrtc-13.0.1-py3-none-manylinux_2_12_x86_64.whl');
    const cublas = path.join(dir, 'nvidia_cublas-13.1.0-py3-none-manylinux_2_27_x86_64.whl');
    zip(nvrtc, ['nvidia/cu13/include/nvrtc.h', 'nvidia/cu13/lib/libnvrtc.so.13', 'nvidia/cu13/lib/libnvrtc-builtins.so.13.0',
      'nvidia/cu13/lib/libnvrtc.alt.so.13', 'nvidia/cu13/lib/libnvrtc-builtins.alt.so.13.0', 'nvidia_cuda_nvrtc-13.0.1.dist-info/RECORD']);
    zip(cublas, ['nvidia/cu13/include/cublasLt.h', 'nvidia/cu13/include/cublas_api.h', 'nvidia/cu13/lib/libcublasLt.so.13',
      'nvidia/cu13/lib/libcublas.so.13', 'nvidia/__init__.py']);
    const cache = path.join(dir, 'cache');
    // what other wheels left: an old version and a killed run's half-made folder, unused for two hours, are
    // removed; a version made a minute ago (another checkout's tests running beside) is kept
    const aged = (name: string, minutes: number): string => {
      const p = path.join(cache, name);
      fs.mkdirSync(path.join(p, 'lib'), { recursive: true });
      const t = new Date(Date.now() - minutes * 60_000);
      fs.utimesSync(p, t, t);
      return p;
    };
    const old = aged('nvrtc-13.0.0+cublas-13.0.0-0123abcd', 120), half = aged('nvrtc-13.0.1+cublas-13.1.0-deadbeef.part-x1', 120);
    const recent = aged('nvrtc-13.0.2+cublas-13.1.1-89abcdef', 1);
    const home = unpackCudaWheels([nvrtc, cublas], cache);
    assert.ok(!fs.existsSync(old) && !fs.existsSync(half), 'stale folders removed');
    assert.ok(fs.existsSync(recent), 'a recent folder kept');
    fs.rmSync(recent, { recursive: true });
    assert.match(path.basename(home), /^nvrtc-13\.0\.1\+cublas-13\.1\.0-[0-9a-f]{8}$/);
    assert.deepEqual(fs.readdirSync(path.join(home, 'include')).sort(), ['cublasLt.h', 'cublas_api.h', 'nvrtc.h']);
    assert.deepEqual(fs.readdirSync(path.join(home, 'lib')).sort(), ['libcublasLt.so.13', 'libnvrtc-builtins.so.13.0', 'libnvrtc.so.13']);
    assert.equal(fs.readFileSync(path.join(home, 'lib', 'libnvrtc.so.13'), 'utf8'), 'nvidia/cu13/lib/libnvrtc.so.13');
    assert.deepEqual(fs.readdirSync(cache), [path.basename(home)], 'no half-made folder left beside');
    fs.writeFileSync(path.join(home, 'lib', 'marker'), '');
    assert.equal(unpackCudaWheels([nvrtc, cublas], cache), home);
    assert.ok(fs.existsSync(path.join(home, 'lib', 'marker')), 'the second call reuses the folder');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wheels without the libraries or headers are an error naming what they lack, and leave nothing behind', () => {
  const dir = tempDir('cuda-wheels-test-');
  try {
    const nvrtc = path.join(dir, 'nvidia_cuda_nvrtc-13.0.1-py3-none-manylinux_2_12_x86_64.whl');
    const cublas = path.join(dir, 'nvidia_cublas-13.1.0-py3-none-manylinux_2_27_x86_64.whl');
    zip(nvrtc, ['nvidia/cu13/include/nvrtc.h', 'nvidia/cu13/lib/libnvrtc.so.13']);
    zip(cublas, ['nvidia/cu13/lib/libcublas.so.13']);
    const cache = path.join(dir, 'cache');
    assert.throws(() => unpackCudaWheels([nvrtc, cublas], cache), /lack libcublasLt\.so\.\*, cublasLt\.h, cublas_api\.h$/);
    assert.deepEqual(fs.readdirSync(cache), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
