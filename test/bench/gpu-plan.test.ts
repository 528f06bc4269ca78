// bench:gpu without a GPU: each default case's train config is one `mistral-tune train` accepts (validated,
// planned by --dry-run's dryRun without a weight, the CPU attention check passed), the model FLOPs follow
// issue [10]'s definition, and bench/gpu.ts fails at once, saying "no CUDA", where there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchTrainConfig, type BenchRow, caseName, HF_PEER, matmulParams, MISTRAL_7B_V01, OURS, parseCase, peerCaseName, profileTable, stepFlops, targetLines, variantEnv, vsDefault,
  writeRandomRows } from '../../bench/gpu-plan.ts';
import { parseConfig } from '../../src/model/config.ts';
import { validate } from '../../src/train/config.ts';
import { dryRun } from '../../src/train/dry-run.ts';
import { checkSequenceFits } from '../../src/train/fit-check.ts';
import { CUDA_GPU_HERE } from '../cuda-here.ts';
import { FIXTURES } from '../helpers.ts';
import { nodeArgsFor } from '../node-args.ts';
import { tempDir } from '../temp-dir.ts';

const ROOT = path.join(FIXTURES, '..', '..');
const work = tempDir('bench-gpu-plan-');

test('each default bench case is a train config that validates and plans without weights (7.24e9 parameters in bf16)', () => {
  for (const text of ['1x2048', '2x2048', '4x2048:ckpt']) {
    const c = parseCase(text);
    const data = path.join(work, `${c.B}.jsonl`);
    writeRandomRows(data, c.B * 3, c.T, 32000, 1);
    const cfg = validate(benchTrainConfig(c, { layers: 32, steps: 2, warmup: 1, data, outputDir: path.join(work, 'run'), device: 'cpu' }), text);
    assert.equal(cfg.activation_checkpointing, c.ckpt);
    assert.deepEqual([cfg.lora.r, cfg.lora.target_modules.length, cfg.precision], [16, 7, 'bf16']);
    const r = dryRun(cfg);
    assert.deepEqual([r.shape.B, r.shape.T], [c.B, c.T]);
    assert.ok(r.plan.weights > 14e9 && r.plan.weights < 14.6e9, `weights ${r.plan.weights}`);
    const model = parseConfig(MISTRAL_7B_V01);
    assert.doesNotThrow(() => checkSequenceFits(cfg, model, [[{ inputIds: new Array(c.T).fill(1) }]]));
  }
  assert.throws(() => parseCase('4by2048'), /expected BxT, BxT:ckpt/);
  const g = parseCase('4x2048:ckpt:gemm-attn');
  assert.deepEqual(g, { B: 4, T: 2048, ckpt: true, attention: 'gemm' });
  assert.equal(caseName(g), '4x2048:ckpt:gemm-attn');
  assert.equal(peerCaseName(g), '4x2048:ckpt', 'the HF peer runs the same shape');
  assert.equal(caseName(parseCase('2x2048:flash-attn')), '2x2048:flash-attn');
  assert.throws(() => parseCase('2x2048:fast-attn'), /expected BxT/);
  const p = parseCase('1x2048:flash-attn:profile');
  assert.deepEqual(p, { B: 1, T: 2048, ckpt: false, attention: 'flash', profile: true });
  assert.equal(caseName(p), '1x2048:flash-attn:profile');
  assert.equal(peerCaseName(p), '1x2048');
  assert.throws(() => parseCase('1x2048:profile:flash-attn'), /then :profile/);
  const d = parseCase('1x2048:flash-attn:dora');
  assert.deepEqual(d, { B: 1, T: 2048, ckpt: false, attention: 'flash', dora: true });
  assert.equal(caseName(d), '1x2048:flash-attn:dora');
  assert.equal(peerCaseName(d), '1x2048');
  assert.throws(() => parseCase('1x2048:dora:flash-attn'), /then :dora/);
  // optimisation variants, measured beside the default in one call
  const v = parseCase('2x2048:profile+no-gemm-tune');
  assert.deepEqual(v, { B: 2, T: 2048, ckpt: false, profile: true, variants: ['no-gemm-tune'] });
  assert.equal(caseName(v), '2x2048:profile+no-gemm-tune');
  assert.equal(peerCaseName(v), '2x2048');
  assert.deepEqual(variantEnv(v), { MISTRAL_TUNE_CUDA_GEMM_TUNE: '0' });
  assert.deepEqual(variantEnv(parseCase('1x2048')), {});
  assert.throws(() => parseCase('1x2048+fast'), /unknown variant \+fast \(known: \+no-gemm-tune, \+no-splitk, \+bf16-logits, \+small-k, \+lora-grad-up, \+flash-bwd128, \+flash-fwd128, \+flash-masked\)/);
  assert.deepEqual(variantEnv(parseCase('1x2048+no-gemm-tune+flash-masked')), { MISTRAL_TUNE_CUDA_GEMM_TUNE: '0', MISTRAL_TUNE_CUDA_FLASH_INTERIOR: '0' });
  assert.deepEqual(variantEnv(parseCase('2x2048+no-splitk')), { MISTRAL_TUNE_CUDA_GEMM_SPLITK: '0' });
  assert.deepEqual(variantEnv(parseCase('2x2048+small-k')), { MISTRAL_TUNE_CUDA_GEMM_SMALL_K: '1' });
  assert.deepEqual(variantEnv(parseCase('2x2048+small-k+lora-grad-up')), { MISTRAL_TUNE_CUDA_GEMM_SMALL_K: '1', MISTRAL_TUNE_CUDA_LORA_GRAD_UP: '1' });
  assert.deepEqual(variantEnv(parseCase('4x2048:ckpt+flash-bwd128')), { MISTRAL_TUNE_CUDA_FLASH_BWD128: '1' });
  assert.deepEqual(variantEnv(parseCase('2x2048+flash-fwd128+flash-bwd128')), { MISTRAL_TUNE_CUDA_FLASH_FWD128: '1', MISTRAL_TUNE_CUDA_FLASH_BWD128: '1' });
  assert.deepEqual(parseCase('1x2048:kernel-attn'), { B: 1, T: 2048, ckpt: false, attention: 'kernel' });
  const data = path.join(work, 'dora.jsonl');
  writeRandomRows(data, 3, 2048, 32000, 1);
  const cfg = validate(benchTrainConfig(d, { layers: 32, steps: 2, warmup: 1, data, outputDir: path.join(work, 'run'), device: 'cpu' }), 'dora');
  assert.equal(cfg.lora.use_dora, true);
  assert.equal(validate(benchTrainConfig(parseCase('1x2048'), { layers: 32, steps: 2, warmup: 1, data, outputDir: path.join(work, 'run'), device: 'cpu' }), 'lora').lora.use_dora, false);
});

test('model FLOPs of a step: 4·N·B·T over the matmul parameters plus causal attention (issue [10])', () => {
  const cfg = parseConfig(MISTRAL_7B_V01);
  const perLayer = 4096 * 4096 * 2 + 2 * 4096 * 1024 + 3 * 4096 * 14336;
  assert.equal(matmulParams(cfg), 32 * perLayer + 32000 * 4096);
  const attention = 12 * (2048 * 2049 / 2) * 32 * 128 * 32; // causal pairs T(T+1)/2 (the 4096 window is longer)
  assert.equal(stepFlops(cfg, 1, 2048), 4 * matmulParams(cfg) * 2048 + attention);
  assert.equal(stepFlops(cfg, 4, 2048), 4 * stepFlops(cfg, 1, 2048));
  assert.ok(Math.abs(stepFlops(cfg, 1, 2048) / 61.6e12 - 1) < 0.01, `${stepFlops(cfg, 1, 2048)}`);
});

test('bench/gpu.ts without CUDA fails at once and says so', { skip: CUDA_GPU_HERE }, () => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...nodeArgsFor(path.join(ROOT, 'bench', 'gpu.ts')), '--no-peer'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^bench:gpu: no CUDA here, nothing measured \(device cuda: /m);
  assert.ok(performance.now() - t0 < 15_000);
});

test('bench/gpu-host.ts counts what a step enqueues on the recording CUDA backend (2 layers, 1×128, flash)', () => {
  const r = spawnSync(process.execPath, [...nodeArgsFor(path.join(ROOT, 'bench', 'gpu-host.ts')), '--case', '1x128:flash-attn', '--layers', '2', '--steps', '2'],
    { encoding: 'utf8', cwd: ROOT });
  assert.equal(r.status, 0, r.stderr);
  const calls = (label: string): number => Number(new RegExp(`^# +[\\d.]+ +[\\d.]+% +(\\d+) +[\\d.]+  ${label}$`, 'm').exec(r.stdout)?.[1] ?? -1);
  assert.match(r.stdout, /^# 1x128:flash-attn, 2 layers, LoRA r=16 on all 7 projections: host time a step/);
  assert.equal(calls('flash_attention_forward_d128'), 2, r.stdout);
  assert.equal(calls('flash_attention_backward_d128'), 2);
  assert.equal(calls('adamw'), 1);
  // gate and up, forward, in each of the 2 layers: the rank-16 term written first (β = 0), the base product adds it
  assert.equal(calls('gemm 128×14336×16 Bᵀ bf16→bf16'), 4);
  assert.equal(calls('gemm 128×14336×4096 Bᵀ bf16→bf16 \\+C'), 4);
});

test('a :profile case\'s table is picked out of its stderr (progress and log lines around it dropped), or said to be missing', () => {
  const table = ['# CUDA profile (MISTRAL_TUNE_CUDA_PROFILE=1) on H200: GPU time of 3 operations in 2 classes, 1.5 ms in all',
    '#         ms  share   calls   µs/call  operation', '#        1.0  66.7%       2     500.0  gemm 2048×4096×4096 Bᵀ bf16→bf16', '#        0.5  33.3%       1     500.0  adamw'];
  const stderr = ['train: generation with LoRA r=16 on cuda', '# memory: activations 8.9 GiB planned', 'step 4/4', ...table, 'saved adapter to run/adapter', ''].join('\n');
  assert.equal(profileTable(stderr), table.join('\n'));
  assert.equal(profileTable([...table, ''].join('\n')), table.join('\n'));
  assert.equal(profileTable('train: done\n'), '# (no profile printed)');
});

test("the table's step time of a variant against its default path, and issue [10]'s targets met or missed, read off one call's rows", () => {
  const row = (system: string, name: string, tokens: number | null, ms: number | null, gib: number | null): BenchRow =>
    ({ system, case: name, tokens_per_s: tokens, step_ms: ms, peak_gib: gib, mfu: null });
  // run 1's figures (H200, 2026-12-04), with variant rows made up for the test
  const rows = [
    row(OURS, '1x2048', 14836, 138, 23.4), row(OURS, '2x2048', 15281, 268, 32), row(OURS, '4x2048:ckpt', 11551, 709, 18.3),
    row(OURS, '1x2048+flash-fwd128', 16520, 124, 23.4), row(OURS, '1x2048+small-k', 14400, 142, 23.4),
    row(OURS, '1x2048:profile+flash-fwd128', 12000, 170, 23.4), row(OURS, '1x2048:gemm-attn', 30000, 68, 23.4), row(OURS, '1x2048:dora', 31000, 66, 28.8),
    row(OURS, '2x2048+small-k', null, null, null), row(OURS, '2x2048+no-splitk', 14000, 292, 40),
    row(HF_PEER, '1x2048', 8102, 253, 32.8), row(HF_PEER, '2x2048', 8770, 467, 51.6), row(HF_PEER, '4x2048:ckpt', 6455, 1269, 19.1),
  ];
  assert.equal(vsDefault(rows, rows[3]!), '−10.1 %');
  assert.equal(vsDefault(rows, rows[4]!), '+2.9 %');
  assert.equal(vsDefault(rows, rows[0]!), '', 'the default path is no A/B of itself');
  assert.equal(vsDefault(rows, rows[5]!), '', 'a profiled case is no measurement');
  assert.equal(vsDefault(rows, rows[8]!), '', 'a case that did not run');
  assert.equal(vsDefault([rows[3]!], rows[3]!), '', 'no default path in the call');
  assert.deepEqual(targetLines(rows), [
    // the :gemm-attn and :dora rows, faster here, are not the default path's A/B and are never the fastest variant
    "1x2048 (≥ 2×): default 1x2048 1.83× HF's tokens/s in 0.71× its memory: missed (needs 2×); fastest variant 1x2048+flash-fwd128 2.04× HF's tokens/s in 0.71× its memory: met",
    "2x2048 (≥ 2×): default 2x2048 1.74× HF's tokens/s in 0.62× its memory: missed (needs 2×)",
    "4x2048:ckpt (≥ 1.6×): default 4x2048:ckpt 1.79× HF's tokens/s in 0.96× its memory: met",
  ]);
  const noPeer = targetLines(rows.filter((r) => r.system === OURS));
  assert.equal(noPeer[0], '1x2048 (≥ 2×): default 1x2048: not measured beside HF; fastest variant 1x2048+flash-fwd128: not measured beside HF');
  const heavier = targetLines([row(OURS, '2x2048', 20000, 205, 60), rows[11]!]);
  assert.equal(heavier[1], "2x2048 (≥ 2×): default 2x2048 2.28× HF's tokens/s in 1.16× its memory: missed (more memory than HF)");
  assert.equal(targetLines([])[2], '4x2048:ckpt (≥ 1.6×): default not measured');
});

test("bench/variant-env.ts prints the variants' environment variables for device-check's CONFIRM, and refuses an unknown name", () => {
  const run = (names: string) => spawnSync(process.execPath, [...nodeArgsFor(path.join(ROOT, 'bench', 'variant-env.ts')), names], { encoding: 'utf8' });
  const ok = run('flash-fwd128,small-k');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'MISTRAL_TUNE_CUDA_FLASH_FWD128=1\nMISTRAL_TUNE_CUDA_GEMM_SMALL_K=1\n');
  const bad = run('flash-fwd128,fast');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^unknown variant fast: give NAME,NAME\.\.\. of no-gemm-tune, .*flash-fwd128/);
  assert.equal(bad.stdout, '');
});

test("device-check.sh's default bench cases and candidates are cases and variants the bench knows (the script runs only on the GPU machine)", () => {
  const script = fs.readFileSync(path.join(ROOT, 'scripts', 'device-check.sh'), 'utf8');
  const candidates = /^CANDIDATES="\$\{CANDIDATES:-([^}]*)\}"$/m.exec(script)?.[1];
  const cases = /^export BENCH_CASES="\$\{BENCH_CASES:-([^}]*)\}"/m.exec(script)?.[1];
  assert.ok(candidates && cases, 'CANDIDATES and BENCH_CASES defaults found');
  const all = `+${candidates.split(',').join('+')}`;
  const names = cases.replaceAll('$all', all).split(',');
  for (const n of names) assert.equal(caseName(parseCase(n)), n);
  assert.equal(new Set(names).size, names.length, 'no case twice');
  // the default path's three target shapes first, then the candidates all together at the same shapes
  assert.deepEqual(names.slice(0, 6), ['1x2048', '2x2048', '4x2048:ckpt', `1x2048${all}`, `2x2048${all}`, `4x2048:ckpt${all}`]);
});
