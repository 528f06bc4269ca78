// Whether the tokenizer starts an encoding with its BOS token, or ends one with its EOS token, decided as HF
// transformers 5.17 decides it for a folder with tokenizer.json (the only kind loaded here):
//  1. tokenizer.json's post-processor: it adds the BOS token where it puts it before the text (the EOS token after
//     the text, likewise), as HF tokenizers runs it (post-processor-ids.ts): a TemplateProcessing's single template,
//     a BertProcessing's or RobertaProcessing's `cls` before and `sep` after, ByteLevel none, a Sequence's each on
//     what the one before gave;
//  2. without a post-processor, BOS only for a folder without tokenizer_config.json (the "<s>" convention
//     LoadedTokenizer follows there), since HF adds nothing; never EOS.
// tokenizer_config.json's add_bos_token / add_eos_token and a Llama class's defaults (BOS yes, EOS no) decide nothing:
// transformers 5's from_pretrained drops the two keys when the folder has a tokenizer.json
// (tokenization_utils_base.py: init_kwargs.pop("add_bos_token") where tokenizer_file is resolved), and the class then
// keeps tokenizer.json's post-processor as it is ("add_bos_token": false before a "<s> $A" template: [1, …]).
// Never true for a tokenizer without that token. transformers drops the two flags without a word; here a flag that asks
// for other than the post-processor does is said once (warnFlagsNotRead).
import * as path from 'node:path';
import { warnOnce } from '../util/log.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import { specialIdsAround } from './post-processor-ids.ts';
import type { TokenizerJson } from './tokenizer-json.ts';

export function tokenizerAddsBos(json: TokenizerJson, config: TokenizerConfig, bosId: number | null): boolean {
  return addsSpecial('bos', json, config, bosId);
}

/**
 * The ids HF's tokenizer(text) puts before the text's own: tokenizer.json's post-processor's (post-processor-ids.ts: a
 * TemplateProcessing's special tokens before $A, each with all its ids, a BertProcessing's or RobertaProcessing's cls; a
 * Sequence's as HF tokenizers passes what each gives to the next) — whatever tokenizer_config.json names its BOS
 * (transformers 5.17 starts "Hello" with a "<s> $A" template's id 1 where bos_token is null); without a post-processor,
 * `bosId` for a folder without tokenizer_config.json (the "<s>" convention above), else none.
 */
export function leadingSpecialIds(json: TokenizerJson, config: TokenizerConfig, bosId: number | null): number[] {
  if (json.post_processor === null) return config.source === 'none' && bosId !== null ? [bosId] : [];
  return around(json.post_processor).before;
}

/**
 * The ids HF's tokenizer(text) puts after the text's own: tokenizer.json's post-processor's (a "<s> $A </s>" template's
 * EOS, a BertProcessing's sep), none without a post-processor. A classification row ends with them, as
 * run_classification.py's tokenizer(text) ends it.
 */
export function trailingSpecialIds(json: TokenizerJson): number[] {
  return json.post_processor === null ? [] : around(json.post_processor).after;
}

export function tokenizerAddsEos(json: TokenizerJson, config: TokenizerConfig, eosId: number | null): boolean {
  return addsSpecial('eos', json, config, eosId);
}

/**
 * Warns, once per command, where tokenizer_config.json's add_bos_token or add_eos_token says other than what
 * tokenizer.json's post-processor (`file`) does: one who wrote "add_bos_token": false expecting it to hold is told that
 * BOS is added all the same, and why. Silent where a flag is absent, agrees, or names a token the tokenizer lacks.
 */
export function warnFlagsNotRead(json: TokenizerJson, config: TokenizerConfig, ids: { bos: number | null; eos: number | null }, file: string): void {
  const said: string[] = [];
  for (const which of ['bos', 'eos'] as const) {
    const key = `add_${which}_token`, flag = config.raw[key], id = ids[which];
    if (typeof flag !== 'boolean' || id === null) continue;
    const adds = addsSpecial(which, json, config, id);
    if (flag === adds) continue;
    const name = which.toUpperCase();
    said.push(`${key} is ${flag}, but the tokenizer adds ${adds ? name : `no ${name}`} ${which === 'bos' ? 'before' : 'after'} a text`);
  }
  if (said.length === 0) return;
  warnOnce(`add-special-flags:${path.resolve(config.source)}`, `${config.source}: ${said.join(', and ')}: transformers 5 ignores add_bos_token and ` +
    `add_eos_token where there is a tokenizer.json and adds what its post_processor adds${json.post_processor === null ? ' (it has none)' : ''}, ` +
    `and so does this toolkit; to change it, edit post_processor in ${file}`);
}

function addsSpecial(which: 'bos' | 'eos', json: TokenizerJson, config: TokenizerConfig, id: number | null): boolean {
  if (id === null) return false;
  if (json.post_processor === null) return which === 'bos' && config.source === 'none';
  return around(json.post_processor)[which === 'bos' ? 'before' : 'after'].includes(id);
}

/** The ids `post` puts before and after a text; none where HF tokenizers fails on it (readTokenizerJson refuses that). */
function around(post: Record<string, unknown>): { before: number[]; after: number[] } {
  const ids = specialIdsAround(post);
  return 'refused' in ids ? { before: [], after: [] } : ids;
}
