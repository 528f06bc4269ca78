// Seeded generators of varied text for the tokenizer tests and benchmark: prose in several scripts,
// emoji, code, runs of spaces/newlines/tabs, digits, punctuation, URLs, long unbroken runs, random code
// points (astral, combining marks, U+FFFD, control characters), and edge cases.

/** mulberry32: a small seeded PRNG, so the strings are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const EN = 'the of and to in is was for on that with as by at from this be are it an or which have has not but had were their also one all can more other new first after when been into two some its who most time only than may such about would these over many them between there states during where through used under while both being three before year well world however state made because since high then any well known people called found part later including university like government among city could each number same until war within early those area he she we you what so how use much very large see us help work life family'.split(' ');
const DE = 'der die das und ist nicht mit für auf ein eine Straße Mädchen über schön Größe Übung Käse Fußball Brötchen Zeitschrift Geschwindigkeitsbegrenzung'.split(' ');
const FR = "le la les et est dans pour une avec été où très déjà café garçon français naïve élève noël hôpital l'été c'est qu'il".split(' ');
const RU = 'и в не на я быть он с что а по это она этот к но они мы как из у который то за свой что весь год от так о для ты же все тот мочь вы человек такой его сказать только или ещё бы себя один как уже до время'.split(' ');
const KO = '안녕하세요 감사합니다 한국어 텍스트 토크나이저 데이터 학습 모델 사람 오늘 날씨 좋다 서울 대한민국 프로그램 컴퓨터 사랑 친구 학교 음식 김치 바다 하늘 별 시간 세계'.split(' ');
const ZH = ['我们', '中文', '分词', '模型', '训练', '数据', '今天', '天气', '很好', '北京', '上海', '人工智能', '机器学习', '语言', '电脑', '程序', '你好', '世界', '学习', '时间', '镇', '龍', '鑫', '丝', '梦'];
const JA = ['こんにちは', 'ありがとう', '日本語', 'トークナイザー', 'データ', '東京', 'カタカナ', 'ひらがな', '漢字', '学校', 'ゼロ'];
const AR = 'مرحبا بالعالم اللغة العربية نموذج بيانات تعلم الآلة كتاب مدرسة'.split(' ');
const HI = 'नमस्ते दुनिया भाषा मॉडल डेटा सीखना किताब विद्यालय'.split(' ');
const EL = 'Καλημέρα κόσμε γλώσσα μοντέλο δεδομένα ἡ'.split(' ');
const EMOJI = ['😀', '😂', '👍', '👍🏽', '❤️', '🔥', '🎉', '👨‍👩‍👧‍👦', '🇫🇷', '🇰🇷', '🤖', '✅', '⚡', '🌍', '🙏🏿', '👩🏻‍💻', '☕', '🍕', '✨', '💯'];
const PUNCT = ['.', ',', '!', '?', ';', ':', '...', '—', '–', '-', '(', ')', '[', ']', '{', '}', '"', "'", '«', '»', '“', '”', '‘', '’', '/', '\\', '|', '@', '#', '$', '%', '^', '&', '*', '_', '+', '=', '~', '`', '<', '>', '¿', '¡', '…', '·', '•', '§', '¶', '©', '®', '™', '°', '±', '×', '÷', '€', '£', '¥'];
const CODE = [
  'function add(a, b) {\n  return a + b;\n}\n',
  'def main():\n    for i in range(10):\n        print(f"{i:03d}")\n',
  'const x = arr.map((v) => v * 2).filter(Boolean);\r\n',
  'if (x != null && y >= 0) { z = x << 2 | y; }\n',
  '#include <stdio.h>\nint main(void) {\n\tprintf("%d\\n", 42);\n\treturn 0;\n}\n',
  'SELECT id, name FROM users WHERE age > 30 ORDER BY name DESC;\n',
  '<div class="a"><span>text</span></div>\n',
  '{"key": [1, 2.5, -3e10, true, null], "nested": {"a": "b"}}\n',
  '    } else {\n        throw new Error(`bad ${value}`);\n    }\n',
  'fn main() -> Result<(), Box<dyn Error>> { Ok(()) }\n',
  '$ npm install --save-dev typescript@^5.0.0 && npx tsc -p .\n',
  '/* comment */ // another\n/** JSDoc\n * @param x\n */\n',
  'a_b_c = x**2 + y**2 - 2*x*y  # comment\n',
];

function words(r: Rand, list: readonly string[], n: number, sep = ' '): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(pick(r, list));
  return out.join(sep);
}

function sentence(r: Rand): string {
  const w = words(r, EN, int(r, 3, 18));
  const s = w[0]!.toUpperCase() + w.slice(1);
  return s + pick(r, ['.', '.', '.', '?', '!', ',', ';', ':', '']);
}

function number(r: Rand): string {
  switch (int(r, 0, 6)) {
    case 0: return String(int(r, 0, 9));
    case 1: return String(int(r, 0, 1e9));
    case 2: return (r() * 1e4 - 5e3).toFixed(int(r, 0, 6));
    case 3: return `${int(r, 1900, 2099)}-${String(int(r, 1, 12)).padStart(2, '0')}-${String(int(r, 1, 28)).padStart(2, '0')}`;
    case 4: return `${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 0, 255)}.${int(r, 0, 255)}`;
    case 5: return `+1 (${int(r, 100, 999)}) ${int(r, 100, 999)}-${int(r, 1000, 9999)}`;
    default: return (r() * 1e-3).toExponential(3);
  }
}

function whitespace(r: Rand): string {
  return pick(r, [' ', '  ', '   ', '    ', '\t', '\n', '\n\n', '\r\n', ' \n ', '\n    ', '\t\t', '        ', ' '.repeat(int(r, 5, 40)), '\n'.repeat(int(r, 2, 8)), '\u00a0', '\u3000', '\u2009']);
}

function randomCodepoints(r: Rand, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const kind = int(r, 0, 9);
    let cp: number;
    if (kind < 3) cp = int(r, 0x20, 0x7e);
    else if (kind < 5) cp = int(r, 0xa0, 0x2fff);
    else if (kind < 7) cp = int(r, 0x3000, 0xd7ff);
    else if (kind < 8) cp = int(r, 0xe000, 0xfffd);
    else if (kind < 9) cp = int(r, 0x10000, 0x1faff);
    // U+FFFD where lone surrogates were (0xd800, 0xdc00, 0xdbff): encode refuses those (special-decode.test.ts), and
    // U+FFFD is what the engines encoded in their place; the same draws, so the other strings stay as they were
    else cp = pick(r, [0x0, 0x1, 0x7, 0x1b, 0x7f, 0x300, 0x301, 0x200b, 0x200d, 0xfeff, 0xfffd, 0xfffd, 0xfffd]);
    s += String.fromCodePoint(cp);
  }
  return s;
}

function base64ish(r: Rand, n: number): string {
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let s = '';
  for (let i = 0; i < n; i++) s += A[int(r, 0, A.length - 1)];
  return s;
}

/** One varied string, of the given kind (0..KINDS-1). */
export function variedString(r: Rand, kind: number): string {
  switch (kind) {
    case 0: return sentence(r);
    case 1: return Array.from({ length: int(r, 2, 6) }, () => sentence(r)).join(' ');
    case 2: return words(r, KO, int(r, 1, 10)) + pick(r, ['', '.', '?', '!']);
    case 3: return words(r, ZH, int(r, 1, 12), pick(r, ['', '，', '。', ' ']));
    case 4: return words(r, JA, int(r, 1, 8), pick(r, ['', '、', '。']));
    case 5: return [words(r, EN, 3), pick(r, EMOJI), words(r, EN, 2), pick(r, EMOJI) + pick(r, EMOJI)].join(' ');
    case 6: return pick(r, CODE);
    case 7: return Array.from({ length: int(r, 2, 5) }, () => pick(r, CODE)).join(pick(r, ['', '\n', '\n\n']));
    case 8: return whitespace(r) + words(r, EN, int(r, 1, 5)) + whitespace(r);
    case 9: return Array.from({ length: int(r, 1, 8) }, () => number(r)).join(pick(r, [' ', ', ', '\n', '', '+', ' * ']));
    case 10: return Array.from({ length: int(r, 1, 12) }, () => pick(r, PUNCT)).join(pick(r, ['', ' ']));
    case 11: return pick(r, ['', ' ', '  ', '\n', '\t', ' a', 'a ', '  a  ', ' \n', '\n ', '\r', '\r\n', 'x', '1', '▁', '▁▁', ' ▁ ', '<0x0A>', '<', '>', 's>', '</', '<s', 'unk>', '\u0000']);
    case 12: return [words(r, DE, 4), words(r, FR, 4), words(r, RU, 5), words(r, EL, 3)].join(pick(r, [' ', '\n', '. ']));
    case 13: return [words(r, AR, 4), words(r, HI, 4)].join(' ');
    case 14: return randomCodepoints(r, int(r, 1, 30));
    case 15: return `https://example.com/${words(r, EN, 3, '/')}?q=${base64ish(r, int(r, 4, 20))}&n=${int(r, 0, 999)}#frag`;
    case 16: return base64ish(r, int(r, 40, 400));
    case 17: return pick(r, ['a', 'ab', '=', '-', '*', ' ', '\n', '0', 'ha', '😀']).repeat(int(r, 2, 300));
    case 18: return `${whitespace(r)}${pick(r, KO)} ${pick(r, ZH)} ${pick(r, EMOJI)} ${number(r)}${whitespace(r)}${pick(r, CODE)}`;
    default: return words(r, [...EN, ...KO, ...ZH, ...EMOJI, ...PUNCT, ...RU], int(r, 1, 25), pick(r, [' ', '', '  ', '\n']));
  }
}
export const KINDS = 20;

/** `n` varied strings covering every kind in turn (seeded). */
export function variedStrings(n: number, seed = 1): string[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => variedString(r, i % KINDS));
}

/** A corpus of about `bytes` UTF-8 bytes made of records (documents) of varied kinds and lengths. */
export function corpus(bytes: number, seed = 7): string[] {
  const r = rng(seed);
  const docs: string[] = [];
  let total = 0;
  while (total < bytes) {
    // Mostly prose and code, as in fine-tuning data, with every other kind mixed in.
    const parts = int(r, 1, 12);
    const pieces: string[] = [];
    for (let p = 0; p < parts; p++) {
      const k = r() < 0.55 ? pick(r, [0, 1, 1, 6, 7, 8, 12]) : int(r, 0, KINDS - 1);
      pieces.push(variedString(r, k));
    }
    const doc = pieces.join(pick(r, [' ', '\n', '\n\n']));
    docs.push(doc);
    total += Buffer.byteLength(doc);
  }
  return docs;
}
