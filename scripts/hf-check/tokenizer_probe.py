# Phase 2 of scripts/hf-check/tokenizer-probe.ts: transformers' answers for its strings, id lists and chats. Not part of
# the product: a check for machines with transformers (checked with 5.17.0, tokenizers 0.23.2). From the project root:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/tokenizer_probe.py OUT_DIR
# For each folder of OUT_DIR/in.json: encode (no special tokens), tokenizer(text)'s ids, decode of those encodings with
# and without skip_special_tokens (all four null, and `refused` the reason, where transformers refuses the text: a lone
# surrogate); decode of the folder's id lists, both ways; each chat through apply_chat_template with the folder's
# template (the built-in Mistral one for folders without one, transformers 5 having no default; null: the folder's own),
# rendered and encoded; written to OUT_DIR/hf.json. A decode that raises is 'HF raised TYPE: message' in its place.
import json, os, sys
from transformers import AutoTokenizer

out = sys.argv[1]
inp = json.load(open(os.path.join(out, 'in.json')))
answers = {}


def decode(t, ids, skip):
    """t.decode, or 'HF raised TYPE: message' where it raises (tokenizers' Strip decoder panics on a token shorter than
    what it strips): said per case, and the run goes on (the compare does not count those as differences)."""
    try:
        return t.decode(ids, skip_special_tokens=skip)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # PanicException is a BaseException
        print(f'{name}: HF raised {type(e).__name__} decoding {ids[:12]}{"…" if len(ids) > 12 else ""} (skip_special_tokens={skip}): {e}', file=sys.stderr)
        return f'HF raised {type(e).__name__}: {e}'


for name, folder in inp['folders'].items():
    try:
        t = AutoTokenizer.from_pretrained(folder)
    except BaseException as e:  # tokenizers panics (PanicException) on some files it cannot run
        answers[name] = {'load_error': f'{type(e).__name__}: {e}'}
        continue
    template = inp['templates'][name]
    a = {'enc': [], 'seq': [], 'dec': [], 'dec_keep': [], 'refused': [], 'chat': [], 'chat_ids': [], 'ids_dec': [], 'ids_dec_keep': []}
    for s in inp['texts']:
        try:
            ids = t.encode(s, add_special_tokens=False)
        except Exception as e:
            for k in ('enc', 'seq', 'dec', 'dec_keep'):
                a[k].append(None)
            a['refused'].append(f'{type(e).__name__}: {e}')
            continue
        a['enc'].append(ids)
        a['seq'].append(t(s)['input_ids'])
        a['dec'].append(decode(t, ids, True))
        a['dec_keep'].append(decode(t, ids, False))
        a['refused'].append(None)
    for ids in inp['ids'][name]:
        a['ids_dec'].append(decode(t, ids, True))
        a['ids_dec_keep'].append(decode(t, ids, False))
    for chat in inp['chats'] if template is not False else []:
        try:
            if template is None:
                text = t.apply_chat_template(chat, tokenize=False)
            else:
                text = t.apply_chat_template(chat, chat_template=template, tokenize=False)
            a['chat'].append(text)
            a['chat_ids'].append(t.encode(text, add_special_tokens=False))
        except Exception as e:
            a['chat'].append('ERROR ' + str(e))
            a['chat_ids'].append(None)
    answers[name] = a
# surrogates may come back only as the text the strings held (none do: the refused texts have no answers)
json.dump(answers, open(os.path.join(out, 'hf.json'), 'w'), ensure_ascii=False)
print(f'wrote {os.path.join(out, "hf.json")}; now: node --import tsx scripts/hf-check/tokenizer-probe.ts compare {out}')
