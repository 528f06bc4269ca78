// A bound on the points one chart draws, all its series together. The server holds each run's series thinned to
// 8,192 rows (series-cap.ts), but a chart overlays every run, and a run whose val data changed draws a series per val
// set (up to 12): 10 runs of a long training drew 80,000 train points and a union of steps of as many, each of 130
// series given a value or a gap at every one of them. Past MAX_CHART_POINTS a chart's series are thinned for drawing
// (the rows held stay whole: the panel and best val read them), each series to its share of the bound, smallest
// first so that a short series (a val set's few evaluations) keeps every point, and the chart's title says so.
// A series keeps, per bucket of neighbouring steps, its first, last, lowest and highest point: spikes, the best val
// loss and the newest point stay drawn. The grid uPlot holds (series × the union of their steps) is bounded too
// (MAX_CHART_CELLS), and charts.js draws a chart's val sets together past MAX_SERIES_APART series.

/** The most points one chart draws, its series together (some more when it has more series than this / 4). */
export const MAX_CHART_POINTS = 40_000;
/**
 * The most cells of a chart's data grid: uPlot holds each series as a value or a gap at every step of the union of its
 * series' steps, and scans them all at each redraw. Runs that log other steps (offset, other logging intervals) have
 * few steps in common: 200 runs of 300 steps with 12 val sets each drew 34,331 points, a union of 29,832 steps for each
 * of 2,600 series, 77.6 million cells (374 MiB of the page's heap, 19 s to the whole first draw in a headless Chromium
 * on 2 loaded cores; with this bound and charts.js' MAX_SERIES_APART: 400 series, 2.1 million cells, 80 MiB, 7 s).
 * Past it the point budget shrinks to this / the series count (a series still keeps its MIN_SHARE points).
 */
export const MAX_CHART_CELLS = 4_000_000;
/** A thinned series keeps at least this many points: its first and last, at the least. */
const MIN_SHARE = 4;

/**
 * `maps`: per series, its points as a Map step → value. Returns {maps (the same Map where a series is drawn whole, a new
 * one of its points kept, in step order, where it is thinned), steps (the union of their steps, ascending), drawn, total
 * (points in all)}: at most `budget` points (MAX_CHART_POINTS), and a grid of series × steps of at most `cells`.
 */
export function thinForChart(maps, budget = MAX_CHART_POINTS, cells = MAX_CHART_CELLS) {
  const total = maps.reduce((n, m) => n + m.size, 0);
  const first = withSteps(total <= budget ? maps : thinAll(maps, budget), total);
  // the union of steps is at most the points drawn: a budget of cells / series bounds the grid (runs of common steps
  // have a small union, and keep the larger budget)
  if (maps.length * first.steps.length <= cells) return first;
  return withSteps(thinAll(maps, Math.floor(cells / maps.length)), total);
}

/** `maps` and the union of their steps, ascending, with the points drawn of `total`. */
function withSteps(maps, total) {
  const union = new Set();
  for (const m of maps) for (const x of m.keys()) union.add(x);
  return { maps, steps: [...union].sort((a, b) => a - b), drawn: maps.reduce((n, m) => n + m.size, 0), total };
}

/** Each of `maps` thinned to its share of `budget`, the smallest first (whole where it fits its share). */
function thinAll(maps, budget) {
  const shares = new Array(maps.length);
  const order = maps.map((m, i) => i).sort((a, b) => maps[a].size - maps[b].size);
  let left = budget;
  order.forEach((i, k) => {
    shares[i] = Math.min(maps[i].size, Math.max(MIN_SHARE, Math.floor(left / (order.length - k))));
    left = Math.max(0, left - shares[i]);
  });
  return maps.map((m, i) => (m.size <= shares[i] ? m : thinMap(m, shares[i])));
}

/** `m`'s points in step order, thinned to at most `share` (≥ 4): per bucket of steps its first, last, lowest and highest. */
function thinMap(m, share) {
  const points = [...m].sort((a, b) => a[0] - b[0]);
  const buckets = Math.max(1, Math.floor(share / 4));
  const size = Math.ceil(points.length / buckets);
  const out = new Map();
  for (let start = 0; start < points.length; start += size) {
    const end = Math.min(start + size, points.length);
    let lo = start, hi = start;
    for (let j = start + 1; j < end; j++) {
      if (points[j][1] < points[lo][1]) lo = j;
      if (points[j][1] > points[hi][1]) hi = j;
    }
    for (const j of [...new Set([start, lo, hi, end - 1])].sort((a, b) => a - b)) out.set(points[j][0], points[j][1]);
  }
  return out;
}

/** What a chart's title adds when it is thinned, or its runs' val sets are drawn together (`together`, charts.js'
 * MAX_SERIES_APART): "" when every point is drawn and every val set apart. */
export function thinNote({ drawn, total, together = false }) {
  const thinned = drawn < total ? ` — drawn thinned: ${drawn.toLocaleString('en')} of ${total.toLocaleString('en')} points (each stretch's first, last, lowest and highest kept)` : '';
  return thinned + (together ? ' — val drawn as points instead: too many series to draw each val set apart (show fewer runs)' : '');
}
