// In headless Chromium: a chart overlaying many runs, each with a series per val set, draws at most MAX_CHART_POINTS
// points in all (chart-thin.js), short series whole, long ones thinned with their ends and extremes, and says so in
// its title; past MAX_SERIES_APART series (charts.js) each run's val sets are one series of points. Before, each run's series was bounded (8,192 rows held a series) but not the chart: 10 runs of 4,800
// steps and 12 val sets drew every one of 50,400 points, over a union of 48,000 steps for each of 130 series.
// Handwritten metrics.jsonl files, no training run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { chartSeries, chartsHold, onDashboardPage, SKIP, type PageGlobals } from './browser-page.ts';
import { tempRuns } from './helpers.ts';

const asset = new URL('../../src/dashboard/assets/chart-thin.js', import.meta.url).href;
const { MAX_CHART_POINTS } = (await import(asset)) as { MAX_CHART_POINTS: number };
const { MAX_SERIES_APART } = (await import(new URL('../../src/dashboard/assets/charts.js', import.meta.url).href)) as { MAX_SERIES_APART: number };

const RUNS = 10, STEPS = 4800, SETS = 12, EVALS_PER_SET = 20;

test('a chart of 10 runs × 13 series draws at most MAX_CHART_POINTS points, val sets whole, and says what it thinned', { skip: SKIP, timeout: 180_000 }, async () => {
  const tmp = tempRuns();
  const dirs: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const dir = path.join(tmp.root, `run${r}`);
    fs.mkdirSync(dir);
    const lines: string[] = [];
    for (let step = 1; step <= STEPS; step++) {
      // each run's steps offset: the union of steps is as large as it gets; a spike at one step of each run
      const loss = step === 2345 ? 50 : 3 - step / STEPS + r / 100;
      lines.push(JSON.stringify({ step: step * RUNS + r, loss, lr: 1e-4 }));
      const every = STEPS / (SETS * EVALS_PER_SET);
      if (step % every === 0) {
        const set = Math.floor((step / every - 1) / EVALS_PER_SET);
        lines.push(JSON.stringify({ step: step * RUNS + r, split: 'val', loss: loss + 0.5, data_fingerprint: `set-${set}` }));
      }
    }
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
    dirs.push(dir);
  }
  const total = RUNS * (STEPS + SETS * EVALS_PER_SET);
  assert.ok(total > MAX_CHART_POINTS);
  try {
    await onDashboardPage(dirs, async (page) => {
      await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.series.length === n, 1 + RUNS * (1 + SETS), { timeout: 120_000 });
      await page.waitForFunction(() => /drawn thinned/.test(String((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } })
        .document.querySelector('[data-chart="loss"] .u-title')?.textContent)), undefined, { timeout: 60_000 });
      const series = await chartSeries(page, 'loss');
      const drawn = series.reduce((n, s) => n + s.points.length, 0);
      assert.ok(drawn <= MAX_CHART_POINTS, `${drawn} points drawn`);
      const title = await page.textContent('[data-chart="loss"] .u-title');
      assert.equal(title, `Loss — train (solid), val (dashed) — drawn thinned: ${drawn.toLocaleString('en')} of ${total.toLocaleString('en')} points (each stretch's first, last, lowest and highest kept)`);
      assert.equal(await page.getAttribute('[data-chart="loss"]', 'aria-label'), title);
      for (let r = 0; r < RUNS; r++) {
        const train = series.find((s) => s.label === `run${r} train`)!;
        assert.ok(train.points.length < STEPS, `run${r}'s train thinned: ${train.points.length}`);
        assert.deepEqual(train.points.at(-1), [STEPS * RUNS + r, 2 + r / 100], 'the newest point kept');
        assert.deepEqual(train.points[0], [RUNS + r, 3 - 1 / STEPS + r / 100], 'the first kept');
        assert.ok(train.points.some(([x, y]) => x === 2345 * RUNS + r && y === 50), 'the spike kept');
        const vals = series.filter((s) => s.label.startsWith(`run${r} val (set `));
        assert.equal(vals.length, SETS);
        assert.ok(vals.every((s) => s.points.length === EVALS_PER_SET), 'every val set drawn whole');
      }
      // the lr chart, one series a run: 48,000 points, thinned too
      const lr = await chartSeries(page, 'lr');
      assert.ok(lr.reduce((n, s) => n + s.points.length, 0) <= MAX_CHART_POINTS);
    });
  } finally {
    tmp.cleanup();
  }
});

test('past MAX_SERIES_APART series a chart draws each run\'s val sets as one series of points, and its title says so', { skip: SKIP, timeout: 180_000 }, async () => {
  // 40 runs of 12 val sets: 520 series apart (200 runs drew 2,600, a row of the data grid each: chart-thin.test.ts)
  const tmp = tempRuns();
  const dirs: string[] = [];
  const runs = 40;
  for (let r = 0; r < runs; r++) {
    const dir = path.join(tmp.root, `run${r}`);
    fs.mkdirSync(dir);
    const lines: string[] = [];
    for (let step = 1; step <= 48; step++) {
      lines.push(JSON.stringify({ step, loss: 3 - step / 48 + r / 100 }));
      if (step % 2 === 0) lines.push(JSON.stringify({ step, split: 'val', loss: 2.5, data_fingerprint: `set-${Math.floor((step / 2 - 1) / 2)}` }));
    }
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
    dirs.push(dir);
  }
  assert.ok(runs * (1 + SETS) > MAX_SERIES_APART);
  try {
    await onDashboardPage(dirs, async (page) => {
      await page.waitForFunction((n) => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0]!.length === n, 48, { timeout: 120_000 });
      await chartsHold(page, { loss: [48, ...Array.from({ length: runs }, () => [48, 24]).flat()] });
      const series = await chartSeries(page, 'loss');
      assert.equal(series.length, 2 * runs, series.length + ' series');
      assert.deepEqual(series.slice(0, 2).map((s) => [s.label, s.points.length]), [['run0 train', 48], ['run0 val (12 val sets: points only)', 24]]);
      assert.equal(await page.textContent('[data-chart="loss"] .u-title'), 'Loss — train (solid), val (dashed) — val drawn as points instead: too many series to draw each val set apart (show fewer runs)');
    });
  } finally {
    tmp.cleanup();
  }
});
