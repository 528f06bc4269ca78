// A persistent pool of worker threads that run the WebAssembly kernels on the same shared memory as the
// main thread: each worker instantiates the same module on that memory with its own stack region, and
// waits on a control word (Atomics.wait/notify) for a kernel name and its arguments. `run` splits a range
// of rows (or elements, or GEMM columns) into contiguous parts, the same split every run, gives part 0 to
// the main thread and the others to the workers, and returns when all are done. Only kernels whose
// parts are independent go through it (row-wise math), so the results are bit-identical to one thread.
// Started once per memory; the workers are unref'd, so the process exits by itself. Without workers
// (no SharedArrayBuffer/Atomics, a worker that does not start, or 1 thread) `run` calls the kernel once.
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../../util/errors.ts';
import { infoOnce } from '../../../util/log.ts';

/** One worker's control words (Int32) and arguments (Float64) in the control buffer. */
const WORDS = 8;
const ARGS = 24;
const SLOT = 4 * WORDS + 8 * ARGS;
/** Control words: the job number the main thread posted, the job number the worker finished, the kernel, argc, ready (1 ok, −1 failed), error. */
const SEQ = 0, DONE = 1, FN = 2, ARGC = 3, READY = 4, ERROR = 5;
/** Stack bytes each worker's instance gets (the main instance has the module's own 64 KiB). */
export const WORKER_STACK = 65536;
/** How long the first job waits for a worker to instantiate the module before running without it. */
const START_TIMEOUT_MS = 30_000;

// The worker's program (CommonJS, run with eval and no execArgv, so none of the parent's flags such as
// --input-type=module apply: a source string needs no file next to dist/ and no tsx).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, slot, names, stackTop } = workerData;
const w = new Int32Array(control, slot, ${WORDS});
const args = new Float64Array(control, slot + ${4 * WORDS}, ${ARGS});
let fns;
try {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  inst.exports.__stack_pointer.value = stackTop;
  fns = names.map((n) => inst.exports[n]);
  Atomics.store(w, ${READY}, 1);
} catch (e) {
  Atomics.store(w, ${READY}, -1);
}
Atomics.notify(w, ${READY});
let seen = 0;
while (fns) {
  Atomics.wait(w, ${SEQ}, seen);
  seen = Atomics.load(w, ${SEQ});
  try {
    fns[w[${FN}]](...args.subarray(0, w[${ARGC}]));
  } catch (e) {
    Atomics.store(w, ${ERROR}, 1);
  }
  Atomics.store(w, ${DONE}, seen);
  Atomics.notify(w, ${DONE});
}
`;

/** The thread count: MISTRAL_TUNE_THREADS when set (a positive integer), else the cores available. */
export function threadCount(): number {
  const env = process.env.MISTRAL_TUNE_THREADS;
  if (env === undefined || env === '') return Math.max(1, os.availableParallelism());
  const n = Number(env);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new UserError(`MISTRAL_TUNE_THREADS=${env}: expected a whole number of threads from 1 to 256`);
  return n;
}

/** Starting points of `parts` contiguous parts of [0, n), each a multiple of `align` (the last ends at n). */
export function split(n: number, parts: number, align: number): number[] {
  const at = [0];
  for (let i = 1; i < parts; i++) at.push(Math.min(n, Math.floor((i * n) / parts / align) * align));
  at.push(n);
  return at;
}

export type KernelFn = (...args: number[]) => unknown;

export class KernelPool {
  private readonly workers: { w: Int32Array; args: Float64Array }[] = [];
  private seq = 0;
  private started = false;
  private count: number;

  /**
   * `threads` − 1 workers over `memory`, each instantiating `module` with the stack below `stackTops[i]`;
   * `names` are the kernels the workers may run, `main` the main thread's instance of them.
   */
  constructor(
    threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, private readonly names: readonly string[],
    private readonly main: Record<string, KernelFn>, stackTops: number[],
  ) {
    this.count = threads;
    if (threads < 2 || typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
      this.count = 1;
      return;
    }
    const control = new SharedArrayBuffer(SLOT * (threads - 1));
    try {
      for (let i = 0; i < threads - 1; i++) {
        const slot = i * SLOT;
        const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { module, memory, control, slot, names, stackTop: stackTops[i] } });
        worker.unref();
        this.workers.push({ w: new Int32Array(control, slot, WORDS), args: new Float64Array(control, slot + 4 * WORDS, ARGS) });
      }
    } catch {
      this.count = 1 + this.workers.length;
    }
  }

  /** The threads kernels run on (the main one included). */
  get threads(): number {
    return this.count;
  }

  /** Waits once for every worker to have instantiated the module; one that did not drops the pool to one thread. */
  private ensureStarted(): void {
    if (this.started) return;
    this.started = true;
    for (const { w } of this.workers) {
      if (Atomics.load(w, READY) === 0) Atomics.wait(w, READY, 0, START_TIMEOUT_MS);
      if (Atomics.load(w, READY) !== 1) {
        infoOnce('cpu-threads-failed', 'cpu backend: a kernel worker thread did not start; running the kernels on one thread');
        this.workers.length = 0;
        this.count = 1;
        return;
      }
    }
  }

  /**
   * Runs kernel `name` over [0, n) in up to `threads` parts of at least `minPart` (starts multiples of
   * `align`): `args(lo, hi, part)` gives the kernel's arguments for rows [lo, hi). The split depends only
   * on n and the thread count, and the parts are independent, so the result does not depend on either.
   */
  run(name: string, n: number, minPart: number, align: number, args: (lo: number, hi: number, part: number) => number[]): void {
    const parts = Math.max(1, Math.min(this.threads, Math.floor(n / Math.max(1, minPart))));
    if (parts > 1) this.ensureStarted();
    const at = split(n, Math.min(parts, this.threads), align);
    const used = at.length - 1;
    if (used === 1) {
      this.main[name]!(...args(0, n, 0));
      return;
    }
    const fn = this.names.indexOf(name);
    if (fn < 0) throw new Error(`kernel pool: ${name} is not a pooled kernel`);
    const seq = ++this.seq;
    for (let p = 1; p < used; p++) {
      const { w, args: slot } = this.workers[p - 1]!;
      const a = args(at[p]!, at[p + 1]!, p);
      if (a.length > ARGS) throw new Error(`kernel pool: ${name} takes more than ${ARGS} arguments`);
      slot.set(a);
      w[FN] = fn;
      w[ARGC] = a.length;
      Atomics.store(w, SEQ, seq);
      Atomics.notify(w, SEQ);
    }
    this.main[name]!(...args(at[0]!, at[1]!, 0));
    let failed = false;
    for (let p = 1; p < used; p++) {
      const { w } = this.workers[p - 1]!;
      for (let spin = 0; spin < 2000 && Atomics.load(w, DONE) !== seq; spin++);
      let d: number;
      while ((d = Atomics.load(w, DONE)) !== seq) Atomics.wait(w, DONE, d);
      if (Atomics.exchange(w, ERROR, 0) !== 0) failed = true;
    }
    if (failed) throw new Error(`kernel pool: ${name} failed in a worker thread`);
  }
}
