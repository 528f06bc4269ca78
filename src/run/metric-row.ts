// A row of a run's metrics.jsonl as readers take it: the step it belongs to, the split of an evaluation row
// ("val", "test"; none for a training step's row), and the metrics it holds. Written by src/train/metrics-log.ts,
// read by the dashboard (src/dashboard/metrics-tail.ts) and the loss curve (src/train/loss-curve.ts).
export interface MetricRow {
  step: number;
  split?: string;
  [key: string]: unknown;
}
