// Which GEMM the CPU backend runs: MISTRAL_TUNE_GEMM (auto, openblas, simd, js) or the gemm option, and whether its
// WebAssembly kernels run (MISTRAL_TUNE_SIMD); a value it does not know is refused in one line, and a GEMM that was asked for is said so — not blamed on a missing BLAS library.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.ts';
import { isUserError } from '../../src/util/errors.ts';
import { withEnv } from '../helpers.ts';

const withGemmEnv = <T>(value: string | undefined, f: () => T): T => withEnv('MISTRAL_TUNE_GEMM', value, f);

test('MISTRAL_TUNE_GEMM: an unknown value is a one-line error naming it and the choices', () => {
  assert.throws(() => withGemmEnv('bogus', () => new CpuBackend()),
    (e) => isUserError(e) && e.message === 'MISTRAL_TUNE_GEMM: "bogus" is not auto, openblas, simd or js');
  for (const auto of ['', 'auto']) withGemmEnv(auto, () => new CpuBackend().describe());
});

test('MISTRAL_TUNE_SIMD: 0 turns the WebAssembly kernels off, 1 or unset keeps them; another value is a one-line error', () => {
  assert.throws(() => withEnv('MISTRAL_TUNE_SIMD', '2', () => new CpuBackend()),
    (e) => isUserError(e) && e.message === 'MISTRAL_TUNE_SIMD: "2" is not 0 (the WebAssembly kernels off) or 1 (on)');
  assert.equal(withEnv('MISTRAL_TUNE_SIMD', '0', () => new CpuBackend().wasmKernels), null);
  for (const on of ['1', '', undefined]) assert.notEqual(withEnv('MISTRAL_TUNE_SIMD', on, () => new CpuBackend().wasmKernels), null, String(on));
});

test('a GEMM asked for is named with what asked for it, not with the missing-BLAS hint', () => {
  const js = withGemmEnv('js', () => new CpuBackend().describe());
  assert.match(js, /TypeScript loops, asked for by MISTRAL_TUNE_GEMM=js/);
  assert.doesNotMatch(js, /no BLAS library loaded/);
  const simd = withGemmEnv(undefined, () => new CpuBackend({ gemm: 'simd' }).describe());
  assert.match(simd, /WebAssembly SIMD.*, asked for by the gemm option 'simd'/);
  for (const d of [js, simd]) assert.doesNotMatch(d, /\(.*\(/, 'no parentheses inside parentheses');
});
