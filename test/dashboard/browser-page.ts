// The headless Chromium harness of the dashboard's browser tests (Debian's chromium, driven by playwright-core):
// where Chromium is (skipped with the reason when it is missing), a page on a served dashboard that records
// requests leaving the server, console errors and dialogs, and what the tests read of the page's charts. One
// Chromium serves a test file (launched at its first page, closed after its last test); each page gets a browser
// context of its own, so no test sees another's cache, storage or pages.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDashboard, type DashboardOptions } from '../../src/dashboard/server.ts';
import { waitFor } from './helpers.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOT = path.join(REPO, 'tmp', 'test-output', 'dashboard.png');
export const SKIP = fs.existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH) — the browser test did not run`;
if (SKIP) console.log(`SKIPPED: ${SKIP}`);

// The page's globals these checks use, typed here because the tests compile without the DOM library.
interface Plot { data: Array<Array<number | null>>; scales: { x: { min: number; max: number } }; series: Array<{ label: string; show: boolean }> }
interface Canvas { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
export interface PageGlobals {
  __dashboard?: { charts?: Record<string, { plot: Plot }>; runs: Array<{ rows: Array<{ step: number; split?: string }> }> };
  document: { querySelector(selector: string): Canvas | null; querySelectorAll(selector: string): { length: number } };
  /** How many listeners of `type` the window has (countWindowListeners). */
  __windowListeners(type: string): number;
}

/** Non-null values of each series of a chart, as the page's uPlot instance holds them. */
export function seriesCounts(page: Page, chart: string): Promise<number[]> {
  return page.evaluate((key) => {
    const plot = (globalThis as unknown as PageGlobals).__dashboard!.charts![key]!.plot;
    return plot.data.map((s) => s.filter((v) => v !== null).length);
  }, chart);
}

/**
 * Once each chart named holds the counts given (seriesCounts), or 15 s pass: the test then asserts them. A run's panel
 * (its data-steps) is drawn at the frame after its rows come, the charts as often as their cost allows
 * (render-budget.js: frames later under load), and one run's rows may come a redraw before another's.
 */
export async function chartsHold(page: Page, counts: Record<string, number[]>): Promise<void> {
  const want = JSON.stringify(counts);
  const hold = async (): Promise<boolean> => {
    const got: Record<string, number[]> = {};
    for (const key of Object.keys(counts)) got[key] = await seriesCounts(page, key).catch(() => []); // no charts yet
    return JSON.stringify(got) === want;
  };
  await waitFor(hold, 15_000, `the charts to hold ${want}`).catch(() => {});
}

/** Each series of a chart (not the steps) as the page's uPlot holds it: its label and its [step, value] points. */
export function chartSeries(page: Page, chart: string): Promise<Array<{ label: string; points: Array<[number, number]> }>> {
  return page.evaluate((key) => {
    const plot = (globalThis as unknown as PageGlobals).__dashboard!.charts![key]!.plot;
    return plot.series.slice(1).map((s, i) => ({
      label: s.label,
      points: plot.data[0]!.flatMap((x, j): Array<[number, number]> => (plot.data[i + 1]![j] === null ? [] : [[x!, plot.data[i + 1]![j]!]])),
    }));
  }, chart);
}

/** Pixels of the chart's canvas within ±24 per channel of each colour (a drawn curve leaves many). */
export function colourPixels(page: Page, chart: string, colours: Array<[number, number, number]>): Promise<number[]> {
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

/** In the page, before its scripts: window.__windowListeners(type) says how many listeners of `type` the window has. */
function countWindowListeners(): void {
  const g = globalThis as unknown as { __windowListeners(type: string): number; EventTarget: { prototype: { addEventListener: Function; removeEventListener: Function } } };
  const live = new Map<string, Set<unknown>>();
  const proto = g.EventTarget.prototype, add = proto.addEventListener, remove = proto.removeEventListener;
  proto.addEventListener = function (this: unknown, type: string, cb: unknown, ...rest: unknown[]) {
    if (this === globalThis) live.set(type, (live.get(type) ?? new Set()).add(cb));
    return add.call(this, type, cb, ...rest);
  };
  proto.removeEventListener = function (this: unknown, type: string, cb: unknown, ...rest: unknown[]) {
    if (this === globalThis) live.get(type)?.delete(cb);
    return remove.call(this, type, cb, ...rest);
  };
  g.__windowListeners = (type) => live.get(type)?.size ?? 0;
}

/** A page on `url` that records requests to other origins, console errors, page errors and dialogs. */
async function openPage(browser: Browser, url: string, consoleExpected?: RegExp, locale?: string): Promise<{ page: Page; foreign: string[]; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale });
  const origin = new URL(url).origin;
  const foreign: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(origin + '/') && !r.url().startsWith('data:')) foreign.push(r.url());
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !consoleExpected?.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  await page.addInitScript(countWindowListeners);
  await page.goto(url);
  return { page, foreign, problems };
}

let launched: Promise<Browser> | undefined;
/** The test file's Chromium, launched on first use. */
function sharedBrowser(): Promise<Browser> {
  // with the scrollbars a desktop browser draws (Playwright hides them by default): a page that grows past the window loses their width
  launched ??= chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, ignoreDefaultArgs: ['--hide-scrollbars'] });
  return launched;
}
after(async () => {
  if (launched) await (await launched).close();
});

/** Stops the page's server, runs `whileDown`, and serves `others` on the same port. */
type Restart = (others: string[], whileDown?: () => Promise<void>) => Promise<void>;

/**
 * Serves `runs` on a dashboard, opens its page in a new context of Chromium and runs `body` on it; then checks that
 * no request left the server and that the page logged no error and opened no dialog. `restart` stops the server and
 * serves `others` on its port, as a dashboard started again would (the page reconnects to it), after `whileDown` has run
 * with no server. `options` (connection limits, a findRuns, a heartbeat) go to the first server; `consoleExpected` names console errors
 * the test expects (those of a server stopped), not counted as problems; `locale` the browser's (its language and number
 * formats, as Chromium's --lang gives them; en-US by default); `openVia` the address the page opens instead of the
 * server's (a proxy to it), to which its requests must then go.
 */
export async function onDashboardPage(runs: string[], body: (page: Page, url: string, restart: Restart) => Promise<void>,
  options: Pick<DashboardOptions, 'connectionLimits' | 'findRuns' | 'findRunsMs' | 'heartbeatMs'> & { consoleExpected?: RegExp; locale?: string; openVia?: (url: string) => Promise<string> } = {}): Promise<void> {
  const { consoleExpected, locale, openVia, ...serverOptions } = options;
  let dash = await startDashboard({ runs, pollMs: 100, ...serverOptions });
  const restart: Restart = async (others, whileDown) => {
    await dash.close();
    await whileDown?.();
    dash = await startDashboard({ runs: others, pollMs: 100, port: Number(new URL(dash.url).port) });
  };
  let page: Page | undefined;
  try {
    const opened = await openPage(await sharedBrowser(), openVia ? await openVia(dash.url) : dash.url, consoleExpected, locale);
    page = opened.page;
    await body(page, dash.url, restart);
    assert.deepEqual(opened.foreign, [], 'no request leaves the dashboard server');
    assert.deepEqual(opened.problems, [], 'no console errors, page errors or dialogs');
  } finally {
    await page?.context().close();
    await dash.close();
  }
}
