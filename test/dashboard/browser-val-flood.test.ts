// In headless Chromium: a metrics.jsonl whose val rows name a new val set (data_fingerprint) at every evaluation, as
// a buggy or hostile file may, drew a series per evaluation in every eval chart (2,000 series: uPlot made, laid out and
// drew each, and the page stopped answering). Past a few sets a run's eval series is drawn as points only, one
// series, said in its legend and in the run's panel. Handwritten metrics.jsonl files, no training run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { chartSeries, onDashboardPage, SKIP, type PageGlobals } from './browser-page.ts';
import { tempRuns } from './helpers.ts';

const EVALS = 2000;

/** The page's uPlot instance, as far as a series' path builder goes. */
interface PathPlot { data: unknown[][]; series: Array<{ paths(plot: PathPlot, series: number, from: number, to: number): unknown }> }

test('a run with a new val set at every evaluation draws one val series of points, said in the legend and the panel', { skip: SKIP, timeout: 120_000 }, async () => {
  const tmp = tempRuns();
  const dir = path.join(tmp.root, 'flood');
  fs.mkdirSync(dir);
  const rows: object[] = [];
  for (let step = 1; step <= EVALS; step++) {
    rows.push({ step, loss: 3 - step / EVALS, lr: 1e-4 });
    rows.push({ step, split: 'val', loss: 3.5 - step / EVALS, accuracy: step / EVALS, data_fingerprint: `set-${step}` });
  }
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
  try {
    await onDashboardPage([dir], async (page) => {
      await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === n, EVALS, { timeout: 60_000 });
      const loss = await chartSeries(page, 'loss');
      assert.deepEqual(loss.map((s) => s.label), ['flood train', `flood val (${EVALS} val sets: points only)`]);
      assert.equal(loss[1]!.points.length, EVALS, 'every evaluation is drawn');
      // points only: the val series builds no path (uPlot's paths option), the train series its line
      const lines = await page.evaluate(() => {
        const plot = (globalThis as unknown as { __dashboard: { charts: { loss: { plot: PathPlot } } } }).__dashboard.charts.loss.plot;
        return plot.series.slice(1).map((s, i) => s.paths(plot, i + 1, 0, plot.data[0]!.length - 1) !== null);
      });
      assert.deepEqual(lines, [true, false], 'a line for train, none for val');
      const accuracy = await chartSeries(page, 'accuracy');
      assert.equal(accuracy.length, 2, `accuracy and macro-F1 (none) only: ${accuracy.length} series`);
      const status = (await page.textContent('article[data-run="0"] .status'))!;
      assert.match(status, new RegExp(`the val data changed ${EVALS - 1} times: val drawn as points, no line joins two sets`));
    });
  } finally {
    tmp.cleanup();
  }
});

test("a long run's flood notes count every row it wrote, not the rows held after thinning", { skip: SKIP, timeout: 180_000 }, async () => {
  // before: the panel's "the val data changed N times", the legend's "(N val sets: points only)" and "N rows of split …
  // not charted" counted the rows the server held, thinned past 8,192 a series: far fewer than the file's
  const tmp = tempRuns();
  const dir = path.join(tmp.root, 'long-flood');
  fs.mkdirSync(dir);
  const N = 10_000;
  const lines: string[] = [];
  for (let step = 1; step <= N; step++) {
    lines.push(JSON.stringify({ step, loss: 3 - step / N }));
    lines.push(JSON.stringify({ step, split: 'val', loss: 3.5 - step / N, data_fingerprint: `set-${step}` }));
    lines.push(JSON.stringify({ step, split: 'dev', loss: 3 }));
  }
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  try {
    await onDashboardPage([dir], async (page) => {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.series.length === 3, undefined, { timeout: 90_000 });
      const loss = await chartSeries(page, 'loss');
      assert.deepEqual(loss.map((s) => s.label), ['long-flood train', `long-flood val (${N} val sets: points only)`]);
      assert.ok(loss[1]!.points.length < N, `the val rows held are thinned: ${loss[1]!.points.length}`);
      const status = (await page.textContent('article[data-run="0"] .status'))!;
      assert.match(status, new RegExp(`the val data changed ${N - 1} times: val drawn as points`));
      assert.match(status, new RegExp(`${N} rows of split "dev" not charted`));
    });
  } finally {
    tmp.cleanup();
  }
});
