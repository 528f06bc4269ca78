// What a config value the schema refused is told, in our words rather than zod's ("Too small: expected number to be
// >=1" is zod's): a per-parse error map, so that the messages the schema gives itself (schedule.type's, a refine's)
// stay theirs. validate (config.ts) puts the key path and its file:line:column before the text, and the refused value
// as it was written (asWritten); a warning quotes a value as written too (writtenTexts, shownAs).
import type { z } from 'zod';

/** The text of a refusal zod would word itself: a bound, a type, an option; undefined leaves zod's own. */
export const configIssueText: z.core.$ZodErrorMap = (issue) => {
  const got = ` (got ${shown(issue.input, issue.code === 'invalid_type')})`;
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = Number(small ? issue.minimum : issue.maximum);
      const inclusive = issue.inclusive !== false;
      if (issue.origin === 'string') {
        if (small && bound === 1) return 'must not be empty';
        return `must be ${small ? 'at least' : 'at most'} ${bound} characters long (got ${String(issue.input).length})`;
      }
      if (issue.origin === 'array' || issue.origin === 'set') {
        const n = Array.isArray(issue.input) ? issue.input.length : 0;
        return `must list ${small ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'} (got ${n})`;
      }
      const words = small ? (inclusive ? 'at least' : 'more than') : (inclusive ? 'at most' : 'less than');
      return `must be ${words} ${bound === Number.MAX_SAFE_INTEGER ? '2^53 − 1' : bound}${got}`;
    }
    case 'invalid_type':
      return `must be ${TYPE_WORDS[issue.expected] ?? `a ${issue.expected}`}${got}`;
    case 'invalid_value':
      if (issue.values.length === 1) return `must be ${plain(issue.values[0])}${got}`;
      return `must be one of ${issue.values.map(plain).join(', ')}${got}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}${got}`;
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_union':
      return `is none of the forms it takes${got}`;
    default:
      return undefined;
  }
};

/**
 * `message` with the refused value as the user wrote it (`-1e-3`, `2.50`), where it was read from YAML, in place of the
 * number YAML made of it (-0.001, 2.5), which the file does not hold: the map sees only the value, never its text.
 */
export function asWritten(message: string, code: string, value: unknown, written: string | undefined): string {
  if (written === undefined) return message;
  return message.replace(`(got ${shown(value, code === 'invalid_type')})`, `(got ${written})`);
}

/**
 * The text each number or boolean of the validated config `cfg` was written as (`written` of its key path: in the YAML or
 * a flag) where it is not how the value prints (`1e3` for 1000, `2.0` for 2), as plain data that can go to the training
 * thread; warnings quote the values by it (shownAs), as errors quote a refused one (asWritten).
 */
export function writtenTexts(cfg: unknown, written: (key: string) => string | undefined, key = '', into: Record<string, string> = {}): Record<string, string> {
  if (typeof cfg === 'number' || typeof cfg === 'boolean') {
    const text = written(key);
    if (text !== undefined && text !== String(cfg)) into[key] = text;
  } else if (typeof cfg === 'object' && cfg !== null) {
    // (into one object: a spread of 150,000 labels' texts as arguments overflowed the stack)
    for (const [k, v] of Object.entries(cfg)) writtenTexts(v, written, key === '' ? k : `${key}.${k}`, into);
  }
  return into;
}

/** Config key path `key`'s value in a warning: as it was written (writtenTexts), else as it prints. */
export function shownAs(cfg: object, texts: Readonly<Record<string, string>> = {}): (key: string) => string {
  return (key) => texts[key] ?? String(key.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], cfg));
}

/** zod's names of the types a value may be expected to have, in words. */
const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number', int: 'a whole number', string: 'a string', boolean: 'true or false', array: 'a list', tuple: 'a list',
  object: 'a mapping of keys to values', record: 'a mapping of keys to values', null: 'null',
};

/** An allowed value as written in YAML: a string without quotes. */
function plain(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

/** ` (got VALUE)`, as the error map says it after a message of the schema's own (asWritten puts the value as written in it). */
export function gotValue(v: unknown): string {
  return ` (got ${shown(v, false)})`;
}

/** A refused value as it reads in YAML, briefly: `.inf`, a quoted string (cut past 40 characters; `typed`: "the string …"), "a list of 3". */
function shown(v: unknown, typed: boolean): string {
  if (typeof v === 'number') return Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : String(v);
  if (typeof v === 'string') return `${typed ? 'the string ' : ''}${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}
