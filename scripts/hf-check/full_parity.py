# Full fine-tuning (method: full) by `mistral-tune train` against HF's own Trainer on the same model, rows (in file
# order) and settings, for each model make_bases.py saved (tied embeddings, whose one matrix gets the gradient of
# the embedding and of the LM head; head_dim apart from hidden/heads; a sliding window shorter than the rows; GQA):
# per-step loss and pre-clipping gradient norm, and every weight at the end. Not part of the product.
# Usage: python3 scripts/hf-check/make_bases.py DIR && python3 scripts/hf-check/full_parity.py DIR
import json, os, random, subprocess, sys, tempfile
import torch
from safetensors.torch import load_file
from torch.utils.data import SequentialSampler
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

d = sys.argv[1]
torch.set_num_threads(2)
PAD = 0
rng = random.Random(11)
rows = [{'input_ids': [1] + [rng.randrange(3, 512) for _ in range(8 + 2 * i)]} for i in range(8)]
for r in rows[::2]:
    r['input_ids'][3] = 0  # token 0 in the text: the pad id of one base, whose embedding row HF's padding_idx leaves untrained
STEPS, BATCH, LR = 4, 2, 2e-3


class InOrder(Trainer):
    def _get_train_sampler(self, *args, **kwargs):
        return SequentialSampler(self.train_dataset)


def collate(batch):
    T = max(len(r['input_ids']) for r in batch)
    ids = [r['input_ids'] + [PAD] * (T - len(r['input_ids'])) for r in batch]
    return {'input_ids': torch.tensor(ids),
            'attention_mask': torch.tensor([[1] * len(r['input_ids']) + [0] * (T - len(r['input_ids'])) for r in batch]),
            'labels': torch.tensor([r['input_ids'] + [-100] * (T - len(r['input_ids'])) for r in batch])}


def rel(a, b):
    return ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()


worst = 0.0
for name in sorted(n for n in os.listdir(d) if os.path.exists(f'{d}/{n}/config.json')):
    base = f'{d}/{name}'
    with tempfile.TemporaryDirectory() as work:
        data = f'{work}/rows.jsonl'
        with open(data, 'w') as f:
            f.writelines(json.dumps(r) + '\n' for r in rows)
        run = f'{work}/run'
        cfg = {'model': base, 'method': 'full', 'data': {'train': data}, 'optimizer': {'lr': LR}, 'batch_size': BATCH,
               'max_steps': STEPS, 'shuffle': False, 'grad_clip': 1.0, 'schedule': {'type': 'linear', 'warmup_steps': 1},
               'eval': {'samples': 0}, 'device': 'cpu', 'precision': 'fp32', 'output_dir': run}
        with open(f'{work}/cfg.json', 'w') as f:
            json.dump(cfg, f)
        r = subprocess.run(['node', 'bin/mistral-tune.js', 'train', f'{work}/cfg.json'], capture_output=True, text=True)
        if r.returncode != 0:
            print(r.stderr)
            sys.exit(1)
        # the training rows of metrics.jsonl (evaluation rows have a split)
        ours_steps = [m for m in map(json.loads, open(f'{run}/metrics.jsonl')) if 'grad_norm' in m]
        ours_final = {}
        for f in os.listdir(f'{run}/model'):
            if f.endswith('.safetensors'):
                ours_final.update(load_file(f'{run}/model/{f}'))
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32, attn_implementation='eager')
        args = TrainingArguments(
            output_dir=f'{work}/hf', per_device_train_batch_size=BATCH, max_steps=STEPS, learning_rate=LR,
            lr_scheduler_type='linear', warmup_steps=1, max_grad_norm=1.0, logging_steps=1, save_strategy='no',
            report_to=[], optim='adamw_torch', use_cpu=True, dataloader_num_workers=0, remove_unused_columns=False,
            seed=0, disable_tqdm=True, weight_decay=0.0)
        trainer = InOrder(model=model, args=args, train_dataset=rows, data_collator=collate)
        trainer.train()
        logs = [h for h in trainer.state.log_history if 'loss' in h]
        theirs = model.state_dict()
    loss_err = max(abs(h['loss'] - m['loss']) / abs(m['loss']) for h, m in zip(logs, ours_steps))
    norm_err = max(abs(float(h['grad_norm']) - m['grad_norm']) / m['grad_norm'] for h, m in zip(logs, ours_steps))
    tensor_err, missing = 0.0, []
    for k, v in theirs.items():
        if k == 'lm_head.weight' and model.config.tie_word_embeddings:
            continue  # the embedding itself
        if k not in ours_final:
            missing.append(k)
            continue
        tensor_err = max(tensor_err, rel(ours_final[k], v))
    ok = len(logs) == len(ours_steps) == STEPS and not missing
    worst = max(worst, max(loss_err, norm_err, tensor_err) if ok else float('inf'))
    print(f'{name:20s} steps {len(ours_steps)}/{len(logs)}  loss {loss_err:.1e}  grad_norm {norm_err:.1e}  final weights {tensor_err:.1e}'
          + (f'  missing {missing}' if missing else ''))
print('FULL PARITY', 'PASS' if worst <= 1e-3 else 'FAIL', f'(worst {worst:.1e})')
sys.exit(0 if worst <= 1e-3 else 1)
