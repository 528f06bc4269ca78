// Warnings about a classification run's classes: what the kept records' classes may hide (too few, empty, near-alike
// names), classes no split trains or evaluates, and labels read as no label (-1, a word the class list lacks). Split from
// labels.ts (the label values and class lists themselves).
import type { OptionWords } from '../util/option-words.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { classQuote } from './quoted-class.ts';
import { SPLITS } from './split.ts';
import { typoClassWarnings } from './label-typos.ts';
import { labelsIs, MORE, NAME, sortLabels, withoutEndPunctuation, type ClassEntry, type LabelSet, type LabelValue } from './labels.ts';

/**
 * What a classification run's kept classes may hide, in warnings: fewer than 2 present; classes with no kept
 * record (integer labels 1 … 5 make classes 0 … 5, class 0 empty; a --labels class the data never uses); classes
 * found in the data (`inferred`) that differ only in case or character form ("Pos", "ｐｏｓ" and "pos"), in the punctuation
 * or quotes at their ends ("positive." and "positive"), or by one letter ("positive" and "postive"), which are separate classes.
 * `present` holds String(label) of every class the kept records have; `optionWords` name the class list option.
 */
export function classWarnings(present: ReadonlySet<string>, labels: readonly LabelValue[], inferred: boolean, optionWords: OptionWords): string[] {
  const out: string[] = [];
  if (present.size < 2) out.push(`the kept records have ${present.size} class${present.size === 1 ? '' : 'es'}: a classifier needs at least 2`);
  const empty = labels.filter((l) => !present.has(String(l)));
  if (empty.length > 0 && present.size > 0) {
    const shown = boundedItemsText(empty, { shown: 10, quote: classQuote });
    const ints = inferred && labels.every((l) => typeof l === 'number');
    const why = ints
      ? `: integer labels are class indices 0 … ${labels.length - 1}${empty[0] === 0 ? ` (labels that start at 1 are 1-based: name them with ${labelsIs(optionWords, [{ name: NAME, code: 1 }, { name: NAME, code: 2 }, MORE])})` : ''}; the model gets a class for each`
      : ': the model gets a class for each';
    out.push(`${empty.length === 1 ? 'class' : 'classes'} ${shown} ${empty.length === 1 ? 'has' : 'have'} no record in the kept data${why}`);
  }
  if (!inferred) return out;
  // (inferred classes never mix integers and words: a label column or field is typed whole, as HF datasets types it —
  // a JSON field mixing them is refused, a CSV column or a dataset's files holding a word are text: label-column.ts)
  // folded as near-dedup folds text (NFKC, lower case, white space one space): an IME's full-width "ｐｏｓ" reads as "pos"
  const byForm = new Map<string, string[]>();
  for (const l of labels) {
    if (typeof l !== 'string') continue;
    const k = l.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
    byForm.set(k, [...(byForm.get(k) ?? []), l]);
  }
  // grouped again without the punctuation and quotes at their ends: an LLM's labels "positive." and "\"positive\"" beside
  // "positive" (not "+" or "C++": signs are names of their own)
  const byBare = new Map<string, string[]>(); // a form bared → the forms (keys of byForm)
  for (const k of byForm.keys()) {
    const b = withoutEndPunctuation(k);
    if (b !== '') byBare.set(b, [...(byBare.get(b) ?? []), k]);
  }
  const sameBare = [...byBare.values()].filter((forms) => forms.length > 1);
  const saidBare = new Set(sameBare.flat()); // said so, with their case or white space, not again below
  for (const [k, same] of byForm) {
    if (same.length < 2 || saidBare.has(k)) continue;
    const spaced = (l: string): string => l.replace(/\s+/g, ' ');
    const how = same.every((l) => spaced(l) === spaced(same[0]!)) ? 'white space'
      : same.every((l) => l.toLowerCase() === same[0]!.toLowerCase()) ? 'case'
        : `case${same.every((l) => l.normalize('NFKC').toLowerCase() === same[0]!.normalize('NFKC').toLowerCase()) ? '' : ', white space'} or character form (full-width letters, ligatures)`;
    out.push(`classes ${boundedItemsText(same, { quote: classQuote, separator: ' and ' })} differ only in ${how}: they are separate classes (give ${optionWords.say('labels')}, or fix the data)`);
  }
  for (const forms of sameBare) {
    const same = forms.flatMap((k) => byForm.get(k)!);
    const more = same.every((l) => withoutEndPunctuation(l) === withoutEndPunctuation(same[0]!)) ? '' : ', and in case, white space or character form';
    out.push(`classes ${boundedItemsText(same, { quote: classQuote, separator: ' and ' })} differ only in the punctuation or quotes at their ends${more}: they are separate classes (give ${optionWords.say('labels')}, or fix the data)`);
  }
  // of the forms said above, only the bare one (else the first) is looked at for typos: "negative!" is no typo of
  // "negative", but "postive" beside "positive" and "positive." is one
  const typoForm = new Set(sameBare.map((forms) => forms.find((k) => k === withoutEndPunctuation(k)) ?? forms[0]!));
  const forms = [...byForm.keys()].filter((k) => !saidBare.has(k) || typoForm.has(k));
  for (const w of typoClassWarnings(forms, byForm, optionWords)) out.push(w); // no spread: thousands of lines would overflow the stack
  return out;
}

/**
 * The classes that have kept records in val or test but none in train, in a warning (null when there are none): a
 * --val or --test file's own class, or a class of a record or two that the split dealt to val or test, which the
 * model is never trained on, so that every record of it there counts as an error. `counts[k]` holds, per split
 * (train, val, test), the records of each class by String(label); `filesGiven`, whether --val or --test gave files
 * (named in the caller's `words`).
 */
export function untrainedClassWarning(counts: readonly ReadonlyMap<string, number>[], labels: readonly LabelValue[], filesGiven: boolean, words: OptionWords): string | null {
  const [train, val, test] = counts as [ReadonlyMap<string, number>, ReadonlyMap<string, number>, ReadonlyMap<string, number>];
  if (train.size === 0) return null; // no train split at all (no --input record kept): said as an empty split
  const untrained = labels.filter((l) => !train.has(String(l)) && (val.has(String(l)) || test.has(String(l))));
  if (untrained.length === 0) return null;
  const shown = withCounts(untrained, counts);
  const one = untrained.length === 1;
  const it = one ? 'it' : 'them';
  const fix = filesGiven ? `give training records of ${it}, or leave ${it} out of ${words.say('val')}/${words.say('test')}` : `too few records to be in every split: give ${it} more, or leave ${it} out`;
  return `${one ? 'class' : 'classes'} ${shown} ${one ? 'has' : 'have'} records in val or test but none in train: the model is never trained on ${it}, ` +
    `and every such record is scored as an error (${fix})`;
}

/**
 * A warning naming the trained classes that a val or test split with records has none of (a class of a few records,
 * which the stratified split gives to train first; a --val/--test file without it): no evaluation there measures
 * them — their accuracy and F1 go unseen there, and where val lacks one, best/ and early stopping choose without it.
 * Empty splits are said as such. `provided`: whether val and test (indices 1, 2) came from files.
 */
export function unevaluatedClassWarning(counts: readonly ReadonlyMap<string, number>[], labels: readonly LabelValue[], provided: readonly boolean[], words: OptionWords): string | null {
  const train = counts[0]!;
  const evaluated = ([1, 2] as const).filter((k) => counts[k]!.size > 0);
  const lacking = (l: LabelValue): Array<1 | 2> => evaluated.filter((k) => !counts[k]!.has(String(l)));
  const missing = labels.filter((l) => train.has(String(l)) && lacking(l).length > 0);
  if (missing.length === 0) return null;
  const splits = ([1, 2] as const).filter((k) => missing.some((l) => lacking(l).includes(k)));
  const one = missing.length === 1, it = one ? 'it' : 'them';
  const val = splits.includes(1) ? `; in val, best/ and early stopping choose without ${it}` : '';
  // the way out, by where each lacking split came from: a file of the user's, or the input's share
  const fromFiles = splits.filter((k) => provided[k]), cut = splits.filter((k) => !provided[k]);
  const fix = [
    ...(fromFiles.length > 0 ? [`add records of ${it} to ${fromFiles.map((k) => words.say(SPLITS[k])).join(' and ')}`] : []),
    ...(cut.length > 0 ? [`${cut.map((k) => SPLITS[k]).join(' and ')} ${cut.length === 1 ? 'is' : 'are'} cut from too few records of ${it} to give ${cut.length === 1 ? 'it' : 'each'} one: give ${it} more`] : []),
  ].join('; ');
  // where classes lack different splits ("neutral" has a val record, none in test), each says which it lacks
  const same = missing.every((l) => lacking(l).length === splits.length);
  const lacks = (l: LabelValue): string => (same ? '' : `; none in ${lacking(l).map((k) => SPLITS[k]).join(' or ')}`);
  return `${one ? 'class' : 'classes'} ${withCounts(missing, counts, lacks)} ${one ? 'has' : 'have'} training records but none in ${same ? splits.map((k) => SPLITS[k]).join(' or ') : 'the split each names'}: ` +
    `no evaluation there measures ${it} (${one ? 'its' : 'their'} accuracy and F1 there go unseen${val}; ${fix})`;
}

/** Classes as the warnings name them, each with its records in the splits that have some ("pos" (train 3, test 1)): the first 10, then how many more. */
function withCounts(classes: readonly LabelValue[], counts: readonly ReadonlyMap<string, number>[], more: (l: LabelValue) => string = () => ''): string {
  return boundedItemsText(classes, {
    shown: 10,
    quote: classQuote,
    after: (l) => ` (${SPLITS.flatMap((s, k) => (counts[k]!.has(String(l)) ? [`${s} ${counts[k]!.get(String(l))}`] : [])).join(', ')}${more(l)})`,
  });
}

/** From this share of the records read, records dropped for the label -1 or a placeholder word are said in a warning: it may be a class. */
const MINUS_ONE_SHARE = 0.01;

/**
 * A warning when many records were rejected for the label -1 (HF's "no label": SNLI leaves 0.1 % of its pairs so),
 * as where -1 is a class (sentiment's -1/0/1, ±1 labels): it says how to map it — with the given class list's names
 * (`classes`, --labels), else with the integer labels the kept records have (`present`); in the caller's `words`. Where
 * every such -1 is the cell "-1" of a CSV/TSV column of words (`minusOnes.ofWords`), rejected only because the class list
 * given lacks it, it says to leave the class list out: such a column keeps "-1" as a class (a column of words has no
 * integer codes to map).
 */
export function minusOneWarning(minusOnes: { records: number; ofWords: number }, records: number, classes: LabelSet | null, present: readonly LabelValue[], words: OptionWords): string | null {
  const count = minusOnes.records;
  if (count === 0 || count < MINUS_ONE_SHARE * records) return null;
  const pct = (100 * count) / records;
  const what = `${count} record${count === 1 ? ' has' : 's have'} the label -1 (${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)} % of those read), read as Hugging Face's "no label" and rejected (missing_label)`;
  if (minusOnes.ofWords === count) {
    return `${what}; if "-1" is a class, leave ${words.say('labels')} out: a CSV/TSV column of words keeps "-1" as a class of its own, as run_classification.py does (the classes sorted as text)`;
  }
  let rest: ClassEntry[] = [MORE];
  if (classes?.codes) rest = classes.entries;
  else if (classes?.named) rest = classes.labels.map((name, i) => ({ name, code: i }));
  else if (present.length > 0 && present.length <= 8 && present.every((l) => typeof l === 'number')) rest = sortLabels(present).map((l) => ({ name: NAME, code: l as number }));
  return `${what}; if -1 is a class (sentiment's -1/0/1, ±1 labels), name every class: ${labelsIs(words, [{ name: NAME, code: -1 }, ...rest])}`;
}

/**
 * A warning when many records were rejected for a label that is a placeholder word ("None", "N/A": read as a missing
 * value), as where it is a class (LUIS's "None" intent, a "None" toxicity type): it says how to name it — with the
 * given class list's names (`classes`, --labels), else with the string labels the kept records have (`present`); in
 * the caller's `words`.
 */
export function wordLabelWarning(word: string, count: number, records: number, classes: LabelSet | null, present: readonly LabelValue[], words: OptionWords): string | null {
  if (count === 0 || count < MINUS_ONE_SHARE * records) return null;
  const names = classes ? (classes.named && !classes.codes ? classes.labels : null) : present;
  const known: ClassEntry[] = names && names.length <= 8 && names.every((l) => typeof l === 'string') ? names.map((name) => ({ name })) : [MORE];
  const pct = (100 * count) / records;
  return `${count} record${count === 1 ? ' has' : 's have'} the label ${JSON.stringify(word)} (${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)} % of those read), read as a missing value ` +
    `and rejected (missing_label); if ${JSON.stringify(word)} is a class, name every class: ${labelsIs(words, [...known, { name: word }])}`;
}
