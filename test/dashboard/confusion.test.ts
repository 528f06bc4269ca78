// Large confusion matrices are sent cut to the labels with the most errors (confusion.ts), every count still
// accounted for: a classifier of 500 labels wrote a 12 MB report.json that the page refused as too large, and a test
// row of 250,000 counts that every page received and laid out whole.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { CONFUSION_SHOWN, boundConfusions, confusionExcerpt, type ConfusionExcerpt } from '../../src/dashboard/confusion.ts';
import { startDashboard } from '../../src/dashboard/server.ts';
import { settledSnapshot, tempRuns } from './helpers.ts';

/** n labels, 10 right each; label e (for e in `errs`) is taken for label e+1 errs[e] times. */
function matrix(n: number, errs: Record<number, number> = {}): number[][] {
  return Array.from({ length: n }, (_, t) => Array.from({ length: n }, (_, p) => (t === p ? 10 : p === t + 1 ? errs[t] ?? 0 : 0)));
}
const sum = (m: number[][]): number => m.flat().reduce((a, b) => a + b, 0);

test('the excerpt keeps the labels with the most errors, in label order, and sums the rest so that every count stays', () => {
  const m = matrix(10, { 7: 5, 2: 3, 4: 1 });
  const ex = confusionExcerpt(m, 3);
  // errors (false negatives + false positives): 7 and 8 five each, 2 and 3 three each (the lower first), 4 and 5 one
  assert.deepEqual(ex.labels, [2, 7, 8]);
  assert.equal(ex.size, 10);
  assert.deepEqual(ex.matrix, [
    [10, 0, 0, 3], // 2 taken for 3, a label not shown
    [0, 10, 5, 0],
    [0, 0, 10, 0],
    [0, 0, 0, 71], // the other 7 labels: their 70 right answers and the 4→5 error
  ]);
  assert.equal(sum(ex.matrix), sum(m));
});

test('boundConfusions cuts only square matrices over the limit under a "confusion" key, at any depth', () => {
  const small = matrix(CONFUSION_SHOWN);
  const report = { labels: ['a'], val: { first: { confusion: matrix(60) }, last: { confusion: small } }, test: { confusion_matrix: matrix(61) }, other: matrix(70) };
  boundConfusions(report);
  assert.equal((report.val.first.confusion as unknown as ConfusionExcerpt).size, 60);
  assert.equal((report.test.confusion_matrix as unknown as ConfusionExcerpt).labels.length, CONFUSION_SHOWN);
  assert.equal(report.val.last.confusion, small, 'a matrix within the limit is sent whole');
  assert.equal(report.other.length, 70, 'a matrix under another key is no confusion matrix: left as it is');
});

test('a classifier of 500 labels: its report is shown (not refused as too large) and the snapshot stays small', { timeout: 30_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'cls-500');
  fs.mkdirSync(run);
  const labels = Array.from({ length: 500 }, (_, i) => `label-${i}`);
  const errs = { 17: 40, 300: 25 };
  const ev = { step: 5, split: 'test', loss: 1, accuracy: 0.9, macro_f1: 0.8, confusion: matrix(500, errs), examples: 5065 };
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), `${JSON.stringify({ step: 5, loss: 1, lr: 1e-4 })}\n${JSON.stringify(ev)}\n`);
  // as train writes it: indented, each count on its own line (12 MB)
  fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ task: 'classification', labels, val: { first: { ...ev, split: 'val' }, last: { ...ev, split: 'val' } }, test: ev }, null, 2));
  assert.ok(fs.statSync(path.join(run, 'report.json')).size > 8 << 20);
  const dash = await startDashboard({ runs: [run] });
  try {
    const body = await settledSnapshot(dash.url);
    assert.ok(body.length < 200_000, `snapshot of ${body.length} bytes`);
    const events = JSON.parse(body) as Array<{ type: string; data: { report?: { json?: { test: { accuracy: number; confusion: ConfusionExcerpt } }; error?: string }; rows?: Array<{ confusion?: ConfusionExcerpt }> } }>;
    const report = events.find((e) => e.type === 'files')!.data.report!;
    assert.equal(report.error, undefined);
    assert.equal(report.json!.test.accuracy, 0.9);
    const cm = report.json!.test.confusion;
    assert.equal(cm.size, 500);
    assert.ok(cm.labels.includes(17) && cm.labels.includes(18) && cm.labels.includes(300), 'the confused labels are shown');
    assert.equal(sum(cm.matrix), 5065);
    const testRow = events.find((e) => e.type === 'metrics')!.data.rows!.find((r) => r.confusion)!;
    assert.deepEqual(testRow.confusion, cm, 'the test row of metrics.jsonl is cut the same way');
  } finally {
    await dash.close();
    tmp.cleanup();
  }
});
