// config.json of model_type "llama" (LlamaForCausalLM: TinyLlama, Llama 2 and 3, and the folders made like them), read as
// the Mistral config that computes the same: transformers 5.17's Llama is its Mistral without the sliding window (its
// attention, MLP, RMSNorm, rotary embedding and weight names are the same code), with LlamaConfig's own defaults and
// checks, and biases where attention_bias or mlp_bias says so (refused: the Mistral we compute has none).
import { boundedJsonText } from '../util/bounded-json.ts';
import { checkLlamaLayerTypes } from './layer-types.ts';

type Json = Record<string, unknown>;
type Err = (key: string, msg: string) => never;

/**
 * A "llama" config.json `c` as the "mistral" one transformers computes the same model from: LlamaConfig's defaults
 * filled in where they are not MistralConfig's (intermediate_size 11008, max_position_embeddings 2048,
 * num_key_value_heads absent or null: num_attention_heads), no sliding window (Llama has none, whatever
 * sliding_window says) and no layer_types (Llama reads none; checked as transformers checks it). Refused where transformers fails (head_dim 0, a
 * hidden_size num_attention_heads does not divide: LlamaConfig's validate_architecture) or computes what we do not
 * (attention_bias, mlp_bias true).
 */
export function llamaAsMistral(c: Json, err: Err): Json {
  for (const key of ['attention_bias', 'mlp_bias']) {
    const v = c[key];
    if (v === undefined || v === false) continue;
    if (v !== true) err(key, `must be true or false, got ${boundedJsonText(v)}`);
    err(key, `true is not supported: Llama's ${key === 'mlp_bias' ? 'MLP projections' : 'attention projections'} then have biases, which the Mistral architecture computed here has not`);
  }
  // absent: LlamaConfig's defaults; null is refused by parseConfig as a size (LlamaConfig's strict int), not read as them
  const hidden = c.hidden_size === undefined ? 4096 : c.hidden_size, heads = c.num_attention_heads === undefined ? 32 : c.num_attention_heads;
  if (c.head_dim === 0) err('head_dim', '0 is not supported: transformers\' Llama reads it as given (not as hidden_size // num_attention_heads) and fails; give the head size, or null');
  if (typeof hidden === 'number' && typeof heads === 'number' && heads > 0 && hidden % heads !== 0) {
    err('hidden_size', `${hidden} is not a multiple of num_attention_heads ${heads}, which transformers' LlamaConfig refuses (validate_architecture)`);
  }
  checkLlamaLayerTypes(c, c.num_hidden_layers === undefined ? 32 : c.num_hidden_layers, err);
  const { sliding_window: _window, layer_types: _types, ...rest } = c;
  return {
    ...rest,
    intermediate_size: c.intermediate_size === undefined ? 11008 : c.intermediate_size,
    max_position_embeddings: c.max_position_embeddings === undefined ? 2048 : c.max_position_embeddings,
    num_key_value_heads: c.num_key_value_heads ?? heads,
    sliding_window: null,
  };
}
