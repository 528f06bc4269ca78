# The models and adapters gguf_hf_sweep_models_a.py, _c.py and _llama.py share (a random Mistral or Llama per variant, with a tokenizer cut
# to its vocabulary; a PEFT adapter of one): saved by transformers 5.17 / PEFT 0.21 with transformers' own logits for
# scripts/hf-check/gguf-hf-sweep.ts. Not part of the product.
import os, json, torch
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM
from peft import LoraConfig, get_peft_model
TOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'assets', 'tokenizer', 'mistral-7b-v0.1')
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
def random_model(v, model_type, seed):
    """A model of config v, seeded, its norms drawn in [0.5, 1.5]: MistralForCausalLM, or by model_type a
    LlamaForCausalLM (v's sliding_window dropped from v) or a MinistralForCausalLM."""
    torch.manual_seed(seed)
    if model_type == 'llama':
        v.pop('sliding_window')
        m = LlamaForCausalLM(LlamaConfig(**v))
    elif model_type == 'ministral':
        from transformers import MinistralConfig, MinistralForCausalLM
        m = MinistralForCausalLM(MinistralConfig(**v))
    else:
        m = MistralForCausalLM(MistralConfig(**v))
    with torch.no_grad():
        for n, p in m.named_parameters():
            if 'norm' in n: p.uniform_(0.5, 1.5)
    return m
def save_models(D, V, out):
    """Each variant of V (over `common`) saved in D/NAME with transformers' logits and tokenizations in out."""
    for name, v in V.items():
        v = {**common, **v}
        dtype, shard, tok = v.pop('dtype', torch.float32), v.pop('shard', '10GB'), v.pop('tok', {})
        m = random_model(v, v.pop('model_type', 'mistral'), len(name) * 7)
        d = f'{D}/{name}'
        m.to(dtype).save_pretrained(d, max_shard_size=shard)
        cut_tok(d, 512, **tok)
        m = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32).eval()
        with torch.no_grad():
            out[name] = [m(torch.tensor([p])).logits[0, -1].tolist() for p in PROMPTS]
        t = AutoTokenizer.from_pretrained(d)
        strs = ['Hello world', ' leading space', 'a  b\n\nc', 'naïve café 日本', '<s>[INST] hi [/INST]</s>', 'x <|im_start|>user\nzqxbox hi<|im_end|> y', 'zqxbox']
        out[name + ':tok'] = [[s, t(s)['input_ids']] for s in strs]
        if tok.get('template'):
            out[name + ':chat'] = t.apply_chat_template([{'role': 'user', 'content': 'hi'}], tokenize=False)
        print(name, sorted(os.listdir(d)), flush=True)
def adapter(D, out, base, aname, **kw):
    """A PEFT adapter of D/base (random factors) saved in D/base-aname, its logits in out."""
    torch.manual_seed(len(aname))
    m = AutoModelForCausalLM.from_pretrained(f'{D}/{base}', dtype=torch.float32)
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
