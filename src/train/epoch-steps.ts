// The optimizer steps of a run whose epochs differ in length: packed, shuffled data is packed anew each epoch
// (next-fit, src/data/pack.ts), so the number of packs varies with the order. Counting them means planning every
// epoch, which is as cheap as the run is long; for an absurd `epochs` it would never end, so the count is bounded
// first and only walked where the bounds leave it open and the walk is affordable. The dry run counts epoch ends so too.
import type { DataLoader } from '../data/loader.ts';
import type { TokenRow } from '../data/batch.ts';
import { keyError } from './config-paths.ts';

/** Rows planned (epochs × examples) past which counting the epochs one by one is refused: a few seconds of planning. */
export const MAX_PLANNED_ROWS = 50_000_000;

/**
 * The least and most packs next-fit can make of rows of `lengths` in any order, `packLength` tokens each: at least
 * ⌈Σ/L⌉ and one per row longer than L/2 (no two share a pack); at most one per row and 2⌈Σ/L⌉ − 1 (two neighbouring
 * packs hold more than L tokens, else the first row of the second would have gone into the first).
 */
export function packBounds(lengths: readonly number[], packLength: number): { lo: number; hi: number } {
  let sum = 0, big = 0;
  for (const n of lengths) {
    sum += n;
    if (2 * n > packLength) big++;
  }
  const m = Math.ceil(sum / packLength);
  return { lo: Math.max(m, big), hi: Math.min(lengths.length, 2 * m - 1) };
}

/** The least and most optimizer steps of one packed epoch in any order, `perStep` packs a step. */
function packedStepBounds(train: readonly TokenRow[], packLength: number, perStep: number): { least: number; most: number } {
  const { lo, hi } = packBounds(train.map((r) => r.inputIds.length), packLength);
  return { least: Math.ceil(lo / perStep), most: Math.ceil(hi / perStep) };
}

/**
 * The total optimizer steps of `epochs` packed, shuffled epochs, as the loader will draw them: epochs × the steps of
 * one when every order gives the same (the bounds agree), else each epoch planned, which is refused by the key when
 * it would plan more than MAX_PLANNED_ROWS rows. `perEpoch`: each epoch's steps where they were planned (else null),
 * so that the dry run's epoch ends (epochSteps) need not plan them again.
 */
export function packedTotalSteps(loader: DataLoader, train: readonly TokenRow[], o: { epochs: number; packLength: number; batchSize: number; gradAccum: number },
  place?: (key: string) => string, epochsWritten = String(o.epochs)): { total: number; perEpoch: number[] | null } {
  const { least, most } = packedStepBounds(train, o.packLength, o.batchSize * o.gradAccum);
  if (least === most) return { total: o.epochs * least, perEpoch: null };
  if (o.epochs * train.length > MAX_PLANNED_ROWS) {
    throw keyError('epochs', `${epochsWritten} passes over ${train.length} packed, shuffled examples make at least ${(o.epochs * least).toLocaleString('en-US')} ` +
      'optimizer steps, a different number each epoch, too many to count for the schedule: set max_steps (it wins over epochs), or fewer epochs', place);
  }
  const perEpoch = stepsOfEpochs(loader, o.epochs, o.gradAccum);
  return { total: perEpoch.reduce((sum, n) => sum + n, 0), perEpoch };
}

/** The optimizer steps of each of the loader's next `epochs` epochs (a step ends with its epoch), planned without drawing. */
function stepsOfEpochs(loader: DataLoader, epochs: number, gradAccum: number): number[] {
  return loader.epochBatchCounts(epochs).map((n) => Math.ceil(n / gradAccum));
}

/**
 * The optimizer steps of each epoch a run trains, for counting its epoch ends: `same` where every epoch has the first's
 * (no packing, no shuffling, or packing whose bounds fix the count), `counted` each epoch's as the loader draws them
 * (`epochs` of them, or as many as reach `maxSteps`), `first` the first epoch's where counting them all is not affordable.
 */
export type EpochSteps = { kind: 'same' | 'first'; steps: number } | { kind: 'counted'; steps: number[] };

export function epochSteps(loader: DataLoader, train: readonly TokenRow[],
  o: { epochs: number; maxSteps: number | null; packLength: number | undefined; shuffle: boolean; batchSize: number; gradAccum: number },
  planned: readonly number[] | null = null): EpochSteps {
  const first = Math.ceil(loader.epochBatches / o.gradAccum);
  if (o.packLength === undefined || !o.shuffle) return { kind: 'same', steps: first };
  const { least, most } = packedStepBounds(train, o.packLength, o.batchSize * o.gradAccum);
  if (least === most) return { kind: 'same', steps: first };
  // every epoch's steps as packedTotalSteps planned them for the run's length: not planned a second time
  if (planned !== null && o.maxSteps === null && planned.length === o.epochs) return { kind: 'counted', steps: [...planned] };
  // every epoch has at least `least` steps, so this many reach max_steps
  const epochs = o.maxSteps === null ? o.epochs : Math.ceil(o.maxSteps / Math.max(1, least));
  if (epochs * train.length > MAX_PLANNED_ROWS) return { kind: 'first', steps: first };
  const steps = stepsOfEpochs(loader, epochs, o.gradAccum);
  if (o.maxSteps !== null) {
    // the epochs max_steps reaches into, no more
    let sum = 0, k = 0;
    while (k < steps.length && sum < o.maxSteps) sum += steps[k++]!;
    steps.length = k;
  }
  return { kind: 'counted', steps };
}
