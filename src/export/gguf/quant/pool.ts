// A small pool of worker threads that quantise a tensor's rows in parallel, for the GGUF writer, which
// asks for each tensor's bytes synchronously. `encode` cuts the rows into chunks of about CHUNK_WEIGHTS,
// keeps two chunks (copies) posted to each worker, encodes chunks itself meanwhile, and waits (Atomics.wait on
// a shared counter the workers raise) to collect the replies (receiveMessageOnPort: no event-loop turn).
// Each block is quantised on its own, so the bytes are the same for any thread count; memory is the
// tensor and its encoding, as without the pool, plus the chunks in flight. The workers start with the
// first tensor big enough to share (a small model never starts them), are unref'd, and close() stops them.
// With 1 thread, or when a worker does not start, everything runs on the calling thread.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { threadCount } from '../../../backend/cpu/wasm/pool.ts';
import { infoOnce } from '../../../util/log.ts';
import { threadModule, workerBoot } from '../../../util/worker-boot.ts';
import { encodeTensor } from './encode.ts';
import { GGML_TYPES, type GgmlType } from './ggml-types.ts';
import type { QuantJob, QuantReply } from './quant-thread.ts';

/** Weights per chunk: tens of milliseconds of K-quant work, against microseconds to post it. */
export const CHUNK_WEIGHTS = 1 << 16;
/** How long a worker may take to start (tsx compiles the quantisers in development). */
const START_TIMEOUT_MS = 30_000;
/** Chunks posted to a worker at a time: the next one waits in its queue, so it never idles for the main thread. */
const DEPTH = 2;
/**
 * No reply for this long means a worker died (one that fails replies; a crash cannot, and the caller, blocked in
 * Atomics.wait, hears no 'exit'): a chunk takes milliseconds (64 Ki weights, ≥ 4 M weights/s even in TypeScript).
 */
const STALL_MS = 60_000;

/** The worker's entry: the thread script; a failed start is flagged to the waiting caller. */
const BOOT = workerBoot(threadModule('quant-thread', import.meta.url), `
    Atomics.store(workerData.control, 1 + workerData.index, 2);
    Atomics.notify(workerData.control, 1 + workerData.index);`);

interface Thread {
  worker: Worker;
  port: MessagePort;
  /** The chunks posted to it and not yet collected, oldest first (it answers in order). */
  chunks: number[];
}

export class QuantPool {
  /** control[0]: replies posted; control[1 + i]: worker i started (1) or failed (2). */
  private control: Int32Array | null = null;
  private workers: Thread[] = [];
  /** Replies received so far (control[0] minus this: replies waiting on the ports). */
  private received = 0;

  /** `threads` in all (the calling one included): MISTRAL_TUNE_THREADS, else the cores available. */
  constructor(
    readonly threads: number = threadCount(),
    private readonly chunkWeights: number = CHUNK_WEIGHTS,
  ) {}

  /** encodeTensor(data, cols, type), the rows shared among the threads. */
  encode(data: Float32Array, cols: number, type: GgmlType): Uint8Array {
    const rows = data.length / cols;
    const chunkRows = Math.max(1, Math.floor(this.chunkWeights / cols));
    if (this.threads < 2 || type === 'F32' || rows < 2 * chunkRows || cols % GGML_TYPES[type].blockSize !== 0) return encodeTensor(data, cols, type);
    const workers = this.start();
    if (workers.length === 0) return encodeTensor(data, cols, type);
    try {
      return this.shared(workers, data, cols, type, chunkRows);
    } catch (e) {
      this.close(); // replies still in flight must not reach a later tensor
      throw e;
    }
  }

  /** The chunks of `chunkRows` rows, two posted to each worker at a time, the rest encoded here. */
  private shared(workers: Thread[], data: Float32Array, cols: number, type: GgmlType, chunkRows: number): Uint8Array {
    const control = this.control!;
    const rows = data.length / cols;
    const rowOut = (GGML_TYPES[type].blockBytes * cols) / GGML_TYPES[type].blockSize;
    const out = new Uint8Array(rowOut * rows);
    const chunks = Math.ceil(rows / chunkRows);
    const rowsOf = (c: number): [number, number] => [c * chunkRows, Math.min(rows, (c + 1) * chunkRows)];
    let next = 0, busy = 0;
    while (next < chunks || busy > 0) {
      for (const w of workers) {
        while (w.chunks.length < DEPTH && next < chunks) {
          const [r0, r1] = rowsOf(next);
          const chunk = data.slice(r0 * cols, r1 * cols); // a copy on its own ArrayBuffer, moved to the worker
          const job: QuantJob = { data: chunk, cols, type };
          w.port.postMessage(job, [chunk.buffer]);
          w.chunks.push(next++);
          busy++;
        }
      }
      if (next < chunks) {
        const [r0, r1] = rowsOf(next++);
        out.set(encodeTensor(data.subarray(r0 * cols, r1 * cols), cols, type), r0 * rowOut);
      } else if (Atomics.wait(control, 0, this.received, STALL_MS) === 'timed-out') {
        throw new Error(`gguf: a quantisation worker did not answer in ${STALL_MS / 1000} s`);
      }
      for (const w of workers) {
        for (;;) {
          const reply = w.chunks.length > 0 ? (receiveMessageOnPort(w.port)?.message as QuantReply | undefined) : undefined;
          if (!reply) break;
          this.received++;
          if (!reply.ok) throw new Error(`gguf: a quantisation worker failed: ${reply.message}`);
          out.set(reply.bytes, rowsOf(w.chunks.shift()!)[0] * rowOut);
          busy--;
        }
      }
    }
    return out;
  }

  /** Stops the workers; a later encode starts them again. */
  close(): void {
    for (const w of this.workers) {
      void w.worker.terminate();
      w.port.close();
    }
    this.workers = [];
    this.control = null;
    this.received = 0;
  }

  /** The started workers (threads − 1 of them), starting them on the first call; none if one fails. */
  private start(): Thread[] {
    if (this.control) return this.workers;
    const n = this.threads - 1;
    const control = new Int32Array(new SharedArrayBuffer(4 * (1 + n)));
    this.control = control;
    try {
      for (let index = 0; index < n; index++) {
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(BOOT, { eval: true, workerData: { port: port2, control, index }, transferList: [port2] });
        worker.unref(); // never keeps the process alive
        port1.unref();
        worker.on('error', () => {}); // a failed start is seen in control, not as an unhandled 'error' event
        this.workers.push({ worker, port: port1, chunks: [] });
      }
      const deadline = performance.now() + START_TIMEOUT_MS; // monotonic: the wall clock may be set meanwhile (sync-worker.ts waitFor)
      for (let i = 0; i < n; i++) {
        while (Atomics.load(control, 1 + i) === 0 && performance.now() < deadline) Atomics.wait(control, 1 + i, 0, deadline - performance.now());
        if (Atomics.load(control, 1 + i) !== 1) throw new Error('a worker did not start');
      }
    } catch {
      infoOnce('gguf-quant-threads-failed', 'gguf: a quantisation worker thread did not start; quantising on one thread');
      this.close();
      this.control = new Int32Array(new SharedArrayBuffer(4)); // started, with no workers
    }
    return this.workers;
  }
}
