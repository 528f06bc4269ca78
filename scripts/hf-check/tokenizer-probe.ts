// A differential probe of the tokenizer against transformers: random and adversarial strings (scripts, spaces runs,
// byte fallback, digits, control characters, special-token lookalikes such as "[INST]" or "</s>" inside text) through
// encode, tokenizer(text) (BOS first), decode with and without skip_special_tokens, and chats through the built-in
// chat template, for models/mistral-tune-tiny's tokenizer (a Mistral model folder: tokenizer.json as it is), a copy
// with added tokens whose flags the config changes (normalized, special, lstrip/rstrip) and the bundled tokenizer (no
// config.json: transformers builds its LlamaTokenizer), on both engines. Not part of the product: a check for machines with
// transformers. From the project root:
//   node --import tsx scripts/hf-check/tokenizer-probe.ts write OUT_DIR [SEED]     # strings, chats, folders
//   HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_probe.py OUT_DIR          # transformers' answers
//   node --import tsx scripts/hf-check/tokenizer-probe.ts compare OUT_DIR          # prints every difference
// Known difference (kept): a text that starts with "<s>" gets one BOS from encodeSequence, two from HF's tokenizer(text).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHAT_TEMPLATE } from '../../src/tokenizer/chat-template.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { encodeSequence, type ChatMessage } from '../../src/tokenizer/types.ts';

const [mode, outArg, seedArg] = process.argv.slice(2);
if ((mode !== 'write' && mode !== 'compare') || outArg === undefined) {
  console.error('usage: tokenizer-probe.ts write|compare OUT_DIR [SEED]');
  process.exit(2);
}
const out = path.resolve(outArg);
const TINY = path.resolve('models', 'mistral-tune-tiny');
const FOLDERS: Record<string, string> = { tiny: TINY, added: path.join(out, 'added'), bundled: BUNDLED_TOKENIZER_DIR };

const PIECES = ['[INST]', '[/INST]', ' [INST] ', '</s>', '<s>', '<unk>', '<s >', '</ s>', '<<s>>', '</s></s>', 'zqx', ' zqx ', '<think>', ' <think> ',
  '<|im_end|>', '<|im_start|>', ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', '\u00a0', '\u3000', '\u2028', '\u200b', '\ufeff', '0', '12', '3.14',
  '1,000,000', '٣', '①', 'Hello', 'world', ' the', 'ünïcödé', '日本語', '한국어', 'مرحبا', 'עברית', '🙂', '👨‍👩‍👧', '🇫🇷', 'é', 'e\u0301', '\u0000',
  '\u0001', '\u001b[31m', '\u007f', '\u0085', '▁', '▁▁', '<0x41>', '<0xFF>', 'ﬁ', 'Ⅻ', 'x²', '\\n', '{{', '}}', '{%', '%}', '"', "'", '`', '…', '—',
  'A'.repeat(30), '\u{10FFFF}', '\u{E000}', '\uFFFD'];

/** The strings and chats of a seed: pieces and random code points (no lone surrogates: Python cannot encode them). */
function inputs(seed: number): { texts: string[]; chats: ChatMessage[][] } {
  let s = seed >>> 0;
  const rnd = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
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
  const chats: ChatMessage[][] = [];
  for (let i = 0; i < 150; i++) {
    const chat: ChatMessage[] = rnd() < 0.4 ? [{ role: 'system', content: pick(texts) }] : [];
    const turns = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < turns; k++) {
      chat.push({ role: 'user', content: pick(texts) });
      if (k < turns - 1 || rnd() < 0.6) chat.push({ role: 'assistant', content: pick(texts) });
    }
    chats.push(chat);
  }
  return { texts, chats };
}

/** The tiny model's tokenizer with added tokens: raw special, normalized made raw special by the config, normalized special, lstrip/rstrip. */
function writeAddedFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const flags = { single_word: false, lstrip: false, rstrip: false };
  const tj = JSON.parse(fs.readFileSync(path.join(TINY, 'tokenizer.json'), 'utf8')) as { added_tokens: unknown[] };
  tj.added_tokens.push({ id: 32000, content: '<|im_end|>', normalized: false, special: true, ...flags }, { id: 32001, content: '[INST]', normalized: true, special: false, ...flags },
    { id: 32002, content: 'zqx', normalized: true, special: true, ...flags }, { id: 32003, content: '<think>', normalized: false, special: false, ...flags, lstrip: true, rstrip: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tj));
  const tc = JSON.parse(fs.readFileSync(path.join(TINY, 'tokenizer_config.json'), 'utf8')) as { added_tokens_decoder: Record<string, unknown> };
  tc.added_tokens_decoder['32001'] = { content: '[INST]', normalized: false, special: true, ...flags };
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tc));
  fs.copyFileSync(path.join(TINY, 'config.json'), path.join(dir, 'config.json'));
}

if (mode === 'write') {
  fs.mkdirSync(out, { recursive: true });
  writeAddedFolder(FOLDERS['added']!);
  fs.writeFileSync(path.join(out, 'in.json'), JSON.stringify({ ...inputs(Number(seedArg ?? 1)), folders: FOLDERS, template: DEFAULT_CHAT_TEMPLATE }));
  console.log(`wrote ${path.join(out, 'in.json')}; now: HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_probe.py ${out}`);
} else {
  interface Answers { enc: number[][]; seq: number[][]; dec: string[]; dec_keep: string[]; chat: string[]; chat_ids: Array<number[] | null> }
  const inp = JSON.parse(fs.readFileSync(path.join(out, 'in.json'), 'utf8')) as { texts: string[]; chats: ChatMessage[][] };
  const hf = JSON.parse(fs.readFileSync(path.join(out, 'hf.json'), 'utf8')) as Record<string, Answers>;
  let total = 0;
  for (const [name, dir] of Object.entries(FOLDERS)) {
    const want = hf[name]!;
    for (const engine of ['fast', 'huggingface'] as const) {
      let tok;
      try {
        tok = loadTokenizer(dir, { engine });
      } catch (e) {
        console.log(`${name} ${engine}: not run (${(e as Error).message})`);
        continue;
      }
      let differences = 0, doubledBos = 0;
      const differ = (what: string, input: unknown, ours: unknown, theirs: unknown): void => {
        if (JSON.stringify(ours) === JSON.stringify(theirs)) return;
        if (differences++ < 10) console.log(`${name} ${engine} ${what} ${JSON.stringify(input)}\n  ours ${JSON.stringify(ours)}\n  HF   ${JSON.stringify(theirs)}`);
      };
      inp.texts.forEach((text, i) => {
        differ('encode', text, tok.encode(text), want.enc[i]);
        const seq = encodeSequence(tok, text);
        // the known difference: HF's second BOS before a text that starts with the BOS text
        if (tok.bosId !== null && seq[0] === tok.bosId && JSON.stringify([tok.bosId, ...seq]) === JSON.stringify(want.seq[i])) doubledBos++;
        else differ('tokenizer(text)', text, seq, want.seq[i]);
        differ('decode', want.enc[i], tok.decode(want.enc[i]!), want.dec[i]);
        differ('decode (specials kept)', want.enc[i], tok.decode(want.enc[i]!, { skipSpecialTokens: false }), want.dec_keep[i]);
      });
      inp.chats.forEach((chat, i) => {
        let text: string;
        try {
          text = tok.applyChatTemplate(chat);
        } catch (e) {
          text = `ERROR ${(e as Error).message}`;
        }
        if (text.startsWith('ERROR') && want.chat[i]!.startsWith('ERROR')) return; // both refuse (roles that do not alternate)
        differ('chat template', chat, text, want.chat[i]);
        if (!text.startsWith('ERROR')) differ('chat ids', chat, tok.encode(text), want.chat_ids[i]);
      });
      console.log(`${name} ${engine}: ${differences} differences (${inp.texts.length} texts, ${inp.chats.length} chats; ${doubledBos} texts HF gives a second BOS)`);
      total += differences;
    }
  }
  process.exitCode = total === 0 ? 0 : 1;
}
