// The data loader: batches of TokenRows (padded by collate, or packed by collatePacked) in file order, or
// shuffled every epoch in HF's Trainer's order — epoch e's rows in torch.randperm(n) of a generator seeded with seed + e
// (accelerate's SeedableRandomSampler: torch-randperm.ts), so a run with HF's seed (42, its default) visits the rows as HF
// does; optionally length-grouped (HF's group_by_length: mega-batches of 50 batches, each sorted by length, so a
// batch holds rows of similar length, the batches shuffled with a seeded RNG of ours). The last batch of an epoch may be
// short unless dropLast. `position` (epoch, batch index, and the RNG state the epoch's batch order was drawn from) is
// plain JSON: `restore` resumes exactly where it was taken.
import { needArg } from '../util/api-args.ts';
import { collate, collatePacked, type Batch, type TokenRow } from './batch.ts';
import { UserError } from '../util/errors.ts';
import { planPacks } from './pack.ts';
import { maxOf } from '../util/reduce.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { torchRandperm } from '../util/torch-randperm.ts';

export interface LoaderOptions {
  /** Rows per batch; with packing, packed sequences per batch. */
  batchSize: number;
  /** Shuffle every epoch (default false: file order): HF's Trainer's order for the same seed. */
  shuffle?: boolean;
  /** The shuffle's seed (default 0; HF's default is 42): a non-negative integer. */
  seed?: number;
  /** Batches of similar lengths (less padding). */
  groupByLength?: boolean;
  /** Pack samples into sequences of this many tokens (T is fixed to it). */
  packLength?: number;
  /** Id written into padding (never attended to or trained; default 0). */
  padId?: number;
  /** The classification head's pad id (config.ts classificationPadId), for its pick of the scored token (default null: the last real token). */
  scorePadId?: number | null;
  /** Skip an epoch's last batch when it is short. */
  dropLast?: boolean;
}

export interface LoaderPosition {
  epoch: number;
  /** Index of the next batch within the epoch. */
  index: number;
  /** RNG state from which the epoch's order was drawn. */
  rng: RngState;
}

export interface LoadedBatch {
  batch: Batch;
  /** Indices (into the loader's rows) of the samples in the batch, row by row. */
  rows: number[];
  epoch: number;
  /** Index of this batch within its epoch. */
  index: number;
  /** Batches in this epoch. */
  epochBatches: number;
}

/** Rows per length-sorted mega-batch, in batches (HF's LengthGroupedSampler uses 50). */
const MEGABATCH = 50;

export class DataLoader {
  private readonly lengths: Int32Array;
  private rng: Rng;
  private epoch = 0;
  private index = 0;
  private epochRng: RngState;
  private plan: number[][][]; // batches → sequences → row indices (one row per sequence unless packed)

  constructor(private readonly rows: readonly TokenRow[], private readonly opts: LoaderOptions) {
    needArg('DataLoader', 'rows', rows, 'array', { hint: 'token rows, e.g. loadTokenRows(file).rows' });
    needArg('DataLoader', 'options', opts, 'object', { hint: 'an object such as {batchSize: 4}' });
    needArg('DataLoader', 'options.batchSize', opts.batchSize, 'number');
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new UserError(`batch size must be an integer ≥ 1, got ${opts.batchSize}`);
    if (rows.length === 0) throw new UserError('the data loader has no rows');
    if (opts.packLength !== undefined && !(Number.isInteger(opts.packLength) && opts.packLength > 0)) {
      throw new UserError(`pack length must be an integer ≥ 1, got ${opts.packLength}`);
    }
    this.lengths = Int32Array.from(rows, (r) => r.inputIds.length);
    this.rng = new Rng(opts.seed ?? 0);
    this.epochRng = this.rng.state();
    this.plan = this.planEpoch();
    if (this.plan.length === 0) throw new UserError(`fewer rows (${rows.length}) than one batch (${opts.batchSize}) with dropLast`);
  }

  /** Where the next batch comes from; pass it to `restore` to continue from here. */
  get position(): LoaderPosition {
    return { epoch: this.epoch, index: this.index, rng: [...this.epochRng] as RngState };
  }

  restore(pos: LoaderPosition): void {
    if (!Number.isInteger(pos.epoch) || pos.epoch < 0 || !Number.isInteger(pos.index) || pos.index < 0) {
      throw new UserError(`invalid loader position ${JSON.stringify(pos)}`);
    }
    this.rng = new Rng(pos.rng);
    this.epochRng = this.rng.state();
    this.epoch = pos.epoch;
    this.plan = this.planEpoch();
    if (pos.index > this.plan.length) throw new UserError(`loader position ${pos.index} is past the ${this.plan.length} batches of an epoch`);
    this.index = pos.index;
  }

  /** Batches in the current epoch. */
  get epochBatches(): number {
    return this.plan.length;
  }

  /**
   * Batches in each of `epochs` epochs from the next batch's on, as next() will draw them, planned without collating a
   * batch (a packed one is max_seq_len wide, whatever the data); the loader is left where it was.
   */
  epochBatchCounts(epochs: number): number[] {
    return this.eachEpoch(epochs, (plan) => plan.length);
  }

  /**
   * The rows (packed: sequences) of the largest batch of the next `epochs` epochs, planned as epochBatchCounts plans
   * them; planning stops at the first epoch whose largest batch has `ceiling` rows, which no later one can pass.
   */
  largestBatch(epochs: number, ceiling: number): number {
    return maxOf(this.eachEpoch(epochs, (plan) => maxOf(plan, (batch) => batch.length), (n) => n >= ceiling), (n) => n);
  }

  /**
   * `measure` of the plan of each of `epochs` epochs from the next batch's on, or up to the first whose measure is
   * `done`; the loader is left where it was.
   */
  private eachEpoch(epochs: number, measure: (plan: number[][][]) => number, done: (n: number) => boolean = () => false): number[] {
    const start = this.position;
    const counts: number[] = [];
    for (let e = 0; e < epochs && !done(counts[e - 1] ?? -Infinity); e++) {
      if (e > 0 || this.index >= this.plan.length) this.nextEpoch();
      counts.push(measure(this.plan));
    }
    this.restore(start);
    return counts;
  }

  private nextEpoch(): void {
    this.epoch++;
    this.index = 0;
    this.epochRng = this.rng.state();
    this.plan = this.planEpoch();
  }

  /** The next batch, moving on to a new epoch (reshuffled) after the last one. */
  next(): LoadedBatch {
    if (this.index >= this.plan.length) this.nextEpoch();
    const index = this.index++;
    const seqs = this.plan[index]!;
    const padId = this.opts.padId ?? 0;
    const batch = this.opts.packLength !== undefined
      ? collatePacked(seqs.map((s) => s.map((i) => this.rows[i]!)), padId, this.opts.packLength)
      : collate(seqs.map((s) => this.rows[s[0]!]!), padId, this.opts.scorePadId ?? null);
    return { batch, rows: seqs.flat(), epoch: this.epoch, index, epochBatches: this.plan.length };
  }

  /** The batches of one epoch, drawn from this.rng (which it advances). */
  private planEpoch(): number[][][] {
    const n = this.rows.length;
    const { batchSize, shuffle = false, groupByLength = false, packLength, dropLast = false } = this.opts;
    let order: number[] = shuffle ? torchRandperm(n, (this.opts.seed ?? 0) + this.epoch) : Array.from({ length: n }, (_, i) => i);
    if (groupByLength) {
      const mega = batchSize * MEGABATCH * (packLength !== undefined ? 4 : 1);
      const sorted: number[] = [];
      for (let s = 0; s < n; s += mega) {
        for (const i of order.slice(s, s + mega).sort((a, b) => this.lengths[b]! - this.lengths[a]! || a - b)) sorted.push(i);
      }
      order = sorted;
    }
    const seqs = packLength !== undefined ? planPacks(this.lengths, order, packLength) : order.map((i) => [i]);
    const batches: number[][][] = [];
    for (let s = 0; s < seqs.length; s += batchSize) batches.push(seqs.slice(s, s + batchSize));
    if (dropLast && batches.length > 0 && batches[batches.length - 1]!.length < batchSize) batches.pop();
    if (groupByLength && shuffle) {
      this.rng.shuffle(batches);
      // the batch with the longest row goes first, as in HF, so that running out of memory shows at once
      let longest = 0, best = -1;
      batches.forEach((b, k) => {
        const m = maxOf(b, (seq) => seq.reduce((a, i) => a + this.lengths[i]!, 0));
        if (m > best) { best = m; longest = k; }
      });
      [batches[0], batches[longest]] = [batches[longest]!, batches[0]!];
    }
    return batches;
  }
}
