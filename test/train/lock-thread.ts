// A worker_threads Worker for run-lock-thread.test.ts: takes the run lock of workerData.dir (as train() on a library
// user's worker thread does), says "held", and waits for workerData.signal[0] to be set before it releases it.
import { parentPort, workerData } from 'node:worker_threads';
import { acquireRunLock } from '../../src/train/run-lock.ts';

const { dir, signal } = workerData as { dir: string; signal: Int32Array };
const lock = acquireRunLock(dir);
parentPort!.postMessage('held');
Atomics.wait(signal, 0, 0);
lock.release();
parentPort!.postMessage('released');
