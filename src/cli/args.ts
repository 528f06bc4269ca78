// Command-line parsing for every command: node:util parseArgs with errors that say what to do.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../util/errors.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  values: V;
  positionals: string[];
}

/** Parses argv against `options`; unknown flags and missing values become UserErrors naming `command`. */
export function parseCommand<V>(command: string, argv: string[], options: OptionSpec, allowPositionals = false): Parsed<V> {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: r.values as V, positionals: r.positionals };
  } catch (e) {
    throw new UserError(`${(e as Error).message.replace(/\. To specify a positional.*$/s, '')} (see mistral-tune ${command} --help)`);
  }
}

/** An integer option, with its flag named in the error. */
export function intOption(flag: string, value: string | undefined, dflt: number, min = 1): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** A number option, with its flag named in the error. */
export function numberOption(flag: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UserError(`--${flag} must be a number, got "${value}"`);
  return n;
}

export function required(flag: string, value: string | undefined, command: string): string {
  if (value === undefined || value === '') throw new UserError(`--${flag} is required (see mistral-tune ${command} --help)`);
  return value;
}
