// The charts: one uPlot per metric, every run overlaid (one colour per run; eval series marked with points,
// val loss dashed), and classification's val accuracy once a run has it. Rows are metrics.jsonl rows; train rows have no `split`, evaluation rows have split "val"/"test".
// A run whose val data changed (a resume given another val file) draws an eval series per stretch of one val set
// (val-sets.js), named in the legend and its points hollow on every other set: no line joins losses of two sets.
import { chartKeys } from './chart-keys.js';
import { thinForChart, thinNote } from './chart-thin.js';
import { fmt, fmtAxis, isolate } from './dom.js';
import { MAX_DRAWN_STRETCHES, setCount, setStretches, stretchName } from './val-sets.js';

const MIB = 1 / 2 ** 20;
/** Past this many runs a chart has no legend of its own (a table row per run and series, under each of six charts:
 * 2,000 runs took a minute to lay out); the page's legend names every run with its colour. */
const MAX_LEGEND_RUNS = 20;

/** Tick spacings m·10^e for the given mantissas and exponents, ascending (uPlot's `incrs`). */
function incrs(mantissas, fromExp, toExp) {
  const out = [];
  for (let e = fromExp; e <= toExp; e++) for (const m of mantissas) out.push(Number(`${m}e${e}`));
  return out;
}
/** Steps are whole: no tick at step 2.5. */
const STEP_INCRS = incrs([1, 2, 5], 0, 300);
/** A step axis' tick label: grouped as the page's other numbers are, in English (12,000) whatever the browser's locale
 * (uPlot's own, in a German one, wrote 12.000 under a value axis whose 2.5 is two and a half), in exponent form from
 * 1e15 on, past which steps are no longer whole to the unit in a double (a metrics.jsonl's step of 1e300, hostile or
 * corrupt, was written out in 400 digits at each tick, the labels one black smear under the chart). */
const stepTick = (v) => (Math.abs(v) >= 1e15 ? fmtAxis(v) : v.toLocaleString('en'));
/** uPlot's own spacings stop near 1e15, which left the axis of a diverged loss (3e38) without a tick; below 1e-16
 * uPlot's tick finder takes only its own spacings, so the list starts there as its own does. */
const VALUE_INCRS = incrs([1, 2, 2.5, 5], -16, 307);

/** Each chart: which field of which rows (split null = train rows), and an optional unit scale. */
export const CHART_DEFS = [
  { key: 'loss', title: 'Loss — train (solid), val (dashed)', series: [
    { field: 'loss', split: null, label: 'train' },
    { field: 'loss', split: 'val', label: 'val', dash: true },
  ] },
  { key: 'lr', title: 'Learning rate', series: [{ field: 'lr', split: null }] },
  { key: 'tokens_per_s', title: 'Tokens / s', series: [{ field: 'tokens_per_s', split: null }] },
  { key: 'grad_norm', title: 'Grad norm (before clipping)', series: [{ field: 'grad_norm', split: null }] },
  { key: 'mem_bytes', title: 'Device memory (MiB)', scale: MIB, series: [{ field: 'mem_bytes', split: null }] },
  // classification's eval rows: shown once a run has them
  { key: 'accuracy', title: 'Val accuracy (solid), macro-F1 (dashed)', onlyWithData: true, series: [
    { field: 'accuracy', split: 'val', label: 'accuracy' },
    { field: 'macro_f1', split: 'val', label: 'macro-F1', dash: true },
  ] },
];

/**
 * Past this many series a chart draws each run's val sets as one series of points, no line, as it does past
 * MAX_DRAWN_STRETCHES: 200 runs of 12 val sets each drew 2,600 series in the loss chart (and 4,800, hidden, in the
 * accuracy chart), each a row of the data grid that chart-thin.js bounds, which can keep only 4 points each of so many.
 */
export const MAX_SERIES_APART = 400;

/**
 * The series one chart draws, in order: per run, one per series of its def; for an eval series of a run whose val
 * data changed, one per stretch of one val set ("val (set 2, from step 40)"), or past MAX_DRAWN_STRETCHES (or past
 * MAX_SERIES_APART series in the chart; the list's `together` then says so) one of points only. Each: {run, s (the
 * def's series), rows (the run's rows it is drawn from), label, set (0: the run's only val set, or all of them),
 * pointsOnly (true: no line)}.
 */
function chartSeries(def, runs) {
  const plans = runs.flatMap((run) => def.series.map((s) => {
    const stretches = s.split === null ? [] : setStretches(run.rows.filter((r) => r.split === s.split));
    // the server's counts, of every val row the run wrote: the rows held may be thinned, fewer stretches (and sets)
    const read = s.split === 'val' ? run.valSets : null;
    const flood = stretches.length > MAX_DRAWN_STRETCHES || (read !== null && read.stretches > MAX_DRAWN_STRETCHES);
    return { run, s, stretches, read, flood };
  }));
  const apart = plans.reduce((n, p) => n + (p.flood || p.stretches.length < 2 ? 1 : p.stretches.length), 0);
  const together = apart > MAX_SERIES_APART;
  const out = [];
  for (const { run, s, stretches, read, flood } of plans) {
    // the name isolated: its own direction (right-to-left, an override) reorders no word of the label after it
    const label = def.series.length > 1 ? `${isolate(run.name)} ${s.label}` : isolate(run.name);
    if (flood || (together && stretches.length >= 2)) {
      // too many to draw apart: every evaluation a point, and no line, which would join losses of two sets
      const sets = read ? `${read.setsOver ? 'over ' : ''}${Math.max(read.sets, setCount(stretches))}` : setCount(stretches);
      out.push({ run, s, rows: run.rows, label: `${label} (${sets} val sets: points only)`, set: 0, pointsOnly: true });
    } else if (stretches.length < 2) out.push({ run, s, rows: run.rows, label, set: 0 });
    else {
      for (const [i, st] of stretches.entries()) {
        out.push({ run, s, rows: st.rows, label: `${label} (${stretchName(st, i)})`, set: st.set });
      }
    }
  }
  out.together = together && plans.some((p) => !p.flood && p.stretches.length >= 2);
  return out;
}

/** What a chart's uPlot was made for: another (a run's val data changed, or the file started over) makes it anew. */
const layoutKey = (series) => JSON.stringify(series.map((x) => [x.run.id, x.label]));

/**
 * uPlot's aligned data for one chart: [steps, ...one array per series (chartSeries)], the steps being the union
 * over all runs, with null where a series has no value (spanGaps joins the line across them). When a step
 * appears twice in a series, the later row wins.
 */
function buildData(def, series) {
  const all = series.map(({ s, rows }) => {
    const m = new Map();
    for (const r of rows) {
      if ((r.split ?? null) !== s.split) continue;
      const v = r[s.field];
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      m.set(r.step, v * (def.scale ?? 1));
    }
    return m;
  });
  // at most MAX_CHART_POINTS drawn, all runs' series together, and a grid of at most MAX_CHART_CELLS (chart-thin.js)
  const { maps, steps: xs, drawn, total } = thinForChart(all);
  const data = [xs, ...maps.map((m) => xs.map((x) => (m.has(x) ? m.get(x) : null)))];
  data.thinned = { drawn, total, together: series.together };
  return data;
}

/** The chart's title, with what was thinned for drawing (chart-thin.js), set on its plot and its figure's name. */
function setTitle(chart, data) {
  const title = chart.def.title + thinNote(data.thinned);
  const el = chart.plot.root.querySelector('.u-title');
  if (el && el.textContent !== title) el.textContent = title;
  chart.el.setAttribute('aria-label', title);
}

/** Half the largest double: a range within ±it spans a number a double holds. */
const HALF_MAX = Number.MAX_VALUE / 2;

/**
 * uPlot's own y range (the data's, padded by a tenth), kept finite: a value past ±1.6e308 was padded to ±Infinity, and
 * values of ±1e308 together spanned more than a double holds, so the chart drew no line and no tick for any of the runs
 * it overlays. Train's values are float32 (at most 3.4e38): only a corrupt or hostile metrics.jsonl holds such a one,
 * and where no finite range holds it, its points lie off the chart and the other runs' are drawn.
 */
function yRange(u, dataMin, dataMax) {
  if (dataMin == null) return [null, null];
  const [lo, hi] = uPlot.rangeNum(dataMin, dataMax, 0.1, true).map((v) => Math.min(Math.max(v, -Number.MAX_VALUE), Number.MAX_VALUE));
  return Number.isFinite(hi - lo) ? [lo, hi] : [Math.max(lo, -HALF_MAX), Math.min(hi, HALF_MAX)];
}

/** The value axis' width: 64 px, or as wide as its widest tick label needs. At a fixed 64 px a label wider than the 49 px
 * left of the ticks was cut at the canvas' left edge, so that "-2.5e+307" read "5e+307", and "1.5e+38" (a diverged
 * loss) "5e+38"; uPlot asks again while the layout settles (cycleNum), and the width it found then is kept. */
function valueAxisSize(u, values, axisIdx, cycleNum) {
  const axis = u.axes[axisIdx];
  if (cycleNum > 1) return axis._size;
  if (!values || values.length === 0) return 64;
  u.ctx.font = axis.font[0];
  const widest = Math.max(...values.map((v) => u.ctx.measureText(v).width)) / devicePixelRatio;
  return Math.max(64, Math.ceil(widest + axis.ticks.size + axis.gap + 2));
}

/** A colour of the page's theme (style.css: light, or dark as the system asks), read each time a chart draws, so that
 * a switch of the system's theme needs only a redraw (app.js). */
const themeColour = (name) => () => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
/** Axes in the theme's text colour, grid lines and ticks in its faint one (uPlot's own are black: unreadable on dark). */
const AXIS_COLOURS = { stroke: themeColour('--fg'), grid: { stroke: themeColour('--grid') }, ticks: { stroke: themeColour('--grid') } };

function seriesOptions(series) {
  const out = [{ label: 'step', value: (u, v) => fmt(v) }];
  for (const { run, s, label, set, pointsOnly } of series) {
    out.push({
      label,
      ...(pointsOnly ? { paths: () => null } : {}),
      stroke: run.color,
      width: s.dash ? 1.5 : 2,
      dash: s.dash ? [6, 4] : undefined,
      spanGaps: true,
      // eval rows are sparse: marked; a second val set's hollow, so that two sets of one run tell apart in the chart too
      points: s.split !== null ? { show: true, size: 6, fill: set % 2 === 0 && set > 0 ? themeColour('--card') : run.color } : undefined,
      value: (u, v) => fmt(v),
    });
  }
  return out;
}

/**
 * Creates the charts under `container`, in place of what it holds (charts made before must be given to
 * destroyCharts first); returns {key: {def, plot, el, zoom}} (zoom: the dragged step range, or null).
 */
export function createCharts(container, runs) {
  container.replaceChildren();
  const charts = {};
  for (const def of CHART_DEFS) {
    const el = document.createElement('div');
    el.className = 'chart';
    el.dataset.chart = def.key;
    // named by its title for a screen reader, to which the canvas is nothing; its legend table is read inside it
    el.setAttribute('role', 'figure');
    el.setAttribute('aria-label', def.title);
    container.append(el);
    const width = chartWidth(el);
    el.hidden = def.onlyWithData === true; // until updateCharts finds a point
    const chart = { def, plot: null, el, zoom: null, layout: '' };
    const series = chartSeries(def, runs);
    makePlot(chart, runs, series, buildData(def, series), width);
    charts[def.key] = chart;
  }
  return charts;
}

/** Makes the chart's uPlot for `series`, in place of the one it had. */
function makePlot(chart, runs, series, data, width = chartWidth(chart.el)) {
  // the series hidden from its legend stay hidden in the new one (a run's val data changed: a series more)
  const hidden = new Set(chart.plot?.series.filter((s) => !s.show).map((s) => s.label));
  // the keyboard's place in it, given back in the new one: a run found meanwhile left it on the page's body
  const focus = focusIn(chart.plot);
  chart.plot?.destroy();
  chart.layout = layoutKey(series);
  chart.plot = new uPlot(
    {
      title: chart.def.title,
      width,
      height: 230,
      scales: { x: { time: false }, y: { range: yRange } },
      series: seriesOptions(series).map((o) => (hidden.has(o.label) ? { ...o, show: false } : o)),
      axes: [
        { label: 'step', size: 40, labelSize: 18, incrs: STEP_INCRS, values: (u, vals) => vals.map(stepTick), ...AXIS_COLOURS },
        { size: valueAxisSize, incrs: VALUE_INCRS, values: (u, vals) => vals.map(fmtAxis), ...AXIS_COLOURS },
      ],
      legend: { live: true, show: runs.length <= MAX_LEGEND_RUNS },
      cursor: { drag: { x: true, y: false } },
      hooks: { setScale: [(u, key) => key === 'x' && (chart.zoom = zoomOf(u))], setSeries: [showPressed] },
    },
    data,
    chart.el,
  );
  setTitle(chart, data);
  chartKeys(chart.plot, chart.def.title);
  legendKeys(chart.plot);
  if (focus) (focus.area ? chart.plot.over : legendNames(chart.plot).find((n, i) => i > 0 && n.textContent === focus.label))?.focus();
}

/** Where the keyboard's focus is in `plot`: its plot area ({area: true}), a series' name in its legend ({label}), or null. */
function focusIn(plot) {
  const el = document.activeElement;
  if (!plot || !el || !plot.root.contains(el)) return null;
  return el === plot.over ? { area: true } : { label: el.textContent };
}

/**
 * uPlot hides a series on a click of its name in the legend, which no key reached: each name is made a toggle button,
 * reached by Tab, that Enter or Space clicks, its aria-pressed saying whether the series is shown.
 */
function legendKeys(plot) {
  legendNames(plot).forEach((name, i) => {
    if (i === 0) return; // the step column, not a series
    name.tabIndex = 0;
    name.setAttribute('role', 'button');
    name.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      e.preventDefault(); // Space would scroll the page
      name.click();
    });
  });
  showPressed(plot);
}

const legendNames = (plot) => [...plot.root.querySelectorAll('.u-legend .u-series > th')];

/** Each legend name's aria-pressed: whether its series is shown (after a click, a key, or a ctrl-click isolating one). */
function showPressed(plot) {
  legendNames(plot).forEach((name, i) => i > 0 && name.setAttribute('aria-pressed', String(plot.series[i].show)));
}

/**
 * Destroys charts createCharts made: a uPlot left alive when its element is replaced keeps its canvas and its
 * listeners on the window (and its place in uPlot's own list of plots, re-measured on every scroll and resize).
 */
export function destroyCharts(charts) {
  for (const { plot } of Object.values(charts)) plot.destroy();
}

/** The step range a chart is zoomed to (dragged), or null when it shows every step (double-click resets). */
function zoomOf(u) {
  const xs = u.data[0];
  const { min, max } = u.scales.x;
  return xs.length > 0 && (min > xs[0] || max < xs[xs.length - 1]) ? { min, max } : null;
}

/**
 * New data for every chart. A zoomed chart keeps its step range while rows arrive (its y axis fits the rows in it),
 * unless the run started over with no step left in that range.
 */
export function updateCharts(charts, runs) {
  for (const chart of Object.values(charts)) {
    const zoom = chart.zoom;
    const series = chartSeries(chart.def, runs);
    const data = buildData(chart.def, series);
    if (chart.def.onlyWithData) showIf(chart, data[0].length > 0);
    if (layoutKey(series) === chart.layout) {
      chart.plot.setData(data);
      setTitle(chart, data);
    } else makePlot(chart, runs, series, data); // a series more or fewer: uPlot's series are set when it is made
    if (zoom && data[0].some((x) => x >= zoom.min && x <= zoom.max)) chart.plot.setScale('x', zoom);
  }
}

/** Shows or hides a chart that has a point only for some runs; shown, it takes the width of its place. */
function showIf(chart, visible) {
  if (chart.el.hidden !== visible) return;
  chart.el.hidden = !visible;
  if (visible) chart.plot.setSize({ width: chartWidth(chart.el), height: 230 });
}

/** Draws every chart again as it is (the system's theme changed: the axes' colours are read anew). */
export function redrawCharts(charts) {
  for (const { plot } of Object.values(charts)) plot.redraw(); // at the same step range: a zoom stays
}

export function resizeCharts(charts) {
  for (const { plot, el } of Object.values(charts)) plot.setSize({ width: chartWidth(el), height: 230 });
}

/** The width a chart's card gives its plot; a hidden card has none (showIf sizes it when shown). At most 12 px less
 * than the card, even a folded phone's 280 px window (a minimum of 260 px widened the page past it). */
function chartWidth(el) {
  return Math.max(120, Math.floor(el.clientWidth - 12));
}
