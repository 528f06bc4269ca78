// Whether the tokenizer starts an encoding with its BOS token, decided as HF transformers decides it:
//  1. tokenizer_config.json's add_bos_token, when it says true or false;
//  2. true for a Llama tokenizer class (LlamaTokenizer[Fast], CodeLlamaTokenizer[Fast]: Mistral's), whose
//     add_bos_token defaults to true and rewrites the post-processor;
//  3. else tokenizer.json's post-processor: a TemplateProcessing (alone or in a Sequence) whose single-sequence
//     template puts the BOS token before the text adds it; any other post-processor adds none;
//  4. without a post-processor, true only for a folder without tokenizer_config.json (the "<s>" convention
//     LoadedTokenizer follows there), since a generic HF tokenizer adds nothing.
// Never true for a tokenizer without a BOS token.
import { UserError } from '../util/errors.ts';
import { isRecord } from '../util/json-file.ts';
import type { TokenizerConfig } from './tokenizer-config.ts';
import type { TokenizerJson } from './tokenizer-json.ts';

const LLAMA_CLASS = /^(Code)?LlamaTokenizer(Fast)?$/;

export function tokenizerAddsBos(json: TokenizerJson, config: TokenizerConfig, bosId: number | null): boolean {
  if (bosId === null) return false;
  const flag = config.raw['add_bos_token'];
  if (flag !== undefined && flag !== null && typeof flag !== 'boolean') throw new UserError('expected true or false', `${config.source}: add_bos_token`);
  if (typeof flag === 'boolean') return flag;
  const cls = config.raw['tokenizer_class'];
  if (typeof cls === 'string' && LLAMA_CLASS.test(cls)) return true;
  if (json.post_processor === null) return config.source === 'none';
  return templatesOf(json.post_processor).some((t) => startsWithBos(t, bosId));
}

/** The TemplateProcessing configs of a post-processor (itself, or those of a Sequence). */
function templatesOf(p: Record<string, unknown>): Array<Record<string, unknown>> {
  if (p['type'] === 'TemplateProcessing') return [p];
  if (p['type'] === 'Sequence' && Array.isArray(p['processors'])) return p['processors'].filter(isRecord).flatMap(templatesOf);
  return [];
}

/** True when the single-sequence template has, before the text ($A), a special token whose ids hold BOS. */
function startsWithBos(t: Record<string, unknown>, bosId: number): boolean {
  const single = Array.isArray(t['single']) ? t['single'] : [];
  const specials = isRecord(t['special_tokens']) ? t['special_tokens'] : {};
  for (const piece of single) {
    if (!isRecord(piece)) continue;
    if (isRecord(piece['Sequence'])) return false;
    const special = piece['SpecialToken'];
    if (!isRecord(special) || typeof special['id'] !== 'string') continue;
    const entry = specials[special['id']];
    if (isRecord(entry) && Array.isArray(entry['ids']) && entry['ids'].includes(bosId)) return true;
  }
  return false;
}
