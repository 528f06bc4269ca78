// The rows of one run's metrics.jsonl in bounded memory, whatever the size of the file. Rows are held per
// series — train rows (no split), "val", "test", and every other split together — each at most cap.rows rows
// and cap.bytes bytes. A series past its cap is thinned to half of it: neighbouring rows are merged into
// buckets of one width (doubled as often as that takes), and a bucket keeps real rows only, never an average:
// its first and its last, and for each numeric field the row of its minimum, of its maximum and its first null
// (not finite). So a loss spike, a divergence, the best val loss and the newest row stay exact and drawn; the
// train rows of a long run become about eight rows per bucket. Eval rows (one per evaluation) stay whole
// unless they too pass the cap. Thinning to half the cap runs once per cap/2 new rows, not on every row.
// A resume may evaluate another val set (each row carries its set's hash, data_fingerprint): a bucket is
// picked from per stretch of one set, so each set keeps its own lowest loss and its first and last rows
// (where the dashboard's line of that set begins and ends), not the lowest of two sets that are not compared;
// unless its stretches are too many for that to bring it under the cap (CappedSeries.bySet).
import type { MetricRow } from './metric-row.ts';

export interface SeriesCap {
  rows: number;
  bytes: number;
}

/** Per series: a long train run thins to 500–1,000 buckets, 1–2 MB of JSON (rows of ~230 bytes). */
export const SERIES_CAP: SeriesCap = { rows: 8192, bytes: 4 << 20 };

/** A row as held: its place in the file (for order) and its size in bytes (for the cap). */
export interface HeldRow {
  seq: number;
  row: MetricRow;
  bytes: number;
}

/** `count` consecutive rows of the file, of which `held` (in file order) are kept. */
interface Bucket {
  count: number;
  held: HeldRow[];
}

/** One series' rows, thinned when they pass the cap. */
export class CappedSeries {
  /** Rows ever added. */
  added = 0;
  private buckets: Bucket[] = [];
  /** How many rows of the file a bucket may stand for; 1 until the first thinning. */
  private width = 1;
  private heldRows = 0;
  private heldBytes = 0;
  /**
   * Whether buckets are picked from per stretch of one val set. A series of more stretches than half the cap (a val
   * set changed at every row or two, as only a buggy or hostile file does) cannot be thinned so: each stretch's ends
   * were kept, every row held however many came, and each row past the cap thinned them all again (12,000 rows:
   * 10 CPU-s). Such a series is thinned, from then on, as one of a single set.
   */
  private bySet = true;

  constructor(readonly fields: readonly string[], readonly cap: SeriesCap = SERIES_CAP) {}

  /** Adds the next row of the series; true when that thinned it (rows held before may be gone). */
  add(h: HeldRow): boolean {
    this.buckets.push({ count: 1, held: [h] });
    this.added++;
    this.heldRows++;
    this.heldBytes += h.bytes;
    if (this.heldRows <= this.cap.rows && this.heldBytes <= this.cap.bytes) return false;
    this.thin();
    return true;
  }

  /** The rows held, in file order. */
  held(): HeldRow[] {
    return this.buckets.flatMap((b) => b.held);
  }

  /** The rows held that come after `seq` in the file, in file order (the newest rows are at the end). */
  heldAfter(seq: number): HeldRow[] {
    const out: HeldRow[] = [];
    for (let i = this.buckets.length - 1; i >= 0; i--) {
      const held = this.buckets[i]!.held;
      for (let j = held.length - 1; j >= 0; j--) {
        if (held[j]!.seq <= seq) return out.reverse();
        out.push(held[j]!);
      }
    }
    return out.reverse();
  }

  private thin(): void {
    for (;;) {
      this.regroup();
      const underHalf = this.heldRows <= this.cap.rows / 2 && this.heldBytes <= this.cap.bytes / 2;
      if (underHalf) return;
      if (this.buckets.length === 1) {
        if (!this.bySet) return;
        // its val sets' stretches are too many to keep apart: the rows held, each a bucket again, thinned as one set's
        this.bySet = false;
        this.buckets = this.buckets[0]!.held.map((h) => ({ count: 1, held: [h] }));
        this.width = 1;
      }
      this.width *= 2;
    }
  }

  /** Merges runs of neighbouring buckets into buckets of at most `width` rows, from the first row on. */
  private regroup(): void {
    const out: Bucket[] = [];
    let group: Bucket[] = [];
    let count = 0;
    const flush = (): void => {
      if (group.length === 1) out.push(group[0]!);
      else if (group.length > 1) out.push({ count, held: representatives(group.flatMap((b) => b.held), this.fields, this.bySet) });
      group = [];
      count = 0;
    };
    for (const b of this.buckets) {
      if (count + b.count > this.width) flush();
      group.push(b);
      count += b.count;
    }
    flush();
    this.buckets = out;
    this.heldRows = 0;
    this.heldBytes = 0;
    for (const b of out) {
      this.heldRows += b.held.length;
      for (const h of b.held) this.heldBytes += h.bytes;
    }
  }
}

/**
 * The rows that stand for `held` (consecutive, in file order): per stretch of rows of one val set (train rows are
 * one; all of `held` one when not `bySet`), its first and last row, and per field the first row of its minimum, of its
 * maximum and of a null. Picking from a bucket's representatives alone gives the same rows as picking from all its rows (where a stretch starts
 * and ends is kept), so buckets merge without the rows they dropped.
 */
export function representatives(held: HeldRow[], fields: readonly string[], bySet = true): HeldRow[] {
  if (held.length <= 2) return held;
  const keep = new Set<HeldRow>();
  for (const stretch of bySet ? setStretches(held) : [held]) {
    keep.add(stretch[0]!).add(stretch[stretch.length - 1]!);
    for (const f of fields) {
      let min: HeldRow | null = null, max: HeldRow | null = null, firstNull: HeldRow | null = null;
      let lo = Infinity, hi = -Infinity;
      for (const h of stretch) {
        const v = h.row[f];
        if (v === null) firstNull ??= h;
        else if (typeof v === 'number') {
          if (v < lo) (lo = v), (min = h);
          if (v > hi) (hi = v), (max = h);
        }
      }
      for (const h of [min, max, firstNull]) if (h) keep.add(h);
    }
  }
  return held.filter((h) => keep.has(h));
}

/**
 * `held` cut wherever a row's val set (data_fingerprint) is not the row's before. Rows without one (an older
 * version's) are a stretch of their own: the chart counts them as the set beside them (assets/val-sets.js), and a
 * stretch of either reading is made of whole stretches of this one, so its lowest and its ends are kept too.
 */
function setStretches(held: HeldRow[]): HeldRow[][] {
  const out: HeldRow[][] = [[held[0]!]];
  for (let i = 1; i < held.length; i++) {
    if (held[i]!.row.data_fingerprint !== held[i - 1]!.row.data_fingerprint) out.push([]);
    out[out.length - 1]!.push(held[i]!);
  }
  return out;
}

type SeriesName = 'train' | 'val' | 'test' | 'other';

/** The rows of one run: a CappedSeries per kind of row, merged back into file order. */
export class CappedRows {
  /** How many times a series was thinned (a change of it means rows held before may be gone). */
  thinnings = 0;
  private readonly series = new Map<SeriesName, CappedSeries>();

  constructor(readonly fields: readonly string[], readonly cap: SeriesCap = SERIES_CAP) {}

  /** Adds the row found at `seq` (increasing through the file), `bytes` long. */
  add(row: MetricRow, seq: number, bytes: number): void {
    const name = seriesName(row);
    let s = this.series.get(name);
    if (!s) this.series.set(name, (s = new CappedSeries(this.fields, this.cap)));
    if (s.add({ seq, row, bytes })) this.thinnings++;
  }

  /** Rows read, held or not. */
  get rowsRead(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.added;
    return n;
  }

  /** Train rows (those without a split) read, held or not. */
  get trainRowsRead(): number {
    return this.series.get('train')?.added ?? 0;
  }

  /** Rows of a split other than val and test read, held or not. */
  get otherRowsRead(): number {
    return this.series.get('other')?.added ?? 0;
  }

  /** Every row held, in file order. */
  rows(): MetricRow[] {
    return this.rowsAfter(-Infinity);
  }

  /** The rows held that come after `seq` in the file, in file order. */
  rowsAfter(seq: number): MetricRow[] {
    const held = [...this.series.values()].flatMap((s) => s.heldAfter(seq));
    if (this.series.size > 1) held.sort((a, b) => a.seq - b.seq);
    return held.map((h) => h.row);
  }
}

function seriesName(row: MetricRow): SeriesName {
  if (row.split === undefined) return 'train';
  return row.split === 'val' || row.split === 'test' ? row.split : 'other';
}
