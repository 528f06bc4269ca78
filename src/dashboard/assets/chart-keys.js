// Zoom and move a chart from the keyboard, as a drag and a double-click do with the mouse: the plot area is a Tab
// stop; + zooms in on the middle of the steps shown, − out, ← and → move by a quarter of them, 0 or Escape shows every
// step. The zoom is the chart's as a drag makes it (charts.js keeps it while rows arrive).

const ACTIONS = { '+': 'in', '=': 'in', '-': 'out', _: 'out', ArrowLeft: 'left', ArrowRight: 'right', 0: 'reset', Escape: 'reset' };

/** Makes `plot`'s plot area (uPlot's `over`) a Tab stop named `title` that the keys above zoom. */
export function chartKeys(plot, title) {
  const area = plot.over;
  area.tabIndex = 0;
  area.setAttribute('role', 'group');
  area.setAttribute('aria-label', `${title}: + and − zoom, ← and → move, 0 shows every step`);
  area.addEventListener('keydown', (e) => {
    const action = ACTIONS[e.key];
    if (!action || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault(); // the arrows would scroll the page
    const range = keyRange(action, plot.data[0], plot.scales.x);
    if (range) plot.setScale('x', range);
  });
}

/** The step range after `action`, within the steps `xs` (ascending) and at least one step wide; null when none. */
function keyRange(action, xs, { min, max }) {
  if (xs.length < 2 || !(max > min)) return null;
  const first = xs[0];
  const last = xs[xs.length - 1];
  if (action === 'reset') return { min: first, max: last };
  const span = max - min;
  let lo = action === 'in' ? min + span / 4 : action === 'out' ? min - span / 2 : min + (action === 'left' ? -span : span) / 4;
  const width = Math.min(Math.max(action === 'in' ? span / 2 : action === 'out' ? span * 2 : span, 1), last - first);
  lo = Math.min(Math.max(lo, first), last - width);
  return { min: lo, max: lo + width };
}
