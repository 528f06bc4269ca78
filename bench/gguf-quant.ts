// bench:gguf-quant — the GGUF quantisers on a weight-like matrix (normal values, each row its own scale,
// a few outliers): per ggml type, million weights per second on the calling thread alone (encodeTensor)
// and on the export's thread pool (QuantPool, MISTRAL_TUNE_THREADS or --threads, else the cores), with
// wall and process CPU time, the median of --reps runs. Q4_K, Q5_K, Q6_K and Q8_0 run in both implementations
// (MISTRAL_TUNE_GGUF_QUANT=typescript and wasm), alternated run by run in this one process (paired), with
// the speed-up of wasm over TypeScript; every run's bytes must equal the first's (exit 1 if not). The pools'
// workers are started before timing. Compare the CPU time of the one-thread column: other load disturbs it least.
// Usage: node --import tsx bench/gguf-quant.ts [--rows 4096] [--cols 4096] [--types Q4_K,Q5_K,Q6_K,Q5_0,Q8_0,F16] [--threads N] [--reps 7]
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
    types: { type: 'string', default: 'Q4_K,Q5_K,Q6_K,Q5_0,Q8_0,F16' },
    threads: { type: 'string' },
    reps: { type: 'string', default: '7' },
  },
});
const rows = Number(values.rows), cols = Number(values.cols), reps = Number(values.reps);
const types = values.types.split(',') as GgmlType[];
for (const t of types) if (!(t in GGML_TYPES)) throw new Error(`--types: ${t} is not one of ${Object.keys(GGML_TYPES).join(', ')}`);

const rng = new Rng(1);
const data = new Float32Array(rows * cols); // (rows, cols)
for (let r = 0; r < rows; r++) {
  const scale = 0.02 * Math.exp(rng.normal() * 0.5);
  for (let c = 0; c < cols; c++) data[r * cols + c] = rng.normal() * scale * (rng.below(1000) === 0 ? 8 : 1);
}

type Impl = 'typescript' | 'wasm';
const IMPLS: Impl[] = ['typescript', 'wasm'];
/** Runs f with MISTRAL_TUNE_GGUF_QUANT = impl (the main thread reads it per call, a pool's workers when they start). */
function withImpl<T>(impl: Impl, f: () => T): T {
  const before = process.env.MISTRAL_TUNE_GGUF_QUANT;
  process.env.MISTRAL_TUNE_GGUF_QUANT = impl;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.MISTRAL_TUNE_GGUF_QUANT;
    else process.env.MISTRAL_TUNE_GGUF_QUANT = before;
  }
}

const warm = data.subarray(0, Math.min(data.length, 1 << 18) - (Math.min(data.length, 1 << 18) % cols));
const pools = new Map(IMPLS.map((impl) => [impl, withImpl(impl, () => {
  const pool = values.threads === undefined ? new QuantPool() : new QuantPool(Number(values.threads));
  pool.encode(warm, cols, 'Q8_0'); // start the workers (with this implementation)
  return pool;
})]));

/** Wall and process CPU seconds of one call. */
function timed(f: () => Uint8Array): { bytes: Uint8Array; wall: number; cpu: number } {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const bytes = f();
  const wall = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
  return { bytes, wall, cpu: (c.user + c.system) / 1e6 };
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;

const mw = (s: number): string => (data.length / s / 1e6).toFixed(2).padStart(8);
console.log(`gguf-quant: ${rows}×${cols} (${(data.length / 1e6).toFixed(1)} M weights), pool of ${pools.get('wasm')!.threads} thread(s), ${os.availableParallelism()} core(s), median of ${reps}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('type  impl       | 1 thread: wall s   cpu s   M w/s (wall) | pool: wall s   cpu s   M w/s (wall)  pool speed-up | wasm/ts: 1-thread cpu  pool wall');
let bad = false;
for (const type of types) {
  const impls: Impl[] = type === 'Q4_K' || type === 'Q5_K' || type === 'Q6_K' || type === 'Q8_0' ? IMPLS : ['wasm'];
  const runs = new Map(impls.map((impl) => [impl, { oneWall: [] as number[], oneCpu: [] as number[], poolWall: [] as number[], poolCpu: [] as number[] }]));
  let first: Buffer | null = null;
  for (let r = 0; r < reps; r++) {
    for (const impl of impls) { // alternated: each pair of runs sees the same load
      const one = withImpl(impl, () => timed(() => encodeTensor(data, cols, type)));
      const many = withImpl(impl, () => timed(() => pools.get(impl)!.encode(data, cols, type)));
      for (const b of [one.bytes, many.bytes]) {
        first ??= Buffer.from(b);
        if (first.compare(b) !== 0) bad = true;
      }
      const m = runs.get(impl)!;
      m.oneWall.push(one.wall); m.oneCpu.push(one.cpu); m.poolWall.push(many.wall); m.poolCpu.push(many.cpu);
    }
  }
  for (const impl of impls) {
    const m = runs.get(impl)!, ts = runs.get('typescript');
    const [ow, oc, pw, pc] = [median(m.oneWall), median(m.oneCpu), median(m.poolWall), median(m.poolCpu)];
    const vs = impl === 'wasm' && ts ? `${(median(ts.oneCpu) / oc).toFixed(2)}x`.padStart(22) + `${(median(ts.poolWall) / pw).toFixed(2)}x`.padStart(11) : '';
    console.log(
      `${type.padEnd(5)} ${(impls.length > 1 ? impl : '-').padEnd(10)} | ${ow.toFixed(2).padStart(13)} ${oc.toFixed(2).padStart(7)} ${mw(ow)}     | ${pw.toFixed(2).padStart(11)} ${pc.toFixed(2).padStart(7)} ${mw(pw)}  ${`${(ow / pw).toFixed(2)}x`.padStart(13)} |${vs}`,
    );
  }
  if (bad) console.log(`${type}: BYTES DIFFER between runs, implementations or the pool`);
}
for (const pool of pools.values()) pool.close();
if (bad) process.exit(1);
