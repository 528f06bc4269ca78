// The loss curve of a run as a small standalone SVG: train loss per step and val loss per evaluation, each
// series thinned to a bounded number of points. A run whose val data changed (a resume given another val file; each
// val row carries its set's hash) draws a val line per stretch of one set, named in the legend as the dashboard
// names it: the cut and the names are the dashboard's own module (val-sets.js), no line joins losses of two sets.
import { MAX_DRAWN_STRETCHES, SetTally, setCount, setStretches, stretchName } from '../dashboard/assets/val-sets.js';
import { CappedSeries } from '../run/series-cap.ts';
import { maxOf, minOf } from '../util/reduce.ts';

/** The most points a series of the curve holds (a long run's is thinned to between half of it and it). */
const CURVE_POINTS = 2000;

export interface CurvePoint {
  step: number;
  loss: number;
  /** A val point's set (metrics.jsonl's data_fingerprint); absent on train points and an older version's rows. */
  data_fingerprint?: string;
}

/**
 * A curve's points: a series past CURVE_POINTS rows is thinned as the dashboard thins its charts (series-cap.ts),
 * keeping real points only — the first, the last, and each stretch's lowest and highest loss, so a spike is drawn.
 * Points are added one at a time, so a long run's metrics.jsonl streams into it in bounded memory.
 */
export class CurveSeries {
  private readonly series = new CappedSeries(['loss'], { rows: CURVE_POINTS, bytes: Infinity });

  add(p: CurvePoint): void {
    // the set goes with the row: thinning keeps each set's ends and lowest (series-cap.ts), where its line begins and ends
    this.series.add({ seq: this.series.added, row: { ...p }, bytes: 0 });
  }

  points(): CurvePoint[] {
    return this.series.held().map(({ row: { step, loss, data_fingerprint: set } }) => ({ step, loss: loss as number, ...(typeof set === 'string' ? { data_fingerprint: set } : {}) }));
  }

  static of(points: Iterable<CurvePoint>): CurvePoint[] {
    const s = new CurveSeries();
    for (const p of points) s.add(p);
    return s.points();
  }
}

/** The colours of the val lines, by set (set 1 red, as a run of one set draws it); a run back on a set has its colour. */
const VAL_COLOURS = ['#d62728', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2'];
const TRAIN_COLOUR = '#1f77b4';
/** The height of a legend line; the legend is a column at the top right, above the plot, or past LEGEND_ONE_COLUMN
 * entries (a run whose val data changed: up to 13) two columns under the title, the SVG growing so that the plot keeps
 * at least MIN_PLOT_HEIGHT (a column of 13 left it 118 of 360 px). */
const LEGEND_LINE = 14;
const LEGEND_ONE_COLUMN = 3;
const MIN_PLOT_HEIGHT = 250;
/** A legend line's width, estimated (no text is measured in an SVG written here): 7 px a character of 12 px sans-serif. */
const CHAR_WIDTH = 7;

interface LegendPlace {
  /** Where each entry's text ends (text-anchor end) and its baseline. */
  at: Array<{ x: number; y: number }>;
  /** The legend's bottom: the plot starts below it. */
  bottom: number;
}

/** The legend's entries placed at the top right of a `width`-wide SVG whose plot spans x from `left` to `width - right`. */
function placeLegend(names: readonly string[], width: number, left: number, right: number): LegendPlace {
  if (names.length <= LEGEND_ONE_COLUMN) return { at: names.map((_, k) => ({ x: width - right, y: 20 + LEGEND_LINE * k })), bottom: 20 + LEGEND_LINE * names.length };
  // two columns, filled down the first, under the title's line (the left one reaches it)
  const rows = Math.ceil(names.length / 2);
  const column = Math.min((width - left - right) / 2, Math.max(...names.map((n) => n.length)) * CHAR_WIDTH + 16);
  return {
    at: names.map((_, k) => ({ x: width - right - (k < rows ? column : 0), y: 20 + LEGEND_LINE * (1 + (k % rows)) })),
    bottom: 20 + LEGEND_LINE * (rows + 1),
  };
}

/** `points` as they come, each added to `tally` on its way. */
function* tallied(points: Iterable<CurvePoint>, tally: SetTally): Generator<CurvePoint> {
  for (const p of points) {
    tally.add(p);
    yield p;
  }
}

/** The SVG of a train and a val series, each thinned to at most CURVE_POINTS points (CurveSeries); a val line per val set. */
export function lossCurveSvg(trainAll: Iterable<CurvePoint>, valAll: Iterable<CurvePoint>, title = 'loss'): string {
  // the val sets counted over every val point, not the thinned ones (a long run of many sets was said to have fewer)
  const tally = new SetTally();
  const train = CurveSeries.of(trainAll), val = CurveSeries.of(tallied(valAll, tally));
  const stretches = setStretches(val);
  // past MAX_DRAWN_STRETCHES, as the dashboard draws them: points only, one legend line (a line each pushed the plot out)
  const valLines = stretches.length < 2
    ? stretches.map((st) => ({ name: 'val', colour: VAL_COLOURS[0]!, points: st.rows, line: true }))
    : stretches.length > MAX_DRAWN_STRETCHES || tally.stretches > MAX_DRAWN_STRETCHES
      ? [{ name: `val (${tally.setsOver ? 'over ' : ''}${Math.max(tally.sets, setCount(stretches))} val sets: points only)`, colour: VAL_COLOURS[0]!, points: val, line: false }]
      : stretches.map((st, i) => ({ name: `val (${stretchName(st, i)})`, colour: VAL_COLOURS[(st.set - 1) % VAL_COLOURS.length]!, points: st.rows, line: true }));
  const legend = [{ name: '― train', colour: TRAIN_COLOUR }, ...valLines.map((v) => ({ name: `● ${v.name}`, colour: v.colour }))];
  const W = 640, L = 56, R = 16, B = 40;
  const place = placeLegend(legend.map((e) => e.name), W, L, R);
  const T = place.bottom, H = Math.max(360, T + MIN_PLOT_HEIGHT + B);
  const all = [...train, ...val].filter((p) => Number.isFinite(p.loss));
  const maxStep = maxOf(all, (p) => p.step, 1);
  const lo = minOf(all, (p) => p.loss), hi = maxOf(all, (p) => p.loss);
  const [y0, y1] = all.length ? (hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5]) : [0, 1];
  const x = (s: number): number => L + ((W - L - R) * s) / maxStep;
  const y = (v: number): number => T + (H - T - B) * (1 - (v - y0) / (y1 - y0));
  const line = (pts: readonly CurvePoint[]): string => pts.filter((p) => Number.isFinite(p.loss)).map((p, i) => `${i ? 'L' : 'M'}${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => y0 + f * (y1 - y0));
  const esc = (s: string): string => s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="20" font-size="14">${esc(title)}</text>`,
    ...ticks.map((v) => `<line x1="${L}" x2="${W - R}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e5e5e5"/><text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(3)}</text>`),
    `<text x="${(W + L) / 2}" y="${H - 8}" text-anchor="middle">step (of ${maxStep})</text>`,
    train.length ? `<path d="${line(train)}" fill="none" stroke="${TRAIN_COLOUR}" stroke-width="1.5"/>` : '',
    ...valLines.flatMap((v) => [
      v.line ? `<path d="${line(v.points)}" fill="none" stroke="${v.colour}" stroke-width="2"/>` : '',
      ...v.points.map((p) => `<circle cx="${x(p.step).toFixed(1)}" cy="${y(p.loss).toFixed(1)}" r="3" fill="${v.colour}"/>`),
    ]),
    ...legend.map((e, k) => `<text x="${place.at[k]!.x.toFixed(1)}" y="${place.at[k]!.y}" text-anchor="end" fill="${e.colour}">${esc(e.name)}</text>`),
    '</svg>',
  ].join('\n') + '\n';
}
