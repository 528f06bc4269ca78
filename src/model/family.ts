// The transformers model class a base is: a Mistral, Ministral or Llama config.json (model_type) loads into its own
// class (MistralForCausalLM, LlamaForCausalLM, MinistralForSequenceClassification…), though all three are computed here
// as one architecture. An export writes that class (save.ts); a message names it as transformers would load the folder.
import { folderConfigValue } from '../util/config-json.ts';

export type Family = 'Mistral' | 'Ministral' | 'Llama';

/** The class family a config.json's model_type names ("llama": Llama, "ministral": Ministral; else Mistral). */
export function familyOfType(modelType: unknown): Family {
  return modelType === 'ministral' ? 'Ministral' : modelType === 'llama' ? 'Llama' : 'Mistral';
}

/**
 * The class family of the model folder `dir` by its config.json's model_type; Mistral where it has none, or one that
 * does not parse (for a message, the config read before with its errors said there; for train's early refusal of
 * lora.init_from without target_modules on a Ministral base, which loadAdapter makes again on the parsed config).
 */
export function familyOfFolder(dir: string): Family {
  try {
    return familyOfType(folderConfigValue(dir, 'model_type'));
  } catch {
    return 'Mistral';
  }
}
