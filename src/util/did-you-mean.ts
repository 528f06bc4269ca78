// The candidate a mistyped name most likely meant (a config key, a command), by edit distance (two letters swapped
// one edit), or none when no candidate is close: at most a third of the name's letters apart (2 for short names, 1 for names
// of 3 letters or fewer), and never all of them.
/** The candidate nearest `key` (case aside), or null when none is near enough (or more than `most` edits away). */
export function didYouMean(key: string, candidates: string[], most = Infinity): string | null {
  let best: string | null = null, bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  // never a key that shares no letter's place with it (for "<<", a YAML merge key, "r" is 2 edits away: no suggestion)
  // a name of 3 letters or fewer is at most one edit off: two would leave one letter in place ("gpu" suggested "eps")
  const near = key.length <= 3 ? 1 : Math.max(2, Math.floor(key.length / 3));
  return best !== null && bestD < key.length && bestD <= Math.min(most, near) ? best : null;
}

/**
 * The optimal-string-alignment (restricted Damerau–Levenshtein) distance: insertions, deletions, substitutions and
 * swaps of two letters side by side, one edit each. A swapped pair (`bets` for `best`, `lables` for `labels`) was two
 * edits by Levenshtein's count, too far for a short name, and the key let be without a word.
 */
export function editDistance(a: string, b: string): number {
  let before = Array.from({ length: b.length + 1 }, () => 0); // row i - 2
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j); // row i - 1
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length]!;
}
