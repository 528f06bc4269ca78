// Logging to stderr, so that stdout stays clean for machine-readable output (--json).
import { oneLine } from './json-file.ts';

let quiet = false;

export function setQuiet(q: boolean): void {
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

/** Logs a message once per process, keyed by `key` (e.g. which GEMM implementation is in use). */
const seen = new Set<string>();
export function infoOnce(key: string, message: string): void {
  if (seen.has(key)) return;
  seen.add(key);
  info(message);
}

/** Warns once per process, keyed by `key` (a command that reads a file more than once warns of it once). */
export function warnOnce(key: string, message = key): void {
  if (seen.has(key)) return;
  seen.add(key);
  warn(message);
}
