// A differential probe of the tokenizer against transformers: random and adversarial strings (tokenizer-probe-inputs.ts:
// scripts, Unicode normalisation edge cases, \r\n mixes, long runs of spaces and digits, byte fallback, control
// characters, special tokens glued to text, lone surrogates) through encode, tokenizer(text) (BOS first), decode with and
// without skip_special_tokens; random id lists through decode; chats (users typing "[INST]" or "</s>") through the chat
// template, rendered and encoded as HF's apply_chat_template then encode does. For models/mistral-tune-tiny's tokenizer
// (a Mistral model folder: tokenizer.json as it is), a copy with added tokens whose flags the config changes (normalized,
// special, lstrip/rstrip), the bundled tokenizer (no config.json: transformers builds its LlamaTokenizer), the
// tekken-tiny fixture (byte-level BPE, Split regex, its own named chat templates), a copy of it with an NFC normalizer
// and one with NFKC and non-ASCII added tokens (normalized or not, special), on both engines. Not part of the product: a check for machines with transformers. From the project root:
//   node --import tsx scripts/hf-check/tokenizer-probe.ts write OUT_DIR [SEED]     # strings, chats, folders
//   HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_probe.py OUT_DIR          # transformers' answers
//   node --import tsx scripts/hf-check/tokenizer-probe.ts compare OUT_DIR          # prints every difference
// With --variants after write (first: python3 scripts/hf-check/tokenizer_variants.py OUT_DIR, and/or tokenizer_trained_variants.py
// OUT_DIR: 73 small trained tokenizers), also the tokenizer.json
// variants those scripts write (the fallback engine's features among them), without chats; PROBE_ONLY=REGEX on compare
// compares only the folders whose name it matches. A variant ours refuses in one line is said as "not run", no difference.
// Known difference (kept): a text that starts with "<s>" gets one BOS from encodeSequence, two from HF's tokenizer(text).
// A text with a lone surrogate is refused by both (since 0243d4cd ours refuses it in one line, as transformers does).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHAT_TEMPLATE } from '../../src/tokenizer/chat-template.ts';
import { BUNDLED_TOKENIZER_DIR, loadTokenizer } from '../../src/tokenizer/load.ts';
import { encodeSequence, type ChatMessage } from '../../src/tokenizer/types.ts';
import { setQuiet } from '../../src/util/log.ts';
import { idLists, probeInputs } from './tokenizer-probe-inputs.ts';

const args = process.argv.slice(2);
const withVariants = args.includes('--variants');
const [mode, outArg, seedArg] = args.filter((a) => a !== '--variants');
if ((mode !== 'write' && mode !== 'compare') || outArg === undefined) {
  console.error('usage: tokenizer-probe.ts write|compare OUT_DIR [SEED] [--variants]');
  process.exit(2);
}
const out = path.resolve(outArg);
/** Half of a surrogate pair without the other half. */
const LONE_SURROGATE = /\p{Cs}/u;
const TINY = path.resolve('models', 'mistral-tune-tiny');
const TEKKEN = path.resolve('test', 'fixtures', 'tekken-tiny');
const FOLDERS: Record<string, string> = {
  tiny: TINY, added: path.join(out, 'added'), bundled: BUNDLED_TOKENIZER_DIR, tekken: TEKKEN, 'tekken-nfc': path.join(out, 'tekken-nfc'),
  'tekken-added': path.join(out, 'tekken-added'),
};
/** The chat template each folder's chats are rendered with: the built-in one where the folder has none, its own (null), no chats (false). */
const TEMPLATES: Record<string, string | null | false> = { tiny: DEFAULT_CHAT_TEMPLATE, added: DEFAULT_CHAT_TEMPLATE, bundled: DEFAULT_CHAT_TEMPLATE, tekken: null, 'tekken-nfc': null, 'tekken-added': null };
// --variants: also the folders tokenizer_variants.py wrote in OUT_DIR/variants (tokenizer.json's features, the fallback's
// included), without chats (they have no chat template)
if (withVariants) {
  for (const name of fs.readdirSync(path.join(out, 'variants')).sort()) {
    FOLDERS[name] = path.join(out, 'variants', name);
    TEMPLATES[name] = false;
  }
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

/**
 * The tekken-tiny fixture with `normalizer` (NFC, as some byte-level tokenizers have, or NFKC) and `added` tokens after
 * its own: normalisation, and added tokens matched in the normalized text and decoded through the byte-level alphabet.
 */
function writeTekkenVariant(dir: string, normalizer: string, added: Array<{ content: string; normalized: boolean; special: boolean }>): void {
  fs.mkdirSync(dir, { recursive: true });
  const tj = JSON.parse(fs.readFileSync(path.join(TEKKEN, 'tokenizer.json'), 'utf8')) as { normalizer: unknown; added_tokens: Array<Record<string, unknown> & { id: number }>; model: { vocab: Record<string, number> } };
  tj.normalizer = { type: normalizer };
  const first = 1 + Math.max(...Object.values(tj.model.vocab), ...tj.added_tokens.map((t) => t.id));
  added.forEach((t, i) => tj.added_tokens.push({ id: first + i, single_word: false, lstrip: false, rstrip: false, ...t }));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tj));
  fs.copyFileSync(path.join(TEKKEN, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
}

/** Each folder's id lists for decode, favouring byte tokens (<0xXX>, or one byte-level character) and special and added tokens. */
function folderIdLists(seed: number): Record<string, number[][]> {
  const lists: Record<string, number[][]> = {};
  for (const [name, dir] of Object.entries(FOLDERS)) {
    let tok;
    try {
      tok = loadTokenizer(dir, { engine: 'huggingface' });
    } catch {
      lists[name] = []; // refused by both engines: compare says so
      continue;
    }
    const favoured: number[] = [...tok.specialIds];
    for (let id = 0; id < tok.vocabSize; id++) {
      const t = tok.idToToken(id);
      if (t !== null && (/^<0x[0-9A-F]{2}>$/.test(t) || [...t].length === 1) && !favoured.includes(id)) favoured.push(id);
    }
    lists[name] = idLists(seed, tok.vocabSize, favoured);
  }
  return lists;
}

if (mode === 'write') {
  fs.mkdirSync(out, { recursive: true });
  writeAddedFolder(FOLDERS['added']!);
  writeTekkenVariant(FOLDERS['tekken-nfc']!, 'NFC', []);
  writeTekkenVariant(FOLDERS['tekken-added']!, 'NFKC', [{ content: 'héllo', normalized: false, special: false }, { content: '日本', normalized: true, special: false },
    { content: '<|é|>', normalized: false, special: true }, { content: 'ﬁx', normalized: true, special: false }, { content: '\u212b', normalized: true, special: false }]);
  const seed = Number(seedArg ?? 1);
  setQuiet(true);
  fs.writeFileSync(path.join(out, 'in.json'), JSON.stringify({ ...probeInputs(seed), ids: folderIdLists(seed), folders: FOLDERS, templates: TEMPLATES }));
  console.log(`wrote ${path.join(out, 'in.json')}; now: HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_probe.py ${out}`);
} else {
  interface Answers {
    /** Per text: null where transformers refused it (refused[i] says why), as for a lone surrogate. */
    enc: Array<number[] | null>; seq: Array<number[] | null>; dec: Array<string | null>; dec_keep: Array<string | null>; refused: Array<string | null>;
    chat: string[]; chat_ids: Array<number[] | null>; ids_dec: string[]; ids_dec_keep: string[];
    /** Where transformers cannot load the folder at all (and nothing else is there). */
    load_error?: string;
  }
  const inp = JSON.parse(fs.readFileSync(path.join(out, 'in.json'), 'utf8')) as {
    texts: string[]; chats: ChatMessage[][]; ids: Record<string, number[][]>; folders: Record<string, string>; templates: Record<string, string | null | false>;
  };
  const hf = JSON.parse(fs.readFileSync(path.join(out, 'hf.json'), 'utf8')) as Record<string, Answers>;
  const shown = (v: unknown): string => {
    const s = JSON.stringify(v);
    return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} characters)` : s;
  };
  const attempt = <T>(f: () => T): T | string => {
    try {
      return f();
    } catch (e) {
      return `ERROR ${(e as Error).message}`;
    }
  };
  let total = 0, compared = 0, fellBack = 0, refusedByOurs = 0;
  const only = process.env['PROBE_ONLY'] === undefined ? null : new RegExp(process.env['PROBE_ONLY']);
  for (const [name, dir] of Object.entries(inp.folders)) {
    if (only !== null && !only.test(name)) continue;
    const want = hf[name]!;
    if (want.load_error !== undefined) {
      // transformers cannot load it: ours must refuse it too
      const ours = attempt(() => loadTokenizer(dir).engineName);
      console.log(`${name}: HF refuses to load it (${want.load_error}); ours ${ours.startsWith('ERROR') ? `refuses it too (${ours})` : `loads it (${ours} engine): a difference`}`);
      if (!ours.startsWith('ERROR')) total++;
      continue;
    }
    for (const engine of ['fast', 'huggingface'] as const) {
      let tok;
      try {
        tok = loadTokenizer(dir, { engine });
      } catch (e) {
        console.log(`${name} ${engine}: not run (${(e as Error).message})`);
        if (engine === 'fast') fellBack++;
        else refusedByOurs++;
        continue;
      }
      let differences = 0, doubledBos = 0, refused = 0, endsWithSpecial = 0, hfRaised = 0;
      const differ = (what: string, input: unknown, ours: unknown, theirs: unknown): void => {
        if (JSON.stringify(ours) === JSON.stringify(theirs)) return;
        // a decode transformers raised on (tokenizer_probe.py: its Strip decoder panics): nothing to compare with
        if (typeof theirs === 'string' && theirs.startsWith('HF raised ')) {
          if (hfRaised++ < 3) console.log(`${name} ${engine} ${what} ${shown(input)}: ${theirs} (ours ${shown(ours)}; not compared)`);
          return;
        }
        if (differences++ < 10) console.log(`${name} ${engine} ${what} ${shown(input)}\n  ours ${shown(ours)}\n  HF   ${shown(theirs)}`);
      };
      inp.texts.forEach((text, i) => {
        const ids = attempt(() => tok.encode(text));
        if (want.enc[i] === null) {
          // transformers refuses a text with a lone surrogate ("TextEncodeInput must be …"), and so does our encode
          // (a one-line error naming the surrogate and where): both refusing is agreement
          refused++;
          if (LONE_SURROGATE.test(text) && typeof ids === 'string' && ids.startsWith('ERROR') && ids.includes('lone surrogate')) return;
          differ('encode (HF refuses it)', text, ids, `ERROR ${want.refused[i]}`);
          return;
        }
        differ('encode', text, ids, want.enc[i]);
        const seq = attempt(() => encodeSequence(tok, text));
        // the known difference: HF's second BOS before a text that starts with the BOS text
        let theirs = want.seq[i]!, twoBos = false, specialsAfter = false;
        if (Array.isArray(seq) && tok.bosId !== null && seq[0] === tok.bosId && theirs[0] === tok.bosId && theirs[1] === tok.bosId) {
          twoBos = true;
          theirs = theirs.slice(1);
        }
        // the other known difference: encodeSequence puts only what goes before the text; the special tokens a
        // post-processor puts after it (EOS) the toolkit adds where it trains on them (tokenizerAddsEos)
        if (Array.isArray(seq) && theirs.length > seq.length && JSON.stringify(theirs.slice(0, seq.length)) === JSON.stringify(seq)
          && theirs.slice(seq.length).every((id) => tok.specialIds.has(id))) {
          specialsAfter = true;
          theirs = theirs.slice(0, seq.length);
        }
        if (JSON.stringify(seq) !== JSON.stringify(theirs)) differ('tokenizer(text)', text, seq, want.seq[i]);
        else {
          if (twoBos) doubledBos++;
          if (specialsAfter) endsWithSpecial++;
        }
        differ('decode', want.enc[i], attempt(() => tok.decode(want.enc[i]!)), want.dec[i]);
        differ('decode (specials kept)', want.enc[i], attempt(() => tok.decode(want.enc[i]!, { skipSpecialTokens: false })), want.dec_keep[i]);
      });
      inp.ids[name]!.forEach((ids, i) => {
        differ('decode ids', ids, attempt(() => tok.decode(ids)), want.ids_dec[i]);
        differ('decode ids (specials kept)', ids, attempt(() => tok.decode(ids, { skipSpecialTokens: false })), want.ids_dec_keep[i]);
      });
      if (inp.templates[name] !== false) inp.chats.forEach((chat, i) => {
        const text = attempt(() => tok.applyChatTemplate(chat));
        if (text.startsWith('ERROR') && want.chat[i]!.startsWith('ERROR')) return; // both refuse (roles that do not alternate)
        differ('chat template', chat, text, want.chat[i]);
        if (!text.startsWith('ERROR')) differ('chat ids', chat, attempt(() => tok.encode(text)), want.chat_ids[i]);
      });
      console.log(`${name} ${engine}: ${differences} differences (${inp.texts.length} texts, ${refused} of them refused by HF (lone surrogates; refused by ours too); ${inp.ids[name]!.length} id lists; `
        + `${inp.templates[name] === false ? 0 : inp.chats.length} chats; ${doubledBos} texts HF gives a second BOS`
        + `${endsWithSpecial > 0 ? `, ${endsWithSpecial} that HF ends with the post-processor's special tokens` : ''}`
        + `${hfRaised > 0 ? `, ${hfRaised} decodes HF raised on, not compared` : ''})`);
      total += differences;
      compared++;
    }
  }
  console.log(`${compared} folder/engine pairs compared, ${total} differences; ${refusedByOurs} folders refused by ours in one line `
    + `(the huggingface engine not run); ${fellBack} folders the fast engine leaves to the huggingface one`);
  process.exitCode = total === 0 ? 0 : 1;
}
