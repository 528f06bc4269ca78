// EarlyStoppingCallback's threshold exactly as HF computes it: an evaluation improves when it is below the lowest val
// loss and |loss − lowest| > threshold, the difference taken in float64. Subtracting the threshold from the lowest
// first rounds otherwise at the boundary: lowest 1.03, loss 0.87, min_delta 0.16 gives 1.03 − 0.87 =
// 0.16000000000000003 > 0.16 (HF: an improvement, patience reset) but 0.87 < 1.03 − 0.16 = 0.87 false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { takeEvaluation } from '../../src/train/best-state.ts';
import type { LoopState } from '../../src/train/checkpoint.ts';

/** HF's check_metric_value for eval_loss (greater_is_better false): whether the evaluation resets patience. */
function hfImproves(loss: number, lowest: number | null, threshold: number): boolean {
  return lowest === null || (loss < lowest && Math.abs(loss - lowest) > threshold);
}

test('min_delta: an evaluation counts as an improvement exactly where HF\'s EarlyStoppingCallback threshold says so', () => {
  const cases: Array<[lowest: number, loss: number, minDelta: number]> = [[1.03, 0.87, 0.16], [3.29, 2.76, 0.53], [8.49, 8.02, 0.47],
    [1, 0.75, 0.25], [2, 1.9, 0.05], [2, 1.99, 0.05], [2, 2, 0], [2, 1.5, 0]];
  for (const [lowest, loss, minDelta] of cases) {
    const loop = { step: 2, best: { step: 1, loss: lowest }, bestMetric: { step: 1, loss: lowest }, sinceBest: 1, loader: null } as unknown as LoopState;
    takeEvaluation(loop, 2, loss, minDelta);
    assert.equal(loop.sinceBest === 0, hfImproves(loss, lowest, minDelta), `lowest ${lowest}, loss ${loss}, min_delta ${minDelta}: sinceBest ${loop.sinceBest}`);
    assert.equal(loop.bestMetric!.loss, Math.min(lowest, loss), 'the lowest takes any lower loss');
  }
});
