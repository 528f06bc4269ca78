// In headless Chromium: a metrics.jsonl whose steps are huge (1e300: corrupt or hostile; steps are integers, so it
// parses) draws its step axis with short tick labels. Before: uPlot wrote each tick out in full, 1e299 as 400 digits
// and commas, the labels one black smear under the chart. Handwritten metrics.jsonl, no training run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { onDashboardPage, SKIP, type PageGlobals } from './browser-page.ts';
import { tempRuns } from './helpers.ts';

/** The tick labels of the loss chart's step axis, as uPlot last drew them. */
const stepTicks = (page: import('playwright-core').Page): Promise<string[]> => page.evaluate(() =>
  ((globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot as unknown as { axes: Array<{ _values: string[] }> }).axes[0]!._values);

test('steps up to 1e300 are labelled in exponent form on the step axis; steps of a usual run as before', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const huge = path.join(tmp.root, 'huge');
  fs.mkdirSync(huge);
  fs.writeFileSync(path.join(huge, 'metrics.jsonl'), [{ step: 0, loss: 2 }, { step: 1e15, loss: 1.5 }, { step: 1e300, loss: 1 }].map((r) => JSON.stringify(r) + '\n').join(''));
  try {
    await onDashboardPage([huge], async (page) => {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === 3, undefined, { timeout: 15_000 });
      const ticks = await stepTicks(page);
      assert.ok(ticks.length > 1 && ticks.every((t) => t.length <= 8), `short labels: ${JSON.stringify(ticks).slice(0, 200)}`);
      assert.equal(ticks[1], '1e+299');
      // a usual run, the same page: its steps grouped in thousands, as the page writes numbers
      fs.writeFileSync(path.join(huge, 'metrics.jsonl'), Array.from({ length: 21 }, (_, i) => JSON.stringify({ step: i * 1000, loss: 2 }) + '\n').join(''));
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === 21, undefined, { timeout: 15_000 });
      assert.ok((await stepTicks(page)).includes('10,000'), JSON.stringify(await stepTicks(page)));
    });
  } finally {
    tmp.cleanup();
  }
});

test('in a German browser the step axis groups thousands as the rest of the page writes numbers (10,000, not 10.000 beside a value axis\'s 2.5)', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'long');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), Array.from({ length: 21 }, (_, i) => JSON.stringify({ step: i * 1000, loss: 2 + i / 40 }) + '\n').join(''));
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === 21, undefined, { timeout: 15_000 });
      assert.equal(await page.evaluate(() => (1234.5).toLocaleString()), '1.234,5', 'the page runs in a German locale');
      const ticks = await stepTicks(page);
      assert.ok(ticks.includes('10,000'), JSON.stringify(ticks));
      // the legend's step under the cursor and the value axis: one convention on the page, '.' the decimal point
      const values = await page.evaluate(() => ((globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot as unknown as { axes: Array<{ _values: string[] }> }).axes[1]!._values);
      assert.ok(values.some((v) => /^\d+\.\d+$/.test(v)), JSON.stringify(values));
    }, { locale: 'de-DE' });
  } finally {
    tmp.cleanup();
  }
});
