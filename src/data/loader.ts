// The data loader: batches of TokenRows (padded by collate, or packed by collatePacked) in file order, or
// shuffled every epoch in HF's Trainer's order — epoch e's rows in torch.randperm(n) of a generator seeded with seed + e
// (accelerate's SeedableRandomSampler: torch-randperm.ts), so a run with HF's seed (42, its default) visits the rows as HF
// does; optionally length-grouped in HF's group_by_length order (length-groups.ts: mega-batches each sorted by length,
// so a batch holds rows of similar length), drawn as HF's Trainer draws it from torch's default generator seeded with
// seed — before each epoch's order, the two outputs its DataLoader's iterator takes, and two more for each evaluation
// since (noteEvaluation) — so a run with HF's seed visits the rows as HF does; packed and grouped, mega-batches of 200
// batches and the batches shuffled by a seeded RNG of ours. The last batch of an epoch may be short unless dropLast.
// `position` (epoch, batch index, and the generator states the epoch's order was drawn from) is plain JSON: `restore`
// resumes exactly where it was taken.
import { needArg } from '../util/api-args.ts';
import { collate, collatePacked, type Batch, type TokenRow } from './batch.ts';
import { UserError } from '../util/errors.ts';
import { planPacks } from './pack.ts';
import { maxOf } from '../util/reduce.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { TorchCpuGenerator, torchRandperm } from '../util/torch-randperm.ts';
import { lengthGroupedOrder } from './length-groups.ts';

export interface LoaderOptions {
  /** Rows per batch; with packing, packed sequences per batch. */
  batchSize: number;
  /** Shuffle every epoch (default false: file order): HF's Trainer's order for the same seed. */
  shuffle?: boolean;
  /** The shuffle's seed (default 0; HF's default is 42): a non-negative integer. */
  seed?: number;
  /** Batches of similar lengths (less padding). */
  groupByLength?: boolean;
  /** With groupByLength: rows an optimizer step takes (batchSize × gradient accumulation; default batchSize), HF's unit of its mega-batches. */
  groupSize?: number;
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
  /**
   * Shuffled and length-grouped, unpacked: the 32-bit outputs of HF's default torch generator drawn before this epoch's
   * order (`epoch`) and by now (`now`: evaluations since); absent, no evaluation is assumed.
   */
  torchDraws?: { epoch: number; now: number };
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

/** Rows per length-sorted mega-batch, in batches, where the order is not HF's (unshuffled; packed: 4 × this). */
const MEGABATCH = 50;

export class DataLoader {
  private readonly lengths: Int32Array;
  private rng: Rng;
  private epoch = 0;
  private index = 0;
  private epochRng: RngState;
  /** HF's order of groupByLength (shuffled, unpacked): torch's default generator as HF's Trainer draws from it, else null. */
  private torch: TorchCpuGenerator | null;
  private torchAtEpoch = 0;
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
    if (opts.groupSize !== undefined && !(Number.isInteger(opts.groupSize) && opts.groupSize >= 1)) {
      throw new UserError(`group size must be an integer ≥ 1, got ${opts.groupSize}`);
    }
    this.lengths = Int32Array.from(rows, (r) => r.inputIds.length);
    this.rng = new Rng(opts.seed ?? 0);
    this.epochRng = this.rng.state();
    this.torch = this.hfGrouped ? new TorchCpuGenerator(opts.seed ?? 0) : null;
    this.plan = this.planEpoch();
    if (this.plan.length === 0) throw new UserError(`fewer rows (${rows.length}) than one batch (${opts.batchSize}) with dropLast`);
  }

  /** Where the next batch comes from; pass it to `restore` to continue from here. */
  get position(): LoaderPosition {
    return {
      epoch: this.epoch, index: this.index, rng: [...this.epochRng] as RngState,
      ...(this.torch ? { torchDraws: { epoch: this.torchAtEpoch, now: this.torch.drawn } } : {}),
    };
  }

  /**
   * An evaluation between optimizer steps: HF's Trainer makes an iterator of its eval DataLoader, which takes two
   * outputs of torch's default generator (its workers' base seed) — the generator HF's length-grouped sampler draws
   * the next epoch's order from. A loader in HF's group_by_length order takes them too; any other ignores it.
   */
  noteEvaluation(): void {
    if (!this.torch) return;
    // before the epoch's first batch (HF's eval_on_start: before its iterator is made): its order is drawn after the evaluation's
    if (this.index === 0) this.drawEpochAt(this.torchAtEpoch + 2);
    else this.torch.randomInt64();
  }

  /** The epoch's plan in HF's grouped order, drawn from torch's generator once `draws` outputs were taken. */
  private drawEpochAt(draws: number): void {
    this.torch = new TorchCpuGenerator(this.opts.seed ?? 0);
    this.torch.skip(draws);
    this.plan = this.planEpoch();
  }

  /** Whether groupByLength takes HF's order: shuffled and unpacked (packed, the sequences are grouped our way). */
  private get hfGrouped(): boolean {
    return this.opts.groupByLength === true && this.opts.shuffle === true && this.opts.packLength === undefined;
  }

  restore(pos: LoaderPosition): void {
    if (!Number.isInteger(pos.epoch) || pos.epoch < 0 || !Number.isInteger(pos.index) || pos.index < 0) {
      throw new UserError(`invalid loader position ${JSON.stringify(pos)}`);
    }
    const n = this.rows.length;
    // a position without them (an older checkpoint's): every epoch before drew its iterator's two and its permutation's n − 1
    const draws = pos.torchDraws ?? { epoch: pos.epoch * (n + 1), now: (pos.epoch + 1) * (n + 1) };
    if (this.hfGrouped && !(Number.isSafeInteger(draws.epoch) && draws.epoch >= 0 && Number.isSafeInteger(draws.now) && draws.now >= draws.epoch + n + 1)) {
      throw new UserError(`invalid loader position ${JSON.stringify(pos)}: torchDraws must be integers, now ≥ epoch + ${n + 1}`);
    }
    this.rng = new Rng(pos.rng);
    this.epochRng = this.rng.state();
    this.epoch = pos.epoch;
    if (this.hfGrouped) {
      this.drawEpochAt(draws.epoch);
      this.torch!.skip(draws.now - this.torch!.drawn);
    } else {
      this.plan = this.planEpoch();
    }
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

  /** The batches of one epoch, drawn from this.torch or this.rng (which it advances). */
  private planEpoch(): number[][][] {
    const n = this.rows.length;
    const { batchSize, shuffle = false, groupByLength = false, packLength, dropLast = false } = this.opts;
    if (this.torch) {
      // HF's iterator of the epoch's DataLoader takes its two outputs first, then the sampler its order
      this.torchAtEpoch = this.torch.drawn;
      this.torch.randomInt64();
      return batchesOf(lengthGroupedOrder(this.lengths, this.opts.groupSize ?? batchSize, this.torch).map((i) => [i]), batchSize, dropLast);
    }
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
    const batches = batchesOf(seqs, batchSize, dropLast);
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

/** Sequences (lists of rows) cut into batches of batchSize in order; a short last one dropped with dropLast. */
function batchesOf(seqs: number[][], batchSize: number, dropLast: boolean): number[][][] {
  const batches: number[][][] = [];
  for (let s = 0; s < seqs.length; s += batchSize) batches.push(seqs.slice(s, s + batchSize));
  if (dropLast && batches.length > 0 && batches[batches.length - 1]!.length < batchSize) batches.pop();
  return batches;
}
