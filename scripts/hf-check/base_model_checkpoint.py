# transformers 5.17 loads a checkpoint saved from the base MistralModel (keys without "model.": embed_tokens.weight,
# layers.0.…, norm.weight; e5-mistral and other embedding models) into MistralForCausalLM as the prefixed one, tied
# or untied (lm_head.weight kept). Not part of the product: the check behind the prefix-less tests of
# test/model/tied-checkpoint.test.ts. From the project root, with torch + transformers installed:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/base_model_checkpoint.py
# Prints "ok" per case when both forms give the same loss (it asserts).
import json, os, tempfile
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, MistralConfig, MistralForCausalLM

torch.manual_seed(0)
ids = torch.tensor([[1, 5, 9, 13, 40, 22, 7]])
for tie in (True, False):
    cfg = MistralConfig(vocab_size=61, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                        num_key_value_heads=2, sliding_window=None, tie_word_embeddings=tie)
    with tempfile.TemporaryDirectory() as d:
        MistralForCausalLM(cfg).save_pretrained(f'{d}/full')
        sd = load_file(f'{d}/full/model.safetensors')
        os.makedirs(f'{d}/bare')
        save_file({k.removeprefix('model.'): v for k, v in sd.items()}, f'{d}/bare/model.safetensors', metadata={'format': 'pt'})
        json.dump(json.load(open(f'{d}/full/config.json')), open(f'{d}/bare/config.json', 'w'))
        loss = [AutoModelForCausalLM.from_pretrained(f'{d}/{f}', dtype=torch.float32)(input_ids=ids, labels=ids).loss.item() for f in ('full', 'bare')]
        assert loss[0] == loss[1], (tie, loss)
        print('ok', 'tied' if tie else 'untied', loss)
