// The command a lock file names as its taker: the command whose work takes it ("train"), or the command the user ran where
// that one runs another's work (the quickstart's prepare and train: asCommand); for a library call, the function called
// (lockTaker). Split from run-lock.ts.
import type { OptionWords } from '../util/option-words.ts';

/** The command the user ran, where it runs another's work (the quickstart's prepare and train): its locks name it (asCommand). */
let runningCommand: string | undefined;

/**
 * Runs `work` with the locks it takes naming `command` as the command that took them, not the one whose work it is: the
 * quickstart's data/ and run/ locks, taken by its prepare and train, name the quickstart the user ran, not "mistral-tune
 * prepare" or "train". Synchronous: it holds for this thread while `work` runs.
 */
export function asCommand<T>(command: string, work: () => T): T {
  const was = runningCommand;
  runningCommand = command;
  try {
    return work();
  } finally {
    runningCommand = was;
  }
}

/** The command a lock taken now names: the one asCommand set on this thread, else `own` (the taking command's). */
export function lockCommand(own: string | undefined): string | undefined {
  return runningCommand ?? own;
}

/**
 * Who a lock taken for `command`'s work names as its taker, by the caller's words: the CLI's command ("train"), or for a
 * library call the command whose work it does with the function called ("trainAsync"), which the refusals name rather
 * than a command no one ran (an older version, which reads no call, names the command).
 */
export function lockTaker(words: OptionWords, command: string): { command: string; call?: string } {
  return words.cli || words.where === undefined ? { command } : { command, call: words.where };
}
