// The cuBLASLt attention path's switch and its workspace (the memory plan counts it). Its launches and
// GEMMs are checked on the fake backend (host-backend.test.ts) and the stand-in libraries (fake-libs.test.ts);
// its numbers against the CPU by `npm run test:gpu` with MISTRAL_TUNE_CUDA_ATTENTION=gemm on a GPU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cudaAttentionFromEnv } from '../../../src/backend/cuda/attention-path.ts';
import { gemmAttentionWorkspaceBytes } from '../../../src/backend/cuda/gemm-attention.ts';
import { UserError } from '../../../src/util/errors.ts';

test('MISTRAL_TUNE_CUDA_ATTENTION: flash by default (also when set empty), gemm or kernel on request, anything else a one-line error naming the variable', () => {
  assert.equal(cudaAttentionFromEnv({}), 'flash');
  assert.equal(cudaAttentionFromEnv({ MISTRAL_TUNE_CUDA_ATTENTION: '' }), 'flash');
  assert.equal(cudaAttentionFromEnv({ MISTRAL_TUNE_CUDA_ATTENTION: 'kernel' }), 'kernel');
  assert.equal(cudaAttentionFromEnv({ MISTRAL_TUNE_CUDA_ATTENTION: 'gemm' }), 'gemm');
  assert.equal(cudaAttentionFromEnv({ MISTRAL_TUNE_CUDA_ATTENTION: 'flash' }), 'flash');
  assert.throws(() => cudaAttentionFromEnv({ MISTRAL_TUNE_CUDA_ATTENTION: 'fast' }), (e: Error) => e instanceof UserError && /MISTRAL_TUNE_CUDA_ATTENTION=fast: expected flash, gemm or kernel/.test(e.message));
});

test('workspace: packed Q, dO, dQ, rowdot, and one KV group\'s two exact and one store score matrices (Mistral 7B, 1×2048, bf16: 208 MiB)', () => {
  const s = { B: 1, T: 2048, Hq: 32, Hkv: 8, D: 128 };
  const bytes = gemmAttentionWorkspaceBytes(s, 2, 4);
  assert.equal(bytes, 3 * 2048 * 32 * 128 * 2 + 32 * 2048 * 4 + 4 * 2048 * 2048 * (2 * 4 + 2));
  assert.equal(Math.round(bytes / 2 ** 20), 208);
  assert.equal(gemmAttentionWorkspaceBytes({ ...s, B: 4 }, 2, 4) - bytes, 3 * (3 * 2048 * 32 * 128 * 2 + 32 * 2048 * 4), 'rows add packed copies, not score matrices');
});
