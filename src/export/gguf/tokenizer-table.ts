// What both GGUF tokenizer kinds (tokenizer-spm.ts, tokenizer-bpe.ts) write the same way: llama.cpp's token
// types, tokenizer.json's merges as pairs, and the token list of a model's rows — the tokenizer's texts, with
// "[PAD<id>]" for rows of a padded embedding and "[UNUSED<id>]" for an id whose text another id also has (llama.cpp
// aborts on a token text written twice; an added token repeating a vocabulary entry is not one: it has the entry's
// id, as HF tokenizers gives it, tokenizer-json.ts) and for a text that holds a NUL character (llama.cpp reads a
// token's text up to its first NUL: "a\u0000" would be "a" twice there; warned).
import { UserError } from '../../util/errors.ts';
import { boundedItemsText, boundedJsonText } from '../../util/bounded-json.ts';
import { warn } from '../../util/log.ts';
import type { TokenizerJson } from '../../tokenizer/tokenizer-json.ts';
import type { Vocab } from '../../tokenizer/vocab.ts';

/** llama.cpp's token types (llama_token_type). */
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** The merges of a BPE tokenizer.json as [left, right] pairs ("a b" strings or [a, b] arrays). */
export function mergePairs(merges: unknown, file: string): Array<[string, string]> {
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

export interface TokenTable {
  tokens: string[];
  /** TOKEN_TYPE per row. */
  types: Int32Array;
  /** Rows written under an "[UNUSED…]"/"[PAD…]" name. */
  unused: number[];
}

/**
 * The `vocabSize` rows' texts and types; `typeOf` types a row that has a text of its own (`added`: an added token,
 * `special`: a special one). Refuses a text written twice.
 */
export function tokenTable(json: TokenizerJson, vocab: Vocab, vocabSize: number, file: string,
  typeOf: (id: number, text: string, added: { special: boolean } | null) => number): TokenTable {
  const addedById = new Map(json.added_tokens.map((t) => [t.id, t]));
  const tokens: string[] = [], types = new Int32Array(vocabSize), unused: number[] = [], withNul: number[] = [];
  for (let id = 0; id < vocabSize; id++) {
    const text = vocab.idToToken[id];
    const added = addedById.get(id);
    if (text?.includes('\u0000')) withNul.push(id);
    const name = text === undefined ? `[PAD${id}]` : (!added && vocab.tokenToId.get(text) !== id) || text.includes('\u0000') ? `[UNUSED${id}]` : null;
    if (name !== null) {
      tokens.push(name);
      types[id] = TOKEN_TYPE.unused;
      unused.push(id);
      continue;
    }
    tokens.push(text!);
    types[id] = typeOf(id, text!, added ? { special: added.special } : null);
  }
  const firstId = new Map<string, number>();
  tokens.forEach((text, id) => {
    const other = firstId.get(text);
    if (other !== undefined) throw new UserError(`ids ${other} and ${id} are both ${boundedJsonText(text)}: llama.cpp needs each token text once`, file);
    firstId.set(text, id);
  });
  if (withNul.length > 0) {
    const n = withNul.length;
    const first = boundedItemsText(withNul, { shown: 1, before: (id) => `id ${id} `, say: (id) => vocab.idToToken[id]!, quote: true });
    warn(`gguf: llama.cpp reads a token's text only up to a NUL character: ${n} token${n > 1 ? 's' : ''} holding one (${first}) ` +
      `${n > 1 ? 'are' : 'is'} written as [UNUSED<id>], which llama.cpp never gives, so text with ${n > 1 ? 'them' : 'it'} tokenizes differently there (${file})`);
  }
  return { tokens, types, unused };
}
