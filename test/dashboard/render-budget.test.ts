// The page's redraw budget (assets/render-budget.js, plain browser JS loaded here as a module): the charts of
// hundreds of runs, 100 ms or more a redraw, are redrawn at most a tenth of the time while a run logs rows, instead
// of on every frame that has a row; cheap redraws (a few runs) still follow at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';

interface Budget {
  wait(now: number): number;
  spent(start: number, end: number): void;
}
const asset = new URL('../../src/dashboard/assets/render-budget.js', import.meta.url).href;
const { RenderBudget } = (await import(asset)) as { RenderBudget: new (share?: number) => Budget };

test('a redraw of d ms is followed by the next one no sooner than 9·d ms later (a tenth of the time); the first is at once', () => {
  const b = new RenderBudget();
  assert.equal(b.wait(0), 0, 'nothing drawn yet: draw now');
  b.spent(1000, 1150); // 150 ms: hundreds of runs overlaid
  assert.equal(b.wait(1150), 1350);
  assert.equal(b.wait(2000), 500);
  assert.equal(b.wait(2500), 0);
  b.spent(2500, 2502); // 2 ms: a few runs
  assert.equal(b.wait(2520), 0, 'a cheap redraw leaves the next frame free');
});
