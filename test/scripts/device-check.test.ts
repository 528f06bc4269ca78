// scripts/device-check.sh runs on the GPU machine alone, in one short call: what can be held here is held here — the
// ONLY= names it accepts, and which python3 its HF steps run (scripts/device-python.sh) and what summary.txt says of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../temp-dir.ts';

const scripts = path.resolve(import.meta.dirname, '../../scripts');
const script = fs.readFileSync(path.join(scripts, 'device-check.sh'), 'utf8');

test('device-check: ONLY naming no step is refused before anything runs (not every step "not selected" and "0 failed")', () => {
  const dir = tempDir('device-check-only-');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.join(scripts, 'device-check.sh'), path.join(dir, 'scripts/device-check.sh'));
  const run = (only: string) => spawnSync('bash', ['scripts/device-check.sh'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ONLY: only, OUT: path.join(dir, 'out') } });
  const bad = run('smoke,test-gpu');
  assert.equal(bad.status, 2, bad.stderr);
  assert.equal(bad.stderr, 'device-check: ONLY names test-gpu, which is no step (steps: dist,smoke,bindings,test-gpu-fp32,test-gpu-bf16,attn-variants,hf-check,bench-gpu)\n');
  assert.ok(!fs.existsSync(path.join(dir, 'out')), 'nothing run, no summary');
  // known names (a space after a comma too) pass the check: here the next thing, device-unpack.sh, is missing
  const good = run('smoke, bench-gpu');
  assert.equal(good.status, 1);
  assert.match(good.stderr, /device-unpack\.sh/);
});

test("device-check: STEPS names every step the script runs, in the order it runs them", () => {
  const steps = /^STEPS="([^"]*)"/m.exec(script)?.[1];
  assert.ok(steps, 'STEPS found');
  const run = [...script.matchAll(/^\s*(?:ONLY= )?(?:step|step_bg|step_bg_hf) ([a-z0-9-]+) \d+ /gm)].map((m) => m[1]);
  assert.deepEqual(run, steps.split(' '));
});

function probe(mode: string): { stdout: string; status: number | null } {
  const dir = tempDir('device-python-');
  fs.mkdirSync(path.join(dir, 'bin'));
  // python3 as a GPU machine's may be: imports (ok), imports only without the toolkit's folders (shadow), or has no torch
  fs.writeFileSync(path.join(dir, 'bin/python3'), `#!/usr/bin/env bash
case "$MODE:$LD_LIBRARY_PATH" in
  ok:*) echo "torch 2.11.0+cu130 cuda 13.0 LD=$LD_LIBRARY_PATH" ;;
  shadow:*/usr/local/cuda/lib64*) echo "ImportError: libtorch_cuda.so: undefined symbol: cublasLtShadowed" >&2; exit 1 ;;
  shadow:*) echo "torch 2.11.0+cu130 cuda 13.0 LD=$LD_LIBRARY_PATH" ;;
  *) echo "Traceback (most recent call last):" >&2; echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1 ;;
esac
`, { mode: 0o755 });
  // twice, as hf-check's shell and then the bench's: noted once; then the HF steps' python3 as they run it. --norc: a
  // bash -c whose stdin is a socket (Node's pipes) and SHLVL under 2 (npm test started from a background job) reads
  // ~/.bashrc (Debian's SSH_SOURCE_BASHRC), whose PATH (pyenv's shims first) put the real python3 before the fake
  const r = spawnSync('bash', ['--norc', '-c', `note() { echo "$*"; }; source "$1"; python_probe_start; python_for_hf; python_for_hf; python3 -c pass`, 'probe',
    path.join(scripts, 'device-python.sh')], { encoding: 'utf8', env: { ...process.env, MODE: mode, PATH: `${dir}/bin:${process.env.PATH}`,
    LD_LIBRARY_PATH: '/usr/local/nvidia/lib64:/usr/local/cuda/lib64:/usr/local/cuda/targets/x86_64-linux/lib:/usr/lib/x86_64-linux-gnu' } });
  return { stdout: r.stdout, status: r.status };
}

test('device-python: torch imports with env.sh\'s LD_LIBRARY_PATH: noted once, python3 runs with it', () => {
  const r = probe('ok');
  const ld = '/usr/local/nvidia/lib64:/usr/local/cuda/lib64:/usr/local/cuda/targets/x86_64-linux/lib:/usr/lib/x86_64-linux-gnu';
  assert.equal(r.stdout, `python: torch 2.11.0+cu130 cuda 13.0 LD=${ld}\ntorch 2.11.0+cu130 cuda 13.0 LD=${ld}\n`);
});

test('device-python: torch imports only without the toolkit\'s folders: said so, and the HF steps\' python3 runs without them', () => {
  const r = probe('shadow');
  assert.equal(r.stdout, "python: torch did not import with env.sh's LD_LIBRARY_PATH (ImportError: libtorch_cuda.so: undefined symbol: cublasLtShadowed); " +
    'it does without the toolkit folders, as the HF steps run\ntorch 2.11.0+cu130 cuda 13.0 LD=/usr/local/nvidia/lib64:/usr/lib/x86_64-linux-gnu\n');
});

test('device-python: no torch at all is said as such, not as a library path to work around', () => {
  const r = probe('none');
  assert.equal(r.stdout.split('\n')[0], "python: the HF steps cannot run: python3 does not import torch, transformers and peft, with or without env.sh's toolkit " +
    "folders (ModuleNotFoundError: No module named 'torch')");
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('python:')).length, 1, 'noted once');
});

test("device-check: attn-variants cut at its time limit still logs the CANDIDATES suite's output so far (it runs beside the variants)", () => {
  const body = /^step_bg attn-variants \d+ bash -c '([^']*)'$/m.exec(script)?.[1];
  assert.ok(body, "attn-variants' command found");
  const dir = tempDir('device-check-attn-');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.mkdirSync(path.join(dir, 'bin'));
  // the suite's first lines come at once, then it (and each variant's node) runs on past the step's limit
  fs.writeFileSync(path.join(dir, 'scripts/test-gpu.sh'), 'echo "ok 1 - a candidates test [$MISTRAL_TUNE_CUDA_FLASH_FWD128]"; exec sleep 30\n');
  fs.writeFileSync(path.join(dir, 'bin/node'), '#!/usr/bin/env bash\necho "ok 1 - a variant test"; exec sleep 30\n', { mode: 0o755 });
  // --norc: as probe()'s (nor is ~/.bashrc's start-up time taken from the 5 s)
  const r = spawnSync('timeout', ['--kill-after=5', '5', 'bash', '--norc', '-c', body], { cwd: dir, encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, CANDIDATES_ENV: 'MISTRAL_TUNE_CUDA_FLASH_FWD128=1', CANDIDATES_EXCLUDE: '' } });
  assert.equal(r.status, 124);
  assert.match(r.stdout, /^# MISTRAL_TUNE_CUDA_ATTENTION=gemm precision fp32\nok 1 - a variant test\n/);
  assert.match(r.stdout, /# cut at the step limit: the CANDIDATES suite as far as it got\n# MISTRAL_TUNE_CUDA_FLASH_FWD128=1 precision bf16 .*\nok 1 - a candidates test \[1\]\n$/);
});

// device-check.sh in a folder of its own, to the notes it writes before its steps: the real bench/variant-env.ts (tsx
// from node_modules), device-unpack.sh with nothing to unpack, an 80 GiB GPU's nvidia-smi, a python3 without torch
function runCheck(env: Record<string, string>): { status: number | null; stderr: string; summary: string } {
  const dir = tempDir('device-check-notes-');
  const repo = path.resolve(scripts, '..');
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.mkdirSync(path.join(dir, 'bin'));
  for (const f of ['device-check.sh', 'device-python.sh']) fs.copyFileSync(path.join(scripts, f), path.join(dir, 'scripts', f));
  fs.writeFileSync(path.join(dir, 'scripts/device-unpack.sh'), 'exit 0\n');
  for (const f of ['bench', 'node_modules']) fs.symlinkSync(path.join(repo, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'bin/nvidia-smi'), '#!/usr/bin/env bash\necho 81559\n', { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'bin/python3'), '#!/usr/bin/env bash\necho "ModuleNotFoundError: No module named \'torch\'" >&2; exit 1\n', { mode: 0o755 });
  const r = spawnSync('bash', ['scripts/device-check.sh'], { cwd: dir, encoding: 'utf8',
    env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, OUT: path.join(dir, 'out'), ...env } });
  const summary = path.join(dir, 'out/summary.txt');
  return { status: r.status, stderr: r.stderr, summary: fs.existsSync(summary) ? fs.readFileSync(summary, 'utf8') : '' };
}

test('device-check: CONFIRM= or CANDIDATES= naming an unknown variant says so in summary.txt too (not an empty file), exit 2', () => {
  const known = 'give NAME,NAME... of no-gemm-tune, no-splitk, bf16-logits, small-k, lora-grad-up, flash-bwd128, flash-fwd128, flash-masked';
  for (const [key, value, unknown] of [['CONFIRM', 'flash-fwd128,nope', 'nope'], ['CANDIDATES', 'small-k, bad', 'bad']] as const) {
    const r = runCheck({ [key]: value });
    const line = `device-check: ${key}=${value}: unknown variant ${unknown}: ${known}\n`;
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.summary, line);
    assert.equal(r.stderr, line);
  }
});

test('device-check: the candidates and attn-variants notes only where a step that uses them runs (not under ONLY= or CONFIRM)', () => {
  // TOTAL_S=1: every step skipped out of time, so the call is the notes alone
  const notes = (env: Record<string, string>) => runCheck({ TOTAL_S: '1', ...env }).summary.split('\n')
    .filter((l) => /^(candidates|attn-variants|confirm):/.test(l));
  const candidates = 'candidates: flash-fwd128,flash-bwd128,small-k,bf16-logits,lora-grad-up (MISTRAL_TUNE_CUDA_FLASH_FWD128=1 '
    + 'MISTRAL_TUNE_CUDA_FLASH_BWD128=1 MISTRAL_TUNE_CUDA_GEMM_SMALL_K=1 MISTRAL_TUNE_BF16_LOGITS=1 MISTRAL_TUNE_CUDA_LORA_GRAD_UP=1): ';
  const all = '1x2048+flash-fwd128+flash-bwd128+small-k+bf16-logits+lora-grad-up';
  const exclude = "attn-variants: the candidates' bf16 suite leaves out test/model/mistral-7b-gpu.test.ts (GPU memory 81559 MiB: no room for two 7B-shaped runs at once)";
  assert.deepEqual(notes({}), [`${candidates}attn-variants runs the bf16 suite with all on, the bench times ${all} and the other two shapes`, exclude]);
  assert.deepEqual(notes({ ONLY: 'smoke,test-gpu-bf16' }), []);
  assert.deepEqual(notes({ ONLY: 'attn-variants' }), [`${candidates}attn-variants runs the bf16 suite with all on`, exclude]);
  assert.deepEqual(notes({ ONLY: 'bench-gpu' }), [`${candidates}the bench times ${all} and the other two shapes`]);
  assert.deepEqual(notes({ ONLY: 'bench-gpu', BENCH_CASES: '1x2048' }), []);
  assert.deepEqual(notes({ CONFIRM: 'flash-fwd128' }),
    ['confirm: flash-fwd128 on every step (MISTRAL_TUNE_CUDA_FLASH_FWD128=1); steps smoke,test-gpu-fp32,test-gpu-bf16,bench-gpu']);
});
