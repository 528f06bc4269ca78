// Runs untrusted work (a model's chat template, a regex from an adapter config) on a worker thread that
// the synchronous caller waits for with a deadline: the worker has a capped heap, and one that does not
// answer in time (a loop, exponential work inside one expression, a heap blown to its cap) is terminated,
// so no such input can hang a command or eat the machine's memory. The worker stays up between calls
// (one round trip costs microseconds, not a thread start) and is replaced after a timeout.
//
// The worker imports `module` and calls its export `exportName(init)` once; the function that returns
// answers each request. The caller blocks in Atomics.wait on a shared flag and reads the reply with
// receiveMessageOnPort, so no event loop turn is needed.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { threadModule, workerBoot } from './worker-boot.ts';

/** The handler's answer, or what it threw (as text: an Error does not cross threads with its class). */
export type WorkerReply<Res> = { ok: true; value: Res } | { ok: false; message: string };

export interface SyncWorkerOptions {
  /** The worker's old-generation heap cap in MiB. */
  heapMb: number;
  /** How long the worker may take to start (import the module, build the handler). */
  startMs: number;
}

// flags in the shared Int32Array
const REPLY = 0; // 1: a reply is on the port
const READY = 1; // 1: started; 2: the start failed (its message is on the port)

/**
 * The worker's entry: the thread script, and a failed start reported instead of leaving the caller waiting.
 */
const BOOT = workerBoot(threadModule('sync-worker-thread', import.meta.url), `
    workerData.port.postMessage(e instanceof Error ? e.message : String(e));
    Atomics.store(workerData.flags, ${READY}, 2);
    Atomics.notify(workerData.flags, ${READY});`);

interface Running {
  worker: Worker;
  port: MessagePort;
  flags: Int32Array;
}

export class SyncWorker<Req, Res> {
  private running: Running | null = null;

  constructor(
    private readonly module: URL,
    private readonly exportName: string,
    private readonly init: unknown,
    private readonly opts: SyncWorkerOptions,
  ) {}

  /** The handler's reply to `request`, or null when none came within `ms` (the worker is then stopped). */
  call(request: Req, ms: number): WorkerReply<Res> | null {
    const r = this.running ?? this.start();
    Atomics.store(r.flags, REPLY, 0);
    r.port.postMessage(request);
    if (!waitFor(r.flags, REPLY, ms)) {
      this.close();
      return null;
    }
    return receiveMessageOnPort(r.port)!.message as WorkerReply<Res>;
  }

  /** Stops the worker (if any); a later call starts a fresh one. */
  close(): void {
    if (!this.running) return;
    void this.running.worker.terminate();
    this.running.port.close();
    this.running = null;
  }

  private start(): Running {
    const flags = new Int32Array(new SharedArrayBuffer(8));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(BOOT, {
      eval: true,
      workerData: { module: this.module.href, exportName: this.exportName, init: this.init, port: port2, flags },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: this.opts.heapMb },
      stdout: true, // the worker prints nothing of its own
      stderr: true,
    });
    worker.unref(); // never keeps the process alive
    port1.unref();
    // a worker that dies (heap cap, terminate) must not become an unhandled 'error' event
    worker.on('error', () => {});
    this.running = { worker, port: port1, flags };
    if (!waitFor(flags, READY, this.opts.startMs)) {
      this.close();
      throw new Error(`the worker thread did not start within ${this.opts.startMs} ms`);
    }
    if (Atomics.load(flags, READY) === 2) {
      const why = receiveMessageOnPort(port1)?.message as string | undefined;
      this.close();
      throw new Error(`the worker thread failed to start: ${why ?? 'no reason given'}`);
    }
    return this.running;
  }
}

/**
 * Waits (blocking) until flags[i] is non-zero or `ms` pass; true when it became non-zero. Timed by the monotonic clock:
 * by the wall clock, one set forward meanwhile (NTP, a machine woken from sleep) ended a wait for a quick answer as a
 * timeout, and one set back made a wait for a loop that never answers last as long as the step.
 */
function waitFor(flags: Int32Array, i: number, ms: number): boolean {
  const deadline = performance.now() + ms;
  for (;;) {
    if (Atomics.load(flags, i) !== 0) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(flags, i, 0, left);
  }
}
