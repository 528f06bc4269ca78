# Raw records (not pre-tokenized) trained packed, end to end, against TRL 1.13's SFTTrainer(packing=True): ours tokenizes,
# masks (data.train_on: assistant — TRL's completion_only_loss for prompt/completion records, assistant_only_loss for
# chats, with our built-in template given {% generation %} as test/fixtures/trl-masks/make_masks.py gives it), packs
# (best fit decreasing) and trains; TRL does each of these itself on the same records, from the same PEFT adapter
# (lora_B off zero), rows in file order. trl_masks_fuzz.py holds the masks alone, the packed train_fuzz cases take
# pre-tokenized rows: this is the two together, with a record longer than max_length (TRL cuts it in its packer, ours
# truncates it: the same tokens). Per-step loss and grad norm, the final adapter. Not part of the product. From the project
# root, after `npm run build`:  HF_HUB_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/trl_raw_packing.py OUT_DIR [SEED]
import contextlib, io, json, os, random, subprocess, sys
import torch
from datasets import Dataset
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file
from torch.utils.data import SequentialSampler
from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
from trl import SFTConfig, SFTTrainer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = f'{ROOT}/models/mistral-tune-tiny'
TEMPLATE = f'{ROOT}/test/tokenizer/fixtures/chat-templates/default.jinja'
OUT = os.path.abspath(sys.argv[1])
SEED = int(sys.argv[2]) if len(sys.argv) > 2 else 0
torch.set_num_threads(2)
WORDS = 'the a quick brown fox jumps over lazy dog alpha beta gamma delta seven nine Paris Berlin water fire 42 3.14 why how'.split()


def sentence(rng, lo, hi):
    return ' '.join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def records(rng, chat):
    out = []
    for i in range(12):
        long = i == 5  # past max_length: cut inside its completion (a record the cut leaves without a target: README, ours drops it)
        p, c = sentence(rng, 2, 8), sentence(rng, 30 if long else 1, 40 if long else 6)
        if chat:
            msgs = [{'role': 'user', 'content': p}, {'role': 'assistant', 'content': c}]
            if rng.random() < 0.4:
                msgs += [{'role': 'user', 'content': sentence(rng, 1, 4)}, {'role': 'assistant', 'content': sentence(rng, 1, 4)}]
            if rng.random() < 0.3:
                msgs.insert(0, {'role': 'system', 'content': sentence(rng, 1, 4)})
            out.append({'messages': msgs})
        else:
            out.append({'prompt': p + '\nAnswer:', 'completion': ' ' + c})
    return out


class LrLog(TrainerCallback):
    def __init__(self):
        self.lrs = []

    def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        self.lrs.append(optimizer.param_groups[0]['lr'])


class InOrderSFT(SFTTrainer):
    def _get_train_sampler(self, *args, **kwargs):
        return SequentialSampler(self.train_dataset)


def rel(a, b):
    return ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()


def run(name, chat, c):
    d = f'{OUT}/{name}'
    os.makedirs(d, exist_ok=True)
    rows = records(random.Random(SEED * 101 + chat), chat)
    with open(f'{d}/train.jsonl', 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in rows)
    base = lambda: AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32, attn_implementation='eager')  # noqa: E731
    torch.manual_seed(SEED)
    m = get_peft_model(base(), LoraConfig(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj', 'down_proj'], task_type='CAUSAL_LM'))
    with torch.no_grad():
        for n, p in m.named_parameters():
            if 'lora_B' in n:
                p.normal_(0, 0.02)
    m.save_pretrained(f'{d}/init')
    cfg = dict(model=MODEL, data=dict(train=f'{d}/train.jsonl', train_on='assistant'), lora=dict(init_from=f'{d}/init'), shuffle=False,
               packing=True, eval=dict(samples=0), output_dir=f'{d}/run', grad_clip=1.0, optimizer=dict(lr=1e-2), schedule=dict(type='linear', warmup_steps=1), **c)
    with open(f'{d}/config.yaml', 'w') as f:
        json.dump(cfg, f)
    r = subprocess.run(['node', f'{ROOT}/bin/mistral-tune.js', 'train', f'{d}/config.yaml', '--overwrite'], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr[-1500:])
    ours = [json.loads(l) for l in open(f'{d}/run/metrics.jsonl') if l.strip() and 'split' not in l]
    tok = AutoTokenizer.from_pretrained(MODEL)
    if chat:
        turn = "{{- ' ' + message['content'] + eos_token -}}"
        tok.chat_template = open(TEMPLATE).read().replace(turn, '{% generation %}' + turn + '{% endgeneration %}')
    model = PeftModel.from_pretrained(base(), f'{d}/init', is_trainable=True)
    lr = LrLog()
    args = SFTConfig(output_dir=f'{d}/hf', packing=True, max_length=c['max_seq_len'], per_device_train_batch_size=c['batch_size'],
                     gradient_accumulation_steps=c['grad_accum'], num_train_epochs=c['epochs'], learning_rate=1e-2, lr_scheduler_type='linear',
                     warmup_steps=1, max_grad_norm=1.0, logging_steps=1, save_strategy='no', report_to=[], use_cpu=True, bf16=False,
                     assistant_only_loss=chat, disable_tqdm=True, seed=0)
    trainer = InOrderSFT(model=model, args=args, train_dataset=Dataset.from_list(rows), processing_class=tok, callbacks=[lr])
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        trainer.train()
    theirs = [h for h in trainer.state.log_history if 'loss' in h]
    res = {'steps': f'{len(ours)} / {len(theirs)}'}
    if len(ours) == len(theirs):
        res['loss'] = max(abs(a['loss'] - b['loss']) / abs(b['loss']) for a, b in zip(ours, theirs))
        res['grad_norm'] = max(abs(a['grad_norm'] - float(b['grad_norm'])) / float(b['grad_norm']) for a, b in zip(ours, theirs))
        res['lr'] = max(abs(a['lr'] - b) for a, b in zip(ours, lr.lrs))
        state = model.state_dict()
        mine = load_file(f'{d}/run/adapter/adapter_model.safetensors')
        res['adapter'] = max(rel(v, state[k.replace('.weight', '.default.weight')]) for k, v in mine.items())
    ok = len(ours) == len(theirs) and max(v for k, v in res.items() if k != 'steps') <= 1e-4
    print(f'{name} {"ok" if ok else "MISMATCH"} ' + '  '.join(f'{k} {v:.1e}' if isinstance(v, float) else f'{k} {v}' for k, v in res.items()) + f'  [{json.dumps(c)}]', flush=True)
    if not ok:
        print('   ours', [(s['loss'], s['grad_norm']) for s in ours], '\n   TRL ', [(s['loss'], s['grad_norm']) for s in theirs], flush=True)
    return ok


CASES = [('prompt_completion_2x2', False, dict(batch_size=2, grad_accum=2, epochs=2, max_seq_len=48)),
         ('prompt_completion_1x3', False, dict(batch_size=1, grad_accum=3, epochs=1, max_seq_len=32)),
         ('chat_assistant_2x2', True, dict(batch_size=2, grad_accum=2, epochs=2, max_seq_len=48)),
         ('chat_assistant_1x1', True, dict(batch_size=1, grad_accum=1, epochs=1, max_seq_len=64))]
if __name__ == '__main__':
    good = [run(*case) for case in CASES]
    print('TRL RAW PACKING', 'PASS' if all(good) else f'FAIL ({good.count(False)} cases)', f'(seed {SEED})')
