// report.json as the dashboard sends it (parseReport: parsed, depth-checked, its confusion matrices cut, bounded), and
// the thread that parses a large one (reportParser), so that the server's event loop is never held by it: a
// classifier's 16 MiB report took ~0.6 s there, and hostile shapes of that size (millions of empty objects) 4-26 s,
// with no page or stream answered meanwhile (bench/dashboard-report.ts). The thread parses one report at a time; one that
// takes longer than PARSE_MS, or blows the thread's heap cap, is said to be too large, and the thread replaced. A parse
// no longer wanted (the file rewritten, the dashboard closed) is dropped from the queue, or its thread stopped.
import { Worker } from 'node:worker_threads';
import { threadModule, workerBoot } from '../util/worker-boot.ts';
import { CONFUSION_SHOWN, boundConfusions } from './confusion.ts';
import { escapeDirectionControls } from './direction-controls.ts';
import { MAX_JSON_DEPTH, jsonTooCostly } from '../util/json-depth.ts';

export interface ReportPayload {
  json?: unknown;
  error?: string;
}

/** Larger config files, and reports larger once their confusion matrices are cut, are not inlined in events; the
 * page links to them instead. */
export const MAX_INLINE_BYTES = 2 << 20;

/**
 * At most this many arrays, objects and keys in report.json: train writes ~4 arrays per label (the rows of its confusion
 * matrices) and a few dozen keys, a few thousand in all within the 16 MiB read. JSON.parse, which a thread's terminate
 * cannot stop (the dashboard closed, the file rewritten), spent 3.7 s on 16 MiB of empty objects and 1.3 s on one object
 * of 1.4 million keys; 100,000 of either take under 0.1 s. (16 MiB of numbers, as a report of 1,000 labels may be, ~1 s.)
 */
export const MAX_REPORT_CONTAINERS = 100_000;

/** report.json's text → what the page is sent: the report, or why it is not shown. */
export function parseReport(text: string): ReportPayload {
  const costly = jsonTooCostly(text, MAX_JSON_DEPTH, MAX_REPORT_CONTAINERS);
  if (costly === 'deep') return { error: `report.json nests more than ${MAX_JSON_DEPTH} levels deep, too deep to show here; open it raw` };
  if (costly === 'many') {
    return { error: `report.json holds over ${MAX_REPORT_CONTAINERS.toLocaleString('en')} arrays, objects and keys (train writes a few per label), too many to read here; open it raw` };
  }
  try {
    const json = JSON.parse(text) as unknown;
    boundConfusions(json);
    const bytes = Buffer.byteLength(JSON.stringify(json));
    if (bytes > MAX_INLINE_BYTES) {
      return { error: `report.json is ${(bytes / 2 ** 20).toFixed(1)} MiB even with its confusion matrices cut to ${CONFUSION_SHOWN} labels, too large to show here; open it raw` };
    }
    return { json };
  } catch (e) {
    // train writes report.json whole (a temporary renamed over it), so a reader never sees half of one. JSON.parse's
    // message quotes the text: its direction controls written out, or an override reversed the words after it
    return { error: `report.json is not valid JSON (${escapeDirectionControls((e as Error).message)}): train writes it whole, so it was edited or damaged since` };
  }
}

/** Reports of up to this many bytes are parsed on the caller's thread (~10 ms); a larger one on reportParser's. */
export const PARSE_INLINE_BYTES = 1 << 20;
/** How long the thread may take on one report before it is stopped and the report said to be too large. */
const PARSE_MS = 30_000;
/** The thread's heap cap (MiB): a hostile 16 MiB file of empty objects takes a few hundred. */
const HEAP_MB = 1536;

const BOOT = workerBoot(threadModule('report-thread', import.meta.url), `
    require('node:worker_threads').parentPort.postMessage({ failed: e instanceof Error ? e.message : String(e) });`);

interface Job {
  /** Reads the report when its parse starts (its bytes, or why there are none): a queued report holds no bytes, so 100
   * runs of 12 MB reports waiting for the thread held 1.2 GB when each was read as it was queued. */
  load: () => Buffer | ReportPayload;
  resolve: (report: ReportPayload) => void;
  timer?: NodeJS.Timeout;
  /** Stops listening to the caller's abort signal. */
  unlisten?: () => void;
}

/** What a parse whose signal was aborted resolves to (its caller no longer wants it). */
export const PARSE_STOPPED: ReportPayload = { error: 'report.json: its read was stopped (the file changed, or the dashboard closed)' };

/** Parses reports on a thread of its own, one at a time, in the order asked; the thread is started at the first. */
class ReportParser {
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private current: Job | null = null;
  /** A thread stopped and not yet ended (null: none): terminate waits for the JSON.parse it is in, so the next report
   * waits for it too, and no more than one thread parses at a time (a report rewritten at every poll while parsed,
   * each parse stopped and a new thread started at once, had several parsing together, each with its heap). */
  private ending: Promise<void> | null = null;

  /**
   * What the page is sent of the report whose (UTF-8) bytes `load` gives when its turn comes (handed over to the thread,
   * emptied here), or what `load` gives instead (why it could not be read). Aborting `signal` drops it from the queue, or stops the thread reading it (a hostile report holds one up to
   * PARSE_MS, and keeps the process alive meanwhile); it then resolves to PARSE_STOPPED.
   */
  parse(load: () => Buffer | ReportPayload, signal?: AbortSignal): Promise<ReportPayload> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(PARSE_STOPPED);
      const job: Job = { load, resolve };
      if (signal) {
        const onAbort = (): void => this.stop(job);
        signal.addEventListener('abort', onAbort, { once: true });
        job.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(job);
      this.pump();
    });
  }

  /** Drops `job` from the queue, or, being read, stops its thread (the next job starts a new one). */
  private stop(job: Job): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) {
      this.queue.splice(i, 1);
      job.unlisten?.();
      job.resolve(PARSE_STOPPED);
    } else if (this.current === job && this.worker !== null) {
      this.fail(this.worker, PARSE_STOPPED.error!);
    }
  }

  private pump(): void {
    if (this.current !== null || this.queue.length === 0) {
      if (this.current === null) this.worker?.unref(); // idle: it keeps no process alive
      return;
    }
    if (this.ending !== null) return void this.ending.then(() => this.pump());
    const job = (this.current = this.queue.shift()!);
    const loaded = job.load();
    if (!Buffer.isBuffer(loaded)) return this.finish(job, loaded);
    let w: Worker;
    try {
      w = this.worker ??= this.start();
    } catch (e) { // a thread that cannot be made (out of memory, too many threads): this report's error, not the server's
      this.finish(job, { error: `report.json could not be read here (its thread did not start: ${(e as Error).message})` });
      return;
    }
    w.ref(); // a report being read is waited for, as a timer would be
    job.timer = setTimeout(() => this.fail(w, `report.json took over ${PARSE_MS / 1000} s to read, too long to show here; open it raw`), PARSE_MS);
    job.timer.unref();
    // a Buffer of its own memory (not a slice of node's pool) is moved, not copied; one that shares it is copied
    const own = loaded.byteOffset === 0 && loaded.byteLength === loaded.buffer.byteLength;
    const bytes = own ? loaded : Buffer.from(loaded);
    w.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
  }

  /** A new thread (the tests put a fake in its place). */
  private spawn(): Worker {
    return new Worker(BOOT, { eval: true, resourceLimits: { maxOldGenerationSizeMb: HEAP_MB }, stdout: true, stderr: true });
  }

  private start(): Worker {
    const w = this.spawn();
    w.on('message', (m: { report?: ReportPayload; failed?: string }) => {
      // a thread already replaced (stopped for taking too long, its answer in flight) answers for the report it was
      // reading, which has its error: not for the one being read now, perhaps another run's
      if (this.worker !== w) return;
      if (m.failed !== undefined) this.fail(w, `report.json could not be read here (its thread did not start: ${m.failed})`);
      else if (this.current !== null && m.report !== undefined) this.finish(this.current, m.report);
    });
    // a heap blown to its cap (ERR_WORKER_OUT_OF_MEMORY), or any end of the thread, fails the report it was reading
    w.on('error', (e) => this.fail(w, `report.json is too large to read here (${e.message}); open it raw`));
    w.on('exit', () => this.fail(w, 'report.json could not be read here (its thread ended)'));
    return w;
  }

  /** Ends the thread `w` (if still the one) and the job it was on with `error`; the next job starts a new thread. */
  private fail(w: Worker, error: string): void {
    if (this.worker !== w) return;
    this.worker = null;
    const ending: Promise<void> = w.terminate().catch(() => 0).then(() => {
      if (this.ending === ending) this.ending = null;
    });
    this.ending = ending;
    if (this.current !== null) this.finish(this.current, { error });
  }

  private finish(job: Job, report: ReportPayload): void {
    if (this.current !== job) return;
    clearTimeout(job.timer);
    job.unlisten?.();
    this.current = null;
    job.resolve(report);
    this.pump();
  }
}

export const reportParser = new ReportParser();
