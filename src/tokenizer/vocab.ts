// The id <-> token tables of a tokenizer.json: the model's vocabulary with the added tokens laid over it
// (an added token's id wins, as in @huggingface/tokenizers).
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import type { TokenizerJson } from './tokenizer-json.ts';

export interface Vocab {
  /** Token text by id; holes (ids no token uses) are undefined. */
  readonly idToToken: readonly (string | undefined)[];
  readonly tokenToId: ReadonlyMap<string, number>;
  /** Largest id + 1. */
  readonly size: number;
}

export function buildVocab(json: TokenizerJson, file: string): Vocab {
  const tokenToId = new Map<string, number>();
  const entries: [string, number][] = [];
  const v = json.model['vocab'];
  if (Array.isArray(v)) {
    // Unigram: [[piece, score], ...], the id is the position.
    v.forEach((entry, i) => {
      const piece = Array.isArray(entry) ? entry[0] : undefined;
      if (typeof piece !== 'string') throw new UserError('expected [piece, score]', `${file}: model.vocab[${i}]`);
      entries.push([piece, i]);
    });
  } else if (isRecord(v)) {
    for (const [tok, id] of Object.entries(v)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new UserError(`id of ${JSON.stringify(tok)} must be a non-negative integer`, `${file}: model.vocab`);
      entries.push([tok, id]);
    }
  }
  let size = 0;
  for (const [, id] of entries) size = Math.max(size, id + 1);
  for (const t of json.added_tokens) size = Math.max(size, t.id + 1);
  const idToToken: (string | undefined)[] = new Array<string | undefined>(size).fill(undefined);
  // As in @huggingface/tokenizers: the model's table (the last token with an id wins), then added tokens.
  for (const [tok, id] of entries) {
    tokenToId.set(tok, id);
    idToToken[id] = tok;
  }
  for (const t of json.added_tokens) {
    tokenToId.set(t.content, t.id);
    idToToken[t.id] = t.content;
  }
  return { idToToken, tokenToId, size };
}
