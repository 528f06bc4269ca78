// The page's redraw budget (assets/render-budget.js, plain browser JS loaded here as a module): the charts of
// hundreds of runs, 100 ms or more a redraw, are redrawn at most a quarter of the time while a run logs rows, instead
// of on every frame that has a row; cheap redraws (a few runs) still follow at once. A redraw's cost runs to the end of
// the frame it is drawn in: the canvas is drawn when the frame is committed, after the script.
import assert from 'node:assert/strict';
import { test } from 'node:test';

interface Clock {
  now(): number;
  afterFrame(f: () => void): void;
}
interface Budget {
  wait(now: number): number;
  spent(start: number, end: number): void;
  drawn(start: number): void;
}
const asset = new URL('../../src/dashboard/assets/render-budget.js', import.meta.url).href;
const { RenderBudget } = (await import(asset)) as { RenderBudget: new (share?: number, clock?: Clock) => Budget };

test('by default a redraw of d ms is followed by the next one no sooner than 3·d ms later (a quarter of the time); the first is at once', () => {
  const b = new RenderBudget();
  assert.equal(b.wait(0), 0, 'nothing drawn yet: draw now');
  b.spent(1000, 1150); // 150 ms: hundreds of runs overlaid
  assert.equal(b.wait(1150), 450);
  assert.equal(b.wait(1400), 200);
  assert.equal(b.wait(1600), 0);
  b.spent(2500, 2502); // 2 ms: a few runs
  assert.equal(b.wait(2520), 0, 'a cheap redraw leaves the next frame free');
});

test("a redraw's cost runs to the end of its frame (the canvas drawn at the commit), not only to the end of its script", () => {
  // 200 runs overlaid in a headless Chromium: 0.3 s of script, then 3 s before the frame was done
  let now = 1000;
  const frameEnds: Array<() => void> = [];
  const b = new RenderBudget(0.1, { now: () => now, afterFrame: (f) => frameEnds.push(f) });
  now = 1300; // the script's part: uPlot's setData and its drawing calls
  b.drawn(1000);
  assert.equal(frameEnds.length, 1, 'measured again once the frame is done');
  assert.equal(b.wait(1300), 2700, 'meanwhile the script so far counts');
  now = 4300; // the frame committed: its canvases drawn
  frameEnds[0]!();
  assert.equal(b.wait(4300), 29_700, 'the next redraw waits 9 times the whole 3.3 s');
  // a cheap redraw's frame is over at once: the next frame may draw again
  now = 40_000;
  b.drawn(39_998);
  frameEnds[1]!();
  assert.equal(b.wait(40_000), 18);
  assert.equal(b.wait(40_020), 0);
});

test('by default a frame is over when a task posted during it runs: a frame renders, its commit too, before the next task', async () => {
  const b = new RenderBudget();
  const start = performance.now();
  b.drawn(start);
  // the frame's rendering, as this event loop sees it: 30 ms more of work before the task posted can run
  while (performance.now() - start < 30);
  // a redraw of 30 ms or more waits 3 times that after it ends: at least 120 ms from its start (a bound, not a timing)
  for (let i = 0; i < 100 && b.wait(start) < 120; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(b.wait(start) >= 120, `the work after the script counted: ${b.wait(start)} ms to wait`);
});
