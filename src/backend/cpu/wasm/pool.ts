// A persistent pool of worker threads that run the WebAssembly kernels on the same shared memory as the
// main thread: each worker instantiates the same module on that memory with its own stack region and
// waits (Atomics.wait) on a job word. `run` cuts a range of rows (or elements, or GEMM columns) into
// contiguous chunks, the same cut every run, posts them with their arguments, and the main thread and the
// workers claim chunks from a shared bit mask until none is left. Only kernels whose chunks are
// independent go through it (row-wise math, element ranges, GEMM column blocks), so the results are
// bit-identical to one thread whoever runs which chunk. Started once per memory; the workers are unref'd,
// so the process exits by itself. Without SharedArrayBuffer/Atomics, with 1 thread, or when a worker
// does not start, `run` calls the kernel once on the main thread.
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../../util/errors.ts';
import { infoOnce } from '../../../util/log.ts';
import type { WasmMemory, WasmModule } from './wasm-api.ts';

/** Control words (Int32) of the one job area, then each chunk's arguments (Float64). */
const WORDS = 16;
const ARGS = 24;
/** At most this many chunks per job (one bit each in the claim mask). */
export const MAX_CHUNKS = 30;
/**
 * The job number posted (workers wait on it), the kernel, argc, the claim mask (bit c set while chunk c
 * is unclaimed: whichever thread clears it runs the chunk, so a worker the scheduler has not woken yet
 * never holds the main thread up), chunks finished, chunks in the job, an error flag, and from READY on
 * one word per worker (1 started, −1 failed).
 */
const SEQ = 0, FN = 1, ARGC = 2, MASK = 3, FINISHED = 4, CHUNKS = 5, ERROR = 6, READY = 7;
/** Stack bytes each worker's instance gets (the main instance has the module's own 64 KiB). */
export const WORKER_STACK = 65536;
/** How long the first job waits for a worker to instantiate the module before running without it. */
const START_TIMEOUT_MS = 30_000;

// The worker's program (CommonJS, run with eval and no execArgv, so none of the parent's flags such as
// --input-type=module apply: a source string needs no file next to dist/ and no tsx). take() is the
// claim loop the main thread runs too (KernelPool.take).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, argsAt, index, names, stackTop } = workerData;
const w = new Int32Array(control, 0, argsAt / 4); // the control words and one READY word per worker
const args = new Float64Array(control, argsAt, ${ARGS * MAX_CHUNKS});
let fns;
try {
  const inst = new WebAssembly.Instance(module, { env: { memory } });
  inst.exports.__stack_pointer.value = stackTop;
  fns = names.map((n) => inst.exports[n]);
  Atomics.store(w, ${READY} + index, 1);
} catch (e) {
  Atomics.store(w, ${READY} + index, -1);
}
Atomics.notify(w, ${READY} + index);
let seen = 0;
while (fns) {
  Atomics.wait(w, ${SEQ}, seen);
  seen = Atomics.load(w, ${SEQ});
  for (;;) {
    const m = Atomics.load(w, ${MASK});
    if (m === 0) break;
    const bit = m & -m;
    if (Atomics.compareExchange(w, ${MASK}, m, m & ~bit) !== m) continue;
    const c = 31 - Math.clz32(bit);
    try {
      fns[w[${FN}]](...args.subarray(c * ${ARGS}, c * ${ARGS} + w[${ARGC}]));
    } catch (e) {
      Atomics.store(w, ${ERROR}, 1);
    }
    if (Atomics.add(w, ${FINISHED}, 1) + 1 === w[${CHUNKS}]) Atomics.notify(w, ${FINISHED});
  }
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
  private readonly w: Int32Array;
  private readonly args: Float64Array;
  private workers = 0;
  private seq = 0;
  private started = false;

  /**
   * `threads` − 1 workers over `memory`, each instantiating `module` with the stack below `stackTops[i]`;
   * `names` are the kernels the workers may run, `main` the main thread's instance of them.
   */
  constructor(
    threads: number, module: WasmModule, memory: WasmMemory, private readonly names: readonly string[],
    private readonly main: Record<string, KernelFn>, stackTops: number[],
  ) {
    const shared = threads > 1 && typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object';
    const argsAt = 8 * Math.ceil((WORDS + threads) / 2);
    const control = shared ? new SharedArrayBuffer(argsAt + 8 * ARGS * MAX_CHUNKS) : new ArrayBuffer(argsAt + 8 * ARGS * MAX_CHUNKS);
    this.w = new Int32Array(control, 0, WORDS + threads);
    this.args = new Float64Array(control, argsAt, ARGS * MAX_CHUNKS);
    if (!shared) return;
    try {
      for (let i = 0; i < threads - 1; i++) {
        const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { module, memory, control, argsAt, index: i, names, stackTop: stackTops[i] } });
        worker.unref();
        this.workers++;
      }
    } catch {
      // fewer workers than asked: the pool runs on those that started
    }
  }

  /** The threads kernels run on (the main one included). */
  get threads(): number {
    return 1 + this.workers;
  }

  /** Waits once for every worker to have instantiated the module; one that did not drops the pool to one thread. */
  private ensureStarted(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.workers; i++) {
      if (Atomics.load(this.w, READY + i) === 0) Atomics.wait(this.w, READY + i, 0, START_TIMEOUT_MS);
      if (Atomics.load(this.w, READY + i) !== 1) {
        infoOnce('cpu-threads-failed', 'cpu backend: a kernel worker thread did not start; running the kernels on one thread');
        this.workers = 0;
        return;
      }
    }
  }

  /** Claims and runs chunks of the posted job until none is left (the workers run the same loop). */
  private take(name: string): void {
    const w = this.w;
    for (;;) {
      const m = Atomics.load(w, MASK);
      if (m === 0) return;
      const bit = m & -m;
      if (Atomics.compareExchange(w, MASK, m, m & ~bit) !== m) continue;
      const c = 31 - Math.clz32(bit);
      this.main[name]!(...this.args.subarray(c * ARGS, c * ARGS + w[ARGC]!));
      Atomics.add(w, FINISHED, 1);
    }
  }

  /**
   * Runs kernel `name` over [0, n) in chunks of at least `minPart` (starts multiples of `align`), up to
   * `perThread` chunks per thread: `args(lo, hi, chunk, chunks)` gives the kernel's arguments for rows [lo, hi).
   * The threads claim chunks as they come free; the split depends only on n and the thread count, and
   * the chunks are independent, so the result depends on neither.
   */
  run(name: string, n: number, minPart: number, align: number, args: (lo: number, hi: number, chunk: number, chunks: number) => number[],
    perThread = 4): void {
    if (this.threads > 1) this.ensureStarted();
    const chunks = Math.max(1, Math.min(this.threads * perThread, MAX_CHUNKS, Math.floor(n / Math.max(1, minPart))));
    if (this.threads === 1 || chunks === 1) {
      this.main[name]!(...args(0, n, 0, 1));
      return;
    }
    const at = split(n, chunks, align);
    const fn = this.names.indexOf(name);
    if (fn < 0) throw new Error(`kernel pool: ${name} is not a pooled kernel`);
    const w = this.w;
    let argc = 0;
    for (let c = 0; c < chunks; c++) {
      const a = args(at[c]!, at[c + 1]!, c, chunks);
      if (a.length > ARGS) throw new Error(`kernel pool: ${name} takes more than ${ARGS} arguments`);
      this.args.set(a, c * ARGS);
      argc = a.length;
    }
    w[FN] = fn;
    w[ARGC] = argc;
    w[CHUNKS] = chunks;
    w[ERROR] = 0;
    Atomics.store(w, FINISHED, 0);
    Atomics.store(w, MASK, (1 << chunks) - 1);
    Atomics.store(w, SEQ, ++this.seq);
    Atomics.notify(w, SEQ);
    this.take(name);
    let f: number;
    while ((f = Atomics.load(w, FINISHED)) !== chunks) Atomics.wait(w, FINISHED, f);
    if (Atomics.load(w, ERROR) !== 0) throw new Error(`kernel pool: ${name} failed in a worker thread`);
  }
}
