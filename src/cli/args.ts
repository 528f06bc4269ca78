// Command-line parsing for every command: node:util parseArgs with errors that say what to do.
import * as fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean } from '../util/did-you-mean.ts';
import type { DeviceName } from '../backend/select.ts';
import { dataFolderHint } from '../util/data-folder-hint.ts';
import { UserError } from '../util/errors.ts';
import { openRegularFile } from '../util/regular-file.ts';
import { unexpandedPath } from '../util/unexpanded-path.ts';
import { emptyPath, type PathNoun } from '../util/empty-path.ts';
import { shellPath } from '../util/shell-quote.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A flag or a positional argument, in the order given. */
export type ArgToken = { kind: 'option'; name: string; value: string | undefined } | { kind: 'positional'; value: string };

export interface Parsed<V> {
  values: V;
  positionals: string[];
  /** The flags and positionals in command-line order: a command that checks them in it reports the first mistake first. */
  order: ArgToken[];
}

/**
 * Parses argv against `options`; unknown flags and missing values become UserErrors naming `command`. `hints`: what
 * an unknown flag that other tools spell so (written without dashes: `gguf`) is here (`--format gguf`), said in place
 * of the nearest flag by spelling.
 */
export function parseCommand<V>(command: string, argv: string[], options: OptionSpec, allowPositionals = false, hints: Readonly<Record<string, string>> = {}): Parsed<V> {
  // -h is --help for every command, as for train and mistral-tune itself
  if (options.help?.type === 'boolean' && options.help.short === undefined) options = { ...options, help: { ...options.help, short: 'h' } };
  try {
    const r = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals, strict: true, tokens: true });
    checkRepeats(r.tokens, options);
    checkPaths(r.values, allowPositionals ? r.positionals : []);
    const order = r.tokens.flatMap((t): ArgToken[] => (t.kind === 'option' ? [{ kind: 'option', name: t.name, value: t.value }]
      : t.kind === 'positional' ? [{ kind: 'positional', value: t.value }] : []));
    return { values: r.values as V, positionals: r.positionals, order };
  } catch (e) {
    if (e instanceof UserError) throw e;
    const err = e as Error & { code?: string };
    // a flag last, or followed by another flag, has no value: parseArgs says "argument missing" or (over lines) "ambiguous"
    const flag = err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? /^Option '(?:-\w, )?(--[^' ]+)/.exec(err.message)?.[1] : undefined;
    // `--json=true`: parseArgs says "does not take an argument", in the same words' error as a missing value
    if (flag !== undefined && options[flag.slice(2)]?.type === 'boolean') throw takesNoValue(flag, command);
    if (flag !== undefined) throw missingValue(flag, command, argv[argv.indexOf(flag) + 1]);
    const unknown = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /^Unknown option '([^']+)'/.exec(err.message)?.[1] : undefined;
    if (unknown !== undefined) {
      const bare = unknown.replace(/^-+/, '').split('=')[0]!.toLowerCase();
      // the start of one flag's name (`--in`, `--temp`), as Python's argparse takes it, else the nearest by spelling
      const name = bare.replace(/_/g, '-'), started = Object.keys(options).filter((o) => name.length >= 2 && o.startsWith(name));
      const near = Object.hasOwn(hints, bare) ? hints[bare]! : started.length === 1 ? started[0]! : didYouMean(name, Object.keys(options));
      const hint = near === null ? '' : near.startsWith('--') ? near : `--${near}`;
      throw new UserError(`unknown option ${unknown}${hint ? ` (did you mean ${hint}?)` : ''} (see mistral-tune ${command} --help)`);
    }
    // `mistral-tune eval runs/x`: say how the folder is given
    const positional = err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' ? /^Unexpected argument '(.*)'\. /s.exec(err.message)?.[1] : undefined;
    if (positional !== undefined) {
      throw new UserError(`unexpected argument "${positional}": ${command} takes no positional arguments${positionalHint(positional, argv, options)} (see mistral-tune ${command} --help)`);
    }
    throw new UserError(`${err.message.replace(/\. To specify a positional.*$/s, '').replace(/\s*\n\s*/g, ' ')} (see mistral-tune ${command} --help)`);
  }
}

/** Flags whose value is free text, which a shell splits at its spaces when it is not quoted. */
const TEXT_FLAGS: readonly string[] = ['prompt', 'text'];

/**
 * What an argument no flag takes was likely meant as: the rest of an unquoted `--prompt What is …`, a data file
 * (`eval --run runs/x test.jsonl`), a prompt or text (`generate --run runs/x "Hi"`), a run folder (`eval runs/x`), or
 * `--out`; never a flag already given (`--run` given, "Hi" is no run folder). `argv` as the command got it.
 */
function positionalHint(positional: string, argv: readonly string[], options: OptionSpec): string {
  const has = (name: string): boolean => Object.hasOwn(options, name);
  const given = (name: string): boolean => argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (positional.startsWith('-')) return ''; // after `--`: a flag there is a value, and no folder
  const at = argv.indexOf(positional);
  const before = at >= 2 ? argv[at - 2]! : '', last = at >= 1 ? argv[at - 1]! : '';
  // `--prompt What is …` or `--prompt=What is …`
  const textFlag = TEXT_FLAGS.find((f) => has(f) && ((before === `--${f}` && !last.startsWith('-')) || last.startsWith(`--${f}=`)));
  // the words from `at` up to the next flag: an unquoted text's rest
  let end = at;
  while (end < argv.length && !argv[end]!.startsWith('-')) end++;
  if (textFlag !== undefined) {
    const words = [last.startsWith(`--${textFlag}=`) ? last.slice(textFlag.length + 3) : last, ...argv.slice(at, end)];
    return `; a value with spaces is quoted as one argument: --${textFlag} "${words.join(' ')}"`;
  }
  let stat: fs.Stats | undefined;
  try { stat = fs.statSync(positional); } catch { stat = undefined; }
  if (stat?.isFile() && has('data') && !given('data')) return `; a data file is given as --data ${shellPath(positional)}`;
  if (stat === undefined || stat.isDirectory()) {
    // a path that is not there is a run folder only where nothing else names the weights, and no text is missing
    const unnamed = !given('model') && !TEXT_FLAGS.some((f) => has(f) && !given(f));
    if (has('run') && !given('run') && (stat !== undefined || unnamed)) return `; a run folder is given as --run ${shellPath(positional)}`;
    if (stat === undefined) {
      const text = TEXT_FLAGS.find((f) => has(f) && !given(f));
      // `generate --run runs/x hello world`: every word of it, quoted as one (was --prompt "hello")
      if (text !== undefined) return `; a ${text} is given as --${text} "${argv.slice(at, Math.max(end, at + 1)).join(' ')}"`;
      if (has('out') && !given('out')) return `; the output is given as --out ${shellPath(positional)}`;
    }
  }
  return '';
}

/**
 * A flag that takes one value given twice with different values (`--task classification … --task generation`):
 * parseArgs keeps the last without a word, which may not be the one meant, so it is refused naming both.
 */
function checkRepeats(tokens: ReadonlyArray<{ kind: string; name?: string; value?: string | undefined }>, options: OptionSpec): void {
  const seen = new Map<string, string>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.value === undefined || options[t.name!]?.multiple) continue;
    const first = seen.get(t.name!);
    if (first !== undefined && first !== t.value) throw givenTwice(t.name!, first, t.value);
    seen.set(t.name!, t.value);
  }
}

/** The error for a one-value flag given twice with different values (parseCommand's commands, and train's overrides). */
export function givenTwice(flag: string, first: string, second: string): UserError {
  return new UserError(`--${flag} is given twice, "${first}" and "${second}": give it once`);
}

/**
 * The flags whose values are paths, with what each names and what to give where it is "": read from the current folder
 * as they are, so a `~` left there is refused, and so is an empty one (emptyPath).
 */
const PATH_FLAGS: ReadonlyMap<string, readonly [PathNoun, string]> = new Map([
  ['input', ['file', 'a data file or folder']], ['val', ['file', 'a data file or folder']], ['test', ['file', 'a data file or folder']],
  ['data', ['file', 'a data file']], ['messages', ['file', 'a JSON file of chat messages']],
  ['out', ['path', 'the path to write to']], ['run', ['folder', 'a run folder (the output_dir of a train run)']],
  ['model', ['folder', 'an HF model folder']], ['adapter', ['folder', 'a PEFT adapter folder']],
  ['tokenizer', ['folder', 'a folder with tokenizer.json, or the file']],
] as const);

/**
 * `--out=~/x` (a shell expands ~ only at a word's start) or a quoted "$HOME/x": refused naming the flag, not made as a
 * folder "~"; so is such a positional (every command that takes them takes paths: prepare's inputs, dashboard's runs),
 * which no shell reads when a program or an exec-form Dockerfile CMD starts the command. A path flag given "" (an
 * unset variable quoted) is refused naming the flag, before anything is read.
 */
function checkPaths(values: Record<string, unknown>, positionals: readonly string[]): void {
  for (const [flag, value] of Object.entries(values)) {
    const names = PATH_FLAGS.get(flag);
    if (names === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v === '') throw emptyPath(`--${flag}`, ...names);
      const unexpanded = typeof v === 'string' ? unexpandedPath(v, process.cwd()) : null;
      if (unexpanded !== null) throw new UserError(unexpanded, `--${flag}`);
    }
  }
  refuseUnexpanded(positionals);
}

/** Refuses a path argument (not a flag's value) that holds a `~` or `$NAME` no shell expanded (unexpanded-path.ts). */
export function refuseUnexpanded(paths: readonly string[]): void {
  for (const p of paths) {
    const unexpanded = unexpandedPath(p, process.cwd());
    if (unexpanded !== null) throw new UserError(unexpanded);
  }
}

/**
 * The error for a flag given without its value (`next`, the argument after it: none, or another flag), one line
 * for every command: `--max_steps needs a value`, and how to give a value that starts with a dash.
 */
export function missingValue(flag: string, command: string, next?: string): UserError {
  const dash = next !== undefined && next.startsWith('-') && !next.startsWith('--') ? `; a value that starts with "-" is written ${flag}=${next}` : '';
  return new UserError(`${flag} needs a value${dash} (see mistral-tune ${command} --help)`);
}

/** The error for a flag that takes no value given one (`--json=true`, `--overwrite=false`). */
export function takesNoValue(flag: string, command: string): UserError {
  return new UserError(`${flag} takes no value: give ${flag} alone, or leave it out (see mistral-tune ${command} --help)`);
}

/**
 * `--flag -1` → `--flag=-1` for a string option: parseArgs would call the value "ambiguous", and the
 * option's own check then says what the value must be.
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!, next = argv[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : null;
    if (name !== null && Object.hasOwn(options, name) && options[name]!.type === 'string' && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** An integer option, with its flag named in the error. */
export function intOption(flag: string, value: string | undefined, dflt: number, min = 1): number {
  if (value === undefined) return dflt;
  const n = decimalInteger(value);
  const want = min === 1 ? 'a positive integer' : min === 0 ? 'an integer ≥ 0' : `an integer ≥ ${min}`;
  // digits past 2^53 − 1 are an integer all the same: "must be a positive integer" would mislead (as the config's keys say it)
  if (n === 'unsafe') throw new UserError(`--${flag} must be at most 2^53 − 1, got "${value}"`);
  if (n === null || n < min) throw new UserError(`--${flag} must be ${want}, got "${value}"`);
  return n;
}

/**
 * A whole number written in decimal digits ("42", " 7 ", "-3"), null for anything else (Number() would also take
 * "0x50", "1e3" and "0b1"), or 'unsafe' for digits past 2^53 − 1, which a double cannot hold exactly.
 */
function decimalInteger(value: string): number | null | 'unsafe' {
  const t = value.trim();
  if (!/^[+-]?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : n > 0 ? 'unsafe' : null;
}

/** A flag that takes one of `allowed` (`dflt` when not given), the choices named in the error. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (!(allowed as readonly string[]).includes(value)) throw new UserError(`--${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** --device of eval, generate, classify and export: checked before a backend starts (createBackend's error names no flag). */
export function deviceOption(value: string | undefined): DeviceName {
  return oneOf<DeviceName>('device', value, ['auto', 'cpu', 'cuda'], 'auto');
}

/** A TCP port option: an integer in 0..65535 (0: any free port). */
export function portOption(value: string | undefined, dflt = 0): number {
  if (value === undefined) return dflt;
  const n = decimalInteger(value);
  if (typeof n !== 'number' || n < 0 || n > 65535) {
    throw new UserError(`--port must be an integer from 0 to 65535 (0: any free port), got "${value}"`);
  }
  return n;
}

/**
 * A number option, with its flag named in the error: decimal, as "0.7", "-1", "1e-3" (Number() alone would read
 * "" and " " as 0, so `--temperature=` sampled greedily, and "0x10" as 16).
 */
export function numberOption(flag: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = decimalNumber(value);
  // a decimal comma (0,7 as much of Europe writes 0.7), as a config's number is told
  const comma = /^\s*[-+]?\d+,\d+(e[-+]?\d+)?\s*$/i.test(value) ? ` (write ${value.trim().replace(',', '.')}: a decimal point)` : '';
  if (n === null) throw new UserError(`--${flag} must be a number, got "${value}"${comma}`);
  return n;
}

/**
 * A number option that must lie in a range, undefined where it is not given: `within` says whether the number is in
 * it, `rule` says what it must be ("in (0, 1] (1 = off)"); the error names the flag and the value given.
 */
export function numberWithin(flag: string, value: string | undefined, within: (n: number) => boolean, rule: string): number | undefined {
  if (value === undefined) return undefined;
  const n = numberOption(flag, value, 0);
  if (!within(n)) throw new UserError(`--${flag} must be ${rule}, got "${value}"`);
  return n;
}

/** A finite number written in decimal ("0.7", " -1 ", ".5", "1e-3"), or null ("", "0x10", "Infinity", "1e999"). */
export function decimalNumber(value: string): number | null {
  const t = value.trim();
  const n = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** A flag that must be given (a path flag given "" never reaches here: checkPaths names it). */
export function required(flag: string, value: string | undefined, command: string): string {
  if (value === undefined) throw new UserError(`--${flag} is required (see mistral-tune ${command} --help)`);
  return value;
}

/**
 * A data file flag's value, refused in one line when it names a folder (a prepare output: its `example` is the file to
 * give instead; dataFolderHint), or anything that reading it would refuse (no such file, a FIFO): said here, before a
 * backend starts and the weights load, in the words the reader would use, not after the backend's lines.
 */
export function dataFileOption(flag: string, value: string, example: string, prepares = true): string {
  const st = fs.statSync(value, { throwIfNoEntry: false });
  if (st?.isDirectory() === true) {
    throw new UserError(`--${flag}: ${value}: a folder, not a data file (${dataFolderHint(value, example, prepares)})`);
  }
  if (st?.isFIFO() === true || st?.isSocket() === true) {
    // `cat x | … --data /dev/stdin` (a pipe, or a socket as node's spawn makes): refused, never read; say what to give
    throw new UserError(`--${flag}: ${value}: a pipe, FIFO or socket, not a file: write the data to a file and give that file (or redirect one, < FILE)`);
  }
  fs.closeSync(openRegularFile(value)); // O_NONBLOCK: a FIFO is refused, never waited on
  return value;
}
