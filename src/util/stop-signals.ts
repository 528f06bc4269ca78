// Ctrl-C (SIGINT), SIGTERM and a terminal's hangup (SIGHUP) as one mechanism for every command that has something to
// do before it stops: the dashboard closes its server, `train --dashboard` stops its dashboard child, train, prepare,
// quickstart and export remove what they were writing (their temporaries, their locks). A handler runs on the event
// loop, so only while the thread that has it is free (a command whose work is synchronous does that work on another
// thread: src/cli/command-thread.ts).
//
// A hangup stops a command only when it writes to a terminal. One started as `nohup` starts it (stdout and stderr
// both sent to files) keeps running when its terminal closes: nohup's own way, SIGHUP ignored, does not reach Node
// (Node sets every ignored signal but SIGPIPE and SIGXFSZ back to its default action at startup), so without this
// `nohup mistral-tune train …` died with the terminal that started it.
import { warn } from './log.ts';

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

/** Whether neither stdout nor stderr is a terminal: the process was started detached from one (nohup, `> log 2>&1 &`). */
function detachedFromTerminal(): boolean {
  return !process.stdout.isTTY && !process.stderr.isTTY;
}

/** The signals that stop a command: a hangup only where the process writes to the terminal that hung up. */
function stopSignals(): StopSignal[] {
  return detachedFromTerminal() ? ['SIGINT', 'SIGTERM'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
}

let hangupIgnored = false;

/**
 * Called once, at the command line's start: a process detached from its terminal (detachedFromTerminal) ignores
 * SIGHUP, as nohup meant it to, saying so in one line on stderr; one writing to a terminal is stopped by it (as
 * by Ctrl-C where onStopSignal listens, else by its default action). One
 * started by another mistral-tune process (train --dashboard's dashboard, MISTRAL_TUNE_PARENT_PID), which a hangup
 * reaches with it, ignores it without a line: that process's line says it, naming the process to stop.
 */
export function ignoreHangupWhenDetached(): void {
  if (hangupIgnored || !detachedFromTerminal()) return;
  hangupIgnored = true;
  const quiet = startedByParent();
  process.on('SIGHUP', () => {
    if (!quiet) warn(`hangup (SIGHUP) ignored: stdout and stderr are not a terminal (as under nohup), so this goes on; stop it with kill ${process.pid} (SIGTERM)`);
  });
}

/** Whether another mistral-tune process started this one (train --dashboard's dashboard): that process's lines say a stop. */
function startedByParent(): boolean {
  return Number(process.env.MISTRAL_TUNE_PARENT_PID) > 0;
}

/** Calls `handler` on the first stop signal (stopSignals); returns what removes it (the signals' default action is back once none is left). */
export function onStopSignal(handler: (signal: StopSignal) => void): () => void {
  const off = listen(handler);
  // after this one listens: a signal caught meanwhile and not yet handled is not lost with the last listener gone
  starting?.();
  return off;
}

/** The listeners of listen(), each called once, on the first stop signal after it was added. */
const listeners = new Set<(signal: StopSignal) => void>();
/** The signals that dispatch listens to: none while no listener is left. */
let attached: StopSignal[] = [];

/**
 * The one process listener of the stop signals while any listen() listens: it calls every listener once and drops
 * them, and goes (the signals' default action back) only once none is left after them. A listener that adds the next
 * one (a first Ctrl-C's listens for the second) does so while this still listens, so a second signal that comes
 * meanwhile is heard by the next one. Before, each listener was its own process listener, removed before it ran: a
 * second signal between that removal and the next listener's start ended the process by its default action, and one
 * caught by the removed listener was lost.
 */
function dispatch(signal: StopSignal): void {
  const now = [...listeners];
  listeners.clear();
  try {
    for (const l of now) l(signal);
  } finally {
    if (listeners.size === 0) detach();
  }
}

function detach(): void {
  for (const s of attached) process.off(s, dispatch);
  attached = [];
}

function listen(handler: (signal: StopSignal) => void): () => void {
  const listener = (signal: StopSignal): void => handler(signal); // its own identity: the same handler twice is two listeners
  listeners.add(listener);
  if (attached.length === 0) {
    attached = stopSignals();
    for (const s of attached) process.on(s, dispatch);
  }
  return () => {
    if (listeners.delete(listener) && listeners.size === 0) detach();
  };
}

/** What removes the start-up's stop listener (sayStopWhileStarting); null when none listens. */
let starting: (() => void) | null = null;

/**
 * From a command's start until it listens for stop signals itself (onStopSignal, which takes over), does its work on
 * this thread (workOnThisThread) or ends (the returned function): a stop says in one line that `command` stopped before
 * it began (not in a process another mistral-tune process started), and ends the process by the signal. Without it a Ctrl-C in the first moments (its modules loading, its
 * config read) ended it with no line.
 */
export function sayStopWhileStarting(command: string): () => void {
  starting?.();
  startFailed = false;
  const off = listen((signal) => {
    starting = null;
    // train --dashboard's dashboard, which a terminal's Ctrl-C reaches with train, would tell of a command never run;
    // a command that failed has said how it ended (stopIfSignalled)
    if (!startedByParent() && !startFailed) process.stderr.write(`${command} stopped by ${signal === 'SIGINT' ? 'Ctrl-C' : signal} as it started, before it began its work (nothing written): run the same command again\n`);
    exitBySignal(signal);
  });
  const remove = (): void => {
    if (starting !== remove) return;
    starting = null;
    off();
  };
  starting = remove;
  return remove;
}

/**
 * Removes the start-up's stop listener (sayStopWhileStarting) before a command does its own work on this thread (train
 * --dry-run's plan, doctor's probes): a listener runs only when the event loop turns, so a Ctrl-C waited for that work to
 * end and was then lost with the listener, the command ending with 0. Without one the signal's default action ends the
 * process at once; such work writes nothing. A signal caught before (while the config was read) is heard first (turnEventLoop).
 */
export async function workOnThisThread(): Promise<void> {
  await turnEventLoop();
  starting?.();
}

/** Whether the command failed before its start-up's stop listener was gone (stopIfSignalled): its error said how it ended. */
let startFailed = false;

/**
 * Called where a command ends with an error (a refused config): a stop signal caught while the start-up's listener
 * listened and not yet heard (Ctrl-C while train read its config on this thread, synchronously) ends the process by it,
 * after the error's line, not with the error's status 2 — the user stopped it, and a shell script that ran it stops as
 * after any command stopped by Ctrl-C (bash ends a script whose command died by SIGINT, not one whose command exited
 * 2). No line of its own: the error's is the command's last.
 */
export async function stopIfSignalled(): Promise<void> {
  if (starting === null) return;
  startFailed = true;
  await turnEventLoop();
}

/** Two turns of the event loop: a signal caught before (in synchronous work) is heard first, a poll lying between two of its check phases. */
async function turnEventLoop(): Promise<void> {
  for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Ends the process by `signal` with its default action, so its parent (a shell: 130 for SIGINT, 143 for SIGTERM, 129
 * for SIGHUP) sees the status any command stopped by it gives. Every listener of it is removed first: one called from a
 * stop listener (dispatch still listens while they run) would otherwise catch it, and the process would go on.
 */
export function exitBySignal(signal: StopSignal): void {
  listeners.clear();
  detach();
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}
