// The data loader: batches of TokenRows (padded by collate, or packed by collatePacked) in file order, or
// shuffled every epoch in HF's Trainer's order — epoch e's sequences in torch.randperm(n) of a generator seeded with
// seed + e (accelerate's SeedableRandomSampler: torch-randperm.ts), so a run with HF's seed (42, its default) visits the
// rows as HF does; optionally length-grouped in HF's group_by_length order (length-groups.ts: mega-batches each
// sorted by length, so a batch holds sequences of similar length), drawn as HF's Trainer draws it from torch's default
// generator seeded with seed — before each epoch's order, the two outputs its DataLoader's iterator takes, and two more
// for each evaluation since (noteEvaluation). Packed, the rows are packed once, as TRL's SFTTrainer(packing=True) packs
// them (pack.ts packBestFit, kept by packsOf), and the packs are the sequences those orders take. The last batch of an epoch may be
// short unless dropLast. `position` (epoch, batch index, and the generator's draws where grouped) is plain JSON:
// `restore` resumes exactly where it was taken.
import { needArg, needInteger } from '../util/api-args.ts';
import { collate, collatePacked, type Batch, type TokenRow } from './batch.ts';
import { UserError } from '../util/errors.ts';
import { packsOf } from './pack.ts';
import type { RngState } from '../util/rng.ts';
import { TorchCpuGenerator, torchRandperm } from '../util/torch-randperm.ts';
import { lengthGroupedOrder } from './length-groups.ts';

export interface LoaderOptions {
  /** Rows per batch; with packing, packed sequences per batch. */
  batchSize: number;
  /** Shuffle every epoch (default false: file order): HF's Trainer's order for the same seed. */
  shuffle?: boolean;
  /** The shuffle's seed (default 0; HF's default is 42): a non-negative integer. */
  seed?: number;
  /** Batches of similar lengths (less padding), in HF's group_by_length order where shuffled. */
  groupByLength?: boolean;
  /** With groupByLength: rows an optimizer step takes (batchSize × gradient accumulation; default batchSize), HF's unit of its mega-batches. */
  groupSize?: number;
  /** Pack samples into sequences of this many tokens (T is fixed to it), once, as TRL packs them. */
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
  /**
   * Shuffled and length-grouped: the 32-bit outputs of HF's default torch generator drawn before this epoch's order
   * (`epoch`) and by now (`now`: evaluations since); absent, no evaluation is assumed.
   */
  torchDraws?: { epoch: number; now: number };
  /** An older version's RNG state (its own order of grouped or packed batches); not read. */
  rng?: RngState;
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

/** Sequences per length-sorted mega-batch of an unshuffled groupByLength, in batches (HF's LengthGroupedSampler's most). */
const MEGABATCH = 50;

export class DataLoader {
  /** The sequences an epoch orders: each row alone, or the packs of rows (indices into rows), fixed for the run. */
  private readonly seqs: readonly (readonly number[])[];
  /** Each sequence's tokens. */
  private readonly seqLengths: Int32Array;
  private epoch = 0;
  private index = 0;
  /** HF's order of groupByLength (shuffled): torch's default generator as HF's Trainer draws from it, else null. */
  private torch: TorchCpuGenerator | null;
  private torchAtEpoch = 0;
  private plan: (readonly number[])[][]; // batches → sequences → row indices (one row per sequence unless packed)

  constructor(private readonly rows: readonly TokenRow[], private readonly opts: LoaderOptions) {
    needArg('DataLoader', 'rows', rows, 'array', { hint: 'token rows, e.g. loadTokenRows(file).rows' });
    needArg('DataLoader', 'options', opts, 'object', { hint: 'an object such as {batchSize: 4}' });
    needInteger('DataLoader', 'options.batchSize', opts.batchSize, 1, { what: 'the rows per batch' });
    if (rows.length === 0) throw new UserError('the data loader has no rows');
    if (opts.packLength !== undefined) needInteger('DataLoader', 'options.packLength', opts.packLength, 1, { what: 'the tokens a packed sequence holds' });
    if (opts.groupSize !== undefined) needInteger('DataLoader', 'options.groupSize', opts.groupSize, 1, { what: 'the rows an optimizer step takes' });
    const lengths = Int32Array.from(rows, (r) => r.inputIds.length);
    this.seqs = opts.packLength !== undefined ? packsOf(rows, opts.packLength) : Array.from(lengths, (_, i) => [i]);
    this.seqLengths = Int32Array.from(this.seqs, (seq) => seq.reduce((sum, i) => sum + lengths[i]!, 0));
    this.torch = this.hfGrouped ? new TorchCpuGenerator(opts.seed ?? 0) : null;
    this.plan = this.planEpoch();
    if (this.plan.length === 0) throw new UserError(`fewer rows (${rows.length}) than one batch (${opts.batchSize}) with dropLast`);
  }

  /** Where the next batch comes from; pass it to `restore` to continue from here. */
  get position(): LoaderPosition {
    return { epoch: this.epoch, index: this.index, ...(this.torch ? { torchDraws: { epoch: this.torchAtEpoch, now: this.torch.drawn } } : {}) };
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

  /** Whether groupByLength takes HF's order: shuffled (unshuffled, the file's mega-batches are sorted). */
  private get hfGrouped(): boolean {
    return this.opts.groupByLength === true && this.opts.shuffle === true;
  }

  /**
   * What of this loader's order a position of an older version (one with "rng") did not make as it makes it, or null:
   * its packs (next-fit, anew each epoch) or its length-grouped order (its own RNG's), so its place points into other
   * batches. A shuffled or file-order position of one unpacked and ungrouped is this one's.
   */
  olderOrder(pos: LoaderPosition): string | null {
    if (pos.rng === undefined) return null;
    if (this.opts.packLength !== undefined) return 'packing (next-fit, anew in each epoch\'s order; now TRL\'s packs, made once)';
    return this.hfGrouped ? 'length-grouped order (of its own RNG; now HF\'s group_by_length order)' : null;
  }

  restore(pos: LoaderPosition): void {
    if (!Number.isInteger(pos.epoch) || pos.epoch < 0 || !Number.isInteger(pos.index) || pos.index < 0) {
      throw new UserError(`invalid loader position ${JSON.stringify(pos)}`);
    }
    const older = this.olderOrder(pos);
    if (older !== null) throw new UserError(`loader position of an older mistral-tune, whose ${older} differs: it points into other batches`);
    const n = this.seqs.length;
    // a position without them: every epoch before drew its iterator's two and its permutation's n − 1, and no evaluation
    const draws = pos.torchDraws ?? { epoch: pos.epoch * (n + 1), now: (pos.epoch + 1) * (n + 1) };
    // an epoch draws n + 1, and 2 for each evaluation, at most one a step (and step 0's): a count past that is no
    // position's (a damaged one, which skipping to would take as long as its number)
    const perEpoch = n + 1 + 2 * (this.plan.length + 1);
    if (this.hfGrouped && !(Number.isSafeInteger(draws.epoch) && draws.epoch >= 0 && draws.epoch <= (pos.epoch + 1) * perEpoch &&
      Number.isSafeInteger(draws.now) && draws.now >= draws.epoch + n + 1 && draws.now - draws.epoch <= perEpoch)) {
      throw new UserError(`invalid loader position ${JSON.stringify(pos)}: torchDraws must be integers, epoch at most ${(pos.epoch + 1) * perEpoch}, ` +
        `now from epoch + ${n + 1} to epoch + ${perEpoch}`);
    }
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

  /** The sequences every epoch batches (rows, or packs), so its largest batch holds min(batchSize, this). */
  get sequences(): number {
    return this.seqs.length;
  }

  private nextEpoch(): void {
    this.epoch++;
    this.index = 0;
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

  /** The batches of one epoch (drawn from this.torch, which it advances, where grouped and shuffled). */
  private planEpoch(): (readonly number[])[][] {
    const n = this.seqs.length;
    const { batchSize, shuffle = false, groupByLength = false, dropLast = false } = this.opts;
    let order: number[];
    if (this.torch) {
      // HF's iterator of the epoch's DataLoader takes its two outputs first, then the sampler its order
      this.torchAtEpoch = this.torch.drawn;
      this.torch.randomInt64();
      order = lengthGroupedOrder(this.seqLengths, this.opts.groupSize ?? batchSize, this.torch);
    } else if (shuffle) {
      order = torchRandperm(n, (this.opts.seed ?? 0) + this.epoch);
    } else {
      order = Array.from({ length: n }, (_, i) => i);
      if (groupByLength) {
        const mega = batchSize * MEGABATCH, sorted: number[] = [];
        for (let s = 0; s < n; s += mega) for (const i of order.slice(s, s + mega).sort((a, b) => this.seqLengths[b]! - this.seqLengths[a]!)) sorted.push(i);
        order = sorted;
      }
    }
    return batchesOf(order.map((k) => this.seqs[k]!), batchSize, dropLast);
  }
}

/** Sequences (lists of rows) cut into batches of batchSize in order; a short last one dropped with dropLast. */
function batchesOf(seqs: (readonly number[])[], batchSize: number, dropLast: boolean): (readonly number[])[][] {
  const batches: (readonly number[])[][] = [];
  for (let s = 0; s < seqs.length; s += batchSize) batches.push(seqs.slice(s, s + batchSize));
  if (dropLast && batches.length > 0 && batches[batches.length - 1]!.length < batchSize) batches.pop();
  return batches;
}
