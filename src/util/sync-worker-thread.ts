// The thread side of SyncWorker (sync-worker.ts): imports the handler's module, builds the handler once,
// then answers each request on the port and raises the shared flag that the waiting caller watches.
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

interface Data {
  module: string;
  exportName: string;
  init: unknown;
  port: MessagePort;
  flags: Int32Array;
}

const { module, exportName, init, port, flags } = workerData as Data;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

// a failure here rejects the import in the worker's entry (sync-worker.ts), which reports it
const make = ((await import(module)) as Record<string, unknown>)[exportName];
if (typeof make !== 'function') throw new Error(`${module} has no function ${exportName}`);
const handle = (make as (init: unknown) => (request: unknown) => unknown)(init);

port.on('message', (request: unknown) => {
  let reply: unknown;
  try {
    reply = { ok: true, value: handle(request) };
  } catch (e) {
    reply = { ok: false, message: message(e) };
  }
  port.postMessage(reply);
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
});
Atomics.store(flags, 1, 1);
Atomics.notify(flags, 1);
