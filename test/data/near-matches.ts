// The near-duplicate tests' way of feeding records to a NearDupIndex as prepare does.
import type { NearDupIndex } from '../../src/data/near-dedup.ts';

/**
 * Every record of `records` (its parts) checked against `idx` in order, kept (indexed) when it matches none: one line
 * per record, `i partner similarity` for a near duplicate of the kept record `partner`, `i -` for a kept one.
 * `skip(r)`: whether kept record r is no match (rejected later, or of another class); `checked(i)` is called after
 * record i.
 */
export function nearMatchLines(idx: NearDupIndex, records: readonly string[][], skip: (record: number) => boolean, checked?: (record: number) => void): string[] {
  const kept: number[] = [];
  return records.map((r, i) => {
    const m = idx.check(r, kept.length, (j) => records[kept[j]!]!, (j) => skip(kept[j]!));
    if (!m) kept.push(i);
    checked?.(i);
    return m ? `${i} ${kept[m.index]} ${m.similarity}` : `${i} -`;
  });
}
