# Random Mistral models (and PEFT adapters) saved by transformers 5.17 / PEFT 0.21 for scripts/hf-check/gguf-hf-sweep.ts, with
# transformers' own next-token logits (and tokenizations) in DIR/ref.json. Not part of the product. Batch c of three
# (a: shapes, GQA/MHA, f16/bf16/sharded sources, rope types, windows, adapters; b: the full 32000-token tokenizer with
# added tokens and a chat template; c: rows that fit no block, 8 layers of rows of 256, a BF16 adapter).
#   HF_HUB_OFFLINE=1 python scripts/hf-check/gguf_hf_sweep_models_c.py DIR
import json, sys, torch
from transformers import MistralForCausalLM
from peft import LoraConfig, get_peft_model
from gguf_hf_sweep_small import PROMPTS, adapter, save_models
D = sys.argv[1]
V = {
 'odd_shapes': dict(hidden_size=96, intermediate_size=200, num_attention_heads=3, num_key_value_heads=1, head_dim=32, vocab_size=515, num_hidden_layers=3),
 'k_fits_mha128': dict(hidden_size=256, intermediate_size=512, num_attention_heads=2, num_key_value_heads=2, head_dim=128, num_hidden_layers=8, rope_theta=1e6, dtype=torch.bfloat16),
}
out = {}
save_models(D, V, out)
adapter(D, out, 'odd_shapes', 'r3', r=3, lora_alpha=7, target_modules=['v_proj', 'o_proj', 'up_proj'])
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
