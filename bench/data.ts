// bench:data — `prepare` on a generated JSONL (default ~200 MB, ~200k records of mixed shapes with some
// duplicates, near duplicates and defects): wall time, records/s, tokens/s and the peak RSS of the
// process that ran it. Two more inputs show what memory follows: a quarter of the records, and a quarter
// of the records at four times the size (as many bytes as the full input). Each prepare runs in its own
// process so that its peak RSS is its own.
// Usage: npm run bench:data [-- --records N] [--keep DIR]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Rng } from '../src/util/rng.ts';

const SELF = fileURLToPath(import.meta.url);

interface RunResult {
  seconds: number;
  records: number;
  kept: number;
  tokens: number;
  peakRssMb: number;
  inputMb: number;
  byReason: Record<string, number>;
}

/** Pseudo-words from syllables (a Zipf-like pick), so tokenization sees a realistic mix of common and rare words. */
function makeWords(rng: Rng): string[] {
  const syl = ['ta', 'ke', 'ri', 'mo', 'lan', 'der', 'sto', 'ven', 'qu', 'ix', 'ph', 'or', 'al', 'en', 'th', 'ing', 'ment', 'ous', 'cre', 'bli'];
  const common = ['the', 'of', 'and', 'to', 'in', 'is', 'that', 'for', 'it', 'as', 'with', 'was', 'on', 'be', 'by', 'this', 'are', 'from', 'or', 'an'];
  const words = [...common];
  for (let i = 0; i < 20000; i++) {
    const n = 1 + rng.below(4);
    let w = '';
    for (let k = 0; k < n; k++) w += syl[rng.below(syl.length)];
    words.push(rng.below(10) === 0 ? w[0]!.toUpperCase() + w.slice(1) : w);
  }
  return words;
}

function generate(file: string, records: number, seed: number, scale: number): void {
  const rng = new Rng(seed);
  const words = makeWords(rng);
  const pick = (): string => {
    const r = rng.below(1 << 20) / (1 << 20);
    return words[Math.floor(words.length * r * r * r)]!; // skewed to the common words
  };
  const sentence = (n: number): string => {
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(pick());
    const s = w.join(' ');
    return s[0]!.toUpperCase() + s.slice(1) + (rng.below(8) === 0 ? ` (${rng.below(100000)})` : '') + '.';
  };
  const paragraph = (chars: number): string => {
    chars *= scale;
    let s = '';
    while (s.length < chars) s += (s ? ' ' : '') + sentence(6 + rng.below(18));
    return s;
  };
  const fd = fs.openSync(file, 'w');
  let buf: string[] = [];
  const recent: string[] = [];
  for (let i = 0; i < records; i++) {
    const k = rng.below(100);
    let line: string;
    if (k < 55) line = JSON.stringify({ text: paragraph(700 + rng.below(600)) });
    else if (k < 75) line = JSON.stringify({ prompt: paragraph(200 + rng.below(300)), completion: paragraph(400 + rng.below(400)) });
    else if (k < 92) {
      line = JSON.stringify({ messages: [
        { role: 'system', content: sentence(8) },
        { role: 'user', content: paragraph(150) }, { role: 'assistant', content: paragraph(300) },
        { role: 'user', content: sentence(10) }, { role: 'assistant', content: paragraph(250) },
      ] });
    } else if (k < 95 && recent.length) line = recent[rng.below(recent.length)]!; // exact duplicate
    else if (k < 98 && recent.length) {
      const r = JSON.parse(recent[rng.below(recent.length)]!) as Record<string, unknown>;
      line = JSON.stringify('text' in r ? { text: (r.text as string).replace(/\.$/, '') + ' and one more clause.' } : r); // near duplicate
    } else line = rng.below(2) ? '{"text": "broken' : JSON.stringify({ messages: [{ role: 'user', content: 'unanswered' }] });
    if (k < 92 && rng.below(50) === 0) recent.push(line);
    if (recent.length > 200) recent.shift();
    buf.push(line);
    if (buf.length === 2000) {
      fs.writeSync(fd, buf.join('\n') + '\n');
      buf = [];
    }
  }
  if (buf.length) fs.writeSync(fd, buf.join('\n') + '\n');
  fs.closeSync(fd);
}

/** Child mode: run prepare once and print the result as JSON. */
async function child(input: string, out: string): Promise<void> {
  const { prepare } = await import('../src/data/prepare.ts');
  const { loadTokenizer } = await import('../src/tokenizer/index.ts');
  const { setQuiet } = await import('../src/util/log.ts');
  setQuiet(true);
  const tokenizer = loadTokenizer();
  const t0 = performance.now();
  const { report } = prepare({ inputs: [input], outDir: out, tokenizer });
  const seconds = (performance.now() - t0) / 1000;
  const result: RunResult = {
    seconds, records: report.input_records, kept: report.kept, tokens: report.tokens.total,
    peakRssMb: process.resourceUsage().maxRSS / 1024, inputMb: fs.statSync(input).size / 1e6, byReason: report.by_reason as Record<string, number>,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function runChild(input: string, out: string): RunResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', SELF, '--child', input, out], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`prepare failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as RunResult;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { records: { type: 'string' }, keep: { type: 'string' }, child: { type: 'boolean' } }, allowPositionals: true });
  if (values.child) return child(positionals[0]!, positionals[1]!);
  const records = Number(values.records ?? 200_000);
  const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-data-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    const rows: Array<[string, RunResult]> = [];
    const q = Math.round(records / 4);
    for (const [label, n, scale] of [['quarter', q, 1], ['full', records, 1], ['quarter×4', q, 4]] as const) {
      const file = path.join(dir, `${label}.jsonl`);
      const g0 = performance.now();
      if (!fs.existsSync(file)) generate(file, n, 1, scale);
      const gen = (performance.now() - g0) / 1000;
      process.stderr.write(`${label}: ${n} records, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB (generated in ${gen.toFixed(1)} s); running prepare…\n`);
      rows.push([label, runChild(file, path.join(dir, `out-${label}`))]);
    }
    console.log(`\nprepare (default options: near dedup, bundled Mistral tokenizer) — ${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? ''}`);
    console.log('input     |   MB   | records |  kept   | tokens     | seconds | records/s | tokens/s  | peak RSS');
    for (const [label, r] of rows) {
      console.log(`${label.padEnd(9)} | ${r.inputMb.toFixed(1).padStart(6)} | ${String(r.records).padStart(7)} | ${String(r.kept).padStart(7)} | ${String(r.tokens).padStart(10)} | ${r.seconds.toFixed(1).padStart(7)} | ${(r.records / r.seconds).toFixed(0).padStart(9)} | ${(r.tokens / r.seconds).toFixed(0).padStart(9)} | ${r.peakRssMb.toFixed(0)} MB`);
    }
    const full = rows[1]![1];
    console.log(`\nrejected (full): ${JSON.stringify(full.byReason)}`);
    console.log(`goal: whole prepare under 120 s → ${full.seconds.toFixed(1)} s (${full.seconds < 120 ? 'met' : 'NOT met'})`);
    const [small, big] = [rows[0]![1], rows[2]![1]];
    const perRecord = ((full.peakRssMb - small.peakRssMb) * 1024) / (full.records - small.records);
    console.log(`memory: ${small.peakRssMb.toFixed(0)} MB for ${small.records} records (${small.inputMb.toFixed(0)} MB), ${big.peakRssMb.toFixed(0)} MB for ${big.records} records 4× as long (${big.inputMb.toFixed(0)} MB), ${full.peakRssMb.toFixed(0)} MB for ${full.records} records (${full.inputMb.toFixed(0)} MB)`);
    console.log(`        → memory follows the number of records (about ${perRecord.toFixed(2)} KB each for the dedup indexes), not their size`);
  } finally {
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
