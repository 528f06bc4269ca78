// config.json's negative token ids, as transformers 5.17 reads them (old LLaMA configs write pad_token_id -1; it
// loads them with a warning): a negative pad_token_id is nn.Embedding's padding_idx counted from the end (-1: row
// vocab_size − 1, which takes no gradient in full fine-tuning), and matches no token, so a classification head scores
// each row's last token and padding is filled with another id; a negative eos_token_id is an id generate() never stops
// at; a negative bos_token_id is read by nothing that makes a token (a prompt's BOS is the tokenizer's post-processor's,
// from tokenizer.json; generate is given a prompt), only written back by a save, as transformers writes it. GGUF
// export refuses any of them, as convert_hf_to_gguf.py does (export/gguf/special-ids.ts).
// A BOS or EOS id of vocab_size or more (transformers loads it with a warning) names no token either (warnIdsPastVocab).
import type { MistralConfig } from './config.ts';
import { warnOnce } from '../util/log.ts';
import { boundedItemsText } from '../util/bounded-json.ts';

type Json = Record<string, unknown>;

/**
 * A negative pad_token_id (old LLaMA configs write -1), which transformers 5.17 loads with a warning: its embedding is
 * nn.Embedding(padding_idx=pad_token_id), which counts a negative index from the end (row vocab_size − 1 for -1) and
 * refuses one below −vocab_size. Null where pad_token_id is not a negative integer (optId reads it).
 */
export function negativePadId(c: Json, vocabSize: number, err: (key: string, msg: string) => never): number | null {
  const v = negativeId(c, 'pad_token_id');
  if (v === null) return null;
  if (v < -vocabSize) err('pad_token_id', `${v} is below −vocab_size (${-vocabSize}): transformers' embedding refuses it as its padding_idx; write null, or the id of the pad token`);
  return v;
}

/** config.json's `key` where it is a negative integer (transformers 5.17 loads one with a warning), else null (optId reads it). */
export function negativeId(c: Json, key: 'bos_token_id' | 'pad_token_id'): number | null {
  const v = c[key];
  return typeof v === 'number' && Number.isSafeInteger(v) && v < 0 ? v : null;
}

/** Says, once per file, how a negative BOS, pad or EOS id is read: as transformers 5.17 reads it (it warns too). */
export function warnNegativeIds(where: string, vocabSize: number, bos: number | null, pad: number | null, eos: readonly number[]): void {
  if (bos !== null && bos < 0) {
    warnOnce(`${where}: bos_token_id: ${bos} names no token; read as transformers reads it: a prompt's BOS is the tokenizer's (tokenizer.json), a save writes ${bos} back, and GGUF export is refused (convert_hf_to_gguf.py refuses a negative special token id)`);
  }
  if (pad !== null && pad < 0) {
    warnOnce(`${where}: pad_token_id: ${pad} names no token; read as transformers reads it: in full fine-tuning embedding row ${vocabSize + pad} takes no gradient (nn.Embedding's padding_idx ${pad}), no token is padding to a classification head (it scores each row's last token, as transformers does a row given alone), and padding is filled with 0`);
  }
  const negative = eos.filter((id) => id < 0);
  if (negative.length > 0) {
    // the length-limit note once: warnIdsPastVocab's gives it where some EOS id is past vocab_size
    const note = noEosNamesToken(eos, vocabSize) && !eos.some((id) => id >= vocabSize);
    warnOnce(`${where}: eos_token_id: ${boundedItemsText(negative)} names no token; generation does not stop at it (as transformers' generate)${note ? ': it runs to its length limit unless the tokenizer or generation_config.json names an EOS' : ''}`);
  }
}

/**
 * Says, once per file, how a bos_token_id or eos_token_id of vocab_size or more is read: as transformers 5.17 reads it
 * (it warns too): an EOS id no sampled token can be, so generation does not stop at it; a BOS id nothing reads.
 */
export function warnIdsPastVocab(where: string, vocabSize: number, bos: number | null, eos: readonly number[]): void {
  if (bos !== null && bos >= vocabSize) {
    warnOnce(`${where}: bos_token_id: ${bos} names no token (vocab_size is ${vocabSize}); loaded as transformers loads it: a prompt's BOS is the tokenizer's (tokenizer.json), and GGUF export leaves it out`);
  }
  const past = eos.filter((id) => id >= vocabSize);
  if (past.length > 0) {
    warnOnce(`${where}: eos_token_id: ${boundedItemsText(past)} names no token (vocab_size is ${vocabSize}); loaded as transformers loads it: no sampled token is it, so generation does not stop at it${noEosNamesToken(eos, vocabSize) ? ' (it runs to its length limit unless the tokenizer or generation_config.json names an EOS)' : ''}`);
  }
}

/** Whether no id of `eos` names a token (each is negative or vocab_size or more): generation then never stops at an EOS. */
function noEosNamesToken(eos: readonly number[], vocabSize: number): boolean {
  return eos.every((id) => id < 0 || id >= vocabSize);
}

/**
 * The embedding row nn.Embedding(padding_idx=pad_token_id) keeps from the lookup's gradient: pad_token_id, a negative
 * one counted from the end as PyTorch counts it (-1 → vocab_size − 1); null without one.
 */
export function embeddingPadRow(c: Pick<MistralConfig, 'padTokenId' | 'vocabSize'>): number | null {
  const pad = c.padTokenId;
  return pad === null ? null : pad < 0 ? c.vocabSize + pad : pad;
}
