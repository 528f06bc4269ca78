// bench:near-dedup — NearDupIndex on generated inputs where a shared template makes LSH band keys collide
// (templated one-liners, templated prompt/completion pairs, chats with a long shared system prompt whose user
// and assistant turns share a template, texts that share a 490-character preamble and end in about 75 characters
// of words: each a candidate of every other, at 0.7–0.78 of each other; orders whose fields come from short lists
// of names, products and dates, so that the records sharing a field value are a fixed share of all; sentences of 12
// words from a vocabulary of 12 and a number, any two a fifth alike, a few of them 0.4; arithmetic
// exercises of 10 to 20 characters), and on a mix of free text and templates with near duplicates and two
// classes (a record of the other class is no match, as in prepare's classification): seconds and matches per
// input, and the band-bucket entries per record that the queries met (the bands' candidates, counted by the
// index's stats). The names are made of 20 syllables, so that records share fragments as real place names do.
// With --compare FILE (another near-dedup.ts, e.g. an older commit's extracted by `git archive`), runs that
// index too over the same inputs and exits 1 unless both give the same match (index and similarity) for every
// record. With --save FILE, writes every record's match (the kept/dropped decisions) as JSON; with --against FILE,
// exits 1 unless this run's are the same as those saved. With --jsonl DIR, writes the inputs (without classes) as JSONL files there, for timing
// `mistral-tune prepare`, instead of running.
// Usage: node --import tsx bench/near-dedup.ts [--records N] [--only NAME,...] [--threshold X]
//          [--postings auto|always|never] [--compare FILE] [--save FILE] [--against FILE] [--jsonl DIR]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { NearDupIndex } from '../src/data/near-dedup.ts';
import { Rng } from '../src/util/rng.ts';
import { logLines, longDocuments, templatedNotices, unicodeShort } from './near-dedup-messy.ts';

interface Match { index: number; similarity: number }
interface Index {
  check(parts: readonly string[], index: number, partsOf: (i: number) => readonly string[], skip?: (i: number) => boolean): Match | null;
  stats?: { bandEntries: number };
}
type IndexClass = new (threshold: number, postings?: 'auto' | 'always' | 'never') => Index;
interface Input { name: string; records: object[]; parts: string[][]; label?: number[] }

function generate(n: number, seed: number, only?: readonly string[]): Input[] {
  const rng = new Rng(seed);
  const syl = ['ka', 'lo', 'mi', 'ra', 'tu', 'sen', 'dor', 'vi', 'an', 'el', 'qu', 'ish', 'bar', 'no', 'zet', 'po', 'li', 'gra', 'wen', 'fo'];
  const name = (): string => {
    let s = '';
    for (let k = 2 + rng.below(3); k > 0; k--) s += syl[rng.below(syl.length)];
    return s[0]!.toUpperCase() + s.slice(1);
  };
  const words = (k: number): string => Array.from({ length: k }, () => name().toLowerCase()).join(' ');
  const system = 'You are a helpful assistant for geography questions. Answer in one short sentence, name the place exactly as asked, and never add anything that was not asked for. '.repeat(3).trim();
  const text = (t: string) => ({ text: t });
  const pair = (prompt: string, completion: string) => ({ prompt, completion });
  const chat = (user: string, assistant: string) => ({ messages: [{ role: 'system', content: system }, { role: 'user', content: user }, { role: 'assistant', content: assistant }] });
  // a light edit that keeps a long text nearly the same: one word changed
  const edit = (s: string): string => {
    const w = s.split(' ');
    w[rng.below(w.length)] = name();
    return w.join(' ');
  };
  const inputs: Input[] = ['one-liners', 'prompt/completion', 'chat', 'mixed+labels', 'shared-preamble', 'short-lists', 'tiny-vocabulary', 'arithmetic', 'log-lines', 'notices', 'long-documents', 'unicode-short'].map((name) => ({ name, records: [], parts: [] }));
  const labels: number[] = [];
  const mixed: Array<{ text: string } | { prompt: string; completion: string }> = [];
  for (let i = 0; i < n; i++) {
    inputs[0]!.records.push(text(`The capital of ${name()} is ${name()}.`));
    inputs[1]!.records.push(pair(`Q: what is the currency of ${name()}?`, name()));
    const place = name();
    inputs[2]!.records.push(chat(`What is the capital of ${place}? Please answer briefly.`, `The capital of ${place} is ${name()}.`));
    const k = rng.below(100);
    if (k < 5 && mixed.length) { // a near duplicate, or a templated record's variant
      const r = mixed[rng.below(mixed.length)]!;
      mixed.push('text' in r ? text(edit(r.text)) : pair(edit(r.prompt), edit(r.completion)));
    } else if (k < 40) mixed.push(text(words(40 + rng.below(60))));
    else if (k < 60) mixed.push(pair(words(20 + rng.below(20)), words(30 + rng.below(40))));
    else if (k < 80) mixed.push(text(`The capital of ${name()} is ${name()}.`));
    else mixed.push(pair(`Q: what is the currency of ${name()}?`, name()));
    labels.push(rng.below(10) === 0 ? 1 : 0);
  }
  inputs[3]!.records = mixed;
  inputs[3]!.label = labels;
  // the inputs made by their own generator, only when asked for (long documents at 300k are 1.5 GB)
  const own = [sharedPreamble, shortLists, tinyVocabulary, arithmetic, logLines, templatedNotices, longDocuments, unicodeShort];
  own.forEach((make, k) => { if (!only || only.includes(inputs[4 + k]!.name)) inputs[4 + k]!.records = make(n, seed); });
  // the parts prepare compares (record.ts's comparableParts, lower-cased): a chat's system prompt is not one
  for (const input of inputs) {
    input.parts = input.records.map((r) => {
      const o = r as { text?: string; prompt?: string; completion?: string; messages?: Array<{ role: string; content: string }> };
      const parts = o.messages ? ['user', 'assistant'].map((role) => o.messages!.filter((m) => m.role === role).map((m) => m.content).join('\n')) : o.text !== undefined ? [o.text] : [o.prompt!, o.completion!];
      return parts.map((p) => p.toLowerCase());
    });
  }
  return inputs;
}

/** Texts of a 490-character preamble (an instruction every record repeats) and about 75 characters of words. */
function sharedPreamble(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 1);
  const syl = ['ka', 'lo', 'mi', 'ra', 'tu', 'sen', 'dor', 'vi', 'an', 'el', 'qu', 'ish', 'bar', 'no', 'zet', 'po', 'li', 'gra', 'wen', 'fo'];
  const word = (): string => Array.from({ length: 2 + rng.below(3) }, () => syl[rng.below(syl.length)]).join('');
  const preamble = 'You are a careful assistant that answers questions about a company handbook. Read the question, find the relevant policy, and answer in plain language. If the handbook does not cover the question, say so and suggest whom to ask. Do not invent policies, numbers or names. Keep answers under one hundred words, use the second person, and end with the section number you relied on. Question follows after the colon, and it may contain typos or abbreviations that you should read generously: ';
  return Array.from({ length: n }, () => {
    let tail = '';
    while (tail.length < 75) tail += (tail ? ' ' : '') + word();
    return { text: preamble + tail };
  });
}

/** Orders of one template whose fields take their values from short lists (26 first names, 16 last names, 16 products, dates of 2025). */
function shortLists(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 2);
  const first = ['Alice', 'Bob', 'Carmen', 'Dmitri', 'Elena', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal', 'Kofi', 'Lena', 'Mateo', 'Nadia', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Uma', 'Victor', 'Wen', 'Ximena', 'Yusuf', 'Zoe'];
  const last = ['Smith', 'Garcia', 'Nguyen', 'Kowalski', 'Okafor', 'Tanaka', 'Müller', 'Rossi', 'Ivanova', 'Haddad', 'Silva', 'Larsen', 'Chen', 'Dubois', 'Patel', 'Novak'];
  const product = ['wireless mouse', 'USB-C cable', 'standing desk', 'coffee grinder', 'yoga mat', 'desk lamp', 'mechanical keyboard', 'water bottle', 'backpack', 'monitor arm', 'notebook', 'headphones', 'phone case', 'tea kettle', 'office chair', 'webcam'];
  const pick = (list: readonly string[]): string => list[rng.below(list.length)]!;
  const two = (k: number): string => String(k).padStart(2, '0');
  return Array.from({ length: n }, () => ({
    text: `Customer ${pick(first)} ${pick(last)} ordered ${1 + rng.below(500)} units of ${pick(product)} on 2025-${two(1 + rng.below(12))}-${two(1 + rng.below(28))}.`,
  }));
}

/** Sentences of 12 words drawn from 12 and a number below 10,000 (dedup.test.ts's short records over a small vocabulary). */
function tinyVocabulary(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 3);
  const vocab = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  return Array.from({ length: n }, () => ({ text: `${Array.from({ length: 12 }, () => vocab[rng.below(vocab.length)]!).join(' ')} ${rng.below(10000)}` }));
}

/**
 * Arithmetic exercises and their answers ("123 + 45 = 168"): rows of 10 to 20 characters over digits and a few
 * symbols, so that unrelated rows share a fifth or more of their few 5-grams (" + 4", "= 1"…); a few are exact repeats.
 */
function arithmetic(n: number, seed: number): Array<{ text: string }> {
  const rng = new Rng(seed + 4);
  const ops: Array<[string, (a: number, b: number) => number]> = [['+', (a, b) => a + b], ['-', (a, b) => a - b], ['*', (a, b) => a * b]];
  return Array.from({ length: n }, () => {
    const [op, f] = ops[rng.below(ops.length)]!;
    const a = rng.below(1000), b = rng.below(100);
    return { text: `${a} ${op} ${b} = ${f(a, b)}` };
  });
}

/** Feeds every record to a fresh index as prepare does: kept records are indexed, a match drops the record. */
function run(Cls: IndexClass, input: Input, threshold: number, postings?: 'auto' | 'always' | 'never'): { seconds: number; matches: Array<Match | null>; entries: string } {
  const idx = new Cls(threshold, postings);
  const kept: number[] = []; // kept index → record number
  const matches: Array<Match | null> = [];
  const partsOf = (i: number): readonly string[] => input.parts[kept[i]!]!;
  const t0 = performance.now();
  for (let r = 0; r < input.parts.length; r++) {
    const label = input.label?.[r];
    // as prepare's: a kept record of another class is not a match
    const skip = input.label ? (i: number) => input.label![kept[i]!] !== label : undefined;
    const m = idx.check(input.parts[r]!, kept.length, partsOf, skip);
    matches.push(m ? { index: kept[m.index]!, similarity: m.similarity } : null);
    if (!m) kept.push(r);
  }
  // the band-bucket entries per record: the bands' candidates (an index without stats, an older one, says '-')
  const entries = idx.stats ? (idx.stats.bandEntries / input.parts.length).toFixed(1) : '-';
  return { seconds: (performance.now() - t0) / 1000, matches, entries };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: 'string' }, only: { type: 'string' }, threshold: { type: 'string' }, postings: { type: 'string' }, compare: { type: 'string' }, jsonl: { type: 'string' }, save: { type: 'string' }, against: { type: 'string' } } });
  const n = Number(values.records ?? 20_000);
  const threshold = Number(values.threshold ?? 0.8);
  const postings = (values.postings ?? 'auto') as 'auto' | 'always' | 'never';
  const only = values.only?.split(',');
  const inputs = generate(n, 1, only).filter((input) => !values.only || values.only.split(',').includes(input.name));
  if (values.jsonl) {
    fs.mkdirSync(values.jsonl, { recursive: true });
    for (const input of inputs) {
      const file = path.join(values.jsonl, `${input.name.replace(/\W+/g, '-')}.jsonl`);
      fs.writeFileSync(file, input.records.map((r) => JSON.stringify(r) + '\n').join(''));
      console.log(file);
    }
    return;
  }
  const other = values.compare ? ((await import(pathToFileURL(path.resolve(values.compare)).href)) as { NearDupIndex: IndexClass }).NearDupIndex : null;
  let differ = false;
  console.log(`NearDupIndex (posting lists: ${postings}), threshold ${threshold}, ${n} records an input${other ? `; compared with ${values.compare}` : ''}`);
  const saved: Record<string, Array<Match | null>> = values.against ? JSON.parse(fs.readFileSync(values.against, 'utf8')) : {};
  const decisions: Record<string, Array<Match | null>> = {};
  console.log(`input             | dropped | seconds | us/rec | entries/rec${other ? ' | other s | other e/rec | same' : ''}`);
  for (const input of inputs) {
    const a = run(NearDupIndex, input, threshold, postings);
    const dropped = a.matches.filter((m) => m).length;
    let row = `${input.name.padEnd(17)} | ${String(dropped).padStart(7)} | ${a.seconds.toFixed(2).padStart(7)} | ${((a.seconds * 1e6) / input.parts.length).toFixed(1).padStart(6)} | ${a.entries.padStart(11)}`;
    decisions[input.name] = a.matches;
    if (values.against) {
      const b = saved[input.name];
      const bad = b ? a.matches.findIndex((m, i) => JSON.stringify(m) !== JSON.stringify(b[i])) : -2;
      if (bad !== -1) differ = true;
      row += bad === -1 ? ' | same as saved' : bad === -2 ? ' | NOT SAVED' : ` | NOT SAVED'S: record ${bad}: ${JSON.stringify(a.matches[bad])} vs ${JSON.stringify(b![bad])}`;
    }
    if (other) {
      const b = run(other, input, threshold);
      const bad = a.matches.findIndex((m, i) => JSON.stringify(m) !== JSON.stringify(b.matches[i]));
      if (bad >= 0) differ = true;
      row += ` | ${b.seconds.toFixed(2).padStart(7)} | ${b.entries.padStart(11)} | ${bad < 0 ? 'yes' : `NO: record ${bad}: ${JSON.stringify(a.matches[bad])} vs ${JSON.stringify(b.matches[bad])}`}`;
    }
    console.log(row);
  }
  if (values.save) fs.writeFileSync(values.save, JSON.stringify(decisions));
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  if (differ) process.exit(1);
}

await main();
