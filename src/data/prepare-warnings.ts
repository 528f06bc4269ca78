// The warnings of prepare's report.json (prepare.ts, once the splits are written): empty splits, classes missing
// from the splits, never trained or never evaluated, labels that mean "no label", inputs not UTF-8, all rejected or holding no record, the notes
// gathered while reading, and how records were read (ReadTally's).
import type { LabelSet } from './labels.ts';
import { boundedItemsText } from '../util/bounded-json.ts';
import { classWarnings, minusOneWarning, unevaluatedClassWarning, untrainedClassWarning, wordLabelWarning } from './label-warnings.ts';
import type { ReadTally } from './read-tally.ts';
import type { FieldMap } from './record.ts';
import { aOption, type OptionWords } from '../util/option-words.ts';
import { encodingHint, noInputToTrain } from './prepare-words.ts';
import type { Source } from './sources.ts';
import { SPLITS } from './split.ts';
import * as path from 'node:path';

/** How many files a warning about many files names before it counts the rest. */
const FILES_NAMED = 5;

/** What prepare read, kept and wrote that the warnings speak of. */
export interface WarningFacts {
  sources: readonly Source[];
  /** Per source: records read, kept and rejected. */
  perSource: readonly { records: number; kept: number; rejected: number }[];
  /** Records written to train, val and test, and their sum. */
  splitCounts: readonly number[];
  keptTotal: number;
  split: readonly [number, number, number];
  /** Whether val and test were given as files (train's is false). */
  provided: readonly [boolean, boolean, boolean];
  /** Classification: the classes, and each split's count of each label. */
  classes: LabelSet | null;
  labelCounts: readonly Map<string, number>[];
  givenLabels: LabelSet | null;
  inputRecords: number;
  /** Records rejected for the label -1 (`ofWords`: a "-1" of a CSV/TSV column of words), and for a label such as "None" (by the word). */
  minusOnes: { records: number; ofWords: number };
  wordLabels: ReadonlyMap<string, number>;
  notes: readonly string[];
  /** Per source: how its reader read it (the delimiter chosen, another format it looks written in); report.json's inputs holds each. */
  readerNotes: ReadonlyArray<readonly string[]>;
  /** Per source: the key of the one list its JSON object wraps its records under (`{"test": [...]}`), if so. */
  wrappedKeys: ReadonlyArray<string | undefined>;
  /** Per source: records of bytes not UTF-8; sources with UTF-8 text beyond ASCII; sources whose one list is empty. */
  notUtf8: ReadonlyMap<number, number>;
  /** What those records of each file read as together (prepare-words.ts readTogether). */
  notUtf8ReadsAs: ReadonlyMap<number, readonly string[] | null>;
  beyondAscii: ReadonlySet<number>;
  emptyLists: ReadonlySet<number>;
  /** Per source: its first rejected record, as `file:line: reason: detail`. */
  firstRejections: ReadonlyMap<number, string>;
  tally: ReadTally;
  fields: FieldMap;
  words: OptionWords;
}

/** The report's warnings, in the order report.json lists them. */
export function prepareWarnings(facts: WarningFacts): string[] {
  const {
    sources, perSource, splitCounts, keptTotal, split, provided, classes, labelCounts, givenLabels, inputRecords, minusOnes, wordLabels,
    notes, readerNotes, wrappedKeys, notUtf8, notUtf8ReadsAs, beyondAscii, emptyLists, firstRejections, tally, fields, words,
  } = facts;
  const warnings: string[] = [];
  SPLITS.forEach((s, k) => {
    // train always wants records: a --split giving it no share is refused, but with both a --val and a --test file,
    // whose input records all train whatever the shares
    const wanted = k === 0 || split[k]! > 0 || provided[k];
    if (!(splitCounts[k] === 0 && keptTotal > 0 && wanted)) return;
    if (k === 0) {
      warnings.push(`the train split is empty: ${noInputToTrain(sources, perSource, words)}; train refuses an empty train.jsonl ("no training examples")`);
      return;
    }
    // why, when the data is too small for the share (3 records at 0.1): else an empty split is a puzzle
    const tooFew = !provided.some(Boolean) && keptTotal * split[k]! < 1;
    warnings.push(`the ${s} split is empty` + (tooFew ? `: ${keptTotal} kept record${keptTotal === 1 ? '' : 's'} × its share ${split[k]} is under one record (give more records, a larger ${words.say('split')} share${k === 0 ? '' : `, or ${aOption(words, s)} file`})` : ''));
  });
  if (keptTotal === 0) warnings.push('no record was kept: see rejected.jsonl');
  const evalNamed = evaluationNamedInputs(sources, wrappedKeys, words);
  if (evalNamed !== null) warnings.push(evalNamed);
  if (classes && keptTotal > 0) {
    warnings.push(...classWarnings(new Set(labelCounts.flatMap((m) => [...m.keys()])), classes.labels, givenLabels === null, words));
    const untrained = untrainedClassWarning(labelCounts, classes.labels, provided[1] || provided[2], words);
    if (untrained) warnings.push(untrained);
    const unevaluated = unevaluatedClassWarning(labelCounts, classes.labels, provided, words);
    if (unevaluated) warnings.push(unevaluated);
  }
  const present = classes ? classes.labels.filter((l) => labelCounts.some((m) => m.has(String(l)))) : [];
  const minusOne = minusOneWarning(minusOnes, inputRecords, givenLabels, present, words);
  if (minusOne) warnings.push(minusOne);
  for (const [word, count] of [...wordLabels].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    const w = wordLabelWarning(word, count, inputRecords, givenLabels, present, words);
    if (w) warnings.push(w);
  }
  warnings.push(...notes);
  // the reader notes of the first FILES_NAMED files that have any, and a count of the rest: report.json's inputs keeps each
  const noted = sources.flatMap((_, k) => (readerNotes[k]!.length > 0 ? [k] : []));
  for (const k of noted.slice(0, FILES_NAMED)) warnings.push(...readerNotes[k]!.map((n) => `${sources[k]!.name}: ${n}`));
  const moreNoted = noted.slice(FILES_NAMED);
  if (moreNoted.length > 0) {
    const count = moreNoted.reduce((sum, k) => sum + readerNotes[k]!.length, 0);
    warnings.push(`and ${moreNoted.length} more file${moreNoted.length === 1 ? '' : 's'} with ${count === 1 ? 'a note' : `${count} notes`} on how ${moreNoted.length === 1 ? 'it was' : 'they were'} read ` +
      `(${tallyOf(moreNoted.flatMap((k) => readerNotes[k]!))}): report.json's inputs holds each file's notes`);
  }
  // the first FILES_NAMED files with records not UTF-8, each with its conversion; a count of the rest (thousands of
  // Latin-1 files were thousands of lines)
  const notUtf8Files = [...notUtf8];
  for (const [src, n] of notUtf8Files.slice(0, FILES_NAMED)) {
    warnings.push(`${sources[src]!.name}: ${n} record${n === 1 ? ' is' : 's are'} not UTF-8 text (rejected as invalid_utf8): ${encodingHint(sources[src]!.name, beyondAscii.has(src), 'the file', notUtf8ReadsAs.get(src))}`);
  }
  const moreNotUtf8 = notUtf8Files.slice(FILES_NAMED);
  if (moreNotUtf8.length > 0) {
    warnings.push(moreFiles(moreNotUtf8.length, 'with records that are not UTF-8 text, rejected as invalid_utf8', moreNotUtf8.reduce((sum, [, n]) => sum + n, 0)));
  }
  // a file all of whose records were rejected while others kept theirs shows only as counts in by_reason: one line says
  // which file and why (its first rejection), unless the invalid_utf8 warning above already said it of every record
  // (the first FILES_NAMED such files, and a count of the rest: thousands of them beside one kept file were thousands of
  // lines; report.json's inputs names each with its counts, and rejected.jsonl holds every record)
  if (keptTotal > 0) {
    const allRejected = sources.flatMap((_, k) => {
      const { records, rejected } = perSource[k]!;
      return records === 0 || rejected < records || notUtf8.get(k) === records ? [] : [k];
    });
    for (const k of allRejected.slice(0, FILES_NAMED)) {
      const { records } = perSource[k]!;
      warnings.push(`${sources[k]!.name}: ${records === 1 ? 'its one record was' : `all ${records} records were`} rejected; the first: ${firstRejections.get(k) ?? 'see rejected.jsonl'}`);
    }
    const more = allRejected.slice(FILES_NAMED);
    if (more.length > 0) {
      warnings.push(moreFiles(more.length, 'all of whose records were rejected', more.reduce((sum, k) => sum + perSource[k]!.records, 0)));
    }
  }
  const empty = sources.filter((_, k) => perSource[k]!.records === 0 && !emptyLists.has(k)).map((s) => s.name);
  if (empty.length > 0) {
    warnings.push(`no records in ${boundedItemsText(empty, { shown: FILES_NAMED, noun: 'files', keepEnd: true })}: ${empty.length === 1 ? 'the file is' : 'each is'} empty, blank, or a header row only`);
  }
  warnings.push(...tally.warnings(fields.text, words));
  return warnings;
}

/**
 * A file's name, its extensions left out, that names an evaluation split: `validation`, `valid`, `val`, `dev`, `eval`,
 * `test`, `testing`, alone or with a shard's number (`test-00000-of-00001`, Hugging Face's Parquet and JSON names).
 */
const EVALUATION_NAME = /^(?:val|valid|validation|dev|eval|evaluation|test|testing)(?:[-_.]\d+(?:-of-\d+)?)?$/i;

/**
 * The warning on inputs named as evaluation splits (a Hugging Face dataset folder of train/validation/test files given as
 * one input; a JSON object wrapping its records under such a key, `{"test": [...]}`: `wrappedKeys`), or null: read as
 * inputs, their records are split over train/val/test with the others, so that some of a test set are trained on;
 * --val/--test keep each its split.
 */
function evaluationNamedInputs(sources: readonly Source[], wrappedKeys: ReadonlyArray<string | undefined>, words: OptionWords): string | null {
  const named = sources.flatMap((s, k): Array<{ name: string; key?: string }> => {
    if (s.role !== 'input') return [];
    if (EVALUATION_NAME.test(path.basename(s.name).replace(/\..*$/, ''))) return [{ name: s.name }];
    const key = wrappedKeys[k];
    return key !== undefined && EVALUATION_NAME.test(key) ? [{ name: s.name, key }] : [];
  });
  if (named.length === 0) return null;
  const shown = boundedItemsText(named, {
    shown: FILES_NAMED,
    say: (n) => n.name,
    keepEnd: true,
    after: (n) => (n.key === undefined ? '' : ` (its records under ${JSON.stringify(n.key)})`), // a key EVALUATION_NAME matches: short
  });
  const one = named.length === 1;
  return `${shown}: named as ${one ? 'an evaluation split' : 'evaluation splits'}, yet read as ${one ? 'an input' : 'inputs'}: ${one ? 'its' : 'their'} records are split ` +
    `over train/val/test with the others (some of a test set trained on); give ${one ? 'it' : 'each'} as ${aOption(words, 'test')} or ${aOption(words, 'val')} file to keep ${one ? 'it' : 'each'} that split`;
}

/** The line that counts the files a warning did not name, and their records (`what` says which files). */
function moreFiles(files: number, what: string, records: number): string {
  return `and ${files} more file${files === 1 ? '' : 's'} ${what} (${records} record${records === 1 ? '' : 's'}): report.json's inputs names each, rejected.jsonl holds every record`;
}

/** The notes most often said, for a count line: the most common one and how many files had it ("read with ";" as the delimiter (…) × 9,995"). */
function tallyOf(notes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const n of notes) counts.set(n, (counts.get(n) ?? 0) + 1);
  const [top, n] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
  return counts.size === 1 ? `each: ${top}` : `most often, ${n} times: ${top}`;
}
