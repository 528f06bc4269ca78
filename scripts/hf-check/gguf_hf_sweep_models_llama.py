# Random Llama models (model_type "llama", LlamaForCausalLM) and PEFT adapters saved by transformers 5.17 / PEFT 0.21 for
# scripts/hf-check/gguf-hf-sweep.ts, with transformers' own next-token logits in DIR/ref.json: Llama 3's rope in
# transformers 4's form (rope_scaling llama3 with a factor, top-level θ), Llama 3.2's tied embeddings, TinyLlama's GQA,
# a head_dim apart from hidden / heads, an RMSNorm ε that matters, a bf16 source. Not part of the product.
#   HF_HUB_OFFLINE=1 python scripts/hf-check/gguf_hf_sweep_models_llama.py DIR
import json, sys
import torch
from gguf_hf_sweep_small import PROMPTS, adapter, save_models
D = sys.argv[1]
LLAMA3 = {'rope_type': 'llama3', 'factor': 32.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, 'original_max_position_embeddings': 8, 'rope_theta': 500000.0}
V = {
 'llama3_tied': dict(model_type='llama', tie_word_embeddings=True, rope_parameters=LLAMA3, num_key_value_heads=1),
 'llama_hd24_eps': dict(model_type='llama', head_dim=24, rms_norm_eps=0.05, num_key_value_heads=4, dtype=torch.bfloat16),
}
out = {}
save_models(D, V, out)
adapter(D, out, 'llama3_tied', 'all', r=4, lora_alpha=8, target_modules='all-linear')
adapter(D, out, 'llama_hd24_eps', 'qv', r=2, lora_alpha=4, target_modules=['q_proj', 'v_proj'])
json.dump(dict(prompts=PROMPTS, ref=out), open(f'{D}/ref.json', 'w'))
