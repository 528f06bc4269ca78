// The dashboard in headless Chromium, as runs go: names, labels and samples of any size and script, a run stopped,
// deleted, refused, diverged or failed, classification's charts, many runs compared (browser-page.ts's harness).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { colourPixels, onDashboardPage, seriesCounts, SKIP, type PageGlobals } from './browser-page.ts';
import { RUN_LAYOUT } from '../../src/run/layout.ts';
import { holdLock, RUN_CLS, RUN_GEN, tempRuns, waitFor } from './helpers.ts';

/** The status line of the page's first run panel. */
const status = (page: Page): Promise<string | null> => page.textContent('article[data-run="0"] .status');

/** How wide the page is (its scrollWidth: more than the window's when it scrolls sideways). */
const pageWidth = (page: Page): Promise<number> =>
  page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth);
/** The page in a window `width` px wide, once its charts have narrowed to it: they follow 100 ms after the page sees
 * the change (app.js's ResizeObserver), later under load, and until then they widen the page; or once the wait ends. */
async function narrowTo(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 800 });
  await waitFor(async () => await pageWidth(page) <= width, 15_000, `the page to fit a ${width} px window`).catch(() => {});
}

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
      for (const width of [1280, 390, 280]) {
        await narrowTo(page, width);
        const scrollWidth = await pageWidth(page);
        assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px window`);
      }
    });
  } finally {
    tmp.cleanup();
  }
});

test('a class name thousands of characters long scrolls within its header cell: the confusion matrix stays a few lines high', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'long-label');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), `task: classification\nlabels:\n  - ${'b'.repeat(3000)}\n  - short\n`);
  fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ test: { confusion: [[1, 2], [3, 4]] } }));
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('table.confusion', { timeout: 10_000 });
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 800 });
        await page.waitForTimeout(300);
        const table = (await page.locator('table.confusion').boundingBox())!;
        assert.ok(table.height < 300, `a 2-label matrix is ${table.height} px high in a ${width} px window`);
        // the name is all there, to scroll to and to copy
        assert.equal(await page.locator('table.confusion tr').nth(1).locator('th').textContent(), 'b'.repeat(3000));
      }
      // the row's cells do not each repeat it in their tooltip (a 2 MB report of 40 such labels: 80 million characters)
      const titles = await page.locator('table.confusion tr').nth(1).locator('td').evaluateAll((tds) => tds.map((td) => (td as unknown as { getAttribute(n: string): string | null }).getAttribute('title') ?? ''));
      assert.deepEqual(titles.map((t) => t.replace(/b{80}…$/, 'B')), ['33.3% of true B', '66.7% of true B']);
    });
  } finally {
    tmp.cleanup();
  }
});

test('in a narrow window a matrix wider than its panel scrolls in it: its short class names are shown whole, not cut to a few letters a line', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'narrow');
  fs.mkdirSync(run);
  const labels = ['b'.repeat(3000), 'short', 'a class name of several words', 'x', 'مرحبا', 'yes', 'no', 'maybe so'];
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), `task: classification\nlabels:\n${labels.map((l) => `  - "${l}"`).join('\n')}\n`);
  const matrix = labels.map((_, i) => labels.map((_, j) => (i === j ? 40 : i + j)));
  fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ test: { confusion: matrix } }));
  interface Box { textContent: string; scrollHeight: number; clientHeight: number; scrollWidth: number; clientWidth: number }
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('table.confusion', { timeout: 10_000 });
      await narrowTo(page, 390);
      // every name of a word or two fits its box whole, in the header row and the first column alike (the 3,000 b's
      // scroll in theirs, and so may a name of many words)
      const cut = await page.$$eval('table.confusion th .label', (els) => (els as unknown as Box[])
        .filter((e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent));
      assert.deepEqual(cut.filter((name) => name.length < 10), [], 'short names cut');
      const page390 = await pageWidth(page);
      assert.ok(page390 <= 390, `the page is ${page390} px wide: the matrix scrolls within its panel`);
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
      assert.match((await status(page))!, /step 3: train loss –, lr 1e-4 · stopped: loss not finite at step 3 \(training diverged\)$/);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run stopped by a non-finite val or test loss (its eval row marked nonfinite) says so; one resumed since does not', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const train = (step: number): string => JSON.stringify({ step, loss: 3, lr: 1e-4, grad_norm: 1 }) + '\n';
  // as train's evaluateOrStop writes it: the update of step 4 made the weights diverge, their val loss not finite
  const stopped = train(1) + train(2) + JSON.stringify({ step: 2, split: 'val', loss: 2.9 }) + '\n' + train(3) + train(4) + JSON.stringify({ step: 4, split: 'val', nonfinite: true }) + '\n';
  const runs = ['val-diverged', 'test-diverged', 'resumed'].map((name) => path.join(tmp.root, name));
  runs.forEach((run) => fs.mkdirSync(run));
  fs.writeFileSync(path.join(runs[0]!, 'metrics.jsonl'), stopped);
  fs.writeFileSync(path.join(runs[1]!, 'metrics.jsonl'), train(1) + train(2) + JSON.stringify({ step: 2, split: 'test', nonfinite: true }) + '\n');
  fs.writeFileSync(path.join(runs[2]!, 'metrics.jsonl'), stopped + train(3) + train(4)); // resumed from step 2's checkpoint
  const statusOf = async (page: Page, i: number): Promise<string> => (await page.textContent(`article[data-run="${i}"] .status`))!;
  try {
    await onDashboardPage(runs, async (page) => {
      await page.waitForSelector('article[data-run="2"] [data-steps="6"]', { timeout: 10_000 });
      assert.match(await statusOf(page, 0), / · stopped: the val loss not finite after step 4 \(training diverged\)$/);
      assert.match(await statusOf(page, 1), / · stopped: the test loss not finite after step 2 \(training diverged\)$/);
      assert.match(await statusOf(page, 2), / · not training: no train holds the run/);
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

test('a report.json of thousands of samples or values lays out the first 100 samples and 1,000 values, says how many there are and links to it', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'many');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n');
  // 60 KB: 100,000 samples of 0 (195 KB) made a million elements and kept the page busy 33 s before they showed
  const values = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i]));
  fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ task: 'generation', values, samples: Array.from({ length: 2000 }, (_, i) => ({ prompt: `p${i}`, before: 'b', after: 'a' })) }));
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('table.samples', { timeout: 10_000 });
      const panel = page.locator('article[data-run="0"]');
      assert.equal(await panel.locator('table.samples tr').count(), 101, 'a heading row and the first 100 samples');
      assert.equal(await panel.locator('table.samples tr').last().locator('td').first().textContent(), 'p99');
      assert.equal(await panel.locator('table.metrics tr').count(), 1000);
      assert.deepEqual(await panel.locator('[data-shown]').allTextContents(),
        ['showing the first 1000 of 1501 values; all of them: report.json', 'showing the first 100 of 2000 samples; all of them: report.json']);
      assert.deepEqual(await panel.locator('[data-shown] a').evaluateAll((links) => links.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href'))),
        ['/run/0/report.json', '/run/0/report.json']);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run folder deleted while the page is open is said to be gone, then followed again when it comes back', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const run = tmp.dirs[0]!;
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      fs.rmSync(run, { recursive: true });
      // not 'is gone (deleted or moved)': a poll while rmSync is part-way (best/ removed, the folder not yet) says that of best/
      await page.waitForSelector('text=waiting for it to come back', { timeout: 10_000 });
      assert.equal(await status(page), `the run folder ${run} is gone (deleted or moved) — waiting for it to come back`);
      // the metrics' reset is an event of its own (and a render) after the folder's: its rows go soon after the line
      await waitFor(async () => (await seriesCounts(page, 'loss')).every((n) => n === 0), 10_000, 'its rows to be no longer drawn');
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

/** Once each chart named holds `steps` steps, or 15 s pass: a run's panel (its data-steps) is drawn at the frame after
 * its rows come, the charts as often as their cost allows (render-budget.js: frames later under load). */
const chartsAt = (page: Page, keys: string[], steps: number): Promise<void> => waitFor(() => page.evaluate(([ks, n]) =>
  ks.every((k) => (globalThis as unknown as PageGlobals).__dashboard?.charts?.[k]?.plot.data[0]!.length === n), [keys, steps] as const),
15_000, `the ${keys.join(', ')} charts to hold ${steps} steps`).catch(() => {});

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
      await chartsAt(page, ['loss', 'lr'], 5);
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

test('value axes are wide enough for their tick labels: a diverged loss (ticks of 1.5e+38) or a huge tokens/s (-1e+308) is not cut at the chart\'s edge', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'wide');
  fs.mkdirSync(run);
  // at a fixed 64 px, labels wider than the 49 px left of the ticks lost their first characters: "-2.5e+307" read "5e+307"
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), [1, 2, 3, 4].map((step) => JSON.stringify({
    step, loss: step === 3 ? 1.7e38 : 2.5, lr: 1e-4, tokens_per_s: step === 3 ? -1e308 : 100, grad_norm: 1 }) + '\n').join(''));
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="4"]', { timeout: 10_000 });
      await chartsAt(page, ['loss', 'tokens_per_s', 'lr'], 4);
      for (const key of ['loss', 'tokens_per_s', 'lr']) {
        const axis = await page.evaluate((k) => {
          const plot = (globalThis as unknown as PageGlobals).__dashboard!.charts![k]!.plot as unknown as {
            ctx: { font: string; measureText(s: string): { width: number } };
            axes: Array<{ _size: number; _values: string[] | null; font: [string]; gap: number; ticks: { size: number } }>;
          };
          const a = plot.axes[1]!;
          plot.ctx.font = a.font[0];
          return { size: a._size, room: a._size - a.ticks.size - a.gap, values: a._values ?? [], widths: (a._values ?? []).map((v) => plot.ctx.measureText(v).width) };
        }, key);
        assert.ok(axis.values.length >= 3, `${key} axis ticks: ${JSON.stringify(axis.values)}`);
        axis.values.forEach((v, i) => assert.ok(axis.widths[i]! <= axis.room, `${key}: tick "${v}" is ${axis.widths[i]} px wide, the axis leaves it ${axis.room} px`));
      }
    });
  } finally {
    tmp.cleanup();
  }
});

test('a loss past ±1.6e308 in one run (a corrupt or hostile metrics.jsonl) leaves the loss chart drawn, with its ticks, for the others', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  // finite in JSON and in a double, but uPlot's range padded 1.7e308 to Infinity, and -1e308 to 1e308 spans more than a double
  const runs = { plain: [2.5, 2], past: [2.5, 1.7e308], both: [-1e308, 1e308] };
  const dirs = Object.entries(runs).map(([name, losses]) => {
    const run = path.join(tmp.root, name);
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'metrics.jsonl'), [1, 2, 3, 4].map((step) => JSON.stringify({ step, loss: step === 3 ? losses[1] : step === 4 ? losses[0] : 2.5 - step / 10, lr: 1e-4 }) + '\n').join(''));
    return run;
  });
  try {
    for (const shown of [dirs.slice(0, 2), [dirs[0]!, dirs[2]!]]) {
      await onDashboardPage(shown, async (page) => {
        await page.waitForSelector('article[data-run="1"] [data-steps="4"]', { timeout: 10_000 });
        // both runs' rows drawn (the 4 steps alone may be the first's)
        await waitFor(async () => { const [steps, first, , second] = await seriesCounts(page, 'loss'); return steps === 4 && first! > 0 && second! > 0; },
          15_000, 'the loss chart to hold both runs').catch(() => {});
        const y = await page.evaluate(() => {
          const plot = (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot as unknown as { scales: { y: { min: number; max: number } }; axes: Array<{ _values: string[] | null }> };
          return { min: plot.scales.y.min, max: plot.scales.y.max, ticks: plot.axes[1]!._values };
        });
        assert.ok(Number.isFinite(y.min) && Number.isFinite(y.max) && Number.isFinite(y.max - y.min), `loss y range ${y.min}..${y.max}`);
        assert.ok(y.ticks && y.ticks.length >= 3, `loss axis ticks: ${JSON.stringify(y.ticks)}`);
        const [plain] = await colourPixels(page, 'loss', [[31, 119, 180]]);
        assert.ok(plain! > 0, 'the plain run\'s loss line is drawn');
      });
    }
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
      assert.equal(await status(page),
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
  const canvasWidth = (page: Page, chart: string): Promise<number> =>
    page.locator(`[data-chart="${chart}"] canvas`).evaluate((c) => (c as unknown as { clientWidth: number }).clientWidth);
  // per run (generation, classification): accuracy, macro-F1
  const counts = [val.length, 0, 0, val.length, val.length];
  // A run's panel is drawn at the frame after its rows come, the charts as often as their cost allows (render-budget.js:
  // a few frames later under load); the accuracy chart, shown, is sized at once, the others only 100 ms after a
  // scrollbar it brings (app.js's ResizeObserver). So the page is read once all that is checked holds, or the wait ends.
  const charted = async (page: Page): Promise<boolean> => await visible(page) &&
    JSON.stringify(await seriesCounts(page, 'accuracy')) === JSON.stringify(counts) && await canvasWidth(page, 'accuracy') === await canvasWidth(page, 'loss');
  try {
    await onDashboardPage([tmp.dirs[0]!], async (page) => {
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      // the charts drawn with the run's rows (not only its panel), so that a hidden chart says they have no accuracy
      await waitFor(async () => (await seriesCounts(page, 'loss'))[1] === 60, 15_000, 'the loss chart to draw the 60 steps');
      assert.equal(await visible(page), false, 'no classification run: no accuracy chart');
    });
    await onDashboardPage(tmp.dirs, async (page) => {
      await page.waitForSelector('[data-run="1"] [data-steps="40"]', { timeout: 10_000 });
      await waitFor(() => charted(page), 15_000, 'the accuracy chart shown, drawn and sized').catch(() => {});
      assert.equal(await visible(page), true);
      assert.deepEqual(await seriesCounts(page, 'accuracy'), counts);
      assert.equal(await canvasWidth(page, 'accuracy'), await canvasWidth(page, 'loss'), 'shown, it takes the width of its place');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a finished run\'s large report is not rebuilt while another run logs rows; a confusion matrix of 80 labels shows the 40 most confused and scrolls inside its panel', { skip: SKIP, timeout: 60_000 }, async () => {
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
      // 80 labels: the 40 with the most errors, the other 40 summed in the last column, and a note saying so
      assert.equal(await matrix.locator('tr').first().locator('th').count(), 42);
      assert.equal(await matrix.locator('tr').first().locator('th').last().textContent(), 'other 40 labels');
      assert.match((await page.textContent('article[data-run="0"] [data-confusion-shown="40"]'))!, /^showing 40 of 80 labels: .*The whole matrix: report\.json$/);
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
      assert.equal(await status(page),
        '1 step logged · step 1: train loss 3, lr 1e-4 · 3 rows of split "eval", "<b>x</b>" not charted (only train, val and test are) · in progress');
    });
  } finally {
    tmp.cleanup();
  }
});

test('24 runs compared get 24 different colours, their legend leaves a small window to the page, and the charts (past 20 runs) no legend table of their own', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const runs = Array.from({ length: 24 }, (_, i) => {
    const run = path.join(tmp.root, `lr-sweep-3e-4-warmup-100-run-${i}`);
    fs.mkdirSync(run);
    fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3 - i / 10, lr: 1e-4 }) + '\n');
    return run;
  });
  try {
    await onDashboardPage(runs, async (page) => {
      await page.waitForSelector('[data-run="23"] [data-steps="1"]', { timeout: 10_000 });
      const colours = await page.locator('#legend .swatch').evaluateAll((els) => els.map((e) => (e as unknown as { style: { background: string } }).style.background));
      assert.equal(colours.length, 24);
      assert.equal(new Set(colours).size, 24, `colours: ${colours.join(' ')}`);
      // a table row per run under each chart: 2,000 runs took a minute to lay out; the page's legend names them all
      assert.equal(await page.locator('.u-legend').count(), 0);
      // in a phone-sized window the sticky header, legend of 24 included, leaves most of the screen to the page
      await page.setViewportSize({ width: 390, height: 800 });
      await page.waitForTimeout(200);
      const header = (await page.locator('header').boundingBox())!;
      assert.ok(header.height <= 0.3 * 800, `the header is ${header.height} px of an 800 px window`);
    });
  } finally {
    tmp.cleanup();
  }
});

test('a last line cut off by a killed train is said to be cut off, not still being written; while a train holds the run it is', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'killed');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n' + JSON.stringify({ step: 2, loss: 2.9, lr: 1e-4 }).slice(0, 20));
  const note = (page: Page): Promise<string | null> => page.textContent('article[data-run="0"] [data-partial]');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-partial]', { timeout: 10_000 });
      assert.equal(await note(page), 'the last line of metrics.jsonl is cut off (no train is writing it: stopped while writing it) and not read');
      assert.match((await status(page))!, /^1 step logged · .* · not training:/);
      holdLock(run);
      await page.waitForSelector('text=still being written', { timeout: 10_000 });
      assert.equal(await note(page), 'the last line of metrics.jsonl is still being written');
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
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      assert.equal(await status(page), '1 step logged · step 1: train loss 3, lr 1e-4 · not training: no train holds the run and report.json was not written (stopped, or failed)');
      holdLock(run);
      await page.waitForSelector('text=· in progress', { timeout: 10_000 });
      assert.equal(await status(page), '1 step logged · step 1: train loss 3, lr 1e-4 · in progress');
      // a lock of another host without a heartbeat (an older version's) cannot be checked: said, not "in progress" for ever
      fs.writeFileSync(path.join(run, RUN_LAYOUT.lock), JSON.stringify({ pid: 4242, host: 'old-node-3', started: 'then' }) + '\n');
      await page.waitForSelector('text=· in progress, or stopped:', { timeout: 10_000 });
      assert.match((await status(page))!, /· in progress, or stopped: process 4242 on old-node-3 \(since then\), another host than this one \(.*\), holds the run's lock, without a heartbeat/);
      // the run finishes with a report too large to inline (a classifier of hundreds of classes): it is written all the same
      fs.appendFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, split: 'test', loss: 2.5 }) + '\n');
      fs.writeFileSync(path.join(run, 'report.json'), JSON.stringify({ steps: 1, pad: 'x'.repeat(3 << 20) }));
      fs.rmSync(path.join(run, RUN_LAYOUT.lock));
      await page.waitForSelector('text=too large to show here', { timeout: 10_000 });
      assert.equal(await status(page), '1 step logged · step 1: train loss 3, lr 1e-4 · finished (report.json written)');
      assert.equal(await page.textContent('article[data-run="0"] h3'), 'Test metrics (metrics.jsonl; report.json is not shown, see above)');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run without metrics.jsonl that no train holds (failed before its first step) is said not to be training, not to wait for its first step', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'failed-early');
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'config.yaml'), 'task: generation\n');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('article[data-run="0"] details:not([hidden])', { timeout: 10_000 });
      assert.equal(await status(page), 'no metrics.jsonl yet · not training: no train holds the run and report.json was not written (stopped, or failed)');
      holdLock(run);
      await page.waitForSelector('text=waiting for the first step', { timeout: 10_000 });
      assert.equal(await status(page), 'no metrics.jsonl yet — waiting for the first step');
    });
  } finally {
    tmp.cleanup();
  }
});
