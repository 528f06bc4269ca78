// A write to stdout or stderr that fails ends the command in one line, not with Node's stack trace of an unhandled
// 'error' event: the reader of a pipe gone (EPIPE: `mistral-tune generate … | head -1`) ends it silently with the
// status a shell shows for a command that SIGPIPE ended (141), as a Unix tool ends; another failure (ENOSPC: output
// sent to a full disk) with exit status 1 and, for stdout, a line on stderr (stdout may hold --json's output: nothing
// is added to it). While a command's
// work runs on its own thread (command-thread.ts), the first such error is held and ends the process only once the
// work is done, so that its outputs are all written — but a work whose output is stdout (generate's text) is stopped
// by a failed write to stdout, where nothing it does after can be written.
import { oneLine } from '../util/json-file.ts';

export interface OutputError {
  stream: NodeJS.WriteStream;
  error: Error;
}

const SIGPIPE_STATUS = 128 + 13;
let installed = false;
let held: Hold | null = null;

/** The first failed write held while a command's work runs, and what to do the moment it fails (holdOutputErrors). */
interface Hold {
  first: OutputError | null;
  onFailed?: (e: OutputError) => void;
}

/** Holds `e` in `hold` when it is the first failed write there, and says so to the hold's onFailed. */
function holdFirst(hold: Hold, e: OutputError): void {
  if (hold.first !== null) return;
  hold.first = e;
  hold.onFailed?.(e);
}

/** Called once, at the command line's start: a failed write to stdout or stderr ends the process as endByOutputError says. */
export function endOnOutputError(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: Error) => {
      if (held) holdFirst(held, { stream, error });
      else endByOutputError({ stream, error });
    });
  }
}

/** Ends the process by the failed write `e`: silently with 141 for a closed pipe, else with 1 (and a line on stderr for stdout). */
export function endByOutputError(e: OutputError): never {
  if ((e.error as NodeJS.ErrnoException).code !== 'EPIPE' && e.stream === process.stdout) {
    try {
      process.stderr.write(`error: cannot write to stdout: ${oneLine(e.error.message)}\n`);
    } catch {
      // stderr failed too: the status says it
    }
  }
  process.exit((e.error as NodeJS.ErrnoException).code === 'EPIPE' ? SIGPIPE_STATUS : 1);
}

/**
 * Holds the first failed write to stdout or stderr while a command's work runs on its own thread, instead of letting
 * it end the process with that work midway; `onFailed` hears of it at once (a work whose output is stdout stops
 * then); `release` gives it back (null: none failed). Without endOnOutputError (the library, a test) such an error has
 * no other listener and is held all the same.
 */
export function holdOutputErrors(onFailed?: (e: OutputError) => void): { release: () => OutputError | null } {
  const hold: Hold = { first: null, onFailed };
  held = hold;
  const holders = installed ? [] : [process.stdout, process.stderr].map((stream) => {
    const keep = (error: Error): void => holdFirst(hold, { stream, error });
    stream.on('error', keep);
    return () => stream.off('error', keep);
  });
  return {
    release: () => {
      for (const off of holders) off();
      if (held === hold) held = null;
      return hold.first;
    },
  };
}
