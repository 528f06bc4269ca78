// End to end in headless Chromium (Debian's, driven by playwright-core): the page draws the fixture runs'
// curves, follows appended metrics lines and a truncated file live, renders the report (markup in a run's folder name,
// config.yaml and samples as text), makes no request
// outside the server, and is saved as a screenshot (tmp/test-output/dashboard.png, git-ignored); a long run
// is drawn thinned, and the page's rows stay the server's through live thinnings; a page whose stream is refused (503) says its live updates are paused.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { SERIES_CAP } from '../../src/run/series-cap.ts';
import { chartsHold, colourPixels, onDashboardPage, SCREENSHOT, seriesCounts, SKIP, type PageGlobals } from './browser-page.ts';
import { holdLock, RUN_CLS, RUN_GEN, tempRuns, waitFor } from './helpers.ts';

test('dashboard in headless Chromium: charts draw, follow appends and truncation, screenshot', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN, RUN_CLS);
  // a hostile sample must render as text: add one to the copy of the real run's report
  const reportFile = path.join(tmp.dirs[0]!, 'report.json');
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { samples: Array<Record<string, string>> };
  report.samples.push({ prompt: '<script>alert(1)</script>', reference: '<img src=x onerror=alert(2)>', before: '', after: '' });
  fs.writeFileSync(reportFile, JSON.stringify(report));
  const classes = (JSON.parse(fs.readFileSync(path.join(RUN_CLS, 'report.json'), 'utf8')) as { labels: string[] }).labels;
  // markup in a run folder's name and in its config.yaml is shown as text, never parsed (an onerror would open a dialog)
  const hostileName = '<img src=x onerror=alert(3)>';
  const clsDir = path.join(tmp.root, hostileName);
  fs.renameSync(tmp.dirs[1]!, clsDir);
  fs.appendFileSync(path.join(clsDir, 'config.yaml'), 'note: "<img src=y onerror=alert(4)>"\n');
  try {
    await onDashboardPage([tmp.dirs[0]!, clsDir], async (page) => {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === 61, null, { timeout: 15_000 });
      // Series order: per run (generation, classification), train then val. The 61 steps are the first run's alone: the
      // second's rows may be drawn a redraw later.
      await chartsHold(page, { loss: [61, 60, 7, 40, 5], lr: [60, 60, 40], tokens_per_s: [60, 60, 40], grad_norm: [60, 60, 40], mem_bytes: [60, 60, 40] });
      assert.deepEqual(await seriesCounts(page, 'loss'), [61, 60, 7, 40, 5]);
      for (const key of ['lr', 'tokens_per_s', 'grad_norm', 'mem_bytes']) {
        assert.deepEqual(await seriesCounts(page, key), [60, 60, 40], key);
      }
      const [blue, orange] = await colourPixels(page, 'loss', [[31, 119, 180], [255, 127, 14]]);
      assert.ok(blue! > 300 && orange! > 300, `loss curves drawn in both run colours (pixels: ${blue}, ${orange})`);
      assert.equal(await page.textContent('#connection'), 'live');

      // Report panels: confusion matrix with class names, samples as text (the <script> sample stays text).
      const cls = page.locator('article[data-run="1"]');
      assert.deepEqual(await cls.locator('table.confusion tr').first().locator('th').allTextContents(), ['true \\ predicted', ...classes]);
      assert.equal(await cls.locator('table.confusion td').count(), classes.length ** 2);
      // which matrix of the report it is: the test split's, not val.first's or val.last's
      assert.equal(await cls.locator('h3', { hasText: 'Confusion matrix' }).textContent(), 'Confusion matrix — report.json test.confusion (rows: true label, columns: predicted)');
      const gen = page.locator('article[data-run="0"]');
      assert.equal(await gen.locator('table.samples tr').count(), report.samples.length + 1);
      assert.match((await gen.locator('table.samples').textContent())!, /<script>alert\(1\)<\/script>/);
      assert.equal(await page.locator('article img, #legend img').count(), 0, 'no element made from a run\'s text');
      assert.equal(await cls.locator('h2').textContent(), hostileName + clsDir);
      assert.match((await cls.locator('pre.config').textContent())!, /note: "<img src=y onerror=alert\(4\)>"/);

      // Append 5 train steps, a val row and one malformed line: the chart and the warning follow.
      const metrics = path.join(tmp.dirs[0]!, 'metrics.jsonl');
      const badLine = fs.readFileSync(metrics, 'utf8').trimEnd().split('\n').length + 6;
      const more = [61, 62, 63, 64, 65].map((step) => JSON.stringify({ step, loss: 1.9, lr: 1e-6, grad_norm: 0.5, tokens_per_s: 990, mem_bytes: 181_000_000 }));
      fs.appendFileSync(metrics, more.join('\n') + '\n{"step": 66, "loss": oops}\n' + JSON.stringify({ step: 65, split: 'val', loss: 2.0, perplexity: 7.39 }) + '\n');
      await chartsHold(page, { loss: [66, 65, 8, 40, 5] });
      assert.deepEqual(await seriesCounts(page, 'loss'), [66, 65, 8, 40, 5]);
      assert.equal(await page.evaluate(() => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.scales.x.max), 65);
      await page.waitForSelector('article[data-run="0"] [data-malformed="1"]', { timeout: 5_000 });
      assert.match((await gen.locator('[data-malformed]').textContent())!, new RegExp(`1 malformed line in metrics\\.jsonl skipped.*line ${badLine}: not JSON`));

      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      console.log(`screenshot: ${SCREENSHOT}`);

      // A resumed run rewrites the file with fewer rows: the page starts over from the new contents.
      const firstRows = fs.readFileSync(path.join(RUN_GEN, 'metrics.jsonl'), 'utf8').split('\n').slice(0, 12).join('\n') + '\n';
      fs.writeFileSync(metrics, firstRows);
      await chartsHold(page, { loss: [41, 10, 2, 40, 5] });
      assert.deepEqual(await seriesCounts(page, 'loss'), [41, 10, 2, 40, 5]);
      assert.equal(await gen.locator('[data-malformed]').count(), 0);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run that has not logged a step yet shows so, then draws its first rows; a server restarted with other runs gets new charts, the old ones destroyed', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const run = path.join(tmp.root, 'starting');
  fs.mkdirSync(run);
  holdLock(run);
  try {
    await onDashboardPage([run], async (page, _url, restart) => {
      await page.waitForSelector('text=no metrics.jsonl yet', { timeout: 10_000 });
      assert.deepEqual(await seriesCounts(page, 'loss'), [0, 0, 0]);
      fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 0, split: 'val', loss: 3.1, perplexity: 22.2 }) + '\n' +
        JSON.stringify({ step: 1, loss: 3.0, lr: 1e-4, grad_norm: 1.2, tokens_per_s: 800, mem_bytes: 1e8 }) + '\n');
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      await chartsHold(page, { loss: [2, 1, 1], mem_bytes: [1, 1] }); // the panel is drawn at once, the charts frames later
      assert.deepEqual(await seriesCounts(page, 'loss'), [2, 1, 1]);
      assert.deepEqual(await seriesCounts(page, 'mem_bytes'), [1, 1]);
      assert.match((await page.textContent('article[data-run="0"] .status'))!, /^1 step logged · step 1: train loss 3, lr 1e-4, 800 tokens\/s, mem 95 MiB · val loss 3.1 at step 0 · in progress$/); // no best val: step 0's is a baseline, as for best/

      // each uPlot listens on the window for pixel-ratio changes until destroyed: a rebuild must leave as many as before
      const live = (): Promise<{ listeners: number; charts: number; canvases: number }> => page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        return { listeners: g.__windowListeners('dppxchange'), charts: Object.keys(g.__dashboard!.charts!).length, canvases: g.document.querySelectorAll('#charts canvas').length };
      });
      const before = await live();
      assert.ok(before.charts >= 5 && before.listeners > before.charts, JSON.stringify(before));
      await restart([run, tmp.dirs[0]!]);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard!.runs.length === 2, null, { timeout: 15_000 });
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === 61, null, { timeout: 15_000 });
      assert.deepEqual(await live(), before, 'the first charts were destroyed, not left listening');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a long run is drawn thinned, spike and last step kept, and the page\'s rows stay the server\'s as it grows', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'long');
  fs.mkdirSync(run);
  const metrics = path.join(run, 'metrics.jsonl');
  const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => from + i)
    .map((step) => JSON.stringify({ step, loss: step === 12_345 ? 30 : 2 + 1 / Math.sqrt(step), lr: 1e-4, grad_norm: 1, tokens_per_s: 1000, mem_bytes: 1e8 }) + '\n').join('');
  fs.writeFileSync(metrics, lines(1, 20_000));
  try {
    await onDashboardPage([run], async (page, url) => {
      await page.waitForSelector('[data-steps="20000"]', { timeout: 15_000 });
      assert.match((await page.textContent('article[data-run="0"] .status'))!, /^20000 steps logged · step 20000: .* · charts thinned to \d+ of 20000 rows/);
      const loss = () => page.evaluate(() => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.data);
      // the panel is drawn at once, the charts frames later (render-budget.js)
      await waitFor(async () => (await loss())[0]!.at(-1) === 20_000, 15_000, 'the charts to draw step 20000').catch(() => {});
      const [xs, train] = await loss();
      assert.ok(xs!.length <= SERIES_CAP.rows, `${xs!.length} points drawn`);
      assert.equal(xs!.at(-1), 20_000);
      assert.equal(train![xs!.indexOf(12_345)], 30, 'the loss spike is drawn');
      const before = await page.evaluate(() => (globalThis as unknown as PageGlobals).__dashboard!.runs[0]!.rows.length);
      // 5,000 more steps, in batches the server reads between: held rows pass the cap and are thinned again
      for (let from = 20_001; from <= 25_000; from += 1000) {
        fs.appendFileSync(metrics, lines(from, from + 999));
        await new Promise((r) => setTimeout(r, 150));
      }
      await page.waitForSelector('[data-steps="25000"]', { timeout: 15_000 });
      const server = (await (await fetch(new URL('/api/snapshot', url))).json()) as Array<{ type: string; data: { rows: Array<{ step: number }> } }>;
      const held = server.find((e) => e.type === 'metrics')!.data.rows.map((r) => r.step);
      const shown = await page.evaluate(() => (globalThis as unknown as PageGlobals).__dashboard!.runs[0]!.rows.map((r) => r.step));
      assert.deepEqual(shown, held, 'the page holds exactly the server\'s rows: none twice, none out of order');
      assert.ok(held.length < before + 5000 && held.at(-1) === 25_000, `${held.length} rows held, ${before} before 5,000 more: thinned again`);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a chart zoomed by dragging keeps its step range while rows arrive; a double-click shows every step again', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'zoom');
  fs.mkdirSync(run);
  const metrics = path.join(run, 'metrics.jsonl');
  const line = (step: number): string => JSON.stringify({ step, loss: 3 - step / 100, lr: 1e-4 }) + '\n';
  fs.writeFileSync(metrics, Array.from({ length: 100 }, (_, i) => line(i + 1)).join(''));
  const xRange = (page: Page): Promise<number[]> => page.evaluate(() => {
    const x = (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.scales.x;
    return [x.min, x.max];
  });
  const steps = (page: Page, n: number): Promise<unknown> =>
    page.waitForFunction((k) => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === k, n, { timeout: 10_000 });
  try {
    await onDashboardPage([run], async (page) => {
      await steps(page, 100);
      const box = (await page.locator('[data-chart="loss"] .u-over').boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      const [min, max] = await xRange(page);
      assert.ok(min! > 10 && max! < 50, `dragged to a zoom (${min}..${max})`);
      fs.appendFileSync(metrics, line(101));
      await steps(page, 101);
      await page.waitForTimeout(300);
      assert.deepEqual(await xRange(page), [min, max], 'the zoom survives a new row');
      await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
      await page.waitForTimeout(100);
      assert.deepEqual(await xRange(page), [1, 101], 'a double-click shows every step');
      fs.appendFileSync(metrics, line(102));
      await steps(page, 102);
      await page.waitForTimeout(300);
      assert.deepEqual(await xRange(page), [1, 102], 'unzoomed, the chart follows the new rows');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a page opened while the streams\' share is taken is served and says its live updates are paused', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  try {
    // one stream at most: the first page's; a second page gets 503 for its stream (an EventSource then gives up)
    await onDashboardPage(tmp.dirs, async (page, url) => {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).document.querySelector('#connection[data-state="live"]') !== null, null, { timeout: 15_000 });
      const second = await page.context().browser()!.newPage(); // a context of its own, as another window's
      await second.goto(url);
      await second.waitForSelector('#connection[data-state="paused"]', { timeout: 15_000 });
      assert.match((await second.textContent('#connection'))!, /^live updates paused: too many open dashboards or connections — retrying every 10 s$/);
      await second.context().close();
    }, { connectionLimits: { max: 8, reserve: 7 } });
  } finally {
    tmp.cleanup();
  }
});
