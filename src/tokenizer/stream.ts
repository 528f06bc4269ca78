// The text of generated tokens as they come (generate streams it to stdout): each push decodes all the tokens so far
// and writes what is new, once, never taking back what was written. Held back until a later token settles them: a
// trailing half character (a byte-fallback sequence decodes to U+FFFD until complete) and trailing spaces, which a
// tokenizer with clean_up_tokenization_spaces removes when punctuation follows (" ." → "."): written at once, the
// text decoded next no longer began with what was written, and nothing more came out.
import type { Tokenizer } from './types.ts';

export interface TextStream {
  /** Adds a generated token; writes the text it settles. */
  push(id: number): void;
  /** Writes the rest (what was held back); the whole text, where a decode changed text already written, after it. */
  end(): void;
}

export function createTextStream(tokenizer: Pick<Tokenizer, 'decode'>, write: (text: string) => void): TextStream {
  const ids: number[] = [];
  let shown = '';
  const show = (text: string): void => {
    if (text.startsWith(shown)) {
      if (text.length > shown.length) write(text.slice(shown.length));
      shown = text;
    }
  };
  return {
    push(id) {
      ids.push(id);
      show(tokenizer.decode(ids).replace(/[ \uFFFD]+$/u, ''));
    },
    end() {
      const full = tokenizer.decode(ids);
      if (full.startsWith(shown)) return show(full);
      // a later token changed text already written, which holding spaces back did not foresee: the text from where the
      // two part is written after it, so that nothing is lost
      let common = 0;
      while (common < shown.length && shown[common] === full[common]) common++;
      write(full.slice(common));
      shown = full;
    },
  };
}
