// `mistral-tune doctor` on this machine (no GPU): Node.js, the CPU backend and why CUDA is not available, as
// lines and as one JSON object; exit 0. The GPU lines are checked against the stand-in CUDA libraries in
// test/backend/cuda/fake-libs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CUDA_GPU_HERE } from '../cuda-here.ts';
import { withEnv } from '../helpers.ts';

const doctor = (...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, ['bin/mistral-tune.js', 'doctor', ...args], { encoding: 'utf8', timeout: 60_000 });

test('doctor without a GPU: Node, the CPU backend, and the reason CUDA is not available', { skip: CUDA_GPU_HERE }, () => {
  const r = doctor();
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines[0], `node: ${process.version} (${process.platform}-${process.arch})`);
  assert.match(r.stdout, /^cpu backend: available — cpu \(/m);
  assert.match(r.stdout, /^ {2}WebAssembly kernels: (relaxed|baseline) SIMD/m);
  assert.match(r.stdout, /^cuda backend: not available — [123] of the pieces below (is|are) missing or broken$/m);
  assert.match(r.stdout, /^ {2}driver: NOT USABLE — no CUDA driver: .*looked in: .*; install the NVIDIA driver/m);
  assert.match(r.stdout, /^ {2}NVRTC: /m);
  assert.match(r.stdout, /^ {2}cuBLASLt: /m);
  const j = JSON.parse(doctor('--json').stdout) as { node: string; cpu: { cores: number }; cuda: { available: boolean; reason: string } };
  assert.equal(j.node, process.version);
  assert.ok(j.cpu.cores >= 1);
  assert.equal(j.cuda.available, false);
  assert.match(j.cuda.reason, /no CUDA driver/);
});

test('doctor with an unknown flag: one line, exit 2', () => {
  const r = doctor('--gpu');
  assert.equal(r.status, 2);
  assert.match(r.stderr.trim(), /^error: .*--gpu.*\(see mistral-tune doctor --help\)$/);
});

test('doctor with MISTRAL_TUNE_SIMD=0: the WebAssembly kernels are reported off', () => {
  const r = spawnSync(process.execPath, ['bin/mistral-tune.js', 'doctor', '--json'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MISTRAL_TUNE_SIMD: '0' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { cpu: { wasmKernels: string } }).cpu.wasmKernels, 'off');
});

test('doctor with MISTRAL_TUNE_GEMM=simd where a BLAS library loads: BLAS is said to be present but not used, and why, with no nested parentheses', async () => {
  const { doctorReport, formatDoctor } = await import('../../src/cli/doctor.ts');
  const { loadOpenBlas } = await import('../../src/backend/cpu/openblas.ts');
  const text = withEnv('MISTRAL_TUNE_GEMM', 'simd', () => formatDoctor(doctorReport()));
  assert.match(text, /^cpu backend: available — cpu \(GEMM by WebAssembly SIMD[^()]*, asked for by MISTRAL_TUNE_GEMM=simd[^()]*\)$/m);
  const blas = loadOpenBlas();
  if (blas) assert.match(text, new RegExp(`^ {2}BLAS: ${blas.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: present but not used, as MISTRAL_TUNE_GEMM=simd asks$`, 'm'));
  else assert.match(text, /^ {2}BLAS: none loaded/m);
});

test("doctor's fit line says when the run that fits the RAM needs more than is free of it now, as train warns", async () => {
  // was: "needs 45.4 GiB in fp32 and 23.4 GiB in bf16 of this machine's 23.5 GiB of RAM: fits in bf16 only" with
  // 21.4 GiB free (MemAvailable), the rest held by other processes: such a run pages or is killed, and train says so
  const { mistral7bFits, formatMistral7bFit } = await import('../../src/cli/doctor-fit.ts');
  const ram = 23.5 * 2 ** 30;
  const tight = mistral7bFits({ ramBytes: ram, freeBytes: 21.4 * 2 ** 30, gpu: null });
  assert.deepEqual(tight.map((f) => [f.precision, f.fits, f.freeBytes]), [['fp32', false, 21.4 * 2 ** 30], ['bf16', true, 21.4 * 2 ** 30]]);
  assert.match(formatMistral7bFit(tight), /: fits in bf16 only \(precision: bf16\), but the run's memory plan \(23\.4 GiB\) is more than the 21\.4 GiB of RAM free now \(MemAvailable\): other processes hold the rest, .*; your own run: mistral-tune train CONFIG --dry-run$/);
  const roomy = mistral7bFits({ ramBytes: ram, freeBytes: 23.45 * 2 ** 30, gpu: null });
  assert.match(formatMistral7bFit(roomy), /: fits in bf16 only \(precision: bf16\); your own run/);
  // fp32 fits the RAM but not what is free, bf16 fits what is free: bf16 is said (was "make the run smaller" alone)
  const big = mistral7bFits({ ramBytes: 64 * 2 ** 30, freeBytes: 30 * 2 ** 30, gpu: null });
  assert.deepEqual(big.map((f) => [f.precision, f.fits]), [['fp32', true], ['bf16', true]]);
  assert.match(formatMistral7bFit(big), /: fits, but the run's memory plan \(45\.4 GiB\) is more than the 30(\.0)? GiB of RAM free now \(MemAvailable\): .*make the run smaller \(train --dry-run says how\); in bf16 \(23\.4 GiB\) it fits what is free \(precision: bf16\); your own run/);
  const h100 = { totalBytes: 80 * 2 ** 30, computeCapability: { major: 9, minor: 0 }, sharedPerBlock: 232448 };
  const gpu = mistral7bFits({ ramBytes: ram, freeBytes: 1, gpu: h100 });
  assert.deepEqual(gpu.map((f) => [f.fits, f.freeBytes]), [[true, null]], 'a GPU run is not planned against the RAM');
  assert.match(formatMistral7bFit(gpu), /: fits; your own run/);
});

test("doctor says whether a Mistral 7B LoRA run fits this machine, by train --dry-run's memory plan, in fp32 and bf16 on the CPU", async () => {
  // the guide's environment step said what the machine has, not whether the 7B run the toolkit is for fits it (was: only
  // "whether a run fits: mistral-tune train CONFIG --dry-run", which needs the model's config.json and a data file first)
  const { mistral7bFits } = await import('../../src/cli/doctor-fit.ts');
  const { planMemory, deviceBytesNeeded } = await import('../../src/train/memory-plan.ts');
  const { validate } = await import('../../src/train/config.ts');
  const { parseConfig } = await import('../../src/model/config.ts');
  const ram = 24 * 2 ** 30;
  const fits = mistral7bFits({ ramBytes: ram, freeBytes: ram, gpu: null });
  assert.deepEqual(fits.map((f) => [f.device, f.precision]), [['cpu', 'fp32'], ['cpu', 'bf16']]);
  for (const f of fits) {
    // the dry run's own plan of that run: Mistral 7B's config.json (MistralConfig's defaults), LoRA r=16, 1 × 2048 tokens
    const cfg = validate({ model: 'm', data: { train: 't' }, lora: { r: 16 }, batch_size: 1, max_seq_len: 2048, device: 'cpu', precision: f.precision }, 'test');
    const plan = planMemory(cfg, parseConfig({ model_type: 'mistral', vocab_size: 32000, max_position_embeddings: 32768 }), { B: 1, T: 2048 }, 'cpu');
    assert.equal(f.neededBytes, deviceBytesNeeded(plan));
    assert.equal(f.availableBytes, ram);
    assert.equal(f.fits, f.neededBytes <= ram);
  }
  assert.ok(fits[1]!.neededBytes < fits[0]!.neededBytes / 1.5, 'bf16 halves the weights and activations');
  // a GPU: its bf16 plan against its memory less the CUDA context's, with the attention paths train --dry-run plans
  // there (the flash kernels where its shared memory takes them: an H100's; was planned as on an unknown GPU, which also
  // counts the GEMM path's score matrices, 156 MiB more than the dry run)
  const { usableBytes } = await import('../../src/backend/capacity.ts');
  const h100 = { totalBytes: 80 * 2 ** 30, computeCapability: { major: 9, minor: 0 }, sharedPerBlock: 232448 };
  const gpu = mistral7bFits({ ramBytes: ram, freeBytes: ram, gpu: h100 });
  assert.deepEqual(gpu.map((f) => [f.device, f.precision, f.fits]), [['cuda', 'bf16', true]]);
  const cudaCfg = validate({ model: 'm', data: { train: 't' }, lora: { r: 16 }, batch_size: 1, max_seq_len: 2048, device: 'cuda', precision: 'bf16' }, 'test');
  const model = parseConfig({ model_type: 'mistral', vocab_size: 32000, max_position_embeddings: 32768 });
  assert.equal(gpu[0]!.neededBytes, deviceBytesNeeded(planMemory(cudaCfg, model, { B: 1, T: 2048 }, 'cuda', undefined, { arch: 'sm_90a', sharedPerBlock: 232448 })));
  assert.equal(gpu[0]!.availableBytes, usableBytes({ backend: 'cuda', deviceBytes: h100.totalBytes }));
  // the line doctor prints, and its JSON
  const r = doctor();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^mistral 7B v0\.1: LoRA r=16 on 1 × 2048 tokens (needs [\d.]+ GiB in fp32 and [\d.]+ GiB in bf16 of this machine's [\d.]+ GiB of RAM|needs [\d.]+ GiB in bf16 of the GPU's [\d.]+ GiB \(less the CUDA context's\)): .*; your own run: mistral-tune train CONFIG --dry-run$/m);
  const j = JSON.parse(doctor('--json').stdout) as { mistral7b: Array<{ device: string; precision: string; fits: boolean }> };
  assert.ok(j.mistral7b.length >= 1 && j.mistral7b.every((f) => typeof f.fits === 'boolean'));
});
