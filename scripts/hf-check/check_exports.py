# Loads what scripts/hf-check/make-exports.ts wrote with HF transformers and PEFT, unchanged, and compares
# their logits with ours (expected.json). Not part of the product: a check for machines that have
# torch + transformers + peft (the GPU machine). Usage: python3 scripts/hf-check/check_exports.py DIR
# Also the shipped pre-trained model, models/mistral-tune-tiny: AutoTokenizer must give our token ids and
# AutoModelForCausalLM (bf16 weights upcast to f32, eager attention) our logits, and generate() (greedy) our tokens.
# The adapters' README.md model cards: their Python block, run as written, loads a model with our logits.
import json, os, re, sys, torch
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer
from peft import PeftModel
from padded import right_padded

d = sys.argv[1]
exp = json.load(open(f'{d}/expected.json'))
ids, mask = right_padded(exp['probe'], exp['T'])
base = 'test/fixtures/hf-tiny-mistral/base'
worst = 0.0

class _NoTokenizerFiles:
    """AutoTokenizer for the card's tokenizer lines: the fixture base has no tokenizer files for transformers to load."""
    @staticmethod
    def from_pretrained(path):
        assert os.path.abspath(path) == os.path.abspath(base), f'the card loads its tokenizer from {path}, not the base {base}'
        return type('Tokenizer', (), {'pad_token_id': None})()

def card_model(folder):
    """The model an adapter folder's README.md model card loads: its Python block, run as written. A classification
    card's closing tokenizer lines (AutoTokenizer.from_pretrained(base), then its pad_token_id set to the id the
    classifier skips) run on a stand-in AutoTokenizer, as the fixture base has no tokenizer files: checked to set the
    model's own pad_token_id."""
    code = re.search(r'```python\n(.*?)```', open(f'{folder}/README.md').read(), re.S).group(1)
    model_code, tok, tokenizer_code = code.partition('\ntokenizer = AutoTokenizer.from_pretrained(')
    env = {}
    exec(model_code.replace('PATH/TO/THIS/FOLDER', folder), env)
    if tok:
        env['AutoTokenizer'] = _NoTokenizerFiles
        exec(tok.lstrip('\n') + tokenizer_code, env)
        pad = env['model'].config.pad_token_id
        assert env['tokenizer'].pad_token_id == pad, f"{folder}: the card pads with {env['tokenizer'].pad_token_id}, the classifier skips {pad}"
    return env['model'].eval()

def report(name, theirs, key, masked, mask=mask, exp=exp):
    """Relative error of HF's logits against ours (padded positions left out for the causal LM)."""
    global worst
    ours = torch.tensor(exp[key], dtype=torch.float64).view(theirs.shape)
    theirs = theirs.double()
    if masked:
        ours, theirs = ours * mask[..., None], theirs * mask[..., None]
    e = ((theirs - ours).norm() / ours.norm()).item()
    worst = max(worst, e)
    print(f'{name:60s} rel err {e:.2e}')

with torch.no_grad():
    kw = dict(attn_implementation='eager', dtype=torch.float32)
    m = AutoModelForCausalLM.from_pretrained(f'{d}/generation-merged', **kw).eval()
    report('generation merged (AutoModelForCausalLM, sharded)', m(input_ids=ids, attention_mask=mask).logits, 'generation', True)
    pm = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, **kw), f'{d}/generation-adapter').eval()
    report('generation adapter (PeftModel on the base)', pm(input_ids=ids, attention_mask=mask).logits, 'generation', True)
    c = AutoModelForSequenceClassification.from_pretrained(f'{d}/classification-merged', **kw).eval()
    report('classification merged (AutoModelForSequenceClassification)', c(input_ids=ids, attention_mask=mask).logits, 'classification', False)
    cb = AutoModelForSequenceClassification.from_pretrained(base, num_labels=3, **kw)
    cb.config.pad_token_id = 0
    pc = PeftModel.from_pretrained(cb, f'{d}/classification-adapter').eval()
    report('classification adapter (PeftModel, SEQ_CLS, score head)', pc(input_ids=ids, attention_mask=mask).logits, 'classification', False)
    report('generation adapter, as its README.md model card loads it', card_model(f'{d}/generation-adapter')(input_ids=ids, attention_mask=mask).logits, 'generation', True)
    report('classification adapter, as its README.md model card loads it', card_model(f'{d}/classification-adapter')(input_ids=ids, attention_mask=mask).logits, 'classification', False)
    m = AutoModelForCausalLM.from_pretrained(f'{d}/dora-merged', **kw).eval()
    report('DoRA (trained with dropout) merged (AutoModelForCausalLM)', m(input_ids=ids, attention_mask=mask).logits, 'dora', True)
    pm = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base, **kw), f'{d}/dora-adapter').eval()
    report('DoRA adapter (PeftModel on the base)', pm(input_ids=ids, attention_mask=mask).logits, 'dora', True)
    report('DoRA adapter, as its README.md model card loads it', card_model(f'{d}/dora-adapter')(input_ids=ids, attention_mask=mask).logits, 'dora', True)
    sh = exp['shipped']
    shipped_dir = 'models/mistral-tune-tiny'
    tok = AutoTokenizer.from_pretrained(shipped_dir)
    hf_ids = [tok(t)['input_ids'] for t in sh['text']]
    print(f'{"shipped model: AutoTokenizer ids equal ours":60s} {hf_ids == sh["ids"]}')
    if hf_ids != sh['ids']:
        print('  ours', sh['ids'], '\n  HF  ', hf_ids)
        worst = float('inf')
    sids, smask = right_padded(sh['ids'], sh['T'])
    sm = AutoModelForCausalLM.from_pretrained(shipped_dir, **kw).eval()
    report('shipped model (AutoModelForCausalLM, bf16 file, f32 math)', sm(input_ids=sids, attention_mask=smask).logits, 'logits', True, smask, sh)
    same = True
    for p, ours in zip(sh['ids'], sh['greedy']):
        g = sm.generate(torch.tensor([p]), attention_mask=torch.ones((1, len(p)), dtype=torch.long), do_sample=False,
                        max_new_tokens=24, eos_token_id=2, pad_token_id=0)[0, len(p):].tolist()
        if g != ours:
            same = False
            print('  ours', ours, '\n  HF  ', g)
    print(f'{"shipped model: greedy generate() picks our 24 tokens (KV cache)":60s} {same}')
    if not same:
        worst = float('inf')
print('HF CHECK', 'PASS' if worst <= 1e-4 else 'FAIL', f'(worst {worst:.2e})')
sys.exit(0 if worst <= 1e-4 else 1)
