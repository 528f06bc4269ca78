// Whether the tokenizer starts an encoding with its BOS token, or ends one with its EOS token, decided as HF
// transformers decides it:
//  1. tokenizer_config.json's add_bos_token / add_eos_token, when it says true or false;
//  2. for a Llama tokenizer class (LlamaTokenizer[Fast], CodeLlamaTokenizer[Fast]: Mistral's), whose flags
//     default to BOS yes, EOS no and rewrite the post-processor: those defaults;
//  3. else tokenizer.json's post-processor: a TemplateProcessing (alone or in a Sequence) whose single-sequence
//     template puts the BOS token before the text adds it (the EOS token after the text, likewise); a
//     BertProcessing or RobertaProcessing puts its `cls` before and its `sep` after; ByteLevel adds none;
//  4. without a post-processor, BOS only for a folder without tokenizer_config.json (the "<s>" convention
//     LoadedTokenizer follows there), since a generic HF tokenizer adds nothing; never EOS.
// Never true for a tokenizer without that token.
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';

const LLAMA_CLASS = /^(Code)?LlamaTokenizer(Fast)?$/;

export function tokenizerAddsBos(json: TokenizerJson, config: TokenizerConfig, bosId: number | null): boolean {
  return addsSpecial('bos', json, config, bosId);
}

export function tokenizerAddsEos(json: TokenizerJson, config: TokenizerConfig, eosId: number | null): boolean {
  return addsSpecial('eos', json, config, eosId);
}

function addsSpecial(which: 'bos' | 'eos', json: TokenizerJson, config: TokenizerConfig, id: number | null): boolean {
  if (id === null) return false;
  const key = `add_${which}_token`;
  const flag = config.raw[key];
  if (flag !== undefined && flag !== null && typeof flag !== 'boolean') throw new UserError('expected true or false', `${config.source}: ${key}`);
  if (typeof flag === 'boolean') return flag;
  const cls = config.raw['tokenizer_class'];
  if (typeof cls === 'string' && LLAMA_CLASS.test(cls)) return which === 'bos';
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

/** True when the single-sequence template has, on `side` of the text ($A), a special token whose ids hold `id`. */
function templatePutsAround(t: Record<string, unknown>, id: number, side: 'before' | 'after'): boolean {
  const single = Array.isArray(t['single']) ? t['single'] : [];
  const specials = isRecord(t['special_tokens']) ? t['special_tokens'] : {};
  const text = single.findIndex((piece) => isRecord(piece) && isRecord(piece['Sequence']));
  const around = side === 'before' ? single.slice(0, text < 0 ? single.length : text) : text < 0 ? [] : single.slice(text + 1);
  return around.some((piece) => {
    const special = isRecord(piece) ? piece['SpecialToken'] : undefined;
    if (!isRecord(special) || typeof special['id'] !== 'string') return false;
    const entry = specials[special['id']];
    return isRecord(entry) && Array.isArray(entry['ids']) && entry['ids'].includes(id);
  });
}
