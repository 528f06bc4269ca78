// Templated product descriptions as JSONL on stdout, for timing `mistral-tune prepare`'s near dedup on records
// that share most of their text without being near duplicates of each other (mostly 0.3–0.6 Jaccard to one
// another; with BOILER=160, 0.5–0.75): `text` records, or (`pair`) instruction/output records whose output
// is the text with a longer templated tail. Deterministic.
// Usage: BOILER=20 node --import tsx bench/templated-records.ts N text|pair > FILE  (BOILER: characters of a
// shared sentence appended to each text, 0–160; default all of it)
const n = Number(process.argv[2] ?? 10000);
const kind = process.argv[3] ?? 'text';
let s = 12345;
const rnd = (k: number): number => {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  return (s >>> 8) % k;
};
const pick = (a: readonly string[]): string => a[rnd(a.length)]!;
const color = ['red', 'blue', 'green', 'black', 'white', 'silver', 'golden', 'navy', 'olive', 'teal', 'crimson', 'ivory'];
const material = ['leather', 'cotton', 'steel', 'oak', 'bamboo', 'wool', 'linen', 'ceramic', 'glass', 'copper', 'marble', 'nylon'];
const item = ['backpack', 'lamp', 'chair', 'kettle', 'scarf', 'desk', 'mug', 'watch', 'jacket', 'vase', 'wallet', 'bottle', 'blanket', 'clock'];
const brand = ['Acme', 'Nordic Home', 'UrbanCo', 'Solis', 'Fjord', 'Kestrel', 'Mariposa', 'Helio', 'Tundra', 'Verano', 'Orbis', 'Lumen'];
const adj = ['durable', 'lightweight', 'elegant', 'compact', 'sturdy', 'stylish', 'versatile', 'handcrafted', 'minimalist', 'cozy'];
const use = ['travel', 'the office', 'everyday use', 'outdoor adventures', 'gifting', 'small apartments', 'camping trips', 'the kitchen', 'reading nooks', 'weekend getaways'];
const q = ['Write a product description for', 'Describe', 'Give a short blurb for', 'Write marketing copy for'];
const BOILER = ' Every order ships free within the continental United States, arrives in recyclable packaging, and is backed by our thirty-day no-questions-asked return policy.'.slice(0, Number(process.env.BOILER ?? 1000));
const out: string[] = [];
for (let i = 0; i < n; i++) {
  const c = pick(color), m = pick(material), it = pick(item), b = pick(brand), a = pick(adj), u = pick(use);
  const price = (5 + rnd(500)) + '.' + String(rnd(100)).padStart(2, '0');
  const text = `The ${c} ${m} ${it} from ${b} is ${a} and costs $${price}. Ideal for ${u}.` + BOILER;
  if (kind === 'text') out.push(JSON.stringify({ text }));
  else {
    const extra = `It ships in ${1 + rnd(9)} days, comes with a ${1 + rnd(5)}-year warranty, and is rated ${(3 + rnd(20) / 10).toFixed(1)} stars by ${10 + rnd(5000)} customers. Care: wipe with a ${pick(['damp', 'dry', 'soft'])} cloth. Model ${b.slice(0, 3).toUpperCase()}-${rnd(100000)}; SKU ${rnd(1e6)}; lot ${rnd(1e6)}; batch ${pick(color)}-${pick(material)}.`;
    out.push(JSON.stringify({ instruction: `${pick(q)} the ${c} ${m} ${it} from ${b}, which costs $${price}.`, output: `${text} ${extra}` }));
  }
}
process.stdout.write(out.join('\n') + '\n');
