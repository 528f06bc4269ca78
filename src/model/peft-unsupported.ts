// The adapter_config.json keys of a PEFT 0.21 LoRA adapter that make PEFT compute something other than
// y = W·x + scaling·B·A·x on the base as saved (or DoRA's rescaling of it, model/dora.ts), and which we therefore refuse,
// naming the key: other LoRA variants (PEFT turns one on when its key is truthy in Python's sense), layer replication, trainable tokens, LoRA on parameters, and
// initialisations that PEFT re-runs when it loads the adapter and that rewrite the base weights
// (PiSSA, OLoRA, CorDA, LoftQ, LoRA-GA: PEFT loads them onto W − s·B₀A₀, not W). Measured against PEFT by
// scripts/hf-check/adapter_fuzz.py: each of these, loaded as plain LoRA, gives other logits than PEFT's. (Per-module
// ranks and alphas are read: peft-patterns.ts.)
import { boundedJsonText } from '../util/bounded-json.ts';

/** Python's truthiness of a JSON value: how PEFT decides that a variant's key turns it on. */
function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Keys that change the computation whenever truthy, with what they are. */
const UNSUPPORTED: ReadonlyArray<readonly [key: string, what: string]> = [
  ['alora_invocation_tokens', 'aLoRA adapters (applied only from the invocation tokens on) are not supported'],
  ['velora_config', 'VeLoRA adapters are not supported'],
  ['monteclora_config', 'MonteCLoRA adapters are not supported'],
  ['use_bdlora', 'BD-LoRA (block-diagonal) adapters are not supported'],
  ['arrow_config', 'Arrow routing adapters are not supported'],
  ['kasa_config', 'KaSA adapters are not supported'],
  ['layer_replication', 'replicated layers (PEFT restacks the base model\'s layers) are not supported'],
  ['trainable_token_indices', 'trainable token embeddings are not supported'],
  ['target_parameters', 'LoRA on parameters (target_parameters) is not supported'],
];

/** init_lora_weights values PEFT re-runs on loading, rewriting the base weights (prefixes: pissa_niter_4 is PiSSA). */
const BASE_CHANGING_INITS = ['pissa', 'olora', 'corda', 'loftq', 'lora_ga'];

/** Throws through `err` (key, message) at the first key of `c` that makes PEFT compute what we do not. */
export function refuseUnsupportedKeys(c: Readonly<Record<string, unknown>>, err: (key: string, msg: string) => never): void {
  for (const [key, what] of UNSUPPORTED) {
    if (truthy(c[key])) err(key, `${boundedJsonText(c[key])}: ${what}`);
  }
  const init = c.init_lora_weights;
  if (typeof init === 'string') {
    const lower = init.toLowerCase();
    if (BASE_CHANGING_INITS.some((p) => lower.startsWith(p))) {
      err('init_lora_weights', `${boundedJsonText(init)} is not supported: PEFT re-runs this initialisation when it loads the adapter, which changes ` +
        'the base weights; save it converted to plain LoRA (save_pretrained with path_initial_model_for_weight_conversion) and load that');
    }
    if (lower === 'mica') err('init_lora_weights', '"mica": MiCA adapters are not supported');
  }
  // the values PEFT 0.21's LoraLayer.update_layer loads as plain LoRA: any falsy one (no init), true, "gaussian" in any
  // case, and "eva" and "orthogonal" as written; any other truthy one ("xavier", "Eva", 1) it refuses as it loads the
  // adapter ("Unknown initialization"), so it is refused here too, not read as a plain LoRA it may not be (a newer
  // PEFT's initialisation may rewrite the base weights as PiSSA's does)
  const plain = !truthy(init) || init === true || init === 'eva' || init === 'orthogonal' || (typeof init === 'string' && init.toLowerCase() === 'gaussian');
  if (!plain) err('init_lora_weights', `${boundedJsonText(init)} is not an initialisation PEFT 0.21 knows (true, false, "gaussian", "eva", "orthogonal", …): PEFT refuses it as it loads the adapter`);
}
