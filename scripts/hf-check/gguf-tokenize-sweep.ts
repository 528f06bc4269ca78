// A sweep of tokenization agreement between a GGUF export and llama.cpp: for each tokenizer folder given, a random
// model with that tokenizer is exported to an f32 GGUF by the CLI, and llama.cpp's tokenize() (special tokens parsed)
// is compared with our tokenizer on edge cases (whitespace runs, tabs, control characters, NUL, combining marks, CJK,
// emoji, digit runs, long words, special token texts) and the seeded varied strings of test/tokenizer/corpus.ts.
// Prints the export's warnings, the count that agree and the first differences; writes OUT_DIR/<name>.json (strings,
// llama.cpp's ids, the folder), which gguf_tokenize_sweep.py compares with transformers' AutoTokenizer.
// Not part of the product. From the project root:
//   node --import tsx scripts/hf-check/gguf-tokenize-sweep.ts OUT_DIR NAME=FOLDER:VOCAB_SIZE...
//   HF_HUB_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/gguf_tokenize_sweep.py OUT_DIR/*.json
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadTokenizer } from '../../src/tokenizer/load.ts';
import { corpus, variedStrings } from '../../test/tokenizer/corpus.ts';
import { cli, config, randomModelDir, tmp } from '../../test/export/gguf-models.ts';
import { llama } from '../../test/export/llama-cpp.ts';

const [outArg, ...cases] = process.argv.slice(2);
if (outArg === undefined || cases.length === 0 || !llama) {
  console.error(llama ? 'usage: gguf-tokenize-sweep.ts OUT_DIR NAME=FOLDER:VOCAB_SIZE...' : 'llama.cpp (node-llama-cpp) does not load here');
  process.exit(2);
}
fs.mkdirSync(outArg, { recursive: true });

const EDGES = ['', ' ', '  ', '\n', '\t', ' \t\n ', 'Hello world', 'the the the', 'naïve café', 'e\u0301 a\u0308 n\u0303', 'Z\u0351\u0352\u0353algo',
  '你好世界，中文分词', 'こんにちは世界', '안녕하세요', '🙂🚀 👨‍👩‍👧‍👦 🇫🇷 👍🏽', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'a\u0000b\u0001c\u007fd\u0085e\u200bf\u2028g\ufeffh',
  '1234567890 00000000000000 3.14159', '    four spaces', 'trailing   ', '\n\n\n\nnewlines\r\n\r\n', 'tab\tsep\t\tvalues',
  'x'.repeat(300), 'supercalifragilisticexpialidocious'.repeat(8), 'Geschwindigkeitsbegrenzung', ' leading space', '  two leading',
  '▁already▁meta', '\u00a0nbsp\u3000ideographic'];

for (const c of cases) {
  const m = /^([\w.-]+)=(.+):(\d+)$/.exec(c);
  if (!m) throw new Error(`${c}: expected NAME=FOLDER:VOCAB_SIZE`);
  const [, name, folder, size] = m as unknown as [string, string, string, string];
  const dir = randomModelDir(name, config({ vocabSize: Number(size), hiddenSize: 16, intermediateSize: 32, numHeads: 2, numKvHeads: 1, headDim: 8, numLayers: 1 }), null);
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) if (fs.existsSync(path.join(folder, f))) fs.copyFileSync(path.join(folder, f), path.join(dir, f));
  const file = path.join(tmp, `${name}.gguf`);
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  console.log(`== ${name}: export status ${r.status}\n${r.stderr.split('\n').filter((l) => l.includes('gguf:')).join('\n')}`);
  if (r.status !== 0) continue;
  const tok = loadTokenizer(dir);
  const specials = (JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as { added_tokens: Array<{ content: string }> }).added_tokens.map((t) => t.content);
  const strings = [...EDGES, ...specials.slice(0, 12).map((s) => `a ${s} b${s}c`), ...variedStrings(600, 11), ...corpus(20000, 5)];
  const lm = await llama.loadModel({ modelPath: file });
  const ids: number[][] = [];
  let differ = 0;
  try {
    for (const s of strings) {
      const ours = tok.encode(s), theirs = [...lm.tokenize(s, true)];
      ids.push(theirs);
      if (JSON.stringify(ours) === JSON.stringify(theirs)) continue;
      if (++differ <= 5) {
        const show = (xs: number[]): string => xs.slice(0, 24).map((i) => JSON.stringify(tok.idToToken?.(i) ?? i)).join(' ');
        console.log(`${JSON.stringify(s.slice(0, 60))}\n  ours  ${show(ours)}\n  llama ${show(theirs)}`);
      }
    }
  } finally {
    await lm.dispose();
  }
  console.log(`${name}: ${strings.length - differ} of ${strings.length} strings tokenized alike by llama.cpp and us`);
  fs.writeFileSync(path.join(outArg, `${name}.json`), JSON.stringify({ folder: path.resolve(folder), strings, llama: ids }));
}
process.exit(0);
