// Checks of a library call's arguments for callers in plain JavaScript, where TypeScript's types are gone: a missing
// or ill-typed argument is one UserError naming the function and the argument ("prepare: options.outDir is
// missing: give a string"), not a TypeError from somewhere inside.
import { didYouMean } from './did-you-mean.ts';
import { emptyPathArgument, type PathNoun } from './empty-path.ts';
import { UserError } from './errors.ts';

export type Want = 'string' | 'string[]' | 'boolean' | 'number' | 'array' | 'object' | 'function';

function fits(v: unknown, want: Want): boolean {
  switch (want) {
    case 'string[]': return Array.isArray(v) && v.every((s) => typeof s === 'string');
    case 'array': return Array.isArray(v);
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    default: return typeof v === want;
  }
}

/** A value as a message names it: a string quoted (cut at 40 characters), an object or array by its kind. */
export function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  return typeof v === 'object' ? 'an object' : typeof v === 'function' ? 'a function' : String(v);
}

/** The error for argument `name` of `fn` missing or given as `v`: "prepare: options.outDir is missing: give a string". */
export function badArgument(fn: string, name: string, v: unknown, give: string): UserError {
  return new UserError(`${name} ${v === undefined ? 'is missing' : `is ${shown(v)}`}: give ${give}`, fn);
}

/** Throws unless `v` is a `want`; `name` is the argument as the caller wrote it, `hint` what to give (default: its type). */
export function needArg(fn: string, name: string, v: unknown, want: Want, o: { hint?: string } = {}): void {
  if (fits(v, want)) return;
  const hint = o.hint ?? `${/^[aeiou]/.test(want) ? 'an' : 'a'} ${want}`;
  throw badArgument(fn, name, v, hint);
}

/**
 * Throws unless `v` is a path: a string (`give` says what it names) and not "", which names nothing (read as it is, it
 * was "folder not found" without the function or a place, or the current folder read as the model).
 */
export function needPath(fn: string, name: string, v: unknown, noun: PathNoun, give: string): asserts v is string {
  needArg(fn, name, v, 'string', { hint: give });
  if (v === '') throw emptyPathArgument(fn, name, noun, give);
}

/**
 * Throws unless `v` is an integer ≥ `min` that a double holds exactly (at most 2^53 − 1): a count, a size, a seed.
 * `what` says what it counts ("the rows per batch"); `note` is added in brackets (how to mend a common slip).
 */
export function needInteger(fn: string, name: string, v: unknown, min: number, o: { what?: string; note?: string } = {}): void {
  if (Number.isSafeInteger(v) && (v as number) >= min) return;
  const range = Number.isInteger(v) && (v as number) >= min ? `an integer from ${min} to 2^53 − 1` : `an integer ≥ ${min}`;
  const note = o.note === undefined ? '' : ` (${o.note})`;
  throw badArgument(fn, name, v, `${o.what === undefined ? '' : `${o.what}, `}${range}${note}`);
}

/** Throws unless `v` is one of `values`. */
export function needOneOf(fn: string, name: string, v: unknown, values: readonly string[], example = ''): void {
  if (typeof v === 'string' && values.includes(v)) return;
  const one = values.map((s) => JSON.stringify(s)).join(', ');
  throw badArgument(fn, name, v, `one of ${one}${example}`);
}

/**
 * Throws for a key of `opts` that is no option of `known` but spells one: transformers' snake_case (`top_p` for
 * `topP`) or a typo, which would otherwise be ignored without a word (`{top_p: 0.9}` generated greedily). `hints` gives
 * what to write for a key that has no such spelling (`do_sample`). Other keys are let be: an object spread in from
 * elsewhere may carry more than the options.
 */
export function refuseMisspelledKeys(fn: string, name: string, opts: object, known: readonly string[], hints: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(opts)) {
    if (known.includes(key)) continue;
    if (Object.hasOwn(hints, key)) throw new UserError(`${name}.${key} is no option: ${hints[key]}`, fn);
    const camel = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    if (camel !== key && known.includes(camel)) throw new UserError(`${name}.${key} is no option: write ${name}.${camel} (${key} is transformers' spelling)`, fn);
    const near = didYouMean(key, [...known]);
    if (near !== null) throw new UserError(`${name}.${key} is no option: did you mean ${name}.${near}?`, fn);
  }
}

/**
 * The keys of an options type `T`, every one listed (refuseMisspelledKeys' `known`): the compiler names a key left out
 * (`missing`), which would otherwise be refused as a misspelling of another once the type gains it.
 */
export function optionKeys<T>(): <const K extends ReadonlyArray<keyof T & string>>(keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> })) => K {
  return (keys) => keys;
}
