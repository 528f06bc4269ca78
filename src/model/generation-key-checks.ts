// Each generation_config.json key that generate reads, its check and what the check wants: the file's keys are checked
// by them (generation-config.ts), and so are generate's flags of the same settings, before any file is read
// (generate-flags.ts, which loads no model module but this one and token-id-list.ts).
import { isIdList, isIdLists } from './token-id-list.ts';

/** Each key read, its check, and what the check wants (said in the error). */
export const GENERATION_KEY_CHECKS = {
  do_sample: [(v: unknown) => typeof v === 'boolean', 'true or false'],
  temperature: [(v: unknown) => typeof v === 'number' && v >= 0, 'a number ≥ 0'],
  top_k: [(v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0, 'an integer ≥ 0 (0 = off)'],
  // 0 too (transformers' TopPLogitsWarper refuses only < 0 or > 1: 0 keeps the most likely token alone)
  top_p: [(v: unknown) => typeof v === 'number' && v >= 0 && v <= 1, 'a number in [0, 1] (1 = off)'],
  min_p: [(v: unknown) => typeof v === 'number' && v >= 0 && v <= 1, 'a number in [0, 1] (0 = off)'],
  // transformers 5.17 applies it only in (0, 1) and says nothing of a value ≥ 1: refused here rather than dropped
  epsilon_cutoff: [(v: unknown) => typeof v === 'number' && v >= 0 && v < 1, 'a number in [0, 1) (0 = off)'],
  // as epsilon_cutoff: transformers applies it only in (0, 1)
  eta_cutoff: [(v: unknown) => typeof v === 'number' && v >= 0 && v < 1, 'a number in [0, 1) (0 = off)'],
  // transformers applies it only below 1 (TypicalLogitsWarper refuses ≤ 0)
  typical_p: [(v: unknown) => typeof v === 'number' && v > 0 && v <= 1, 'a number in (0, 1] (1 = off)'],
  bad_words_ids: [isIdLists, 'a non-empty list of non-empty token-id lists, e.g. [[5], [7, 8]]'],
  suppress_tokens: [isIdList, 'a list of token ids, e.g. [5, 9]'],
  begin_suppress_tokens: [isIdList, 'a list of token ids, e.g. [5, 9]'],
  // a string or a list of them (transformers wraps a string in a list)
  stop_strings: [(v: unknown) => (typeof v === 'string' && v !== '') || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '')),
    'a non-empty string or a non-empty list of them, e.g. ["\\n\\n", "User:"]'],
  // transformers' list form: ids > 0, a float bias (JSON.parse reads 2 and 2.0 as one number: a file's 2, which transformers
  // refuses, is refused by its spelling, generation-number-kinds.ts; a flag's JSON may give either)
  sequence_bias: [(v: unknown) => Array.isArray(v) && v.length > 0 && v.every((e) => Array.isArray(e) && e.length === 2 && isIdLists([e[0]]) && !(e[0] as number[]).includes(0) && typeof e[1] === 'number'),
    'a non-empty list of [token ids (> 0), bias] pairs, e.g. [[[5], -2.5], [[7, 8], 1.0]]'],
  repetition_penalty: [(v: unknown) => typeof v === 'number' && v > 0, 'a number > 0 (1 = off)'],
  max_new_tokens: [(v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'],
  max_length: [(v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'],
  pad_token_id: [(v: unknown) => Number.isSafeInteger(v), 'a token id (an integer)'],
  no_repeat_ngram_size: [(v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0, 'an integer ≥ 0 (0 = off)'],
  min_new_tokens: [(v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0, 'an integer ≥ 0 (0 = off)'],
  min_length: [(v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0, 'an integer ≥ 0 (0 = off)'],
} as const;
