# Random Mistral models (and PEFT adapters) saved by transformers 5.17 / PEFT 0.21 for scripts/hf-check/gguf-hf-sweep.ts, with
# transformers' own next-token logits (and tokenizations) in DIR/ref.json. Not part of the product. Batch c of three
# (a: shapes, GQA/MHA, f16/bf16/sharded sources, rope types, windows, adapters; b: the full 32000-token tokenizer with
# added tokens and a chat template; c: rows that fit no block, 8 layers of rows of 256, a BF16 adapter).
#   HF_HUB_OFFLINE=1 python scripts/hf-check/gguf_hf_sweep_models_c.py DIR
import os, sys, json, copy, torch, shutil
from transformers import MistralConfig, MistralForCausalLM, AutoTokenizer
from peft import LoraConfig, get_peft_model
D = sys.argv[1]; TOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'assets', 'tokenizer', 'mistral-7b-v0.1')
PROMPTS = [[1] + [5 + (i * 37) % 500 for i in range(13)], [1] + [300 - i * 11 for i in range(9)]]
def cut_tok(d, n, added=None, template=None):
    j = json.load(open(f'{TOK}/tokenizer.json'))
    vocab = {k: v for k, v in j['model']['vocab'].items() if v < n}
    j['model']['vocab'] = vocab
    ms = []
    for m in j['model']['merges']:
        a, b = m.split(' ') if isinstance(m, str) else m
        if a in vocab and b in vocab and a + b in vocab: ms.append(m)
    j['model']['merges'] = ms
    tc = json.load(open(f'{TOK}/tokenizer_config.json'))
    if added:
        for k, (content, special) in enumerate(added):
            j['added_tokens'].append(dict(id=n + k, content=content, single_word=False, lstrip=False, rstrip=False, normalized=not special, special=special))
    if template: tc['chat_template'] = template
    json.dump(j, open(f'{d}/tokenizer.json', 'w')); json.dump(tc, open(f'{d}/tokenizer_config.json', 'w'))
common = dict(vocab_size=512, hidden_size=64, intermediate_size=96, num_hidden_layers=2, max_position_embeddings=256,
              bos_token_id=1, eos_token_id=2, initializer_range=0.1, num_attention_heads=4, num_key_value_heads=2, sliding_window=None, pad_token_id=None)
V = {
 'odd_shapes': dict(hidden_size=96, intermediate_size=200, num_attention_heads=3, num_key_value_heads=1, head_dim=32, vocab_size=515, num_hidden_layers=3),
 'k_fits_mha128': dict(hidden_size=256, intermediate_size=512, num_attention_heads=2, num_key_value_heads=2, head_dim=128, num_hidden_layers=8, rope_theta=1e6, dtype=torch.bfloat16),
}
out = {}
for name, v in V.items():
    v = {**common, **v}
    dtype, shard, tok = v.pop('dtype', torch.float32), v.pop('shard', '10GB'), v.pop('tok', {})
    torch.manual_seed(len(name) * 7)
    m = MistralForCausalLM(MistralConfig(**v))
    with torch.no_grad():
        for n, p in m.named_parameters():
            if 'norm' in n: p.uniform_(0.5, 1.5)
    d = f'{D}/{name}'
    m.to(dtype).save_pretrained(d, max_shard_size=shard)
    cut_tok(d, 512, **tok)
    m = MistralForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
    with torch.no_grad():
        out[name] = [m(torch.tensor([p])).logits[0, -1].tolist() for p in PROMPTS]
    t = AutoTokenizer.from_pretrained(d)
    strs = ['Hello world', ' leading space', 'a  b\n\nc', 'naïve café 日本', '<s>[INST] hi [/INST]</s>', 'x <|im_start|>user\nzqxbox hi<|im_end|> y', 'zqxbox']
    out[name + ':tok'] = [[s, t(s)['input_ids']] for s in strs]
    if tok.get('template'):
        out[name + ':chat'] = t.apply_chat_template([{'role': 'user', 'content': 'hi'}], tokenize=False)
    print(name, sorted(os.listdir(d)), flush=True)
# adapters
def adapter(base, aname, **kw):
    torch.manual_seed(len(aname))
    m = MistralForCausalLM.from_pretrained(f'{D}/{base}', dtype=torch.float32)
    pm = get_peft_model(m, LoraConfig(task_type='CAUSAL_LM', **kw))
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if 'lora_' in n: p.uniform_(-0.3, 0.3)
            if 'magnitude' in n: p.mul_(1.2)
    pm.eval()
    with torch.no_grad():
        out[f'{base}+{aname}'] = [pm(torch.tensor([p])).logits[0, -1].tolist() for p in PROMPTS]
    pm.save_pretrained(f'{D}/{base}-{aname}')
    print('adapter', base, aname, flush=True)
adapter('odd_shapes', 'r3', r=3, lora_alpha=7, target_modules=['v_proj', 'o_proj', 'up_proj'])
def adapter_bf16(base, aname, **kw):
    torch.manual_seed(5)
    m = MistralForCausalLM.from_pretrained(f'{D}/{base}', dtype=torch.bfloat16)
    pm = get_peft_model(m, LoraConfig(task_type='CAUSAL_LM', **kw), autocast_adapter_dtype=False)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if 'lora_' in n: p.uniform_(-0.05, 0.05)
    pm.save_pretrained(f'{D}/{base}-{aname}')
    from peft import PeftModel
    m = MistralForCausalLM.from_pretrained(f'{D}/{base}', dtype=torch.float32)
    pm = PeftModel.from_pretrained(m, f'{D}/{base}-{aname}').float().eval()
    with torch.no_grad():
        out[f'{base}+{aname}'] = [pm(torch.tensor([p])).logits[0, -1].tolist() for p in PROMPTS]
    print('adapter', base, aname, {n: p.dtype for n, p in list(pm.named_parameters())[:1]}, flush=True)
adapter_bf16('k_fits_mha128', 'bf16_all', r=8, lora_alpha=16, target_modules='all-linear')
json.dump(dict(prompts=PROMPTS, ref=out), open(f'{D}/ref.json', 'w'))
