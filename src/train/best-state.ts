// The run's two bests, as HF's Trainer keeps them: the lowest val loss evaluated (best_metric, with its step), against
// which early stopping's patience counts, and the evaluation whose weights best/ holds. They are one and the same until
// best/ is lost: a resume that finds it gone starts it again from the checkpoint's own evaluation (best-check.ts), a
// higher loss, while patience still counts from the lowest. Step 0's evaluation is a baseline (eval_on_start) that
// neither counts. Checkpoints of older versions record only best/'s evaluation, some of them step 0's: settled here.
import type { EvalRow } from './evaluate-split.ts';
import type { LoopState } from './checkpoint.ts';

type Best = { step: number; loss: number };

/**
 * Takes the val evaluation of `step` (not step 0's) into `loop`: the lowest val loss, best/'s evaluation, and the
 * evaluations since the last that improved on the lowest by more than `minDelta` (EarlyStoppingCallback's threshold,
 * measured before the lowest takes this one). Returns whether best/ takes this evaluation's weights: any loss lower
 * than the one it holds (load_best_model_at_end's rule).
 */
export function takeEvaluation(loop: LoopState, step: number, loss: number, minDelta: number): boolean {
  const lowest = loop.bestMetric ?? null;
  // the difference first, as HF (|loss − lowest| > threshold): lowest − minDelta rounds otherwise at the boundary
  loop.sinceBest = lowest === null || (loss < lowest.loss && lowest.loss - loss > minDelta) ? 0 : loop.sinceBest + 1;
  if (lowest === null || loss < lowest.loss) loop.bestMetric = { step, loss };
  const better = loop.best === null || loss < loop.best.loss;
  if (better) loop.best = { step, loss };
  return better;
}

/**
 * The bests of a checkpoint written before it recorded the lowest val loss (loop.bestMetric absent), where best/'s
 * evaluation was also the lowest. One of step 0's (an older version counted it) is replaced by what the rules now give:
 * the lowest of the val evaluations after step 0 up to the checkpoint (`evalRows`) and the patience counted over them
 * again; best/, which holds the untrained weights, is then no best (loop.best null), and `stepZero` is the evaluation it was.
 */
export function settleOlderBest(loop: LoopState, evalRows: readonly EvalRow[], minDelta: number): { stepZero: Best | null } {
  if (loop.bestMetric !== undefined) return { stepZero: null };
  const stepZero = loop.best;
  if (stepZero?.step !== 0) {
    loop.bestMetric = stepZero;
    return { stepZero: null };
  }
  const replay: LoopState = { ...loop, best: null, bestMetric: null, sinceBest: 0 };
  for (const r of evalRows) if (r.split === 'val' && r.step > 0 && r.step <= loop.step) takeEvaluation(replay, r.step, r.loss, minDelta);
  loop.best = null;
  loop.bestMetric = replay.bestMetric;
  loop.sinceBest = replay.sinceBest;
  return { stepZero };
}

/** Forgets both bests and the patience counted: the val data changed, and a loss of the new set cannot be compared with one of the old. */
export function forgetBests(loop: LoopState): void {
  loop.best = null;
  loop.bestMetric = null;
  loop.sinceBest = 0;
}
