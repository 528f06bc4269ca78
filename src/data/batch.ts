// The batch contract: rows of token ids collated into the padded (B, T) arrays the model uploads, one
// row per sequence (collate) or several samples packed into each (collatePacked). HF conventions live
// here, in one place: right padding, positions restarting at 0 for every sample, the next-token shift
// (the target of position t is labels[t + 1]: targetAt, the one place it is written), −100 for ignored
// targets (IGNORE_INDEX, which the kernels honour), and the classification token (the last token that is
// not pad_token_id). Rows are validated here, on the host, when a batch is built (checkRow): the kernels
// that gather rows or take targets never check. Packing's segment rule: each sample gets its own segment
// id (0, 1, 2… within the row; −1 for padding) and its targets stop at its own last token, so no sample
// attends to or predicts another.
import { needArg } from '../util/api-args.ts';
import { UserError } from '../util/errors.ts';
import { maxOf } from '../util/reduce.ts';

/** The target id that cross-entropy ignores (PyTorch's and HF's −100). */
export const IGNORE_INDEX = -100;

/** One tokenized example. `labels` has the length of `inputIds` (HF convention); absent = all targets. */
export interface TokenRow {
  inputIds: readonly number[] | Int32Array;
  labels?: readonly number[] | Int32Array | null;
  /** Class index, for sequence classification. */
  label?: number;
}

export interface Batch {
  B: number;
  T: number;
  inputIds: Int32Array; // (B, T), padding filled with padId
  positions: Int32Array; // (B, T)
  /** (B, T) segment of each token: 0 for every real token of a row, −1 for padding (packing uses 0, 1, 2…). */
  segments: Int32Array;
  /** (B, T) next-token targets: targets[b, t] = labels[b, t + 1], or −100. */
  targets: Int32Array;
  /** (B) flat index b·T + t of the token the classification head scores. */
  scoreIndex: Int32Array;
  /** (B) class indices, or null when the rows have none. */
  classLabels: Int32Array | null;
  /** Number of counted targets (targets ≠ −100). */
  targetCount: number;
}

/** The bounds a row's indices must keep: token ids and targets in [0, vocabSize), class labels in [0, numLabels). */
export interface RowLimits {
  vocabSize?: number;
  numLabels?: number | null;
}

/** The next-token shift: the target of position t (t + 1 < length) is labels[t + 1], or inputIds[t + 1] without labels. */
export function targetAt(row: TokenRow, t: number): number {
  return row.labels ? row.labels[t + 1]! : row.inputIds[t + 1]!;
}

/** The number of positions of a row that take a loss (targets ≠ −100). */
export function countTargets(row: TokenRow): number {
  let n = 0;
  for (let t = 0; t + 1 < row.inputIds.length; t++) if (targetAt(row, t) !== IGNORE_INDEX) n++;
  return n;
}

/** The words for an input id `id` at index `t` that is no token id `range` (`in [0, V)`), as its caller names the ids. */
export type BadIdWords = (t: number, id: unknown, range: string) => string;

const INPUT_IDS_WORDS: BadIdWords = (t, id, range) => `input_ids[${t}] = ${String(id)} is not a token id ${range}`;

/**
 * Throws a UserError at `where` (the record's file:line, or its place in a batch) when a row holds an index
 * the kernels would gather or score out of bounds: an id outside the vocabulary, a target that is neither
 * one nor −100, a class label outside the head. Without a limit only the lower bounds are checked. `badId`
 * words a bad input id as the caller named the ids (generate: `prompt[1] is …`), else as `input_ids[1] = …`.
 */
export function checkRow(row: TokenRow, limits: RowLimits, where: string, badId: BadIdWords = INPUT_IDS_WORDS): void {
  const V = limits.vocabSize, L = limits.numLabels ?? undefined;
  const range = V === undefined ? '≥ 0' : `in [0, ${V})`;
  const isId = (x: number): boolean => Number.isInteger(x) && x >= 0 && (V === undefined || x < V);
  const ids = row.inputIds;
  for (let t = 0; t < ids.length; t++) {
    if (!isId(ids[t]!)) throw new UserError(badId(t, ids[t], range), where);
  }
  const labels = row.labels;
  if (labels) {
    for (let t = 0; t < labels.length; t++) {
      const y = labels[t]!;
      if (y !== IGNORE_INDEX && !isId(y)) throw new UserError(`labels[${t}] = ${y} is neither a token id ${range} nor ${IGNORE_INDEX}`, where);
    }
  }
  if (row.label !== undefined && !(Number.isInteger(row.label) && row.label >= 0 && (L === undefined || row.label < L))) {
    const heads = L === undefined ? 'a class index ≥ 0' : `a class index in [0, ${L}) (the classification head scores ${L} classes)`;
    throw new UserError(`label ${row.label} is not ${heads}`, where);
  }
}

/**
 * Throws a UserError naming `fn` unless `batch` has the shape collate gives a batch: B and T, and Int32Arrays of B·T
 * (inputIds, positions, segments, targets) and of B (scoreIndex). A row ({inputIds}) or another object given for the
 * batch failed inside on a TypeError, or on a buffer overflow naming no argument. The values are the model's to check
 * (checkBatchValues in its forward, checkScoreIndex where a row is scored).
 */
export function needBatch(fn: string, batch: unknown): asserts batch is Batch {
  const hint = 'collate(rows, padId, scorePadId)';
  needArg(fn, 'batch', batch, 'object', { hint });
  const b = batch as Record<string, unknown>;
  const size = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!size(b.B) || !size(b.T)) throw new UserError(`batch has no B and T (its rows and their length): give ${hint}`, fn);
  const N = (b.B as number) * (b.T as number);
  const sized = { inputIds: N, positions: N, segments: N, targets: N, scoreIndex: b.B as number };
  for (const [key, n] of Object.entries(sized)) {
    const a = b[key];
    if (!(a instanceof Int32Array && a.length === n)) throw new UserError(`batch.${key} is not an Int32Array of ${n === N ? `B·T = ${N}` : `B = ${n}`} entries: give ${hint}`, fn);
  }
}

/** Where flat index i of a (B, T) batch is: `row b, position t`. */
function place(i: number, T: number): string {
  return `row ${Math.floor(i / T)}, position ${i % T}`;
}

/**
 * Throws a UserError naming the entry unless the values of `batch` (its shape checked: needBatch) are ones the model takes
 * as collate and packing give them: ids in [0, vocabSize); targets in it or −100, and −100 at padding (segment < 0: a padded
 * query sees no key, so a loss there is neither HF's nor any sample's); targetCount the number of targets ≠ −100 (the
 * count loss() returns: the mean's denominator). Positions may be any integers (RoPE rotates by any, as HF's) and
 * segments are only compared (equal ids see each other; any negative one is padding), so neither is checked here.
 */
export function checkBatchValues(batch: Batch, vocabSize: number): void {
  const { inputIds, targets, segments, T } = batch;
  let counted = 0;
  for (let i = 0; i < inputIds.length; i++) {
    const id = inputIds[i]!, target = targets[i]!;
    if (!(id >= 0 && id < vocabSize)) throw new UserError(`batch.inputIds[${i}] (${place(i, T)}) is ${id}: a token id is in [0, ${vocabSize}) (the model's vocab_size)`);
    if (target === IGNORE_INDEX) continue;
    // (the kernels take such a target for an ignored one: a batch collated without the model's limits lost it unsaid)
    if (!(target >= 0 && target < vocabSize)) throw new UserError(`batch.targets[${i}] is ${target}: a target is a token id in [0, ${vocabSize}) or ${IGNORE_INDEX} (not counted)`);
    if (segments[i]! < 0) throw new UserError(`batch.targets[${i}] (${place(i, T)}) is ${target} at padding (batch.segments[${i}] = ${segments[i]}): padding takes no target, give ${IGNORE_INDEX}`);
    counted++;
  }
  if (batch.targetCount !== counted) throw new UserError(`batch.targetCount is ${String(batch.targetCount)} but batch.targets holds ${counted} targets ≠ ${IGNORE_INDEX} (loss() returns it as the count its mean divides by)`);
}

/**
 * Throws a UserError naming `fn` unless each row's scoreIndex picks a token of its own row, b·T + t with t in [0, T), and
 * a real one (segment ≥ 0) where the row has any (collate scores an empty row's first position). The pick gathers the
 * flat index unchecked: outside the batch it scored a zero row, in another row or in padding the wrong token, unsaid.
 */
export function checkScoreIndex(batch: Batch, fn: string): void {
  const { B, T, scoreIndex, segments } = batch;
  for (let b = 0; b < B; b++) {
    const i = scoreIndex[b]!;
    if (!(i >= b * T && i < (b + 1) * T)) throw new UserError(`batch.scoreIndex[${b}] is ${i}: row ${b}'s scored token is a flat index b·T + t in [${b * T}, ${(b + 1) * T}) (T = ${T})`, fn);
    if (segments[i]! < 0 && segments.subarray(b * T, (b + 1) * T).some((s) => s >= 0)) {
      throw new UserError(`batch.scoreIndex[${b}] is ${i} (${place(i, T)}), a padding token (batch.segments[${i}] = ${segments[i]}): score one of row ${b}'s tokens`, fn);
    }
  }
}

/** checkRow over every row (or packed sample) of a batch, and the pad id (written into padding and gathered too). */
export function checkBatch(rows: readonly TokenRow[], padId: number, limits: RowLimits, unit = 'row'): void {
  const V = limits.vocabSize;
  if (!Number.isInteger(padId) || padId < 0 || (V !== undefined && padId >= V)) {
    throw new UserError(`the pad id ${padId} is not a token id ${V === undefined ? '≥ 0' : `in [0, ${V})`}`);
  }
  rows.forEach((row, b) => checkRow(row, limits, `${unit} ${b} of the batch`));
}

/**
 * Collates rows with right padding to the longest row. `padId` fills padded ids (Mistral has no pad token:
 * any id works since padding is masked); `scorePadId` is the classification pick's pad id (classificationPadId).
 * Every row is checked against `limits` (checkRow); the error names the row's place in the batch.
 */
export function collate(rows: readonly TokenRow[], padId: number, scorePadId: number | null, limits: RowLimits = {}): Batch {
  needArg('collate', 'rows', rows, 'array', { hint: 'token rows ({inputIds, labels?})' });
  needArg('collate', 'padId', padId, 'number');
  const B = rows.length;
  if (B === 0) throw new UserError('rows is empty: give at least one token row ({inputIds, labels?})', 'collate');
  checkBatch(rows, padId, limits);
  const T = maxOf(rows, (r) => r.inputIds.length);
  if (T === 0) throw new UserError('a row has no tokens');
  const batch = emptyBatch(B, T, padId);
  const hasClass = rows.every((r) => r.label !== undefined);
  batch.classLabels = hasClass ? Int32Array.from(rows, (r) => r.label!) : null;
  for (let b = 0; b < B; b++) {
    const row = rows[b]!;
    const len = row.inputIds.length;
    if (row.labels && row.labels.length !== len) {
      throw new UserError(`row ${b}: labels has ${row.labels.length} entries but input_ids has ${len}`);
    }
    placeSample(batch, row, b * T, 0);
    padPositions(batch, b, len);
    batch.scoreIndex[b] = b * T + scoreToken(batch.inputIds.subarray(b * T, b * T + T), len, scorePadId);
  }
  return batch;
}

/**
 * A batch of packed sequences: row b holds the samples of `packs[b]` back to back, padded with `padId` to
 * T (default: the longest row). Classification rows cannot be packed (one score per row). Every sample
 * is checked against `limits` as collate checks its rows.
 */
export function collatePacked(packs: readonly (readonly TokenRow[])[], padId: number, T?: number, limits: RowLimits = {}): Batch {
  const B = packs.length;
  if (B === 0) throw new Error('collatePacked: no sequences');
  checkBatch(packs.flat(), padId, limits, 'sample');
  const lengths = packs.map((p) => p.reduce((a, r) => a + r.inputIds.length, 0));
  const width = T ?? maxOf(lengths, (n) => n);
  const batch = emptyBatch(B, width, padId);
  for (let b = 0; b < B; b++) {
    if (lengths[b]! > width) throw new UserError(`packed sequence ${b} has ${lengths[b]} tokens, more than T = ${width}`);
    let o = b * width;
    packs[b]!.forEach((row, s) => {
      if (row.label !== undefined) throw new UserError('classification rows cannot be packed (the head scores one token per sequence)');
      const len = row.inputIds.length;
      if (row.labels && row.labels.length !== len) throw new UserError(`a row's labels have ${row.labels.length} entries but its input_ids ${len}`);
      placeSample(batch, row, o, s);
      o += len;
    });
    padPositions(batch, b, lengths[b]!);
    batch.scoreIndex[b] = b * width + lengths[b]! - 1;
  }
  return batch;
}

function emptyBatch(B: number, T: number, padId: number): Batch {
  return {
    B,
    T,
    inputIds: new Int32Array(B * T).fill(padId),
    positions: new Int32Array(B * T),
    segments: new Int32Array(B * T).fill(-1),
    targets: new Int32Array(B * T).fill(IGNORE_INDEX),
    scoreIndex: new Int32Array(B),
    classLabels: null,
    targetCount: 0,
  };
}

/** Writes one sample at flat offset `o` as segment `segment`: its ids, positions from 0, and its shifted targets. */
function placeSample(batch: Batch, row: TokenRow, o: number, segment: number): void {
  const len = row.inputIds.length;
  for (let t = 0; t < len; t++) {
    batch.inputIds[o + t] = row.inputIds[t]!;
    batch.positions[o + t] = t;
    batch.segments[o + t] = segment;
    if (t + 1 < len) {
      const y = targetAt(row, t);
      batch.targets[o + t] = y;
      if (y !== IGNORE_INDEX) batch.targetCount++;
    }
  }
}

/**
 * The positions transformers' dynamic and longrope ropes look at for this batch (the largest position + 1): that of a
 * real token, padding left out. HF pads a batch of rows to its longest, whose positions reach as far as any; a packed
 * batch reaches it padding-free (TRL: no padding, positions restarting per sample), so only its longest sample counts,
 * not the padding that fills a pack out to max_seq_len here.
 */
export function batchReach(batch: Batch): number {
  let reach = 0;
  for (let i = 0; i < batch.positions.length; i++) if (batch.segments[i]! >= 0) reach = Math.max(reach, batch.positions[i]! + 1);
  return reach;
}

/** Padding positions of row b count on from its `used` tokens (masked; batchReach leaves them out). */
function padPositions(batch: Batch, b: number, used: number): void {
  for (let t = used; t < batch.T; t++) batch.positions[b * batch.T + t] = t;
}

/**
 * HF's pick for sequence classification: the last token whose id is not the pad id (0 if all are); the model's
 * pad id for it is config.ts's classificationPadId (pad_token_id, else EOS). HF's padding holds that id, so its
 * pick is the last such token among the row's `len` real ones, whatever id our padding holds. With no pad id at
 * all HF scores the last position; we score the row's last real token, the same for an unpadded row and right for
 * padded ones.
 */
function scoreToken(row: Int32Array, len: number, padId: number | null): number {
  if (padId === null) return len - 1;
  for (let t = len - 1; t >= 0; t--) if (row[t] !== padId) return t;
  return 0;
}
