// The steps of tokenizer.json that @huggingface/tokenizers (the fallback engine) runs otherwise than HF tokenizers (the
// Rust library transformers runs, 0.23; scripts/hf-check/tokenizer_variants.py and the probe found them), with ours in
// their place: Metaspace's pre-tokenizer (its split) and decoder (metaspace.ts).
import type { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { isRecord } from '../util/json-file.ts';
import { metaspaceDecode, metaspaceWords, readMetaspace } from './metaspace.ts';

type Step = Record<string, unknown>;

/**
 * The library's pipeline of `tok` (loaded from `json`) with our step in place of each of its steps that HF tokenizers
 * runs otherwise.
 */
export function useOurSteps(tok: HfTokenizer, json: Record<string, unknown>): void {
  eachStep(tok.pre_tokenizer, json['pre_tokenizer'], ['tokenizers', 'pretokenizers'], (p, cfg) => {
    if (cfg['type'] === 'Metaspace') {
      const ms = readMetaspace(cfg);
      if ('bad' in ms) return; // the library's own
      p['pre_tokenize_text'] = (text: string, options?: { section_index?: number }): string[] => metaspaceWords(text, ms, options?.section_index === 0);
    }
  });
  eachStep(tok.decoder, json['decoder'], ['decoders', 'decoders'], (d, cfg) => {
    if (cfg['type'] !== 'Metaspace') return;
    const ms = readMetaspace(cfg);
    if (!('bad' in ms)) d['decode_chain'] = (tokens: string[]): string[] => metaspaceDecode(tokens, ms.replacement, ms.prependScheme);
  });
}

/**
 * `f` on the library's `step` with its config `cfg` from tokenizer.json and, for a Sequence, on each of its steps (the
 * library's list `lists[0]`, tokenizer.json's `lists[1]`, in the same order).
 */
function eachStep(step: unknown, cfg: unknown, lists: [string, string], f: (s: Step, cfg: Record<string, unknown>) => void): void {
  if (step === null || (typeof step !== 'function' && typeof step !== 'object') || !isRecord(cfg)) return;
  const s = step as Step;
  f(s, cfg);
  const mine = s[lists[0]], theirs = cfg[lists[1]];
  if (cfg['type'] === 'Sequence' && Array.isArray(mine) && Array.isArray(theirs)) mine.forEach((x, i) => eachStep(x, theirs[i], lists, f));
}
