// The dashboard's page as people use it beyond the mouse and a fixed window, in headless Chromium (browser-page.ts's
// harness, classic scrollbars as a desktop browser draws them): the charts keep to their cards when the page's width
// changes without a window resize (a scrollbar appearing as the page grows); a keyboard reaches what a click or a drag does and a
// screen reader is told what each part is; the system's dark mode darkens the page and its charts' axes, live; a run
// file followed from its link logs no console error.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { colourPixels, onDashboardPage, seriesCounts, SKIP, type PageGlobals } from './browser-page.ts';
import { RUN_GEN, tempRuns, waitFor } from './helpers.ts';

interface Doc { documentElement: { scrollHeight: number; clientHeight: number } }
/** Whether the page is taller than the window (a desktop browser then draws its vertical scrollbar). */
const scrolls = (page: Page): Promise<boolean> => page.evaluate(() => {
  const e = (globalThis as unknown as { document: Doc }).document.documentElement;
  return e.scrollHeight > e.clientHeight;
});

/** Whether the element `target` finds has the keyboard's focus. */
const focused = (target: Locator): Promise<boolean> => target.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);

/** Each shown chart's plot width against the width its card gives it (inside its padding). */
function plotFits(page: Page): Promise<Array<{ plot: number; room: number }>> {
  return page.evaluate(() => {
    const d = (globalThis as unknown as { document: { querySelectorAll(s: string): Iterable<{ hidden: boolean; clientWidth: number; querySelector(s: string): { offsetWidth: number } }> } }).document;
    // the card's padding is 6 px each side (style.css .chart)
    return [...d.querySelectorAll('.chart')].filter((c) => !c.hidden).map((c) => ({ plot: c.querySelector('.uplot').offsetWidth, room: c.clientWidth - 12 }));
  });
}

/** Whether every shown chart's plot is as wide as its card leaves it. */
const fitsAll = async (page: Page): Promise<boolean> => (await plotFits(page)).every((f) => f.plot === f.room);

test('charts follow their cards\' width when a scrollbar appears as the page grows, not only on a window resize', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  const run = tmp.dirs[0]!;
  // the page starts short (no report, no config): no scrollbar in a tall window
  fs.rmSync(path.join(run, 'report.json'));
  fs.rmSync(path.join(run, 'config.yaml'));
  try {
    await onDashboardPage([run], async (page) => {
      await page.setViewportSize({ width: 1280, height: 1400 });
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      assert.equal(await scrolls(page), false, 'the page starts without a scrollbar');
      // the page opened in a window 900 px tall, which it overflowed (the scrollbar took 7 px of each chart's card): the
      // taller window widens the cards, and the charts follow 100 ms after the page sees it (app.js's ResizeObserver),
      // later still under load, so the fit is waited for, then checked
      await waitFor(() => fitsAll(page), 15_000, 'each chart to fit its card at first').catch(() => {});
      assert.ok(await fitsAll(page), `the charts fill their cards at first: ${JSON.stringify(await plotFits(page))}`);
      // a report of long samples makes the page taller than the window: the vertical scrollbar takes its width
      fs.copyFileSync(path.join(RUN_GEN, 'report.json'), path.join(run, 'report.json'));
      await page.waitForSelector('table.samples', { timeout: 10_000 });
      await waitFor(() => scrolls(page), 10_000, 'the page to scroll');
      await waitFor(() => fitsAll(page), 15_000, 'each chart to fit its card again').catch(() => {});
      const fits = await plotFits(page);
      assert.deepEqual(fits.map((f) => f.plot), fits.map((f) => f.room), 'each chart as wide as its card leaves it');
    });
  } finally {
    tmp.cleanup();
  }
});

test('keyboard and screen reader: a legend name is a toggle button Tab reaches and Enter or Space presses, a skip link passes them; status, charts and runs are named', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  try {
    await onDashboardPage(tmp.dirs, async (page) => {
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      // what a screen reader is told: the connection's state as a live status, each chart by its title, the runs' list
      assert.equal(await page.getByRole('status').textContent(), 'live');
      assert.equal(await page.getByRole('figure', { name: 'Learning rate' }).count(), 1);
      assert.deepEqual(await page.getByRole('list', { name: 'runs, in their charts\' colours' }).getByRole('listitem').allTextContents(), ['dashboard-run']);
      // a run's panel and its links say whose they are (a list of links would hold one "metrics.jsonl" per run)
      assert.deepEqual(await page.getByRole('article', { name: 'run dashboard-run' }).getByRole('link').evaluateAll((links) => links.map((a) => (a as unknown as { ariaLabel: string }).ariaLabel)),
        ['metrics.jsonl of dashboard-run', 'config.yaml of dashboard-run', 'report.json of dashboard-run']);
      const shown = (series: number): Promise<boolean> => page.evaluate((i) => (globalThis as unknown as PageGlobals).__dashboard!.charts!.loss!.plot.series[i]!.show, series);
      // the Tab stops on the page: the skip link, the loss chart's plot area (chart-keys.js), its first series
      for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
      const train = page.getByRole('figure', { name: /^Loss/ }).getByRole('button', { name: 'dashboard-run train' });
      assert.equal(await focused(train), true, 'Tab reaches the legend');
      assert.equal(await train.getAttribute('aria-pressed'), 'true');
      await page.keyboard.press('Enter');
      assert.equal(await shown(1), false, 'Enter hides the series');
      assert.equal(await train.getAttribute('aria-pressed'), 'false');
      await page.keyboard.press(' ');
      assert.equal(await shown(1), true, 'Space shows it again');
      assert.equal(await train.getAttribute('aria-pressed'), 'true');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      assert.deepEqual([await shown(1), await shown(2)], [true, false], 'the next Tab, the val series');
      // a Tab stop per run and series comes before the runs: the first Tab stop skips them
      for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab');
      assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent), 'Skip to the runs');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      assert.equal(await focused(page.locator('article[data-run="0"] .links a').first()), true, 'Enter then Tab: the first run\'s first link');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run\'s link reached with Tab keeps the focus while the run logs rows (not lost to the page at each row)', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'live');
  fs.mkdirSync(run);
  const metrics = path.join(run, 'metrics.jsonl');
  fs.writeFileSync(metrics, JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), 'task: generation\n');
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('[data-steps="1"]', { timeout: 10_000 });
      await page.keyboard.press('Tab'); // the skip link
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      const config = page.locator('article[data-run="0"] .links a', { hasText: 'config.yaml' });
      assert.equal(await focused(config), true, 'Tab reaches the run\'s config.yaml link');
      for (let step = 2; step <= 3; step++) {
        fs.appendFileSync(metrics, JSON.stringify({ step, loss: 3 / step, lr: 1e-4 }) + '\n');
        await page.waitForSelector(`[data-steps="${step}"]`, { timeout: 10_000 });
      }
      // before: the links were made anew at each row, the focus left on the page's body
      assert.equal(await focused(config), true, 'the link keeps the focus as rows arrive');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run\'s report tables are kept while its report is unchanged (best/ replaced at each evaluation: the focus in them kept), made anew when it changes', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns();
  const run = path.join(tmp.root, 'resumed');
  fs.mkdirSync(path.join(run, 'best'), { recursive: true });
  fs.writeFileSync(path.join(run, 'metrics.jsonl'), JSON.stringify({ step: 1, loss: 3, lr: 1e-4 }) + '\n' + JSON.stringify({ step: 1, split: 'val', loss: 3 }) + '\n');
  fs.writeFileSync(path.join(run, 'config.yaml'), 'task: generation\n');
  const best = (step: number, loss: number): void => fs.writeFileSync(path.join(run, 'best', 'evaluation.json'), JSON.stringify({ step, loss }));
  best(1, 3);
  // 101 samples: the note past the first 100 holds a link, a Tab stop inside the report's section
  const report = (accuracy: number): string => JSON.stringify({ task: 'generation', test: { accuracy }, samples: Array.from({ length: 101 }, (_, i) => ({ prompt: `p${i}`, before: 'b', after: 'a' })) });
  fs.writeFileSync(path.join(run, 'report.json'), report(0.5));
  const sameTable = (page: Page): Promise<boolean> => page.evaluate(() => {
    const g = globalThis as unknown as { document: { querySelector(s: string): unknown }; __table?: unknown };
    return g.__table === g.document.querySelector('article[data-run="0"] table.samples');
  });
  try {
    await onDashboardPage([run], async (page) => {
      await page.waitForSelector('article[data-run="0"] [data-shown] a', { timeout: 10_000 });
      await page.evaluate(() => {
        const g = globalThis as unknown as { document: { querySelector(s: string): unknown }; __table?: unknown };
        g.__table = g.document.querySelector('article[data-run="0"] table.samples');
      });
      const link = page.locator('article[data-run="0"] [data-shown] a');
      await link.focus();
      // a resumed run's evaluations: best/ replaced, each a files event carrying the same report and config anew
      for (const [step, loss] of [[2, 2], [3, 1.5]] as const) {
        best(step, loss);
        await page.waitForSelector(`article[data-run="0"] .status >> text=best val ${loss} at step ${step}`, { timeout: 10_000 });
      }
      // before: the tables were made anew at each files event, the focus left on the page's body
      assert.equal(await sameTable(page), true, 'the samples table is the one first laid out');
      assert.equal(await focused(link), true, 'the link in the report keeps the focus');
      fs.writeFileSync(path.join(run, 'report.json'), report(0.75));
      await page.waitForSelector('article[data-run="0"] table.metrics >> text=0.75', { timeout: 10_000 });
      assert.equal(await sameTable(page), false, 'a report changed is laid out anew');
    });
  } finally {
    tmp.cleanup();
  }
});

test('keyboard zoom: a chart\'s plot area is a Tab stop where + zooms in, the arrows move, − zooms out and Escape shows every step', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  try {
    await onDashboardPage(tmp.dirs, async (page) => {
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      // the panel is drawn a frame after the rows, the charts as their cost allows: the keys go to a chart holding all 60 steps
      await waitFor(async () => ((await seriesCounts(page, 'lr').catch(() => []))[0] ?? 0) >= 60, 15_000, 'the lr chart to hold 60 steps').catch(() => {});
      const zoom = (): Promise<unknown> => page.evaluate(() => (globalThis as unknown as { __dashboard: { charts: { lr: { zoom: unknown } } } }).__dashboard.charts.lr.zoom);
      const area = page.getByRole('figure', { name: 'Learning rate' }).getByRole('group', { name: /^Learning rate: \+ and − zoom/ });
      await area.focus();
      // lr is logged at steps 1 to 60: + shows the middle half, → moves by a quarter of it, − doubles it back
      await page.keyboard.press('+');
      assert.deepEqual(await zoom(), { min: 15.75, max: 45.25 });
      await page.keyboard.press('ArrowRight');
      assert.deepEqual(await zoom(), { min: 23.125, max: 52.625 });
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.deepEqual(await zoom(), { min: 30.5, max: 60 }, 'moved no further than the last step');
      await page.keyboard.press('-');
      assert.deepEqual(await zoom(), null, 'zoomed out past every step: every step shown');
      await page.keyboard.press('+');
      await page.keyboard.press('Escape');
      assert.equal(await zoom(), null, 'Escape: every step again');
    });
  } finally {
    tmp.cleanup();
  }
});

test('the system\'s dark mode darkens the page and draws the charts\' axes light, their legends unboxed; a switch back redraws them dark', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  // the page's background and text colours, as [r, g, b]
  const colours = (): Promise<number[][]> => page!.evaluate(() => {
    const g = globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string }; document: { body: unknown } };
    const css = g.getComputedStyle(g.document.body);
    return [css.backgroundColor, css.color].map((c) => c.match(/\d+/g)!.slice(0, 3).map(Number));
  });
  let page: Page | undefined;
  try {
    await onDashboardPage(tmp.dirs, async (p) => {
      page = p;
      await p.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      await p.emulateMedia({ colorScheme: 'dark' });
      const [bg, fg] = await colours();
      assert.ok(bg!.every((c) => c < 40) && fg!.every((c) => c > 200), `a dark page with light text (background ${bg}, text ${fg})`);
      // the axes' numbers and the step label: in the light text colour, none black on the dark card
      // redrawn means no black and the light text drawn: a canvas cleared for the redraw has neither (CI once read it so)
      const pixels = (): Promise<number[]> => colourPixels(p, 'loss', [[0, 0, 0], fg as [number, number, number]]);
      await waitFor(async () => { const [b, l] = await pixels(); return b === 0 && l! > 100; }, 10_000, 'the charts redrawn').catch(() => {});
      const [black, light] = await pixels();
      assert.deepEqual({ black, light: light! > 100 }, { black: 0, light: true }, `axes drawn light on dark (pixels black ${black}, light ${light})`);
      // a chart's legend names sit on its card, not in boxes of the run panels' table style
      const legendName = p.locator('[data-chart="loss"] .u-legend th').nth(1);
      assert.deepEqual(await legendName.evaluate((el) => {
        const css = (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string; borderTopWidth: string } }).getComputedStyle(el);
        return [css.backgroundColor, css.borderTopWidth];
      }), ['rgba(0, 0, 0, 0)', '0px']);
      await p.emulateMedia({ colorScheme: 'light' });
      await waitFor(async () => (await colourPixels(p, 'loss', [[29, 35, 48]]))[0]! > 100, 5_000, 'the axes redrawn dark on light');
    });
  } finally {
    tmp.cleanup();
  }
});

test('a run file opened from its link (a sandboxed document) logs no console error: not even for the favicon its tab asks for', { skip: SKIP, timeout: 60_000 }, async () => {
  const tmp = tempRuns(RUN_GEN);
  try {
    await onDashboardPage(tmp.dirs, async (page, url) => {
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
      // the links open a new tab (target _blank): followed here in the same one, whose console the harness checks
      await page.goto(new URL('/run/0/config.yaml', url).href);
      assert.match((await page.textContent('body'))!, /^model: /);
      await page.goBack();
      await page.waitForSelector('[data-steps="60"]', { timeout: 10_000 });
    });
  } finally {
    tmp.cleanup();
  }
});
