// GGUF tokenizers checked by llama.cpp itself (llama-cpp.ts): a SentencePiece tokenizer without the space prefix and
// with an added token repeating a vocabulary entry, and byte-level BPE of Tekken's form (test/fixtures/tekken-tiny,
// also with Llama 3's and GPT-2's regexes): llama.cpp tokenizes and detokenizes a varied corpus as we do. A SentencePiece
// tokenizer with a token no merge makes: llama.cpp joins it where we do not (the export warns). A special added token
// no config names: control, which llama.cpp matches, splits, shows and skips as transformers does.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { readGgufFileInfo, type Token } from 'node-llama-cpp';
import { exportGguf } from '../../src/export/gguf/export-gguf.ts';
import { folderProvenance } from '../../src/export/gguf/from-source.ts';
import { loadModel } from '../../src/model/mistral.ts';
import { cleanUpTokenization } from '../../src/tokenizer/fast/decode.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { FIXTURES, literal } from '../helpers.ts';
import { corpus as corpusDocs, variedStrings } from '../tokenizer/corpus.ts';
import { captureStderr } from '../tokenizer/helpers.ts';
import { backend, cli, config, randomModelDir, tmp } from './gguf-models.ts';
import { llama, skip } from './llama-cpp.ts';

test('a tokenizer without the space prefix (Metaspace, prepend_scheme never) and an added token repeating a vocabulary entry: llama.cpp loads it and tokenizes as we do', { skip }, async () => {
  const dir = randomModelDir('metaspace', config({ vocabSize: 32000 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as Record<string, unknown> & { added_tokens: unknown[]; model: { vocab: Record<string, number> } };
  json.normalizer = null;
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'never', split: false };
  json.decoder = { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '\u2581' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }] };
  // "hello" is also vocabulary entry 21558, which HF tokenizers and transformers 5.17 give it (not the 32000 written:
  // test/fixtures/added-token-ids), as training does: the file has it once, there, as a user-defined token
  json.added_tokens.push({ id: 32000, content: 'hello', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const file = path.join(tmp, 'metaspace-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const info = await readGgufFileInfo(file, { logWarnings: false });
  const meta = info.metadata.tokenizer.ggml as unknown as Record<string, unknown> & { tokens: string[]; scores: number[]; token_type: number[] };
  assert.equal(meta.add_space_prefix, false);
  const hello = json.model.vocab['hello']!;
  assert.equal(meta.tokens.length, 32000);
  assert.equal(meta.tokens[hello], 'hello');
  assert.equal(meta.token_type[hello], 4, 'user-defined: llama.cpp splits it out of the text, as HF an added token');
  const tok = captureStderr(() => loadTokenizer(dir)).result;
  assert.equal(tok.encode('hello')[0], hello);
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    for (const s of ['Hello world', 'say hello twice: hello!', 'no space prefix', ' one leading space', '[INST] a question [/INST]</s>next', 'Здравствуй, мир']) {
      assert.deepEqual(lm.tokenize(s, true), tok.encode(s), `tokenizing ${JSON.stringify(s)}`);
    }
  } finally {
    await lm.dispose();
  }
});

const TEKKEN = path.join(FIXTURES, 'tekken-tiny');
type TekkenJson = { model: { merges: string[]; ignore_merges: boolean }; pre_tokenizer: unknown; added_tokens: Array<{ content: string }> };
const tekkenJson = (): TekkenJson => JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer.json'), 'utf8')) as TekkenJson;
/** The Split regex of the fixture: Tekken's, as Mistral Nemo's tokenizer.json has it. */
const TEKKEN_REGEX = (tekkenJson().pre_tokenizer as { pretokenizers: Array<{ pattern: { Regex: string } }> }).pretokenizers[0]!.pattern.Regex;

/**
 * llama.cpp's rewrite of Tekken's regex (llama-vocab.cpp, LLAMA_VOCAB_PRE_TYPE_TEKKEN), its groups made
 * non-capturing: "a letter but a-z" and "a letter but A-Z" stand for the upper- and lower-case classes, which also
 * hold the combining marks (\p{M}, not letters), so llama.cpp splits a mark off the word it ends (a Devanagari
 * vowel sign before a newline, say) where HF does not — its own difference from HF, whatever the GGUF says.
 */
const LLAMA_TEKKEN_REGEX = String.raw`[^\r\n\p{L}\p{N}]?(?:(?=\p{L})[^a-z])*(?:(?=\p{L})[^A-Z])+|[^\r\n\p{L}\p{N}]?(?:(?=\p{L})[^a-z])+(?:(?=\p{L})[^A-Z])*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/** The pre-tokenized pieces of `text`: split at the special tokens first (both tokenizers do), then by `regex`. */
function pieces(text: string, regex: string, specials: readonly string[]): string[] {
  const at = new RegExp(specials.map((t) => literal(t)).join('|'), 'gu');
  return text.split(at).flatMap((part) => [...part.matchAll(new RegExp(regex, 'gu'))].map((m) => m[0]));
}

/** `s` from code point `from` to `to`: a cut between UTF-16 units would leave half an emoji, a text encode refuses. */
const cut = (s: string, from: number, to?: number): string => [...s].slice(from, to).join('');

/** Edge cases, then the varied test corpus with special tokens and the user-defined token put in. */
const BPE_STRINGS = [
  '', ' ', '\n', 'Hello world', "I've been 'told he's there, 'RE you sure? We'Ve a'lL", 'CamelCaseWord and ALLCAPS then lowerUPPER',
  '12345 67.89e-3 3..3 3...3', '  two   three    four     spaces\n\n\n', 'tabs\tand\r\nnew\n \nlines', 'path/to/file.ts\n/', '你好世界, こんにちは, 안녕하세요',
  'emoji 🙂🚀 👨‍👩‍👧‍👦 and rare 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'bytes: \u0001\u0002\u007f\u00ff\u2028', '<s>[INST] special tokens inside [/INST]</s> and after', 'a</s>b<unk>c[CUSTOM]d [CUSTOM] e',
  ...[...variedStrings(1200, 5), ...corpusDocs(40_000, 9)].map((s, i) => (i % 3 === 0 ? `<s>[INST] ${s}[/INST]${cut(s, 0, 20)}</s>` : i % 3 === 1 ? `${cut(s, 0, 10)}[CUSTOM]${cut(s, 10)}` : s)),
];

/**
 * A model folder with the Tekken fixture's tokenizer (`edit`ed; `cleanUpSpaces`: its clean_up_tokenization_spaces,
 * true for llama-bpe and gpt-2 as their HF configs say — which transformers 5 does not apply to a BPE model, while
 * llama.cpp's detokenizer of those pre-tokenizers always cleans up, of tekken never), exported to f32 GGUF by the
 * CLI; checks that llama.cpp detokenizes our ids as we decode them (cleaned up, for llama-bpe and gpt-2: its own
 * difference, docs/gguf.md) and tokenizes each string as we do, or, where `explained` says its pre-tokenizer splits
 * the string otherwise, differently; returns the file and how many strings differed.
 */
async function checkByteLevel(name: string, edit: (json: TekkenJson) => void, explained: (s: string) => boolean, cleanUpSpaces = false): Promise<{ file: string; dir: string; differ: number }> {
  const dir = randomModelDir(name, config({ vocabSize: 896 }), null); // 873 tokens: 23 padding rows
  const json = tekkenJson();
  edit(json);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify({ ...tokenizerConfig, clean_up_tokenization_spaces: cleanUpSpaces }));
  const file = path.join(tmp, `${name}-f32.gguf`);
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /gguf:.*(differently|cannot)/, 'no tokenizer warning');
  const tok = loadTokenizer(dir);
  const lm = await llama!.loadModel({ modelPath: file });
  let differ = 0, cleaned = 0;
  try {
    for (const s of BPE_STRINGS) {
      const ids = tok.encode(s);
      const ours = tok.decode(ids, { skipSpecialTokens: false });
      const theirText = lm.detokenize(ids as Token[], true);
      assert.equal(theirText, cleanUpSpaces ? cleanUpTokenization(ours) : ours, `detokenizing ${JSON.stringify(s)}`);
      if (theirText !== ours) cleaned++;
      const theirs = lm.tokenize(s, true);
      if (JSON.stringify(theirs) === JSON.stringify(ids)) continue;
      assert.ok(explained(s), `tokenizing ${JSON.stringify(s)}: ${JSON.stringify(theirs)} ≠ ${JSON.stringify(ids)}`);
      differ++;
    }
  } finally {
    await lm.dispose();
  }
  // the difference is there to see: " ." and the like are in the corpus, and we keep them as transformers 5 does
  if (cleanUpSpaces) assert.ok(cleaned > 0, `${name}: llama.cpp cleaned up no decoded text`);
  console.log(`# ${name}: ${BPE_STRINGS.length - differ} of ${BPE_STRINGS.length} strings tokenized identically by llama.cpp${differ ? `; ${differ} otherwise, each where llama.cpp's own regex splits otherwise` : ''}${cleanUpSpaces ? `; ${cleaned} decoded with spaces cleaned up by llama.cpp` : ''}`);
  return { file, dir, differ };
}

test('a byte-level BPE tokenizer (Tekken\'s form) exports as llama.cpp\'s "gpt2" with pre "tekken": llama.cpp tokenizes and detokenizes a varied corpus as we do; the named chat templates are in the file', { skip }, async () => {
  const specials = tekkenJson().added_tokens.map((t) => t.content);
  const otherSplit = (s: string): boolean => pieces(s, LLAMA_TEKKEN_REGEX, specials).join('\u0000') !== pieces(s, TEKKEN_REGEX, specials).join('\u0000');
  const { file, dir, differ } = await checkByteLevel('tekken', () => {}, otherSplit);
  assert.ok(differ <= 0.02 * BPE_STRINGS.length, `${differ}`); // 0 measured
  const json = tekkenJson();
  const templates = (JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer_config.json'), 'utf8')) as { chat_template: Array<{ name: string; template: string }> }).chat_template;
  const md = (await readGgufFileInfo(file, { logWarnings: false })).metadata as unknown as { tokenizer: Record<string, unknown> & { ggml: Record<string, unknown> & { tokens: string[]; token_type: number[] } } };
  const g = md.tokenizer.ggml;
  assert.deepEqual([g['model'], g['pre'], g['bos_token_id'], g['eos_token_id'], g['unknown_token_id'], g['padding_token_id'], g['add_bos_token'], g['add_eos_token']], ['gpt2', 'tekken', 1, 2, 0, 10, true, false]);
  assert.deepEqual(g['merges'], json.model.merges);
  assert.deepEqual([g.tokens[16], g.tokens[17 + 0x20], g.tokens[873], g.tokens[895]], ['[CUSTOM]', 'Ġ', '[PAD873]', '[PAD895]']);
  assert.deepEqual([g.token_type[0], g.token_type[3], g.token_type[16], g.token_type[17], g.token_type[872], g.token_type[873]], [3, 3, 4, 1, 1, 5]);
  assert.equal(md.tokenizer['chat_template'], templates[0]!.template);
  assert.equal(md.tokenizer['chat_template.tool_use'], templates[1]!.template, 'a named template under its name');
  assert.equal(md.tokenizer['chat_template.rag_v1'], templates[2]!.template, '"rag-v1": other characters as "_", as gguf-py');
  assert.deepEqual(md.tokenizer['chat_templates'], ['tool_use', 'rag_v1']);
  // the check sees the pre-tokenizer: the same file read with Llama 3's (the fixture's merges join what Tekken's regex splits apart)
  const bytes = fs.readFileSync(file);
  const key = 'tokenizer.ggml.pre';
  bytes.write('llama3', bytes.indexOf(key) + key.length + 4 + 8, 'latin1'); // after the key: its type (u32), length (u64)
  const asLlama3 = path.join(tmp, 'tekken-as-llama3.gguf');
  fs.writeFileSync(asLlama3, bytes);
  const tok = loadTokenizer(dir);
  const lm = await llama!.loadModel({ modelPath: asLlama3 });
  try {
    const wrong = BPE_STRINGS.filter((s) => JSON.stringify(lm.tokenize(s, true)) !== JSON.stringify(tok.encode(s))).length;
    console.log(`# tekken: with pre "llama3" instead, ${wrong} of ${BPE_STRINGS.length} strings tokenize otherwise`);
    assert.ok(wrong > 0.05 * BPE_STRINGS.length, `${wrong}`);
  } finally {
    await lm.dispose();
  }
});

test('the same vocabulary with Llama 3\'s Split regex (pre "llama-bpe") and with GPT-2\'s ByteLevel regex (pre "gpt-2"): llama.cpp tokenizes every string as we do, and decodes it as we do but with spaces cleaned up', { skip }, async () => {
  const llama3 = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
  const none = (): boolean => false;
  await checkByteLevel('llama-bpe', (j) => { (j.pre_tokenizer as { pretokenizers: Array<{ pattern: { Regex: string } }> }).pretokenizers[0]!.pattern.Regex = llama3; }, none, true);
  await checkByteLevel('gpt-2', (j) => { j.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }; j.model.ignore_merges = false; }, none, true);
});

test('a model folder named "phi3-…": llama.cpp loads its GGUF (general.name "Phi 3 …") and tokenizes as with any other name', { skip }, async () => {
  // named "Phi3 Distill", llama.cpp's vocabulary loader took it for Phi-3 and failed on the missing <|endoftext|> (it
  // would also strip the spaces after every special token)
  const dir = randomModelDir('phi3-distill', config({ vocabSize: 512 }), 512);
  const file = path.join(tmp, 'phi3-distill-f32.gguf'), plain = path.join(tmp, 'plain-f32.gguf');
  const model = loadModel(dir, { backend });
  const { stderr } = captureStderr(() => exportGguf(model, dir, file, 'f32', folderProvenance(dir, null), { progress: false }));
  assert.match(stderr, /general\.name "Phi3 Distill" is written "Phi 3 Distill"/);
  exportGguf(model, dir, plain, 'f32', { ...folderProvenance(dir, null), name: 'plain' }, { progress: false });
  const texts = ['<s> a </s> b', 'x</s>  y <unk> z'];
  const tokenize = async (f: string): Promise<number[][]> => {
    const lm = await llama!.loadModel({ modelPath: f });
    try {
      return texts.map((s) => [...lm.tokenize(s, true)]);
    } finally {
      await lm.dispose();
    }
  };
  assert.deepEqual(await tokenize(file), await tokenize(plain));
});

test('a SentencePiece tokenizer.json with a token no merge makes ("▁the" without its merges): llama.cpp joins it from "▁" + "the" where we and transformers do not, and the export warns of it', { skip }, async () => {
  const dir = randomModelDir('no-the', config({ vocabSize: 32000 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number>; merges: string[] } };
  json.model.merges = json.model.merges.filter((m) => m.replace(' ', '') !== '▁the');
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.copyFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  const file = path.join(tmp, 'no-the-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /1 token can be joined there from a pair no merge lists \(e\.g\. "▁the" from "▁" \+ "the"\)/);
  const v = json.model.vocab;
  const tok = loadTokenizer(dir);
  assert.deepEqual(tok.encode('the the the'), [v['▁t'], v['he'], v['▁t'], v['he'], v['▁t'], v['he']], 'transformers 5.17 gives these ids too');
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    assert.deepEqual(lm.tokenize('the the the', true), [v['▁the'], v['▁the'], v['▁the']]);
  } finally {
    await lm.dispose();
  }
});

test('a special added token no config names (only added_tokens marks it special) is a control token: llama.cpp matches it with parse_special and spells it with special as transformers matches it, and splits it and skips it as split_special_tokens and skip_special_tokens do; a non-special one is user-defined', { skip }, async () => {
  // convert_hf_to_gguf.py writes such a token (from a tokenizer.json without tokenizer.model) as user-defined:
  // gguf-py's LlamaHfVocab makes control only transformers' all_special_ids, which leave it out (docs/gguf.md)
  const dir = randomModelDir('unnamed-special', config({ vocabSize: 32002 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const flags = { single_word: false, lstrip: false, rstrip: false, normalized: false };
  const added = { 32000: { content: '<tool>', ...flags, special: true }, 32001: { content: '<plain>', ...flags, special: false } };
  json.added_tokens.push(...Object.entries(added).map(([id, t]) => ({ id: Number(id), ...t })));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown> & { added_tokens_decoder: object };
  tokenizerConfig.added_tokens_decoder = { ...tokenizerConfig.added_tokens_decoder, ...added }; // as transformers saves them
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  const file = path.join(tmp, 'unnamed-special-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  const meta = (await readGgufFileInfo(file, { logWarnings: false })).metadata.tokenizer.ggml as unknown as { tokens: string[]; token_type: number[] };
  assert.deepEqual([meta.tokens[32000], meta.token_type[32000], meta.tokens[32001], meta.token_type[32001]], ['<tool>', 3, '<plain>', 4]);
  const tok = loadTokenizer(dir);
  const splitDir = path.join(tmp, 'unnamed-special-split');
  fs.mkdirSync(splitDir);
  for (const f of ['tokenizer.json', 'config.json']) fs.copyFileSync(path.join(dir, f), path.join(splitDir, f));
  fs.writeFileSync(path.join(splitDir, 'tokenizer_config.json'), JSON.stringify({ ...tokenizerConfig, split_special_tokens: true }));
  const split = loadTokenizer(splitDir);
  const s = 'hi <tool> x <plain> y';
  // transformers 5.17: [12014, 28705, 32000, 28705, 1318, 28705, 32001, 28705, 337] (after its BOS), and with
  // split_special_tokens [12014, 523, 6462, 28767, 1318, …]; decode "hi <tool>  x <plain>  y", skipping "hi   x <plain>  y"
  assert.ok(tok.encode(s).includes(32000) && !split.encode(s).includes(32000) && split.encode(s).includes(32001));
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    assert.deepEqual(lm.tokenize(s, true), tok.encode(s), 'parse_special: the token, as transformers');
    assert.deepEqual(lm.tokenize(s, false), split.encode(s), 'no parse_special: its text, as split_special_tokens');
    const ids = tok.encode(s) as Token[];
    assert.equal(lm.detokenize(ids, true), tok.decode(ids, { skipSpecialTokens: false }));
    assert.equal(lm.detokenize(ids, false), tok.decode(ids, { skipSpecialTokens: true }));
    assert.equal(lm.detokenize(ids, false), 'hi   x <plain>  y');
  } finally {
    await lm.dispose();
  }
});

test('tokens llama.cpp knows by their text (text-stops.ts): it ends generation at "<|im_end|>" and "[PAD]" where generate does not, and makes a non-special "<|im_end|>" control (its text not matched without parse_special); the export warns of both', { skip }, async () => {
  const dir = randomModelDir('text-stops', config({ vocabSize: 32002 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const flags = { single_word: false, lstrip: false, rstrip: false, normalized: false };
  const added = { 32000: { content: '<|im_end|>', ...flags, special: false }, 32001: { content: '[PAD]', ...flags, special: true } };
  json.added_tokens.push(...Object.entries(added).map(([id, t]) => ({ id: Number(id), ...t })));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as { added_tokens_decoder: object };
  tokenizerConfig.added_tokens_decoder = { ...tokenizerConfig.added_tokens_decoder, ...added };
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  const file = path.join(tmp, 'text-stops-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /llama\.cpp knows some tokens by their text alone, whatever the file says: it ends generation at "<\|im_end\|>" \(id 32000\); "\[PAD\]" \(id 32001\).*makes "<\|im_end\|>" \(id 32000\) a control token/);
  const meta = (await readGgufFileInfo(file, { logWarnings: false })).metadata.tokenizer.ggml as unknown as { token_type: number[] };
  assert.deepEqual([meta.token_type[32000], meta.token_type[32001]], [4, 3], 'user-defined and control in the file');
  const tok = loadTokenizer(dir);
  const s = 'x <|im_end|> y';
  assert.ok(tok.encode(s).includes(32000));
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    assert.deepEqual([lm.isEogToken(32000 as Token), lm.isEogToken(32001 as Token), lm.isEogToken(2 as Token), lm.isEogToken(1 as Token)], [true, true, true, false]);
    assert.deepEqual(lm.tokenize(s, true), tok.encode(s));
    assert.ok(!lm.tokenize(s, false).includes(32000 as Token), 'a user-defined token would be matched here: llama.cpp made it control');
  } finally {
    await lm.dispose();
  }
});

test('"<|tool_response>" added beside the EOS "</s>": llama.cpp does not end generation at the EOS (llama-vocab.cpp\'s gemma4 workaround); the export warns of it', { skip }, async () => {
  const dir = randomModelDir('tool-response', config({ vocabSize: 32001 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const added = { 32000: { content: '<|tool_response>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true } };
  json.added_tokens.push(...Object.entries(added).map(([id, t]) => ({ id: Number(id), ...t })));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as { added_tokens_decoder: object };
  tokenizerConfig.added_tokens_decoder = { ...tokenizerConfig.added_tokens_decoder, ...added };
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  const file = path.join(tmp, 'tool-response-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  // before: only "ends generation at "<|tool_response>"" was said
  assert.match(r.stderr, /does not end generation at "<\/s>" \(id 2\), as the vocabulary also holds "<\|tool_response>" \(id 32000\)/);
  const meta = (await readGgufFileInfo(file, { logWarnings: false })).metadata.tokenizer.ggml as unknown as { eos_token_id: number };
  assert.equal(meta.eos_token_id, 2, 'the EOS id is in the file');
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    assert.deepEqual([lm.isEogToken(2 as Token), lm.isEogToken(32000 as Token)], [false, true], 'llama.cpp stops at "<|tool_response>", not at the EOS');
    assert.equal(lm.detokenize([2 as Token], false), '</s>', 'made normal: shown without special');
  } finally {
    await lm.dispose();
  }
});

test('a non-special added token of normalized true: transformers takes the space before it and decodes it with that space, llama.cpp shows its text as it is; the export warns', { skip }, async () => {
  const dir = randomModelDir('normalized-added', config({ vocabSize: 32002 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const flags = { single_word: false, lstrip: false, rstrip: false, normalized: true, special: false };
  const added = { 32000: { content: 'foo bar', ...flags }, 32001: { content: 'xyzzy', ...flags } };
  json.added_tokens.push(...Object.entries(added).map(([id, t]) => ({ id: Number(id), ...t })));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as { added_tokens_decoder: object };
  tokenizerConfig.added_tokens_decoder = { ...tokenizerConfig.added_tokens_decoder, ...added };
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  const file = path.join(tmp, 'normalized-added-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  // before: only "llama.cpp may tokenize some text differently", nothing of the decoded text
  assert.match(r.stderr, /transformers matches an added token of normalized true after its normalizer.*\("foo bar"; "xyzzy"\): "a foo bar" decodes as "afoo bar" there/);
  const tok = loadTokenizer(dir);
  const ids = tok.encode('a xyzzy b');
  assert.deepEqual(ids, [264, 32001, 287], 'transformers 5.17 gives these (measured)');
  assert.equal(tok.decode(ids), 'a xyzzy b');
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    assert.equal(lm.detokenize(ids as Token[], false), 'axyzzy b', 'the space is lost there');
    assert.deepEqual(lm.tokenize('a xyzzy b', false), [264, 28705, 32001, 28705, 287]);
  } finally {
    await lm.dispose();
  }
});

test('"<|end|>" beside "<|return|>" and "<|call|>": llama.cpp takes it out of its end-of-generation list, but it is its end-of-turn token, which node-llama-cpp stops at; the export says so', { skip }, async () => {
  const dir = randomModelDir('end-return-call', config({ vocabSize: 32003 }), null);
  const json = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  const flags = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  const added = { 32000: { content: '<|end|>', ...flags }, 32001: { content: '<|return|>', ...flags }, 32002: { content: '<|call|>', ...flags } };
  json.added_tokens.push(...Object.entries(added).map(([id, t]) => ({ id: Number(id), ...t })));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const tokenizerConfig = JSON.parse(fs.readFileSync(path.join(BUNDLED_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8')) as { added_tokens_decoder: object };
  tokenizerConfig.added_tokens_decoder = { ...tokenizerConfig.added_tokens_decoder, ...added };
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  const file = path.join(tmp, 'end-return-call-f32.gguf');
  const r = await cli('export', '--model', dir, '--out', file, '--format', 'gguf', '--quant', 'f32');
  assert.equal(r.status, 0, r.stderr);
  // before: only that it makes "<|end|>" user-defined, nothing of node-llama-cpp stopping there where generate does not
  assert.match(r.stderr, /ends generation at "<\|end\|>" \(id 32000\) in node-llama-cpp alone, as llama\.cpp's end-of-turn token \(llama-cli and llama-server do not/);
  const lm = await llama!.loadModel({ modelPath: file });
  try {
    assert.equal(lm.tokens.eot, 32000, 'llama.cpp takes "<|end|>" as its end-of-turn token by its text');
    assert.equal(lm.isEogToken(32000 as Token), true, 'node-llama-cpp stops at it (its EOT)');
    assert.equal((lm as unknown as { _model: { isEogToken(t: number): boolean } })._model.isEogToken(32000), false, 'llama_vocab_is_eog (llama-cli, llama-server) does not');
  } finally {
    await lm.dispose();
  }
});
