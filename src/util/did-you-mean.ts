// The candidate a mistyped name most likely meant (a config key, a command), by edit distance, or none when no
// candidate is close: at most a third of the name's letters apart (2 for short names), and never all of them.
/** The candidate nearest `key` (case aside), or null when none is near enough. */
export function didYouMean(key: string, candidates: string[]): string | null {
  let best: string | null = null, bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(key.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // never a key that shares no letter's place with it (for "<<", a YAML merge key, "r" is 2 edits away: no suggestion)
  return best !== null && bestD < key.length && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
