// Class names that look misspelt for one another ("positive" and "postive"), in prepare's class warnings (label-warnings.ts's
// classWarnings): a hand-labelled set's typos become classes of their own, trained on and scored, without a word.
import type { OptionWords } from '../util/option-words.ts';
import { quotedClass } from './quoted-class.ts';

/** A word shorter than this (folded) is not taken for a typo of another: "cat" and "car", "set" and "get" are words. */
const TYPO_MIN_LENGTH = 5;
/** Past this many word classes typos are not looked for: such label sets are ids, not hand-typed words. */
const TYPO_MAX_CLASSES = 20000;
/** Typo pairs said one a line; the rest are counted. */
const TYPO_SHOWN = 5;
/**
 * Past this many names that agree but for one deleted character ("class中", "class国", … all give "class"), they are a
 * series varying one character, not typos of each other.
 */
const TYPO_SERIES = 4;
/** What separates the parts of a class name ("alarm_set", "B-PER", "fra_Latn"), kept by split (odd indices). */
const NAME_SEPARATORS = /([_\-\s./])/u;

/**
 * Classes one edit apart ("positive" and "postive", "neutral" and "nuetral": a letter changed, added, dropped or two
 * swapped) within a word of TYPO_MIN_LENGTH letters or more, compared in their folded forms (`forms`, keys of
 * `byForm`), in warnings: a hand-labelled set's typos are classes of their own, trained on and scored, without a
 * word. Not typos: names holding a digit ("class1", "class2": numbered on purpose), names whose difference is a whole
 * short part ("class_a"/"class_b", "alarm_set"/"alarm_get", "B-PER"/"I-PER", "fra_Latn"/"fry_Latn") or an inflection
 * ("sport"/"sports", "approve"/"approved"), and series (TYPO_SERIES). Candidates come from names sharing a form with one
 * character deleted (a changed, added, dropped or swapped letter all leave one; deletionKeys), so that thousands of
 * classes cost a few milliseconds, not every pair compared.
 */
export function typoClassWarnings(forms: readonly string[], byForm: ReadonlyMap<string, readonly string[]>, optionWords: OptionWords): string[] {
  const words = forms.filter((f) => [...f].length >= TYPO_MIN_LENGTH && !/\p{Nd}/u.test(f));
  if (words.length > TYPO_MAX_CLASSES) return [];
  const byDeletion = new Map<number, number[]>();
  words.forEach((w, i) => {
    for (const key of deletionKeys(w)) {
      const members = byDeletion.get(key);
      if (members) members.push(i);
      else byDeletion.set(key, [i]);
    }
  });
  const pairs = new Map<string, [number, number]>();
  for (const members of byDeletion.values()) {
    if (members.length < 2 || members.length > TYPO_SERIES) continue;
    for (let p = 0; p < members.length; p++) {
      for (let q = p + 1; q < members.length; q++) {
        const [i, j] = [members[p]!, members[q]!].sort((m, n) => m - n) as [number, number];
        if (!pairs.has(`${i},${j}`) && likelyTypo(words[i]!, words[j]!)) pairs.set(`${i},${j}`, [i, j]);
      }
    }
  }
  const found = [...pairs.values()].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const out = found.slice(0, TYPO_SHOWN).map(([i, j]) => {
    const a = byForm.get(words[i]!)![0]!, b = byForm.get(words[j]!)![0]!;
    return `classes ${quotedClass(a)} and ${quotedClass(b)} differ by one letter: a typo? They are separate classes ` +
      `(give ${optionWords.say('labels')} to reject the misspelt one as unknown_label, or fix the data)`;
  });
  const more = found.length - TYPO_SHOWN;
  if (more > 0) out.push(`and ${more} more pair${more === 1 ? '' : 's'} of classes that differ by one letter`);
  return out;
}

/** Moduli and bases of deletionKeys' two polynomial hashes: primes below 2^26, so that a product stays an exact double. */
const HASHES = [{ mod: 67108859, base: 1114121 }, { mod: 67108837, base: 1114139 }] as const;

/**
 * Keys of `word` and of each text it gives with one character (code point) deleted, as numbers (a hash of each text):
 * equal texts have equal keys, so names one edit apart share one. Computed from prefix hashes in one pass: the texts
 * themselves cost the square of the name's length (a 16,000-character label took 23 s, a megabyte one never ended).
 * Two texts may share a key by chance: likelyTypo checks each candidate pair.
 */
function deletionKeys(word: string): Set<number> {
  const chars = Array.from(word, (c) => c.codePointAt(0)!), n = chars.length;
  const [h1, h2] = HASHES.map(({ mod, base }) => {
    const prefix = [0], power = [1]; // prefix[k]: the hash of chars[0, k); power[k]: base^k
    for (let k = 0; k < n; k++) {
      prefix.push((prefix[k]! * base + chars[k]!) % mod);
      power.push((power[k]! * base) % mod);
    }
    // chars without the one at k: the hash of chars[0, k) shifted past the n-k-1 after it, plus theirs
    const without = (k: number): number => {
      const after = (prefix[n]! - ((prefix[k + 1]! * power[n - k - 1]!) % mod) + mod) % mod;
      return ((prefix[k]! * power[n - k - 1]!) % mod + after) % mod;
    };
    return [prefix[n]!, ...Array.from({ length: n }, (_, k) => without(k))];
  }) as [number[], number[]];
  return new Set(h1.map((h, k) => h * HASHES[1].mod + h2[k]!));
}

/**
 * Whether names `x` and `y` (folded) look like one misspelt for the other: the same parts but one, a word of
 * TYPO_MIN_LENGTH letters or more in both, one edit apart, and not the other with an inflection ("s", "ed", "er") added.
 */
function likelyTypo(x: string, y: string): boolean {
  const px = x.split(NAME_SEPARATORS), py = y.split(NAME_SEPARATORS);
  if (px.length !== py.length) return false; // a separator added or dropped: "alarm_set" and "alarmset"
  const differ = px.flatMap((part, k) => (part === py[k] ? [] : [k]));
  if (differ.length !== 1 || differ[0]! % 2 === 1) return false; // parts differ, or a separator does
  let [a, b] = [px[differ[0]!]!, py[differ[0]!]!];
  if ([...a].length > [...b].length) [a, b] = [b, a];
  if ([...a].length < TYPO_MIN_LENGTH || !oneEditApart(a, b)) return false;
  const inflected = [...b].length === [...a].length + 1 && b.startsWith(a) && /(?:s|ed|er)$/u.test(b);
  return !inflected;
}

/** Whether `x` and `y` differ by one edit: a character changed, added or dropped, or two neighbours swapped. */
function oneEditApart(x: string, y: string): boolean {
  let a = [...x], b = [...y]; // code points, so that an emoji or a letter outside the BMP is one character
  if (a.length > b.length) [a, b] = [b, a];
  if (b.length - a.length > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i === b.length) return false; // the same
  const same = (p: number, q: number): boolean => a.slice(p).join('') === b.slice(q).join('');
  if (a.length < b.length) return same(i, i + 1);
  return same(i + 1, i + 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && same(i + 2, i + 2));
}
