# Saves random-weight Mistral models of varied configs with HF transformers' own save_pretrained, for
# scripts/hf-check/export-matrix.ts to train and export with our CLI and check_export_matrix.py to load back, and
# for full_parity.py (full fine-tuning against HF's Trainer).
# Not part of the product. Usage: python3 scripts/hf-check/make_bases.py DIR
import os, sys, torch
from transformers import MistralConfig, MistralForCausalLM

d = sys.argv[1]
common = dict(vocab_size=512, hidden_size=64, intermediate_size=96, num_hidden_layers=2, max_position_embeddings=256,
              bos_token_id=1, eos_token_id=2, initializer_range=0.1)
variants = {
    # Nemo's form: head_dim apart from hidden/heads, GQA 4/1, tied embeddings, bf16 file, several shards
    'tied-headdim-bf16': dict(num_attention_heads=4, num_key_value_heads=1, head_dim=32, tie_word_embeddings=True,
                              rope_theta=1e6, rms_norm_eps=1e-6, sliding_window=None, dtype=torch.bfloat16, shard='60KB'),
    # v0.1's form with a window shorter than the sequences, GQA 4/2, f16 file
    'window-f16': dict(num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=False, rope_theta=10000.0,
                       rms_norm_eps=1e-5, sliding_window=6, dtype=torch.float16, shard='10GB'),
    # no GQA, f32, head_dim 8, one shard, a pad token (HF's embedding gives its row no gradient)
    'mha-f32': dict(num_attention_heads=8, num_key_value_heads=8, tie_word_embeddings=False, rope_theta=500000.0, pad_token_id=0,
                    rms_norm_eps=1e-5, sliding_window=4096, dtype=torch.float32, shard='10GB'),
}
for name, v in variants.items():
    v = {'pad_token_id': None, **v}
    dtype, shard = v.pop('dtype'), v.pop('shard')
    torch.manual_seed(len(name))
    model = MistralForCausalLM(MistralConfig(**common, **v))
    # norms away from 1 so that a norm weight read wrongly shows
    with torch.no_grad():
        for n, p in model.named_parameters():
            if 'norm' in n:
                p.uniform_(0.5, 1.5)
    model.to(dtype).save_pretrained(f'{d}/{name}', max_shard_size=shard)
    print(name, sorted(os.listdir(f'{d}/{name}')))
