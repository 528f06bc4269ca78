// The ByteFallback decoder step as HF tokenizers (Rust, what transformers runs) applies it, for both engines: a run of
// byte tokens becomes the UTF-8 text of its bytes, or, where the run is not UTF-8 as a whole, one U+FFFD per byte
// (not the WHATWG TextDecoder's one per bad subsequence, which @huggingface/tokenizers uses: "@" then "\xE1" is "��"
// in HF, "@�" there); a BOM the bytes spell stays (TextDecoder drops a leading one unless told not to). A byte token is
// "<0x", two characters u8::from_str_radix(_, 16) reads (two hex digits, or "+" and one), ">": "<0x4G>" is text, not
// the byte 4 JavaScript's parseInt makes of it.
import { isRecord } from '../util/json-file.ts';
import type { ComponentConfig } from './tokenizer-json.ts';

const BYTE_TOKEN = /^<0x(?:[0-9A-Fa-f]{2}|\+[0-9A-Fa-f])>$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The piece byte_fallback puts for the byte `b` (0 to 255): HF's format!("<0x{:02X}>", b), "<0xC3>". */
export function bytePiece(b: number): string {
  return `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
}

/** The byte a byte-fallback token stands for, or -1 for another token. */
export function byteOfToken(token: string): number {
  return BYTE_TOKEN.test(token) ? parseInt(token.slice(3, 5), 16) : -1;
}

/**
 * Whether `decoder` (tokenizer.json's, as loaded) has a ByteFallback step, a Sequence's too: only then is a token
 * spelled "<0xC3>" a byte; elsewhere (a BPE without it, a byte-level tokenizer) such a token is its own text.
 */
export function decodesByteTokens(decoder: ComponentConfig): boolean {
  if (decoder === null) return false;
  if (decoder['type'] === 'ByteFallback') return true;
  const steps = decoder['decoders'];
  return decoder['type'] === 'Sequence' && Array.isArray(steps) && steps.some((d: unknown) => isRecord(d) && decodesByteTokens(d));
}

/** `tokens` with each run of byte tokens replaced by its text (or a U+FFFD per byte where the run is not UTF-8). */
export function byteFallbackTokens(tokens: readonly string[]): string[] {
  const out: string[] = [];
  let bytes: number[] = [];
  const flush = (): void => {
    if (bytes.length === 0) return;
    try {
      out.push(strictUtf8.decode(Uint8Array.from(bytes)));
    } catch {
      out.push('\ufffd'.repeat(bytes.length));
    }
    bytes = [];
  };
  for (const t of tokens) {
    const b = byteOfToken(t);
    if (b >= 0) {
      bytes.push(b);
    } else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out;
}
