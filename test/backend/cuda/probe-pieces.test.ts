// probeCuda without a driver: `--device auto` (every train, eval, generate and dry run by default) stops at the missing
// driver and opens nothing more — a CPU machine with a torch venv holds NVRTC and cuBLASLt (650 MB of libraries: half a
// second and 180 MiB more each run, for a backend it cannot use); doctor's probe (eachPiece) opens each to report it.
// The stand-ins, built here with cc, write their name to a file as the loader opens them. Skipped where there is no cc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { CublasLt } from '../../../src/backend/cuda/cublaslt.ts';
import { Nvrtc, NVRTC_SIGNATURES } from '../../../src/backend/cuda/nvrtc.ts';
import { probeCuda } from '../../../src/backend/cuda/probe.ts';
import { CC, NO_CC } from '../../c-compiler.ts';
import { tempDir } from '../../temp-dir.ts';

const skip = NO_CC;
const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');

/**
 * A folder holding libnvrtc.so.13 (every entry point the bindings take but those named in `lacking`; nvrtcVersion 13.0)
 * and libcublasLt.so.13 (none of its entry points), each appending its name to `marker` as the loader opens it; no libcuda.
 */
function standIns(root: string, marker: string, lacking: string[] = []): string {
  const lib = path.join(root, 'lib');
  fs.mkdirSync(lib);
  const nvrtc = Object.values(NVRTC_SIGNATURES).map((sig) => /\*?(\w+)\(/.exec(sig)![1]!).filter((n) => n !== 'nvrtcVersion' && !lacking.includes(n))
    .map((n) => `int ${n}() { return 0; }`).concat('int nvrtcVersion(int *major, int *minor) { *major = 13; *minor = 0; return 0; }');
  for (const [name, entries] of [['libnvrtc.so.13', nvrtc], ['libcublasLt.so.13', []]] as const) {
    const c = path.join(root, `${name}.c`);
    fs.writeFileSync(c, [
      'typedef struct FILE FILE; FILE *fopen(const char *, const char *); int fputs(const char *, FILE *); int fclose(FILE *);',
      `__attribute__((constructor)) static void loaded(void) { FILE *f = fopen(${JSON.stringify(marker)}, "a"); if (f) { fputs("${name}\\n", f); fclose(f); } }`,
      ...entries,
    ].join('\n'));
    execFileSync(CC!, ['-shared', '-fPIC', '-o', path.join(lib, name), c]);
  }
  return lib;
}

test('no driver: --device auto\'s probe opens neither NVRTC nor cuBLASLt; doctor\'s opens each and reports it', { skip }, () => {
  const root = tempDir('mt-probe-pieces-');
  const marker = path.join(root, 'loaded.txt');
  const opts = { root, env: { LD_LIBRARY_PATH: standIns(root, marker) }, systemCache: false };
  const auto = probeCuda({ ...opts, libraries: true });
  assert.equal(auto.available, false);
  assert.match(auto.available ? '' : auto.reason, /^no CUDA driver: CUDA driver \(libcuda\.so\.1\) not found; /);
  assert.equal(fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '', '', 'nothing loaded beyond the driver search');
  fs.mkdirSync(path.join(root, 'usr/include'), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/include/cuda_bf16.h'), ''); // NVRTC in <root>/lib, a system folder: the headers of /usr/include
  const doctor = probeCuda({ ...opts, libraries: true, eachPiece: true });
  assert.ok(!doctor.available);
  assert.deepEqual(doctor.items?.map((i) => [i.what, i.ok]), [['driver', false], ['NVRTC', true], ['cuBLASLt', true]]);
  assert.equal(doctor.items?.[1]?.text, `13.0 (${path.join(opts.env.LD_LIBRARY_PATH, 'libnvrtc.so.13')}; headers: ${path.join(root, 'usr/include')})`);
  assert.deepEqual(fs.readFileSync(marker, 'utf8').split('\n').filter((l) => l).sort(), ['libcublasLt.so.13', 'libnvrtc.so.13']);
});

test('a GPU whose NVRTC is missing: doctor\'s pieces name the GPU too (its name, memory, compute capability), beside the working driver and cuBLASLt', { skip }, () => {
  const root = tempDir('mt-probe-gpu-');
  const lib = path.join(root, 'lib');
  fs.mkdirSync(lib);
  execFileSync(CC!, ['-shared', '-fPIC', '-O1', '-o', path.join(lib, 'libfake.so'), path.join(import.meta.dirname, 'fixtures', 'fake-cuda.c')]);
  for (const name of ['libcuda.so.1', 'libcublasLt.so.13']) fs.symlinkSync('libfake.so', path.join(lib, name)); // no libnvrtc
  const probe = probeCuda({ root, env: { LD_LIBRARY_PATH: lib }, systemCache: false, libraries: true, eachPiece: true });
  assert.ok(!probe.available);
  assert.deepEqual(probe.items?.map((i) => [i.what, i.ok]), [['driver', true], ['GPU', true], ['NVRTC', false], ['cuBLASLt', true]]);
  assert.equal(probe.items?.[1]?.text, 'Fake H200 0, 150.0 GiB, compute capability 9.0');
  assert.match(probe.reason, /^CUDA unusable: NVRTC \(libnvrtc\.so\.\*, CUDA 12 or newer\) not found; /);
});

// the probe compiled an empty kernel without cuda_bf16.h: doctor and --device auto said CUDA was usable on a machine with
// NVRTC but no headers (a distribution's libnvrtc without its -dev package), where every train failed on them
test('a GPU with NVRTC but no CUDA headers: the probe says so (every folder looked at) without compiling; with them, it compiles with them and names the folder', { skip }, () => {
  const root = tempDir('mt-probe-headers-');
  const lib = path.join(root, 'cuda/lib64');
  fs.mkdirSync(lib, { recursive: true });
  const so = path.join(lib, 'libfake.so');
  execFileSync(CC!, ['-shared', '-fPIC', '-O1', '-o', so, path.join(import.meta.dirname, 'fixtures', 'fake-cuda.c')]);
  for (const name of ['libcuda.so.1', 'libnvrtc.so.13', 'libcublasLt.so.13']) fs.symlinkSync('libfake.so', path.join(lib, name));
  const opts = { root, env: { LD_LIBRARY_PATH: lib }, systemCache: false, libraries: true };
  const options = koffi.load(path.join(lib, 'libnvrtc.so.13')).func('const char *fake_options()') as () => string;
  const none = probeCuda(opts);
  assert.ok(!none.available);
  assert.match(none.reason, /^CUDA unusable: CUDA headers \(cuda_bf16\.h, needed by NVRTC\) not found; looked in: /);
  assert.ok(none.reason.includes(`${path.join(root, 'cuda/include')}, `) && none.reason.includes(path.join(root, 'usr/include')), none.reason);
  assert.deepEqual(none.items?.map((i) => [i.what, i.ok]), [['driver', true], ['GPU', true], ['NVRTC', false], ['cuBLASLt', true]]);
  assert.equal(options(), '', 'nothing compiled');
  fs.mkdirSync(path.join(root, 'cuda/include'));
  fs.writeFileSync(path.join(root, 'cuda/include/cuda_bf16.h'), '');
  const probe = probeCuda(opts);
  assert.ok(probe.available, probe.available ? '' : probe.reason);
  assert.equal(probe.cudaInclude, path.join(root, 'cuda/include'));
  assert.equal(options(), `--gpu-architecture=sm_90a -std=c++17 -I${path.join(root, 'cuda/include')} `);
});

// a library file of the right name that lacks an entry point (another version, a partial copy, another library): koffi's
// plain Error crashed doctor with a stack trace
test('NVRTC or cuBLASLt lacking a function the bindings take: a one-line UserError naming the file and the function; doctor reports it', { skip }, () => {
  const root = tempDir('mt-probe-lacking-');
  const lib = standIns(root, path.join(root, 'loaded.txt'), ['nvrtcGetCUBIN']);
  const opts = { root, env: { LD_LIBRARY_PATH: lib }, systemCache: false };
  for (const [open, file, name] of [[() => Nvrtc.open(opts), 'libnvrtc.so.13', 'nvrtcGetCUBIN'],
    [() => CublasLt.open(opts), 'libcublasLt.so.13', 'cublasLtGetStatusName']] as const) {
    assert.throws(open, (e: Error) => {
      assert.equal(e.name, 'UserError', e.stack);
      assert.ok(e.message.startsWith(`${path.join(lib, file)}: has no function ${name}, `), e.message);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  }
  const doctor = probeCuda({ ...opts, libraries: true, eachPiece: true });
  assert.ok(!doctor.available);
  assert.deepEqual(doctor.items?.map((i) => [i.what, i.ok]), [['driver', false], ['NVRTC', false], ['cuBLASLt', true]]);
  assert.match(doctor.items?.[1]?.text ?? '', /libnvrtc\.so\.13: has no function nvrtcGetCUBIN, /);
});
