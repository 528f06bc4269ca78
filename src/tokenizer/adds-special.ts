// Whether the tokenizer starts an encoding with its BOS token, or ends one with its EOS token, decided as HF
// transformers 5.17 decides it for a folder with tokenizer.json (the only kind loaded here):
//  1. tokenizer.json's post-processor: a TemplateProcessing (alone or in a Sequence) whose single-sequence
//     template puts the BOS token before the text adds it (the EOS token after the text, likewise); a
//     BertProcessing or RobertaProcessing puts its `cls` before and its `sep` after; ByteLevel adds none;
//  2. without a post-processor, BOS only for a folder without tokenizer_config.json (the "<s>" convention
//     LoadedTokenizer follows there), since HF adds nothing; never EOS.
// tokenizer_config.json's add_bos_token / add_eos_token and a Llama class's defaults (BOS yes, EOS no) decide nothing:
// transformers 5's from_pretrained drops the two keys when the folder has a tokenizer.json
// (tokenization_utils_base.py: init_kwargs.pop("add_bos_token") where tokenizer_file is resolved), and the class then
// keeps tokenizer.json's post-processor as it is ("add_bos_token": false before a "<s> $A" template: [1, …]).
// Never true for a tokenizer without that token. transformers drops the two flags without a word; here a flag that asks
// for other than the post-processor does is said once (warnFlagsNotRead).
import * as path from 'node:path';
import { isRecord } from '../util/json-file.ts';
import { warnOnce } from '../util/log.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import { templateSpecialIds, templateSpecialName, type TokenizerJson } from './tokenizer-json.ts';

export function tokenizerAddsBos(json: TokenizerJson, config: TokenizerConfig, bosId: number | null): boolean {
  return addsSpecial('bos', json, config, bosId);
}

/**
 * The ids HF's tokenizer(text) puts before the text's own: tokenizer.json's post-processor's — a TemplateProcessing's
 * special tokens before $A (each with all its ids), a BertProcessing's or RobertaProcessing's cls; in a Sequence each
 * processor's before those of the ones before it, as each wraps what the last gave — whatever tokenizer_config.json names
 * its BOS (transformers 5.17 starts "Hello" with a "<s> $A" template's id 1 where bos_token is null); without a
 * post-processor, `bosId` for a folder without tokenizer_config.json (the "<s>" convention above), else none.
 */
export function leadingSpecialIds(json: TokenizerJson, config: TokenizerConfig, bosId: number | null): number[] {
  if (json.post_processor === null) return config.source === 'none' && bosId !== null ? [bosId] : [];
  return processorsOf(json.post_processor).reduce<number[]>((ids, p) => [...idsBefore(p), ...ids], []);
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
  return processorsOf(json.post_processor).some((p) => putsAround(p, id, which === 'bos' ? 'before' : 'after'));
}

/** The post-processors of a post-processor: itself, or those of a Sequence. */
function processorsOf(p: Record<string, unknown>): Array<Record<string, unknown>> {
  if (p['type'] === 'Sequence' && Array.isArray(p['processors'])) return p['processors'].filter(isRecord).flatMap(processorsOf);
  return [p];
}

/** True when the post-processor `p` puts a special token whose ids hold `id` on `side` of the text. */
function putsAround(p: Record<string, unknown>, id: number, side: 'before' | 'after'): boolean {
  if (p['type'] === 'TemplateProcessing') return templatePutsAround(p, id, side);
  if (p['type'] === 'BertProcessing' || p['type'] === 'RobertaProcessing') {
    const token = p[side === 'before' ? 'cls' : 'sep']; // [content, id]
    return Array.isArray(token) && token[1] === id;
  }
  return false;
}

/** The ids the post-processor `p` puts before the text. */
function idsBefore(p: Record<string, unknown>): number[] {
  if (p['type'] === 'TemplateProcessing') return templatePieces(p, 'before').flatMap((ids) => ids);
  if (p['type'] === 'BertProcessing' || p['type'] === 'RobertaProcessing') {
    const cls = p['cls']; // [content, id]
    return Array.isArray(cls) && Number.isInteger(cls[1]) ? [cls[1] as number] : [];
  }
  return [];
}

/** True when the single-sequence template has, on `side` of the text ($A), a special token whose ids hold `id`. */
function templatePutsAround(t: Record<string, unknown>, id: number, side: 'before' | 'after'): boolean {
  return templatePieces(t, side).some((ids) => ids.includes(id));
}

/** The ids of each special token the single-sequence template has on `side` of the text ($A), in its order. */
function templatePieces(t: Record<string, unknown>, side: 'before' | 'after'): number[][] {
  const single = Array.isArray(t['single']) ? t['single'] : [];
  const text = single.findIndex((piece) => isRecord(piece) && isRecord(piece['Sequence']));
  const around = side === 'before' ? single.slice(0, text < 0 ? single.length : text) : text < 0 ? [] : single.slice(text + 1);
  return around.flatMap((piece) => {
    const name = templateSpecialName(piece);
    const ids = name === null ? null : templateSpecialIds(t, name);
    return ids === null ? [] : [ids.filter((i): i is number => Number.isInteger(i))];
  });
}
