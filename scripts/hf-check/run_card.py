# Runs the Python block of an adapter folder's README.md model card as written (its PATH/TO/THIS/FOLDER replaced) and the
# model it loads on a right-padded batch of 2: a check, beside check_exports.py, that the card's code works with HF
# transformers + PEFT, pad_token_id included. Usage: python3 scripts/hf-check/run_card.py ADAPTER_FOLDER
import re, sys, torch
folder = sys.argv[1]
card = open(f'{folder}/README.md').read()
code = re.search(r'```python\n(.*?)```', card, re.S).group(1).replace('PATH/TO/THIS/FOLDER', folder)
env = {}
exec(code, env)
model = env['model'].eval()
ids = torch.tensor([[1, 5, 6, 7], [1, 8, 9, 0]]); mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
with torch.no_grad():
    out = model(input_ids=ids, attention_mask=mask).logits
print('logits', tuple(out.shape), 'id2label', model.config.id2label, 'pad', model.config.pad_token_id)
