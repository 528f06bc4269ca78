// bench:gguf-quant — the GGUF quantisers on a weight-like matrix (normal values, each row its own scale,
// a few outliers): per ggml type, million weights per second on the calling thread alone (encodeTensor)
// and on the export's thread pool (QuantPool, MISTRAL_TUNE_THREADS or --threads, else the cores), with
// wall and process CPU time; the pool's bytes must equal one thread's (exit 1 if not). The pool's workers
// are started before timing. Compare the CPU time of the one-thread column: it is what other load disturbs least.
// Usage: node --import tsx bench/gguf-quant.ts [--rows 4096] [--cols 4096] [--types Q4_K,Q6_K,Q5_0,Q8_0,F16] [--threads N]
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { encodeTensor } from '../src/export/gguf/quant/encode.ts';
import { GGML_TYPES, type GgmlType } from '../src/export/gguf/quant/ggml-types.ts';
import { QuantPool } from '../src/export/gguf/quant/pool.ts';
import { Rng } from '../src/util/rng.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '4096' },
    cols: { type: 'string', default: '4096' },
    types: { type: 'string', default: 'Q4_K,Q6_K,Q5_0,Q8_0,F16' },
    threads: { type: 'string' },
  },
});
const rows = Number(values.rows), cols = Number(values.cols);
const types = values.types.split(',') as GgmlType[];
for (const t of types) if (!(t in GGML_TYPES)) throw new Error(`--types: ${t} is not one of ${Object.keys(GGML_TYPES).join(', ')}`);

const rng = new Rng(1);
const data = new Float32Array(rows * cols); // (rows, cols)
for (let r = 0; r < rows; r++) {
  const scale = 0.02 * Math.exp(rng.normal() * 0.5);
  for (let c = 0; c < cols; c++) data[r * cols + c] = rng.normal() * scale * (rng.below(1000) === 0 ? 8 : 1);
}

const pool = values.threads === undefined ? new QuantPool() : new QuantPool(Number(values.threads));
pool.encode(data.subarray(0, Math.min(data.length, 1 << 18) - (Math.min(data.length, 1 << 18) % cols)), cols, 'Q8_0'); // start the workers

/** Wall and process CPU seconds of one call. */
function timed(f: () => Uint8Array): { bytes: Uint8Array; wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const bytes = f();
  const wall = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
  return { bytes, wall, cpu: (c.user + c.system) / 1e6 };
}

const mw = (s: number): string => (data.length / s / 1e6).toFixed(2).padStart(8);
console.log(`gguf-quant: ${rows}×${cols} (${(data.length / 1e6).toFixed(1)} M weights), pool of ${pool.threads} thread(s), ${os.availableParallelism()} core(s), load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('type  | 1 thread: wall s   cpu s   M w/s (wall) | pool: wall s   cpu s   M w/s (wall)  speed-up');
let bad = false;
for (const type of types) {
  const one = timed(() => encodeTensor(data, cols, type));
  const many = timed(() => pool.encode(data, cols, type));
  const same = Buffer.compare(Buffer.from(one.bytes), Buffer.from(many.bytes)) === 0;
  bad ||= !same;
  console.log(
    `${type.padEnd(5)} | ${one.wall.toFixed(2).padStart(13)} ${one.cpu.toFixed(2).padStart(7)} ${mw(one.wall)}     | ${many.wall.toFixed(2).padStart(11)} ${many.cpu.toFixed(2).padStart(7)} ${mw(many.wall)}      ${(one.wall / many.wall).toFixed(2)}x${same ? '' : '  BYTES DIFFER'}`,
  );
}
pool.close();
if (bad) process.exit(1);
