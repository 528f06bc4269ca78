# Loads the exports that scripts/hf-check/export-matrix.ts made of make_bases.py's models with HF transformers
# and PEFT, unchanged, and compares their logits (f32, eager attention) with ours (expected.json of each). A merged
# export is compared with PEFT's own merge (merge_and_unload in f32) rounded once to the base's dtype, as the file is.
# Not part of the product. Usage: python3 scripts/hf-check/check_export_matrix.py DIR
import json, os, sys, torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification
from peft import PeftModel
from padded import right_padded

d = sys.argv[1]
kw = dict(attn_implementation='eager', dtype=torch.float32)
worst = 0.0

def report(name, theirs, ours, mask=None):
    global worst
    ours = torch.as_tensor(ours, dtype=torch.float64).view(theirs.shape)
    theirs = theirs.double()
    if mask is not None:
        ours, theirs = ours * mask[..., None], theirs * mask[..., None]
    e = ((theirs - ours).norm() / ours.norm()).item()
    worst = max(worst, e)
    print(f'{name:72s} rel err {e:.2e}')

def peft_merged(model, adapter, dtype):
    """PEFT's merge of `adapter` into `model` (f32), each weight then rounded once to the file's `dtype`."""
    m = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    for p in m.parameters():
        p.copy_(p.to(dtype).float())
    return m

with torch.no_grad():
    for name in sorted(n for n in os.listdir(d) if os.path.exists(f'{d}/{n}/config.json')):
        base, out = f'{d}/{name}', f'{d}/{name}.out'
        exp = json.load(open(f'{out}/expected.json'))
        ids, mask = right_padded(exp['probe'], exp['T'])
        gen = lambda m: m.eval()(input_ids=ids, attention_mask=mask).logits
        bc = json.load(open(f'{base}/config.json'))
        dtype = getattr(torch, bc.get('dtype') or bc['torch_dtype'])  # transformers 4's key in a folder it wrote
        report(f'{name}: LoRA generation, merged (AutoModelForCausalLM; {str(dtype)[6:]} file)',
               gen(AutoModelForCausalLM.from_pretrained(f'{out}/lora-generation-merged', **kw)),
               gen(peft_merged(AutoModelForCausalLM.from_pretrained(base, **kw), f'{out}/lora-generation-export', dtype)), mask)
        report(f'{name}: LoRA generation, adapter (PeftModel on the base)',
               gen(PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, **kw), f'{out}/lora-generation-export')), exp['lora-generation'], mask)
        report(f'{name}: full fine-tuning (AutoModelForCausalLM)',
               gen(AutoModelForCausalLM.from_pretrained(f'{out}/full-generation-export', **kw)), exp['full-generation'], mask)
        # classification: right padding, pad_token_id set so that HF scores each sequence's last real token
        cm = AutoModelForSequenceClassification.from_pretrained(f'{out}/lora-classification-merged', **kw)
        cm.config.pad_token_id = 0
        cls_base = lambda: AutoModelForSequenceClassification.from_pretrained(base, num_labels=3, pad_token_id=0, **kw)
        report(f'{name}: LoRA classification, merged (AutoModelForSequenceClassification)', gen(cm),
               gen(peft_merged(cls_base(), f'{out}/lora-classification-export', dtype)))
        cb = cls_base()
        report(f'{name}: LoRA classification, adapter (PeftModel, SEQ_CLS)',
               gen(PeftModel.from_pretrained(cb, f'{out}/lora-classification-export')), exp['lora-classification'])
print('EXPORT MATRIX', 'PASS' if worst <= 1e-4 else 'FAIL', f'(worst {worst:.2e})')
sys.exit(0 if worst <= 1e-4 else 1)
