// Benchmark (not a test): tokens/s of our fast tokenizer vs @huggingface/tokenizers on generated corpora,
// with the bundled Mistral 7B v0.1 tokenizer, and whether the ids are identical on the whole corpus.
//
//   npm run bench:tokenizer [-- --mb 8 --seed 7]
//
// Two corpora: "varied" (test/tokenizer/corpus.ts: prose in several scripts, code, emoji, numbers,
// whitespace runs, ...; its words come from small lists, so our chunk cache hits often) and
// "novel-words" (the same mix with every English word replaced by random syllables, so most words are
// new to the cache: a harder case for us). Each engine is loaded fresh; "cold" is the first pass over a
// corpus (empty cache), "warm" a second pass. One thread each; nothing is asserted.
import * as os from 'node:os';
import { loadTokenizer, type LoadedTokenizer } from '../src/tokenizer/index.ts';
import { setQuiet } from '../src/util/log.ts';
import { corpus, rng } from '../test/tokenizer/corpus.ts';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}

function novelWords(docs: string[], seed: number): string[] {
  const r = rng(seed);
  const syl = ['ka', 'lo', 'mi', 'zu', 'ter', 'qua', 'ing', 'ex', 'ro', 'pha', 'str', 'ee', 'on', 'vy', 'gle', 'nd', 'sh', 'ou', 'bri', 'tz'];
  const word = (): string => {
    const n = 1 + Math.floor(r() * 4);
    let w = '';
    for (let i = 0; i < n; i++) w += syl[Math.floor(r() * syl.length)];
    return w;
  };
  return docs.map((d) => d.replace(/\b[a-z]{3,}\b/g, word));
}

interface Pass {
  ms: number;
  tokens: number;
  ids: number[][];
}

function run(t: LoadedTokenizer, docs: readonly string[]): Pass {
  const ids: number[][] = new Array<number[]>(docs.length);
  const t0 = performance.now();
  let tokens = 0;
  for (let i = 0; i < docs.length; i++) {
    ids[i] = t.encode(docs[i]!);
    tokens += ids[i]!.length;
  }
  return { ms: performance.now() - t0, tokens, ids };
}

function load(engine: 'fast' | 'huggingface'): { t: LoadedTokenizer; ms: number } {
  const t0 = performance.now();
  const t = loadTokenizer(undefined, { engine });
  return { t, ms: performance.now() - t0 };
}

function sameIds(a: number[][], b: number[][]): { same: boolean; firstDiff: number } {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (x.length !== y.length || x.some((v, k) => v !== y[k])) return { same: false, firstDiff: i };
  }
  return { same: true, firstDiff: -1 };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function main(): void {
  setQuiet(true);
  const mb = arg('mb', 8);
  const seed = arg('seed', 7);
  const cpus = os.cpus();
  console.log(`tokenizer benchmark: bundled Mistral 7B v0.1, ${mb} MB per corpus, seed ${seed}`);
  console.log(`machine: ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, node ${process.version} (shared machine: timings are noisy)`);
  const varied = corpus(mb * 1e6, seed);
  const corpora: [string, string[]][] = [
    ['varied', varied],
    ['novel-words', novelWords(varied, seed + 1)],
  ];
  const rows: string[][] = [['corpus', 'engine', 'pass', 'tokens', 'seconds', 'tokens/s', 'MB/s', 'vs HF']];
  for (const [name, docs] of corpora) {
    const bytes = docs.reduce((s, d) => s + Buffer.byteLength(d), 0);
    const hf = load('huggingface');
    const h = run(hf.t, docs);
    const fast = load('fast');
    const cold = run(fast.t, docs);
    const warm = run(fast.t, docs);
    const hfRate = h.tokens / (h.ms / 1e3);
    const add = (engine: string, pass: string, p: Pass): void => {
      const rate = p.tokens / (p.ms / 1e3);
      rows.push([name, engine, pass, fmt(p.tokens), (p.ms / 1e3).toFixed(2), fmt(rate), (bytes / 1e6 / (p.ms / 1e3)).toFixed(2), `${(rate / hfRate).toFixed(1)}x`]);
    };
    add('@huggingface/tokenizers', 'one', h);
    add('ours (fast)', 'cold', cold);
    add('ours (fast)', 'warm', warm);
    const cmp = sameIds(cold.ids, h.ids);
    const cmpWarm = sameIds(warm.ids, h.ids);
    console.log(
      `${name}: ${docs.length} documents, ${(bytes / 1e6).toFixed(1)} MB; load ${hf.ms.toFixed(0)} ms (HF) / ${fast.ms.toFixed(0)} ms (ours); ` +
        `ids identical on the whole corpus: ${cmp.same && cmpWarm.same ? 'yes' : `NO (first differing document: ${cmp.same ? cmpWarm.firstDiff : cmp.firstDiff})`}`,
    );
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log('');
  for (const r of rows) console.log(r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

main();
