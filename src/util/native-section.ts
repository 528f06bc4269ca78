// Native calls that stopping a thread must not land in. koffi builds JavaScript values as it opens a library and binds
// its functions, and throws when a library does not load; in a worker being terminated that fails, and koffi then ends
// the whole process (FATAL ERROR: Error::ThrowAsJavaScriptException napi_throw, SIGABRT), so Ctrl-C or SIGTERM in the
// moment a command's thread opened OpenBLAS (or CUDA's libraries) aborted it with a native stack trace, removing
// nothing it was writing. The thread that runs a command's work marks such calls; the thread that stops it claims the
// thread once none is in progress (no new one starts after that), and only then terminates it (command-thread.ts).

/** The shared Int32's value once the stopping thread has claimed the thread; else the native sections in progress. */
const STOPPING = -1;

let shared: Int32Array | null = null;

/** On the work's thread, before its work: the buffer the stopping thread claims (ThreadJob.nativeSections). */
export function shareNativeSections(buffer: SharedArrayBuffer): void {
  shared = new Int32Array(buffer);
}

/** Runs `call` (native code that creates JavaScript values, as koffi's load and func) where a stop does not cut it short. */
export function inNativeSection<T>(call: () => T): T {
  const s = shared;
  if (s === null) return call(); // not a command's thread: nothing terminates it
  for (;;) {
    const n = Atomics.load(s, 0);
    if (n === STOPPING) Atomics.wait(s, 0, STOPPING); // being stopped: the thread's termination ends this wait
    else if (Atomics.compareExchange(s, 0, n, n + 1) === n) break;
  }
  try {
    return call();
  } finally {
    Atomics.sub(s, 0, 1);
  }
}

/** How often the stopping thread looks again while a native section is in progress (opening a library: milliseconds). */
const POLL_MS = 5;

/** On the stopping thread: resolves once no native section of the thread sharing `buffer` is in progress, and none can start. */
export async function claimForStop(buffer: SharedArrayBuffer): Promise<void> {
  const s = new Int32Array(buffer);
  while (Atomics.compareExchange(s, 0, 0, STOPPING) > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
}
