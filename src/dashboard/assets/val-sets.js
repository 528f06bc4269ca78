// A run's evaluation rows cut by the val set they were measured on. A resume may be given another val file (prepare
// run again); each val row carries its set's hash (data_fingerprint), and losses of two sets are not compared (the
// panel's best val: best-val.js), so the charts draw each stretch of one set as a series of its own, not one line
// through both. Rows without a hash (an older version's) join the stretch they are in, as the newest set's in best-val.js.
// The one owner of that cut and of its names: the dashboard's charts (charts.js) and report's loss_curve.svg
// (src/train/loss-curve.ts, through val-sets.d.ts) both draw from it.

/**
 * `rows` (one split's, in file order) cut where a row names another set than the rows before it: [{set, from, rows}],
 * `set` numbering the sets 1, 2, … in the order they first appear (a run back on its first set is set 1 again),
 * `from` the stretch's first step. One stretch (or none, for no rows) when the run has one val set.
 */
export function setStretches(rows) {
  const out = [];
  const sets = [];
  let stretch = null;
  for (const r of rows) {
    const fp = r.data_fingerprint;
    if (stretch === null || cuts(stretch.fp, fp)) {
      stretch = { fp, from: r.step, rows: [] };
      out.push(stretch);
    }
    stretch.fp ??= fp;
    stretch.rows.push(r);
  }
  return out.map(({ fp, from, rows: of }) => {
    if (!sets.includes(fp)) sets.push(fp);
    return { set: sets.indexOf(fp) + 1, from, rows: of };
  });
}

/** Whether a row of val set `fp` starts a stretch after rows of set `current` (undefined: no hash, either one). */
const cuts = (current, fp) => fp !== undefined && current !== undefined && fp !== current;

/** The most val sets a SetTally names (a hostile file may name millions); past it the count says "over". */
export const MAX_SETS_TALLIED = 100_000;

/**
 * The stretches and sets of a split's rows as setStretches counts them, row by row, holding only the sets' names: the
 * server counts every val row the run wrote (the rows it holds are thinned: series-cap.ts), and the page says those
 * counts, not the held rows'. `stretches`, `sets` (distinct, the rows without a hash one), `setsOver` (more sets than
 * MAX_SETS_TALLIED: `sets` is a lower bound).
 */
export class SetTally {
  stretches = 0;
  setsOver = false;
  /** Characters of the sets' names held: at most MAX_SETS_TALLIED × (MAX_NAME_CHARS + 24). */
  heldChars = 0;
  #named = new Set();
  #current = undefined;
  /** The current set's name as held (setName). */
  #key = undefined;

  add(row) {
    const fp = row.data_fingerprint;
    if (this.stretches === 0 || cuts(this.#current, fp)) {
      if (this.stretches > 0) this.#name(this.#key);
      this.stretches++;
      this.#current = fp;
      this.#key = setName(fp);
    } else if (this.#current === undefined || this.#current === null) {
      // as setStretches' `??=`: a stretch of no hash (or a null one) takes the first hash after it
      this.#current = fp;
      this.#key = setName(fp);
    }
  }

  get sets() {
    return this.#named.size + (this.stretches > 0 && !this.#named.has(this.#key) && !this.setsOver ? 1 : 0);
  }

  /** As the events carry it. */
  toJSON() {
    return { stretches: this.stretches, sets: this.sets, setsOver: this.setsOver };
  }

  #name(key) {
    if (this.#named.has(key)) return;
    if (this.#named.size < MAX_SETS_TALLIED) {
      this.#named.add(key);
      if (typeof key === 'string') this.heldChars += key.length;
    } else this.setsOver = true;
  }
}

/** The longest set's name SetTally holds as it is; a longer one is held as its hashes (setName). */
const MAX_NAME_CHARS = 128;

/**
 * The name SetTally holds for val set `fp`: `fp`, or for a string past MAX_NAME_CHARS two FNV-1a hashes of all of it
 * and its length (a row may be 64 KiB: 100,000 sets of such names were 6 GiB held), or for an object a symbol of its
 * own (setStretches compares by ===: an object is no other row's set).
 */
function setName(fp) {
  if (typeof fp === 'object' && fp !== null) return Symbol('set');
  if (typeof fp !== 'string' || fp.length <= MAX_NAME_CHARS) return fp;
  let a = 0x811c9dc5, b = 0x01000193 ^ fp.length;
  for (let i = 0; i < fp.length; i++) {
    const c = fp.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x5bd1e995) >>> 0;
  }
  return `#${a.toString(36)}.${b.toString(36)}.${fp.length}`;
}

/**
 * Past this many stretches a run's eval series is drawn as one series of points, no line (a metrics.jsonl with a new
 * val set at every evaluation, buggy or hostile, drew a series per evaluation: 2,000 series in each eval chart).
 */
export const MAX_DRAWN_STRETCHES = 12;

/** How many val sets `stretches` (setStretches) name. */
export const setCount = (stretches) => stretches.reduce((n, st) => Math.max(n, st.set), 0);

/** A stretch's name in a legend, after its series' ("val (set 2, from step 40)"): `index` is its place in setStretches. */
export function stretchName(stretch, index) {
  return `set ${stretch.set}${index > 0 ? `, from step ${stretch.from}` : ''}`;
}
