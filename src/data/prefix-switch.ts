// When near-dedup.ts's NearDupIndex uses its PrefixFilter: it saves band work (the entries of the query's band
// buckets that the bands read) but costs every query its shingle hashes, sorted twice and posted (about as much as
// reading two band entries per character of the query's parts: a log line of 110 characters, 200 entries; a
// paragraph of 700, 1,400). So the switch weighs, over each window of queries, the band entries the queries read or
// would have read against their characters: on once the entries are over ENTRIES_PER_CHAR a character, off again
// once they are under a HYSTERESIS-th of that (log lines followed by paragraphs: the paragraphs hardly meet one
// another in the bands, and hashing them cost 6 times their query). Each window is judged after its queries ran, so
// kinds that take turns a window each would have it on for the paragraphs and off for the log lines (through the
// bands, as many entries a query as without the filter, 1.7 times as long): each time it goes off, it needs twice
// as many windows in a row under the level to go off the next time.
/** Band entries whose reading costs about as much as hashing, sorting and posting one character of a query (measured). */
const ENTRIES_PER_CHAR = 2;
/** The switch goes off only when the band work is this many times below what turns it on. */
const HYSTERESIS = 4;
/** Queries weighed at once: a few thousand lines of a new kind turn it. */
const WINDOW = 1024;

export class PrefixSwitch {
  /** Whether the queries use the PrefixFilter. */
  on = false;
  private entries = 0; // band entries read or avoided over this window
  private chars = 0; // the queries' characters over this window
  private queries = 0;
  private low = 0; // windows in a row under the level that turns it off, while on
  private offs = 0; // times it went off: it goes off after 2^offs windows under the level

  /** Counts a query: the band-bucket entries the bands read for it or would have read, and its parts' characters. */
  note(entries: number, chars: number): void {
    this.entries += entries;
    this.chars += chars;
    if (++this.queries < WINDOW) return;
    const perChar = this.entries / Math.max(1, this.chars);
    this.low = this.on && perChar < ENTRIES_PER_CHAR / HYSTERESIS ? this.low + 1 : 0;
    if (perChar > ENTRIES_PER_CHAR) this.on = true;
    else if (this.low >= 2 ** this.offs) {
      this.on = false;
      this.low = 0;
      this.offs = Math.min(this.offs + 1, 30);
    }
    this.entries = this.chars = this.queries = 0;
  }
}
