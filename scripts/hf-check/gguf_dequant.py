# A GGUF model file of ours read back by llama.cpp's own gguf-py (GGUFReader, quants.dequantize) into an HF model folder:
# every tensor dequantised to float32, Q/K rows un-permuted (the inverse of LlamaModel.permute), the rest of MODEL_DIR
# (config.json, tokenizer) copied. Our forward on OUT_DIR against llama.cpp's on the file then leaves only what
# llama.cpp computes otherwise (its activation quantisation), not the weights' quantisation: a check of a quantised
# file as tight as f32's is of an f32 one. Used by gguf-config-sweep.ts (LLAMA=...). Not part of the product. LLAMA is a
# llama.cpp tree (git clone node_modules/node-llama-cpp/llama/gitRelease.bundle); needs numpy and safetensors:
#   python3 scripts/hf-check/gguf_dequant.py LLAMA FILE.gguf MODEL_DIR OUT_DIR
import json, os, shutil, sys

sys.path.insert(0, os.path.join(sys.argv[1], 'gguf-py'))
import numpy as np  # noqa: E402
from gguf import GGUFReader  # noqa: E402
from gguf.quants import dequantize  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

file, model_dir, out_dir = sys.argv[2:5]
cfg = json.load(open(os.path.join(model_dir, 'config.json')))
heads = {'attn_q': cfg['num_attention_heads'], 'attn_k': cfg.get('num_key_value_heads') or cfg['num_attention_heads']}
shutil.copytree(model_dir, out_dir, ignore=shutil.ignore_patterns('model*.safetensors', 'model.safetensors.index.json'))
TOP = {'token_embd': 'model.embed_tokens', 'output_norm': 'model.norm', 'output': 'lm_head'}
LAYER = {'attn_q': 'self_attn.q_proj', 'attn_k': 'self_attn.k_proj', 'attn_v': 'self_attn.v_proj', 'attn_output': 'self_attn.o_proj',
         'ffn_gate': 'mlp.gate_proj', 'ffn_up': 'mlp.up_proj', 'ffn_down': 'mlp.down_proj',
         'attn_norm': 'input_layernorm', 'ffn_norm': 'post_attention_layernorm'}


def unpermute(w, n):
    return w.reshape(n, w.shape[0] // n // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


tensors = {}
for t in GGUFReader(file).tensors:
    if t.name == 'rope_freqs.weight':  # the rope, which config.json says
        continue
    w = dequantize(t.data, t.tensor_type).astype(np.float32).reshape([int(n) for n in reversed(t.shape)])
    base = t.name.removesuffix('.weight')
    if base.startswith('blk.'):
        _, layer, kind = base.split('.')
        if kind in heads:
            w = unpermute(w, heads[kind])
        tensors[f'model.layers.{layer}.{LAYER[kind]}.weight'] = np.ascontiguousarray(w)
    else:
        tensors[f'{TOP[base]}.weight'] = np.ascontiguousarray(w)
save_file(tensors, os.path.join(out_dir, 'model.safetensors'), metadata={'format': 'pt'})
