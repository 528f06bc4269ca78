// The keys of an HF config.json that transformers 5.17 validates and that nothing here computes from: PreTrainedConfig's
// fields (use_cache, output_hidden_states, …) and LlamaConfig's pretraining_tp. transformers refuses a value of another
// type as it loads the config (StrictDataclassFieldValidationError), so a model folder it cannot load is refused here
// too, by the key, rather than trained and exported as one it cannot read. Any value it takes is taken.
// Reference: test/fixtures/hf-config-types/types.json (its make_config_types.py: transformers 5.17, torch 2.13 CPU).
import { boundedJsonText } from '../util/bounded-json.ts';

type Json = Record<string, unknown>;

const isBool = (v: unknown): boolean => typeof v === 'boolean';
const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
/** dict[str, int] | dict[str, str]: every value an integer, or every value a string. */
const isLabel2Id = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) &&
  [isInt, (x: unknown) => typeof x === 'string'].some((is) => Object.values(v).every(is));

interface Rule { takes: (v: unknown) => boolean; nullable: boolean; what: string; only?: 'llama' }

const RULES: Record<string, Rule> = {
  use_cache: { takes: isBool, nullable: false, what: 'true or false' },
  is_encoder_decoder: { takes: isBool, nullable: false, what: 'true or false' },
  output_hidden_states: { takes: isBool, nullable: true, what: 'true, false or null' },
  return_dict: { takes: isBool, nullable: true, what: 'true, false or null' },
  transformers_version: { takes: (v) => typeof v === 'string', nullable: true, what: 'a string or null' },
  chunk_size_feed_forward: { takes: isInt, nullable: false, what: 'an integer' },
  label2id: { takes: isLabel2Id, nullable: true, what: 'an object of class names to ids (all integers or all strings) or null' },
  pretraining_tp: { takes: isInt, nullable: true, what: 'an integer or null', only: 'llama' },
};

/**
 * The first such key of config.json `c` (of `modelType`) whose value transformers 5.17 refuses, with why (the value cut:
 * a label2id of 10^6 classes was echoed whole, 20 MB on one line); undefined when none is.
 */
export function unreadKeyRefused(c: Json, modelType: string): { key: string; why: string } | undefined {
  for (const [key, rule] of Object.entries(RULES)) {
    const v = c[key];
    if (v === undefined || (rule.only !== undefined && rule.only !== modelType)) continue;
    if ((v === null && rule.nullable) || (v !== null && rule.takes(v))) continue;
    return { key, why: `must be ${rule.what}, got ${boundedJsonText(v)}, which transformers 5.17 refuses as it loads the config: correct it, or remove the key (transformers' default then applies; nothing here reads it)` };
  }
  return undefined;
}

/** The keys of RULES that are integers (for config-number-forms: 2.0 is a float to transformers), for a config of `modelType`. */
export function unreadIntKeys(modelType: string): string[] {
  return Object.entries(RULES).filter(([, r]) => r.takes === isInt && (r.only === undefined || r.only === modelType)).map(([k]) => k);
}
