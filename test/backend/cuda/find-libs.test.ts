// Library discovery on fake directory trees: search order (LD_LIBRARY_PATH, CUDA_HOME, /usr/local/cuda,
// system folders, pip nvidia/*/lib), soname choice, and the error that lists every folder looked at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  driverCudaMajor, findCudaInclude, findLibrary, headerCudaMajor, headersNotFoundError, librarySearchDirs, LIBCUBLASLT, LIBCUDA, LIBNVRTC, matchInDir,
  notFoundError, requireCudaInclude,
} from '../../../src/backend/cuda/find-libs.ts';
import { tempDir } from '../../temp-dir.ts';

function tree(files: string[]): string {
  const root = tempDir('mt-findlibs-');
  for (const f of files) {
    fs.mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), '');
  }
  return root;
}

test('search order: LD_LIBRARY_PATH, CUDA_HOME, /usr/local/cuda, system folders, then pip wheels of every python3', () => {
  const root = tree(['usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/x', 'usr/local/lib/python3.10/site-packages/nvidia/cublas/lib/x',
    'home/u/.local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib/x']);
  const dirs = librarySearchDirs({ root, env: { LD_LIBRARY_PATH: '/a::/b', CUDA_HOME: '/opt/cuda', HOME: path.join(root, 'home/u') } });
  const rel = dirs.map((d) => (d.startsWith(root) ? d.slice(root.length) : d));
  assert.deepEqual(rel.slice(0, 6), ['/a', '/b', '/opt/cuda/lib64', '/opt/cuda/lib', '/usr/local/cuda/lib64', '/usr/local/cuda/lib']);
  assert.ok(rel.indexOf('/usr/lib/x86_64-linux-gnu') > 5);
  const pip = rel.filter((d) => d.includes('-packages/nvidia/'));
  assert.deepEqual(pip, [
    '/home/u/.local/lib/python3.11/site-packages/nvidia/cuda_nvrtc/lib',
    '/usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib',
    '/usr/local/lib/python3.10/site-packages/nvidia/cublas/lib',
  ]);
});

test('the first folder in order that holds the soname wins; the pip layout is found when nothing else has it', () => {
  const root = tree([
    'usr/local/cuda/lib64/libnvrtc.so.12',
    'ld/libnvrtc.so.13',
    'usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublasLt.so.13',
    'usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libnvrtc-builtins.so.13.0',
  ]);
  const env = { LD_LIBRARY_PATH: path.join(root, 'ld') };
  assert.equal(findLibrary(LIBNVRTC, { root, env }).file, path.join(root, 'ld/libnvrtc.so.13'));
  assert.equal(findLibrary(LIBNVRTC, { root, env: {} }).file, path.join(root, 'usr/local/cuda/lib64/libnvrtc.so.12'));
  assert.equal(findLibrary(LIBCUBLASLT, { root, env: {} }).file, path.join(root, 'usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libcublasLt.so.13'));
  assert.equal(findLibrary(LIBCUDA, { root, env }).file, null);
});

test('soname choice inside one folder: exact major for the driver, highest major otherwise, bare soname before full versions', () => {
  const root = tree(['l/libcuda.so', 'l/libcuda.so.2', 'l/libnvrtc.so.11.2', 'l/libnvrtc.so.12.4.127', 'l/libnvrtc.so.12',
    'l/libnvrtc-builtins.so.13.0', 'l/libcublasLt.so.12.9.1']);
  const dir = path.join(root, 'l');
  assert.equal(matchInDir(dir, LIBCUDA), null, 'libcuda.so (dev link) and .so.2 are not libcuda.so.1');
  fs.writeFileSync(path.join(dir, 'libcuda.so.1'), '');
  assert.equal(matchInDir(dir, LIBCUDA), path.join(dir, 'libcuda.so.1'));
  assert.equal(matchInDir(dir, LIBNVRTC), path.join(dir, 'libnvrtc.so.12'));
  assert.equal(matchInDir(dir, LIBCUBLASLT), path.join(dir, 'libcublasLt.so.12.9.1'));
  assert.equal(matchInDir(path.join(root, 'missing'), LIBNVRTC), null);
});

test('maxMajor (the driver\'s CUDA): a library of a newer CUDA is passed over, and named, for an older one that runs', () => {
  // a CUDA 13 toolkit in /usr/local/cuda beside torch's CUDA 12 wheels, on a driver that runs CUDA 12 (R550, R570):
  // the 13 libraries (cuBLASLt 13 and NVRTC 13's cubins need a CUDA 13 driver) must not be taken over the 12 ones
  const pip12 = 'usr/local/lib/python3.12/dist-packages/nvidia/cuda_nvrtc/lib';
  const root = tree(['usr/local/cuda/lib64/libnvrtc.so.13', 'usr/local/cuda/lib64/libcublasLt.so.13', 'usr/local/cuda/lib64/libcuda.so.1',
    `${pip12}/libnvrtc.so.12`]);
  assert.equal(findLibrary(LIBNVRTC, { root, env: {} }).file, path.join(root, 'usr/local/cuda/lib64/libnvrtc.so.13'), 'no cap: the highest');
  assert.equal(findLibrary(LIBNVRTC, { root, env: {}, maxMajor: 13 }).file, path.join(root, 'usr/local/cuda/lib64/libnvrtc.so.13'));
  const nvrtc = findLibrary(LIBNVRTC, { root, env: {}, maxMajor: 12 });
  assert.equal(nvrtc.file, path.join(root, pip12, 'libnvrtc.so.12'));
  assert.deepEqual(nvrtc.passed, [`${path.join(root, 'usr/local/cuda/lib64/libnvrtc.so.13')} (CUDA 13: newer than the driver, which runs CUDA 12: update the NVIDIA driver, or install CUDA 12's)`]);
  assert.equal(findLibrary(LIBCUDA, { root, env: {}, maxMajor: 12 }).file, path.join(root, 'usr/local/cuda/lib64/libcuda.so.1'), 'the driver itself: its soname, whatever the cap');
  const lt = findLibrary(LIBCUBLASLT, { root, env: {}, maxMajor: 12 });
  assert.equal(lt.file, null);
  const e = notFoundError(LIBCUBLASLT, lt);
  assert.match(e.message, /libcublasLt\.so\.13 \(CUDA 13: newer than the driver, which runs CUDA 12: update the NVIDIA driver, or install CUDA 12's\)/);
  // a driver older than every NVRTC taken (CUDA 11: R470, R520): the 12 library passed over, and only a newer driver helps
  const on11 = notFoundError(LIBNVRTC, findLibrary(LIBNVRTC, { root, env: {}, maxMajor: 11 }));
  assert.match(on11.message, /libnvrtc\.so\.12 \(CUDA 12: newer than the driver, which runs CUDA 11: update the NVIDIA driver \(one that runs CUDA 12 or newer\)\)/);
  assert.doesNotMatch(on11.message, /install CUDA 11's/, "CUDA 11's NVRTC is refused as too old");
  assert.equal(driverCudaMajor(11080), 11);
  assert.equal(driverCudaMajor(12080), 12);
  assert.equal(driverCudaMajor(13000), 13);
});

test('a missing library: a UserError naming it, the hint, and every folder looked at', () => {
  const root = tree(['usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libnvrtc.so.13']);
  const env = { LD_LIBRARY_PATH: '/nowhere/one', CUDA_HOME: '/nowhere/cuda' };
  const { file, looked } = findLibrary(LIBCUBLASLT, { root, env });
  assert.equal(file, null);
  const e = notFoundError(LIBCUBLASLT, { looked });
  assert.equal(e.name, 'UserError');
  assert.match(e.message, /^cuBLASLt \(libcublasLt\.so\.\*, CUDA 12 or newer\) not found; looked in: \/nowhere\/one, \/nowhere\/cuda\/lib64, /);
  for (const dir of looked) assert.ok(e.message.includes(dir), `lists ${dir}`);
  assert.ok(e.message.includes(path.join(root, 'usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib')));
  assert.match(e.message, /pip install nvidia-cublas/);
  assert.ok(!e.message.includes('\n'), 'one line');
});

test('a missing library with a line break in CUDA_HOME or LD_LIBRARY_PATH: still one line, the break shown escaped', () => {
  const env = { LD_LIBRARY_PATH: '/tmp/x\u001by', CUDA_HOME: '/tmp/a\nb' };
  const { looked } = findLibrary(LIBCUDA, { root: tree([]), env });
  const e = notFoundError(LIBCUDA, { looked });
  assert.ok(!/[\u0000-\u001f]/.test(e.message), e.message);
  assert.match(e.message, /looked in: \/tmp\/x\\u001by, \/tmp\/a\\nb\/lib64, /);
});

test('the CUDA headers (cuda_bf16.h for NVRTC) are found in CUDA_HOME/include or the pip include folders', () => {
  const root = tree(['usr/local/lib/python3.12/dist-packages/nvidia/cu13/include/cuda_bf16.h', 'cuda/include/cuda_fp16.h']);
  assert.equal(findCudaInclude({ root, env: { CUDA_HOME: path.join(root, 'cuda') } }).file,
    path.join(root, 'usr/local/lib/python3.12/dist-packages/nvidia/cu13/include'));
  fs.writeFileSync(path.join(root, 'cuda/include/cuda_bf16.h'), '');
  assert.equal(findCudaInclude({ root, env: { CUDA_HOME: path.join(root, 'cuda') } }).file, path.join(root, 'cuda/include'));
  // the headers of the installation whose NVRTC compiles come first; an installation without headers is passed over
  const nvrtc = path.join(root, 'usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libnvrtc.so.13');
  assert.equal(findCudaInclude({ root, env: { CUDA_HOME: path.join(root, 'cuda') } }, nvrtc).file,
    path.join(root, 'usr/local/lib/python3.12/dist-packages/nvidia/cu13/include'));
  assert.equal(findCudaInclude({ root, env: { CUDA_HOME: path.join(root, 'cuda') } }, path.join(root, 'elsewhere/lib/libnvrtc.so.13')).file,
    path.join(root, 'cuda/include'));
  assert.equal(findCudaInclude({ root, env: { CUDA_HOME: path.join(root, 'cuda') } }, 'libnvrtc.so.13').file, path.join(root, 'cuda/include'), 'a bare soname says nothing');
  // CUDA 12's wheels (torch cu12): NVRTC in nvidia/cuda_nvrtc/lib, cuda_bf16.h in nvidia/cuda_runtime/include — the
  // headers NVRTC 12 compiles with, not CUDA_HOME's (a CUDA 13 toolkit's, when the driver runs CUDA 12 only)
  const site = path.join(root, 'usr/local/lib/python3.10/site-packages/nvidia');
  for (const f of ['cuda_nvrtc/lib/libnvrtc.so.12', 'cuda_nvrtc/include/nvrtc.h', 'cuda_runtime/include/cuda_bf16.h']) {
    fs.mkdirSync(path.dirname(path.join(site, f)), { recursive: true });
    fs.writeFileSync(path.join(site, f), '');
  }
  assert.equal(findCudaInclude({ root, env: { CUDA_HOME: path.join(root, 'cuda') } }, path.join(site, 'cuda_nvrtc/lib/libnvrtc.so.12')).file,
    path.join(site, 'cuda_runtime/include'));
  // CUDA 13's wheels beside them (nvidia/cu13, sorted before cuda_runtime): another release's headers, for either NVRTC
  for (const f of ['cu13/include/cuda_bf16.h', 'cu13/lib/libnvrtc.so.13']) {
    fs.mkdirSync(path.dirname(path.join(site, f)), { recursive: true });
    fs.writeFileSync(path.join(site, f), '');
  }
  assert.equal(findCudaInclude({ root, env: {} }, path.join(site, 'cuda_nvrtc/lib/libnvrtc.so.12')).file, path.join(site, 'cuda_runtime/include'));
  assert.equal(findCudaInclude({ root, env: {} }, path.join(site, 'cu13/lib/libnvrtc.so.13')).file, path.join(site, 'cu13/include'));
});

test('a python3 on PATH names a venv whose pip wheels are searched (the GPU machine: /opt/torch/.venv/bin/python3)', () => {
  const root = tree(['opt/torch/.venv/bin/python3', 'opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublasLt.so.13',
    'opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/include/cuda_bf16.h', 'usr/bin/ls']);
  const env = { PATH: `${path.join(root, 'usr/bin')}:relative/bin:${path.join(root, 'opt/torch/.venv/bin')}` };
  assert.equal(findLibrary(LIBCUBLASLT, { root, env }).file, path.join(root, 'opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/lib/libcublasLt.so.13'));
  assert.equal(findCudaInclude({ root, env }).file, path.join(root, 'opt/torch/.venv/lib/python3.12/site-packages/nvidia/cu13/include'));
  assert.equal(findLibrary(LIBCUBLASLT, { root, env: {} }).file, null);
});

test('a broken link of the soname is passed over for the next folder\'s library; where none is left, the error names the link and its target', () => {
  const root = tree(['usr/local/cuda/lib64/libnvrtc.so.12']);
  fs.mkdirSync(path.join(root, 'ld'));
  fs.symlinkSync('/nowhere/libnvrtc.so.13.0.88', path.join(root, 'ld/libnvrtc.so.13'));
  const env = { LD_LIBRARY_PATH: path.join(root, 'ld') };
  assert.equal(findLibrary(LIBNVRTC, { root, env }).file, path.join(root, 'usr/local/cuda/lib64/libnvrtc.so.12'));
  fs.rmSync(path.join(root, 'usr/local/cuda/lib64/libnvrtc.so.12'));
  const found = findLibrary(LIBNVRTC, { root, env });
  assert.equal(found.file, null);
  const e = notFoundError(LIBNVRTC, found);
  assert.match(e.message, new RegExp(`passed over: ${path.join(root, 'ld/libnvrtc.so.13').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(a broken link to /nowhere/libnvrtc\\.so\\.13\\.0\\.88\\)`));
  assert.ok(!e.message.includes('\n'), 'one line');
});

test('an NVRTC or cuBLASLt of CUDA 11 is not taken (sm_90a, the bf16 kernels need CUDA 12 or newer): the error names the file found and the major needed', () => {
  const root = tree(['l/libnvrtc.so.11.2', 'l/libcublasLt.so.11', 'l/libcuda.so.1']);
  const env = { LD_LIBRARY_PATH: path.join(root, 'l') };
  for (const spec of [LIBNVRTC, LIBCUBLASLT]) {
    const found = findLibrary(spec, { root, env });
    assert.equal(found.file, null, spec.what);
    const e = notFoundError(spec, found);
    assert.match(e.message, /^(NVRTC|cuBLASLt) \(lib\w+\.so\.\*, CUDA 12 or newer\) not found; /);
    assert.match(e.message, /passed over: \S+\/l\/lib\w+\.so\.11[.\d]* \(CUDA 11: too old\)/);
  }
  assert.equal(findLibrary(LIBCUDA, { root, env }).file, path.join(root, 'l/libcuda.so.1'));
});

test('an LD_LIBRARY_PATH or CUDA_HOME folder that does not exist is named as such in the error (a typo in the path is the likely cause)', () => {
  const root = tree([]);
  const found = findLibrary(LIBCUDA, { root, env: { LD_LIBRARY_PATH: `/nowhere/one:${root}`, CUDA_HOME: '/nowhere/cuda' } });
  const e = notFoundError(LIBCUDA, found);
  assert.match(e.message, /; no such folder: \/nowhere\/one \(LD_LIBRARY_PATH\), \/nowhere\/cuda \(CUDA_HOME\);/);
  assert.ok(!e.message.includes(`${root} (LD_LIBRARY_PATH)`));
});

/** Writes `text` at `file` under `root`, making its folders. */
function put(root: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), text);
}

test('Debian/Ubuntu nvidia-cuda-toolkit: NVRTC in /usr/lib/x86_64-linux-gnu, its headers in /usr/include — found, and of NVRTC\'s own CUDA where the headers say', () => {
  const root = tree(['usr/lib/x86_64-linux-gnu/libnvrtc.so.12', 'usr/lib/x86_64-linux-gnu/libcublasLt.so.12', 'usr/include/cuda_bf16.h']);
  put(root, 'usr/include/cuda.h', '#ifndef __cuda_cuda_h__\n#define __cuda_cuda_h__\n#define CUDA_VERSION 12040\n#endif\n');
  const nvrtc = findLibrary(LIBNVRTC, { root, env: {} }).file;
  assert.equal(nvrtc, path.join(root, 'usr/lib/x86_64-linux-gnu/libnvrtc.so.12'));
  assert.equal(findCudaInclude({ root, env: {} }, nvrtc).file, path.join(root, 'usr/include'));
  assert.equal(findCudaInclude({ root, env: {} }).file, path.join(root, 'usr/include'), 'in the search order too, after /usr/local/cuda/include');
  assert.equal(headerCudaMajor(path.join(root, 'usr/include')), 12);
  // CUDA 13's wheels beside (their NVRTC taken on a CUDA 13 driver) but without cu13/include: the CUDA 12 headers of
  // /usr/include are another release's, passed over and named
  const cu13 = 'usr/local/lib/python3.12/dist-packages/nvidia/cu13/lib/libnvrtc.so.13';
  put(root, cu13, '');
  const mixed = findCudaInclude({ root, env: {} }, path.join(root, cu13));
  assert.equal(mixed.file, null);
  assert.deepEqual(mixed.passed, [`${path.join(root, 'usr/include')} (CUDA 12's headers, not NVRTC 13's)`]);
  const e = headersNotFoundError(mixed);
  assert.match(e.message, /^CUDA headers \(cuda_bf16\.h, needed by NVRTC\) not found; looked in: .*usr\/include.*; passed over: .*usr\/include \(CUDA 12's headers, not NVRTC 13's\); install /);
  assert.throws(() => requireCudaInclude(path.join(root, cu13), { root, env: {} }), (x: Error) => x.name === 'UserError' && x.message === e.message);
  // headers that do not say their version (cuda_runtime_api.h's CUDART_VERSION is the other place looked) are taken
  fs.rmSync(path.join(root, 'usr/include/cuda.h'));
  assert.equal(headerCudaMajor(path.join(root, 'usr/include')), null);
  assert.equal(findCudaInclude({ root, env: {} }, path.join(root, cu13)).file, path.join(root, 'usr/include'));
  put(root, 'usr/include/cuda_runtime_api.h', '#define CUDART_VERSION 13000\n');
  assert.equal(headerCudaMajor(path.join(root, 'usr/include')), 13);
  assert.equal(findCudaInclude({ root, env: {} }, path.join(root, cu13)).file, path.join(root, 'usr/include'));
});

test('conda (CONDA_PREFIX): cuda-nvrtc\'s and libcublas\'s $CONDA_PREFIX/lib after CUDA_HOME and /usr/local/cuda; the headers in its include or targets/x86_64-linux/include', () => {
  const prefix = 'opt/conda/envs/ft';
  const root = tree([`${prefix}/lib/libnvrtc.so.12`, `${prefix}/lib/libcublasLt.so.12`, `${prefix}/targets/x86_64-linux/include/cuda_bf16.h`]);
  const env = { CONDA_PREFIX: path.join(root, prefix), CUDA_HOME: '/opt/cuda' };
  const rel = librarySearchDirs({ root, env }).map((d) => (d.startsWith(root) ? d.slice(root.length) : d));
  assert.deepEqual(rel.slice(0, 5), ['/opt/cuda/lib64', '/opt/cuda/lib', '/usr/local/cuda/lib64', '/usr/local/cuda/lib', `/${prefix}/lib`]);
  const nvrtc = findLibrary(LIBNVRTC, { root, env }).file;
  assert.equal(nvrtc, path.join(root, prefix, 'lib/libnvrtc.so.12'));
  assert.equal(findLibrary(LIBCUBLASLT, { root, env }).file, path.join(root, prefix, 'lib/libcublasLt.so.12'));
  assert.equal(findCudaInclude({ root, env }, nvrtc).file, path.join(root, prefix, 'targets/x86_64-linux/include'), "conda's NVRTC: conda's headers");
  put(root, 'usr/local/cuda/include/cuda_bf16.h', '');
  assert.equal(findCudaInclude({ root, env }, nvrtc).file, path.join(root, prefix, 'targets/x86_64-linux/include'), "conda's NVRTC: conda's headers first");
  put(root, `${prefix}/include/cuda_bf16.h`, '');
  assert.equal(findCudaInclude({ root, env }, nvrtc).file, path.join(root, prefix, 'include'));
  assert.equal(findLibrary(LIBNVRTC, { root, env: {} }).file, null, 'no CONDA_PREFIX: not looked at');
});

test('conda\'s PyTorch (cuda-nvrtc 12, no headers) beside a CUDA 13 toolkit in /usr/local/cuda: the toolkit\'s NVRTC and headers are taken, not "headers not found"', () => {
  const prefix = 'opt/conda';
  const root = tree([`${prefix}/lib/libnvrtc.so.12`, `${prefix}/lib/libcublasLt.so.12`, 'usr/local/cuda/lib64/libnvrtc.so.13',
    'usr/local/cuda/lib64/libcublasLt.so.13', 'usr/local/cuda/include/cuda_bf16.h']);
  put(root, 'usr/local/cuda/include/cuda.h', '#define CUDA_VERSION 13000\n');
  const opts = { root, env: { CONDA_PREFIX: path.join(root, prefix) }, maxMajor: 13 };
  const nvrtc = findLibrary(LIBNVRTC, opts).file;
  assert.equal(nvrtc, path.join(root, 'usr/local/cuda/lib64/libnvrtc.so.13'));
  assert.equal(requireCudaInclude(nvrtc, opts), path.join(root, 'usr/local/cuda/include'));
  assert.equal(findLibrary(LIBCUBLASLT, opts).file, path.join(root, 'usr/local/cuda/lib64/libcublasLt.so.13'));
  // on a CUDA 12 driver the toolkit's 13 is passed over for conda's 12, which runs
  assert.equal(findLibrary(LIBNVRTC, { ...opts, maxMajor: 12 }).file, path.join(root, prefix, 'lib/libnvrtc.so.12'));
});

test('the hint for a missing NVRTC or cuBLASLt names the pip wheel of the CUDA the driver runs: -cu12 on a CUDA 12 driver, both where unknown', () => {
  const root = tree([]);
  for (const [spec, pip] of [[LIBNVRTC, 'nvidia-cuda-nvrtc'], [LIBCUBLASLT, 'nvidia-cublas']] as const) {
    const msg = (maxMajor?: number): string => notFoundError(spec, findLibrary(spec, { root, env: {}, maxMajor })).message;
    assert.match(msg(12), new RegExp(`; install the CUDA toolkit \\(set CUDA_HOME\\) or \`pip install ${pip}-cu12\` \\(CUDA 12, which the driver runs\\)$`));
    assert.match(msg(13), new RegExp(`; install the CUDA toolkit \\(set CUDA_HOME\\) or \`pip install ${pip}\` \\(CUDA 13\\)$`));
    assert.match(msg(), new RegExp(`\`pip install ${pip}\` \\(CUDA 13: a driver of R580 or newer\\) or \`pip install ${pip}-cu12\` \\(CUDA 12\\)$`));
  }
  assert.equal(notFoundError(LIBCUDA, findLibrary(LIBCUDA, { root, env: {}, maxMajor: 12 })).message.endsWith(LIBCUDA.hint), true);
});
