# transformers' AutoTokenizer against llama.cpp's ids from gguf-tokenize-sweep.ts: per JSON file, how many strings
# transformers tokenizes (no special tokens added) as llama.cpp did, and the first differences. The folder needs a
# config.json (model_type mistral) for transformers 5 to read its tokenizer.json as written, as a model folder has.
# Not part of the product:  HF_HUB_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/gguf_tokenize_sweep.py OUT_DIR/*.json
import json
import sys

from transformers import AutoTokenizer

for name in sys.argv[1:]:
    d = json.load(open(name))
    t = AutoTokenizer.from_pretrained(d['folder'])
    bad = 0
    for s, ids in zip(d['strings'], d['llama']):
        hf = t.encode(s, add_special_tokens=False)
        if hf != ids:
            bad += 1
            if bad <= 5:
                print(repr(s[:60]), '\n  hf   ', t.convert_ids_to_tokens(hf)[:24], '\n  llama', t.convert_ids_to_tokens(ids)[:24])
    print(f'{name} ({type(t).__name__}): {len(d["strings"]) - bad} of {len(d["strings"])} strings tokenized alike by llama.cpp and transformers')
