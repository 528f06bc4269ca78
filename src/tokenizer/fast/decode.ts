// Decoding for the fast engine: the decoder steps of tokenizer.json applied to token texts exactly as
// @huggingface/tokenizers applies them (Replace, Fuse, Strip; Metaspace as metaspace.ts; ByteFallback as HF tokenizers' Rust does,
// byte-fallback.ts), then its optional clean-up of spaces before punctuation.
import { byteFallbackTokens } from '../byte-fallback.ts';
import { metaspaceDecode } from '../metaspace.ts';
import type { DecoderStep } from './spec.ts';

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
      return tokens.map((t) => t.replaceAll(step.from, () => step.to)); // literally, as HF (literal-replace.ts)
    case 'fuse':
      return [tokens.join('')];
    case 'byteFallback':
      return byteFallbackTokens(tokens);
    case 'strip':
      return tokens.map((t) => strip(t, step.content, step.start, step.stop));
    case 'metaspace':
      return metaspaceDecode(tokens, step.replacement, step.prependScheme);
  }
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
