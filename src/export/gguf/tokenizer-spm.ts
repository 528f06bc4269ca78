// The token table of a SentencePiece-BPE vocabulary such as Mistral 7B's (BPE with byte_fallback) for llama.cpp's
// "llama" (SPM) tokenizer, which merges the adjacent pair whose joined text is the vocabulary entry of highest
// score: each token scores minus the rank of the first tokenizer.json merge that makes it — the order HF's BPE
// applies them in. (convert_hf_to_gguf.py without a tokenizer.model gives every token -1000, which leaves
// llama.cpp's merge order to chance.) A token no merge makes scores below every merge, so llama.cpp joins it only
// where no merge is left; that it can join it at all, or join a token from a pair no merge lists, is warned of
// (spm-joins.ts). tokenizer.ggml.add_space_prefix says whether text gets the "▁" HF's
// normalizer or Metaspace pre-tokenizer puts before it; a pipeline llama.cpp's SentencePiece tokenizer cannot
// follow is said in a warning.
import { bytePiece } from '../../tokenizer/byte-fallback.ts';
import { compileFastSpec, type MetaspaceSpec, type NormalizerStep } from '../../tokenizer/fast/spec.ts';
import type { TokenizerConfig } from '../../tokenizer/tokenizer-config.ts';
import type { TokenizerJson } from '../../tokenizer/tokenizer-json.ts';
import type { Vocab } from '../../tokenizer/vocab.ts';
import { UserError } from '../../util/errors.ts';
import { boundedItemsText } from '../../util/bounded-json.ts';
import { warn } from '../../util/log.ts';
import type { GgufValue } from './gguf-file.ts';
import { warnJoinsNoMergeMakes } from './spm-joins.ts';
import { mergePairs, TOKEN_TYPE, tokenTable } from './tokenizer-table.ts';

/**
 * Whether llama.cpp is to put "▁" before text (and after each special token, as it does): HF's legacy Prepend("▁")
 * normalizer does exactly that; Metaspace's prepend_scheme "always" too, except for text that starts with a space,
 * and "first" only at the start of the input (and not before a space there either), which llama.cpp cannot express (warned);
 * "never", or neither, is no prefix.
 */
export function addSpacePrefix(json: TokenizerJson, config: TokenizerConfig, vocab: Vocab, file: string): boolean {
  const compiled = compileFastSpec(json, config, vocab);
  if (!compiled.ok) {
    warn(`gguf: llama.cpp's SentencePiece tokenizer cannot follow this tokenizer.json (it uses ${compiled.reason}): llama.cpp may tokenize some text differently (${file})`);
    return true;
  }
  const { normalizer, metaspace } = compiled.spec;
  const unfollowed = unfollowedSteps(normalizer, metaspace);
  if (unfollowed.length > 0) {
    warn(`gguf: llama.cpp's SentencePiece tokenizer cannot follow this tokenizer.json (it uses ${unfollowed.join('; ')}; llama.cpp only puts "▁" before the text and for each space, and merges across words): llama.cpp may tokenize some text differently (${file})`);
  }
  if (normalizer?.some((step) => step.kind === 'prepend')) return true;
  if (metaspace === null || metaspace.prependScheme === 'never') return false;
  warn(`gguf: the Metaspace pre-tokenizer's prepend_scheme "${metaspace.prependScheme}" adds "▁" ${metaspace.prependScheme === 'first' ? 'only at the start of the input, and not before text that starts with a space' : 'to each text but one that starts with a space'}; llama.cpp adds it to all text and after every special token, so some prompts tokenize differently there (${file})`);
  return true;
}

const SP = '\u2581';

/**
 * What of a normalizer and Metaspace pre-tokenizer the fast engine runs that llama.cpp's SentencePiece tokenizer does not:
 * it puts "▁" before the text (add_space_prefix), turns each space into "▁" and merges the whole text. So a Replace
 * other than " " → "▁" ("\t" → "▁▁"), a Prepend of another text, a pipeline that leaves spaces as they are, and a
 * Metaspace that splits the text into words at each "▁" (split, true by default: "a▁▁b" never gets "▁▁") or uses
 * another character all make llama.cpp's ids differ from training's, with no key to say so.
 */
function unfollowedSteps(normalizer: readonly NormalizerStep[] | null, metaspace: MetaspaceSpec | null): string[] {
  const out: string[] = [];
  for (const step of normalizer ?? []) {
    if (step.kind === 'prepend' && step.text !== SP) out.push(`a normalizer Prepend of ${JSON.stringify(step.text)}`);
    if (step.kind === 'replace' && !(step.from === ' ' && step.to === SP)) out.push(`a normalizer Replace of ${JSON.stringify(step.from)} with ${JSON.stringify(step.to)}`);
  }
  const replacesSpaces = (normalizer ?? []).some((step) => step.kind === 'replace' && step.from === ' ' && step.to === SP);
  if (metaspace === null && !replacesSpaces) out.push('no normalizer or pre-tokenizer step that turns spaces into "▁"');
  if (metaspace && metaspace.replacement !== SP) out.push(`a Metaspace replacement ${JSON.stringify(metaspace.replacement)}`);
  if (metaspace?.split) out.push('a Metaspace pre-tokenizer that splits the text into words at each "▁" (split true)');
  return out;
}

/** tokenizer.ggml.{model, pre, tokens, scores, token_type} for llama.cpp's SentencePiece tokenizer; `unk`: the unknown token's id. */
export function spmVocabMetadata(json: TokenizerJson, vocab: Vocab, vocabSize: number, unk: number | null, file: string): Map<string, GgufValue> {
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
  const { tokens, types, unused } = tokenTable(json, vocab, vocabSize, file, (id, text, added) =>
    id === unk ? TOKEN_TYPE.unknown
      : added?.special ? TOKEN_TYPE.control
      : added ? TOKEN_TYPE.userDefined
      : /^<0x[0-9A-Fa-f]{2}>$/.test(text) ? TOKEN_TYPE.byte
      : TOKEN_TYPE.normal);
  for (const id of unused) scores[id] = -(merges.length + 1);
  requireByteTokens(tokens, file);
  warnJoinsNoMergeMakes(tokens, merges, file);
  return new Map<string, GgufValue>([
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
  ]);
}

/**
 * Refuses a byte_fallback vocabulary without a token for each byte UTF-8 text can hold (all but 0xC0, 0xC1, 0xF5–0xFF):
 * llama.cpp's SentencePiece tokenizer spells a character the vocabulary lacks as its bytes' "<0xNN>" tokens (an ASCII
 * byte's own character where that is a token) and throws std::out_of_range for a byte with neither, which aborts the
 * process on such a text (without "<0x0A>" or "\n", node-llama-cpp already while loading the file), where transformers
 * gives <unk>. A vocabulary trained by HF tokenizers' BpeTrainer with byte_fallback has none of them unless they were
 * added; SentencePiece's and Mistral's have all 256. Measured with node-llama-cpp 3.21.1.
 */
function requireByteTokens(tokens: readonly string[], file: string): void {
  const have = new Set(tokens);
  const missing: string[] = [];
  for (let b = 0; b < 256; b++) {
    if (b === 0xc0 || b === 0xc1 || b >= 0xf5) continue; // never in UTF-8 text
    const byte = bytePiece(b); // HF's "<0xC3>", the text llama.cpp's byte_to_token looks up
    if (!have.has(byte) && !(b < 0x80 && have.has(String.fromCharCode(b)))) missing.push(byte);
  }
  if (missing.length === 0) return;
  throw new UserError(`byte_fallback without the byte token${missing.length > 1 ? 's' : ''} ${boundedItemsText(missing, { shown: 3 })}: ` +
    'llama.cpp\'s SentencePiece tokenizer aborts (std::out_of_range) on a text needing a byte it has no token for, where transformers gives <unk>; ' +
    'a GGUF needs the vocabulary to hold <0x00>…<0xF4>', `${file}: model.vocab`);
}
