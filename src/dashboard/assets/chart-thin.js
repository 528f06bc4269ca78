// A bound on the points one chart draws, all its series together. The server holds each run's series thinned to
// 8,192 rows (series-cap.ts), but a chart overlays every run, and a run whose val data changed draws a series per val
// set (up to 12): 10 runs of a long training drew 80,000 train points and a union of steps of as many, each of 130
// series given a value or a gap at every one of them. Past MAX_CHART_POINTS a chart's series are thinned for drawing
// (the rows held stay whole: the panel and best val read them), each series to its share of the bound, smallest
// first so that a short series (a val set's few evaluations) keeps every point, and the chart's title says so.
// A series keeps, per bucket of neighbouring steps, its first, last, lowest and highest point: spikes, the best val
// loss and the newest point stay drawn.

/** The most points one chart draws, its series together (some more when it has more series than this / 4). */
export const MAX_CHART_POINTS = 40_000;
/** A thinned series keeps at least this many points: its first and last, at the least. */
const MIN_SHARE = 4;

/**
 * `maps`: per series, its points as a Map step → value. Returns {maps (the same Map where a series is drawn whole, a new
 * one of its points kept, in step order, where it is thinned), drawn, total (points in all)}.
 */
export function thinForChart(maps, budget = MAX_CHART_POINTS) {
  const total = maps.reduce((n, m) => n + m.size, 0);
  if (total <= budget) return { maps, drawn: total, total };
  const shares = new Array(maps.length);
  const order = maps.map((m, i) => i).sort((a, b) => maps[a].size - maps[b].size);
  let left = budget;
  order.forEach((i, k) => {
    shares[i] = Math.min(maps[i].size, Math.max(MIN_SHARE, Math.floor(left / (order.length - k))));
    left = Math.max(0, left - shares[i]);
  });
  const out = maps.map((m, i) => (m.size <= shares[i] ? m : thinMap(m, shares[i])));
  return { maps: out, drawn: out.reduce((n, m) => n + m.size, 0), total };
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

/** What a chart's title adds when it is thinned: "" when every point is drawn. */
export function thinNote({ drawn, total }) {
  return drawn < total ? ` — drawn thinned: ${drawn.toLocaleString('en')} of ${total.toLocaleString('en')} points (each stretch's first, last, lowest and highest kept)` : '';
}
