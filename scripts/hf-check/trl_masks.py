# Our tokenization and loss targets of prompt/completion, conversational prompt/completion (TRL's [messages] prompt and
# completion; rendered with our built-in chat template, which the shipped base model's tokenizer_config lacks, as
# Mistral 7B v0.1's does), multi-turn {messages} chats (against TRL's assistant_only_loss, the same template with
# {% generation %} around each assistant turn: the loss on every assistant turn and its EOS) and text records (loadTokenRows on trl-records.jsonl, the shipped tiny model's tokenizer)
# against TRL's SFTTrainer preparing the same records (its input_ids and labels).
# Not part of the product: a check for machines with torch + transformers + trl. Usage, from the project root:
#   node --import tsx -e "…" writes /tmp/trl-ours.json (see below); python3 scripts/hf-check/trl_masks.py
# The node step:  node --import tsx -e "import {loadTokenRows} from './src/data/load-rows.ts'; import {loadTokenizer}
#   from './src/tokenizer/load.ts'; import * as fs from 'node:fs'; const r = loadTokenRows('scripts/hf-check/trl-records.jsonl',
#   {tokenizer: loadTokenizer('models/mistral-tune-tiny')}); fs.writeFileSync('/tmp/trl-ours.json', JSON.stringify(r.rows.map((x) =>
#   ({ids: Array.from(x.inputIds), labels: x.labels ? Array.from(x.labels) : null}))))"
# Label 0 is no target after the shift in either, so targets are compared from position 1. Our text fields are cleaned
# (runs of spaces between words become one), TRL's are not: a text with such a run differs by that.
import json
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

MODEL = 'models/mistral-tune-tiny'
tok = AutoTokenizer.from_pretrained(MODEL)
tok.chat_template = tok.chat_template or open('test/tokenizer/fixtures/chat-templates/default.jinja').read()
model = AutoModelForCausalLM.from_pretrained(MODEL)
recs = [json.loads(l) for l in open('scripts/hf-check/trl-records.jsonl')]
ours = json.load(open('/tmp/trl-ours.json'))
# each group's records with their place in the file (ours are in file order)
groups = [('prompt/completion', lambda r: isinstance(r.get('prompt'), str)),
          ('conversational prompt/completion', lambda r: isinstance(r.get('prompt'), list)),
          ('text', lambda r: 'text' in r),
          ('messages', lambda r: 'messages' in r)]
# TRL finds an assistant turn by the template's {% generation %} block: ' ' + content + EOS, as our template writes it
TURN = "{{- ' ' + message['content'] + eos_token -}}"
assert TURN in tok.chat_template
MARKED = tok.chat_template.replace(TURN, '{% generation %}' + TURN + '{% endgeneration %}')
for name, member in groups:
    at = [i for i, r in enumerate(recs) if member(r)]
    chats = name == 'messages'
    tok.chat_template = MARKED if chats else MARKED.replace('{% generation %}', '').replace('{% endgeneration %}', '')
    ds = SFTTrainer(model=model, processing_class=tok, train_dataset=Dataset.from_list([recs[i] for i in at]),
                    args=SFTConfig(output_dir='/tmp/trl-out', report_to=[], use_cpu=True, max_length=None, assistant_only_loss=chats)).train_dataset
    for i, ex in enumerate(ds):
        o = ours[at[i]]
        ids, lab = ex['input_ids'], ex.get('labels') or ex['input_ids']
        ol = o['labels'] or o['ids']
        print(f"{name} {i}: ids {'same' if ids == o['ids'] else 'differ'}, targets {'same' if lab[1:] == ol[1:] else 'differ'}")
        if ids != o['ids'] or lab[1:] != ol[1:]:
            print('   trl ', ids, lab[1:], '\n   ours', o['ids'], ol[1:])
