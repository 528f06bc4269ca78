// The data loader's own memory for many short rows (1M classification rows of 8–40 tokens by default): heap and RSS
// after the rows are made, after the loader is built, and after one epoch's batches, each after a full GC. Run:
//   node --expose-gc --import tsx bench/loader-memory.ts [rows] [shuffle|grouped|plain|packed]
import { DataLoader, type LoaderOptions } from '../src/data/loader.ts';
import type { TokenRow } from '../src/data/batch.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const mode = process.argv[3] ?? 'shuffle';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const mb = (b: number) => (b / 2 ** 20).toFixed(1).padStart(8);
const mem = () => { gc(); gc(); const m = process.memoryUsage(); return { heap: m.heapUsed, rss: m.rss, ab: m.arrayBuffers }; };

let seed = 1;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const rows: TokenRow[] = Array.from({ length: n }, () => ({ inputIds: Int32Array.from({ length: 8 + Math.floor(rand() * 33) }, () => 5) }));
const opts: LoaderOptions = {
  shuffle: { batchSize: 32, shuffle: true, seed: 42 },
  grouped: { batchSize: 32, shuffle: true, seed: 42, groupByLength: true },
  plain: { batchSize: 32 },
  packed: { batchSize: 8, shuffle: true, seed: 42, packLength: 512 },
}[mode]!;
const base = mem();
const loader = new DataLoader(rows, opts);
const built = mem();
let batches = 0;
const t0 = process.hrtime.bigint();
for (let b = 0, e = loader.epochBatches; b < e; b++) { loader.next(); batches++; }
const t1 = process.hrtime.bigint();
const epoch = mem();
console.log(`${n} rows, ${mode} ${JSON.stringify(opts)}: ${batches} batches, one epoch in ${(Number(t1 - t0) / 1e6).toFixed(0)} ms`);
console.log('                      heap MiB  RSS MiB  arrayBuffers MiB (beyond the rows)');
for (const [name, m] of [['after construction', built], ['after one epoch', epoch]] as const) {
  console.log(`${name.padEnd(20)} ${mb(m.heap - base.heap)} ${mb(m.rss - base.rss)} ${mb(m.ab - base.ab)}`);
}
if (loader.position.epoch < 0) console.log(rows.length); // keep rows and loader alive to the end
