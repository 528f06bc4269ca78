# Which fully masked rows (no label but -100 once cut to max_length) TRL 1.13's SFTTrainer keeps: without packing it
# truncates, then drops them ("Dropping fully masked examples"), raw or pre-tokenized; packed it cuts each row in its
# packer and keeps them. Prints each case's rows: their trained tokens and lengths (docs/train-parity.md, "Rows without
# targets"). From the project root:  HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/trl_fully_masked.py
import tempfile
from datasets import Dataset
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer
base = 'test/fixtures/hf-tiny-mistral/base'
tok = AutoTokenizer.from_pretrained('assets/tokenizer/mistral-7b-v0.1')
model = AutoModelForCausalLM.from_pretrained(base)
long_prompt = ' '.join(['word'] * 40)
rows = [{'prompt': long_prompt, 'completion': ' answer'}, {'prompt': 'Hi', 'completion': ' there'}, {'prompt': long_prompt + ' more', 'completion': ' x'}]
for packing in (False, True):
    with tempfile.TemporaryDirectory() as d:
        args = SFTConfig(output_dir=d, max_length=16, packing=packing, report_to=[], use_cpu=True, dataset_num_proc=None)
        t = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok)
        ds = t.train_dataset
        print('prompt/completion packing', packing, 'rows', len(ds), [sum(1 for l in r['labels'] if l != -100) for r in ds], [len(r['input_ids']) for r in ds], ds.column_names)
    pre = [{'input_ids': list(range(5, 25)), 'labels': [-100] * 18 + [23, 24]}, {'input_ids': [5, 6, 7], 'labels': [5, 6, 7]}, {'input_ids': [8, 9], 'labels': [-100, -100]}]
    with tempfile.TemporaryDirectory() as d:
        args = SFTConfig(output_dir=d, max_length=16, packing=packing, report_to=[], use_cpu=True)
        t = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(pre), processing_class=tok)
        ds = t.train_dataset
        print('pretokenized packing', packing, 'rows', len(ds), [sum(1 for l in r['labels'] if l != -100) for r in ds], [len(r['input_ids']) for r in ds])
