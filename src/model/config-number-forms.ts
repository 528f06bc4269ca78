// config.json's numbers in the kind transformers 5.17 types them. MistralConfig is a strict dataclass: an integer key
// written as a float (16.0, 1.6E1, which Python's json reads as a float) or a float key written as an integer (1, an
// int) is refused (StrictDataclassFieldValidationError; num_labels 2.0 fails in range()), where JSON.parse reads 16.0
// as 16 and every number alike. The spelling is read from the text (parseJsonNotingNumbers). attention_dropout
// (float | int) and the numbers of rope_parameters (a dict to the validator) take either kind; MistralConfig keeps
// them as written (rope_theta 10000 stays an int), which computes the same. Reference:
// test/fixtures/hf-number-forms/forms.json (its make_number_forms.py: transformers 5.17, torch 2.13 CPU).
import { numberSpelling } from '../data/ingest/number-spellings.ts';
import { spelledFromText } from '../util/config-json.ts';
import { unreadIntKeys } from './config-unread-keys.ts';
import { boundedJsonText } from '../util/bounded-json.ts';

/** MistralConfig's int fields (and PreTrainedConfig's num_labels) that config.json gives as numbers. */
const INT_KEYS = [
  'vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'head_dim',
  'max_position_embeddings', 'sliding_window', 'num_labels', 'bos_token_id', 'pad_token_id', 'eos_token_id',
];
/** MistralConfig's float fields that refuse an int (attention_dropout is float | int). */
const FLOAT_KEYS = ['rms_norm_eps', 'initializer_range'];

/**
 * Why `holder[key]`, an integer to JSON.parse, is refused by transformers as a float (its text has a fraction or an
 * exponent, as Python's json reads a float): `16.0 is a float, which transformers refuses here: write 16`; else
 * undefined (also for an object made in code, or read without readConfigJson).
 */
function floatRefused(holder: object, key: string | number): string | undefined {
  const spelled = numberSpelling(holder, key);
  const v = (holder as Record<string | number, unknown>)[key];
  if (spelled === undefined || !/[.eE]/.test(spelled) || typeof v !== 'number' || !Number.isInteger(v)) return undefined;
  return `${spelled} is a float, which transformers refuses here: write ${BigInt(v)}`;
}

/** Why `c[key]`, a number read by readConfigJson, is refused by transformers as an int (spelled without "." or an exponent). */
function intRefused(c: Record<string, unknown>, key: string): string | undefined {
  const v = c[key];
  if (!spelledFromText(c) || typeof v !== 'number' || !Number.isInteger(v)) return undefined;
  const spelled = numberSpelling(c, key) ?? String(v); // noted where String() writes it otherwise (10^21 as 1e+21)
  return /[.eE]/.test(spelled) ? undefined : `${spelled} is an integer, which transformers refuses here: write ${spelled}.0`;
}

/**
 * The first key of config.json `c` (as read: a "llama" one before llamaAsMistral's copy, whose numbers' spellings are
 * not noted) whose number transformers refuses for its kind, with why (`item I: ` for a list's item: eos_token_id
 * [4, 2.0]; `"NAME": ` for one of label2id's ids); undefined when none is. Values are checked for what they are before this. LlamaConfig has no
 * sliding_window (it keeps 4.0 as given, and nothing reads it), and has pretraining_tp.
 */
export function numberKindRefused(c: Record<string, unknown>, modelType: string): { key: string; why: string } | undefined {
  const intKeys = [...INT_KEYS, ...unreadIntKeys(modelType)].filter((k) => modelType !== 'llama' || k !== 'sliding_window');
  for (const key of intKeys) {
    const v = c[key];
    const why = Array.isArray(v) ? v.map((_, i) => floatRefused(v, i)).map((w, i) => w && `item ${i}: ${w}`).find(Boolean) : floatRefused(c, key);
    if (why !== undefined) return { key, why };
  }
  // label2id's ids (dict[str, int]: {"a": 2.0} is refused, where JSON.parse reads 2)
  const ids = c.label2id;
  if (typeof ids === 'object' && ids !== null && !Array.isArray(ids)) {
    const why = Object.keys(ids).map((k) => { const w = floatRefused(ids, k); return w && `${JSON.stringify(k)}: ${w}`; }).find(Boolean);
    if (why !== undefined) return { key: 'label2id', why };
  }
  for (const key of FLOAT_KEYS) {
    const why = intRefused(c, key);
    if (why !== undefined) return { key, why };
  }
  return undefined;
}

/**
 * How an error quotes `c[key]` (boundedJsonText), but an infinite number of a config readConfigJson read as the file
 * spells it: Infinity or -Infinity where it wrote Python's json word (nothing is noted for it: String() spells it so),
 * the number past float64's range where it wrote one (1e400, noted), not "a number past float64's range" for both.
 */
export function configValueText(c: Record<string, unknown>, key: string): string {
  const v = c[key];
  if (typeof v !== 'number' || Number.isFinite(v) || Number.isNaN(v) || !spelledFromText(c)) return boundedJsonText(v);
  const spelled = numberSpelling(c, key);
  return spelled === undefined ? String(v) : `${spelled} (past float64's range: read as ${v})`;
}
