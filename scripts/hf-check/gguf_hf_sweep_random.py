# Random Mistral / Llama folders saved by transformers 5.17 for scripts/hf-check/gguf-hf-sweep.ts (DIR/ref.json: HF's
# next-token logits and tokenizations, as gguf_hf_sweep_small.py writes them) and export-matrix.ts, drawn from a seed:
# weight dtype, shards (and an index whose weight_map names a tensor no shard holds, or leaves one out), tied
# embeddings, head_dim apart from hidden / heads, GQA 1/2/4/8, sliding window none / short / ≥ the context, odd θ,
# rope scaling, a vocabulary of 512 to 523 rows over the 512-id tokenizer, keys other models write, config.json's
# `torch_dtype` (transformers 4) instead of `dtype`. Not part of the product.
#   HF_HUB_OFFLINE=1 python scripts/hf-check/gguf_hf_sweep_random.py DIR SEED N
import json, os, random, sys
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer
from gguf_hf_sweep_small import PROMPTS, common, cut_tok, random_model
D, rng, N = sys.argv[1], random.Random(int(sys.argv[2])), int(sys.argv[3])
DTYPES = {'f32': torch.float32, 'bf16': torch.bfloat16, 'f16': torch.float16}


def draw():
    heads = rng.choice([4, 8])
    kv = heads // rng.choice([r for r in (1, 2, 4, 8) if heads % r == 0])
    hd = rng.choice([None, None, 8, 24, 32])
    v = dict(num_attention_heads=heads, num_key_value_heads=kv, head_dim=hd or 64 // heads, hidden_size=64,
             vocab_size=rng.choice([512, 515, 517, 520, 523]), tie_word_embeddings=rng.random() < 0.4,
             rms_norm_eps=rng.choice([1e-5, 1e-6, 0.01]), max_position_embeddings=rng.choice([64, 256, 4096]))
    theta = rng.choice([10000.0, 1e6, 12345.6, 500000.0, 31.7])
    rope = rng.choice([None] * 4 + ['linear', 'yarn', 'llama3', 'dynamic'])
    rp = {'rope_type': 'default', 'rope_theta': theta}
    if rope == 'linear': rp.update(rope_type='linear', factor=rng.choice([2.0, 4.0]))
    if rope == 'dynamic': rp.update(rope_type='dynamic', factor=2.0)
    if rope == 'yarn': rp.update(rope_type='yarn', factor=4.0, original_max_position_embeddings=16)
    if rope == 'llama3': rp.update(rope_type='llama3', factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=8)
    v['rope_parameters'] = rp
    llama = rng.random() < 0.35
    if not llama:
        v['sliding_window'] = rng.choice([None, 4096, 6, v['max_position_embeddings'], 100000])
    save = dict(llama=llama, dtype=rng.choice(list(DTYPES)), shard=rng.choice(['10GB', '60KB']), torch_dtype=rng.random() < 0.4,
                extra=rng.random() < 0.4, index=rng.choice(['ok', 'extra', 'missing']))
    return v, save


out = {}
os.makedirs(D, exist_ok=True)
for i in range(N):
    v, save = draw()
    name = f"r{sys.argv[2]}_{i}"
    v = {**common, **v}
    m = random_model(v, 'llama' if save['llama'] else 'mistral', i)
    d = f'{D}/{name}'
    m.to(DTYPES[save['dtype']]).save_pretrained(d, max_shard_size=save['shard'])
    cut_tok(d, 512)
    c = json.load(open(f'{d}/config.json'))
    if save['torch_dtype']:
        c['torch_dtype'] = c.pop('dtype')
    if save['extra']:
        c.update(quantization_config_note='none', use_cache=True, _name_or_path='someone/model', unsloth_version='2024.8', some_future_key={'a': 1})
    json.dump(c, open(f'{d}/config.json', 'w'), indent=2)
    idx = f'{d}/model.safetensors.index.json'
    if os.path.exists(idx) and save['index'] != 'ok':
        j = json.load(open(idx))
        wm = j['weight_map']
        if save['index'] == 'extra':  # an entry for a tensor no shard holds (transformers ignores it)
            wm['model.layers.0.self_attn.rotary_emb.inv_freq'] = next(iter(wm.values()))
        else:  # an entry left out of the map, its shard still named by others: transformers reads every tensor of the shards
            wm.pop('model.layers.1.mlp.up_proj.weight')
        json.dump(j, open(idx, 'w'), indent=2)
    m = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
    with torch.no_grad():
        out[name] = [m(torch.tensor([p])).logits[0, -1].tolist() for p in PROMPTS]
    t = AutoTokenizer.from_pretrained(d)
    strs = ['Hello world', ' leading space', 'a  b\n\nc', 'naïve café 日本']
    out[name + ':tok'] = [[s, t(s)['input_ids']] for s in strs]
    print(name, 'llama' if save['llama'] else 'mistral', json.dumps({k: v[k] for k in ('num_attention_heads', 'num_key_value_heads', 'head_dim', 'vocab_size', 'tie_word_embeddings', 'max_position_embeddings', 'rope_parameters', 'sliding_window') if k in v}), save, flush=True)
json.dump(dict(prompts=PROMPTS, ref=out), open(f'{D}/ref.json', 'w'))
