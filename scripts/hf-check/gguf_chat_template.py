# Phase 2 of scripts/hf-check/gguf-chat-template.ts: transformers' apply_chat_template of each case of OUT/in.json (its
# folder's tokenizer, the template stored in the GGUF given as chat_template, add_generation_prompt=True), written to
# OUT/hf.json as {name: text or "error: ..."}. Not part of the product; checked with transformers 5.17.0:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/gguf_chat_template.py OUT
import json, os, sys
from transformers import AutoTokenizer

out = sys.argv[1]
inp = json.load(open(os.path.join(out, 'in.json')))
answers = {}
for c in inp['cases']:
    t = AutoTokenizer.from_pretrained(c['folder'])
    try:
        answers[c['name']] = t.apply_chat_template(c['messages'], chat_template=c['template'], tokenize=False, add_generation_prompt=True)
    except Exception as e:  # a template that refuses the chat: said, as ours and llama.cpp's are
        answers[c['name']] = f'error: {e}'
json.dump(answers, open(os.path.join(out, 'hf.json'), 'w'))
