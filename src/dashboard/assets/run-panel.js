// One panel per run: its state (steps logged, latest and best losses, malformed lines), test metrics,
// confusion matrix (classification), generation samples before/after, and the resolved config.
import { bestValText } from './best-val.js';
import { clip, fmt, h, isolate } from './dom.js';
import { MAX_DRAWN_STRETCHES } from './val-sets.js';
import { sameJson } from './same-json.js';

export class RunPanel {
  constructor(run, container) {
    this.run = run;
    // named by its run: a screen reader's list of articles (and of links, below) tells the runs apart
    this.el = h('article', { class: 'run', 'data-run': run.id, 'aria-label': `run ${run.name}` });
    this.el.style.borderTopColor = run.color;
    const swatch = h('span', { class: 'swatch' });
    swatch.style.background = run.color;
    this.links = h('div', { class: 'links' });
    this.status = h('div', { class: 'status' });
    this.warnings = h('div');
    this.report = h('div');
    this.configPre = h('pre', { class: 'config' });
    this.configNote = h('div');
    this.configBox = h('details', { class: 'config-box' }, h('summary', {}, 'config.yaml (resolved)'), this.configNote, this.configPre);
    this.el.append(h('h2', {}, swatch, run.name, h('span', { class: 'path' }, run.path)), this.links, this.status, this.warnings, this.report, this.configBox);
    container.append(this.el);
  }

  /** Redraws the panel from the run's state; app.js calls it only when an event changed this run. */
  render() {
    const r = this.run;
    // made anew only when a file comes or goes: replaced at every row a live run logged, a link reached with Tab lost its
    // focus (to the page's body) within a poll, before Enter could open it
    const files = ['metrics.jsonl', 'config.yaml', 'report.json'].filter((f) => (f === 'metrics.jsonl' ? r.exists : f === 'config.yaml' ? r.config : r.report));
    if (files.join('/') !== this.linksShown) {
      this.links.replaceChildren(...files.map((f) => fileLink(r, f, { 'aria-label': `${f} of ${r.name}` })));
      this.linksShown = files.join('/');
    }
    this.status.replaceChildren(statusLine(r));
    this.warnings.replaceChildren(...warnings(r));
    // the report's tables (a confusion matrix of hundreds of classes) are rebuilt only when what they show changed,
    // not on every row another run logs; compared by content: each files event (a lock taken, best/ replaced) carries
    // the same report and config as new objects, and a resumed run's tables were rebuilt at each evaluation, the
    // keyboard's focus and the scroll inside them lost
    const testRow = r.rows.findLast((x) => x.split === 'test') ?? null;
    const shown = [r.report, testRow, r.config];
    if (!this.reportShown || shown.some((v, i) => !sameJson(v, this.reportShown[i]))) {
      this.report.replaceChildren(...reportSections(r, testRow));
      this.reportShown = shown;
    }
    this.configBox.hidden = !r.config;
    if (r.config) {
      this.configNote.replaceChildren(r.config.error ? h('div', { class: 'warning' }, r.config.error) : '');
      if (this.configPre.textContent !== r.config.text) this.configPre.textContent = r.config.text;
    }
  }
}

const FINISHED = 'finished (report.json written)';

/**
 * Whether a train holds the run, as the server judges its lock: a note on another host's or container's lock (whether its
 * heartbeat goes on), null while one holds it, else that none does.
 */
function notHeld(r) {
  return r.lockNote ? r.lockNote : r.locked ? null : 'not training: no train holds the run and report.json was not written (stopped, or failed)';
}

function statusLine(r) {
  if (!r.dirExists) return h('span', { class: 'warning' }, `the run folder ${isolate(r.path)} is gone (deleted or moved) — waiting for it to come back`);
  if (!r.exists && !r.refused.includes('metrics.jsonl')) {
    // its first step comes only while a train holds the run (loading the model, preparing the data): a train that failed
    // before it left the folder waiting for ever
    const state = r.report ? FINISHED : notHeld(r);
    return h('span', {}, state === null ? 'no metrics.jsonl yet — waiting for the first step' : `no metrics.jsonl yet · ${state}`);
  }
  if (!r.exists) return h('span', {}, 'metrics.jsonl not read (see below)');
  const train = r.rows.filter((x) => x.split === undefined);
  const val = r.rows.filter((x) => x.split === 'val' && typeof x.loss === 'number');
  const last = train[train.length - 1];
  const lastVal = val[val.length - 1];
  const steps = r.trainRowsRead;
  const parts = [`${steps} step${steps === 1 ? '' : 's'} logged`];
  // a metrics.jsonl too large to read whole: the steps above, the rows and the line numbers count from where its read began
  if (r.skippedBytes > 0) parts.push(`metrics.jsonl is too large to read whole: its first ${(r.skippedBytes / 2 ** 30).toFixed(1)} GiB not read, only the rows after them`);
  if (last) parts.push(`step ${last.step}: ${[`train loss ${fmt(last.loss)}`, `lr ${fmt(last.lr)}`, ...throughput(last)].join(', ')}`);
  if (lastVal) parts.push(`val loss ${fmt(lastVal.loss)} at step ${lastVal.step}`);
  const best = bestValText(val, r.best);
  if (best) parts.push(best);
  // counted over every row the run wrote (the server's), not over the rows held, which a long run's are thinned
  const stretches = r.valSets.stretches;
  if (stretches > MAX_DRAWN_STRETCHES) parts.push(`the val data changed ${stretches - 1} times: val drawn as points, no line joins two sets`);
  const other = r.otherRowsRead;
  if (other > 0) {
    // named from the rows held (a thinning may have dropped every row of a split)
    const splits = [...new Set(r.rows.filter((x) => x.split !== undefined && x.split !== 'val' && x.split !== 'test').map((x) => isolate(JSON.stringify(x.split))))];
    parts.push(`${other} row${other === 1 ? '' : 's'} of split ${splits.slice(0, 3).join(', ')}${splits.length > 3 ? ', …' : ''} not charted (only train, val and test are)`);
  }
  if (r.reading) {
    const mb = (n) => (n / 2 ** 20).toFixed(0);
    parts.push(`reading metrics.jsonl: ${mb(r.reading.bytesRead)} of ${mb(r.reading.bytes)} MB (${Math.floor((100 * r.reading.bytesRead) / r.reading.bytes)}%)…`);
  } else if (r.rows.length < r.rowsRead) parts.push(`charts thinned to ${r.rows.length} of ${r.rowsRead} rows (each stretch's first, last, lowest and highest kept)`);
  // the file's last row, of any split: train's step, or the evaluation after it (evaluateOrStop), marked nonfinite when
  // the run stopped on it; a resume since writes rows after it
  const stop = r.rows.at(-1);
  // written is finished, whether or not the page can show it (too large to inline, not valid JSON: said below)
  parts.push(r.report ? FINISHED : stop && stop.nonfinite === true ? diverged(stop) : notHeld(r) ?? 'in progress');
  return h('span', { 'data-steps': steps }, parts.join(' · '));
}

/** A train row's speed and memory, those it has: tokens/s, MFU (CUDA), MiB allocated (and the peak, CUDA). */
function throughput(row) {
  const num = (k) => typeof row[k] === 'number' && Number.isFinite(row[k]);
  const mib = (k) => `${fmt(Math.round(row[k] / 2 ** 20))} MiB`;
  const out = [];
  if (num('tokens_per_s')) out.push(`${fmt(Math.round(row.tokens_per_s))} tokens/s`);
  if (num('mfu')) out.push(`MFU ${(100 * row.mfu).toFixed(1)}%`);
  if (num('mem_bytes')) out.push(`mem ${mib('mem_bytes')}${num('peak_mem_bytes') ? ` (peak ${mib('peak_mem_bytes')})` : ''}`);
  return out;
}

/**
 * The file's last row when it says the run stopped on a value that is not finite (the value left out): a step's loss or
 * gradient norm (a train row), or the val or test loss of the weights a step's update made (an evaluation row).
 */
function diverged(row) {
  if (row.split !== undefined) return `stopped: the ${isolate(row.split)} loss not finite after step ${row.step} (training diverged)`;
  const what = ['loss', 'grad_norm'].filter((k) => typeof row[k] !== 'number').map((k) => (k === 'loss' ? 'loss' : 'grad norm'));
  return `stopped: ${what.length ? what.join(' and ') : 'a value'} not finite at step ${row.step} (training diverged)`;
}

function warnings(r) {
  const out = [];
  if (r.malformed.count > 0) {
    out.push(h('div', { class: 'warning', 'data-malformed': r.malformed.count },
      `${r.malformed.count} malformed line${r.malformed.count === 1 ? '' : 's'} in metrics.jsonl skipped`,
      h('ul', {}, r.malformed.samples.map((m) => h('li', {}, `line ${m.line}: ${m.reason} — ${m.text}`))),
      r.malformed.count > r.malformed.samples.length ? h('div', {}, `(first ${r.malformed.samples.length} shown)`) : null));
  }
  if (r.refused.length) {
    out.push(h('div', { class: 'warning', 'data-refused': r.refused.join(' ') },
      `not read: ${r.refused.join(', ')} — ${r.refused.length === 1 ? 'it is' : 'each is'} a symlink out of the run folder or not a regular file (a FIFO, a folder); the dashboard reads only regular files inside the run`));
  }
  // a train writing it finishes the line; with none (killed mid-write) it stays cut off, and is not counted
  if (r.partial) {
    out.push(h('div', { class: 'status', 'data-partial': '' }, r.locked || r.lockNote ? 'the last line of metrics.jsonl is still being written'
      : 'the last line of metrics.jsonl is cut off (no train is writing it: stopped while writing it) and not read'));
  }
  if (r.report && r.report.error) out.push(h('div', { class: 'warning' }, r.report.error));
  return out;
}

/** The report's sections: report.json's, else the last test row of metrics.jsonl (`testRow`) until report.json is written. */
function reportSections(r, testRow) {
  const report = r.report && r.report.json && typeof r.report.json === 'object' ? r.report.json : null;
  const out = [];
  const source = report ?? testRow;
  if (!source) return out;
  out.push(h('h3', {}, report ? 'Report (report.json)' : `Test metrics (metrics.jsonl; report.json ${r.report ? 'is not shown, see above' : 'not written yet'})`));
  const scalars = [];
  flattenScalars(source, '', scalars);
  const file = report ? 'report.json' : 'metrics.jsonl';
  if (scalars.length) {
    out.push(h('table', { class: 'metrics' }, scalars.slice(0, SCALARS_SHOWN).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { class: typeof v === 'number' ? 'num' : null }, fmt(v))))));
    if (scalars.length > SCALARS_SHOWN) out.push(shownNote(r, SCALARS_SHOWN, scalars.length, 'values', file));
  }
  const cm = findConfusion(report, 'report.json') ?? findConfusion(testRow, `the step ${testRow && testRow.step} test row:`);
  if (cm) {
    const labels = cm.labels ?? (report && Array.isArray(report.labels) ? report.labels : null) ?? (r.config && r.config.labels) ?? null;
    out.push(h('h3', {}, `Confusion matrix — ${cm.key} (rows: true label, columns: predicted)`));
    if (isExcerpt(cm.matrix)) {
      // the server sends a large matrix cut to the labels with the most errors (src/dashboard/confusion.ts)
      const file = cm.key.startsWith('report.json') ? 'report.json' : 'metrics.jsonl';
      const { labels: shown, size } = cm.matrix;
      out.push(h('div', { class: 'note', 'data-confusion-shown': shown.length },
        `showing ${shown.length} of ${size} labels: those with the most errors (false negatives + false positives); the other ${size - shown.length} are summed in the last row and column. The whole matrix: `,
        fileLink(r, file)));
    }
    out.push(confusionTable(cm.matrix, labels));
  }
  const samples = report && Array.isArray(report.samples) ? report.samples : [];
  if (samples.length) {
    const columns = SAMPLE_COLUMNS.filter(([k]) => k !== 'reference' || samples.some((s) => s && s.reference !== undefined));
    out.push(h('h3', {}, `Generation samples (${samples.length})`),
      h('table', { class: 'samples' },
        h('tr', {}, columns.map(([, title]) => h('th', {}, title))),
        samples.slice(0, SAMPLES_SHOWN).map((s) => h('tr', {}, columns.map(([k]) => h('td', {}, h('div', { class: 'sample' }, text(s && s[k]))))))));
    if (samples.length > SAMPLES_SHOWN) out.push(shownNote(r, SAMPLES_SHOWN, samples.length, 'samples', 'report.json'));
  }
  return out;
}

/**
 * Rows of the report's tables the page lays out: train writes a few dozen values and eval.samples samples (3 by default),
 * but a report.json of 195 KB (100,000 samples, each a 0) made a million elements, the page busy 33 s before it showed
 * them, and one of 1.3 MB (90,000 keys) 450,000 (13 s); the rest are in the file, linked.
 */
const SCALARS_SHOWN = 1000;
const SAMPLES_SHOWN = 100;

/** Says that a table shows the first `shown` of its `total` `what`, and links to the run's `file`, which holds them all. */
function shownNote(r, shown, total, what, file) {
  return h('div', { class: 'note', 'data-shown': `${shown} of ${total}` }, `showing the first ${shown} of ${total} ${what}; all of them: `, fileLink(r, file));
}

/** A link to the run's `file` (served by the dashboard), opened in a tab of its own; `attrs` added to it. */
function fileLink(r, file, attrs = {}) {
  return h('a', { href: `/run/${r.id}/${file}`, target: '_blank', rel: 'noopener', ...attrs }, file);
}

/** A sample's fields as train writes them (src/train/samples.ts), in reading order; `reference` (the expected answer) when present. */
const SAMPLE_COLUMNS = [['prompt', 'prompt'], ['reference', 'reference'], ['before', 'before fine-tuning'], ['after', 'after fine-tuning']];

function text(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function isMatrix(v) {
  return Array.isArray(v) && v.length > 0 && v.every((row) => Array.isArray(row) && row.length === v.length && row.every((x) => typeof x === 'number'));
}

/** A large matrix as the server sends it: {labels: shown indexes, matrix: (shown + 1)², size} (confusion.ts). */
function isExcerpt(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray(v.labels) && Number.isInteger(v.size)
    && isMatrix(v.matrix) && v.matrix.length === v.labels.length + 1 && v.labels.every((l) => Number.isInteger(l));
}

/** Scalars of a report as [dotted.key, value], leaving out samples and matrices (shown on their own). */
function flattenScalars(obj, prefix, out) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (k === 'samples' || isMatrix(v) || isExcerpt(v)) continue;
    if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) out.push([key, v]);
    else if (Array.isArray(v)) out.push([key, v.length <= 20 && v.every((x) => typeof x !== 'object') ? v.map(isolate).join(', ') : `[${v.length} items]`]);
    else if (typeof v === 'object') flattenScalars(v, key, out);
  }
}

/** The first {key matching /confusion/: square number matrix}, searched breadth-first, with sibling labels and where it is
 * (`source` and the dotted key: report.json's test.confusion, not val.last.confusion; the key isolated, being the file's
 * words: an override in it reversed the heading's words after it). */
function findConfusion(obj, source) {
  const queue = obj && typeof obj === 'object' ? [[obj, '']] : [];
  while (queue.length) {
    const [o, at] = queue.shift();
    for (const [k, v] of Object.entries(o)) {
      if (/confusion/i.test(k) && (isMatrix(v) || isExcerpt(v))) return { matrix: v, labels: Array.isArray(o.labels) ? o.labels : null, key: `${source} ${isolate(at + k)}` };
    }
    for (const [k, v] of Object.entries(o)) if (v && typeof v === 'object' && !Array.isArray(v)) queue.push([v, `${at}${k}.`]);
  }
  return null;
}

/** Characters of a label a cell's tooltip repeats (the label itself is whole in its row's and column's heading). */
const TITLE_LABEL_CHARS = 80;

/** The matrix as a table: `cm` a square matrix, or an excerpt whose last row and column sum the labels not shown. */
function confusionTable(cm, labels) {
  const excerpt = isExcerpt(cm);
  const m = excerpt ? cm.matrix : cm;
  const index = (i) => (excerpt ? cm.labels[i] : i);
  const other = (i) => excerpt && i === cm.labels.length;
  const name = (i) => (other(i) ? `other ${cm.size - cm.labels.length} labels` : labels && labels[index(i)] !== undefined ? String(labels[index(i)]) : String(index(i)));
  // a name in a box of a few lines that scrolls: a class name of thousands of characters made its column and row thousands
  // of pixels high (a 2-label matrix 4,000 px)
  const header = (i) => h('th', {}, h('div', { class: 'label' }, name(i)));
  return h('table', { class: 'confusion' },
    h('tr', {}, h('th', {}, 'true \\ predicted'), m.map((_, j) => header(j))),
    m.map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0);
      return h('tr', {}, header(i), row.map((v, j) => {
        // the tooltip names the row's label cut short: whole, a class name of 50,000 characters was copied into each of the
        // row's 41 cells (40 such labels, a report of 1.9 MB: 80 million characters of titles in the page, 150,000 cut)
        const td = h('td', { title: total ? `${((100 * v) / total).toFixed(1)}% of true ${clip(name(i), TITLE_LABEL_CHARS)}` : '' }, String(v));
        const share = total ? v / total : 0;
        // the other labels' corner holds their right and wrong answers together: not shaded. At most 0.6 green and 0.7
        // red: the cell's text keeps 4.5:1 on the light and on the dark card (style.css)
        if (!(other(i) && other(j))) td.style.background = i === j ? `rgba(44, 160, 44, ${0.1 + 0.5 * share})` : `rgba(214, 39, 40, ${share * 0.7})`;
        return td;
      }));
    }));
}
