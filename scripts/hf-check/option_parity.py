# Training options that test/train/multistep-parity.test.ts's cases leave out, run by the real CLI against HF's own
# Trainer + PEFT (transformers 5.17, PEFT 0.21, CPU, float32, eager attention) on the tiny fixture base and
# test/fixtures/train-reference/gen-train.jsonl in file order: warmup as a fraction of the run's steps (rounded up, as
# get_warmup_steps), warmup longer than the run, uneven accumulation over several epochs, all-linear with
# layers_to_transform, rsLoRA + DoRA, ranks above a projection's sides (64, 48), other model shapes, DoRA classification, packing (against HF on the same groups of
# rows), rows whose first label is a target, full fine-tuning, a fresh adapter's start, and lora_dropout (statistics over
# seeds: our masks are not torch's). For each case it prints the largest relative
# difference of per-step loss, lr, grad_norm and of the final adapter, and the logits of our saved adapter loaded by
# PeftModel.from_pretrained against HF's trained model. Not part of the product. From the project root, after
# `npm run build`:  HF_HUB_OFFLINE=1 python3 scripts/hf-check/option_parity.py OUT_DIR [CASE...]
import contextlib, io, json, math, os, shutil, statistics, subprocess, sys, warnings
import torch
from safetensors.torch import load_file
from torch.utils.data import SequentialSampler
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, LlamaConfig, LlamaForCausalLM, MinistralConfig, MinistralForCausalLM, MistralConfig, MistralForCausalLM, Trainer, TrainerCallback, TrainingArguments
from transformers.utils import logging as hf_logging
from peft import LoraConfig, PeftModel, get_peft_model

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures'))
from trl_packs import trl_packs  # noqa: E402

hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()
warnings.filterwarnings('ignore')
torch.set_num_threads(2)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = f'{ROOT}/bin/mistral-tune.js'
BASE = f'{ROOT}/test/fixtures/hf-tiny-mistral/base'
DATA = f'{ROOT}/test/fixtures/train-reference/gen-train.jsonl'
out = os.path.abspath(sys.argv[1])
only = set(sys.argv[2:])
PAD = 0
ROWS = [json.loads(l) for l in open(DATA) if l.strip()]
OPT = dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0)

# name: (PEFT LoraConfig keys of the adapter it starts from (None: a fresh adapter of ours), our config keys)
CASES = {
    'warmup_ratio_linear': (dict(r=2, lora_alpha=5), dict(batch_size=2, epochs=2, schedule=dict(type='linear', warmup_steps=0.3))),
    'warmup_ratio_cosine_max_steps': (dict(r=2, lora_alpha=5), dict(batch_size=2, grad_accum=2, max_steps=5, schedule=dict(type='cosine', warmup_steps=0.25))),
    'warmup_ratio_constant': (dict(r=2, lora_alpha=5), dict(batch_size=3, epochs=3, schedule=dict(type='constant', warmup_steps=0.5))),
    'warmup_past_run': (dict(r=2, lora_alpha=5), dict(batch_size=4, epochs=2, schedule=dict(type='linear', warmup_steps=10))),
    'accum_2x3_uneven_3_epochs_clip': (dict(r=4, lora_alpha=8), dict(batch_size=2, grad_accum=3, epochs=3, grad_clip=0.3, schedule=dict(type='cosine', warmup_steps=1),
                                                                      optimizer=dict(lr=2e-2, betas=[0.85, 0.99], eps=1e-7, weight_decay=0.05))),
    'all_linear_weight_decay': (dict(r=4, lora_alpha=16, target_modules='all-linear'),
                                dict(batch_size=3, grad_accum=2, epochs=2, optimizer=dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1))),
    'layers_to_transform_subset': (dict(r=3, lora_alpha=6, target_modules=['q_proj', 'v_proj', 'gate_proj'], layers_to_transform=[1]),
                                   dict(batch_size=4, epochs=3, schedule=dict(type='cosine', warmup_steps=0.5))),
    'rslora_dora_subset': (dict(r=8, lora_alpha=4, use_rslora=True, use_dora=True, target_modules=['k_proj', 'o_proj', 'up_proj']),
                           dict(batch_size=2, grad_accum=2, epochs=2, grad_clip=1.0, schedule=dict(type='linear', warmup_steps=0.2))),
    'max_steps_inside_epoch': (dict(r=2, lora_alpha=2), dict(batch_size=1, grad_accum=2, max_steps=3, schedule=dict(type='linear', warmup_steps=1))),
    'accum_past_epoch': (dict(r=2, lora_alpha=5), dict(batch_size=2, grad_accum=8, epochs=3, schedule=dict(type='linear', warmup_steps=1))),
    # packing: ours packs rows as TRL does (best fit decreasing) into max_seq_len; HF gets the same groups as padded batches
    'packing': (dict(r=2, lora_alpha=5), dict(batch_size=1, packing=True, max_seq_len=30, epochs=2)),
    'packing_2x2_accum': (dict(r=2, lora_alpha=5), dict(batch_size=2, grad_accum=2, packing=True, max_seq_len=24, epochs=2)),
    # another shape (saved by HF): 8 heads over 2 KV heads of 12 (≠ hidden 48 / 8), window 5, tied embeddings; DoRA on all-linear
    'variant_hd12_gqa4_sw5_tied_dora': (dict(r=4, lora_alpha=8, use_dora=True, target_modules='all-linear', base=dict(
        hidden_size=48, num_attention_heads=8, num_key_value_heads=2, head_dim=12, intermediate_size=40, sliding_window=5,
        tie_word_embeddings=True)), dict(batch_size=2, grad_accum=2, epochs=2, grad_clip=0.5, schedule=dict(type='cosine', warmup_steps=0.3),
                                        optimizer=dict(lr=1e-2, betas=[0.9, 0.98], eps=1e-6, weight_decay=0.05))),
    'variant_mha_sw3_dora_rslora_attn': (dict(r=2, lora_alpha=4, use_dora=True, use_rslora=True, target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj'],
                                              base=dict(hidden_size=32, num_attention_heads=2, num_key_value_heads=2, head_dim=24, sliding_window=3, num_hidden_layers=3)),
                                         dict(batch_size=7, epochs=3, schedule=dict(type='linear', warmup_steps=1))),
    # classification (SEQ_CLS, the score head in modules_to_save): DoRA, weight decay on the head too, micro-batches of 3
    'cls_dora_weight_decay': (dict(r=4, lora_alpha=8, use_dora=True, target_modules=['q_proj', 'v_proj', 'down_proj'], task_type='SEQ_CLS'),
                              dict(task='classification', labels=['neg', 'neutral', 'pos'], batch_size=3, epochs=2, grad_clip=1.0,
                                   schedule=dict(type='linear', warmup_steps=0.2), optimizer=dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1))),
    # 2026-12-05: rank 1 on a KV-1 tied base with head_dim ≠ hidden/heads, window 3, ε 1e-2, θ 500
    'variant_r1_kv1_hd24_tied_sw3_eps': (dict(r=1, lora_alpha=0.5, base=dict(num_key_value_heads=1, head_dim=24, tie_word_embeddings=True, sliding_window=3,
                                                                            rms_norm_eps=1e-2, rope_parameters={'rope_type': 'default', 'rope_theta': 500.0})),
                                         dict(batch_size=3, epochs=2, grad_clip=0.1, schedule=dict(type='linear', warmup_steps=2))),
    'cls_variant_mha_sw2_all_linear': (dict(r=2, lora_alpha=8, target_modules='all-linear', task_type='SEQ_CLS', base=dict(num_key_value_heads=4, sliding_window=2,
                                                                                                                          rms_norm_eps=1e-3)),
                                       dict(task='classification', labels=['neg', 'neutral', 'pos'], batch_size=2, epochs=2, grad_clip=0.5,
                                            schedule=dict(type='cosine', warmup_steps=1), optimizer=dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1))),
    # 2026-12-07: betas 0 (no moments), clipping at 1e-9, ε 1 with weight decay 2, the other schedules with their arguments,
    # a batch larger than the data, r 32 (the k/v side) with rsLoRA + DoRA, an adapter of init_lora_weights false, bias "all"
    # and fan_in_fan_out (PEFT reads them as plain LoRA), layers_pattern, a regex target, exclude_modules, DoRA SEQ_CLS on one layer
    'betas_0_weight_decay': (dict(r=2, lora_alpha=5), dict(batch_size=3, epochs=2, optimizer=dict(lr=1e-2, betas=[0.0, 0.0], eps=1e-8, weight_decay=0.1))),
    'beta1_0_clip_1e-9': (dict(r=2, lora_alpha=5), dict(batch_size=2, grad_accum=2, epochs=2, grad_clip=1e-9, optimizer=dict(lr=1e-2, betas=[0.0, 0.5], eps=1e-8, weight_decay=0.0))),
    'eps_1_weight_decay_2': (dict(r=2, lora_alpha=5), dict(batch_size=3, epochs=2, optimizer=dict(lr=5e-2, betas=[0.5, 0.5], eps=1.0, weight_decay=2.0))),
    'polynomial_sqrt_lr_end_0': (dict(r=2, lora_alpha=5), dict(batch_size=2, grad_accum=2, epochs=3, schedule=dict(type='polynomial', warmup_steps=2, power=0.5, lr_end=0.0))),
    'cosine_with_restarts_3': (dict(r=2, lora_alpha=5), dict(batch_size=1, grad_accum=2, epochs=2, schedule=dict(type='cosine_with_restarts', warmup_steps=0.25, num_cycles=3))),
    'inverse_sqrt_timescale_3': (dict(r=2, lora_alpha=5), dict(batch_size=2, epochs=2, schedule=dict(type='inverse_sqrt', warmup_steps=1, timescale=3))),
    'cosine_min_lr_one_cycle': (dict(r=2, lora_alpha=5), dict(batch_size=1, epochs=1, schedule=dict(type='cosine_with_min_lr', warmup_steps=2, num_cycles=1.0, min_lr_rate=0.3))),
    'wsd_decay_past_run': (dict(r=2, lora_alpha=5), dict(batch_size=2, epochs=2, schedule=dict(type='warmup_stable_decay', warmup_steps=1, num_decay_steps=10, decay_type='1-sqrt'))),
    'batch_past_rows_accum_3': (dict(r=2, lora_alpha=5), dict(batch_size=20, grad_accum=3, epochs=3, schedule=dict(type='linear', warmup_steps=1))),
    'dora_rslora_r32_kv_weight_decay': (dict(r=32, lora_alpha=3, use_dora=True, use_rslora=True, target_modules=['v_proj', 'k_proj']),
                                        dict(batch_size=3, grad_accum=2, epochs=2, grad_clip=0.5, optimizer=dict(lr=1e-2, betas=[0.9, 0.99], eps=1e-8, weight_decay=0.2))),
    'init_false_bias_all_fan_in_fan_out': (dict(r=3, lora_alpha=6, init_lora_weights=False, bias='all', fan_in_fan_out=True),
                                           dict(batch_size=4, epochs=2, optimizer=dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1))),
    'layers_pattern_r1': (dict(r=1, lora_alpha=3, target_modules=['o_proj', 'down_proj'], layers_to_transform=[0], layers_pattern='layers'), dict(batch_size=2, epochs=2)),
    'regex_layer1_mlp_rslora': (dict(r=2, lora_alpha=0.3, use_rslora=True, target_modules=r'.*layers\.1\.mlp\.(gate|down)_proj'),
                                dict(batch_size=2, grad_accum=3, epochs=2, schedule=dict(type='cosine', warmup_steps=0.2))),
    'exclude_modules_all_linear': (dict(r=2, lora_alpha=4, target_modules='all-linear', exclude_modules=['o_proj', 'gate_proj']), dict(batch_size=2, epochs=2)),
    'cls_dora_one_layer': (dict(r=2, lora_alpha=4, use_dora=True, target_modules=['q_proj', 'up_proj'], layers_to_transform=[1], task_type='SEQ_CLS'),
                           dict(task='classification', labels=['neg', 'neutral', 'pos'], batch_size=3, epochs=2, optimizer=dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1))),
    # 2026-12-07: ranks above a projection's smaller side (k/v 32, q/o 64 of the tiny base), which PEFT trains: alpha 16
    'r64_all_linear_above_sides': (dict(r=64, lora_alpha=16, target_modules='all-linear'), dict(batch_size=2, grad_accum=2, epochs=2, grad_clip=1.0)),
    'r64_dora_above_sides': (dict(r=64, lora_alpha=16, use_dora=True, target_modules=['q_proj', 'k_proj', 'v_proj', 'down_proj']),
                             dict(batch_size=3, epochs=2, optimizer=dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1))),
    'r64_rslora_above_sides': (dict(r=64, lora_alpha=16, use_rslora=True, target_modules=['k_proj', 'v_proj', 'o_proj']), dict(batch_size=2, epochs=2, grad_clip=0.5)),
    'r48_all_linear_above_kv': (dict(r=48, lora_alpha=16, target_modules='all-linear'), dict(batch_size=3, grad_accum=2, epochs=2)),
    'r48_dora_rslora_above_kv': (dict(r=48, lora_alpha=16, use_dora=True, use_rslora=True, target_modules='all-linear'),
                                 dict(batch_size=2, epochs=2, grad_clip=1.0, schedule=dict(type='cosine', warmup_steps=1))),
}
# method: full (every weight; HF decays all but the norms): name -> (MistralConfig keys of a new base or None, config)
FULL = {
    'full_accum_2x3_cosine_fraction': (None, dict(batch_size=2, grad_accum=3, epochs=2, grad_clip=0.5, schedule=dict(type='cosine', warmup_steps=0.3),
                                                  optimizer=dict(lr=3e-3, betas=[0.85, 0.99], eps=1e-7, weight_decay=0.1))),
    'full_tied_hd12_gqa4_sw5': (dict(hidden_size=48, num_attention_heads=8, num_key_value_heads=2, head_dim=12, intermediate_size=40, sliding_window=5,
                                     tie_word_embeddings=True), dict(batch_size=3, epochs=3, grad_clip=1.0, schedule=dict(type='linear', warmup_steps=0.25),
                                                                     optimizer=dict(lr=5e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.05))),
    'full_kv1_hd8_tied_sw4_eps_theta': (dict(num_key_value_heads=1, head_dim=8, tie_word_embeddings=True, sliding_window=4, rms_norm_eps=0.1,
                                             rope_parameters={'rope_type': 'default', 'rope_theta': 77.0}),
                                        dict(batch_size=2, grad_accum=2, epochs=2, grad_clip=0.5, schedule=dict(type='cosine', warmup_steps=1),
                                             optimizer=dict(lr=3e-3, betas=[0.9, 0.99], eps=1e-7, weight_decay=0.1))),
}
DROPOUT_SEEDS = 10
CLS_DATA = f'{ROOT}/test/fixtures/train-reference/cls-train.jsonl'
CLS_ROWS = [json.loads(l) for l in open(CLS_DATA) if l.strip()]


class InOrder(Trainer):
    def _get_train_sampler(self, *args, **kwargs):
        return SequentialSampler(self.train_dataset)


class StepLr(TrainerCallback):
    def __init__(self):
        self.lrs = []

    def on_pre_optimizer_step(self, args, state, control, optimizer=None, **kwargs):
        self.lrs.append(optimizer.param_groups[0]['lr'])


def collate(rows):
    T = max(len(r['input_ids']) for r in rows)
    if 'label' in rows[0]:
        return {'input_ids': torch.tensor([r['input_ids'] + [PAD] * (T - len(r['input_ids'])) for r in rows]),
                'attention_mask': torch.tensor([[1] * len(r['input_ids']) + [0] * (T - len(r['input_ids'])) for r in rows]),
                'labels': torch.tensor([r['label'] for r in rows])}
    return {'input_ids': torch.tensor([r['input_ids'] + [PAD] * (T - len(r['input_ids'])) for r in rows]),
            'attention_mask': torch.tensor([[1] * len(r['input_ids']) + [0] * (T - len(r['input_ids'])) for r in rows]),
            'labels': torch.tensor([r['labels'] + [-100] * (T - len(r['labels'])) for r in rows])}


def rel(a, b):
    return ((a.double() - b.double()).norm() / b.double().norm().clamp_min(1e-30)).item()


def srel(a, b):
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


BASES = {}


def base_model(folder=None, cls=False):
    if cls:
        m = AutoModelForSequenceClassification.from_pretrained(folder or BASE, num_labels=3, dtype=torch.float32, attn_implementation='eager')
        m.config.pad_token_id = PAD
        return m
    return AutoModelForCausalLM.from_pretrained(folder or BASE, dtype=torch.float32, attn_implementation='eager')


# config.json keys written as given after HF saves the model (they shape no weight): a rope in transformers 4's form
# (rope_scaling with "type", a top-level rope_theta) or without the defaults HF's save would fill in, and layer_types
ROPE_KEYS = ('rope_scaling', 'rope_parameters', 'rope_theta', 'original_max_position_embeddings', 'layer_types')


def make_base(name, keys):
    """A random Mistral of the fixture's vocabulary with `keys` changed, as HF saves it (model_type "ministral" or
    "llama": a Ministral or a Llama, saved by its own classes); the rope keys and layer_types are then written into config.json as given."""
    d = f'{out}/{name}/base'
    keys = dict(keys)
    model_type = keys.pop('model_type', 'mistral')
    ministral, llama = model_type == 'ministral', model_type == 'llama'
    cfg = (MinistralConfig if ministral else MistralConfig).from_pretrained(BASE)
    if llama:  # LlamaConfig of the fixture's shape (no sliding window: Llama has none)
        cfg = LlamaConfig(**{k: v for k, v in cfg.to_dict().items() if k not in ('model_type', 'architectures', 'sliding_window', 'transformers_version')})
    for k, v in keys.items():
        if k not in ROPE_KEYS:
            setattr(cfg, k, v)
    if ministral:  # its default: every layer by sliding_window (the base's 2 layers read at load)
        cfg.layer_types = keys.get('layer_types') or ['sliding_attention' if cfg.sliding_window is not None else 'full_attention'] * cfg.num_hidden_layers
    torch.manual_seed(sum(map(ord, name)))
    cfg.initializer_range = 0.1
    (MinistralForCausalLM if ministral else LlamaForCausalLM if llama else MistralForCausalLM)(cfg).save_pretrained(d)
    written = {k: v for k, v in keys.items() if k in ROPE_KEYS}
    if written:
        with open(f'{d}/config.json') as f:
            j = json.load(f)
        if 'rope_scaling' in written or ('rope_theta' in written and 'rope_parameters' not in written):
            # transformers 4's form: θ at the top level, no rope_parameters (whose θ would win)
            j['rope_theta'] = j.pop('rope_parameters', {}).get('rope_theta', 10000.0)
        j.update(written)
        with open(f'{d}/config.json', 'w') as f:
            json.dump(j, f, indent=2)
    return d


def make_adapter(d, keys, seed, base=None):
    torch.manual_seed(seed)
    task = keys.pop('task_type', 'CAUSAL_LM')
    m = get_peft_model(base_model(base, task == 'SEQ_CLS'), LoraConfig(task_type=task, lora_dropout=keys.pop('lora_dropout', 0.0), **keys))
    with torch.no_grad():
        for n, p in m.named_parameters():
            if 'lora_B' in n:
                p.normal_(0, 0.05)
            if 'lora_magnitude_vector' in n:
                p.mul_(1 + 0.1 * torch.randn_like(p))
    m.save_pretrained(d)


def hf_train(adapter, c, seed=0, rows=None, batch_size=None, base=None, dropout=None):
    """HF's Trainer from the PEFT adapter `adapter` (None: full fine-tuning of every weight)."""
    cls = c.get('task') == 'classification'
    rows = CLS_ROWS if cls else rows or ROWS
    model = PeftModel.from_pretrained(base_model(base, cls), adapter, is_trainable=True) if adapter else base_model(base, cls)
    if dropout is not None:  # the same adapter trained without dropout: how far dropout moves the statistics
        for mod in model.modules():
            if isinstance(mod, torch.nn.Dropout):
                mod.p = dropout
    o = {**OPT, **c.get('optimizer', {})}
    s = c.get('schedule', dict(type='constant', warmup_steps=0))
    sched = {'constant': 'constant_with_warmup'}.get(s['type'], s['type'])  # our constant warms up (README)
    sched_kwargs = {k: v for k, v in s.items() if k not in ('type', 'warmup_steps')}  # schedule.* = lr_scheduler_kwargs
    lr = StepLr()
    args = TrainingArguments(
        output_dir=f'{out}/hf-tmp', per_device_train_batch_size=batch_size or c['batch_size'], gradient_accumulation_steps=c.get('grad_accum', 1),
        num_train_epochs=c.get('epochs', 1), max_steps=c.get('max_steps') or -1, learning_rate=o['lr'], adam_beta1=o['betas'][0],
        adam_beta2=o['betas'][1], adam_epsilon=o['eps'], weight_decay=o['weight_decay'], lr_scheduler_type=sched, lr_scheduler_kwargs=sched_kwargs,
        warmup_steps=s['warmup_steps'], max_grad_norm=c['grad_clip'] if c.get('grad_clip') is not None else 0.0, logging_steps=1,
        save_strategy='no', report_to=[], optim='adamw_torch', use_cpu=True, dataloader_num_workers=0, remove_unused_columns=False,
        seed=seed, disable_tqdm=True)
    trainer = InOrder(model=model, args=args, train_dataset=rows, data_collator=collate, callbacks=[lr])
    with contextlib.redirect_stdout(io.StringIO()):
        trainer.train()
    logs = [h for h in trainer.state.log_history if 'loss' in h]
    steps = [{'step': i + 1, 'loss': h['loss'], 'lr': lr.lrs[i], 'grad_norm': float(h['grad_norm'])} for i, h in enumerate(logs)]
    return model, steps


def ours_train(name, c, adapter, seed=0, dropout=None, base=None, data=None):
    d = f'{out}/{name}/ours-{seed}'
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    cfg = dict(model=base or BASE, data=dict(train=data or (CLS_DATA if c.get('task') == 'classification' else DATA)), optimizer=OPT, schedule=dict(type='constant', warmup_steps=0), grad_clip=None,
               shuffle=False, seed=seed, eval=dict(samples=0), output_dir=f'{d}/run')
    cfg.update({k: v for k, v in c.items() if k != 'lora'})
    if c.get('method') != 'full':
        cfg['lora'] = dict(init_from=adapter) if adapter else dict(c.get('lora', {}))
    if dropout is not None:
        cfg['lora']['dropout'] = dropout
    with open(f'{d}/config.yaml', 'w') as f:
        json.dump(cfg, f)
    r = subprocess.run(['node', BIN, 'train', f'{d}/config.yaml'], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f'{name}: train failed: {r.stderr[-2000:]}')
    rows = [json.loads(l) for l in open(f'{d}/run/metrics.jsonl') if l.strip()]
    return [r for r in rows if 'split' not in r], f'{d}/run/' + ('model' if c.get('method') == 'full' else 'adapter')


def peft_key(ours_key, state):
    tail = ours_key.replace('base_model.model.', '', 1)
    if tail == 'score.weight':
        return next(n for n in state if n.endswith('score.modules_to_save.default.weight'))
    tail = tail.replace('.weight', '.default.weight') if 'lora_magnitude_vector' not in tail else tail.replace('lora_magnitude_vector', 'lora_magnitude_vector.default.weight')
    return next((n for n in state if n.endswith(tail)), None)


def logits_of(model, cls=False):
    batch = collate(CLS_ROWS if cls else ROWS)
    with torch.no_grad():
        logits = model(input_ids=batch['input_ids'], attention_mask=batch['attention_mask']).logits
    return logits if cls else logits[batch['attention_mask'].bool()]


def compare(name, adapter, c, base=None, data=None, hf_rows=None):
    ours, ours_adapter = ours_train(name, c, adapter, base=base, data=data)
    model, theirs = hf_train(adapter, c, base=base, rows=hf_rows)
    res = {'steps': f'{len(ours)}/{len(theirs)}'}
    if len(ours) != len(theirs):
        print(f'{name:34s} STEPS DIFFER ours {len(ours)} HF {len(theirs)}: ours lr {[r["lr"] for r in ours]} HF lr {[s["lr"] for s in theirs]}')
        return float('inf')
    for k in ('loss', 'lr', 'grad_norm'):
        res[k] = max(srel(a[k], b[k]) for a, b in zip(ours, theirs))
    state = model.state_dict()
    mine = load_file(f'{ours_adapter}/adapter_model.safetensors')
    res['adapter'] = max(rel(v, state[peft_key(k, state)]) for k, v in mine.items())
    # our saved adapter, as PEFT loads it, against HF's trained model
    model.eval()
    cls = c.get('task') == 'classification'
    loaded = PeftModel.from_pretrained(base_model(base, cls), ours_adapter)
    loaded.eval()
    res['peft_logits'] = rel(logits_of(loaded, cls), logits_of(model, cls))
    worst = max(v for k, v in res.items() if k != 'steps')
    print(f'{name:34s} steps {res["steps"]}  ' + '  '.join(f'{k} {v:.1e}' for k, v in res.items() if k != 'steps'))
    if worst > 1e-4:
        print('   ours', [(r['loss'], r['lr'], r['grad_norm']) for r in ours])
        print('   HF  ', [(s['loss'], s['lr'], s['grad_norm']) for s in theirs])
    return worst


def unmasked_first_label():
    """Rows whose first label is a target too (labels = input_ids), and rows without labels (ours: every token after the
    first): HF 5.17 counts targets over labels[..., 1:] for num_items_in_batch, as we count them after the shift."""
    name = 'unmasked_first_label'
    data = f'{out}/{name}/rows.jsonl'
    os.makedirs(os.path.dirname(data), exist_ok=True)
    with open(data, 'w') as f:
        for i, r in enumerate(ROWS):
            f.write(json.dumps({'input_ids': r['input_ids'], 'labels': r['input_ids']} if i < 4 else {'input_ids': r['input_ids']}) + '\n')
    adapter = f'{out}/{name}/adapter_init'
    make_adapter(adapter, dict(r=2, lora_alpha=5), 5)
    return compare(name, adapter, dict(batch_size=3, grad_accum=2, epochs=2), data=data, hf_rows=[dict(r, labels=r['input_ids']) for r in ROWS])


def full_case(name, base, c):
    """method: full against HF's Trainer on every weight of the model (a tied LM head is the embedding)."""
    c = dict(c, method='full')
    ours, folder = ours_train(name, c, None, base=base)
    model, theirs = hf_train(None, c, base=base)
    mine = {}
    for f in os.listdir(folder):
        if f.endswith('.safetensors'):
            mine.update(load_file(f'{folder}/{f}'))
    if len(ours) != len(theirs):
        print(f'{name:34s} STEPS DIFFER ours {len(ours)} HF {len(theirs)}')
        return float('inf')
    res = {k: max(srel(a[k], b[k]) for a, b in zip(ours, theirs)) for k in ('loss', 'lr', 'grad_norm')}
    tied = model.config.tie_word_embeddings
    res['weights'] = max(rel(mine[k], v) for k, v in model.state_dict().items() if not (tied and k == 'lm_head.weight'))
    print(f'{name:34s} steps {len(ours)}/{len(theirs)}  ' + '  '.join(f'{k} {v:.1e}' for k, v in res.items()))
    return max(res.values())


def packed_groups(max_len):
    """TRL's packs of ROWS (trl.pack_dataset's default best fit decreasing, as SFTTrainer(packing=True) and ours pack)."""
    return trl_packs(ROWS, max_len)


class GroupSampler(torch.utils.data.Sampler):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def main():
    os.makedirs(out, exist_ok=True)
    worst = 0.0
    for i, (name, (keys, c)) in enumerate(CASES.items()):
        if only and name not in only:
            continue
        adapter = f'{out}/{name}/adapter_init'
        keys = dict(keys)
        base = make_base(name, keys.pop('base')) if 'base' in keys else None
        make_adapter(adapter, keys, 100 + i, base)
        if c.get('packing'):
            # HF on the same groups: one micro-batch per pack, its rows right-padded
            groups = packed_groups(c['max_seq_len'])
            hf_c = {k: v for k, v in c.items() if k not in ('packing', 'max_seq_len')}
            worst = max(worst, compare_packed(name, adapter, c, hf_c, groups))
            continue
        worst = max(worst, compare(name, adapter, c, base))
    if not only or 'dropout' in only:
        dropout_stats('dropout', dict(r=4, lora_alpha=16, lora_dropout=0.3))
    if not only or 'dropout_dora' in only:
        dropout_stats('dropout_dora', dict(r=4, lora_alpha=16, lora_dropout=0.3, use_dora=True, target_modules=['q_proj', 'v_proj', 'gate_proj', 'down_proj']))
    if not only or 'fresh' in only:
        fresh_adapter()
    if not only or 'unmasked_first_label' in only:
        worst = max(worst, unmasked_first_label())
    for name, (keys, c) in FULL.items():
        if not only or name in only:
            worst = max(worst, full_case(name, make_base(name, keys) if keys else None, c))
    print('OPTION PARITY', 'PASS' if worst <= 1e-4 else 'FAIL', f'(worst {worst:.1e})')


def compare_packed(name, adapter, c, hf_c, groups):
    ours, ours_adapter = ours_train(name, c, adapter)
    # one HF batch per optimizer step: the rows of its batch_size × grad_accum packs (the step's loss is token-weighted,
    # so how they split into micro-batches does not matter), the last step of an epoch shorter
    model = PeftModel.from_pretrained(base_model(), adapter, is_trainable=True)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=OPT['lr'], betas=tuple(OPT['betas']), eps=OPT['eps'], weight_decay=OPT['weight_decay'])
    theirs = []
    per_step = hf_c['batch_size'] * hf_c.get('grad_accum', 1)
    for _ in range(hf_c.get('epochs', 1)):
        for k in range(0, len(groups), per_step):
            b = collate([r for g in groups[k:k + per_step] for r in g])
            opt.zero_grad()
            out_ = model(**b)
            out_.loss.backward()
            norm = torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], float('inf'))
            theirs.append({'loss': out_.loss.item(), 'lr': OPT['lr'], 'grad_norm': float(norm)})
            opt.step()
    if len(ours) != len(theirs):
        print(f'{name:34s} STEPS DIFFER ours {len(ours)} HF {len(theirs)}')
        return float('inf')
    res = {k: max(srel(a[k], b[k]) for a, b in zip(ours, theirs)) for k in ('loss', 'lr', 'grad_norm')}
    state = model.state_dict()
    mine = load_file(f'{ours_adapter}/adapter_model.safetensors')
    res['adapter'] = max(rel(v, state[peft_key(k, state)]) for k, v in mine.items())
    print(f'{name:34s} steps {len(ours)}  ' + '  '.join(f'{k} {v:.1e}' for k, v in res.items()) + f'  (packs {[len(g) for g in groups]})')
    if max(res.values()) > 1e-4:
        print('   ours', [(r['loss'], r['grad_norm']) for r in ours])
        print('   HF  ', [(s['loss'], s['grad_norm']) for s in theirs])
    return max(res.values())


def dropout_stats(name, keys):
    """lora_dropout 0.3: the masks differ (our counter-based hash vs torch's generator), so compare the per-step loss
    and grad norm over seeds: mean and standard deviation, and the mean's difference in standard errors."""
    adapter = f'{out}/{name}/adapter_init'
    make_adapter(adapter, dict(keys), 7)
    c = dict(batch_size=3, grad_accum=1, epochs=1)
    ours = [ours_train(name, c, adapter, seed=s)[0] for s in range(DROPOUT_SEEDS)]
    theirs = [hf_train(adapter, c, seed=s)[1] for s in range(DROPOUT_SEEDS)]
    nodrop = hf_train(adapter, c, seed=0, dropout=0.0)[1]
    for k in ('loss', 'grad_norm'):
        for step in range(len(theirs[0])):
            a = [r[step][k] for r in ours]
            b = [r[step][k] for r in theirs]
            ma, mb, sa, sb = statistics.mean(a), statistics.mean(b), statistics.stdev(a), statistics.stdev(b)
            z = (ma - mb) / math.sqrt(sa ** 2 / len(a) + sb ** 2 / len(b))
            print(f'{name} 0.3 step {step + 1} {k:9s} ours {ma:.5f} ± {sa:.5f}  HF {mb:.5f} ± {sb:.5f}  z {z:+.2f}  (no dropout {nodrop[step][k]:.5f})')


def fresh_adapter():
    """A new adapter of ours (no init_from): PEFT's start — A ~ U(±1/√in), B 0, DoRA magnitudes the row norms of W —
    read from a run whose one step moves nothing (lr 1e-30)."""
    name = 'fresh'
    c = dict(batch_size=7, max_steps=1, optimizer=dict(lr=1e-30, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0),
             lora=dict(r=4, alpha=8, use_dora=True, target_modules=['q_proj', 'down_proj']))
    ours, adapter = ours_train(name, c, None)
    t = load_file(f'{adapter}/adapter_model.safetensors')
    base = base_model()
    ref = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, use_dora=True, target_modules=['q_proj', 'down_proj'], task_type='CAUSAL_LM'))
    state = ref.state_dict()
    for k, v in sorted(t.items()):
        p = state[peft_key(k, state)]
        if 'lora_A' in k:
            bound = 1 / math.sqrt(v.shape[1])
            print(f'fresh {k[-40:]:40s} max|A|·√in {v.abs().max().item() * math.sqrt(v.shape[1]):.3f}  std·√(3 in) {v.std().item() * math.sqrt(3 * v.shape[1]):.3f}  (PEFT: {p.abs().max().item() / bound:.3f}, {p.std().item() * math.sqrt(3 * v.shape[1]):.3f})')
        elif 'lora_B' in k:  # PEFT's is 0; ours after one step of lr 1e-30
            print(f'fresh {k[-40:]:40s} max|B| {v.abs().max().item():.1e}  (PEFT: {p.abs().max().item():.1e})')
        else:
            print(f'fresh {k[-40:]:40s} rel to PEFT init {rel(v, p):.1e}')
    with torch.no_grad():
        b = collate(ROWS)
        print(f'fresh: first step loss ours {ours[0]["loss"]:.6f}, the base model (HF) {base(**b).loss.item():.6f}')


if __name__ == '__main__':
    main()
