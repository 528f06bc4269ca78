// The real CUDA bindings (koffi declarations, argument boxes and packing, the backend's driver/NVRTC/cuBLASLt
// calls) against a C stand-in for the three libraries (fixtures/fake-cuda.c, compiled here with cc): what a
// wrong declaration, a swapped argument or a leaked handle would do on the GPU shows here first. The stand-in
// keeps "device memory" in host memory, runs the `fill` kernel and f32/bf16 cuBLASLt GEMMs, refuses an operand
// less aligned than the heuristic was told, and counts what is still held. Needs a C compiler (skipped
// with the reason where there is none); no GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bf16ToF32, f32ToBf16 } from '../../../src/backend/dtype.ts';
import { TUNE_MAX_SHAPES } from '../../../src/backend/cuda/gemm-tune.ts';
import { CudaBackend } from '../../../src/backend/cuda/cuda-backend.ts';
import { Nvrtc } from '../../../src/backend/cuda/nvrtc.ts';
import { probeCuda } from '../../../src/backend/cuda/probe.ts';
import { generate } from '../../../src/model/generate.ts';
import { mergeLora } from '../../../src/model/merge.ts';
import { loadModel } from '../../../src/model/mistral.ts';
import { createAdapter } from '../../../src/model/peft.ts';
import { validate } from '../../../src/train/config.ts';
import { Rng } from '../../../src/util/rng.ts';
import { train } from '../../../src/train/trainer.ts';
import { TINY_BASE } from '../../helpers.ts';
import { benchTrainConfig, writeRandomRows } from '../../../bench/gpu-plan.ts';
import { dryRun } from '../../../src/train/dry-run.ts';
import { flashAttentionWorkspaceBytes } from '../../../src/backend/cuda/flash-attention.ts';
import { captureStderr } from '../../tokenizer/helpers.ts';
import { CC, NO_CC } from '../../c-compiler.ts';
import { tempDir } from '../../temp-dir.ts';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
const STAT_KEYS = ['allocs', 'ctxRefs', 'streams', 'modules', 'lt', 'descs', 'layouts', 'prefs', 'launches', 'gx', 'gy', 'gz', 'bx', 'by', 'bz',
  'shmem', 'alignA', 'alignB', 'alignC', 'alignD', 'dynShared', 'carveout', 'lastAlgo'];

/** The counters of the stand-in library `so` (one state a file: a copy of it counts apart). */
function statsOf(so: string): Record<string, number> {
  const b = Buffer.alloc(8 * STAT_KEYS.length);
  (koffi.load(so).func('void fake_stats(_Out_ uint8_t *out)') as (b: Buffer) => void)(b);
  return Object.fromEntries(STAT_KEYS.map((k, i) => [k, Number(b.readBigInt64LE(8 * i))]));
}

/** Builds the stand-in as libcuda.so.1, libnvrtc.so.13 and libcublasLt.so.13 (links to one file: one state), and points the process at it. */
function build(): { root: string; stats: () => Record<string, number>; options: () => string } {
  const root = tempDir('mt-fakecuda-');
  const lib = path.join(root, 'lib');
  fs.mkdirSync(lib);
  fs.mkdirSync(path.join(root, 'include'));
  fs.writeFileSync(path.join(root, 'include', 'cuda_bf16.h'), '// stand-in\n');
  const so = path.join(lib, 'libfake.so');
  execFileSync(CC!, ['-shared', '-fPIC', '-O1', '-o', so, path.join(import.meta.dirname, 'fixtures', 'fake-cuda.c')]);
  for (const name of ['libcuda.so.1', 'libnvrtc.so.13', 'libcublasLt.so.13']) fs.symlinkSync('libfake.so', path.join(lib, name));
  const optionsFn = koffi.load(so).func('const char *fake_options()') as () => string;
  const stats = (): Record<string, number> => statsOf(so);
  process.env.LD_LIBRARY_PATH = lib;
  process.env.CUDA_HOME = root;
  process.env.MISTRAL_TUNE_CACHE = path.join(root, 'cache'); // the stand-in's "cubins" never reach the real cache
  return { root, stats, options: optionsFn };
}

const skip = NO_CC;

test('through the stand-in libraries: probe, backend open, fill, up/download, copy, f32 GEMMs (transposed, misaligned views), close releases all', { skip }, () => {
  const fake = build();
  const probe = probeCuda({ libraries: true });
  assert.ok(probe.available, probe.available ? '' : probe.reason);
  assert.equal(probe.device.name, 'Fake H200 0');
  assert.deepEqual(probe.device.computeCapability, { major: 9, minor: 0 });
  assert.equal(probe.device.totalBytes, 150 * 2 ** 30);
  assert.equal(probe.device.sharedPerBlock, 232448, 'the shared memory a block may be given: the memory plan\'s attention paths');
  assert.equal(probe.device.driverVersion, 13000);

  const be = CudaBackend.open({ cacheDir: path.join(fake.root, 'cache') });
  assert.match(be.describe(), /Fake H200 0, sm_90, 150 GiB/);
  assert.equal(be.deviceBytes, 150 * 2 ** 30);
  assert.equal(fake.stats().ctxRefs, 1);

  // a launch: the f32 variant of fill, compiled for sm_90a with the headers' folder, runs on "device" memory
  const x = be.alloc('f32', 1000);
  be.fill(x, 2.5);
  assert.deepEqual([...be.download(x)], new Array(1000).fill(2.5));
  const opts = fake.options();
  for (const o of ['--gpu-architecture=sm_90a', `-I${path.join(fake.root, 'include')}`, '-std=c++17', '-DSTORE_F32']) assert.ok(opts.includes(o), `${o} in ${opts}`);
  const s = fake.stats();
  assert.deepEqual([s.gx, s.gy, s.gz, s.bx, s.by, s.bz, s.shmem], [4, 1, 1, 256, 1, 1, 0]);

  // upload / download / copy keep bits (f32 and i32), at an offset too
  const y = be.alloc('f32', 8);
  be.upload(y, { dtype: 'f32', data: Float32Array.from([1, 2, 3, 4]) }, 2);
  be.copy(be.view(x, 0, 8), y, 8);
  assert.deepEqual([...be.download(be.view(x, 0, 8))].slice(2, 6), [1, 2, 3, 4]);
  const ids = be.alloc('i32', 3);
  be.upload(ids, { dtype: 'i32', data: Int32Array.from([-1, 7, 2 ** 31 - 1]) });
  assert.deepEqual([...be.download(ids)], [-1, 7, 2 ** 31 - 1]);

  // GEMMs: row-major C (m×n) = alpha·op(A)·op(B) + beta·C through the cuBLASLt plan, against a plain loop
  const rand = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + n) * 0.5);
  const m = 5, n = 3, k = 4;
  for (const [transA, transB, offset] of [[false, false, 0], [true, false, 0], [false, true, 0], [true, true, 0], [false, true, 1]] as const) {
    const A = rand(m * k), B = rand(k * n), C0 = rand(m * n);
    const dev = (data: Float32Array): ReturnType<CudaBackend['alloc']> => {
      const buf = be.alloc('f32', data.length + offset);
      be.upload(buf, { dtype: 'f32', data }, offset);
      return be.view(buf, offset, data.length); // offset 1: 4-byte aligned operands, as a view into a flat buffer
    };
    const c = dev(C0);
    be.gemm(c, dev(A), dev(B), { m, n, k, transA, transB, alpha: 0.5, beta: 2 });
    const got = be.download(c);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += (transA ? A[p * m + i]! : A[i * k + p]!) * (transB ? B[j * k + p]! : B[p * n + j]!);
      const want = 0.5 * acc + 2 * C0[i * n + j]!;
      assert.ok(Math.abs(got[i * n + j]! - want) < 1e-5, `transA=${transA} transB=${transB} offset=${offset} (${i}, ${j}): ${got[i * n + j]} vs ${want}`);
    }
    const st = fake.stats();
    if (offset) assert.deepEqual([st.alignA, st.alignB, st.alignC, st.alignD], [4, 4, 4, 4], 'the heuristic was told the operands are 4-byte aligned');
    else assert.deepEqual([st.alignA, st.alignB, st.alignC, st.alignD], [256, 256, 256, 256]);
  }

  be.close();
  const end = fake.stats();
  assert.deepEqual({ allocs: end.allocs, ctxRefs: end.ctxRefs, streams: end.streams, modules: end.modules, lt: end.lt, descs: end.descs, layouts: end.layouts, prefs: end.prefs },
    { allocs: 0, ctxRefs: 0, streams: 0, modules: 0, lt: 0, descs: 0, layouts: 0, prefs: 0 }, 'close() gives everything back');
});

test('GEMM tuning (MISTRAL_TUNE_CUDA_GEMM_TUNE, on by default): a small bf16 shape\'s first product times every candidate of the heuristic into the workspace and keeps the fastest; C += A·B stays exact; a large one is timed into C where it writes C afresh; f32 products are not tuned; reported on close when profiling, not otherwise', { skip }, () => {
  const fake = build();
  Object.assign(process.env, { MISTRAL_TUNE_CUDA_PROFILE: '1', MT_FAKE_CUBLASLT_ALGOS: '4', MT_FAKE_CUBLASLT_FAST_ALGO: '2' });
  try {
    const be = CudaBackend.open();
    const rng = new Rng(3), m = 6, n = 5, k = 7;
    // bf16 operands (what is tuned), exact in bf16; C in f32
    const rand = (len: number): Float32Array => bf16ToF32(f32ToBf16(Float32Array.from({ length: len }, () => rng.next() - 0.5)));
    const [A, B, C0] = [rand(m * k), rand(k * n), rand(m * n)];
    const up = (data: Float32Array, dtype: 'f32' | 'bf16' = 'bf16'): ReturnType<CudaBackend['alloc']> => {
      const buf = be.alloc(dtype, data.length);
      be.upload(buf, { dtype: 'f32', data });
      return buf;
    };
    const c = up(C0, 'f32'), a = up(A), b = up(B);
    // in place with beta = 1, as a gradient accumulates: the candidates' timed runs must not add to C
    for (let i = 0; i < 2; i++) {
      be.gemm(c, a, b, { m, n, k, beta: 1 });
      assert.equal(fake.stats().lastAlgo, 2, `product ${i + 1}: the fastest candidate (the stand-in's algorithm 2)`);
    }
    const got = be.download(c);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += A[i * k + p]! * B[p * n + j]!;
      assert.ok(Math.abs(got[i * n + j]! - (C0[i * n + j]! + 2 * acc)) < 1e-5, `(${i}, ${j}): ${got[i * n + j]} vs ${C0[i * n + j]! + 2 * acc}`);
    }
    // a product of more than half the workspace (16 MiB of its 32) that adds to C in place is not timed (the runs would
    // add to C): the heuristic's first algorithm; a later product of that shape written afresh is timed into C itself
    const M = 2048, N = 2049, big = be.alloc('f32', M * N), x = up(Float32Array.from({ length: M }, (_, i) => i % 7)), y = up(Float32Array.from({ length: N }, (_, j) => j % 5));
    be.fill(big, 1);
    be.gemm(big, x, y, { m: M, n: N, k: 1, beta: 1 });
    assert.equal(fake.stats().lastAlgo, 0);
    be.gemm(big, x, y, { m: M, n: N, k: 1 });
    assert.equal(fake.stats().lastAlgo, 2);
    const prod = be.download(big);
    assert.ok(prod.every((v, at) => v === (Math.floor(at / N) % 7) * ((at % N) % 5)), 'C = A·B once, whatever the timed runs wrote');
    const { stderr } = captureStderr(() => be.close());
    assert.match(stderr, /GEMM tuning \(MISTRAL_TUNE_CUDA_GEMM_TUNE\) timed 2 shapes; 2 took another algorithm than the heuristic's first\n {2}gemm 6×5×7 bf16→f32 \+C: candidate 2 of 4, µs a product 10\.0 10\.0 1\.0 10\.0\n {2}gemm 2048×2049×1 bf16→f32: candidate 2 of 4/);
    assert.deepEqual([fake.stats().allocs, fake.stats().descs], [0, 0]);
    // not profiling: the same choice, nothing printed
    delete process.env.MISTRAL_TUNE_CUDA_PROFILE;
    const quiet = CudaBackend.open();
    quiet.gemm(quiet.alloc('f32', m * n), quiet.alloc('bf16', m * k), quiet.alloc('bf16', k * n), { m, n, k });
    assert.equal(fake.stats().lastAlgo, 2);
    // f32 products (the exact path) keep the heuristic's first
    quiet.gemm(quiet.alloc('f32', m * n), quiet.alloc('f32', m * k), quiet.alloc('f32', k * n), { m, n, k });
    assert.equal(fake.stats().lastAlgo, 0, 'an f32 product: the heuristic\'s first');
    // the first TUNE_MAX_SHAPES bf16 shapes are tuned (6×5×7 and 255 more), later ones take the heuristic's first
    const kMax = TUNE_MAX_SHAPES, ones = quiet.alloc('bf16', kMax);
    quiet.fill(ones, 1);
    for (let kk = 1; kk < kMax; kk++) quiet.gemm(quiet.alloc('f32', 1), ones, ones, { m: 1, n: 1, k: kk });
    assert.equal(fake.stats().lastAlgo, 2, `shape ${TUNE_MAX_SHAPES}: tuned`);
    quiet.gemm(quiet.alloc('f32', 1), ones, ones, { m: 1, n: 1, k: kMax });
    assert.equal(fake.stats().lastAlgo, 0, `shape ${TUNE_MAX_SHAPES + 1}: the heuristic's first`);
    assert.doesNotMatch(captureStderr(() => quiet.close()).stderr, /GEMM tuning/);
  } finally {
    for (const v of ['MISTRAL_TUNE_CUDA_PROFILE', 'MT_FAKE_CUBLASLT_ALGOS', 'MT_FAKE_CUBLASLT_FAST_ALGO']) delete process.env[v];
  }
});

test('GEMM tuning of a bf16 C times only the candidates that keep split-K partial sums in f32 or do not split k (the heuristic\'s first whatever it does); an f32 C, every candidate', { skip }, () => {
  const fake = build();
  // the stand-in's four algorithms: 0 sums split-K partials in f32 (COMPUTE_TYPE), 1 does not split k, 2 sums them in
  // C's type (OUTPUT_TYPE), 3 in C itself (INPLACE)
  Object.assign(process.env, { MT_FAKE_CUBLASLT_ALGOS: '4', MT_FAKE_CUBLASLT_SCHEMES: '2,0,4,1' });
  try {
    const chosen = (fast: number, c: 'bf16' | 'f32'): number => {
      process.env.MT_FAKE_CUBLASLT_FAST_ALGO = String(fast);
      const be = CudaBackend.open();
      be.gemm(be.alloc(c, 6 * 5), be.alloc('bf16', 6 * 7), be.alloc('bf16', 7 * 5), { m: 6, n: 5, k: 7 });
      const algo = fake.stats().lastAlgo;
      be.close();
      return algo;
    };
    assert.equal(chosen(1, 'bf16'), 1, 'the fastest, k whole');
    assert.equal(chosen(2, 'bf16'), 0, 'the fastest sums in bf16: passed over, the first of the others (all as fast)');
    assert.equal(chosen(3, 'bf16'), 0, 'the fastest sums in C: passed over');
    assert.equal(chosen(2, 'f32'), 2, 'an f32 C: its partial sums in f32 whatever the scheme');
    assert.deepEqual([fake.stats().allocs, fake.stats().descs, fake.stats().lt], [0, 0, 0]);
  } finally {
    for (const v of ['MT_FAKE_CUBLASLT_ALGOS', 'MT_FAKE_CUBLASLT_SCHEMES', 'MT_FAKE_CUBLASLT_FAST_ALGO']) delete process.env[v];
  }
});

test('a GEMM the heuristic has no algorithm for (none returned, or CUBLAS_STATUS_NOT_SUPPORTED) runs on the fallback kernel, its descriptors released at once', { skip }, () => {
  const fake = build();
  const be = CudaBackend.open();
  process.env.MT_FAKE_CUBLASLT_MIN_ALIGNMENT = '512'; // the stand-in's library has no kernel for any operand
  try {
    for (const [refusal, k] of [['none returned', 5], ['not-supported', 6]] as const) {
      if (refusal === 'not-supported') process.env.MT_FAKE_CUBLASLT_REFUSAL = refusal;
      const before = fake.stats().launches;
      for (let i = 0; i < 2; i++) be.gemm(be.alloc('f32', 40 * 17), be.alloc('f32', 40 * k), be.alloc('f32', k * 17), { m: 40, n: 17, k });
      const st = fake.stats();
      assert.equal(st.launches - before, 2, `${refusal}: one fallback launch per GEMM`);
      assert.deepEqual([st.gx, st.gy, st.gz, st.bx, st.by, st.bz, st.shmem], [3 * 2, 1, 1, 16, 16, 1, 0], `${refusal}: a block per 16×16 tile of C`);
      assert.deepEqual([st.descs, st.layouts, st.prefs], [0, 0, 0], `${refusal}: the refused shape's descriptor, layouts and preference are released`);
    }
  } finally {
    delete process.env.MT_FAKE_CUBLASLT_MIN_ALIGNMENT;
    delete process.env.MT_FAKE_CUBLASLT_REFUSAL;
  }
  be.close();
  const end = fake.stats();
  assert.deepEqual({ allocs: end.allocs, lt: end.lt, descs: end.descs, layouts: end.layouts }, { allocs: 0, lt: 0, descs: 0, layouts: 0 });
});

test('a kernel that needs more than 48 KiB of dynamic shared memory (the flash forward at D = 128) is allowed it, its carveout preference the most shared memory', { skip }, () => {
  const fake = build();
  process.env.MISTRAL_TUNE_CUDA_ATTENTION = 'flash';
  try {
    const be = CudaBackend.open();
    const s = { B: 1, T: 70, Hq: 2, Hkv: 1, D: 128, scale: 0.1, window: null }, st = (n: number) => be.alloc('bf16', n);
    be.attentionForward(st(70 * 2 * 128), be.alloc('f32', 2 * 70), st(70 * 2 * 128), st(70 * 128), st(70 * 128), be.alloc('i32', 70), s);
    const x = fake.stats();
    assert.deepEqual([x.shmem, x.dynShared, x.carveout], [70144, 70144, 100], 'launched with 70,144 bytes, allowed them, CU_SHAREDMEM_CARVEOUT_MAX_SHARED preferred');
    be.close();
  } finally {
    delete process.env.MISTRAL_TUNE_CUDA_ATTENTION;
  }
});

test('train() with device: cuda runs end to end on the stand-in (LoRA bf16/fp32, full bf16 classification; eval, weights saved) and gives every handle back', { skip }, () => {
  const fake = build();
  const dir = tempDir('mt-fakecuda-run-');
  for (const task of ['generation', 'classification']) {
    const rows = Array.from({ length: 6 }, (_, i) => ({ input_ids: [1, 5 + i, 9, 12, 40 + i, 7, 3 + i], ...(task === 'classification' ? { label: i % 3 } : {}) }));
    fs.writeFileSync(path.join(dir, `${task}.jsonl`), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  const runs = [
    { precision: 'bf16', method: 'lora', task: 'generation' }, { precision: 'fp32', method: 'lora', task: 'generation' },
    { precision: 'bf16', method: 'full', task: 'classification' },
  ] as const;
  for (const r of runs) {
    const result = train(validate({
      model: TINY_BASE, device: 'cuda', precision: r.precision, method: r.method, task: r.task,
      labels: r.task === 'classification' ? ['a', 'b', 'c'] : null,
      data: { train: path.join(dir, `${r.task}.jsonl`), val: path.join(dir, `${r.task}.jsonl`) },
      lora: { r: 4, alpha: 8, dropout: 0.1 }, eval: { samples: 0 }, batch_size: 2, max_steps: 2, grad_clip: 1,
      output_dir: path.join(dir, `run-${r.precision}-${r.method}-${r.task}`),
    }, 'test'));
    const precision = `${r.precision} ${r.method} ${r.task}`;
    assert.equal(result.steps, 2);
    assert.ok(fs.readdirSync(result.dir).some((f) => f === 'adapter' || f === 'model'), `${precision}: weights saved in ${fs.readdirSync(result.dir).join(', ')}`);
    const st = fake.stats();
    assert.ok(st.launches > 50, `${st.launches} launches`);
    assert.deepEqual({ allocs: st.allocs, ctxRefs: st.ctxRefs, streams: st.streams, modules: st.modules, lt: st.lt, descs: st.descs, layouts: st.layouts },
      { allocs: 0, ctxRefs: 0, streams: 0, modules: 0, lt: 0, descs: 0, layouts: 0 }, `${precision}: the run gave everything back`);
  }
});

test('the cuBLASLt attention path (MISTRAL_TUNE_CUDA_ATTENTION=gemm): training and generation with the KV cache keep every GEMM operand inside its allocation, and give everything back', { skip }, () => {
  const fake = build();
  const dir = tempDir('mt-fakecuda-gemmattn-');
  const rows = Array.from({ length: 6 }, (_, i) => ({ input_ids: [1, 5 + i, 9, 12, 40 + i, 7, 3 + i].slice(0, 4 + (i % 4)) }));
  fs.writeFileSync(path.join(dir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  process.env.MISTRAL_TUNE_CUDA_ATTENTION = 'gemm';
  try {
    for (const precision of ['bf16', 'fp32'] as const) {
      const result = train(validate({
        model: TINY_BASE, device: 'cuda', precision, data: { train: path.join(dir, 'train.jsonl'), val: path.join(dir, 'train.jsonl') },
        lora: { r: 4, alpha: 8 }, eval: { samples: 0 }, batch_size: 3, max_steps: 2, packing: precision === 'fp32', max_seq_len: 16,
        output_dir: path.join(dir, `run-${precision}`),
      }, 'test'));
      assert.equal(result.steps, 2);
      assert.equal(fake.stats().allocs, 0, `${precision}: the run gave everything back`);
    }
    const be = CudaBackend.open();
    assert.match(be.describe(), /attention through cuBLASLt/);
    const model = loadModel(TINY_BASE, { backend: be, precision: 'bf16' });
    assert.equal(generate(model, [1, 5, 9, 12], { maxNewTokens: 5, eosIds: [] }).length, 5);
    be.close();
    assert.equal(fake.stats().allocs, 0);
  } finally {
    delete process.env.MISTRAL_TUNE_CUDA_ATTENTION;
  }
});

test('generation with the KV cache (bf16) and the merge of an adapter run on the stand-in without a host-side error', { skip }, () => {
  const fake = build();
  const be = CudaBackend.open();
  const model = loadModel(TINY_BASE, { backend: be, precision: 'bf16' });
  createAdapter(model, { r: 4, alpha: 8, dropout: 0, targets: ['q_proj', 'v_proj', 'down_proj'], useRslora: false }, new Rng(1), false);
  const out = generate(model, [1, 5, 9, 12], { maxNewTokens: 6, eosIds: [] });
  assert.equal(out.length, 6);
  mergeLora(model);
  be.close();
  assert.equal(fake.stats().allocs, 0);
});

test('a driver that runs CUDA 12 (R550, R570): the backend and the probe take NVRTC and cuBLASLt of CUDA 12 over the CUDA 13 ones before them on LD_LIBRARY_PATH, which need a CUDA 13 driver', { skip }, () => {
  const fake = build();
  const lib13 = path.join(fake.root, 'lib'), lib12 = path.join(fake.root, 'lib12'), copy = path.join(lib12, 'libfake12.so');
  fs.mkdirSync(lib12);
  fs.copyFileSync(path.join(lib13, 'libfake.so'), copy); // a state of its own: what the backend made with it counts there
  for (const name of ['libnvrtc.so.12', 'libcublasLt.so.12']) fs.symlinkSync('libfake12.so', path.join(lib12, name));
  process.env.LD_LIBRARY_PATH = `${lib13}:${lib12}`;
  process.env.MT_FAKE_DRIVER_VERSION = '12080';
  try {
    const probe = probeCuda({ libraries: true });
    assert.ok(probe.available, probe.available ? '' : probe.reason);
    assert.equal(probe.device.driverVersion, 12080);
    assert.deepEqual([probe.nvrtcFile, probe.cublasLtFile], [path.join(lib12, 'libnvrtc.so.12'), path.join(lib12, 'libcublasLt.so.12')]);
    const be = CudaBackend.open({ cacheDir: path.join(fake.root, 'cache') });
    assert.deepEqual([statsOf(copy).lt, fake.stats().lt], [1, 0], "the cuBLASLt handle is CUDA 12's library's, not CUDA 13's");
    be.close();
  } finally {
    delete process.env.MT_FAKE_DRIVER_VERSION;
  }
});

test('the kernel cache\'s compiler is NVRTC\'s version and the build of the library file loaded (its real path, size, mtime): patch releases of 13.0 say "13.0" alike', { skip }, () => {
  const fake = build();
  const so = fs.realpathSync(path.join(fake.root, 'lib', 'libfake.so')), st = fs.statSync(so);
  assert.equal(Nvrtc.open().build(), `13.0 ${so} ${st.size} ${Math.trunc(st.mtimeMs)}`);
});

test('mistral-tune doctor through the stand-in libraries: the GPU, its memory and compute capability, the driver, NVRTC and cuBLASLt versions', { skip }, () => {
  build(); // points LD_LIBRARY_PATH and CUDA_HOME of this process (and so of the child) at the stand-in
  const r = spawnSync(process.execPath, ['bin/mistral-tune.js', 'doctor'], { encoding: 'utf8', env: process.env, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^cuda backend: available — Fake H200 0, 150\.0 GiB, compute capability 9\.0$/m);
  assert.match(r.stdout, /^ {2}driver: CUDA 13\.0 \(.*libcuda\.so\.1\)$/m);
  assert.match(r.stdout, /^ {2}NVRTC: 13\.0 \(.*libnvrtc\.so\.13\)$/m);
  assert.match(r.stdout, /^ {2}CUDA headers: .*\/include$/m);
  assert.match(r.stdout, /^ {2}cuBLASLt: 130000 \(.*libcublasLt\.so\.13\)$/m);
});

test('train --dry-run with a GPU plans the attention of the path it runs: the probe reads its shared memory a block (the stand-in\'s 227 KiB: flash alone, not cuBLASLt\'s score matrices)', { skip }, () => {
  const fake = build();
  const data = path.join(fake.root, 'rows.jsonl'), T = 8192;
  writeRandomRows(data, 1, T, 32000, 1);
  const cfg = validate(benchTrainConfig({ B: 1, T, ckpt: false }, { layers: 2, steps: 1, warmup: 0, data, outputDir: path.join(fake.root, 'run'), device: 'cuda' }), 'dry run');
  const r = dryRun(cfg);
  assert.equal(r.plan.backend, 'cuda');
  assert.equal(r.plan.workspace, flashAttentionWorkspaceBytes({ B: 1, T, Hq: 32, Hkv: 8, D: 128 }, 4), 'flash\'s accumulators alone (cuBLASLt\'s path would hold 4 × 8192² × 10 bytes)');
});
