// What llama.cpp's SentencePiece tokenizer joins that the tokenizer.json's BPE does not. llama.cpp (llama-vocab.cpp,
// llm_tokenizer_spm_session) joins any two adjacent pieces whose joined text is a token, highest score first, until
// no such pair is left; HF's BPE joins only the pairs its merges list. Where every way of cutting a token into two
// pieces (tokens, or single characters: the pieces llama.cpp starts from) is a merge — as in Mistral's tokenizers,
// converted from SentencePiece, which list every pair — the scores of tokenizer-spm.ts make llama.cpp join what HF
// does in HF's order. A token with a cut that is no merge can be joined there and not here: one no merge makes at
// all ("▁the" without its merges: "the the" is ▁t|he|▁t|he here, ▁the|▁the there) and one a merge makes from other
// pieces (a tokenizer trained by HF tokenizers lists one merge per token). A GGUF cannot list pairs for SentencePiece,
// and no score keeps llama.cpp from joining a pair, so this is warned of.
import { warn } from '../../util/log.ts';

/** The token texts written (`tokens`) llama.cpp can join from two pieces by a cut `merges` does not list, each with such a cut. */
export function joinsNoMergeMakes(tokens: readonly string[], merges: ReadonlyArray<readonly [string, string]>): Array<{ token: string; left: string; right: string }> {
  const listed = new Set(merges.map(([a, b]) => `${a}\u0000${b}`));
  const written = new Set(tokens);
  const piece = (chars: readonly string[]): string | null => {
    const text = chars.join('');
    return chars.length === 1 || written.has(text) ? text : null;
  };
  const out: Array<{ token: string; left: string; right: string }> = [];
  for (const token of written) {
    const chars = [...token];
    for (let at = 1; at < chars.length; at++) {
      const left = piece(chars.slice(0, at)), right = piece(chars.slice(at));
      if (left !== null && right !== null && !listed.has(`${left}\u0000${right}`)) {
        out.push({ token, left, right });
        break;
      }
    }
  }
  return out;
}

/** Warns, naming how many and one, of the tokens llama.cpp's SentencePiece tokenizer joins where no merge does. */
export function warnJoinsNoMergeMakes(tokens: readonly string[], merges: ReadonlyArray<readonly [string, string]>, file: string): void {
  const joins = joinsNoMergeMakes(tokens, merges);
  if (joins.length === 0) return;
  const { token, left, right } = joins[0]!;
  const q = (s: string): string => JSON.stringify(s);
  warn(`gguf: llama.cpp's SentencePiece tokenizer joins any two adjacent pieces that make a token, where this tokenizer.json joins only the pairs its merges list: ` +
    `${joins.length} token${joins.length > 1 ? 's' : ''} can be joined there from a pair no merge lists (e.g. ${q(token)} from ${q(left)} + ${q(right)}), so text with ${joins.length > 1 ? 'them' : 'it'} may tokenize differently there (${file})`);
}
