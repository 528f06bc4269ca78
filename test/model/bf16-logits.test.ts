// MISTRAL_TUNE_BF16_LOGITS=1 (src/model/bf16-logits.ts): a bf16 training step's loss comes from logits rounded to
// bf16, as HF's bf16 models compute it (lm_head's bf16 output, upcast in the loss); by default from f32 logits.
// Both against the same reference: the evaluation's f32 logits of the same weights, rounded (or not), with the
// cross-entropy in float64.
import assert from 'node:assert/strict';
import { TEST_DEVICE, test, testBackend } from '../backend/device.ts';
import { bf16ToF32, f32ToBf16 } from '../../src/backend/dtype.ts';
import { bf16LogitsFromEnv } from '../../src/model/bf16-logits.ts';
import { causalLmBackward } from '../../src/model/backward.ts';
import { parseConfig } from '../../src/model/config.ts';
import { createRandomModel } from '../../src/model/init.ts';
import { UserError } from '../../src/util/errors.ts';
import { withEnv } from '../helpers.ts';

const V = 96;
const ROWS = [{ inputIds: [1, 5, 17, 9, 70, 33, 2, 88] }, { inputIds: [4, 61, 12, 3, 95] }];

const withBf16Logits = <T>(value: '0' | '1', fn: () => T): T => withEnv('MISTRAL_TUNE_BF16_LOGITS', value, fn);

/** Σ NLL over the counted targets from logits (N, V), each row's values passed through `round`, in float64. */
function nllSum(logits: ArrayLike<number>, targets: Int32Array, round: (x: Float32Array) => Float32Array): number {
  let sum = 0;
  targets.forEach((t, i) => {
    if (t === -100) return;
    const row = round(Float32Array.from({ length: V }, (_, j) => logits[i * V + j]!));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    sum += lse - row[t]!;
  });
  return sum;
}

test('MISTRAL_TUNE_BF16_LOGITS: 0 by default (also when empty), 1 turns it on, anything else a one-line error naming the variable', () => {
  assert.equal(bf16LogitsFromEnv({}), false);
  assert.equal(bf16LogitsFromEnv({ MISTRAL_TUNE_BF16_LOGITS: '' }), false);
  assert.equal(bf16LogitsFromEnv({ MISTRAL_TUNE_BF16_LOGITS: '1' }), true);
  assert.throws(() => bf16LogitsFromEnv({ MISTRAL_TUNE_BF16_LOGITS: 'yes' }), (e: Error) => e instanceof UserError && /^MISTRAL_TUNE_BF16_LOGITS=yes: expected 1/.test(e.message));
});

test('a bf16 training step\'s loss: from f32 logits by default, from bf16-rounded logits with MISTRAL_TUNE_BF16_LOGITS=1 (HF\'s)', () => {
  const cfg = parseConfig({
    model_type: 'mistral', vocab_size: V, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2,
    num_key_value_heads: 1, sliding_window: null, tie_word_embeddings: false,
  });
  // weights large enough that the logits (up to ±15 or so) lose digits in bf16: the loss moves by ≈ 4e-4 of itself
  const m = createRandomModel(testBackend(), cfg, { seed: 11, std: 1.5, normStd: 0.1 }, 'bf16');
  m.enableBaseGrads();
  const batch = m.collate(ROWS);
  const logits = m.logits(batch);
  const exact = nllSum(logits, batch.targets, (x) => x), rounded = nllSum(logits, batch.targets, (x) => bf16ToF32(f32ToBf16(x)));
  const f32Loss = withBf16Logits('0', () => causalLmBackward(m, batch, 1 / batch.targetCount));
  const bf16Loss = withBf16Logits('1', () => causalLmBackward(m, batch, 1 / batch.targetCount));
  assert.ok(Number.isFinite(bf16Loss) && bf16Loss !== f32Loss && Math.abs(bf16Loss - f32Loss) <= 1e-2 * f32Loss, `the switch took effect: ${bf16Loss} vs ${f32Loss}`);
  if (TEST_DEVICE === 'cpu') { // the CPU rounds its f32 product to bf16: the same logits as the evaluation's, rounded
    const tol = 1e-6 * exact;
    assert.ok(Math.abs(rounded - exact) > 100 * tol, `the test is sensitive: rounding the logits moves the loss (${rounded} vs ${exact})`);
    assert.ok(Math.abs(f32Loss - exact) <= tol, `default: ${f32Loss} vs the f32 logits' ${exact}`);
    assert.ok(Math.abs(bf16Loss - rounded) <= tol, `MISTRAL_TUNE_BF16_LOGITS=1: ${bf16Loss} vs the bf16 logits' ${rounded}`);
  } else { // cuBLASLt's bf16-output product may round an element the other way from its f32 one: closer to HF's than to ours
    assert.ok(Math.abs(f32Loss - exact) <= 2e-5 * exact, `default: ${f32Loss} vs the f32 logits' ${exact}`);
    assert.ok(Math.abs(bf16Loss - rounded) < 0.5 * Math.abs(rounded - exact), `MISTRAL_TUNE_BF16_LOGITS=1: ${bf16Loss}, the bf16 logits' ${rounded}, the f32 logits' ${exact}`);
  }
});
