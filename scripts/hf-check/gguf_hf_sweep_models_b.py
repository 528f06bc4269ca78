# Random Mistral models (and PEFT adapters) saved by transformers 5.17 / PEFT 0.21 for scripts/hf-check/gguf-hf-sweep.ts, with
# transformers' own next-token logits (and tokenizations) in DIR/ref.json. Not part of the product. Batch b of three
# (a: shapes, GQA/MHA, f16/bf16/sharded sources, rope types, windows, adapters; b: the full 32000-token tokenizer with
# added tokens and a chat template; c: rows that fit no block, 8 layers of rows of 256, a BF16 adapter).
#   HF_HUB_OFFLINE=1 python scripts/hf-check/gguf_hf_sweep_models_b.py DIR
import os, sys, json, torch
from transformers import MistralConfig, MistralForCausalLM, AutoTokenizer
from peft import LoraConfig, get_peft_model
D = sys.argv[1]; TOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'assets', 'tokenizer', 'mistral-7b-v0.1')
PROMPTS = [[1] + [5 + (i * 737) % 31000 for i in range(13)], [1] + [30000 - i * 1111 for i in range(9)]]
TEMPLATE = "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
def tok(d, added, template, extra_cfg=None, norm=False):
    j = json.load(open(f'{TOK}/tokenizer.json'))
    tc = json.load(open(f'{TOK}/tokenizer_config.json'))
    for k, (content, special) in enumerate(added):
        j['added_tokens'].append(dict(id=32000 + k, content=content, single_word=False, lstrip=False, rstrip=False, normalized=norm and not special, special=special))
        tc.setdefault('added_tokens_decoder', {})[str(32000 + k)] = dict(content=content, single_word=False, lstrip=False, rstrip=False, normalized=norm and not special, special=special)
    if template: tc['chat_template'] = template
    tc.update(extra_cfg or {})
    json.dump(j, open(f'{d}/tokenizer.json', 'w')); json.dump(tc, open(f'{d}/tokenizer_config.json', 'w'))
common = dict(vocab_size=32000, hidden_size=64, intermediate_size=96, num_hidden_layers=2, max_position_embeddings=512,
              bos_token_id=1, eos_token_id=2, initializer_range=0.1, num_attention_heads=4, num_key_value_heads=2, sliding_window=None, pad_token_id=None)
ADDED = [('<|im_start|>', True), ('<|im_end|>', True), ('zqxbox', False)]
V = {
 'tok_added_chat': dict(vocab_size=32005, eos_token_id=[2, 32001], tok=dict(added=ADDED, template=TEMPLATE, extra_cfg=dict(eos_token='<|im_end|>', pad_token='<unk>'))),
 'tok_added_norm': dict(vocab_size=32003, tok=dict(added=ADDED, template=None, norm=True)),
 'tok_full_tied_window': dict(tie_word_embeddings=True, sliding_window=64, num_key_value_heads=1, head_dim=32, tok=dict(added=[], template=None)),
}
out = {}
strs = ['Hello world', ' leading space', 'a  b\n\nc', 'naïve café 日本 🎉', '<s>[INST] hi [/INST]</s>', 'x <|im_start|>user\nzqxbox hi<|im_end|> y', 'zqxbox', '<|im_end|>', '   ', '\t tab', 'The zqxbox.', '<unk> </s>']
for name, v in V.items():
    v = {**common, **v}
    t = v.pop('tok')
    torch.manual_seed(3)
    m = MistralForCausalLM(MistralConfig(**v))
    with torch.no_grad():
        for n, p in m.named_parameters():
            if 'norm' in n: p.uniform_(0.5, 1.5)
    d = f'{D}/{name}'
    m.save_pretrained(d)
    tok(d, **t)
    m.eval()
    with torch.no_grad():
        out[name] = [m(torch.tensor([p])).logits[0, -1].tolist() for p in PROMPTS]
    tk = AutoTokenizer.from_pretrained(d)
    out[name + ':tok'] = [[s, tk(s)['input_ids']] for s in strs]
    if t['template']:
        out[name + ':chat'] = tk.apply_chat_template([{'role': 'user', 'content': 'hi'}], tokenize=False, add_generation_prompt=True)
    print(name, sorted(os.listdir(d)), tk.eos_token_id, tk.pad_token_id, flush=True)
json.dump(dict(prompts=PROMPTS, ref=out), open(f'{D}/ref.json', 'w'))
