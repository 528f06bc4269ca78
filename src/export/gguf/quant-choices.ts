// The GGUF --quant choices (f32 … q4_k_s), the rule of each, and the check of a choice: a module of its own, which
// imports nothing heavy, so that export's flags (src/cli/export-flags.ts) refuse a bad --quant before the export's
// thread and its library (the model, the backend, the GGUF writer) load; the GGUF writer's tensor types
// (tensors.ts) and metadata read the rules from here.
import { libraryWords, type OptionWords } from '../../util/option-words.ts';
import { UserError } from '../../util/errors.ts';
import { GGML_TYPES, type GgmlType } from './quant/ggml-types.ts';

/** How a matrix's type is chosen for layer i of n, or null for the mix's base type. */
type LayerRule = (i: number, n: number) => GgmlType | null;

/** llama_tensor_get_type's use_more_bits: the first and last eighth of the layers and every third between. */
function useMoreBits(i: number, n: number): boolean {
  return i < Math.trunc(n / 8) || i >= Math.trunc((7 * n) / 8) || (i - Math.trunc(n / 8)) % 3 === 2;
}
const q6kWhereMoreBits: LayerRule = (i, n) => (useMoreBits(i, n) ? 'Q6_K' : null);

export interface QuantRule {
  /** llama_ftype (general.file_type). */
  fileType: number;
  /** The type of every matrix (convert_hf_to_gguf.py's --outtype), or llama-quantize's default_type of a K mix. */
  base: GgmlType;
  /**
   * A llama-quantize K mix (llama_tensor_get_type_impl for the llama architecture, no experts, no imatrix): the
   * output matrix (the token embedding when tied) Q6_K, Q8_0 where its rows do not fit `base`'s block; attn_v and
   * ffn_down of layer i by these rules; attn_v that is then Q4_K in a 70B-type model Q5_K; everything else `base`.
   */
  mix?: { attnV?: LayerRule; ffnDown?: LayerRule };
}

/**
 * The --quant choices, one rule each: f32/f16/bf16/q8_0 as llama.cpp's converter writes them, the K mixes as
 * llama-quantize's LLAMA_FTYPE_MOSTLY_* of the same name (src/llama-quant.cpp). Order: largest file first.
 */
export const QUANT_RULES = {
  f32: { fileType: 0, base: 'F32' },
  f16: { fileType: 1, base: 'F16' },
  bf16: { fileType: 32, base: 'BF16' },
  q8_0: { fileType: 7, base: 'Q8_0' },
  q6_k: { fileType: 18, base: 'Q6_K', mix: {} },
  q5_k_m: { fileType: 17, base: 'Q5_K', mix: { attnV: q6kWhereMoreBits, ffnDown: q6kWhereMoreBits } },
  q5_k_s: { fileType: 16, base: 'Q5_K', mix: {} },
  q4_k_m: { fileType: 15, base: 'Q4_K', mix: { attnV: q6kWhereMoreBits, ffnDown: q6kWhereMoreBits } },
  // llama.cpp counts attn_v tensors (i_attention_wv), one per layer here: the first four are Q5_K
  q4_k_s: { fileType: 14, base: 'Q4_K', mix: { attnV: (i) => (i < 4 ? 'Q5_K' : null), ffnDown: (i, n) => (i < Math.trunc(n / 8) ? 'Q5_K' : null) } },
} as const satisfies Record<string, QuantRule>;

export type GgufQuant = keyof typeof QUANT_RULES;
export const GGUF_QUANTS = Object.keys(QUANT_RULES) as readonly GgufQuant[];

/**
 * llama_ftype of each choice (general.file_type): the type asked for even where tensors fell back to another, as
 * llama.cpp's converter and llama-quantize write it (its loader shows this key, not the tensors' majority).
 */
export function fileType(quant: GgufQuant): number {
  return QUANT_RULES[quant].fileType;
}

/** Whether a choice asks for block-quantised matrices (q8_0 and the K mixes), which rows too narrow leave F16. */
export function isBlockQuant(quant: GgufQuant): boolean {
  return GGML_TYPES[QUANT_RULES[quant].base].blockSize > 1;
}

/**
 * The words of a GGUF export's errors where its caller gives none: the library's (exportGgufFile, options.quant), as
 * every export function's default; the CLI passes FLAG_WORDS (--quant).
 */
export const GGUF_WORDS = libraryWords('exportGgufFile');

/** The --quant types an adapter file (--format gguf-lora) takes: its B factors are r columns wide, too narrow for a quantised block. */
export const ADAPTER_QUANTS: readonly GgufQuant[] = ['f32', 'f16', 'bf16'];
/** Why another is refused for an adapter file, and what to do instead. */
export const ADAPTER_QUANTS_SAID = 'an adapter file is written as f32, f16 or bf16 (its B factors are r columns wide); quantise the base model instead';

/** llama-quantize's short names of its K mixes (its Q4_K is Q4_K_M, Q5_K is Q5_K_M); a Map: --quant constructor is no alias. */
const LLAMA_QUANTIZE_ALIASES: ReadonlyMap<string, GgufQuant> = new Map([['q4_k', 'q4_k_m'], ['q5_k', 'q5_k_m']]);

/**
 * A quant (--quant, or exportGgufFile's options.quant: `words`), or a UserError listing the choices, naming ours for
 * llama-quantize's spelling of one (Q4_K_M, Q4_K); no near name otherwise (q4_0 is one edit from q8_0, another type).
 */
export function parseGgufQuant(value: string | undefined, words: OptionWords = GGUF_WORDS, format: 'gguf' | 'gguf-lora' = 'gguf'): GgufQuant {
  if (value === undefined) return 'f16';
  if ((GGUF_QUANTS as readonly string[]).includes(value)) return value as GgufQuant;
  const lower = value.toLowerCase(), alias = LLAMA_QUANTIZE_ALIASES.get(lower);
  const meant = (GGUF_QUANTS as readonly string[]).includes(lower) ? lower as GgufQuant : alias;
  // an adapter file is never quantised: Q8_0 for one is pointed at its types, not at q8_0, which would be refused next
  const hint = meant === undefined ? ''
    : format === 'gguf-lora' && !ADAPTER_QUANTS.includes(meant) ? `: ${ADAPTER_QUANTS_SAID}`
      : meant === lower ? `: did you mean ${lower}?`
        : `: did you mean ${meant}? (llama-quantize's ${lower.toUpperCase()} is its ${meant.toUpperCase()})`;
  throw new UserError(`${words.say('quant')}: "${value}" is not one of ${GGUF_QUANTS.join(', ')}${hint}`, words.where);
}
