// Watches one run directory by polling: metrics.jsonl through a MetricsTail, config.yaml and report.json
// whenever their size, mtime or inode change, whether the directory itself is still there (a deleted run is
// said to be gone, not to wait for its first step) and whether a train holds its lock (else it is not in progress; a lock of
// another host or container whose heartbeat has stopped is not in progress either). Produces the events the page consumes. Every
// file is read through the check the static serving uses (openInside): only a regular file inside the
// run dir; a symlink out of it, a FIFO or a folder is absent, so an event never carries outside bytes (the
// event names it as refused, so the page does not say it is still to come).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BEST_EVALUATION, RUN_LAYOUT, runPath } from '../run/layout.ts';
import { staleAfterMs } from '../train/lock-heartbeat.ts';
import { inspectLock } from '../train/lock-owner.ts';
import { swapInProgress } from '../util/folder-swap.ts';
import { warn } from '../util/log.ts';
import { MAX_JSON_DEPTH, bracketsNestDeeperThan } from '../util/json-depth.ts';
import { MAX_DEPTH, tooDeep } from '../util/yaml-plain.ts';
import { escapeDirectionControls } from './direction-controls.ts';
import { MetricsTail, type Malformed, type MetricRow } from './metrics-tail.ts';
import { MAX_INLINE_BYTES, PARSE_INLINE_BYTES, parseReport, reportParser, type ReportPayload } from './report-parse.ts';
import type { SetCounts } from './assets/val-sets.js';
import { isRealFolder, openInside, openResolved, resolveInside, type OpenedFile } from './safe-path.ts';

export interface RunInfo {
  id: number;
  name: string;
  /** The directory as it was given. */
  path: string;
}

export interface MetricsEvent {
  run: number;
  reset: boolean;
  /** The rows held (a long run's thinned: series-cap.ts), all of them when `reset`, else the new ones. */
  rows: MetricRow[];
  /** Rows, and train rows (the steps logged), read from the file: more than the rows held once thinned. */
  rowsRead: number;
  trainRowsRead: number;
  /** Of every row read (the rows sent may be thinned): rows of a split the charts do not draw, and the val rows' stretches
   * and sets (assets/val-sets.js). */
  otherRowsRead: number;
  valSets: SetCounts;
  exists: boolean;
  partial: boolean;
  /** While a large metrics.jsonl is still being read (a slice per poll): how far; `rows` are then those read so far (a
   * snapshot) or none (an update), and the update that finishes the read sends them all (reset). Null once read. */
  reading: { bytesRead: number; bytes: number } | null;
  /** Bytes at the start of a metrics.jsonl too large to read whole that were not read (metrics-tail.ts); 0 otherwise. */
  skippedBytes: number;
  malformed: { count: number; samples: Malformed[] };
}

export interface ConfigPayload {
  text: string;
  /** What the page uses from the config: the task and the class names. */
  task?: string;
  labels?: string[];
  error?: string;
}

export type { ReportPayload } from './report-parse.ts';

export interface FilesEvent {
  run: number;
  /** Whether the run directory itself is there (false: deleted, moved or swapped for a symlink since the dashboard started). */
  dirExists: boolean;
  /** Whether a train holds the run's lock file (RUN_LAYOUT.lock): it is running, or was killed without releasing it. */
  locked: boolean;
  /** What the page says of the lock instead of "in progress" / "not training": for a lock of another host or container, when
   * its heartbeat stopped (locked false), or when it has none to judge by (locked true); null otherwise. */
  lockNote: string | null;
  /** Run files that are there but not read, being no regular file inside the run (a symlink out of it, a FIFO, a folder). */
  refused: string[];
  config: ConfigPayload | null;
  report: ReportPayload | null;
  /** best/: whether it is there, whether it ever was, and the val evaluation its weights had (best/evaluation.json; null when it has none to read). */
  best: BestPayload;
}

export interface BestPayload {
  folder: boolean;
  /** Whether a poll of this watcher has found best/ since metrics.jsonl last started over: one not there now is gone only if
   * so (a run may never have had one, and a run --overwrite replaced had the one seen). */
  seen: boolean;
  evaluation: { step: number; loss: number } | null;
}

export type DashboardEvent = { type: 'metrics'; data: MetricsEvent } | { type: 'files'; data: FilesEvent };

/** Larger report.json files are not read: a classifier of 500 labels writes 12 MB (four matrices of 250,000 counts,
 * one a line), parsed in ~0.1-1 s once per change (on a thread of its own: report-parse.ts) and sent as a few kB
 * (confusion.ts); 64 MiB held the parse for seconds. The page links to a larger one. */
const MAX_REPORT_BYTES = 16 << 20;
/** The most bytes of each run file read besides metrics.jsonl (a larger config.yaml is not inlined in events either). */
const MAX_BYTES = { config: MAX_INLINE_BYTES, report: MAX_REPORT_BYTES };

export class RunWatcher {
  private readonly tail: MetricsTail;
  private config: ConfigPayload | null = null;
  private report: ReportPayload | null = null;
  private readonly signatures = { config: '', report: '' };
  /** The report being parsed on reportParser's thread (null: none), its stop, and whether one parsed there awaits the next poll. */
  private reportParse: { job: number; done: Promise<void>; stop: AbortController } | null = null;
  private reportJobs = 0;
  private reportArrived = false;
  /** Whether the run folder is there, and whether a train holds its lock, as the last poll found. */
  private folder: { exists: boolean; locked: boolean; lockNote: string | null } = { exists: true, locked: false, lockNote: null };
  /** The heartbeat of a lock of another host or container: its last stamp, and when (by `clock`) this watcher saw it change. */
  private beat = { stamp: '', since: 0 };
  private refused: string[] = [];
  private best: BestPayload = { folder: false, seen: false, evaluation: null };
  /** The tail's startsOver as the last poll found it: a change resets best/'s `seen`. */
  private metricsStarts = 0;
  /** The run files found too large to read, each said once in the log until it no longer is. */
  private readonly tooLarge = new Set<string>();
  /** Each run file's real path when it is a regular file inside the run (resolveInside), as the last poll took it. */
  private resolved = new Map<string, string | null>();

  /** `dir`: the run folder's real path, as the dashboard took it when it started (resolveInside); `clock`: ms, monotonic. */
  constructor(readonly info: RunInfo, readonly dir: string, private readonly clock: () => number = () => performance.now()) {
    this.tail = new MetricsTail(runPath(dir, 'metrics'), dir);
  }

  get dirExists(): boolean {
    return this.folder.exists;
  }

  get locked(): boolean {
    return this.folder.locked;
  }

  /** Whether a report.json parsed on reportParser's thread awaits the next poll, which sends it. */
  get reportReady(): boolean {
    return this.reportArrived;
  }

  /** Bytes of metrics.jsonl read so far. */
  get metricsBytesRead(): number {
    return this.tail.bytesRead;
  }

  /** Whether metrics.jsonl has bytes left to read that the last poll had no budget for. */
  get behind(): boolean {
    return this.tail.reading !== null;
  }

  /** Polls the run's files, reading at most `maxBytes` of metrics.jsonl; returns the events for what changed. */
  poll(maxBytes = Infinity): DashboardEvent[] {
    const events: DashboardEvent[] = [];
    let filesChanged = this.pollFiles();
    const update = this.tail.poll(maxBytes, this.resolved.get(RUN_LAYOUT.metrics) ?? null); // its real path, taken by pollFiles
    if (this.tail.startsOver !== this.metricsStarts) {
      // metrics.jsonl gone or started over (train --overwrite empties the folder): a best/ seen was the run before's, and
      // one not there now is not gone from this run (it was said to be, of a new run that had written none yet)
      this.metricsStarts = this.tail.startsOver;
      if (this.best.seen !== this.best.folder) {
        this.best = { ...this.best, seen: this.best.folder };
        filesChanged = true;
      }
    }
    if (filesChanged) events.push({ type: 'files', data: this.filesEvent() }); // first, as in snapshot()
    if (update) events.push({ type: 'metrics', data: this.metricsEvent(update.reset, update.rows) });
    return events;
  }

  /** Everything known now, as a new page needs it: the files first, so that the first rows drawn are never
   * labelled "not training" for want of the lock state. */
  snapshot(): DashboardEvent[] {
    return [
      { type: 'files', data: this.filesEvent() },
      { type: 'metrics', data: this.metricsEvent(true, this.tail.rows) },
    ];
  }

  private metricsEvent(reset: boolean, rows: MetricRow[]): MetricsEvent {
    const t = this.tail;
    return {
      run: this.info.id,
      reset,
      rows,
      rowsRead: t.rowsRead,
      trainRowsRead: t.trainRowsRead,
      otherRowsRead: t.otherRowsRead,
      valSets: t.valSets.toJSON(),
      exists: t.exists,
      partial: t.partial,
      reading: t.reading,
      skippedBytes: t.skippedBytes,
      malformed: { count: t.malformedCount, samples: t.malformedSamples },
    };
  }

  private filesEvent(): FilesEvent {
    return {
      run: this.info.id, dirExists: this.dirExists, locked: this.locked, lockNote: this.folder.lockNote, refused: this.refused, config: this.config, report: this.report,
      best: this.best,
    };
  }

  private pollFiles(): boolean {
    const dirExists = isRealFolder(this.dir); // not when swapped for a symlink: resolveInside reads nothing through it
    // a folder gone holds no file refused (one swapped for a symlink would list the files it points to)
    // each file's real path, taken once a poll (a walk of the whole path): whether it is refused, and then what is read
    this.resolved = new Map(READ_FILES.map((name) => [name, dirExists ? resolveInside(this.dir, [name], true) : null]));
    const refused = dirExists ? READ_FILES.filter((name) => this.resolved.get(name) === null && entryExists(path.join(this.dir, name))) : [];
    // a lock left by a killed train is no run in progress; a folder gone (or a file put in its place, where looking
    // inside it throws ENOTDIR at every poll) holds none
    const { locked, lockNote } = dirExists ? this.lockState() : { locked: false, lockNote: null };
    let changed = dirExists !== this.dirExists || locked !== this.locked || lockNote !== this.folder.lockNote || refused.join('/') !== this.refused.join('/');
    this.folder = { exists: dirExists, locked, lockNote };
    this.refused = refused;
    const found = dirExists ? this.readBest() : { folder: false, evaluation: null };
    const best: BestPayload = { folder: found.folder, seen: this.best.seen || found.folder, evaluation: found.evaluation };
    if (JSON.stringify(best) !== JSON.stringify(this.best)) changed = true;
    this.best = best;
    const config = this.readIfChanged(RUN_LAYOUT.config, 'config');
    if (config !== undefined) {
      this.config = config === null ? null : parseConfig(config.bytes?.toString('utf8') ?? '', config.error);
      changed = true;
    }
    // a report too large to parse inline is not read now but when its parse starts: the reports of many runs queued for
    // the thread hold no bytes meanwhile (loadReport)
    const report = this.readIfChanged(RUN_LAYOUT.report, 'report', PARSE_INLINE_BYTES);
    if (report !== undefined) {
      // a parse still running for an older text is stopped (a report rewritten at every poll queued one parse of up to
      // 16 MiB a poll, each held until parsed, behind one that may take 30 s), and not shown if it ends
      this.stopReportParse();
      const job = this.reportJobs;
      if (report !== null && report.bytes === null) {
        // the last report shown stays until this one is parsed (the next poll after sends it); its bytes are handed
        // over, not copied, and decoded there too
        const stop = new AbortController();
        const done = reportParser.parse(() => this.loadReport(), stop.signal).then((parsed) => {
          if (job !== this.reportJobs) return;
          this.report = parsed;
          this.reportArrived = true;
          this.reportParse = null;
        });
        this.reportParse = { job, done, stop };
        if (this.report?.json === undefined) {
          // none shown: the run is said to be finished, its report still to come (not "report.json was not written")
          this.report = { error: `report.json (${(report.size / 2 ** 20).toFixed(1)} MiB) is being read; it is shown once read` };
          changed = true;
        }
      } else {
        this.report = report === null ? null : report.error !== undefined ? { error: report.error } : parseReport(report.bytes!.toString('utf8'));
        changed = true;
      }
    }
    if (this.reportArrived) {
      this.reportArrived = false;
      changed = true;
    }
    return changed;
  }

  /** best/ and the evaluation its evaluation.json records, read as every run file is (a regular file inside the run, a few bytes). */
  private readBest(): Omit<BestPayload, 'seen'> {
    const folder = entryExists(path.join(this.dir, RUN_LAYOUT.best));
    // train replaces best/ by two renames (folder-swap.ts: best/ aside, then the new one in): a poll between them finds
    // no best/ but the aside copy, and keeps what it said rather than "best/ is gone" for one poll
    if (!folder && this.best.folder && this.swappingBest()) return this.best;
    const opened = folder ? openInside(this.dir, [RUN_LAYOUT.best, BEST_EVALUATION], true) : null;
    if (opened === null) return { folder, evaluation: null };
    const read = this.readOpened(opened, BEST_EVALUATION, 4096);
    if (!('bytes' in read)) return { folder, evaluation: null };
    try {
      const e = JSON.parse(read.bytes.toString('utf8')) as { step?: unknown; loss?: unknown };
      return { folder, evaluation: typeof e.step === 'number' && typeof e.loss === 'number' ? { step: e.step, loss: e.loss } : null };
    } catch {
      return { folder, evaluation: null }; // being written, or not train's: the page takes the lowest val loss for it
    }
  }

  /**
   * Whether best/'s moved-aside copy of a replacement in progress (`.old-best-PID`, leftover-names.ts) is in the run
   * folder: one of a process that runs (one a dead process kept, holding files of the user's, is no swap).
   */
  private swappingBest(): boolean {
    return swapInProgress(this.dir, RUN_LAYOUT.best);
  }

  /** Stops the parse of report.json on reportParser's thread, if one runs: its result is not shown. */
  private stopReportParse(): void {
    this.reportJobs++;
    this.reportParse?.stop.abort();
    this.reportParse = null;
  }

  /** Stops what runs for this watcher beyond a poll (a report.json being parsed on its thread): the dashboard closed. */
  close(): void {
    this.stopReportParse();
  }

  /** Resolves once the report.json being parsed on reportParser's thread (if any) is, and the next poll sends it. */
  async reportParsed(): Promise<void> {
    while (this.reportParse !== null) await this.reportParse.done;
  }

  /**
   * Whether a train holds the run's lock. One of another host or container cannot have its pid checked: it is held while its
   * heartbeat changes, judged by this watcher's own clock between the changes it sees (never by comparing the lock's mtime
   * with this machine's clock, which may be skewed against a shared file system's), and no longer once it has not for
   * staleAfterMs (the bound a train takes it over after).
   */
  private lockState(): { locked: boolean; lockNote: string | null } {
    const view = inspectLock(runPath(this.dir, 'lock'));
    if (view.state !== 'elsewhere') return { locked: view.state === 'held', lockNote: null };
    const now = this.clock();
    if (view.stamp !== this.beat.stamp) this.beat = { stamp: view.stamp, since: now };
    // the owner's host and start as the lock file says them: a direction control there reversed the note's words after it
    const who = `${escapeDirectionControls(view.owner)}, ${view.where}, holds the run's lock`;
    if (view.beat === null) return { locked: true, lockNote: `in progress, or stopped: ${who}, without a heartbeat (an older version), so it cannot be checked from here` };
    const bound = staleAfterMs(view.beat);
    if (now - this.beat.since <= bound) return { locked: true, lockNote: null };
    return { locked: false, lockNote: `not training: ${who}, but its heartbeat has not changed for over ${bound / 1000} s (stopped, or cut off from this folder)` };
  }

  /**
   * undefined: unchanged; null: absent; else its bytes (or why it was not read). A file of more than `deferOver` bytes is
   * not read now: its `bytes` are null and `size` says how large it is.
   */
  private readIfChanged(name: string, key: 'config' | 'report', deferOver = Infinity): { size: number; bytes: Buffer | null; error?: string } | null | undefined {
    const opened = openResolved(this.resolved.get(name) ?? null, this.dir);
    if (opened === null) {
      this.tooLarge.delete(name);
      if (this.signatures[key] === 'absent') return undefined;
      this.signatures[key] = 'absent';
      return null;
    }
    const st = opened.stat;
    const sig = `${opened.ino}:${st.size}:${st.mtimeMs}`;
    const deferred = st.size > deferOver && st.size <= MAX_BYTES[key];
    if (sig === this.signatures[key] || deferred) {
      fs.closeSync(opened.fd);
      if (sig === this.signatures[key]) return undefined;
      this.signatures[key] = sig;
      return { size: st.size, bytes: null };
    }
    this.signatures[key] = sig;
    const read = this.readOpened(opened, name, MAX_BYTES[key]);
    if ('bytes' in read) return { size: st.size, bytes: read.bytes };
    if (!read.tooLarge) this.signatures[key] = ''; // a read error: tried again at the next poll
    return { size: st.size, bytes: Buffer.alloc(0), error: read.error };
  }

  /** report.json's bytes as its parse starts (queued until then, holding none), or why there are none: gone, or grown
   * past its bound since the poll that queued it (the next poll finds it changed, and says so too). */
  private loadReport(): Buffer | ReportPayload {
    const name = RUN_LAYOUT.report;
    const opened = openInside(this.dir, [name]);
    const read = opened === null ? { error: `${name} was gone, or no longer a file inside the run, when its turn to be read came`, tooLarge: false }
      : this.readOpened(opened, name, MAX_BYTES.report);
    if ('bytes' in read) return read.bytes;
    // read again at the next poll unless too large: a file moved away only while its turn came, back unchanged since, kept
    // this error for as long as it stayed unchanged
    if (!read.tooLarge) this.signatures.report = '';
    return { error: read.error };
  }

  /**
   * The bytes of the run file `name` opened as `opened` (its descriptor closed here), at most `limit` of them: as many as
   * its size when opened, never what it grew to meanwhile (readFileSync reads up to the size it finds as it starts, so a
   * report appended past its bound in between was read whole), or why they are not read, said in the log too when the
   * file is too large (once, until it is no longer).
   */
  private readOpened(opened: OpenedFile, name: string, limit: number): { bytes: Buffer } | { error: string; tooLarge: boolean } {
    const { fd, stat } = opened;
    try {
      if (stat.size > limit) {
        // in bytes when a tenth of a MiB would not tell it from the bound (16.0 MiB, over the 16 MiB shown)
        const size = stat.size - limit < 0.05 * 2 ** 20 ? `${stat.size.toLocaleString('en')} bytes` : `${(stat.size / 2 ** 20).toFixed(1)} MiB`;
        if (!this.tooLarge.has(name)) {
          this.tooLarge.add(name);
          warn(`dashboard: ${path.join(this.info.path, name)} is ${size}, over the ${limit / 2 ** 20} MiB the page shows; the page links to it raw`);
        }
        return { error: `${name} is ${size}, too large to show here; open it raw`, tooLarge: true };
      }
      this.tooLarge.delete(name);
      // memory of its own (not node's pool), so that the report's bytes are moved to its thread, not copied
      const bytes = Buffer.allocUnsafeSlow(stat.size);
      let n = 0;
      for (let got = 1; n < bytes.length && got > 0; n += got) got = fs.readSync(fd, bytes, n, bytes.length - n, n);
      return { bytes: n < bytes.length ? bytes.subarray(0, n) : bytes }; // cut short meanwhile: what is there
    } catch (e) {
      return { error: `cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, tooLarge: false };
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** The run files the watcher reads. */
const READ_FILES = [RUN_LAYOUT.metrics, RUN_LAYOUT.config, RUN_LAYOUT.report];

/** Whether `p` names an entry of any kind (a dangling symlink too). */
function entryExists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** A larger config.yaml is shown as text but not parsed for its task and labels: the yaml parser, on the server's event
 * loop, takes ~0.5-1 s for 128 KiB of hostile shapes (anchors, flow collections, a long list), and took minutes for
 * 2 MiB of distinct keys (with uniqueKeys, each key compared with every one before). A config of 8,000 labels fits. */
const MAX_CONFIG_PARSE_BYTES = 128 << 10;

function parseConfig(text: string, readError?: string): ConfigPayload {
  if (readError) return { text, error: readError };
  if (bracketsNestDeeperThan(text, MAX_JSON_DEPTH)) {
    return { text, error: `${RUN_LAYOUT.config} nests more than ${MAX_JSON_DEPTH} brackets deep, too deep to read here; open it raw` };
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_CONFIG_PARSE_BYTES) {
    return { text, error: `${RUN_LAYOUT.config} is ${Math.ceil(bytes / 1024)} KiB, too large to read its task and labels here (over ${MAX_CONFIG_PARSE_BYTES >> 10} KiB); shown as text` };
  }
  // block lists and mappings (`- - - x`, a few KiB) overflow the yaml parser's stack as brackets do; and a second parse of
  // such a text, after the first one's overflow was caught, crashed node (FATAL ERROR: RegExpCompiler Allocation failed):
  // two such runs, or one config.yaml rewritten, killed the dashboard. Found by the parser's token tree (no recursion).
  if (tooDeep(text) !== null) {
    return { text, error: `${RUN_LAYOUT.config} nests lists or mappings more than ${MAX_DEPTH} deep, too deep to read here; open it raw` };
  }
  try {
    // logLevel 'error': a run file's odd tag is no warning on the dashboard's stderr (train --dashboard's terminal);
    // uniqueKeys off: its check compares each key with every one before (16,000 keys: 2.4 s, not 0.3 s), and the page
    // needs two keys, not the file's validity
    const doc: unknown = parseYaml(text, { logLevel: 'error', uniqueKeys: false });
    const out: ConfigPayload = { text };
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const d = doc as Record<string, unknown>;
      if (typeof d.task === 'string') out.task = d.task;
      if (Array.isArray(d.labels) && d.labels.every((l) => typeof l === 'string')) out.labels = d.labels as string[];
    }
    return out;
  } catch (e) {
    // the parser's message quotes the text (a YAML version, an alias's name): its direction controls written out, or an
    // override reversed the words after it (" at line 1, column 7:")
    return { text, error: `${RUN_LAYOUT.config}: ${escapeDirectionControls((e as Error).message.split('\n')[0]!)}` };
  }
}
