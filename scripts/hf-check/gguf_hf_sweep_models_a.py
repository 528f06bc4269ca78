# Random Mistral models (and PEFT adapters) saved by transformers 5.17 / PEFT 0.21 for scripts/hf-check/gguf-hf-sweep.ts, with
# transformers' own next-token logits (and tokenizations) in DIR/ref.json. Not part of the product. Batch a of three
# (a: shapes, GQA/MHA, f16/bf16/sharded sources, rope types, windows, adapters; b: the full 32000-token tokenizer with
# added tokens and a chat template; c: rows that fit no block, 8 layers of rows of 256, a BF16 adapter).
#   HF_HUB_OFFLINE=1 python scripts/hf-check/gguf_hf_sweep_models_a.py DIR
import json, sys, torch
from gguf_hf_sweep_small import PROMPTS, adapter, save_models
D = sys.argv[1]
V = {
 'mha_hd24': dict(num_key_value_heads=4, head_dim=24),
 'mqa8_f16_tied': dict(num_attention_heads=8, num_key_value_heads=1, head_dim=8, tie_word_embeddings=True, dtype=torch.float16),
 'bf16_shard_theta1e6': dict(rope_theta=1e6, rms_norm_eps=1e-6, sliding_window=4096, dtype=torch.bfloat16, shard='30KB'),
 'yarn_mscale': dict(head_dim=32, rope_parameters=dict(rope_type='yarn', rope_theta=10000.0, factor=8.0, original_max_position_embeddings=64, mscale=0.7, mscale_all_dim=1.0)),
 'yarn_attn_orig': dict(head_dim=32, rope_parameters=dict(rope_type='yarn', rope_theta=500.0, factor=2.0, original_max_position_embeddings=32, attention_factor=1.3)),
 'llama3_theta': dict(rope_parameters=dict(rope_type='llama3', rope_theta=50000.0, factor=4.0, low_freq_factor=2.0, high_freq_factor=8.0, original_max_position_embeddings=16)),
 'linear_theta': dict(rope_parameters=dict(rope_type='linear', rope_theta=1e6, factor=3.0)),
 'window16': dict(sliding_window=16),
 'layer_types': dict(sliding_window=16, layer_types=['sliding_attention', 'full_attention']),
 'one_layer_3kv': dict(num_hidden_layers=1, num_attention_heads=6, num_key_value_heads=3, head_dim=16),
 'added_tokens': dict(vocab_size=520, tok=dict(added=[('<|im_start|>', True), ('<|im_end|>', True), ('zqxbox', False)], template="{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}")),
}
out = {}
save_models(D, V, out)
adapter(D, out, 'mha_hd24', 'r1_qv', r=1, lora_alpha=3, target_modules=['q_proj', 'v_proj'])
adapter(D, out, 'mqa8_f16_tied', 'rs_all', r=4, lora_alpha=16, use_rslora=True, target_modules='all-linear')
adapter(D, out, 'bf16_shard_theta1e6', 'layer1_kod', r=2, lora_alpha=5, target_modules=['k_proj', 'o_proj', 'down_proj'], layers_to_transform=[1])
adapter(D, out, 'one_layer_3kv', 'pattern', r=2, lora_alpha=4, target_modules=['q_proj', 'k_proj', 'gate_proj'], rank_pattern={'k_proj': 3}, alpha_pattern={'gate_proj': 1})
adapter(D, out, 'mha_hd24', 'dora', r=2, lora_alpha=4, use_dora=True, target_modules=['q_proj', 'v_proj'])
adapter(D, out, 'yarn_mscale', 'r2', r=2, lora_alpha=2, target_modules=['q_proj', 'k_proj'])
json.dump(dict(prompts=PROMPTS, ref=out), open(f'{D}/ref.json', 'w'))
