// The end of a run: report.json (what was trained, on what, the val and test metrics, samples before vs
// after) and loss_curve.svg (train loss per step, val loss per evaluation).
import { RUN_LAYOUT } from '../run/layout.ts';
import { evalRowJson, type EvalRow } from './evaluate-split.ts';
import { modelName } from './config.ts';
import { CurveSeries, lossCurveSvg, type CurvePoint } from './loss-curve.ts';
import type { MetricsLog } from './metrics-log.ts';
import type { RunDir } from './run-dir.ts';
import type { SamplePrompt } from './samples.ts';
import type { RunSetup } from './setup.ts';

export interface RunSummary {
  steps: number;
  stoppedEarly: boolean;
  lastLoss: number | null;
  /** The val evaluation whose weights best/ holds. */
  best: { step: number; loss: number } | null;
  /** The lowest val loss evaluated (best-state.ts): best's, unless best/ was lost and started again from a later evaluation. */
  lowest: { step: number; loss: number } | null;
  evalRows: EvalRow[];
  test: EvalRow | null;
  prompts: SamplePrompt[];
}

export function writeReport(dir: RunDir, metrics: MetricsLog, run: RunSetup, r: RunSummary, baseFingerprint?: string): Record<string, unknown> {
  const val = r.evalRows.filter((e) => e.split === 'val');
  const report = {
    task: run.cfg.task,
    method: run.cfg.method,
    model: modelName(run.cfg),
    labels: run.cfg.labels,
    examples: { train: run.train.length, val: run.val?.length ?? 0, test: run.test?.length ?? 0 },
    // what loading left out (overflow: drop, no target left) or cut (truncate) to max_seq_len, said on stderr as it loaded
    ...loadedCounts(run.loaded),
    steps: r.steps,
    total_steps: run.totalSteps,
    epochs: r.steps / run.stepsPerEpoch,
    stopped_early: r.stoppedEarly,
    final_train_loss: r.lastLoss,
    val: val.length ? { first: evalRowJson(val[0]!), last: evalRowJson(val[val.length - 1]!), best: r.best, ...(lowestApart(r) ? { lowest: r.lowest } : {}) } : null,
    test: r.test && evalRowJson(r.test),
    samples: r.prompts.map((p) => p.sample),
    // a LoRA run's base weights (model-fingerprint.ts), so that what reads the run can tell them replaced
    ...(baseFingerprint !== undefined ? { base_fingerprint: baseFingerprint } : {}),
  };
  const { train, val: valCurve } = curvesOf(metrics.rows());
  dir.writeText(RUN_LAYOUT.lossCurve, lossCurveSvg(train, valCurve, `${run.cfg.task} loss — ${modelName(run.cfg).split('/').pop()}`));
  // last: it says the run finished (RunDir.finished), so a run stopped before it is resumed, not refused as done
  dir.writeJson(RUN_LAYOUT.report, report);
  return report;
}

/** The train loss per step and the val loss (with its set) per evaluation of metrics.jsonl's rows, read once and thinned as they stream. */
export function curvesOf(rows: Iterable<Record<string, unknown>>): { train: CurvePoint[]; val: CurvePoint[] } {
  const train = new CurveSeries(), val = new CurveSeries();
  for (const x of rows) {
    if (typeof x.step !== 'number' || typeof x.loss !== 'number') continue;
    if (x.split === undefined) train.add({ step: x.step, loss: x.loss });
    else if (x.split === 'val') val.add({ step: x.step, loss: x.loss, ...(typeof x.data_fingerprint === 'string' ? { data_fingerprint: x.data_fingerprint } : {}) });
  }
  return { train: train.points(), val: val.points() };
}

/**
 * report.json's examples_dropped (either reason), examples_fully_masked (of those, the records truncation left no target)
 * and examples_truncated: each split's count where any is not 0 (none at all: no key).
 */
function loadedCounts(loaded: RunSetup['loaded']): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [what, key] of [['dropped', 'dropped'], ['fullyMasked', 'fully_masked'], ['truncated', 'truncated']] as const) {
    const counts = Object.fromEntries(Object.entries(loaded).filter(([, n]) => n[what] > 0).map(([split, n]) => [split, n[what]]));
    if (Object.keys(counts).length > 0) out[`examples_${key}`] = counts;
  }
  return out;
}

/** Whether the lowest val loss is not the one best/ holds (its weights were lost), which report.json then says too. */
function lowestApart(r: RunSummary): boolean {
  return r.lowest !== null && (r.best === null || r.best.step !== r.lowest.step);
}
