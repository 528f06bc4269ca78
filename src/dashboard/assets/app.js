// The dashboard page: follows /events (server-sent events), keeps each run's rows and files, and redraws the run
// panels at most once per animation frame, the charts as often as their cost allows (render-budget.js).
// window.__dashboard exposes the state for tests.
import { createCharts, destroyCharts, redrawCharts, resizeCharts, updateCharts } from './charts.js';
import { h, isolate } from './dom.js';
import { RenderBudget } from './render-budget.js';
import { RunPanel } from './run-panel.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
/** A run's colour: the palette's ten, then hues spread by the golden angle, so no two runs share one. */
const runColor = (i) => (i < PALETTE.length ? PALETTE[i] : `hsl(${Math.round(((i - PALETTE.length) * 137.508 + 20) % 360)}, 70%, ${i % 2 ? 35 : 50}%)`);
const state = { runs: [], charts: null, panels: [], renders: 0, runKey: '' };
window.__dashboard = state;

const connection = document.getElementById('connection');
const setConnection = (s, label) => {
  connection.dataset.state = s;
  connection.textContent = label;
};

/** The val rows' stretches and sets (val-sets.js' SetTally) of a run with none read. */
const NO_SETS = { stretches: 0, sets: 0, setsOver: false };

/** A run's state on the page until its events come: the run `r` of the server's list (hello or runs), at index `i`. */
const newRun = (r, i) => ({
  ...r, color: runColor(i), rows: [], rowsRead: 0, trainRowsRead: 0, otherRowsRead: 0, valSets: NO_SETS, exists: false, partial: false, reading: null, skippedBytes: 0,
  malformed: { count: 0, samples: [] }, dirExists: true, locked: false, lockNote: null, refused: [], config: null, report: null, best: null,
});

function legendItem(r) {
  const sw = h('span', { class: 'swatch' });
  sw.style.background = r.color;
  return h('span', { class: 'legend-item', role: 'listitem' }, sw, r.name);
}

const setTitle = () => {
  document.title = `mistral-tune dashboard — ${state.runs.map((r) => isolate(r.name)).join(', ')}`;
};

function init(runs) {
  const key = JSON.stringify(runs);
  if (key === state.runKey) return; // a reconnect to the same server: keep the charts, the snapshot follows
  // a reconnect to the same server that found runs meanwhile (the runs shown first, in order): those are added
  const known = state.runs.length;
  if (state.charts && known > 0 && known < runs.length && JSON.stringify(runs.slice(0, known)) === state.runKey) return addRuns(runs);
  state.runKey = key;
  state.runs = runs.map(newRun);
  setTitle();
  document.getElementById('legend').replaceChildren(...state.runs.map(legendItem));
  if (state.charts) destroyCharts(state.charts); // another server (a restart with other runs): new charts, the old ones gone whole
  state.charts = createCharts(document.getElementById('charts'), state.runs);
  const runsEl = document.getElementById('runs');
  runsEl.replaceChildren();
  state.panels = state.runs.map((r) => new RunPanel(r, runsEl));
  scheduleRender();
}

/**
 * Adds the runs the server found after it started (a train started since: its 'runs' event, or a hello that lists them
 * after the runs shown) to the legend, the charts (at their next redraw) and the panels; those shown already are kept
 * as they are. A run's id is its place in the server's list, so one comes only after those before it.
 */
function addRuns(runs) {
  if (!state.charts) return; // before the hello: it lists them
  const runsEl = document.getElementById('runs');
  const legend = document.getElementById('legend');
  const infos = JSON.parse(state.runKey);
  for (const r of runs) {
    if (r.id !== state.runs.length) continue; // shown already (a hello after a reconnect lists it too)
    const run = newRun(r, r.id);
    state.runs.push(run);
    infos.push(r);
    legend.append(legendItem(run));
    state.panels.push(new RunPanel(run, runsEl));
    scheduleRender(run); // its panel, and the charts: a series more each, made anew at their next redraw
  }
  state.runKey = JSON.stringify(infos);
  setTitle();
}

let pending = false;
/** Runs whose panel needs redrawing: only those an event changed (a large report's tables are costly to lay out). */
const dirty = new Set();
/** The charts show older rows than the runs hold; they are redrawn within the budget (many runs: a costly redraw). */
let chartsStale = false;
let chartsTimer = 0;
const chartsBudget = new RenderBudget();
function scheduleRender(run) {
  if (run) dirty.add(run.id);
  else for (const r of state.runs) dirty.add(r.id);
  chartsStale = true;
  requestFrame();
}

function requestFrame() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    if (!state.charts) return;
    for (const id of dirty) state.panels[id]?.render();
    dirty.clear();
    if (chartsStale) drawCharts(); // last: its cost is measured from here to the end of the frame
    state.renders++;
  });
}

function drawCharts() {
  const wait = chartsBudget.wait(performance.now());
  if (wait > 0) {
    chartsTimer ||= setTimeout(() => {
      chartsTimer = 0;
      requestFrame();
    }, wait);
    return;
  }
  chartsStale = false;
  const start = performance.now();
  updateCharts(state.charts, state.runs);
  // uPlot draws in a microtask queued by setData: this one runs after those, and the budget counts on to the end of the
  // frame, when the canvases are drawn (hundreds of runs: ten times the script's time)
  queueMicrotask(() => chartsBudget.drawn(start));
}

/** Seconds between asks for a stream the server refused (503: its streams' share is taken, connections.ts). */
const REFUSED_RETRY_S = 10;
/** Seconds before the first ask for a stream lost (the server stopped or restarted), doubled at each that fails, up to
 * the most: an EventSource asked again each second by itself, and a browser logs each refused ask as a console
 * error, 3,600 an hour for a page left open on a dashboard stopped. A restart is still found within the most. */
const LOST_RETRY_S = { first: 1, most: 30 };
let lostRetries = 0;
/** How often the server sends a stream its heartbeat (its hello says; 15 s, its default, until then). A stream that
 * brings nothing, not even a heartbeat, for HEARTBEATS_MISSED of them is taken for lost: a connection that died without
 * a word (a network dropped, a laptop put to sleep: no FIN, no RST) left the EventSource open, the page saying "live"
 * over charts that no longer moved, for as long as the browser kept the socket. */
let heartbeatMs = 15_000;
const HEARTBEATS_MISSED = 3;

/** Says the stream is lost and asks for it again, ever less often. */
function retryLost() {
  // the same words at each ask: the status is a live region, which a screen reader says again at each change
  setConnection('lost', `connection lost — retrying, every ${LOST_RETRY_S.first} to ${LOST_RETRY_S.most} s`);
  setTimeout(connect, Math.min(LOST_RETRY_S.first * 2 ** lostRetries++, LOST_RETRY_S.most) * 1000);
}

function connect() {
  // a large event comes in parts (sse.ts), each heard as life: a long run's rows on a slow link took longer than the
  // 3 heartbeats the page waits (a heartbeat waits behind them), and were asked for again, for ever
  const events = new EventSource('/events?parts=1');
  // when the stream last brought anything (opened, an event, a heartbeat): checked by the clock, not by a timer put off
  // at each event, which a background tab's throttled timers would fire late and out of turn
  let heard = performance.now();
  let watch = 0;
  const check = () => {
    if (performance.now() - heard <= HEARTBEATS_MISSED * heartbeatMs) {
      watch = setTimeout(check, heartbeatMs);
      return;
    }
    events.close();
    retryLost();
  };
  watch = setTimeout(check, heartbeatMs);
  // the data of the parts heard so far of the event coming in parts: joined to the data of the event itself
  let parts = [];
  events.addEventListener('part', (e) => {
    heard = performance.now();
    parts.push(e.data);
  });
  const on = (type, listener) => events.addEventListener(type, (e) => {
    heard = performance.now();
    const data = parts.length === 0 ? e.data : parts.join('') + e.data;
    parts = [];
    listener({ data });
  });
  on('open', () => {
    lostRetries = 0;
    setConnection('live', 'live');
  });
  events.addEventListener('error', () => {
    clearTimeout(watch);
    // an answer other than 200 (the server's 503 when its streams' share is taken) closes the EventSource for good;
    // a lost connection it would ask again for itself, each second: this page asks again instead, ever less often
    const refused = events.readyState === EventSource.CLOSED;
    events.close();
    if (refused) {
      setConnection('paused', `live updates paused: too many open dashboards or connections — retrying every ${REFUSED_RETRY_S} s`);
      setTimeout(connect, REFUSED_RETRY_S * 1000);
      return;
    }
    retryLost();
  });
  on('ping', () => {});
  on('hello', (e) => {
    const hello = JSON.parse(e.data);
    // a dashboard that does not say it (one from before the heartbeat was an event: a page kept open across a
    // downgrade) sends a comment no page hears: its quiet stream is no sign of a lost one, and is not watched
    if (!(Number.isFinite(hello.heartbeatMs) && hello.heartbeatMs > 0)) clearTimeout(watch);
    else if (hello.heartbeatMs !== heartbeatMs) {
      heartbeatMs = hello.heartbeatMs;
      clearTimeout(watch); // checked at the server's pace from now on, not at the one assumed until it said
      watch = setTimeout(check, heartbeatMs);
    }
    init(hello.runs);
  });
  on('runs', (e) => addRuns(JSON.parse(e.data).runs));
  on('metrics', (e) => {
    const d = JSON.parse(e.data);
    const run = state.runs[d.run];
    if (!run) return;
    run.rows = d.reset ? d.rows : run.rows.concat(d.rows); // a long run's rows come thinned, anew after each thinning
    run.rowsRead = d.rowsRead;
    run.trainRowsRead = d.trainRowsRead;
    // counted over every row the run wrote: the rows above may be thinned (the notes said the held rows' counts, short)
    run.otherRowsRead = d.otherRowsRead ?? 0;
    run.valSets = d.valSets ?? NO_SETS;
    run.exists = d.exists;
    run.partial = d.partial;
    run.reading = d.reading; // a large metrics.jsonl still being read: its rows come whole once it is
    run.skippedBytes = d.skippedBytes ?? 0;
    run.malformed = d.malformed;
    scheduleRender(run);
  });
  on('files', (e) => {
    const d = JSON.parse(e.data);
    const run = state.runs[d.run];
    if (!run) return;
    run.dirExists = d.dirExists;
    run.refused = d.refused;
    run.locked = d.locked;
    run.lockNote = d.lockNote ?? null;
    run.config = d.config;
    run.report = d.report;
    run.best = d.best ?? null;
    scheduleRender(run);
  });
}
connect();

// The charts' width follows their container's, which a window resize changes but so does a scrollbar appearing or
// going as the page grows or shrinks (no resize event then: the charts overflowed their cards by its width).
let resizeTimer = 0;
let chartsWidth = 0;
new ResizeObserver(([entry]) => {
  const width = entry.contentRect.width;
  if (width === chartsWidth) return; // taller or shorter only (a chart shown, its legend wrapping): nothing to fit
  chartsWidth = width;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => state.charts && resizeCharts(state.charts), 100);
}).observe(document.getElementById('charts'));
// the canvases keep the colours they were drawn in: a switch of the system's light or dark theme redraws them
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => state.charts && redrawCharts(state.charts));
