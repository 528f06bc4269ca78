// The thread side of QuantPool (pool.ts): encodes each chunk of rows posted on its port and posts the bytes
// back (transferred), then counts the reply in the shared word that the waiting main thread watches.
import { workerData, type MessagePort } from 'node:worker_threads';
import { encodeTensor } from './encode.ts';
import type { GgmlType } from './ggml-types.ts';

export interface QuantJob {
  data: Float32Array;
  cols: number;
  type: GgmlType;
}

export type QuantReply = { ok: true; bytes: Uint8Array } | { ok: false; message: string };

interface Data {
  port: MessagePort;
  control: Int32Array;
  index: number;
}

const { port, control, index } = workerData as Data;

port.on('message', (job: QuantJob) => {
  let reply: QuantReply, moved: ArrayBuffer[] = [];
  try {
    const bytes = encodeTensor(job.data, job.cols, job.type);
    // encodeTensor allocates its output: an ArrayBuffer of its own, moved back rather than copied
    if (bytes.buffer instanceof ArrayBuffer) moved = [bytes.buffer];
    reply = { ok: true, bytes };
  } catch (e) {
    reply = { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply, moved);
  Atomics.add(control, 0, 1);
  Atomics.notify(control, 0);
});
Atomics.store(control, 1 + index, 1);
Atomics.notify(control, 1 + index);
