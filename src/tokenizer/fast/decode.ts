// Decoding for the fast engine: the decoder steps of tokenizer.json applied to token texts exactly as
// @huggingface/tokenizers applies them (Replace, ByteFallback, Fuse, Strip, Metaspace), then its optional
// clean-up of spaces before punctuation.
import type { DecoderStep } from './spec.ts';

const utf8 = new TextDecoder();

export function decodeTokens(tokens: string[], steps: readonly DecoderStep[] | null, cleanUp: boolean): string {
  let text: string;
  if (steps === null) {
    text = tokens.join(' ');
  } else {
    let toks = tokens;
    for (const step of steps) toks = applyStep(toks, step);
    text = toks.join('');
  }
  return cleanUp ? cleanUpTokenization(text) : text;
}

function applyStep(tokens: string[], step: DecoderStep): string[] {
  switch (step.kind) {
    case 'replace':
      return tokens.map((t) => t.replaceAll(step.from, step.to));
    case 'fuse':
      return [tokens.join('')];
    case 'byteFallback':
      return byteFallback(tokens);
    case 'strip':
      return tokens.map((t) => strip(t, step.content, step.start, step.stop));
    case 'metaspace':
      return tokens.map((t, i) => {
        const s = t.replaceAll(step.replacement, ' ');
        return i === 0 && s.startsWith(' ') ? s.substring(1) : s;
      });
  }
}

/** Runs of <0xXX> tokens become the UTF-8 text of their bytes (invalid sequences become U+FFFD). */
function byteFallback(tokens: string[]): string[] {
  const out: string[] = [];
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length > 0) {
      out.push(utf8.decode(Uint8Array.from(bytes)));
      bytes = [];
    }
  };
  for (const t of tokens) {
    // Same test as @huggingface/tokenizers (parseInt, so "<0x4G>" reads as 4).
    const b = t.length === 6 && t.startsWith('<0x') && t.endsWith('>') ? parseInt(t.slice(3, 5), 16) : NaN;
    if (!Number.isNaN(b)) {
      bytes.push(b);
    } else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}

function strip(t: string, content: string, start: number, stop: number): string {
  let from = 0;
  for (let i = 0; i < start; i++) {
    if (t[i] === content) from = i + 1;
    else break;
  }
  let to = t.length;
  for (let i = 0; i < stop; i++) {
    const k = t.length - i - 1;
    if (t[k] === content) to = k;
    else break;
  }
  return t.slice(from, to);
}

/** HF's clean_up_tokenization: drops the space before . ? ! , and English contractions. */
export function cleanUpTokenization(text: string): string {
  return text
    .replace(/ \./g, '.')
    .replace(/ \?/g, '?')
    .replace(/ !/g, '!')
    .replace(/ ,/g, ',')
    .replace(/ ' /g, "'")
    .replace(/ n't/g, "n't")
    .replace(/ 'm/g, "'m")
    .replace(/ 's/g, "'s")
    .replace(/ 've/g, "'ve")
    .replace(/ 're/g, "'re");
}
