// Follows a growing metrics.jsonl by polling: reads only the bytes added since the last poll, parses
// complete lines (ended by LF, CRLF or a lone CR), skips and counts malformed ones (with line numbers), and starts over from byte 0 when
// the file is truncated, replaced (new inode) or rewritten in place (e.g. a resumed run dropping rows).
// The file is opened only as a regular file inside its run folder (resolveInside, openResolved): a symlink out of the run,
// or a FIFO, is treated as absent. A poll that adds only malformed lines, or changes only whether a
// partial last line is waiting, is still an update (the page shows both). The rows are held in bounded
// memory (series-cap.ts): a long run's train rows are thinned, and a poll after a thinning sends them all anew.
// A poll may be given a byte budget: a large file (500 MB parse for ~20 s) is then read a slice per poll, so the
// server's event loop keeps answering. While such a read is unfinished the rows read so far are held (`rows`) but
// not sent: each poll's update carries no rows, and the poll that reaches the end sends every row held anew.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cleanLine, lfLineEnds, type LineEndState } from '../util/lines.ts';
import { CONFUSION_SHOWN, boundConfusions } from './confusion.ts';
import { escapeDirectionControls } from './direction-controls.ts';
import { MAX_JSON_DEPTH, jsonTooCostly } from '../util/json-depth.ts';
import { openResolved, resolveInside } from './safe-path.ts';
import type { MetricRow } from '../run/metric-row.ts';
import { CappedRows } from '../run/series-cap.ts';
import { SetTally } from './assets/val-sets.js';

/** One row of metrics.jsonl: a train step (no `split`) or an evaluation (`split: "val" | "test"`). */
export type { MetricRow };

export interface Malformed {
  line: number;
  reason: string;
  text: string;
}

export interface TailUpdate {
  /** true: `rows` replace everything seen before (the file started over, or the rows held were thinned); false: `rows` are appended. */
  reset: boolean;
  rows: MetricRow[];
}

/** Keys that, when present, must hold a number or null (null stands for NaN/inf, which JSON lacks); thinning keeps their extremes. */
export const NUMERIC_KEYS = ['loss', 'lr', 'grad_norm', 'tokens_per_s', 'mem_bytes', 'perplexity', 'accuracy', 'macro_f1'];
/** Bytes just before the read offset, re-read on every change to detect an in-place rewrite. */
const ANCHOR_BYTES = 64;
const MAX_SAMPLES = 20;
const SAMPLE_CHARS = 200;
const READ_CHUNK = 4 << 20;
/** A line longer than this is malformed: its bytes are not kept, so a hostile gigabyte without a newline is neither
 * held in memory nor re-joined chunk after chunk (quadratic: minutes). Train's rows are a few hundred bytes, but a
 * classifier's test row carries its confusion matrix, N² counts: 1.3 MB for 800 classes, 16 MiB near 2,800. */
export const MAX_LINE_BYTES = 16 << 20;
/** A larger metrics.jsonl is read only from its last TAIL_READ_BYTES: a sparse 100 GB of zeros (a disk image, a
 * preallocated file) was read for hours. A run's rows are a few hundred bytes: some 250,000 fit in the tail. */
export const MAX_WHOLE_READ_BYTES = 2 ** 30;
export const TAIL_READ_BYTES = 64 << 20;

/** At most this many arrays, objects and keys in a row: train's test row holds a row of its confusion matrix per label
 * (2,800 near MAX_LINE_BYTES). JSON.parse on the server's event loop took 3.7 s for a line of 16 MiB of empty objects. */
export const MAX_ROW_CONTAINERS = 100_000;

/** At most this many characters in a row as held and sent (its confusion matrices cut: confusion.ts): train's rows are a
 * few hundred, a classifier's test row with its matrix cut to 40 labels ~15,000. A thinned series keeps up to ~26 rows
 * of a stretch (series-cap.ts) however large each is: 40 rows of 12 MiB (a padded key) were held and sent whole, 170 MB
 * to every page, past the 4 MiB a series may hold. */
export const MAX_HELD_ROW_CHARS = 64 << 10;

/** Parses one line: the row, or the reason it is malformed. */
export function parseMetricLine(text: string): MetricRow | string {
  // found before the parse, which nothing interrupts (exact for valid JSON, as the depth of the parsed value would be)
  const costly = jsonTooCostly(text, MAX_JSON_DEPTH, MAX_ROW_CONTAINERS);
  if (costly === 'deep') return `nests more than ${MAX_JSON_DEPTH} levels deep`;
  if (costly === 'many') return `holds over ${MAX_ROW_CONTAINERS.toLocaleString('en')} arrays, objects and keys`;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    // JSON.parse's message quotes the line: a direction control in it (a right-to-left override) reversed the page's
    // words after it, so it is written out as JSON escapes it (the line itself is shown after the reason, as it is)
    return `not JSON (${escapeDirectionControls((e as Error).message)})`;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const row = v as Record<string, unknown>;
  if (typeof row.step !== 'number' || !Number.isInteger(row.step) || row.step < 0) {
    return '"step" must be a non-negative integer';
  }
  if ('split' in row && typeof row.split !== 'string') return '"split" must be a string';
  for (const k of NUMERIC_KEYS) {
    if (k in row && row[k] !== null && typeof row[k] !== 'number') return `"${k}" must be a number or null`;
  }
  return row as MetricRow;
}

export class MetricsTail {
  malformedCount = 0;
  /** The first few malformed lines, for display. */
  malformedSamples: Malformed[] = [];
  exists = false;
  /** An unterminated, not yet parseable last line is waiting for the rest of its bytes. */
  partial = false;

  private held = new CappedRows(NUMERIC_KEYS);
  /** The val rows' stretches and sets, of every val row read (held or thinned away). */
  valSets = new SetTally();
  private offset = 0;
  /** The file's size at the last poll: the read is unfinished while offset is below it. */
  private size = 0;
  private ino = -1n;
  private mtimeMs = -1;
  private anchor: Buffer = Buffer.alloc(0);
  /** The bytes of an unfinished line, in the slices they came in (joined once its newline comes: not at every slice). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lineNo = 0;
  /** The last line was taken without its newline; a newline arriving next belongs to it. */
  private tookUnterminated = false;
  /** Inside a line over MAX_LINE_BYTES (already counted): its bytes are dropped up to its newline. */
  private skippingLong = false;
  /** Lines end at LF, CRLF or a lone CR (lfLineEnds): where the chunks read so far left that. */
  private lineEnds: LineEndState = { afterCr: false };
  /** Bytes at the start of a file over MAX_WHOLE_READ_BYTES not read (the rows, and line numbers, count from there). */
  skippedBytes = 0;
  /** How many times the file was found gone or started over (truncated, replaced, rewritten in place): a new run's, maybe. */
  startsOver = 0;

  /** `file` is read only while it is a regular file inside `root` (default: the folder it is in). */
  constructor(readonly file: string, readonly root: string = path.dirname(file)) {}

  /** The rows held, in file order: every row of the file, or for a long run its thinned series (series-cap.ts). */
  get rows(): MetricRow[] {
    return this.held.rows();
  }

  /** Rows read from the file, held or not. */
  get rowsRead(): number {
    return this.held.rowsRead;
  }

  /** Train rows (no split) read from the file, held or not: the steps logged. */
  get trainRowsRead(): number {
    return this.held.trainRowsRead;
  }

  /** Rows of a split other than val and test read from the file, held or not (the charts draw none). */
  get otherRowsRead(): number {
    return this.held.otherRowsRead;
  }

  /** Bytes of the file read so far (0 again when it starts over). */
  get bytesRead(): number {
    return this.offset;
  }

  /** How far an unfinished read of the file got (a large file is read across polls), or null when every byte is read. */
  get reading(): { bytesRead: number; bytes: number } | null {
    return this.offset < this.size ? { bytesRead: this.offset, bytes: this.size } : null;
  }

  /**
   * Reads what changed since the last call, at most `maxBytes` of it; null when nothing did. Never throws on file
   * contents. While the read is unfinished (`reading`) the update has no rows; the poll that finishes it resets.
   * `real`: what resolveInside said of the file, when the caller has just asked it.
   */
  poll(maxBytes = Infinity, real = resolveInside(this.root, [path.relative(this.root, this.file)])): TailUpdate | null {
    const opened = openResolved(real, this.root);
    if (opened === null) return this.vanish();
    const { fd, stat: st, ino } = opened;
    try {
      const unchanged = this.exists && ino === this.ino && st.size === this.offset && st.mtimeMs === this.mtimeMs;
      if (unchanged) return null;
      let reset = false;
      if (!this.exists || ino !== this.ino || st.size < this.offset || !this.anchorHolds(fd)) {
        this.clear();
        this.exists = true;
        this.ino = ino;
        reset = true;
        if (st.size > MAX_WHOLE_READ_BYTES) this.skipTo(st.size - TAIL_READ_BYTES);
      }
      this.mtimeMs = st.mtimeMs;
      const wasReading = this.reading !== null;
      const lineBefore = this.lineNo, thinningsBefore = this.held.thinnings;
      const malformedBefore = this.malformedCount, partialBefore = this.partial;
      this.size = st.size;
      this.readFrom(fd, Math.min(st.size, this.offset + maxBytes));
      if (this.reading !== null) return { reset: false, rows: [] };
      if (wasReading || this.held.thinnings !== thinningsBefore) return { reset: true, rows: this.held.rows() };
      const rows = this.held.rowsAfter(lineBefore);
      if (!reset && rows.length === 0 && this.malformedCount === malformedBefore && this.partial === partialBefore) return null;
      return { reset, rows };
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Starts the read at byte `offset`, the line it cuts dropped up to its newline (uncounted: its start is not read). */
  private skipTo(offset: number): void {
    this.offset = offset;
    this.skippedBytes = offset;
    this.skippingLong = true;
  }

  private vanish(): TailUpdate | null {
    if (!this.exists) return null;
    this.clear();
    return { reset: true, rows: [] };
  }

  private clear(): void {
    if (this.exists) this.startsOver++;
    this.held = new CappedRows(NUMERIC_KEYS);
    this.valSets = new SetTally();
    this.malformedCount = 0;
    this.malformedSamples = [];
    this.exists = false;
    this.partial = false;
    this.offset = 0;
    this.size = 0;
    this.ino = -1n;
    this.mtimeMs = -1;
    this.anchor = Buffer.alloc(0);
    this.setPending(null);
    this.lineNo = 0;
    this.tookUnterminated = false;
    this.skippingLong = false;
    this.lineEnds = { afterCr: false };
    this.skippedBytes = 0;
  }

  private anchorHolds(fd: number): boolean {
    if (this.anchor.length === 0) return true;
    const now = Buffer.alloc(this.anchor.length);
    const n = fs.readSync(fd, now, 0, now.length, this.offset - this.anchor.length);
    return n === now.length && now.equals(this.anchor);
  }

  /** Reads the file up to byte `end`; a last line without its newline is settled only at the end of the file. */
  private readFrom(fd: number, end: number): void {
    const buf = Buffer.alloc(Math.min(READ_CHUNK, Math.max(end - this.offset, 1)));
    while (this.offset < end) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, end - this.offset), this.offset);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      this.offset += n;
      this.anchor = Buffer.from(Buffer.concat([this.anchor, chunk]).subarray(-ANCHOR_BYTES));
      this.consume(lfLineEnds(chunk, this.lineEnds));
    }
    if (this.offset < this.size) this.partial = false; // the bytes after the slice's last newline: not a last line
    else this.settlePending();
  }

  private consume(chunk: Buffer): void {
    if (this.tookUnterminated && chunk.length > 0) { // (nothing pending: settlePending took it)
      this.tookUnterminated = false;
      if (chunk[0] === 0x0a) chunk = chunk.subarray(1);
      else if (chunk[0] === 0x0d && chunk[1] === 0x0a) chunk = chunk.subarray(2);
    }
    // a slice inside a long line is kept as it is: joining what is held at every slice copied up to 16 MiB a slice
    if (!this.skippingLong && chunk.indexOf(0x0a) < 0 && this.pendingBytes + chunk.length <= MAX_LINE_BYTES) {
      if (chunk.length > 0) this.pending.push(Buffer.from(chunk));
      this.pendingBytes += chunk.length;
      return;
    }
    const data = this.pendingBytes > 0 ? Buffer.concat([...this.pending, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      if (this.skippingLong) this.skippingLong = false; // the end of the long line, counted when it began
      else {
        this.lineNo++;
        const line = data.subarray(start, nl);
        // a whole line in one read is held to the limit too, not only one whose first MiB came without its newline
        if (line.length > MAX_LINE_BYTES) this.tooLong(line);
        else this.take(line.toString('utf8'));
      }
      start = nl + 1;
    }
    const rest = data.subarray(start);
    if (this.skippingLong) this.setPending(null);
    else if (rest.length > MAX_LINE_BYTES) {
      this.lineNo++;
      this.tooLong(rest);
      this.setPending(null);
      this.skippingLong = true;
    } else this.setPending(Buffer.from(rest));
  }

  /** The unfinished line's bytes become `bytes` (none: null). */
  private setPending(bytes: Buffer | null): void {
    this.pending = bytes && bytes.length > 0 ? [bytes] : [];
    this.pendingBytes = bytes?.length ?? 0;
  }

  /** Counts the line starting with `bytes` as malformed for its length, keeping only the sample's worth of it. */
  private tooLong(bytes: Buffer): void {
    this.malformed(`longer than ${MAX_LINE_BYTES >> 20} MiB`, bytes.subarray(0, SAMPLE_CHARS * 4).toString('utf8'));
  }

  /** A last line without its newline is taken once it parses as a whole row; otherwise it waits. */
  private settlePending(): void {
    this.partial = false;
    if (this.pendingBytes === 0) return;
    if (this.pending.length > 1) this.setPending(Buffer.concat(this.pending));
    const text = cleanLine(this.pending[0]!.toString('utf8'));
    if (text.trim() === '') return;
    if (typeof parseMetricLine(text) === 'string') {
      this.partial = true;
      return;
    }
    this.lineNo++;
    this.take(text);
    this.setPending(null);
    this.tookUnterminated = true;
  }

  private take(raw: string): void {
    const text = cleanLine(raw);
    if (text.trim() === '') return;
    const r = parseMetricLine(text);
    if (typeof r !== 'string') {
      boundConfusions(r); // a classifier's test row: its matrix cut to the labels with the most errors
      // its size as held and sent: a test row of 1.3 MB is a few kB once its matrix is cut
      const size = text.length <= MAX_HELD_ROW_CHARS ? text.length : JSON.stringify(r).length;
      if (size <= MAX_HELD_ROW_CHARS) {
        if (r.split === 'val') this.valSets.add(r);
        return void this.held.add(r, this.lineNo, size);
      }
      this.malformed(`holds ${Math.ceil(size / 1024).toLocaleString('en')} KiB, over the ${MAX_HELD_ROW_CHARS >> 10} KiB a row may (with its confusion matrices cut to ${CONFUSION_SHOWN} labels)`, text);
      return;
    }
    this.malformed(r, text);
  }

  private malformed(reason: string, text: string): void {
    this.malformedCount++;
    if (this.malformedSamples.length < MAX_SAMPLES) {
      this.malformedSamples.push({ line: this.lineNo, reason, text: text.slice(0, SAMPLE_CHARS) });
    }
  }
}
