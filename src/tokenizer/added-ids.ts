// The ids HF tokenizers gives tokens added to a model's vocabulary (AddedVocabulary::add_tokens), the one numbering
// that tokenizer.json's added_tokens (tokenizer-json.ts) and tokenizer_config.json's added_tokens_decoder
// (config-added-tokens.ts) both go through: a content added before keeps that id, a vocabulary entry takes its own,
// any other the next after the vocabulary and every token added so far. "The vocabulary" is counted as tokenizers'
// get_vocab_size counts it: a BPE's {token: id} keys, a Unigram's [piece, score] entries, a piece listed twice
// included (its last entry is the one looked up). Counting distinct pieces instead gave a Unigram with a repeated
// piece a new token at an id of its vocabulary (transformers 5.17 gives the next: test/tokenizer/config-added-tokens.test.ts).
import { isRecord } from '../util/json-file.ts';

export class AddedIds {
  private readonly added = new Map<string, number>();
  private max = -1;
  private pieces: Map<unknown, number> | null = null;
  private count: number | null = null;

  constructor(private readonly model: Record<string, unknown>) {}

  /** `content`'s id in the model's vocabulary (a Unigram's piece: its last position), undefined where it has none. */
  vocabId(content: string): number | undefined {
    const v = this.model['vocab'];
    if (Array.isArray(v)) return (this.pieces ??= new Map(v.map((e: unknown, i) => [Array.isArray(e) ? e[0] : undefined, i]))).get(content);
    const id = isRecord(v) && Object.hasOwn(v, content) ? v[content] : undefined;
    return typeof id === 'number' ? id : undefined;
  }

  /** The id `content` gets added now (recorded: a later token counts it); `id` where it is known already to be that one. */
  add(content: string, id = this.added.get(content) ?? this.vocabId(content) ?? Math.max(this.size(), this.max + 1)): number {
    this.added.set(content, id);
    this.max = Math.max(this.max, id);
    return id;
  }

  /** tokenizers' get_vocab_size, counted only for a token the vocabulary lacks (≈1 ms for 32,000 keys). */
  private size(): number {
    const v = this.model['vocab'];
    return (this.count ??= Array.isArray(v) ? v.length : isRecord(v) ? Object.keys(v).length : 0);
  }
}
