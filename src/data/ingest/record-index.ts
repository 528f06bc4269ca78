// Which record a record is where its line alone does not say: the elements of a JSON array written on one line (or
// several on one line of a longer array), and the records of a batch on one JSON Lines line. Each such record carries
// its 1-based place among the file's records (RawItem.record), which reports and errors give after the line
// (`data.json:1 (record 17)`, as classify names its texts); a record alone on its line carries none, its line says.
import type { RawItem } from './types.ts';

/** `items` as read (a file's), each numbered (RawItem.record: its place among them, from 1) where another of them starts on its line. */
export function* numberedOnSharedLines(items: Iterable<RawItem>): Generator<RawItem> {
  let n = 0, pending: RawItem | null = null, pendingShared = false;
  for (const item of items) {
    n++;
    const shared = pending !== null && pending.line === item.line;
    if (pending !== null) yield pendingShared || shared ? pending : withoutIndex(pending);
    pending = { ...item, record: n };
    pendingShared = shared;
  }
  if (pending !== null) yield pendingShared ? pending : withoutIndex(pending);
}

function withoutIndex(item: RawItem): RawItem {
  const { record: _, ...rest } = item;
  return rest;
}
