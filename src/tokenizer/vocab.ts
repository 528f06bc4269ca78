// The id <-> token tables of a tokenizer.json: the model's vocabulary with the added tokens laid over it.
// Every id has one text: tokens that share an id are an error naming the key.
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import type { TokenizerJson } from './tokenizer-json.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

export interface Vocab {
  /** Token text by id; holes (ids no token uses) are undefined. */
  readonly idToToken: readonly (string | undefined)[];
  readonly tokenToId: ReadonlyMap<string, number>;
  /** Largest id + 1. */
  readonly size: number;
}

/** Ids a vocabulary may use (0 to this - 1): 2^24, 64 times the largest published vocabulary (Gemma 3's 262,144). */
export const MAX_IDS = 1 << 24;

export function buildVocab(json: TokenizerJson, file: string): Vocab {
  const tokenToId = new Map<string, number>();
  // the model's tokens and their ids, side by side: not Object.entries' [token, id] array per token, which made this
  // ≈3× slower (Mistral's 32,000 tokens: ≈80 ms of CPU more on every load of the tokenizer)
  let toks: string[] = [];
  const ids: number[] = [];
  const v = json.model['vocab'];
  if (Array.isArray(v)) {
    // Unigram: [[piece, score], ...], the id is the position.
    v.forEach((entry, i) => {
      const piece = Array.isArray(entry) ? entry[0] : undefined;
      if (typeof piece !== 'string') throw new UserError('expected [piece, score]', `${file}: model.vocab[${i}]`);
      toks.push(piece);
      ids.push(i);
    });
  } else if (isRecord(v)) {
    toks = Object.keys(v);
    for (const tok of toks) {
      const id = v[tok];
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new UserError(`id of ${JSON.stringify(tok)} must be a non-negative integer`, `${file}: model.vocab`);
      ids.push(id);
    }
  }
  let size = 0;
  for (const id of ids) size = Math.max(size, id + 1);
  for (const t of json.added_tokens) size = Math.max(size, t.id + 1);
  // the id table is as long as the largest id: a 100-byte file whose one id is 900,000,000 filled 3 GB for 110 s and
  // then died out of memory (the added tokens' ids, HF's numbering, are vocabulary ids or follow the entries' count)
  if (size > MAX_IDS) {
    const token = toks[ids.indexOf(size - 1)] ?? json.added_tokens.find((t) => t.id === size - 1)?.content;
    throw new UserError(`id ${size - 1} of ${boundedJsonText(token)} is past the ${MAX_IDS.toLocaleString('en-US')} ids a vocabulary may have: a model would need an embedding row ` +
      `for every id below it (published vocabularies have at most a few hundred thousand); number the vocabulary's tokens from 0`, `${file}: model.vocab`);
  }
  const idToToken: (string | undefined)[] = new Array<string | undefined>(size).fill(undefined);
  // Two texts with one id cannot round-trip (decoding picks one, and encoding one may yield the other, a special
  // token, say): refused, naming both, rather than found later as a misleading error about the data.
  toks.forEach((tok, i) => {
    const id = ids[i]!, other = idToToken[id];
    if (other !== undefined) throw new UserError(`${boundedJsonText(other)} and ${boundedJsonText(tok)} both have id ${id}`, `${file}: model.vocab`);
    tokenToId.set(tok, id);
    idToToken[id] = tok;
  });
  // the added tokens are at HF tokenizers' ids (tokenizer-json.ts): a vocabulary entry's own, or the next after the
  // vocabulary's count of entries, which is a vocabulary id too where its ids have a gap (HF then gives both texts it)
  json.added_tokens.forEach((t) => {
    const other = idToToken[t.id];
    if (other !== undefined && other !== t.content) {
      throw new UserError(`HF tokenizers gives the added token ${boundedJsonText(t.content)} id ${t.id}, the next after the vocabulary's ${toks.length} entries, ` +
        `but ${boundedJsonText(other)} has that id there: its ids skip some number below; number the vocabulary 0 to ${toks.length - 1}`, `${file}: model.vocab`);
    }
    tokenToId.set(t.content, t.id);
    idToToken[t.id] = t.content;
  });
  return { idToToken, tokenToId, size };
}
