// The token table of a byte-level BPE vocabulary (GPT-2 style: Mistral's "Tekken" of Nemo, Small 3 and Ministral;
// Llama 3's) for llama.cpp's "gpt2" tokenizer, as convert_hf_to_gguf.py writes it: the byte-level token texts of
// tokenizer.json, the merges as "a b" strings in rank order, special added tokens as control tokens and other
// added tokens as user-defined ones. llama.cpp pre-tokenizes with a built-in regex chosen by tokenizer.ggml.pre;
// convert_hf_to_gguf.py picks it by hashing the tokenization of a test text, we by the regex itself: the Split
// regex of the tokenizer.json must be one llama.cpp implements, else the export is refused (as the converter
// refuses a pre-tokenizer it does not recognise: llama.cpp's "default" regex would split text otherwise than
// training did, silently).
import { KNOWN_PRE, type KnownPre } from '../../tokenizer/known-pre-tokenizers.ts';
import type { TokenizerJson } from '../../tokenizer/tokenizer-json.ts';
import type { Vocab } from '../../tokenizer/vocab.ts';
import { UserError } from '../../util/errors.ts';
import { isRecord } from '../../util/json-file.ts';
import { warn } from '../../util/log.ts';
import type { GgufValue } from './gguf-file.ts';
import { mergePairs, TOKEN_TYPE, tokenTable } from './tokenizer-table.ts';

/** Whether a tokenizer.json is byte-level BPE: a ByteLevel step in its pre-tokenizer (and no byte_fallback). */
export function isByteLevel(json: TokenizerJson): boolean {
  return json.model['type'] === 'BPE' && json.model['byte_fallback'] !== true && steps(json.pre_tokenizer).some((s) => s['type'] === 'ByteLevel');
}

function steps(c: Record<string, unknown> | null): Array<Record<string, unknown>> {
  if (c === null) return [];
  if (c['type'] === 'Sequence' && Array.isArray(c['pretokenizers'])) return c['pretokenizers'].filter(isRecord);
  return [c];
}

/**
 * The llama.cpp pre-tokenizer for this tokenizer.json: ByteLevel alone with its own regex (GPT-2's), or
 * Split(Regex, Isolated) then ByteLevel without its regex, the regex one llama.cpp implements; no prefix space,
 * and no normalizer but NFC (which llama.cpp does not apply; warned). Anything else is refused.
 */
export function llamaPreTokenizer(json: TokenizerJson, file: string): KnownPre {
  const where = `${file}: pre_tokenizer`;
  const refuse = (what: string): never => {
    throw new UserError(`${what}: llama.cpp's byte-level BPE tokenizer pre-tokenizes with one of its built-in regexes (${KNOWN_PRE.map((p) => p.name).join(', ')}), and would split text otherwise than this tokenizer does (convert_hf_to_gguf.py refuses such a tokenizer too)`, where);
  };
  const normalizer = json.normalizer?.['type'] ?? null;
  if (normalizer !== null && normalizer !== 'NFC') refuse(`the ${String(normalizer)} normalizer is not one llama.cpp applies`);
  const s = steps(json.pre_tokenizer);
  const byteLevel = s[s.length - 1];
  if (byteLevel?.['type'] !== 'ByteLevel') return refuse(`the pre-tokenizer ${s.map((x) => String(x['type'])).join(' + ')} does not end in ByteLevel`);
  if (byteLevel['add_prefix_space'] === true) refuse('ByteLevel\'s add_prefix_space is not something llama.cpp does');
  let regex: string | null;
  if (s.length === 1) {
    if (byteLevel['use_regex'] === false) refuse('ByteLevel without a regex (no pre-tokenizer split)');
    regex = null;
  } else {
    const split = s[0]!, pattern = split['pattern'];
    if (s.length !== 2 || split['type'] !== 'Split' || !isRecord(pattern) || typeof pattern['Regex'] !== 'string') {
      return refuse(`the pre-tokenizer ${s.map((x) => String(x['type'])).join(' + ')} is not Split(Regex) + ByteLevel`);
    }
    if (split['behavior'] !== 'Isolated' || split['invert'] === true) refuse(`Split with behavior ${JSON.stringify(split['behavior'])}${split['invert'] === true ? ', inverted,' : ''} is not Isolated`);
    if (byteLevel['use_regex'] !== false) refuse('ByteLevel after Split splits again with GPT-2\'s regex');
    regex = pattern['Regex'];
  }
  const known = KNOWN_PRE.find((p) => p.regex === regex);
  if (!known) return refuse(`its Split regex ${JSON.stringify(regex)} is not one llama.cpp knows`);
  if (normalizer === 'NFC') warn(`gguf: llama.cpp does not apply the tokenizer's NFC normalizer: text not in NFC may tokenize differently there (${file})`);
  const ignoreMerges = json.model['ignore_merges'] === true;
  if (ignoreMerges !== known.ignoreMerges) {
    warn(`gguf: llama.cpp's "${known.name}" pre-tokenizer ${known.ignoreMerges ? 'takes a word found whole in the vocabulary as one token' : 'always merges'} but this tokenizer.json has ignore_merges ${ignoreMerges}: a word the merges would split otherwise may tokenize differently there (${file})`);
  }
  return known;
}

/** tokenizer.ggml.{model, pre, tokens, token_type, merges} for llama.cpp's byte-level BPE ("gpt2") tokenizer. */
export function bpeVocabMetadata(json: TokenizerJson, vocab: Vocab, vocabSize: number, file: string): Map<string, GgufValue> {
  const pre = llamaPreTokenizer(json, file);
  const { tokens, types } = tokenTable(json, vocab, vocabSize, file, (_id, _text, added) =>
    added?.special ? TOKEN_TYPE.control : added ? TOKEN_TYPE.userDefined : TOKEN_TYPE.normal);
  // as gguf-py's SpecialVocab: a space inside a merge's part (possible in the [a, b] form) is written as U+0120
  const merges = mergePairs(json.model['merges'], file).map((pair) => pair.map((p) => p.replaceAll(' ', '\u0120')).join(' '));
  return new Map<string, GgufValue>([
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: pre.name }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: merges }],
  ]);
}
