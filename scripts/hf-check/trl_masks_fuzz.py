# Random prompt/completion, conversational prompt/completion and multi-turn chat records through our tokenization and
# loss targets (loadTokenRows, data.train_on assistant: TRL's completion_only_loss / assistant_only_loss) against TRL
# 1.13's SFTTrainer preparing the same records (its input_ids and labels), as trl_masks.py compares its fixed records,
# on the shipped tiny model's tokenizer with our built-in chat template. Texts avoid the two documented differences
# (docs/train-parity.md, "data.train_on against TRL's SFTTrainer"): no runs of spaces (ours cleans them) and no prompt
# that ends in a space. Not part of the product. From the project root:
#   HF_HUB_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/trl_masks_fuzz.py OUT_DIR [RECORDS] [SEED]
import json, os, random, subprocess, sys
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

OUT = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 60
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
MODEL = 'models/mistral-tune-tiny'
WORDS = ['the', 'cat', 'Paris', 'naïve', 'café', '42', '3.14', 'über', '😀', '—', '…', 'x*2', 'def', 'f(x):', '```', 'A:', 'Q?',
         '東京', 'a,b', '"quoted"', "it's", '#', '$5', 'e-mail', 'ok.', 'end.']


def text(rng, lo=1, hi=8):
    """Words joined by one space or a newline (no runs of spaces: ours cleans those)."""
    out = ''
    for i in range(rng.randint(lo, hi)):
        out += (rng.choice([' ', ' ', ' ', '\n']) if i else '') + rng.choice(WORDS)
    return out


def record(rng):
    kind = rng.random()
    if kind < 0.4:  # prompt/completion; a completion may start with or without a space, or a newline
        return {'prompt': text(rng), 'completion': rng.choice(['', ' ', ' ', '\n']) + text(rng)}
    turns = []
    if rng.random() < 0.3:
        turns.append({'role': 'system', 'content': text(rng)})
    for _ in range(rng.randint(1, 3)):
        turns += [{'role': 'user', 'content': text(rng)}, {'role': 'assistant', 'content': text(rng)}]
    if kind < 0.7:  # conversational prompt/completion: the last assistant turn is the completion
        return {'prompt': turns[:-1], 'completion': turns[-1:]}
    return {'messages': turns}


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(SEED)
    recs = [record(rng) for _ in range(N)]
    src = f'{OUT}/records-{SEED}.jsonl'
    with open(src, 'w') as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + '\n' for r in recs)
    ours_file = f'{OUT}/ours-{SEED}.json'
    node = ("import {loadTokenRows} from './src/data/load-rows.ts'; import {loadTokenizer} from './src/tokenizer/load.ts'; "
            "import * as fs from 'node:fs'; const r = loadTokenRows(process.argv[1], {tokenizer: loadTokenizer('models/mistral-tune-tiny')}); "
            "fs.writeFileSync(process.argv[2], JSON.stringify(r.rows.map((x) => ({ids: Array.from(x.inputIds), labels: x.labels ? Array.from(x.labels) : null}))))")
    subprocess.run(['node', '--import', 'tsx', '-e', node, src, ours_file], check=True)
    ours = json.load(open(ours_file))
    if len(ours) != len(recs):
        sys.exit(f'ours kept {len(ours)} of {len(recs)} records')
    tok = AutoTokenizer.from_pretrained(MODEL)
    tok.chat_template = tok.chat_template or open('test/tokenizer/fixtures/chat-templates/default.jinja').read()
    model = AutoModelForCausalLM.from_pretrained(MODEL)
    turn = "{{- ' ' + message['content'] + eos_token -}}"
    assert turn in tok.chat_template
    marked = tok.chat_template.replace(turn, '{% generation %}' + turn + '{% endgeneration %}')
    groups = [('prompt/completion', lambda r: isinstance(r.get('prompt'), str)),
              ('conversational prompt/completion', lambda r: isinstance(r.get('prompt'), list)),
              ('messages', lambda r: 'messages' in r)]
    bad = merged = 0
    for name, member in groups:
        at = [i for i, r in enumerate(recs) if member(r)]
        if not at:
            continue
        chats = name == 'messages'
        tok.chat_template = marked if chats else marked.replace('{% generation %}', '').replace('{% endgeneration %}', '')
        args = SFTConfig(output_dir=f'{OUT}/trl-out', report_to=[], use_cpu=True, max_length=None, assistant_only_loss=chats)
        ds = SFTTrainer(model=model, processing_class=tok, train_dataset=Dataset.from_list([recs[i] for i in at]), args=args).train_dataset
        for i, ex in enumerate(ds):
            o = ours[at[i]]
            lab = ex.get('labels') or ex['input_ids']
            if 'completion_mask' in ex:
                lab = [t if m else -100 for t, m in zip(ex['input_ids'], ex['completion_mask'])]
            if 'assistant_masks' in ex:
                lab = [t if m else -100 for t, m in zip(ex['input_ids'], ex['assistant_masks'])]
            ol = o['labels'] or o['ids']
            if ex['input_ids'] != o['ids'] or lab[1:] != ol[1:]:
                r = recs[at[i]]
                alone = tok(r['prompt'])['input_ids'] if isinstance(r.get('prompt'), str) else None
                if ex['input_ids'] == o['ids'] and alone is not None and ex['input_ids'][:len(alone)] != alone:
                    # documented: the prompt's tokens alone are no prefix of the record's (its last token merges with the
                    # completion's first); TRL masks as many tokens as the prompt has alone, ours the common prefix
                    merged += 1
                    continue
                bad += 1
                print(f"{name} record {at[i]}: ids {'same' if ex['input_ids'] == o['ids'] else 'differ'}, targets "
                      f"{'same' if lab[1:] == ol[1:] else 'differ'}\n   {json.dumps(recs[at[i]], ensure_ascii=False)}\n"
                      f"   trl  {ex['input_ids']} {lab[1:]}\n   ours {o['ids']} {ol[1:]}")
    print('TRL MASKS FUZZ', 'PASS' if bad == 0 else f'FAIL ({bad} records)', f'({N} records, seed {SEED}; {merged} where the prompt merges into the completion, as documented)')


if __name__ == '__main__':
    main()
