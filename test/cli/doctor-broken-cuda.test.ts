// `mistral-tune doctor` where CUDA is installed but broken, on stand-ins built here with cc: a libcuda.so.1 whose cuInit
// fails (100: no GPU visible; 999: a GPU or kernel module in a bad state), NVRTC or cuBLASLt missing, of CUDA 11, or a
// broken link: one line per piece (driver, NVRTC, cuBLASLt), each saying what is wrong and what to do, exit 0 (doctor
// reports; CUDA missing is a finding), and --json one object with the same pieces. Through the CLI the machine's own
// NVRTC and cuBLASLt (a toolkit in /usr/local/cuda/lib64, a pip wheel in ~/.local) are found after the stand-ins' folders,
// so what is wrong with NVRTC and cuBLASLt is checked in-process, on an empty file-system root and without the loader's
// cache. Skipped where there is no C compiler.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DRIVER_SIGNATURES } from '../../src/backend/cuda/driver.ts';
import { probeCuda } from '../../src/backend/cuda/probe.ts';
import { formatDoctor, type DoctorReport } from '../../src/cli/doctor.ts';
import { mistral7bFits } from '../../src/cli/doctor-fit.ts';
import { CC, NO_CC } from '../c-compiler.ts';
import { tempDir } from '../temp-dir.ts';

const skip = NO_CC;

/** A libcuda.so.1 exporting every entry point the bindings take, each returning MT_CUINIT's status (cuGetErrorName/String answering for 100 and 999). */
function brokenDriver(dir: string): void {
  const names = Object.values(DRIVER_SIGNATURES).map(([n]) => n[0]!);
  const c = ['#include <stdlib.h>', 'static int st(void) { const char *e = getenv("MT_CUINIT"); return e ? atoi(e) : 100; }',
    ...names.map((n) => `int ${n}() { return st(); }`),
    'int cuGetErrorName(int s, const char **n) { *n = s == 100 ? "CUDA_ERROR_NO_DEVICE" : s == 999 ? "CUDA_ERROR_UNKNOWN" : 0; return *n ? 0 : 1; }',
    'int cuGetErrorString(int s, const char **n) { *n = s == 100 ? "no CUDA-capable device is detected" : s == 999 ? "unknown error" : 0; return *n ? 0 : 1; }'].join('\n');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cuda.c'), c);
  execFileSync(CC!, ['-shared', '-fPIC', '-o', path.join(dir, 'libcuda.so.1'), path.join(dir, 'cuda.c')]);
}

function doctor(env: Record<string, string>, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  // no CUDA_HOME or venv of this machine: only the stand-ins' folders and the system's are searched
  const { CUDA_HOME: _h, CUDA_PATH: _p, VIRTUAL_ENV: _v, CONDA_PREFIX: _c, ...rest } = process.env;
  return spawnSync(process.execPath, ['bin/mistral-tune.js', 'doctor', ...args], { encoding: 'utf8', timeout: 60_000, env: { ...rest, ...env } });
}

interface Item { what: string; ok: boolean; text: string }

/** The stand-in driver in drv/; in old/ an NVRTC of CUDA 11 and a cuBLASLt link to a removed toolkit; typo/ does not exist. */
function brokenInstall(): { root: string; ld: string } {
  const root = tempDir('mt-doctor-cuda-');
  brokenDriver(path.join(root, 'drv'));
  fs.mkdirSync(path.join(root, 'old'));
  fs.writeFileSync(path.join(root, 'old', 'libnvrtc.so.11.2'), ''); // CUDA 11: passed over
  fs.symlinkSync('/nowhere/libcublasLt.so.13.0.1', path.join(root, 'old', 'libcublasLt.so.13')); // a toolkit removed under its link
  return { root, ld: [path.join(root, 'drv'), path.join(root, 'old'), path.join(root, 'typo')].join(':') };
}

const STATUSES = [['100', 'CUDA_ERROR_NO_DEVICE', /the driver sees no GPU: check nvidia-smi, CUDA_VISIBLE_DEVICES/], ['999', 'CUDA_ERROR_UNKNOWN', /bad state: check nvidia-smi and dmesg/]] as const;

test('a driver whose cuInit fails: the driver line names the file, the status and what to check; NVRTC and cuBLASLt each get their own line; exit 0; --json has the same pieces', { skip }, () => {
  const { root, ld } = brokenInstall();
  for (const [status, name, advice] of STATUSES) {
    const r = doctor({ LD_LIBRARY_PATH: ld, MT_CUINIT: status });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.ok(lines.some((l) => /^cuda backend: not available — [123] of the pieces below (is|are) missing or broken$/.test(l)), r.stdout);
    const driver = lines.find((l) => l.startsWith('  driver: '))!;
    assert.match(driver, new RegExp(`^ {2}driver: NOT USABLE — the CUDA driver \\(${path.join(root, 'drv', 'libcuda.so.1')}\\) loaded, but cuInit failed with ${status} ${name}`));
    assert.match(driver, advice);
    assert.equal(lines.filter((l) => /^ {2}(NVRTC|cuBLASLt): /.test(l)).length, 2, r.stdout);
    const j = JSON.parse(doctor({ LD_LIBRARY_PATH: ld, MT_CUINIT: status }, '--json').stdout) as { cuda: { available: boolean; reason: string; items: Item[] } };
    assert.equal(j.cuda.available, false);
    assert.deepEqual(j.cuda.items.map((i) => i.what), ['driver', 'NVRTC', 'cuBLASLt']);
    assert.equal(j.cuda.items[0]!.ok, false);
    assert.match(j.cuda.reason, new RegExp(`cuInit failed with ${status}`));
    assert.ok(j.cuda.items.every((i) => !i.text.includes('\n')));
  }
});

test('NVRTC and cuBLASLt are each checked whatever the driver\'s state: of CUDA 11, a broken link, an LD_LIBRARY_PATH folder that does not exist, each named in its own line', { skip }, () => {
  const { ld } = brokenInstall();
  const probe = probeCuda({ root: tempDir('mt-doctor-root-'), env: { LD_LIBRARY_PATH: ld }, systemCache: false, libraries: true, eachPiece: true });
  assert.ok(!probe.available);
  const items = probe.items ?? [];
  assert.deepEqual(items.map((i) => [i.what, i.ok]), [['driver', false], ['NVRTC', false], ['cuBLASLt', false]]);
  assert.match(items[1]!.text, /^NVRTC \(libnvrtc\.so\.\*, CUDA 12 or newer\) not found; .*passed over: \S+libnvrtc\.so\.11\.2 \(CUDA 11: too old\).*; install the CUDA toolkit/);
  assert.match(items[2]!.text, /^cuBLASLt .*passed over: \S+libcublasLt\.so\.13 \(a broken link to \/nowhere\/libcublasLt\.so\.13\.0\.1\).*no such folder: \S+\/typo \(LD_LIBRARY_PATH\).*pip install nvidia-cublas/);
  const cpu: DoctorReport['cpu'] = { model: 'x', cores: 1, memoryBytes: 2 ** 30, kernelThreads: 1, blas: null, blasUsed: false, gemmAskedBy: null, wasmKernels: 'off', gemm: 'cpu' };
  const lines = formatDoctor({ node: 'v0', platform: 'linux-x64', cpu, cuda: probe, mistral7b: mistral7bFits({ ramBytes: cpu.memoryBytes, freeBytes: cpu.memoryBytes, gpu: null }) }).split('\n');
  assert.ok(lines.includes('cuda backend: not available — 3 of the pieces below are missing or broken'), lines.join('\n'));
  for (const what of ['driver', 'NVRTC', 'cuBLASLt']) assert.equal(lines.filter((l) => l.startsWith(`  ${what}: NOT USABLE — `)).length, 1, what);
});
