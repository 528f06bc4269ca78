// chart-thin.js (the points a chart draws) in Node: the grid uPlot holds, its series × the union of their steps, is
// bounded by MAX_CHART_CELLS, not only the points. Runs whose steps differ kept a union about as large as the points
// drawn, each series a row of it: 20 runs × 13 series of offset steps held 260 × 33,655 steps (8.8 million cells; 200 runs,
// 77.6 million in a headless Chromium, 374 MiB of the page's heap).
import assert from 'node:assert/strict';
import { test } from 'node:test';

const asset = new URL('../../src/dashboard/assets/chart-thin.js', import.meta.url).href;
type Thinned = { maps: Array<Map<number, number>>; steps: number[]; drawn: number; total: number };
const { thinForChart, MAX_CHART_POINTS, MAX_CHART_CELLS } = (await import(asset)) as {
  thinForChart(maps: Array<Map<number, number>>, budget?: number, cells?: number): Thinned; MAX_CHART_POINTS: number; MAX_CHART_CELLS: number;
};

/** `runs` runs of `steps` train points (noisy, or falling smoothly) and `sets` val series of 20, the runs' steps offset
 * (`offset`) or the same. */
function chart(runs: number, steps: number, sets: number, offset: boolean, noisy = true): Array<Map<number, number>> {
  const maps: Array<Map<number, number>> = [];
  for (let r = 0; r < runs; r++) {
    const at = (s: number) => (offset ? s * runs + r : s);
    maps.push(new Map(Array.from({ length: steps }, (_, i) => [at(i + 1), noisy ? 3 + Math.sin((i + 1) * (r + 1) * 0.37) : 3 - i / steps + r / 100] as [number, number])));
    for (let k = 0; k < sets; k++) maps.push(new Map(Array.from({ length: 20 }, (_, e) => [at((k * 20 + e + 1) * 10), 2 + Math.cos(e + r)] as [number, number])));
  }
  return maps;
}

test('a chart of 260 series of offset steps is thinned to a grid of at most MAX_CHART_CELLS, ends and extremes kept', () => {
  const maps = chart(20, 4800, 12, true);
  const out = thinForChart(maps);
  assert.ok(out.total > MAX_CHART_POINTS);
  assert.ok(out.drawn <= MAX_CHART_POINTS);
  const union = [...new Set(out.maps.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  assert.ok(maps.length * union.length <= MAX_CHART_CELLS, `${maps.length} series × ${union.length} steps`);
  assert.deepEqual(out.steps, union, 'the steps given are the union of the points kept');
  out.maps.forEach((m, i) => {
    const all = [...maps[i]!].sort((a, b) => a[0] - b[0]);
    if (all.length === 20) return assert.equal(m, maps[i], 'a val set drawn whole');
    const kept = [...m];
    assert.deepEqual(kept[0], all[0], 'the first point kept');
    assert.deepEqual(kept.at(-1), all.at(-1), 'the newest point kept');
    const values = all.map((p) => p[1]);
    assert.ok(kept.some((p) => p[1] === Math.min(...values)) && kept.some((p) => p[1] === Math.max(...values)), 'lowest and highest kept');
  });
});

test('runs of the same steps, thinned alike, keep the whole point budget: their union is small', () => {
  const maps = chart(10, 4800, 12, false, false);
  const out = thinForChart(maps);
  assert.ok(maps.length * out.steps.length <= MAX_CHART_CELLS);
  assert.equal(out.drawn, thinForChart(maps, MAX_CHART_POINTS, Infinity).drawn, 'thinned as with no bound on cells');
});
