// The data loader: batches of TokenRows (padded by collate, or packed by collatePacked) in file order, or
// shuffled every epoch in HF's Trainer's order — epoch e's sequences in torch.randperm(n) of a generator seeded with
// seed + e (accelerate's SeedableRandomSampler: torch-randperm.ts), so a run with HF's seed (42, its default) visits the
// rows as HF does; optionally length-grouped in HF's group_by_length order (length-groups.ts: mega-batches each
// sorted by length, so a batch holds sequences of similar length), drawn as HF's Trainer draws it from torch's default
// generator seeded with seed — before each epoch's order, the two outputs its DataLoader's iterator takes, and two more
// for each evaluation since (noteEvaluation). Packed, the rows are packed once, as TRL's SFTTrainer(packing=True) packs
// them (pack.ts packBestFit, kept by packsOf), and the packs are the sequences those orders take. The last batch of an epoch may be
// short unless dropLast. `position` (epoch, batch index, and the generator's draws where grouped) is plain JSON:
// `restore` resumes exactly where it was taken. An epoch's plan is one Int32Array of its sequences' order (4 bytes a
// sequence), cut into batches as they are taken: no array per row or batch, which for a million short rows outweighed
// their tokens.
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
  /** The sequences an epoch orders: the packs of rows (indices into rows), fixed for the run; null: each row alone. */
  private readonly packs: readonly (readonly number[])[] | null;
  /** Each sequence's tokens. */
  private readonly seqLengths: Int32Array;
  /** Batches in every epoch. */
  private readonly batches: number;
  private epoch = 0;
  private index = 0;
  /** HF's order of groupByLength (shuffled): torch's default generator as HF's Trainer draws from it, else null. */
  private torch: TorchCpuGenerator | null;
  private torchAtEpoch = 0;
  /** The epoch's sequences in order; batch b holds order[b · batchSize …] (unshuffled, the same every epoch). */
  private order: Int32Array;

  constructor(private readonly rows: readonly TokenRow[], private readonly opts: LoaderOptions) {
    needArg('DataLoader', 'rows', rows, 'array', { hint: 'token rows, e.g. loadTokenRows(file).rows' });
    needArg('DataLoader', 'options', opts, 'object', { hint: 'an object such as {batchSize: 4}' });
    needInteger('DataLoader', 'options.batchSize', opts.batchSize, 1, { what: 'the rows per batch' });
    if (rows.length === 0) throw new UserError('the data loader has no rows');
    if (opts.packLength !== undefined) needInteger('DataLoader', 'options.packLength', opts.packLength, 1, { what: 'the tokens a packed sequence holds' });
    if (opts.groupSize !== undefined) needInteger('DataLoader', 'options.groupSize', opts.groupSize, 1, { what: 'the rows an optimizer step takes' });
    const lengths = Int32Array.from(rows, (r) => r.inputIds.length);
    this.packs = opts.packLength !== undefined ? packsOf(rows, opts.packLength) : null;
    this.seqLengths = this.packs ? Int32Array.from(this.packs, (pack) => pack.reduce((sum, i) => sum + lengths[i]!, 0)) : lengths;
    const n = this.seqLengths.length;
    this.batches = opts.dropLast ? Math.floor(n / opts.batchSize) : Math.ceil(n / opts.batchSize);
    this.torch = this.hfGrouped ? new TorchCpuGenerator(opts.seed ?? 0) : null;
    this.order = opts.shuffle ? this.shuffledOrder() : this.fileOrder();
    if (this.batches === 0) throw new UserError(`fewer rows (${rows.length}) than one batch (${opts.batchSize}) with dropLast`);
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

  /** The epoch's order, HF's grouped one, drawn from torch's generator once `draws` outputs were taken. */
  private drawEpochAt(draws: number): void {
    this.torch = new TorchCpuGenerator(this.opts.seed ?? 0);
    this.torch.skip(draws);
    this.order = this.shuffledOrder();
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
    const n = this.seqLengths.length;
    // a position without them: every epoch before drew its iterator's two and its permutation's n − 1, and no evaluation
    const draws = pos.torchDraws ?? { epoch: pos.epoch * (n + 1), now: (pos.epoch + 1) * (n + 1) };
    // an epoch draws n + 1, and 2 for each evaluation, at most one a step (and step 0's): a count past that is no
    // position's (a damaged one, which skipping to would take as long as its number)
    const perEpoch = n + 1 + 2 * (this.batches + 1);
    if (this.hfGrouped && !(Number.isSafeInteger(draws.epoch) && draws.epoch >= 0 && draws.epoch <= (pos.epoch + 1) * perEpoch &&
      Number.isSafeInteger(draws.now) && draws.now >= draws.epoch + n + 1 && draws.now - draws.epoch <= perEpoch)) {
      throw new UserError(`invalid loader position ${JSON.stringify(pos)}: torchDraws must be integers, epoch at most ${(pos.epoch + 1) * perEpoch}, ` +
        `now from epoch + ${n + 1} to epoch + ${perEpoch}`);
    }
    this.epoch = pos.epoch;
    if (this.hfGrouped) {
      this.drawEpochAt(draws.epoch);
      this.torch!.skip(draws.now - this.torch!.drawn);
    } else if (this.opts.shuffle) {
      this.order = this.shuffledOrder();
    }
    if (pos.index > this.batches) throw new UserError(`loader position ${pos.index} is past the ${this.batches} batches of an epoch`);
    this.index = pos.index;
  }

  /** Batches in the current epoch. */
  get epochBatches(): number {
    return this.batches;
  }

  /** The sequences every epoch batches (rows, or packs), so its largest batch holds min(batchSize, this). */
  get sequences(): number {
    return this.seqLengths.length;
  }

  private nextEpoch(): void {
    this.epoch++;
    this.index = 0;
    if (this.opts.shuffle) this.order = this.shuffledOrder();
  }

  /** The next batch, moving on to a new epoch (reshuffled) after the last one. */
  next(): LoadedBatch {
    if (this.index >= this.batches) this.nextEpoch();
    const index = this.index++;
    const { batchSize, packLength } = this.opts;
    const padId = this.opts.padId ?? 0;
    const seqs = this.order.subarray(index * batchSize, (index + 1) * batchSize);
    const packs = this.packs;
    if (packs) {
      const batchPacks = Array.from(seqs, (k) => packs[k]!);
      const batch = collatePacked(batchPacks.map((pack) => pack.map((i) => this.rows[i]!)), padId, packLength!);
      return { batch, rows: batchPacks.flat(), epoch: this.epoch, index, epochBatches: this.batches };
    }
    const batch = collate(Array.from(seqs, (i) => this.rows[i]!), padId, this.opts.scorePadId ?? null);
    return { batch, rows: Array.from(seqs), epoch: this.epoch, index, epochBatches: this.batches };
  }

  /** The epoch's shuffled order: HF's group_by_length order drawn from this.torch (which it advances), or randperm(seed + epoch). */
  private shuffledOrder(): Int32Array {
    if (!this.torch) return torchRandperm(this.seqLengths.length, (this.opts.seed ?? 0) + this.epoch);
    // HF's iterator of the epoch's DataLoader takes its two outputs first, then the sampler its order
    this.torchAtEpoch = this.torch.drawn;
    this.torch.randomInt64();
    return lengthGroupedOrder(this.seqLengths, this.opts.groupSize ?? this.opts.batchSize, this.torch);
  }

  /** The unshuffled order, every epoch's: the file's, or with groupByLength its mega-batches each sorted longest first (a stable sort). */
  private fileOrder(): Int32Array {
    const n = this.seqLengths.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.opts.groupByLength) {
      const mega = this.opts.batchSize * MEGABATCH;
      for (let s = 0; s < n; s += mega) order.subarray(s, s + mega).sort((a, b) => this.seqLengths[b]! - this.seqLengths[a]!);
    }
    return order;
  }
}
