// End to end in headless Chromium (Debian's, driven by playwright-core): the page draws the fixture runs'
// curves, follows appended metrics lines and a truncated file live, renders the report, makes no request
// outside the server, and is saved as a screenshot (tmp/test-output/dashboard.png, git-ignored); a long run
// is drawn thinned, and the page's rows stay the server's through live thinnings.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard } from '../../src/dashboard/server.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { SERIES_CAP } from '../../src/run/series-cap.ts';
import { RUN_CLS, RUN_GEN, tempRuns } from './helpers.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCREENSHOT = path.join(REPO, 'tmp', 'test-output', 'dashboard.png');
const SKIP = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH) — the browser test did not run`;
if (SKIP) console.log(`SKIPPED: ${SKIP}`);

// The page's globals these checks use, typed here because the tests compile without the DOM library.
interface Plot { data: Array<Array<number | null>>; scales: { x: { min: number; max: number } } }
interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
interface PageGlobals { __dashboard?: { charts?: Record<string, { plot: Plot }>; runs: Array<{ rows: Array<{ step: number; split?: string }> }> }; document: { querySelector(selector: string): Canvas | null } }

/** A lock file as train holds one while it runs (src/train/run-lock.ts): the page then says the run is in progress. */
function holdLock(run: string): void {
  fs.writeFileSync(path.join(run, RUN_LAYOUT.lock), JSON.stringify({ pid: process.pid, host: 'test', started: new Date().toISOString() }) + '\n');
}

/** Non-null values of each series of a chart, as the page's uPlot instance holds them. */
function seriesCounts(page: Page, chart: string): Promise<number[]> {
  return page.evaluate((key) => {
    const plot = (globalThis as unknown as PageGlobals).__dashboard!.charts![key]!.plot;
    return plot.data.map((s) => s.filter((v) => v !== null).length);
  }, chart);
}

/** Pixels of the chart's canvas within ±24 per channel of each colour (a drawn curve leaves many). */
function colourPixels(page: Page, chart: string, colours: Array<[number, number, number]>): Promise<number[]> {
  return page.evaluate(([key, cols]) => {
    const canvas = (globalThis as unknown as PageGlobals).document.querySelector(`[data-chart="${key}"] canvas`)!;
    const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = cols.map(() => 0);
    for (let i = 0; i < px.length; i += 4) {
      cols.forEach(([r, g, b], c) => {
        if (Math.abs(px[i]! - r) < 24 && Math.abs(px[i + 1]! - g) < 24 && Math.abs(px[i + 2]! - b) < 24 && px[i + 3]! > 200) counts[c]!++;
      });
    }
    return counts;
  }, [chart, colours] as const);
}

/** A page on `url` that records requests to other origins, console errors, page errors and dialogs. */
async function openPage(browser: Browser, url: string): Promise<{ page: Page; foreign: string[]; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const origin = new URL(url).origin;
  const foreign: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin + '/') && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  await page.goto(url);
  return { page, foreign, problems };
}

/**
 * Serves `runs` on a dashboard, opens its page in Chromium and runs `body` on it; then checks that no request left
 * the server and that the page logged no error and opened no dialog.
 */
async function onDashboardPage(runs: string[], body: (page: Page, url: string) => Promise<void>): Promise<void> {
  const dash = await startDashboard({ runs, pollMs: 100 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const { page, foreign, problems } = await openPage(browser, dash.url);
    await body(page, dash.url);
    assert.deepEqual(foreign, [], 'no request leaves the dashboard server');
    assert.deepEqual(problems, [], 'no console errors, page errors or dialogs');
  } finally {
    await browser.close();
    await dash.close();
  }
}

test('dashboard in headless Chromium: charts draw, follow appends and truncation, screenshot', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN, RUN_CLS);
  // a hostile sample must render as text: add one to the copy of the real run's report
  const reportFile = path.join(tmp.dirs[0]!, 'report.json');
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as { samples: Array<Record<string, string>> };
  report.samples.push({ prompt: '<script>alert(1)</script>', reference: '<img src=x onerror=alert(2)>', before: '', after: '' });
  fs.writeFileSync(reportFile, JSON.stringify(report));
  const classes = (JSON.parse(fs.readFileSync(path.join(RUN_CLS, 'report.json'), 'utf8')) as { labels: string[] }).labels;
  try {
    await onDashboardPage(tmp.dirs, async (page) => {
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard?.charts?.loss?.plot.data[0].length === 61, null, { timeout: 15_000 });
      // Series order: per run (generation, classification), train then val.
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

      // Append 5 train steps, a val row and one malformed line: the chart and the warning follow.
      const metrics = path.join(tmp.dirs[0]!, 'metrics.jsonl');
      const badLine = fs.readFileSync(metrics, 'utf8').trimEnd().split('\n').length + 6;
      const more = [61, 62, 63, 64, 65].map((step) => JSON.stringify({ step, loss: 1.9, lr: 1e-6, grad_norm: 0.5, tokens_per_s: 990, mem_bytes: 181_000_000 }));
      fs.appendFileSync(metrics, more.join('\n') + '\n{"step": 66, "loss": oops}\n' + JSON.stringify({ step: 65, split: 'val', loss: 2.0, perplexity: 7.39 }) + '\n');
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.data[0].length === 66, null, { timeout: 10_000 });
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
      await page.waitForFunction(
        () => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.data[1]!.filter((v) => v !== null).length === 10, null, { timeout: 10_000 });
      assert.deepEqual(await seriesCounts(page, 'loss'), [41, 10, 2, 40, 5]);
      assert.equal(await gen.locator('[data-malformed]').count(), 0);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run that has not logged a step yet shows so, then draws its first rows', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'starting');
  fs.mkdirSync(run);
  holdLock(run);
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('text=no metrics.jsonl yet', { timeout: 10_000 });
      assert.deepEqual(await seriesCounts(page, 'loss'), [0, 0, 0]);
      fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 0, split: 'val', loss: 3.1, perplexity: 22.2 }) + '\n' +
        JSON.stringify({ step: 1, loss: 3.0, lr: 1e-4, grad_norm: 1.2, tokens_per_s: 800, mem_bytes: 1e8 }) + '\n');
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      assert.deepEqual(await seriesCounts(page, 'loss'), [2, 1, 1]);
      assert.deepEqual(await seriesCounts(page, 'mem_bytes'), [1, 1]);
      assert.match((await page.textContent('article[data-run="0"] .status'))!, /^1 step logged · step 1: train loss 3, lr 1e-4, 800 tokens\/s, mem 95 MiB · val loss 3.1 at step 0 · best val 3.1 at step 0 · in progress$/);
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

test('long, RTL and emoji names, labels and keys wrap: a narrow window never scrolls sideways', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const word = 'n'.repeat(180);
  const run = path.join(tmp.root, `long-${word}-مرحبا-😀`);
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4, grad_norm: 1, tokens_per_s: 1000, mem_bytes: 1e8 }) + '\n' +
    JSON.stringify({ step: 1, split: 'val', loss: 3.1 }) + '\n' + `{"step": 2, "loss": "${word}${word}"}\n`);
  fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ [`key-${word}`]: `value-${word}`, labels: [`label-${word}`, 'עברית', '😀'.repeat(60)],
    test: { confusion: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] } }));
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('table.confusion', { timeout: 10_000 });
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 800 });
        await page.waitForTimeout(300);
        const scrollWidth = await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px window`);
      }
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run stopped by a non-finite loss says so instead of "in progress"', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'diverged');
  fs.mkdirSync(run);
  // as train's stopNonFinite writes it: the non-finite value left out, nonfinite: true
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), [1, 2].map((step) => JSON.stringify({ step, loss: 3, lr: 1e-4, grad_norm: 1, tokens_per_s: 900, mem_bytes: 1e8 }) + '\n').join('') +
    JSON.stringify({ step: 3, lr: 1e-4, grad_norm: 1.5, nonfinite: true }) + '\n');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="3"]', { timeout: 10_000 });
      assert.match((await page.textContent('article[data-run="0"] .status'))!, /step 3: train loss –, lr 1e-4 · stopped: loss not finite at step 3 \(training diverged\)$/);
    });
  } finally {
    tmp.cleanup();
  }
});

test('generation samples show their reference answer beside the prompt, as text; a long one scrolls in its cell', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const done = path.join(tmp.root, 'done');
  fs.mkdirSync(done);
  fs.writeFileSync(path.join(done, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n');
  fs.writeFileSync(path.join(done, 'report.json'), JSON.stringify({ task: 'generation',
    samples: [{ prompt: 'What is the capital of France?', reference: 'Paris <b>is</b> the capital.', before: '???', after: `Paris.${' and so on'.repeat(2000)}` }] }));
  try {
    await onDashboardPage([done], async (page) => {
      await page.waitForSelector('table.samples', { timeout: 10_000 });
      const samples = page.locator('table.samples');
      assert.deepEqual(await samples.locator('th').allTextContents(), ['prompt', 'reference', 'before fine-tuning', 'after fine-tuning']);
      assert.deepEqual(await samples.locator('td').allTextContents(), ['What is the capital of France?', 'Paris <b>is</b> the capital.', '???', `Paris.${' and so on'.repeat(2000)}`]);
      const row = (await samples.locator('tr').nth(1).boundingBox())!;
      assert.ok(row.height < 400, `a 20,000-character answer scrolls in its cell (row ${row.height} px high)`);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run folder deleted while the page is open is said to be gone, then followed again when it comes back', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const run = tmp.dirs[0]!;
  const status = (page: Page): Promise<string | null> => page.textContent('article[data-run="0"] .status');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      fs.rmSync(run, { recursive: true });
      await page.waitForSelector('text=is gone (deleted or moved)', { timeout: 10_000 });
      assert.equal(await status(page), `the run folder ${run} is gone (deleted or moved) — waiting for it to come back`);
      assert.deepEqual(await seriesCounts(page, 'loss'), [0, 0, 0], 'its rows are no longer drawn');
      fs.mkdirSync(run);
      holdLock(run);
      await page.waitForSelector('text=no metrics.jsonl yet', { timeout: 10_000 });
      fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 5, lr: 1e-3 }) + '\n');
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      assert.match((await status(page))!, /^1 step logged · step 1: train loss 5, lr 0\.001 · in progress$/);
    });
  } finally {
    tmp.cleanup();
  }
});

test('axes keep their ticks for a diverged loss (3e38) and a small lr (1e-9); step ticks are whole steps', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'huge');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), [1, 2, 3, 4, 5].map((step) => JSON.stringify({ step, loss: step === 3 ? 3e38 : 2.5, lr: 1e-9 * step }) + '\n').join(''));
  // uPlot draws ticks on a canvas: its tick positions and labels are read from the instance (_splits, _values)
  const ticks = (page: Page, key: string, axis: number): Promise<{ splits: number[] | null; values: string[] | null }> => page.evaluate(([k, a]) => {
    const plot = (globalThis as unknown as PageGlobals).__dashboard!.charts![k]!.plot as unknown as { axes: Array<{ _splits: number[] | null; _values: string[] | null }> };
    return { splits: plot.axes[a]!._splits, values: plot.axes[a]!._values };
  }, [key, axis] as const);
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="5"]', { timeout: 10_000 });
      await page.waitForTimeout(200);
      const loss = await ticks(page, 'loss', 1);
      assert.ok(loss.values && loss.values.length >= 3 && loss.values.includes('1e+38'), `loss axis ticks: ${JSON.stringify(loss.values)}`);
      const lr = await ticks(page, 'lr', 1);
      assert.ok(lr.values && lr.values.length >= 3 && lr.values.some((v) => /e-9$/.test(v)), `lr axis ticks: ${JSON.stringify(lr.values)}`);
      const steps = await ticks(page, 'loss', 0);
      assert.ok(steps.splits && steps.splits.length >= 2 && steps.splits.every((x) => Number.isInteger(x)), `step ticks: ${JSON.stringify(steps.splits)}`);
    });
  } finally {
    tmp.cleanup();
  }
});

test('the status line shows the last step\'s tokens/s, MFU and memory (with the peak) as train logs them on CUDA', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'cuda');
  fs.mkdirSync(run);
  holdLock(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 7, loss: 1.25, lr: 2e-4, grad_norm: 0.9, tokens_per_s: 15234.6,
    mem_bytes: 15.5 * 2 ** 30, peak_mem_bytes: 17 * 2 ** 30, mfu: 0.4237 }) + '\n');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      assert.equal(await page.textContent('article[data-run="0"] .status'),
        '1 step logged · step 7: train loss 1.25, lr 2e-4, 15235 tokens/s, MFU 42.4%, mem 15872 MiB (peak 17408 MiB) · in progress');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a metrics.jsonl symlinked out of the run and a FIFO config.yaml are said to be refused, not awaited, and leak nothing', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'odd');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(tmp.root, 'outside.jsonl'), JSON.stringify({ step: 1, loss: 1, secret: 'TOP-SECRET' }) + '\n');
  fs.symlinkSync(path.join(tmp.root, 'outside.jsonl'), path.join(run, 'metrics.jsonl'));
  execFileSync('mkfifo', [path.join(run, 'config.yaml')]);
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-refused]', { timeout: 10_000 });
      const panel = page.locator('article[data-run="0"]');
      assert.equal(await panel.locator('.status').first().textContent(), 'metrics.jsonl not read (see below)');
      assert.equal(await panel.locator('[data-refused]').getAttribute('data-refused'), 'metrics.jsonl config.yaml');
      assert.match((await panel.locator('[data-refused]').textContent())!, /^not read: metrics\.jsonl, config\.yaml — each is a symlink out of the run folder or not a regular file/);
      assert.doesNotMatch((await page.content()), /TOP-SECRET/);
      // replaced by a regular file, metrics.jsonl is read and the note goes
      fs.rmSync(path.join(run, 'metrics.jsonl'));
      fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 2, lr: 1e-4 }) + '\n');
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      assert.equal(await panel.locator('[data-refused]').getAttribute('data-refused'), 'config.yaml');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a classification run\'s val accuracy and macro-F1 are charted; the chart stays hidden for generation runs', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN, RUN_CLS);
  const val = fs.readFileSync(path.join(RUN_CLS, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split?: string; accuracy?: number })
    .filter((r) => r.split === 'val');
  const visible = (page: Page): Promise<boolean> => page.locator('[data-chart="accuracy"]').isVisible();
  try {
    await onDashboardPage([tmp.dirs[0]!], async (page) => {
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      assert.equal(await visible(page), false, 'no classification run: no accuracy chart');
    });
    await onDashboardPage(tmp.dirs, async (page) => {
      await page.waitForSelector('[data-run="1"] [data-steps="40"]', { timeout: 10_000 });
      assert.equal(await visible(page), true);
      // per run (generation, classification): accuracy, macro-F1
      assert.deepEqual(await seriesCounts(page, 'accuracy'), [val.length, 0, 0, val.length, val.length]);
      const width = await page.locator('[data-chart="accuracy"] canvas').evaluate((c) => (c as unknown as { clientWidth: number }).clientWidth);
      const lossWidth = await page.locator('[data-chart="loss"] canvas').evaluate((c) => (c as unknown as { clientWidth: number }).clientWidth);
      assert.equal(width, lossWidth, 'shown, it takes the width of its place');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a finished run\'s large report is not rebuilt while another run logs rows, and a wide confusion matrix scrolls inside its panel', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const big = path.join(tmp.root, 'many-classes');
  const live = path.join(tmp.root, 'live');
  fs.mkdirSync(big);
  fs.mkdirSync(live);
  const labels = Array.from({ length: 80 }, (_, i) => `class-${i}`);
  fs.writeFileSync(path.join(big, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 1, lr: 1e-4 }) + '\n');
  fs.writeFileSync(path.join(big, 'report.json'), JSON.stringify({ labels, test: { confusion: labels.map((_, i) => labels.map((_, j) => (i === j ? 9 : (i + j) % 3))) } }));
  const metrics = path.join(live, 'metrics.jsonl');
  fs.writeFileSync(metrics, JSON.stringify({ step: 1, loss: 2, lr: 1e-4 }) + '\n');
  type Marked = { __marked?: boolean };
  try {
    await onDashboardPage([big, live], async (page) => {
      await page.waitForSelector('[data-run="1"] [data-steps="1"]', { timeout: 10_000 });
      const matrix = page.locator('article[data-run="0"] table.confusion');
      await matrix.evaluate((t) => { (t as unknown as Marked).__marked = true; });
      for (let step = 2; step <= 6; step++) {
        fs.appendFileSync(metrics, JSON.stringify({ step, loss: 2, lr: 1e-4 }) + '\n');
        await page.waitForSelector(`[data-run="1"] [data-steps="${step}"]`, { timeout: 10_000 });
      }
      assert.equal(await matrix.evaluate((t) => (t as unknown as Marked).__marked === true), true, 'the same table element: not rebuilt');
      const widths = await page.evaluate(() => {
        const g = globalThis as unknown as { document: { documentElement: { scrollWidth: number }; querySelector(s: string): { scrollWidth: number; clientWidth: number } }; innerWidth: number };
        const panel = g.document.querySelector('article[data-run="0"]');
        return { page: g.document.documentElement.scrollWidth, window: g.innerWidth, panel: panel.scrollWidth, panelBox: panel.clientWidth };
      });
      assert.ok(widths.page <= widths.window, `the page stays ${widths.window} px wide (${widths.page})`);
      assert.ok(widths.panel > widths.panelBox, 'the matrix scrolls inside its panel');
    });
  } finally {
    tmp.cleanup();
  }
});

test('rows of a split the charts do not draw are counted on the status line, their names as text', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'other-split');
  fs.mkdirSync(run);
  holdLock(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), [
    { step: 1, loss: 3, lr: 1e-4 }, { step: 1, split: 'eval', loss: 2.9 }, { step: 2, split: '<b>x</b>', loss: 2.8 }, { step: 2, split: 'eval', loss: 2.7 },
  ].map((r) => JSON.stringify(r) + '\n').join(''));
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      assert.equal(await page.textContent('article[data-run="0"] .status'),
        '1 step logged · step 1: train loss 3, lr 1e-4 · 3 rows of split "eval", "<b>x</b>" not charted (only train, val and test are) · in progress');
    });
  } finally {
    tmp.cleanup();
  }
});

test('twelve runs compared get twelve different colours, and their legend leaves a small window to the page', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const runs = Array.from({ length: 12 }, (_, i) => {
    const run = path.join(tmp.root, `lr-sweep-3e-4-warmup-100-run-${i}`);
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3 - i / 10, lr: 1e-4 }) + '\n');
    return run;
  });
  try {
    await onDashboardPage(runs, async (page) => {
      await page.waitForSelector('[data-run="11"] [data-steps="1"]', { timeout: 10_000 });
      const colours = await page.locator('#legend .swatch').evaluateAll((els) => els.map((e) => (e as unknown as { style: { background: string } }).style.background));
      assert.equal(colours.length, 12);
      assert.equal(new Set(colours).size, 12, `colours: ${colours.join(' ')}`);
      // in a phone-sized window the sticky header, legend of twelve included, leaves most of the screen to the page
      await page.setViewportSize({ width: 390, height: 800 });
      await page.waitForTimeout(200);
      const header = (await page.locator('header').boundingBox())!;
      assert.ok(header.height <= 0.3 * 800, `the header is ${header.height} px of an 800 px window`);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run with rows, no report.json and no train holding it is said not to be training; in progress while a train holds it', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'killed');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n');
  const status = (page: Page): Promise<string | null> => page.textContent('article[data-run="0"] .status');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      assert.equal(await status(page), '1 step logged · step 1: train loss 3, lr 1e-4 · not training: no train holds the run and report.json was not written (stopped, or failed)');
      holdLock(run);
      await page.waitForSelector('text=· in progress', { timeout: 10_000 });
      assert.equal(await status(page), '1 step logged · step 1: train loss 3, lr 1e-4 · in progress');
    });
  } finally {
    tmp.cleanup();
  }
});
