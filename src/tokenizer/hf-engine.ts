// The @huggingface/tokenizers engine: the reference implementation, and the fallback for tokenizer.json
// features that the fast engine does not implement.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { UserError } from '../util/errors.ts';
import type { EngineName, TokenizerEngine } from './engine.ts';
import { decodeCleansUp, type TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';

export class HfEngine implements TokenizerEngine {
  readonly name: EngineName = 'huggingface';
  private readonly tok: HfTokenizer;
  private readonly cleanUp: boolean;

  constructor(json: TokenizerJson, config: TokenizerConfig, file: string) {
    try {
      this.tok = new HfTokenizer(json.raw, config.raw);
    } catch (e) {
      throw new UserError(`@huggingface/tokenizers cannot load it: ${e instanceof Error ? e.message : String(e)}`, file);
    }
    this.cleanUp = decodeCleansUp(json, config);
  }

  encode(text: string): number[] {
    if (text.length === 0) return [];
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: readonly number[], skip: ReadonlySet<number> | null): string {
    const kept = skip ? ids.filter((id) => !skip.has(id)) : [...ids];
    if (kept.length === 0) return ''; // @huggingface/tokenizers throws on an empty list
    return this.tok.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: this.cleanUp });
  }
}
