// In headless Chromium: a run resumed onto another val set (each val row carries its set's hash, data_fingerprint)
// draws a val series per set, broken at the change and each named in the legend, while a run with one set draws one
// as before (a zoom and a series hidden from the legend kept); past the thinning cap each set keeps its own lowest loss
// and its ends, drawn in its own series.
// Handwritten metrics.jsonl files, no training run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { SERIES_CAP } from '../../src/run/series-cap.ts';
import { chartSeries, onDashboardPage, SKIP, type PageGlobals } from './browser-page.ts';
import { tempRuns } from './helpers.ts';

const jsonl = (rows: object[]): string => rows.map((r) => JSON.stringify(r) + '\n').join('');
const train = (from: number, to: number): object[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ step: from + i, loss: 3 - (from + i) / 60, lr: 1e-4, grad_norm: 1, tokens_per_s: 1000, mem_bytes: 1e8 }));
const val = (points: Array<[number, number]>, set: string): object[] =>
  points.map(([step, loss]) => ({ step, split: 'val', loss, perplexity: Math.exp(loss), data_fingerprint: set }));
/** Waits until the page's loss chart draws `n` points in its series `i` (0: the first after the steps). */
const drawnPoints = (page: Page, i: number, n: number): Promise<unknown> => page.waitForFunction(([at, count]) =>
  (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[at + 1]?.filter((v) => v !== null).length === count, [i, n] as const, { timeout: 15_000 });

test('a run whose val data changed draws a val series per set, broken at the change and named; a run of one set draws one', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const [resumed, plain] = ['resumed', 'plain'].map((name) => path.join(tmp.root, name));
  const first: Array<[number, number]> = [[0, 3], [10, 2.6], [20, 2.3], [30, 2.1]];
  const second: Array<[number, number]> = [[40, 1.6], [50, 1.5], [60, 1.45]];
  for (const dir of [resumed, plain]) fs.mkdirSync(dir);
  fs.writeFileSync(path.join(resumed, 'metrics.jsonl'), jsonl([...train(1, 30), ...val(first, 'A')]));
  fs.writeFileSync(path.join(plain, 'metrics.jsonl'), jsonl([...train(1, 60), ...val([...first, ...second], 'A')]));
  try {
    await onDashboardPage([resumed, plain], async (page) => {
      await drawnPoints(page, 0, 30);
      const before = await chartSeries(page, 'loss');
      assert.deepEqual(before.map((s) => s.label), ['resumed train', 'resumed val', 'plain train', 'plain val'], 'one val set: one val series each, as ever');
      assert.deepEqual(before[1]!.points, first);
      assert.deepEqual(before[3]!.points, [...first, ...second]);

      // zoomed in (as by dragging), the chart keeps its range when it is made anew for a series more, and the uPlot it
      // replaces is destroyed, not left listening on the window
      const listeners = (): Promise<number> => page.evaluate(() => (globalThis as unknown as PageGlobals).__windowListeners('dppxchange'));
      const listening = await listeners();
      await page.evaluate(() => (globalThis as unknown as { __dashboard: { charts: { loss: { plot: { setScale(k: string, r: object): void } } } } })
        .__dashboard.charts.loss.plot.setScale('x', { min: 5, max: 45 }));

      // the other run's train loss hidden from the legend (a click on its name) stays hidden in the new chart
      await page.locator('[data-chart="loss"] .u-legend th', { hasText: 'plain train' }).click();

      // the run resumes onto another val file: its val rows from step 40 name another set
      fs.appendFileSync(path.join(resumed, 'metrics.jsonl'), jsonl([...train(31, 60), ...val(second, 'B')]));
      await drawnPoints(page, 0, 60);
      const x = await page.evaluate(() => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.scales.x);
      assert.deepEqual([x.min, x.max], [5, 45], 'the zoom survives the new series');
      assert.equal(await listeners(), listening, 'the replaced uPlot was destroyed');
      assert.deepEqual(await page.evaluate(() => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.series.filter((s) => !s.show).map((s) => s.label)),
        ['plain train'], 'the series hidden before is hidden still');
      const after = await chartSeries(page, 'loss');
      assert.deepEqual(after.map((s) => s.label), ['resumed train', 'resumed val (set 1)', 'resumed val (set 2, from step 40)', 'plain train', 'plain val']);
      assert.deepEqual(after[1]!.points, first, 'set 1 ends at its last evaluation: no line to the other set');
      assert.deepEqual(after[2]!.points, second);
      assert.deepEqual(after[4]!.points, [...first, ...second], 'the run of one set is drawn as before');
      const legend = await page.locator('[data-chart="loss"] .u-legend .u-label').allTextContents();
      assert.ok(legend.includes('resumed val (set 2, from step 40)'), `the legend names each set: ${JSON.stringify(legend)}`);
      const fills = await page.evaluate(() => {
        const plot = (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot;
        return (plot.series as unknown as Array<{ points: { fill(u: unknown, i: number): string } }>).slice(2, 4).map((s, i) => s.points.fill(plot, i + 2));
      });
      assert.notEqual(fills[0], fills[1], `the two sets' points are drawn apart (fills ${fills.join(', ')})`);
      assert.match((await page.textContent('article[data-run="0"] .status'))!, /the lowest val loss was 1\.45 at step 60 \(the val data changed before step 40/);
    });
  } finally {
    tmp.cleanup();
  }
});

test('thinned past the cap, each val set keeps its lowest loss and its first and last evaluations, drawn in its own series', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  // set A falls from 3 to 2 over 4,099 evaluations; set B, from step 4,100, is easier (1.5 to 1) in one run and harder
  // (2.5 to 3.5, its lowest its second evaluation) in the other. The first and last evaluation of each set lie between
  // the two beside them, so nothing but being an end keeps them.
  const setA = 4099, total = SERIES_CAP.rows + 800;
  const stretch = (from: number, n: number, lossFrom: number, lossTo: number): Array<[number, number]> => Array.from({ length: n }, (_, i) => {
    const at = i === 0 ? 1.5 : i === n - 1 ? n - 2.5 : i;
    return [from + i, lossFrom + ((lossTo - lossFrom) * at) / (n - 1)];
  });
  const runs = { easier: [1.5, 1], harder: [2.5, 3.5] } as const;
  const sets = Object.values(runs).map(([b0, b1]) => [stretch(1, setA, 3, 2), stretch(setA + 1, total - setA, b0, b1)]);
  const dirs = Object.keys(runs).map((name, r) => {
    const dir = path.join(tmp.root, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), jsonl([...val(sets[r]![0]!, 'A'), ...val(sets[r]![1]!, 'B')]));
    return dir;
  });
  try {
    await onDashboardPage(dirs, async (page) => {
      await page.waitForFunction((last) => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].at(-1) === last, total, { timeout: 15_000 });
      const drawn = await chartSeries(page, 'loss');
      assert.equal(drawn.length, 6, `a val series per set: ${JSON.stringify(drawn.map((s) => s.label))}`);
      for (const [r, name] of Object.keys(runs).entries()) {
        for (const [k, points] of sets[r]!.entries()) {
          const shown = drawn.find((s) => s.label.startsWith(`${name} val (set ${k + 1}`))!.points;
          const where = `${name}, set ${k + 1}`;
          assert.ok(shown.length < points.length / 2, `${where}: thinned, ${shown.length} of ${points.length} points`);
          const lowest = points.reduce((a, b) => (b[1] < a[1] ? b : a));
          assert.ok(shown.some(([x, y]) => x === lowest[0] && y === lowest[1]), `${where}: its lowest, ${lowest[1]} at step ${lowest[0]}, is drawn`);
          assert.deepEqual([shown[0], shown.at(-1)], [points[0], points.at(-1)], `${where}: drawn from its first evaluation to its last`);
        }
      }
      assert.deepEqual(drawn.map((s) => s.label), Object.keys(runs).flatMap((n) => [`${n} train`, `${n} val (set 1)`, `${n} val (set 2, from step ${setA + 1})`]));
      const harderLowest = sets[1]![1]!.reduce((a, b) => (b[1] < a[1] ? b : a));
      assert.match((await page.textContent('article[data-run="1"] .status'))!, new RegExp(`the lowest val loss was \\S+ at step ${harderLowest[0]} \\(the val data changed`));
    });
  } finally {
    tmp.cleanup();
  }
});
