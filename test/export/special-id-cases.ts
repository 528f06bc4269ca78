// Model folders whose files name special tokens in different places, and the ids llama.cpp's convert_hf_to_gguf.py
// writes for each (gguf-py's SpecialVocab, run by scripts/hf-check/gguf-special-ids.ts on these folders: gguf-py of the
// llama.cpp tree node-llama-cpp 3.21.1 bundles, Python 3.11, numpy 2.4.6). Used by gguf-special-ids.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUNDLED_TOKENIZER_DIR } from '../../src/tokenizer/load.ts';
import { FIXTURES } from '../helpers.ts';

export type Kind = 'bos' | 'eos' | 'unk' | 'pad' | 'eot' | 'eom';

export interface SpecialIdCase {
  name: string;
  /** The tokenizer.json: the bundled Mistral 7B one (SentencePiece BPE; <unk> 0, <s> 1, </s> 2 added) or the Tekken
   *  fixture (byte-level BPE; <unk> 0, <s> 1, </s> 2, [INST] 3, [/INST] 4, <pad> 10 added). */
  tokenizer: 'spm' | 'tekken';
  /** tokenizer_config.json; null: no such file. */
  tokenizerConfig: Record<string, unknown> | null;
  /** A post-processor in place of tokenizer.json's (both have TemplateProcessing "<s> $A"). */
  postProcessor?: Record<string, unknown>;
  /** config.json's token ids, as written. */
  config: { bos_token_id: number | null; eos_token_id: number | number[] | null; pad_token_id: number | null };
  /** What convert_hf_to_gguf.py writes (kinds it leaves out are absent). */
  convert: Partial<Record<Kind, number>>;
  /**
   * What our GGUF has: convert's ids, the tokenizer's own where convert gives none (special-ids.ts), stop ids beyond
   * the EOS as end-of-turn/end-of-message (config.json's eos_token_id here).
   */
  gguf: Partial<Record<Kind, number>>;
}

const MISTRAL_CONFIG = { bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: null };
const CONFIG = { bos_token_id: 1, eos_token_id: 2, pad_token_id: null };
const withEos = (last: string): Record<string, unknown> => ({
  type: 'TemplateProcessing',
  single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: last, type_id: 0 } }],
  pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: last, type_id: 0 } }],
  special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] }, [last]: { id: last, ids: [last === '</s>' ? 2 : 4], tokens: [last] } },
});

export const SPECIAL_ID_CASES: SpecialIdCase[] = [
  { name: 'mistral-7b', tokenizer: 'spm', tokenizerConfig: MISTRAL_CONFIG, config: CONFIG, convert: { bos: 1, eos: 2, unk: 0 }, gguf: { bos: 1, eos: 2, unk: 0 } },
  // a list in config.json names no single EOS: the tokenizer_config.json's stands
  { name: 'eos-list', tokenizer: 'tekken', tokenizerConfig: MISTRAL_CONFIG, config: { ...CONFIG, eos_token_id: [2, 4] }, convert: { bos: 1, eos: 2, unk: 0 }, gguf: { bos: 1, eos: 2, unk: 0, eot: 4 } },
  // an instruct model whose tokenizer_config.json ends turns with [/INST]: it wins over config.json's 2
  { name: 'eos-inst', tokenizer: 'tekken', tokenizerConfig: { ...MISTRAL_CONFIG, eos_token: '[/INST]' }, config: CONFIG, convert: { bos: 1, eos: 4, unk: 0 }, gguf: { bos: 1, eos: 4, unk: 0, eot: 2 } },
  // an AddedToken object is read by its content
  { name: 'eos-object', tokenizer: 'spm', tokenizerConfig: { ...MISTRAL_CONFIG, eos_token: { content: '</s>', lstrip: false, rstrip: false, normalized: false, single_word: false, special: true } }, config: { ...CONFIG, eos_token_id: 5 }, convert: { bos: 1, eos: 2, unk: 0 }, gguf: { bos: 1, eos: 2, unk: 0, eot: 5 } },
  // Tekken: the pad token of tokenizer_config.json over config.json's pad_token_id; without one, config.json's
  { name: 'tekken-pad', tokenizer: 'tekken', tokenizerConfig: { ...MISTRAL_CONFIG, pad_token: '<pad>' }, config: { ...CONFIG, pad_token_id: 11 }, convert: { bos: 1, eos: 2, unk: 0, pad: 10 }, gguf: { bos: 1, eos: 2, unk: 0, pad: 10 } },
  { name: 'tekken-pad-config', tokenizer: 'tekken', tokenizerConfig: MISTRAL_CONFIG, config: { ...CONFIG, pad_token_id: 11 }, convert: { bos: 1, eos: 2, unk: 0, pad: 11 }, gguf: { bos: 1, eos: 2, unk: 0, pad: 11 } },
  // a token only in the base vocabulary (not an added token) is not looked up: config.json's id
  { name: 'pad-not-added', tokenizer: 'spm', tokenizerConfig: { ...MISTRAL_CONFIG, pad_token: '▁the' }, config: { ...CONFIG, pad_token_id: 0 }, convert: { bos: 1, eos: 2, unk: 0, pad: 0 }, gguf: { bos: 1, eos: 2, unk: 0, pad: 0 } },
  // no bos_token: the post-processor's leading <s> (before config.json's bos_token_id 3)
  { name: 'bos-from-post-processor', tokenizer: 'tekken', tokenizerConfig: { ...MISTRAL_CONFIG, bos_token: null }, config: { ...CONFIG, bos_token_id: 3 }, convert: { bos: 1, eos: 2, unk: 0 }, gguf: { bos: 1, eos: 2, unk: 0 } },
  // cls_token stands in for a missing bos_token (and then the post-processor's <s> is not taken)
  { name: 'bos-from-cls', tokenizer: 'tekken', tokenizerConfig: { eos_token: '</s>', cls_token: '[INST]' }, config: CONFIG, convert: { bos: 3, eos: 2 }, gguf: { bos: 3, eos: 2, unk: 0 } },
  // a post-processor that appends </s> to a tokenizer whose eos_token is [/INST]: </s> is the EOS, [/INST] the end of turn
  { name: 'eos-from-post-processor', tokenizer: 'tekken', tokenizerConfig: { ...MISTRAL_CONFIG, eos_token: '[/INST]' }, postProcessor: withEos('</s>'), config: CONFIG, convert: { bos: 1, eos: 2, unk: 0, eot: 4 }, gguf: { bos: 1, eos: 2, unk: 0, eot: 4 } },
  // no tokenizer_config.json: config.json's ids only
  { name: 'no-tokenizer-config', tokenizer: 'tekken', tokenizerConfig: null, config: { bos_token_id: 1, eos_token_id: 2, pad_token_id: 10 }, convert: { bos: 1, eos: 2, pad: 10 }, gguf: { bos: 1, eos: 2, unk: 0, pad: 10 } },
  // a list of one is a list too: no EOS from config.json, none from the tokenizer (the GGUF's: the first stop id)
  { name: 'eos-list-of-one', tokenizer: 'tekken', tokenizerConfig: { bos_token: '<s>' }, config: { ...CONFIG, eos_token_id: [4] }, convert: { bos: 1 }, gguf: { bos: 1, eos: 4, unk: 0 } },
  // config.json alone names the EOS, as an integer (taken), a list of one or of several (not: the GGUF's is then the
  // tokenizer's own </s>, the listed 4 its end of turn)
  { name: 'eos-int-config-only', tokenizer: 'tekken', tokenizerConfig: null, config: { ...CONFIG, eos_token_id: 4 }, convert: { bos: 1, eos: 4 }, gguf: { bos: 1, eos: 4, unk: 0 } },
  { name: 'eos-list-of-one-config-only', tokenizer: 'tekken', tokenizerConfig: null, config: { ...CONFIG, eos_token_id: [4] }, convert: { bos: 1 }, gguf: { bos: 1, eos: 2, unk: 0, eot: 4 } },
  { name: 'eos-list-config-only', tokenizer: 'tekken', tokenizerConfig: null, config: { ...CONFIG, eos_token_id: [4, 2] }, convert: { bos: 1 }, gguf: { bos: 1, eos: 2, unk: 0, eot: 4 } },
  // nor a list when the tokenizer names no EOS: the first stop id is ours, the next the end of turn
  { name: 'eos-list-no-tokenizer-eos', tokenizer: 'tekken', tokenizerConfig: { bos_token: '<s>' }, config: { ...CONFIG, eos_token_id: [2, 4] }, convert: { bos: 1 }, gguf: { bos: 1, eos: 2, unk: 0, eot: 4 } },
  // the first stop id that names a token: one past vocab_size (32000 here; transformers loads it) is skipped, as a
  // negative one, not left to make the GGUF EOS-less (llama.cpp's default EOS, 11 for "gpt2", would stop generation)
  { name: 'eos-list-past-vocab-no-tokenizer-eos', tokenizer: 'tekken', tokenizerConfig: { bos_token: '<s>' }, config: { ...CONFIG, eos_token_id: [32005, 4] }, convert: { bos: 1 }, gguf: { bos: 1, eos: 4, unk: 0 } },
];

/** Writes `c`'s folder under `root` (tokenizer.json, tokenizer_config.json unless null, config.json) and returns it. */
export function writeCaseFolder(c: SpecialIdCase, root: string): string {
  const dir = path.join(root, c.name);
  fs.mkdirSync(dir, { recursive: true });
  const source = c.tokenizer === 'spm' ? BUNDLED_TOKENIZER_DIR : path.join(FIXTURES, 'tekken-tiny');
  const json = JSON.parse(fs.readFileSync(path.join(source, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
  if (c.postProcessor) json['post_processor'] = c.postProcessor;
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  if (c.tokenizerConfig !== null) fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(c.tokenizerConfig));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'mistral', ...c.config }));
  return dir;
}
