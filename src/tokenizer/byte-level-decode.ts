// The ByteLevel decoder step as HF tokenizers (Rust, what transformers runs) applies it, for the @huggingface/tokenizers
// engine: every token becomes bytes, added tokens included — a token whose characters are all of the byte-level
// alphabet (GPT-2's bytes_to_unicode) the bytes they stand for, another its own UTF-8 — and the tokens' bytes are one
// text, read as UTF-8 with U+FFFD for what is not (from_utf8_lossy; a BOM stays). @huggingface/tokenizers passes added
// tokens through as they are ("héllo" added to a Tekken vocabulary decodes "héllo" there, "h�llo" in HF: é is the byte
// 0xE9) and makes a character outside the alphabet the byte 0.

/** Each character of the byte-level alphabet → the byte it stands for (printable Latin-1 for itself, the rest U+0100 on). */
export const BYTE_OF: ReadonlyMap<string, number> = byteLevelAlphabet();

function byteLevelAlphabet(): Map<string, number> {
  const byteOf = new Map<string, number>();
  for (let b = 0, n = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    byteOf.set(String.fromCodePoint(printable ? b : 256 + n++), b);
  }
  return byteOf;
}

const lossyUtf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const utf8 = new TextEncoder();

/** The text of `tokens` through the ByteLevel decoder, as one token. */
export function byteLevelTokens(tokens: readonly string[]): string[] {
  const bytes: number[] = [];
  for (const t of tokens) {
    const mark = bytes.length;
    let all = true;
    for (const c of t) {
      const b = BYTE_OF.get(c);
      if (b === undefined) {
        all = false;
        break;
      }
      bytes.push(b);
    }
    if (!all) {
      bytes.length = mark;
      for (const b of utf8.encode(t)) bytes.push(b);
    }
  }
  return [lossyUtf8.decode(Uint8Array.from(bytes))];
}
