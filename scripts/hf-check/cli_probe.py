# The CLI end to end on tiny random Mistral models of varied configs, against transformers + PEFT: `eval` (loss of
# pre-tokenized rows), `generate --raw` (12 greedy tokens against HF's full forwards), `train` (4 LoRA steps from a PEFT
# adapter with lora_B random, rows in file order, linear warmup, weight decay, clipping) against HF's Trainer + PEFT
# (per-step loss and grad norm, every final adapter tensor), `export` (the adapter loaded by PeftModel, the merged
# model by transformers: PEFT's own merge_and_unload rounded once to each tensor's dtype), `eval --run`; full
# fine-tuning of classifiers and a causal LM against HF's Trainer; and what we must refuse in one line (exit 2).
# Configs: head_dim apart from hidden/heads, MHA, GQA down to one KV head, three heads, head_dim 2, sliding windows
# shorter than the rows, rope θ from 500 to 1e8, tied embeddings, odd intermediate sizes, RMSNorm ε, BF16 / F16 /
# F32 files, shards, an EOS list, no BOS, SEQ_CLS heads with pad 0, pad = EOS and no pad (rows ending with EOS).
# LoRA: r 1…16, alpha, rsLoRA, target subsets, a regex, all-linear, exclude_modules, layers_to_transform, bias.
# Not part of the product. From the project root, after `npm run build` (it runs bin/mistral-tune.js):
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/cli_probe.py OUT_DIR [CASE...]
import contextlib, io, json, os, random, shutil, subprocess, sys, tempfile, warnings
import torch
from safetensors.torch import load_file
from torch.utils.data import SequentialSampler
from transformers import (AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer, MistralConfig,
                          MistralForCausalLM, MistralForSequenceClassification, Trainer, TrainingArguments)
from transformers.utils import logging as hf_logging
from peft import LoraConfig, PeftModel, get_peft_model

hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()
warnings.filterwarnings('ignore')
torch.set_num_threads(2)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN, TOK = f'{ROOT}/bin/mistral-tune.js', f'{ROOT}/models/mistral-tune-tiny'  # the bundled 32000-token tokenizer
out = os.path.abspath(sys.argv[1])
only = set(sys.argv[2:])
V, EOS = 32000, 2
PROJ = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']
BASE = dict(vocab_size=V, hidden_size=32, intermediate_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=256, bos_token_id=1, eos_token_id=EOS, sliding_window=None, initializer_range=0.2)
F32, BF16, F16 = torch.float32, torch.bfloat16, torch.float16
CLS = dict(cls=True)
# name: (MistralConfig keys over BASE, how it is saved, LoRA config of the training run or None, what is checked)
LORA = {
    'hd12-theta1e6-bf16-sharded': (dict(head_dim=12, rope_parameters={'rope_type': 'default', 'rope_theta': 1e6}), dict(dtype=BF16, shard=True), dict(r=4, lora_alpha=8)),
    'mha-tied-sw3-i37-eps1e-3': (dict(num_key_value_heads=4, tie_word_embeddings=True, sliding_window=3, intermediate_size=37, rms_norm_eps=1e-3), {},
                                 dict(r=2, lora_alpha=5, use_rslora=True, target_modules=['q_proj', 'v_proj', 'down_proj'])),
    'kv1-hd16-theta500-ctx64': (dict(hidden_size=24, num_attention_heads=2, num_key_value_heads=1, head_dim=16, max_position_embeddings=64,
                                     rope_parameters={'rope_type': 'default', 'rope_theta': 500.0}), {}, dict(r=3, lora_alpha=16, target_modules=['gate_proj', 'up_proj', 'o_proj'])),
    'tied-bf16-sw5-kv1-3layers': (dict(num_key_value_heads=1, tie_word_embeddings=True, sliding_window=5, num_hidden_layers=3), dict(dtype=BF16), dict(r=8, lora_alpha=8, target_modules=['k_proj'])),
    'heads3-h30-hd10-i7': (dict(hidden_size=30, num_attention_heads=3, num_key_value_heads=1, head_dim=10, intermediate_size=7), {}, dict(r=2, lora_alpha=3)),
    'hd2-h8-f16-eps1e-8': (dict(hidden_size=8, num_attention_heads=4, num_key_value_heads=2, head_dim=2, rms_norm_eps=1e-8), dict(dtype=F16), dict(r=1, lora_alpha=1)),
    'eos-list-no-bos-theta1e8': (dict(eos_token_id=[EOS, 123], bos_token_id=None, num_hidden_layers=1, rope_parameters={'rope_type': 'default', 'rope_theta': 1e8}), {},
                                 dict(r=4, lora_alpha=2, target_modules=['o_proj'])),
    'mha8-h64-r16-sharded': (dict(hidden_size=64, num_attention_heads=8, num_key_value_heads=8, intermediate_size=17, num_hidden_layers=1), dict(shard=True),
                             dict(r=16, lora_alpha=64, use_rslora=True)),
    'lora-bias-all': ({}, {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj'], bias='all')),
    'lora-layers-to-transform': ({}, {}, dict(r=4, lora_alpha=8, layers_to_transform=[1])),
    'lora-regex': ({}, {}, dict(r=4, lora_alpha=8, target_modules=r'.*\.1\.mlp\.(gate|up)_proj')),
    'lora-all-linear': ({}, {}, dict(r=4, lora_alpha=8, target_modules='all-linear')),
    'lora-exclude': ({}, {}, dict(r=4, lora_alpha=8, exclude_modules=['down_proj'])),
    'cls3-pad0': (dict(num_labels=3, pad_token_id=0), CLS, dict(r=4, lora_alpha=8)),
    'cls2-pad-eos-sw4-tied': (dict(num_labels=2, pad_token_id=EOS, sliding_window=4, tie_word_embeddings=True), CLS, dict(r=4, lora_alpha=4, use_rslora=True, target_modules=['q_proj', 'k_proj'])),
    'cls3-all-linear-tied': (dict(num_labels=3, pad_token_id=0, tie_word_embeddings=True), CLS, dict(r=4, lora_alpha=8, target_modules='all-linear')),
    # a causal base without pad_token_id trained as a classifier on rows that end with EOS: the export's pad is EOS
    'cls2-from-causal-no-pad-eos-rows': (dict(num_labels=2), dict(cls=True, base_causal=True, eos_rows=True), dict(r=4, lora_alpha=8)),
    # 2026-12-05: scaled ropes end to end (train, export, eval --run), with DoRA + rsLoRA, sliding windows and tied embeddings
    'yarn-sw3-kv1-tied-bf16-shards-dora': (dict(num_key_value_heads=1, tie_word_embeddings=True, sliding_window=3, rope_parameters={
        'rope_type': 'yarn', 'rope_theta': 10000.0, 'factor': 4.0, 'original_max_position_embeddings': 8}), dict(dtype=BF16, shard=True),
        dict(r=2, lora_alpha=8, use_dora=True, use_rslora=True)),
    'llama3-mha-hd12-f16-cls3-pad0': (dict(num_labels=3, pad_token_id=0, num_key_value_heads=4, head_dim=12, rope_parameters={
        'rope_type': 'llama3', 'rope_theta': 5e5, 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, 'original_max_position_embeddings': 8}),
        dict(cls=True, dtype=F16), dict(r=4, lora_alpha=8, target_modules='all-linear')),
    'linear-sw2-eps1e-2-dora-subset': (dict(sliding_window=2, rms_norm_eps=1e-2, rope_parameters={'rope_type': 'linear', 'rope_theta': 300.0, 'factor': 2.5}), {},
                                       dict(r=1, lora_alpha=3, use_dora=True, target_modules=['v_proj', 'o_proj', 'gate_proj'])),
}
FULL = {
    'full-cls3-pad0-tied-sw4': (dict(num_labels=3, pad_token_id=0, tie_word_embeddings=True, sliding_window=4), CLS),
    'full-cls2-no-pad': (dict(num_labels=2), CLS),
    'full-gen-hd12-kv1-sw3-bf16': (dict(head_dim=12, num_key_value_heads=1, sliding_window=3), dict(dtype=BF16)),
    'full-gen-yarn-sw4-tied-f16': (dict(tie_word_embeddings=True, sliding_window=4, rope_parameters={'rope_type': 'yarn', 'rope_theta': 500.0, 'factor': 2.0,
                                                                                                   'original_max_position_embeddings': 16, 'attention_factor': 1.2}), dict(dtype=F16)),
}
# adapters PEFT makes that we must refuse naming the key (LoRA on or copies of modules other than the projections)
REFUSE = {
    'modules-to-save-lm-head': dict(target_modules=['q_proj'], modules_to_save=['lm_head']),
    'modules-to-save-embed': dict(target_modules=['q_proj'], modules_to_save=['embed_tokens']),
    'target-lm-head': dict(target_modules=['q_proj', 'lm_head']),
    'trainable-tokens': dict(target_modules=['q_proj'], trainable_token_indices=[5, 7]),
}
TOL = dict(eval=1e-5, step=1e-5, grad_norm=1e-4, adapter=1e-4, merged=1e-6, full=1e-5)
worst = {k: 0.0 for k in TOL}
failures = []


def rel(a, b):
    return ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()


def judge(name, what, err, tol_key):
    worst[tol_key] = max(worst[tol_key], err)
    if not err <= TOL[tol_key]:
        failures.append(f'{name}: {what} {err:.1e} > {TOL[tol_key]:g}')
    return f'{what} {err:.1e}'


def cli(*args):
    # bytes decoded as they are: text=True's universal newlines would turn a generated "\r" into "\n"
    r = subprocess.run(['node', BIN, *args], capture_output=True)
    return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode('utf-8', 'replace'), r.stderr.decode('utf-8', 'replace'))


def make_model(name, keys, save):
    d = f'{out}/{name}/model'
    cls = save.get('cls', False) and not save.get('base_causal', False)
    kw = {**BASE, **keys}
    if not cls:
        kw.pop('num_labels', None)
    torch.manual_seed(sum(map(ord, name)))
    m = (MistralForSequenceClassification if cls else MistralForCausalLM)(MistralConfig(**kw))
    with torch.no_grad():
        for n, p in m.named_parameters():
            if 'norm' in n:
                p.uniform_(0.5, 1.5)
    m.to(save.get('dtype', F32)).save_pretrained(d, max_shard_size='1MB' if save.get('shard') else '5GB')
    for f in ['tokenizer.json', 'tokenizer_config.json']:
        shutil.copy(f'{TOK}/{f}', d)
    return d


def make_rows(name, cls, num_labels, eos_rows=False):
    rng = random.Random(name)
    rows = []
    for _ in range(6):
        ids = [1] + [rng.randrange(3, V) for _ in range(rng.randint(5, 13))] + ([EOS] * rng.randint(1, 2) if eos_rows else [])
        if cls:
            rows.append({'input_ids': ids, 'label': rng.randrange(num_labels)})
        else:
            labels = [-100 if j < rng.randint(0, 3) else t for j, t in enumerate(ids)]
            rows.append({'input_ids': ids, 'labels': labels})
    return rows


def mean_loss(model, rows, cls):
    """Token-weighted loss (classification: mean over rows), each row alone (no padding)."""
    tot, n = 0.0, 0
    with torch.no_grad():
        for r in rows:
            lg = model(input_ids=torch.tensor([r['input_ids']])).logits
            if cls:
                tot += torch.nn.functional.cross_entropy(lg, torch.tensor([r['label']])).item()
                n += 1
            else:
                lab = torch.tensor(r['labels'][1:])
                tot += torch.nn.functional.cross_entropy(lg[0, :-1], lab, ignore_index=-100, reduction='sum').item()
                n += int((lab != -100).sum())
    return tot / n


class InOrder(Trainer):
    def _get_train_sampler(self, *args, **kwargs):
        return SequentialSampler(self.train_dataset)


def hf_train(model, rows, pad, full):
    def collate(rs):
        T = max(len(r['input_ids']) for r in rs)
        o = {'input_ids': torch.tensor([r['input_ids'] + [pad] * (T - len(r['input_ids'])) for r in rs]),
             'attention_mask': torch.tensor([[1] * len(r['input_ids']) + [0] * (T - len(r['input_ids'])) for r in rs])}
        o['labels'] = (torch.tensor([r['label'] for r in rs]) if 'label' in rs[0]
                       else torch.tensor([r['labels'] + [-100] * (T - len(r['labels'])) for r in rs]))
        return o
    with tempfile.TemporaryDirectory() as td:
        args = TrainingArguments(output_dir=td, per_device_train_batch_size=3, max_steps=3 if full else 4, learning_rate=2e-3 if full else 5e-3,
                                 weight_decay=0.01, lr_scheduler_type='linear', warmup_steps=1, max_grad_norm=1.0, logging_steps=1, save_strategy='no',
                                 report_to=[], optim='adamw_torch', use_cpu=True, dataloader_num_workers=0, remove_unused_columns=False, seed=0, disable_tqdm=True)
        trainer = InOrder(model=model, args=args, train_dataset=rows, data_collator=collate)
        with contextlib.redirect_stdout(io.StringIO()):  # Trainer prints each log row
            trainer.train()
        return [h for h in trainer.state.log_history if 'loss' in h]


def run_train(name, d, rows, task, labels, extra):
    data = f'{out}/{name}/train.jsonl'
    with open(data, 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in rows)
    full = extra.get('method') == 'full'
    cfg = dict(model=d, task=task, data=dict(train=data), shuffle=False, eval=dict(samples=0), device='cpu', precision='fp32',
               output_dir=f'{out}/{name}/run', batch_size=3, max_steps=3 if full else 4, optimizer=dict(lr=2e-3 if full else 5e-3, weight_decay=0.01),
               schedule=dict(type='linear', warmup_steps=1), grad_clip=1.0, **({'labels': labels} if labels else {}), **extra)
    with open(f'{out}/{name}/train.yaml', 'w') as f:
        json.dump(cfg, f)
    r = cli('train', f'{out}/{name}/train.yaml', '--overwrite')
    return data, r


def compare_steps(name, ours_file, logs):
    ours = [json.loads(l) for l in open(ours_file) if '"split"' not in l]
    if len(ours) != len(logs):
        failures.append(f'{name}: {len(ours)} steps, HF {len(logs)}')
    loss = max(abs(h['loss'] - o['loss']) / abs(o['loss']) for h, o in zip(logs, ours))
    norm = max(abs(float(h['grad_norm']) - o['grad_norm']) / o['grad_norm'] for h, o in zip(logs, ours))
    return [judge(name, 'step loss', loss, 'step'), judge(name, 'grad norm', norm, 'grad_norm')]


def lora_case(name, keys, save, lora):
    d = make_model(name, keys, save)
    cls = save.get('cls', False)
    labels = [f'c{i}' for i in range(keys['num_labels'])] if cls else None
    rows = make_rows(name, cls, keys.get('num_labels', 2), save.get('eos_rows', False))
    M = AutoModelForSequenceClassification if cls else AutoModelForCausalLM
    # the classifier as transformers runs it: pad_token_id set (to EOS, the usual choice, when the config has none)
    hf_kw = dict(num_labels=keys['num_labels'], pad_token_id=keys.get('pad_token_id', EOS)) if cls else {}
    notes = []
    data = f'{out}/{name}/train.jsonl'
    if not save.get('base_causal'):
        with open(data, 'w') as f:
            f.writelines(json.dumps(r) + '\n' for r in rows)
        r = cli('eval', '--model', d, '--data', data, '--json', '--precision', 'fp32', *(['--labels', ','.join(labels)] if cls else []))
        ref = mean_loss(M.from_pretrained(d, dtype=torch.float64).eval(), rows, cls)
        notes.append(judge(name, 'eval', abs(json.loads(r.stdout)['loss'] - ref) / ref, 'eval') if r.returncode == 0 else f'eval ERROR {r.stderr[-200:]}')
        if r.returncode:
            failures.append(f'{name}: eval failed')
    if not cls:
        tok, m = AutoTokenizer.from_pretrained(d), AutoModelForCausalLM.from_pretrained(d, dtype=torch.float64).eval()
        seq, new, margin = tok('The quick brown fox')['input_ids'], [], float('inf')
        with torch.no_grad():
            for _ in range(12):
                top = m(input_ids=torch.tensor([seq])).logits[0, -1].topk(2)
                margin = min(margin, float(top.values[0] - top.values[1]))
                if int(top.indices[0]) in (keys.get('eos_token_id', EOS) if isinstance(keys.get('eos_token_id'), list) else [EOS]):
                    break
                new.append(int(top.indices[0]))
                seq.append(new[-1])
        r = cli('generate', '--model', d, '--prompt', 'The quick brown fox', '--raw', '--max-new-tokens', '12', '--precision', 'fp32')
        same = r.returncode == 0 and r.stdout[:-1] == tok.decode(new)
        if not same and margin > 1e-4:
            failures.append(f'{name}: greedy text differs: ours {r.stdout!r}, HF {tok.decode(new)!r}')
        notes.append(f"greedy {'same' if same else 'DIFFERS'} (margin {margin:.0e})")
    # training from a PEFT adapter whose lora_B is random
    pm = get_peft_model(M.from_pretrained(d, dtype=torch.float32, **hf_kw), LoraConfig(lora_dropout=0.0, task_type='SEQ_CLS' if cls else 'CAUSAL_LM', **lora))
    torch.manual_seed(5)
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if 'lora_B' in n:
                p.copy_(0.1 * torch.randn_like(p))
    init = f'{out}/{name}/adapter-init'
    pm.save_pretrained(init)
    data, r = run_train(name, d, rows, 'classification' if cls else 'generation', labels, dict(lora=dict(init_from=init)))
    if r.returncode:
        failures.append(f'{name}: train failed: {r.stderr[-300:]}')
        return notes + ['train ERROR']
    pm = PeftModel.from_pretrained(M.from_pretrained(d, dtype=torch.float32, attn_implementation='eager', **hf_kw), init, is_trainable=True)
    notes += compare_steps(name, f'{out}/{name}/run/metrics.jsonl', hf_train(pm, rows, hf_kw.get('pad_token_id', 0), False))
    pm.save_pretrained(f'{out}/{name}/hf-final')
    theirs, ours = load_file(f'{out}/{name}/hf-final/adapter_model.safetensors'), load_file(f'{out}/{name}/run/adapter/adapter_model.safetensors')
    if set(theirs) != set(ours):
        failures.append(f'{name}: adapter tensors differ: ours {sorted(set(ours) - set(theirs))[:2]}, HF {sorted(set(theirs) - set(ours))[:2]}')
    else:
        notes.append(judge(name, 'adapter', max(rel(ours[k], v) for k, v in theirs.items()), 'adapter'))
    # exports: the adapter through PeftModel, the merged model through transformers, and eval --run on both's rows
    ex, mx = f'{out}/{name}/export-adapter', f'{out}/{name}/export-merged'
    for p in (ex, mx):
        shutil.rmtree(p, ignore_errors=True)
    if cli('export', '--run', f'{out}/{name}/run', '--out', ex).returncode or cli('export', '--run', f'{out}/{name}/run', '--out', mx, '--merge').returncode:
        failures.append(f'{name}: export failed')
        return notes
    dtype = save.get('dtype', F32)
    merged = PeftModel.from_pretrained(M.from_pretrained(d, dtype=torch.float32, **hf_kw), ex).merge_and_unload().to(torch.float64)
    with torch.no_grad():
        for p in merged.parameters():
            p.copy_(p.to(dtype).double())  # rounded once to the file's dtype, as the export writes it
    ids = torch.tensor([rows[0]['input_ids']])
    with torch.no_grad():
        notes.append(judge(name, 'merged', rel(M.from_pretrained(mx, dtype=torch.float64).eval()(input_ids=ids).logits, merged.eval()(input_ids=ids).logits), 'merged'))
    r = cli('eval', '--run', f'{out}/{name}/run', '--data', data, '--json', '--precision', 'fp32')
    ref = mean_loss(PeftModel.from_pretrained(M.from_pretrained(d, dtype=torch.float64, **hf_kw), ex).eval(), rows, cls)
    notes.append(judge(name, 'eval --run vs PeftModel', abs(json.loads(r.stdout)['loss'] - ref) / ref, 'eval') if r.returncode == 0 else 'eval --run ERROR')
    return notes


def full_case(name, keys, save):
    d = make_model(name, keys, save)
    cls = save.get('cls', False)
    labels = [f'c{i}' for i in range(keys['num_labels'])] if cls else None
    rows = make_rows(name, cls, keys.get('num_labels', 2))
    _, r = run_train(name, d, rows, 'classification' if cls else 'generation', labels, dict(method='full'))
    if r.returncode:
        failures.append(f'{name}: train failed: {r.stderr[-300:]}')
        return ['train ERROR']
    M = AutoModelForSequenceClassification if cls else AutoModelForCausalLM
    m = M.from_pretrained(d, dtype=torch.float32, attn_implementation='eager')
    if cls and m.config.pad_token_id is None:
        m.config.pad_token_id = EOS  # HF refuses batches without one; our rows hold no EOS
    notes = compare_steps(name, f'{out}/{name}/run/metrics.jsonl', hf_train(m, rows, m.config.pad_token_id or 0, True))
    ours = {}
    for f in os.listdir(f'{out}/{name}/run/model'):
        if f.endswith('.safetensors'):
            ours.update(load_file(f'{out}/{name}/run/model/{f}'))
    sd = m.state_dict()
    if m.config.tie_word_embeddings and not cls:  # tied: lm_head.weight is the embedding, which save_pretrained leaves out too
        sd.pop('lm_head.weight')
    if set(ours) - set(sd) or set(k for k in sd if 'rotary' not in k) - set(ours):
        failures.append(f'{name}: saved weights differ in names')
    notes.append(judge(name, 'weights', max(rel(ours[k].float(), sd[k]) for k in ours if k in sd), 'full'))
    return notes


def refusal_case(name, lora):
    d = make_model(name, {'num_hidden_layers': 1}, {})
    pm = get_peft_model(AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32), LoraConfig(r=2, lora_alpha=4, task_type='CAUSAL_LM', **lora))
    pm.save_pretrained(f'{out}/{name}/adapter')
    rows = make_rows(name, False, 2)
    data = f'{out}/{name}/rows.jsonl'
    with open(data, 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in rows)
    notes = []
    for what, r in [('eval --adapter', cli('eval', '--model', d, '--adapter', f'{out}/{name}/adapter', '--data', data)),
                    ('train init_from', run_train(name, d, rows, 'generation', None, dict(lora=dict(init_from=f'{out}/{name}/adapter')))[1])]:
        errors = [l for l in r.stderr.split('\n') if l.startswith('error:')]
        ok = r.returncode == 2 and len(errors) == 1
        if not ok:
            failures.append(f'{name}: {what} not refused in one line (exit {r.returncode})')
        notes.append(f"{what}: {errors[0][:150] if errors else 'NOT REFUSED'}")
    return notes


def num_labels_1_case(name):
    d = make_model(name, {'num_labels': 1, 'pad_token_id': 0}, CLS)
    rows = make_rows(name, True, 1)
    data = f'{out}/{name}/rows.jsonl'
    with open(data, 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in rows)
    r = cli('eval', '--model', d, '--data', data)
    errors = [l for l in r.stderr.split('\n') if l.startswith('error:')]
    if not (r.returncode == 2 and len(errors) == 1 and 'num_labels' in errors[0]):
        failures.append(f'{name}: a one-row head (transformers: regression) not refused naming num_labels')
    return [errors[0][:160] if errors else 'NOT REFUSED']


cases = [(n, lambda n=n, c=c: lora_case(n, *c)) for n, c in LORA.items()] + [(n, lambda n=n, c=c: full_case(n, *c)) for n, c in FULL.items()]
cases += [(f'refuse-{n}', lambda n=n, c=c: refusal_case(f'refuse-{n}', c)) for n, c in REFUSE.items()] + [('refuse-num-labels-1', lambda: num_labels_1_case('refuse-num-labels-1'))]
for name, run in cases:
    if only and name not in only:
        continue
    print(f'{name:36s} ' + '; '.join(run()), flush=True)
print('worst:', ', '.join(f'{k} {v:.1e} (tol {TOL[k]:g})' for k, v in worst.items()))
print('CLI PROBE', 'PASS' if not failures else 'FAIL', *failures, sep='\n  ' if failures else ' ')
sys.exit(1 if failures else 0)
