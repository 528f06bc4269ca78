// The two builds of the WebAssembly kernels (scripts/build-wasm.sh): kernels.wasm (baseline SIMD) and
// kernels-relaxed.wasm (the GEMM's multiply-add on FMA), chosen by MISTRAL_TUNE_WASM or, by default, the
// relaxed one wherever Node.js runs it (Node 20 behind a V8 flag the kernels switch on, V8 ≥ 11.4, i.e. Node ≥ 22, by default).
// Each build, in its own process: a GEMM for every transpose on 1 and 2 threads, equal bit for bit, within
// float32 rounding of a float64 loop. A bad MISTRAL_TUNE_WASM is one line and exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../temp-dir.ts';
import { nodeArgsFor } from '../node-args.ts';

function child(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, nodeArgsFor('test/backend/wasm-build-child.ts'), {
    env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const checksums = new Map<string, string>();
for (const [want, build] of [['auto', 'relaxed'], ['baseline', 'baseline'], ['relaxed', 'relaxed']] as const) {
  test(`MISTRAL_TUNE_WASM=${want}: the ${build} build, its GEMM deterministic across threads and within float32 rounding`, () => {
    const r = child({ MISTRAL_TUNE_WASM: want });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { build: string; worst: number; sameBits: boolean; checksum: string };
    assert.equal(out.build, build);
    assert.ok(out.sameBits, '2 threads gave other bits than 1 thread');
    assert.ok(out.worst < 1e-4, `max relative error ${out.worst}`); // k = 301 products of N(0,1) values, float32
    checksums.set(build, out.checksum);
  });
}

test('the two builds run different code: FMA rounds once, so some results differ in the last bits', () => {
  assert.ok(checksums.has('baseline') && checksums.has('relaxed'), 'the build tests above ran');
  assert.notEqual(checksums.get('baseline'), checksums.get('relaxed'));
});

test('a MISTRAL_TUNE_WASM that is not auto, baseline or relaxed: one line, exit 2', () => {
  const r = spawnSync(process.execPath, ['bin/mistral-tune.js', 'generate', '--model', 'models/mistral-tune-tiny', '--device', 'cpu', '--raw',
    '--prompt', 'hi', '--max-new-tokens', '1'], { env: { ...process.env, MISTRAL_TUNE_WASM: 'fast' }, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr + r.stdout);
  assert.equal(r.stderr.trim(), 'error: MISTRAL_TUNE_WASM: "fast" is not auto, baseline or relaxed');
});

test('without kernels-relaxed.wasm the baseline build runs (auto), and asking for relaxed says what is missing', () => {
  const root = tempDir('mt-wasm-build-');
  fs.cpSync('src', path.join(root, 'src'), { recursive: true });
  for (const f of ['package.json', 'tsconfig.json']) fs.copyFileSync(f, path.join(root, f)); // ESM, as the project
  fs.symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'));
  fs.rmSync(path.join(root, 'src/backend/cpu/wasm/kernels-relaxed.wasm'));
  const probe = (want: string): ReturnType<typeof spawnSync> => spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    "import { kernelBuild } from './src/backend/cpu/wasm/wasm-kernels.ts'; console.log(kernelBuild());"],
  { cwd: root, env: { ...process.env, MISTRAL_TUNE_WASM: want }, encoding: 'utf8', timeout: 60_000 });
  const auto = probe('auto');
  assert.equal(auto.status, 0, String(auto.stderr));
  assert.equal(String(auto.stdout).trim(), 'baseline');
  const relaxed = probe('relaxed');
  assert.notEqual(relaxed.status, 0);
  assert.match(String(relaxed.stderr), /MISTRAL_TUNE_WASM=relaxed: cannot read .*kernels-relaxed\.wasm/);
  fs.rmSync(root, { recursive: true, force: true });
});
