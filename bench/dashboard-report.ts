// bench:dashboard-report — how long the dashboard's server holds its event loop reading a report.json just under the
// 16 MiB it reads (run-watch.ts MAX_REPORT_BYTES): one RunWatcher.poll() over a run folder holding only that file, which
// reads the report and (up to 1 MiB; a larger one on a thread of its own, report-parse.ts) parses, depth-checks, cuts the
// confusion matrices of and measures it, synchronously: the server answers nothing meanwhile. Shapes: a classifier's
// report of four confusion matrices (what train writes, one row a line), and hostile ones of the same size (millions of
// empty objects, of numbers, of keys, of short strings). Prints a table: shape, MiB, median and worst ms of --repeat
// polls (each on a fresh watcher), and the median ms until the report (or why it is not shown) is there to send.
// Usage: node --import tsx bench/dashboard-report.ts [--repeat N] [--only NAME,...]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { RunWatcher } from '../src/dashboard/run-watch.ts';

const LIMIT = 16 << 20;

/** `unit(i)` joined by commas inside `open`…`close`, as many as fit under LIMIT bytes. */
function filled(open: string, close: string, unit: (i: number) => string): string {
  const parts: string[] = [];
  let bytes = open.length + close.length;
  for (let i = 0; ; i++) {
    const u = unit(i);
    if (bytes + u.length + 1 > LIMIT - 64) break;
    parts.push(u);
    bytes += u.length + 1;
  }
  return open + parts.join(',') + close;
}

/** A classifier's report: four confusion matrices of n labels (train's confusion[true][predicted]), one row a line. */
function classifier(): string {
  const rowBytes = (n: number): number => n * 4 + 4; // "12, " a count
  let n = 100;
  while (4 * (n + 1) * rowBytes(n + 1) < LIMIT - 4096) n++;
  let seed = 1;
  const count = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 100;
  };
  const matrix = (): string => '[\n' + Array.from({ length: n }, () => `      [${Array.from({ length: n }, count).join(', ')}]`).join(',\n') + '\n    ]';
  const labels = Array.from({ length: n }, (_, i) => `"label_${i}"`).join(', ');
  const split = (s: string): string => `  "${s}": {\n    "loss": 0.5, "accuracy": 0.9,\n    "confusion": ${matrix()},\n    "confusion_normalized": ${matrix()}\n  }`;
  return `{\n  "task": "classification",\n  "labels": [${labels}],\n${split('val')},\n${split('test')}\n}\n`;
}

const SHAPES: Record<string, () => string> = {
  classifier,
  'empty objects': () => filled('{"x": [', ']}', () => '{}'),
  numbers: () => filled('{"x": [', ']}', (i) => String(i % 10)),
  keys: () => filled('{"x": {', '}}', (i) => `"${i.toString(36)}":0`),
  'short strings': () => filled('{"x": [', ']}', (i) => `"${(i % 1000).toString(36)}"`),
  'small matrices': () => filled('{"x": [', ']}', () => '{"confusion":[[1,2],[3,4]]}'),
};

const { values } = parseArgs({ options: { repeat: { type: 'string', default: '5' }, only: { type: 'string' } } });
const repeat = Number(values.repeat);
const only = values.only?.split(',') ?? Object.keys(SHAPES);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mt-bench-report-'));
try {
  console.log('| shape | MiB | poll: median ms | poll: worst ms | until sent: median ms | result |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const name of only) {
    const make = SHAPES[name];
    if (!make) throw new Error(`unknown shape ${name} (${Object.keys(SHAPES).join(', ')})`);
    const text = make();
    fs.writeFileSync(path.join(dir, 'report.json'), text);
    const times: number[] = [], sent: number[] = [];
    let result = '';
    for (let r = 0; r < repeat; r++) {
      const watcher = new RunWatcher({ id: 0, name: 'bench', path: dir }, fs.realpathSync(dir));
      const t0 = performance.now();
      let events = watcher.poll();
      times.push(performance.now() - t0);
      await watcher.reportParsed();
      events = [...events, ...watcher.poll()];
      sent.push(performance.now() - t0);
      const files = events.findLast((e) => e.type === 'files');
      const report = files?.type === 'files' ? files.data.report : null;
      result = report === null ? 'none' : 'error' in report && report.error ? `error: ${report.error.slice(0, 60)}` : 'shown';
    }
    times.sort((a, b) => a - b);
    sent.sort((a, b) => a - b);
    const median = (xs: number[]): string => xs[Math.floor(xs.length / 2)]!.toFixed(0);
    console.log(`| ${name} | ${(Buffer.byteLength(text) / 2 ** 20).toFixed(1)} | ${median(times)} | ${times[times.length - 1]!.toFixed(0)} | ${median(sent)} | ${result} |`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
