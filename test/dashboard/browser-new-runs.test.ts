// In headless Chromium: a run made after the dashboard started (a train started once the page is open on runs/) is
// added to the open page without a reload (its curves in its own colour, its legend entry and its panel, the runs
// shown kept as they were), and a page opened later shows it too; a page reconnecting to a server that lists more runs
// after those it shows adds them, its charts kept; a chart made anew for a new run keeps the keyboard's focus where it was.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { chartsHold, colourPixels, onDashboardPage, seriesCounts, SKIP, type PageGlobals } from './browser-page.ts';
import { RUN_CLS, RUN_GEN, tempRuns } from './helpers.ts';

const runCount = (n: number) => (page: Page) => page.waitForFunction((k) => (globalThis as unknown as PageGlobals).__dashboard!.runs.length === k, n, { timeout: 15_000 });
const legend = (page: Page): Promise<string[]> => page.locator('#legend .legend-item').allTextContents();

test('a run made while the page is open is drawn, listed and given a panel without a reload; a page opened later shows it too', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const elsewhere = tempRuns();
  const [gen] = tmp.dirs as [string];
  const cls = path.join(tmp.root, 'dashboard-run-cls');
  // what the CLI's findRuns does for a folder of runs: the run folders in it, looked at again every findRunsMs
  const findRuns = (): string[] => fs.readdirSync(tmp.root).filter((n) => !n.startsWith('.')).map((n) => path.join(tmp.root, n))
    .filter((d) => fs.existsSync(path.join(d, 'metrics.jsonl')));
  try {
    await onDashboardPage([gen], async (page, url, restart) => {
      await chartsHold(page, { loss: [61, 60, 7] });
      assert.deepEqual(await seriesCounts(page, 'loss'), [61, 60, 7]);
      // copied aside and moved in whole, as a train's folder appears to a look
      fs.cpSync(RUN_CLS, path.join(tmp.root, '.copy'), { recursive: true });
      fs.renameSync(path.join(tmp.root, '.copy'), cls);
      await runCount(2)(page);
      await chartsHold(page, { loss: [61, 60, 7, 40, 5] });
      // the first run's rows kept, the new one's drawn, in the palette's second colour
      assert.deepEqual(await seriesCounts(page, 'loss'), [61, 60, 7, 40, 5]);
      const [blue, orange] = await colourPixels(page, 'loss', [[31, 119, 180], [255, 127, 14]]);
      assert.ok(blue! > 300 && orange! > 300, `loss curves drawn in both run colours (pixels: ${blue}, ${orange})`);
      assert.deepEqual(await legend(page), ['dashboard-run', 'dashboard-run-cls']);
      assert.equal(await page.title(), 'mistral-tune dashboard — dashboard-run, dashboard-run-cls');
      const panel = page.locator('article[data-run="1"]');
      assert.equal(await panel.getAttribute('aria-label'), 'run dashboard-run-cls');
      await panel.locator('table.confusion').waitFor({ timeout: 10_000 });
      assert.equal(await page.locator('article.run').count(), 2);

      // a page opened now shows both
      const later = await page.context().browser()!.newPage(); // a context of its own, as another window's
      await later.goto(url);
      // each run's rows come in an event of their own: the second's may be drawn a redraw before the first's
      await chartsHold(later, { loss: [61, 60, 7, 40, 5] });
      assert.deepEqual(await seriesCounts(later, 'loss'), [61, 60, 7, 40, 5]);
      assert.deepEqual(await legend(later), ['dashboard-run', 'dashboard-run-cls']);
      await later.context().close();

      // the stream lost while the server found another run: the hello it reconnects to lists it after those shown, and it
      // is added to the charts kept (the same objects), not drawn anew from nothing
      const third = path.join(elsewhere.root, 'third'); // not where the first server looks
      fs.mkdirSync(third);
      fs.writeFileSync(path.join(third, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 2.5, lr: 1e-4 }) + '\n');
      await page.evaluate(() => {
        const g = globalThis as unknown as { __charts: unknown } & PageGlobals;
        g.__charts = g.__dashboard!.charts;
      });
      await restart([gen, cls, third]);
      await runCount(3)(page);
      await page.waitForSelector('article[data-run="2"] [data-steps="1"]', { timeout: 10_000 });
      // the charts redrawn with the third run (frames after its panel), so that they are checked to be the ones kept
      await chartsHold(page, { loss: [61, 60, 7, 40, 5, 1, 0] });
      assert.equal(await page.evaluate(() => (globalThis as unknown as { __charts: unknown } & PageGlobals).__charts === (globalThis as unknown as PageGlobals).__dashboard!.charts), true);
      assert.deepEqual(await legend(page), ['dashboard-run', 'dashboard-run-cls', 'third']);
      assert.equal(await page.locator('article.run').count(), 3);
    }, { findRuns, findRunsMs: 200 });
  } finally {
    tmp.cleanup();
    elsewhere.cleanup();
  }
});

test('a chart drawn anew for a run found meanwhile keeps the keyboard\'s focus: on its plot area, or on the series\' name it was on', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = (name: string): string => {
    const dir = path.join(tmp.root, name);
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n' + JSON.stringify({ step: 2, loss: 2, lr: 1e-4 }) + '\n');
    return dir;
  };
  const found: string[] = [];
  const focusedIs = (selector: string): Promise<boolean> => page0!.evaluate((sel) => {
    const d = (globalThis as unknown as { document: { activeElement: unknown; querySelector(s: string): unknown } }).document;
    return d.activeElement === d.querySelector(sel);
  }, selector);
  let page0: Page | undefined;
  try {
    await onDashboardPage([run('a')], async (page) => {
      page0 = page;
      await page.waitForSelector('[data-steps="2"]', { timeout: 10_000 });
      await page.focus('[data-chart="loss"] .u-over');
      found.push(run('b'));
      await runCount(2)(page);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.series.length === 5, null, { timeout: 15_000 });
      // before: the focus was on the page's body once the chart was made anew
      assert.equal(await focusedIs('[data-chart="loss"] .u-over'), true, 'the loss chart\'s plot area keeps the focus');
      await page.locator('[data-chart="lr"] .u-legend .u-series th', { hasText: 'b' }).focus();
      found.push(run('c'));
      await runCount(3)(page);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard!.charts!.lr!.plot.series.length === 4, null, { timeout: 15_000 });
      assert.equal(await focusedIs('[data-chart="lr"] .u-legend .u-series:nth-child(3) th'), true, 'run b\'s name in the lr legend keeps the focus');
    }, { findRuns: () => found, findRunsMs: 200 });
  } finally {
    tmp.cleanup();
  }
});
