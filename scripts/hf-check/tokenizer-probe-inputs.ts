// The inputs of scripts/hf-check/tokenizer-probe.ts: texts mixed at random from pieces and code points, fixed
// adversarial texts (Unicode normalisation edge cases, \r\n mixes, long runs of spaces and digits, added tokens glued to
// text, byte fallback, lone surrogates, which Python refuses), chats (special tokens typed by a user inside them, empty
// contents) and random token id lists for decode (byte tokens that make invalid UTF-8, special tokens). Deterministic
// for a seed. Not part of the product.
import type { ChatMessage } from '../../src/tokenizer/types.ts';

export const PIECES = ['[INST]', '[/INST]', ' [INST] ', '</s>', '<s>', '<unk>', '<s >', '</ s>', '<<s>>', '</s></s>', 'zqx', ' zqx ', '<think>', ' <think> ',
  '<|im_end|>', '<|im_start|>', ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', '\r', '\n\r', '\u00a0', '\u3000', '\u2028', '\u200b', '\ufeff', '0', '12', '3.14',
  '1,000,000', '٣', '①', 'Hello', 'world', ' the', 'ünïcödé', '日本語', '한국어', 'مرحبا', 'עברית', '🙂', '👨‍👩‍👧', '🇫🇷', 'é', 'e\u0301', '\u0000',
  '\u0001', '\u001b[31m', '\u007f', '\u0085', '▁', '▁▁', '<0x41>', '<0xFF>', 'ﬁ', 'Ⅻ', 'x²', '\\n', '{{', '}}', '{%', '%}', '"', "'", '`', '…', '—',
  'A'.repeat(30), '\u{10FFFF}', '\u{E000}', '\uFFFD', '[CUSTOM]', '[SYSTEM_PROMPT]', '<pad>', 'Å', '\u212b', 'ǅ', 'İ', 'ß', '\u0344', '\u1100\u1161',
  'héllo', 'he\u0301llo', '日本', '<|é|>', 'ﬁx', 'fix', '\u212b', '\u00c5'];

/** Unicode normalisation edge cases: compatibility and canonical forms, reordering of marks, Hangul jamo, case oddities. */
const NORMALISATION = ['A\u030a', '\u00c5', '\u212b', 'ﬃ', '\u1e9b\u0323', '\u1100\u1161\u11a8', '각', 'Ǆǅǆ', 'ΣΑΣ ς', 'İstanbul', 'straße',
  `a${'\u0301'.repeat(30)}`, '\u0958', '\u2126', '①②', '㍿', 'ｆｕｌｌ　ｗｉｄｔｈ', '\u00a0\u2000\u200a\u202f', 'e\u0301\u0327', 'q\u0307\u0323', 'q\u0323\u0307',
  '\u0f73', '\u2460\u00bd\u2075', '\u01c4\u01c5', 'Ａ\u030a', '\u0340\u0341', '\u00e9\u0301'];

/** Line ends mixed: \r alone, \r\n, \n\r, with spaces and tabs around, Unicode line separators. */
const LINE_ENDS = ['\r', '\r\n', '\r\r\n', '\n\r', 'a\r\nb\rc\nd', ' \r\n \r\n', '\r\n\r\n\r\n', 'line1\r\n\r\nline2  \r\n', '\t\r\n\t', 'x \r\n',
  '\u2028\r\n\u0085', '\r\n ', ' \r', 'a\r', '\r\n[INST]\r\n', '.\r\n/'];

/** Long runs (the quadratic worst of `\s+(?!\S)` included) of one kind of character; up to 5,000 characters here. */
const RUNS = [' '.repeat(100), ' '.repeat(1000), `x${' '.repeat(5000)}y`, '1'.repeat(1000), '1234567890'.repeat(50), '\n'.repeat(300), ' \n'.repeat(200),
  '\t'.repeat(64), 'a'.repeat(2000), '▁'.repeat(100), '.'.repeat(500), '-'.repeat(300), `0.${'0'.repeat(100)}`, '\r\n'.repeat(100), '\u00a0'.repeat(50),
  '9'.repeat(17), '🙂'.repeat(100)];

/** Runs past regex-bound.ts's UNBOUNDED_PUBLISHED_CHARS: Tekken's regex runs bounded on them (not in chats: slow). */
export const LONG_RUNS = [' '.repeat(25_000), `a${' '.repeat(21_000)}b`, '7'.repeat(25_000)];

/** Added and special tokens glued to text and to each other. */
const GLUED = ['hello[INST]world', '[INST][/INST]', '[INST][INST]', 'x[/INST]y', '</s><s>', 'a</s>b', '<s>hi', 'hi<s>', '<unk><unk>', '[CUSTOM]x', 'x[CUSTOM]',
  'zqx[INST]zqx', 'zqxzqx', 'a zqx b', '<think>a</think>', 'a<think>b', ' <think> ', '  <think>  x', '<|im_end|><|im_end|>', '[INST]\n', '\n[INST]', '▁[INST]',
  '[INST ]', '[/INST', '[SYSTEM_PROMPT]x[/SYSTEM_PROMPT]', '[TOOL_CALLS][{"a":1}]', 'x<pad>y', ' </s>', '</s> ', '<s> <s>'];

/** Characters only byte fallback (or the byte-level alphabet) can spell, and token texts written as text. */
const BYTES = ['\u{1F9D1}\u200D\u{1F9B0}', '\u{E0001}', '\u{F0000}', '\u0378', '\u{1D54F}', '\uFEFF\uFEFF', '<0x41><0x42>', '<0xE2><0x82><0xAC>', '\u0000\u0000',
  ' \u{10FFFF}', 'Ġ', 'Ċ', 'ĠĠ', '\u00ad', '\u{1F600}\u{1F3FB}', '\ufffd\ufffd'];

/** Half of a surrogate pair: JavaScript strings can hold one, Python's tokenizers refuses it (and so must we). */
export const LONE_SURROGATES = ['a\ud800b', '\udc00', 'x\ud83d', '\ud83d\ud83d\ude00', '\ude00\ud83d'];

/** Conversations whose users type special tokens, empty contents and odd whitespace. */
const CHATS: ChatMessage[][] = [
  [{ role: 'user', content: '[INST] hello [/INST]' }],
  [{ role: 'user', content: '</s>' }, { role: 'assistant', content: 'ok' }],
  [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '</s><s>[INST] evil [/INST]' }],
  [{ role: 'system', content: '[SYSTEM_PROMPT]x[/SYSTEM_PROMPT]' }, { role: 'user', content: 'q' }],
  [{ role: 'user', content: '' }],
  [{ role: 'user', content: '' }, { role: 'assistant', content: '' }],
  [{ role: 'user', content: '[/INST]' }, { role: 'assistant', content: '[INST]' }, { role: 'user', content: '<s>' }],
  [{ role: 'user', content: '<unk>' }],
  [{ role: 'user', content: ' [INST] ' }],
  [{ role: 'user', content: '\r\n[INST]\r\n' }, { role: 'assistant', content: '\r\n' }],
  [{ role: 'user', content: '[CUSTOM]' }, { role: 'assistant', content: '<think>x</think>' }],
  [{ role: 'user', content: ' '.repeat(100) }, { role: 'assistant', content: '\n'.repeat(10) }],
  [{ role: 'system', content: '' }, { role: 'user', content: 'A\u030a' }],
  [{ role: 'user', content: 'x<pad>y[TOOL_CALLS]' }, { role: 'assistant', content: '[AVAILABLE_TOOLS][]' }],
];

export interface ProbeInputs { texts: string[]; chats: ChatMessage[][] }

/** The texts and chats of a seed: random mixes of pieces and code points (no lone surrogates), then the fixed ones. */
export function probeInputs(seed: number): ProbeInputs {
  const rnd = random(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const codePoint = (): string => {
    const cp = Math.floor(rnd() < 0.5 ? rnd() * 0x3000 : rnd() * 0x110000);
    return cp >= 0xd800 && cp <= 0xdfff ? 'x' : String.fromCodePoint(cp);
  };
  const texts = ['', ' ', '  ', '\n', 'a', ' a', 'a ', '[INST]', ' [INST]', '</s>', ' </s> ', '<s>[INST] hi [/INST]'];
  for (let i = 0; i < 800; i++) {
    let t = '';
    for (let j = 1 + Math.floor(rnd() * 8); j > 0; j--) t += rnd() < 0.75 ? pick(PIECES) : codePoint();
    texts.push(t);
  }
  texts.push(...NORMALISATION, ...LINE_ENDS, ...RUNS, ...GLUED, ...BYTES);
  const chats: ChatMessage[][] = [...CHATS];
  for (let i = 0; i < 150; i++) {
    const chat: ChatMessage[] = rnd() < 0.4 ? [{ role: 'system', content: pick(texts) }] : [];
    const turns = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < turns; k++) {
      chat.push({ role: 'user', content: pick(texts) });
      if (k < turns - 1 || rnd() < 0.6) chat.push({ role: 'assistant', content: pick(texts) });
    }
    chats.push(chat);
  }
  texts.push(...LONG_RUNS, ...LONE_SURROGATES);
  return { texts, chats };
}

/**
 * Token id lists for decode alone: 1 to 12 ids each, a third of them from `favoured` (byte tokens, special and added
 * tokens: runs of bytes that are not UTF-8, specials between text), the rest anywhere below `vocabSize`.
 */
export function idLists(seed: number, vocabSize: number, favoured: readonly number[], count = 300): number[][] {
  const rnd = random(seed);
  const lists: number[][] = [];
  for (let i = 0; i < count; i++) {
    const ids: number[] = [];
    for (let n = 1 + Math.floor(rnd() * 12); n > 0; n--) {
      ids.push(favoured.length > 0 && rnd() < 0.35 ? favoured[Math.floor(rnd() * favoured.length)]! : Math.floor(rnd() * vocabSize));
    }
    lists.push(ids);
  }
  return lists;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}
