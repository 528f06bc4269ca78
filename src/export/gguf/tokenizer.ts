// The tokenizer section of a GGUF (tokenizer.ggml.*, tokenizer.chat_template) for a SentencePiece-BPE
// vocabulary such as Mistral's: llama.cpp's "llama" (SPM) tokenizer merges the adjacent pair whose joined
// text is the vocabulary entry of highest score, so each token scores minus the rank of the first
// tokenizer.json merge that makes it — the order HF's BPE applies them in. (convert_hf_to_gguf.py without a
// tokenizer.model gives every token -1000, which leaves llama.cpp's merge order to chance.) A token no merge
// makes scores below every merge, so llama.cpp never prefers it to one HF's merges would give. Every token text
// is written once (llama.cpp aborts on a repeated one). tokenizer.ggml.add_space_prefix says whether text gets
// the "▁" HF's normalizer or Metaspace pre-tokenizer puts before it; a pipeline llama.cpp's SentencePiece
// tokenizer cannot follow is said in a warning.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHAT_TEMPLATE } from '../../tokenizer/chat-template.ts';
import { BUNDLED_TOKENIZER_DIR } from '../../tokenizer/load.ts';
import { compileFastSpec } from '../../tokenizer/fast/spec.ts';
import { tokenizerAddsBos, tokenizerAddsEos } from '../../tokenizer/adds-special.ts';
import { readFolderTokenizerConfig, type TokenizerConfig } from '../../tokenizer/tokenizer-config.ts';
import { readTokenizerJson, type TokenizerJson } from '../../tokenizer/tokenizer-json.ts';
import { buildVocab, type Vocab } from '../../tokenizer/vocab.ts';
import { UserError } from '../../util/errors.ts';
import { warn } from '../../util/log.ts';
import type { GgufValue } from './gguf-file.ts';

/** llama.cpp's token types (llama_token_type). */
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** The folder whose tokenizer a model uses: its own tokenizer.json, else the bundled Mistral tokenizer (as loadTokenizer). */
export function tokenizerFolder(modelDir: string): string {
  return fs.existsSync(path.join(modelDir, 'tokenizer.json')) ? modelDir : BUNDLED_TOKENIZER_DIR;
}

/** The merges of a BPE tokenizer.json as [left, right] pairs ("a b" strings or [a, b] arrays). */
function mergePairs(merges: unknown, file: string): Array<[string, string]> {
  if (!Array.isArray(merges)) throw new UserError('a GGUF export needs a BPE tokenizer with merges', `${file}: model.merges`);
  return merges.map((m, i) => {
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') return [m[0], m[1]];
    if (typeof m === 'string') {
      const at = m.indexOf(' ', 1);
      if (at > 0) return [m.slice(0, at), m.slice(at + 1)];
    }
    throw new UserError('expected "left right" or [left, right]', `${file}: model.merges[${i}]`);
  });
}

/**
 * Whether llama.cpp is to put "▁" before text (and after each special token, as it does): HF's legacy Prepend("▁")
 * normalizer does exactly that; Metaspace's prepend_scheme "always" too, except for text that starts with a space,
 * and "first" only at the start of the input, which llama.cpp cannot express (warned); "never", or neither, is no prefix.
 */
export function addSpacePrefix(json: TokenizerJson, config: TokenizerConfig, vocab: Vocab, file: string): boolean {
  const compiled = compileFastSpec(json, config, vocab);
  if (!compiled.ok) {
    warn(`gguf: llama.cpp's SentencePiece tokenizer cannot follow this tokenizer.json (it uses ${compiled.reason}): llama.cpp may tokenize some text differently (${file})`);
    return true;
  }
  const { normalizer, metaspace } = compiled.spec;
  if (normalizer?.some((step) => step.kind === 'prepend')) return true;
  if (metaspace === null || metaspace.prependScheme === 'never') return false;
  warn(`gguf: the Metaspace pre-tokenizer's prepend_scheme "${metaspace.prependScheme}" adds "▁" ${metaspace.prependScheme === 'first' ? 'only at the start of the input' : 'unless the text starts with a space'}; llama.cpp adds it to all text and after every special token, so some prompts tokenize differently there (${file})`);
  return true;
}

/** tokenizer.* metadata for a model of `vocabSize` rows whose tokenizer lives in `folder`; `eosIds`: config.json's eos_token_id. */
export function tokenizerMetadata(folder: string, vocabSize: number, eosIds: readonly number[] = []): Map<string, GgufValue> {
  const file = path.join(folder, 'tokenizer.json');
  const json = readTokenizerJson(file);
  const config = readFolderTokenizerConfig(folder); // its chat_template.jinja first, as transformers
  if (json.model['type'] !== 'BPE' || json.model['byte_fallback'] !== true) {
    throw new UserError('a GGUF export writes llama.cpp\'s SentencePiece tokenizer, which needs a BPE model with byte_fallback (as Mistral\'s)', `${file}: model`);
  }
  const vocab = buildVocab(json, file);
  if (vocab.size > vocabSize) {
    throw new UserError(`the tokenizer has ${vocab.size} tokens but the model's embedding has ${vocabSize} rows; put the model's own tokenizer.json in its folder`, file);
  }
  const scores = new Float32Array(vocabSize);
  const scored = new Uint8Array(vocabSize);
  const merges = mergePairs(json.model['merges'], file);
  merges.forEach(([a, b], rank) => {
    const id = vocab.tokenToId.get(a + b);
    if (id !== undefined && !scored[id]) {
      scores[id] = 0 - rank; // +0 for the first
      scored[id] = 1;
    }
  });
  for (let id = 0; id < vocab.size; id++) {
    const text = vocab.idToToken[id];
    if (!scored[id] && text !== undefined && [...text].length > 1) scores[id] = -(merges.length + 1);
  }
  const special = new Set(json.added_tokens.filter((t) => t.special).map((t) => t.id));
  const userDefined = new Set(json.added_tokens.filter((t) => !t.special).map((t) => t.id));
  // as LoadedTokenizer: "<s>" and "</s>" only for a folder without tokenizer_config.json (one naming none has none)
  const noConfig = config.source === 'none';
  const idOf = (token: string | null, fallback: string | null): number | null => vocab.tokenToId.get(token ?? fallback ?? '') ?? null;
  const unk = idOf(config.unkToken, typeof json.model['unk_token'] === 'string' ? json.model['unk_token'] : '<unk>');
  const bos = idOf(config.bosToken, noConfig ? '<s>' : null), eos = idOf(config.eosToken, noConfig ? '</s>' : null);
  const pad = config.padToken === null ? null : idOf(config.padToken, '');
  const tokens: string[] = [], types = new Int32Array(vocabSize);
  const added = new Set(json.added_tokens.map((t) => t.id));
  for (let id = 0; id < vocabSize; id++) {
    const text = vocab.idToToken[id];
    // rows of a padded embedding, as convert_hf_to_gguf.py names them; a vocabulary entry whose text an added token
    // also has (HF matches the added token first, so the entry is never produced) under a name of its own
    const unused = text === undefined ? `[PAD${id}]` : !added.has(id) && vocab.tokenToId.get(text) !== id ? `[UNUSED${id}]` : null;
    if (unused !== null) {
      tokens.push(unused);
      types[id] = TOKEN_TYPE.unused;
      scores[id] = -(merges.length + 1);
      continue;
    }
    tokens.push(text!);
    types[id] = id === unk ? TOKEN_TYPE.unknown
      : special.has(id) ? TOKEN_TYPE.control
      : userDefined.has(id) ? TOKEN_TYPE.userDefined
      : /^<0x[0-9A-Fa-f]{2}>$/.test(text!) ? TOKEN_TYPE.byte
      : TOKEN_TYPE.normal;
  }
  const firstId = new Map<string, number>();
  tokens.forEach((text, id) => {
    const other = firstId.get(text);
    if (other !== undefined) throw new UserError(`ids ${other} and ${id} are both ${JSON.stringify(text)}: llama.cpp needs each token text once`, file);
    firstId.set(text, id);
  });
  const m = new Map<string, GgufValue>([
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
  ]);
  if (bos !== null) m.set('tokenizer.ggml.bos_token_id', { type: 'u32', value: bos });
  if (eos !== null) m.set('tokenizer.ggml.eos_token_id', { type: 'u32', value: eos });
  if (unk !== null) m.set('tokenizer.ggml.unknown_token_id', { type: 'u32', value: unk });
  if (pad !== null) m.set('tokenizer.ggml.padding_token_id', { type: 'u32', value: pad });
  // a stop id of config.json's beyond the tokenizer's EOS: llama.cpp ends generation on an end-of-turn token too
  const eot = eosIds.find((id) => id !== eos && id < vocabSize);
  if (eot !== undefined) m.set('tokenizer.ggml.eot_token_id', { type: 'u32', value: eot });
  m.set('tokenizer.ggml.add_bos_token', { type: 'bool', value: tokenizerAddsBos(json, config, bos) });
  m.set('tokenizer.ggml.add_eos_token', { type: 'bool', value: tokenizerAddsEos(json, config, eos) });
  m.set('tokenizer.ggml.add_space_prefix', { type: 'bool', value: addSpacePrefix(json, config, vocab, file) });
  // the template our own chat rendering uses (the model's, or the built-in Mistral one)
  m.set('tokenizer.chat_template', { type: 'string', value: config.chatTemplate ?? DEFAULT_CHAT_TEMPLATE });
  return m;
}
