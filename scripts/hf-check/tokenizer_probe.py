# Phase 2 of scripts/hf-check/tokenizer-probe.ts: transformers' answers for its strings and chats. Not part of the
# product: a check for machines with transformers (checked with 5.17.0, tokenizers 0.23.2). From the project root:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_probe.py OUT_DIR
# For each folder of OUT_DIR/in.json: encode (no special tokens), tokenizer(text)'s ids, decode of those encodings with
# and without skip_special_tokens, and each chat through apply_chat_template with the built-in template (the tiny model
# has none, and transformers 5 no default), rendered and encoded; written to OUT_DIR/hf.json.
import json, os, sys
from transformers import AutoTokenizer

out = sys.argv[1]
inp = json.load(open(os.path.join(out, 'in.json')))
answers = {}
for name, folder in inp['folders'].items():
    t = AutoTokenizer.from_pretrained(folder)
    a = {'enc': [], 'seq': [], 'dec': [], 'dec_keep': [], 'chat': [], 'chat_ids': []}
    for s in inp['texts']:
        ids = t.encode(s, add_special_tokens=False)
        a['enc'].append(ids)
        a['seq'].append(t(s)['input_ids'])
        a['dec'].append(t.decode(ids, skip_special_tokens=True))
        a['dec_keep'].append(t.decode(ids))
    for chat in inp['chats']:
        try:
            text = t.apply_chat_template(chat, chat_template=inp['template'], tokenize=False)
            a['chat'].append(text)
            a['chat_ids'].append(t.encode(text, add_special_tokens=False))
        except Exception as e:
            a['chat'].append('ERROR ' + str(e))
            a['chat_ids'].append(None)
    answers[name] = a
json.dump(answers, open(os.path.join(out, 'hf.json'), 'w'), ensure_ascii=False)
print(f'wrote {os.path.join(out, "hf.json")}; now: node --import tsx scripts/hf-check/tokenizer-probe.ts compare {out}')
