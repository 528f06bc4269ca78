// Exact deduplication by content: a 64-bit key (from the SHA-256 of a record's canonical content) per
// distinct content among the kept records, with the first record that had it, how many copies were kept
// (for --dedup none), the label it was kept with (classification) and whether another label was seen.
// Typed arrays keep it at about 30 bytes per distinct content.
import { grow } from './grow.ts';
import { U64Map } from './hash-table.ts';

export class ContentIndex {
  private readonly map = new U64Map();
  private firstOf = new Int32Array(1024);
  private countOf = new Int32Array(1024);
  private labelOf = new Int32Array(1024); // index into labelNames, or −1 for none
  private conflictOf = new Uint8Array(1024);
  private n = 0;
  private readonly labelIds = new Map<string, number>();
  private readonly labelNames: string[] = [];

  /** The entry of a content key (16 hex digits), if a kept record had it. */
  find(key: string): number | undefined {
    return this.map.get(parseInt(key.slice(0, 8), 16), parseInt(key.slice(8, 16), 16));
  }

  /** A new entry for a content key, first kept as record `first` with `label` (a labelKey, or null). */
  add(key: string, first: number, label: string | null): number {
    const e = this.n++;
    if (e === this.firstOf.length) {
      this.firstOf = grow(this.firstOf); this.countOf = grow(this.countOf);
      this.labelOf = grow(this.labelOf); this.conflictOf = grow(this.conflictOf);
    }
    this.firstOf[e] = first;
    this.countOf[e] = 0;
    this.labelOf[e] = this.labelId(label);
    this.map.set(parseInt(key.slice(0, 8), 16), parseInt(key.slice(8, 16), 16), e);
    return e;
  }

  first(e: number): number {
    return this.firstOf[e]!;
  }

  /** Counts one more kept copy and returns the count. */
  addCopy(e: number): number {
    return ++this.countOf[e]!;
  }

  label(e: number): string | null {
    const l = this.labelOf[e]!;
    return l < 0 ? null : this.labelNames[l]!;
  }

  conflict(e: number): boolean {
    return this.conflictOf[e] === 1;
  }

  markConflict(e: number): void {
    this.conflictOf[e] = 1;
  }

  private labelId(label: string | null): number {
    if (label === null) return -1;
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labelNames.length;
      this.labelIds.set(label, id);
      this.labelNames.push(label);
    }
    return id;
  }
}
