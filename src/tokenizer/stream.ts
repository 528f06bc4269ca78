// The text of generated tokens as they come (generate streams it to stdout): each push decodes all the tokens so far
// and writes what is new, once, never taking back what was written. Held back until a later token settles them: a
// trailing run of byte-fallback tokens ("<0xC3>", where the decoder has a ByteFallback step: elsewhere such a token
// is its own text; a skipped special token inside it does not end it), which decodes as a whole (its UTF-8 text, or
// one U+FFFD per byte where the run is not UTF-8: byte-fallback.ts), so "é" of <0xC3><0xA9> is not yet text when
// <0xFF> may follow; a trailing half character of another decoder (byte-level's U+FFFD until complete); and trailing
// spaces, which a tokenizer with clean_up_tokenization_spaces removes when punctuation follows (" ." → "."). Written
// at once, the text decoded next no longer began with what was written, and nothing more came out until end().
import { needArg } from '../util/api-args.ts';
import { byteOfToken } from './byte-fallback.ts';
import type { Tokenizer } from './types.ts';

/** What the stream needs of a tokenizer: its decode, and each id's token text (to know the byte-fallback tokens). */
export interface StreamTokenizer extends Pick<Tokenizer, 'decode'> {
  idToToken(id: number): string | null;
  /** Whether "<0xC3>" tokens decode as bytes (a ByteFallback decoder step); elsewhere one is text, written at once. */
  readonly decodesByteTokens: boolean;
}

export interface TextStream {
  /** Adds a generated token; writes the text it settles. */
  push(id: number): void;
  /** Writes the rest (what was held back); the whole text, where a decode changed text already written, after it. */
  end(): void;
}

export function createTextStream(tokenizer: StreamTokenizer, write: (text: string) => void): TextStream {
  // a missing tokenizer failed at the first push ("reading 'decodesByteTokens'"), a missing write at the first text
  needArg('createTextStream', 'tokenizer', tokenizer, 'object', { hint: 'loadTokenizer(folder)' });
  needArg('createTextStream', 'write', write, 'function', { hint: 'a function that writes each piece of text, e.g. (t) => process.stdout.write(t)' });
  const ids: number[] = [];
  let shown = '';
  const show = (text: string): void => {
    if (text.startsWith(shown)) {
      if (text.length > shown.length) write(text.slice(shown.length));
      shown = text;
    }
  };
  let inByteRun = false;
  return {
    push(id) {
      ids.push(id);
      // a byte token settles nothing: the run it is part of is decoded once a token that is not a byte ends it; one that
      // decodes as nothing (a special token, skipped) leaves the run open, as the bytes on either side of it decode as one
      if (tokenizer.decodesByteTokens && byteOfToken(tokenizer.idToToken(id) ?? '') >= 0) {
        inByteRun = true;
        return;
      }
      if (inByteRun && tokenizer.decode([id]) === '') return;
      inByteRun = false;
      show(tokenizer.decode(ids).replace(/[ \uFFFD]+$/u, ''));
    },
    end() {
      const full = tokenizer.decode(ids);
      if (full.startsWith(shown)) return show(full);
      // a later token changed text already written, which holding back did not foresee: the text from where the two
      // part is written after it, so that nothing is lost
      let common = 0;
      while (common < shown.length && shown[common] === full[common]) common++;
      write(full.slice(common));
      shown = full;
    },
  };
}
