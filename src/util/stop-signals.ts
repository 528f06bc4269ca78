// Ctrl-C (SIGINT) and SIGTERM as one mechanism for every command that has something to do before it stops: the
// dashboard closes its server, `train --dashboard` stops its dashboard child, train, prepare, quickstart and export
// remove what they were writing (their temporaries, their locks). A handler runs on the event loop, so only while
// the thread that has it is free (a command whose work is synchronous does that work on another thread:
// src/cli/command-thread.ts).

export type StopSignal = 'SIGINT' | 'SIGTERM';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/** Calls `handler` on the first SIGINT or SIGTERM; returns what removes it (the signals' default action is back once none is left). */
export function onStopSignal(handler: (signal: StopSignal) => void): () => void {
  const off = (): void => {
    for (const s of STOP_SIGNALS) process.off(s, once);
  };
  const once = (signal: StopSignal): void => {
    off();
    handler(signal);
  };
  for (const s of STOP_SIGNALS) process.on(s, once);
  return off;
}

/**
 * Ends the process by `signal` with its default action, so its parent (a shell: 130 for SIGINT, 143 for SIGTERM)
 * sees the status any command stopped by it gives. Only once no handler of it is left (onStopSignal's are gone
 * when they have run).
 */
export function exitBySignal(signal: StopSignal): void {
  process.kill(process.pid, signal);
}
