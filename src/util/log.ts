// Logging to stderr, so that stdout stays clean for machine-readable output (--json).
import { needArg } from './api-args.ts';
import { oneLine } from './json-file.ts';

let quiet = false;

export function setQuiet(q: boolean): void {
  needArg('setQuiet', 'quiet', q, 'boolean', { hint: 'true or false' }); // 'yes' or 0 was taken as its truth, unsaid
  quiet = q;
}

/** Whether info lines (and the progress lines that go with them) are off: setQuiet, as prepare --quiet sets it. */
export function isQuiet(): boolean {
  return quiet;
}

export function info(message: string): void {
  if (!quiet) process.stderr.write(message + '\n');
}

/** One line, as errors are: a line break or control character in what it quotes (a path) is shown escaped (oneLine). */
export function warn(message: string): void {
  process.stderr.write(`warning: ${oneLine(message)}\n`);
}

/**
 * Starts a command (main.ts) and its work (on a command thread, which may run several: command-thread.ts): info lines
 * on (setQuiet), and the once-only messages forgotten, so that each command says them as it would in a process of its own.
 */
export function beginCommand(): void {
  quiet = false;
  seen.clear();
}

/** The keys of the messages said once in this command (infoOnce, warnOnce). */
const seen = new Set<string>();

/** Whether the message of `key` was said already in this command. */
export function saidOnce(key: string): boolean {
  return seen.has(key);
}

/** Logs a message once per command, keyed by `key` (e.g. which GEMM implementation is in use). */
export function infoOnce(key: string, message: string): void {
  if (seen.has(key)) return;
  seen.add(key);
  info(message);
}

/** Warns once per command, keyed by `key` (a command that reads a file more than once warns of it once). */
export function warnOnce(key: string, message = key): void {
  if (seen.has(key)) return;
  seen.add(key);
  warn(message);
}
