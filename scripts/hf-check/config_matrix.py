# Configs that differ from our fixtures the way real Mistral-family checkpoints do, run end to end through the CLI
# against HF transformers 5.17 + PEFT 0.21 (torch CPU, float32, eager attention). Not part of the product. Each case is
# a tiny random model saved by save_pretrained (sharded safetensors, the weights in the case's dtype) with the tokenizer
# of models/mistral-tune-tiny; for it: `mistral-tune eval --json` against HF's loss, our logits (the library, through
# config-matrix.ts) against HF's forward; two LoRA steps of `mistral-tune train` from a PEFT adapter (lora_B drawn
# nonzero) against HF's Trainer (loss, grad norm per step, the final adapter); the exported adapter loaded by PEFT and
# the merged export loaded by transformers against HF's trained model; the merged weights against PEFT's
# merge_and_unload rounded to the base's dtype. Refusal cases must fail in one line naming the key (exit 2).
# From the project root, after `npm run build`:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/config_matrix.py OUT_DIR [CASE...]
import contextlib, io, json, os, shutil, subprocess, sys, warnings
import torch
from safetensors.torch import load_file
from torch.utils.data import SequentialSampler
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, MistralConfig, MistralForCausalLM, MistralForSequenceClassification, Trainer, TrainingArguments
from transformers.utils import logging as hf_logging
from peft import LoraConfig, PeftModel, get_peft_model

hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()
warnings.filterwarnings('ignore')
torch.set_num_threads(1)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = f'{ROOT}/bin/mistral-tune.js'
TOK = f'{ROOT}/models/mistral-tune-tiny'
out = os.path.abspath(sys.argv[1])
only = set(sys.argv[2:])
PAD = 0
DTYPES = {'float64': torch.float64, 'float32': torch.float32, 'float16': torch.float16, 'bfloat16': torch.bfloat16}
# rows of 24, 13, 19 and 6 tokens (ids 3..499, no pad 0): longer than sliding window 8 and max_position_embeddings 16
g = torch.Generator().manual_seed(0)
ROWS = []
for n in (24, 13, 19, 6):
    ids = [1] + torch.randint(3, 500, (n - 1,), generator=g).tolist()
    ROWS.append({'input_ids': ids, 'labels': [-100] * 3 + ids[3:]})
CLS_ROWS = [{'input_ids': r['input_ids'], 'label': i % 3} for i, r in enumerate(ROWS)]
SMALL = dict(vocab_size=32000, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=256, rms_norm_eps=1e-5, sliding_window=None, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)

# name: (MistralConfig keys over SMALL, weight dtype, config.json edits after saving (None: remove), PEFT LoraConfig keys)
CASES = {
    'nemo_head_dim32_h96_i200': (dict(hidden_size=96, intermediate_size=200, num_attention_heads=4, head_dim=32, rope_theta=1e6), 'float32', {},
                                 dict(r=4, lora_alpha=8, target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj'])),
    'head_dim_null_mha_bf16_legacy': (dict(hidden_size=96, num_attention_heads=6, num_key_value_heads=6, rope_theta=1e6), 'bfloat16',
                                      {'head_dim': 'null', 'rope_parameters': None, 'rope_theta': 1e6, 'dtype': None, 'torch_dtype': 'bfloat16'},
                                      dict(r=8, lora_alpha=4, use_rslora=True, target_modules=['q_proj', 'v_proj', 'down_proj'])),
    'head_dim_absent_mqa_window8_f16_tied': (dict(num_key_value_heads=1, sliding_window=8, tie_word_embeddings=True), 'float16', {'head_dim': None},
                                             dict(r=4, lora_alpha=16, target_modules='all-linear')),
    'dora_gqa_window8_f32': (dict(hidden_size=96, intermediate_size=200, num_attention_heads=6, num_key_value_heads=2, head_dim=24, sliding_window=8), 'float32', {},
                             dict(r=4, lora_alpha=8, use_dora=True, target_modules=['q_proj', 'gate_proj', 'up_proj'])),
    'odd_h90_heads3_i203_kv3': (dict(hidden_size=90, intermediate_size=203, num_attention_heads=3, num_key_value_heads=3, rms_norm_eps=1e-6), 'float32', {},
                                dict(r=3, lora_alpha=5, target_modules=['k_proj', 'down_proj', 'up_proj'])),
    'max_pos16_rows24': (dict(max_position_embeddings=16), 'float32', {}, dict(r=2, lora_alpha=4, target_modules=['v_proj', 'o_proj'])),
    'cls_mqa_bf16': (dict(num_key_value_heads=1, num_labels=3, pad_token_id=PAD), 'bfloat16', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj'], task_type='SEQ_CLS')),
    'gelu_tanh_alllinear_f32': (dict(hidden_act='gelu_pytorch_tanh', rope_theta=1e6), 'float32', {}, dict(r=4, lora_alpha=8, target_modules='all-linear')),
    'relu_bf16_mlp': (dict(hidden_act='relu', num_key_value_heads=4), 'bfloat16', {}, dict(r=4, lora_alpha=8, target_modules=['gate_proj', 'up_proj', 'down_proj'])),
    'gelu_new_tied_mqa_f16': (dict(hidden_act='gelu_new', num_key_value_heads=1, tie_word_embeddings=True, sliding_window=5), 'float16', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'o_proj', 'down_proj'])),
    'gelu_exact_sharded': (dict(hidden_act='gelu', head_dim=24, hidden_size=80, intermediate_size=137), 'float32', {}, dict(r=2, lora_alpha=8, target_modules=['v_proj', 'up_proj'])),
    'float64_weights_nemo': (dict(hidden_size=96, head_dim=32, intermediate_size=200, rope_theta=1e6), 'float64', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj'])),
    'yarn_mscale_deepseek': (dict(head_dim=16, max_position_embeddings=64, rope_parameters={'rope_type': 'yarn', 'rope_theta': 1e6, 'factor': 4.0, 'original_max_position_embeddings': 16, 'mscale': 0.707, 'mscale_all_dim': 1.0, 'beta_fast': 16, 'beta_slow': 2}), 'float32', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'k_proj'])),
    'llama3_rope_window8': (dict(sliding_window=8, rope_parameters={'rope_type': 'llama3', 'rope_theta': 5e5, 'factor': 8.0, 'low_freq_factor': 1.0, 'high_freq_factor': 4.0, 'original_max_position_embeddings': 8}), 'bfloat16', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'k_proj', 'v_proj'])),
    'linear_rope_v4_scaling': (dict(rope_theta=1e6), 'float32', {'rope_parameters': None, 'rope_theta': 1e6, 'rope_scaling': {'type': 'linear', 'factor': 3.0}}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'k_proj'])),
    'newer_fields_layer_types': (dict(head_dim=16, sliding_window=6, num_hidden_layers=3), 'float32', {'layer_types': ['sliding_attention', 'full_attention', 'sliding_attention'], 'use_sliding_window': True, 'max_window_layers': 1, 'output_router_logits': False, 'some_future_key': {'a': 1}, 'attention_bias': False, 'mlp_bias': False, 'pretraining_tp': 1}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj'])),
    'ids_absent': (dict(), 'float32', {'bos_token_id': None, 'eos_token_id': None, 'pad_token_id': None}, dict(r=4, lora_alpha=8, target_modules=['q_proj'])),
    'ids_null_eoslist': (dict(bos_token_id=None, eos_token_id=[2, 499]), 'float32', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj'])),
    'vocab32003_tied_eps': (dict(vocab_size=32003, tie_word_embeddings=True, rms_norm_eps=1e-3, intermediate_size=97), 'bfloat16', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'down_proj'])),
    'attn_dropout_eval': (dict(attention_dropout=0.1), 'float32', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj'])),
    'cls_pad_unset_f32': (dict(num_labels=3, pad_token_id=None), 'float32', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj'], task_type='SEQ_CLS')),
    'cls_pad_odd_tied_f16': (dict(num_labels=3, pad_token_id=31999, tie_word_embeddings=True, num_key_value_heads=4), 'float16', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj'], task_type='SEQ_CLS')),
    'cls_gelu_window_bf16': (dict(num_labels=3, pad_token_id=0, hidden_act='gelu', sliding_window=4, head_dim=32), 'bfloat16', {}, dict(r=4, lora_alpha=8, target_modules='all-linear', task_type='SEQ_CLS')),
    'longrope_cross_original': (dict(head_dim=16, max_position_embeddings=64, rope_parameters={'rope_type': 'longrope', 'rope_theta': 1e4, 'original_max_position_embeddings': 16, 'short_factor': [1.0 + 0.1 * i for i in range(8)], 'long_factor': [1.5 + 0.3 * i for i in range(8)]}), 'float32', {}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'k_proj', 'o_proj'])),
    'head_dim80_mqa_window3_bf16': (dict(hidden_size=96, num_attention_heads=3, num_key_value_heads=1, head_dim=80, sliding_window=3), 'bfloat16', {}, dict(r=4, lora_alpha=8, target_modules='all-linear')),
    'ministral_cls_yarn': (dict(num_labels=3, pad_token_id=0, head_dim=16, sliding_window=5, num_hidden_layers=3, rope_parameters={'rope_type': 'yarn', 'rope_theta': 1e6, 'factor': 2.0, 'original_max_position_embeddings': 128}), 'float32',
                           {'model_type': 'ministral', 'architectures': ['MinistralForSequenceClassification'], 'layer_types': ['sliding_attention', 'full_attention', 'sliding_attention']}, dict(r=4, lora_alpha=8, target_modules=['q_proj', 'v_proj'], task_type='SEQ_CLS')),
    # saved as a Mistral with a window shorter than the rows, read as a Llama: transformers' Llama has no window
    'llama_window_ignored_gqa': (dict(sliding_window=8, rope_theta=5e5), 'float32', {'model_type': 'llama', 'architectures': ['LlamaForCausalLM']},
                                 dict(r=4, lora_alpha=8, target_modules=['q_proj', 'k_proj', 'down_proj'])),
}
# name: (config.json edits over SMALL's, the key the refusal must name)
REFUSALS = {
    'rope_proportional': ({'rope_parameters': {'rope_type': 'proportional', 'rope_theta': 10000.0, 'factor': 2.0}}, 'rope_parameters.rope_type'),
    'rope_scaling_su': ({'rope_scaling': {'type': 'su', 'factor': 2.0}}, 'rope_scaling'),
    'mixtral': ({'model_type': 'mixtral', 'architectures': ['MixtralForCausalLM'], 'num_local_experts': 4, 'num_experts_per_tok': 2}, 'model_type'),
    'llama_mlp_bias': ({'model_type': 'llama', 'architectures': ['LlamaForCausalLM'], 'mlp_bias': True}, 'mlp_bias'),
    'token_classification': ({'architectures': ['MistralForTokenClassification'], 'num_labels': 3}, 'architectures'),
    'rope_per_layer_type': ({'model_type': 'ministral', 'head_dim': 16, 'sliding_window': 8,
                             'rope_parameters': {'sliding_attention': {'rope_type': 'default', 'rope_theta': 1e6}}}, 'rope_parameters.sliding_attention'),
    'act_quick_gelu': ({'hidden_act': 'quick_gelu'}, 'hidden_act'),
    'sliding_window_0': ({'sliding_window': 0}, 'sliding_window'),
    'rope_proportional_v4': ({'rope_scaling': {'rope_type': 'mrope', 'factor': 2.0}}, 'rope_scaling'),
    'partial_rotary_linear': ({'rope_parameters': {'rope_type': 'linear', 'factor': 2.0, 'rope_theta': 1e4, 'partial_rotary_factor': 0.5}}, 'partial_rotary_factor'),
    'text_config_nested': ({'model_type': 'mistral3', 'text_config': {'model_type': 'mistral'}}, 'model_type'),
    'dtype_int8': ({'dtype': 'int8'}, 'dtype'),
}


def save_case(name, keys, dtype, edits):
    d = f'{out}/{name}/model'
    shutil.rmtree(d, ignore_errors=True)
    cls = 'num_labels' in keys
    cfg = MistralConfig(**{**SMALL, **keys})
    torch.manual_seed(sum(map(ord, name)))
    cfg.initializer_range = 0.1
    m = (MistralForSequenceClassification if cls else MistralForCausalLM)(cfg).to(DTYPES[dtype])
    m.save_pretrained(d, max_shard_size='2MB')
    for f in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copy(f'{TOK}/{f}', d)
    c = json.load(open(f'{d}/config.json'))
    for k, v in edits.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = None if v == 'null' else v
    json.dump(c, open(f'{d}/config.json', 'w'), indent=2)
    return d, cls


def collate(rows):
    T = max(len(r['input_ids']) for r in rows)
    b = {'input_ids': torch.tensor([r['input_ids'] + [PAD] * (T - len(r['input_ids'])) for r in rows]),
         'attention_mask': torch.tensor([[1] * len(r['input_ids']) + [0] * (T - len(r['input_ids'])) for r in rows])}
    b['labels'] = torch.tensor([r['label'] for r in rows]) if 'label' in rows[0] else torch.tensor([r['labels'] + [-100] * (T - len(r['labels'])) for r in rows])
    return b


def hf_base(d, cls):
    m = (AutoModelForSequenceClassification if cls else AutoModelForCausalLM).from_pretrained(d, dtype=torch.float32, attn_implementation='eager')
    if cls and m.config.pad_token_id is None:
        m.config.pad_token_id = 2  # ours scores by the EOS id when there is no pad (classificationPadId), as its export writes
    return m


def logits_of(model, cls):
    b = collate(CLS_ROWS if cls else ROWS)
    with torch.no_grad():
        lg = model(input_ids=b['input_ids'], attention_mask=b['attention_mask']).logits
    return lg if cls else lg[b['attention_mask'].bool()]


def hf_loss(model, cls):
    with torch.no_grad():
        return model(**collate(CLS_ROWS if cls else ROWS)).loss.item()


def node(*args):
    r = subprocess.run(['node', *args], capture_output=True, text=True, cwd=ROOT)
    return r.returncode, r.stdout, r.stderr


def ours_logits(d, cls, adapter=None):
    """Our library's logits of the rows (config-matrix.ts), as (N, V) of the real positions or (B, K)."""
    f = f'{os.path.dirname(d)}/ours-logits.json'
    rc, _, err = node('--import', 'tsx', f'{ROOT}/scripts/hf-check/config-matrix.ts', d, f'{out}/rows-{"cls" if cls else "gen"}.jsonl', f, *([adapter] if adapter else []))
    if rc != 0:
        raise RuntimeError(f'config-matrix.ts failed: {err[-1500:]}')
    return torch.tensor(json.load(open(f)))


class InOrder(Trainer):
    def _get_train_sampler(self, *args, **kwargs):
        return SequentialSampler(self.train_dataset)


def maxabs(a, b):
    return (a.double() - b.double()).abs().max().item()


def run_case(name, keys, dtype, edits, lora):
    global PAD
    d, cls = save_case(name, keys, dtype, edits)
    pc = json.load(open(f'{d}/config.json')).get('pad_token_id')
    PAD = pc if pc is not None else 2
    res = {}
    base = hf_base(d, cls)
    base.eval()
    # eval: the CLI's loss, the library's logits
    rc, so, se = node(BIN, 'eval', '--model', d, '--data', f'{out}/rows-{"cls" if cls else "gen"}.jsonl', '--json', '--device', 'cpu', '--precision', 'fp32', *(['--task', 'classification'] if cls else []))
    if rc != 0:
        return {'eval': f'FAILED rc {rc}: {se.strip().splitlines()[-1] if se.strip() else ""}'}
    res['eval loss'] = abs(json.loads(so)['loss'] - hf_loss(base, cls))
    res['logits'] = maxabs(ours_logits(d, cls), logits_of(base, cls))
    # two LoRA steps from a PEFT adapter
    lora = dict(lora)
    task = lora.pop('task_type', 'CAUSAL_LM')
    torch.manual_seed(7)
    init = f'{out}/{name}/adapter_init'
    pm = get_peft_model(hf_base(d, cls), LoraConfig(task_type=task, lora_dropout=0.0, **lora))
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if 'lora_B' in n:
                p.normal_(0, 0.05)
            if 'lora_magnitude_vector' in n:
                p.mul_(1 + 0.1 * torch.randn_like(p))
    pm.save_pretrained(init)
    run = f'{out}/{name}/run'
    shutil.rmtree(run, ignore_errors=True)
    cfg = dict(model=d, data=dict(train=f'{out}/rows-{"cls" if cls else "gen"}.jsonl'), batch_size=2, max_steps=2, max_seq_len=64, shuffle=False, seed=0,
               optimizer=dict(lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.0), schedule=dict(type='constant', warmup_steps=0), grad_clip=None,
               eval=dict(samples=0), output_dir=run, lora=dict(init_from=init), device='cpu', precision='fp32')
    if cls:
        cfg.update(task='classification', labels=['a', 'b', 'c'])
    os.makedirs(f'{out}/{name}', exist_ok=True)
    json.dump(cfg, open(f'{out}/{name}/train.yaml', 'w'))
    rc, _, se = node(BIN, 'train', f'{out}/{name}/train.yaml')
    if rc != 0:
        res['train'] = f'FAILED rc {rc}: {se.strip().splitlines()[-1]}'
        return res
    ours = [json.loads(l) for l in open(f'{run}/metrics.jsonl') if l.strip()]
    ours = [r for r in ours if 'split' not in r]
    model = PeftModel.from_pretrained(hf_base(d, cls), init, is_trainable=True)
    args = TrainingArguments(output_dir=f'{out}/hf-tmp', per_device_train_batch_size=2, max_steps=2, learning_rate=1e-2, weight_decay=0.0,
                             lr_scheduler_type='constant', warmup_steps=0, max_grad_norm=0.0, logging_steps=1, save_strategy='no', report_to=[],
                             optim='adamw_torch', use_cpu=True, dataloader_num_workers=0, remove_unused_columns=False, seed=0, disable_tqdm=True)
    trainer = InOrder(model=model, args=args, train_dataset=CLS_ROWS if cls else ROWS, data_collator=collate)
    with contextlib.redirect_stdout(io.StringIO()):
        trainer.train()
    theirs = [h for h in trainer.state.log_history if 'loss' in h]
    res['step loss'] = max(abs(a['loss'] - b['loss']) for a, b in zip(ours, theirs)) if len(ours) == len(theirs) else f'steps {len(ours)} vs {len(theirs)}'
    res['grad norm'] = max(abs(a['grad_norm'] - float(b['grad_norm'])) for a, b in zip(ours, theirs)) if len(ours) == len(theirs) else '-'
    state = model.state_dict()
    mine = load_file(f'{run}/adapter/adapter_model.safetensors')
    diffs = []
    for k, v in mine.items():
        tail = k.replace('base_model.model.', '', 1)
        tail = 'score.modules_to_save.default.weight' if tail == 'score.weight' else tail.replace('lora_magnitude_vector', 'lora_magnitude_vector.default.weight') if 'lora_magnitude_vector' in tail else tail.replace('.weight', '.default.weight')
        diffs.append(maxabs(v, state[next(n for n in state if n.endswith(tail))]))
    res['adapter'] = max(diffs)
    model.eval()
    trained = logits_of(model, cls)
    # exports: the adapter by PEFT, the merged folder by transformers
    for sub, extra in (('exp-adapter', []), ('exp-merged', ['--merge', '--max-shard-size', '1MB'])):
        shutil.rmtree(f'{out}/{name}/{sub}', ignore_errors=True)
        rc, _, se = node(BIN, 'export', '--run', run, '--out', f'{out}/{name}/{sub}', *extra)
        if rc != 0:
            res[sub] = f'FAILED rc {rc}: {se.strip().splitlines()[-1]}'
            return res
    loaded = PeftModel.from_pretrained(hf_base(d, cls), f'{out}/{name}/exp-adapter')
    loaded.eval()
    res['peft(export)'] = maxabs(logits_of(loaded, cls), trained)
    res['ours(run)'] = maxabs(ours_logits(d, cls, f'{run}/adapter'), trained)
    merged = (AutoModelForSequenceClassification if cls else AutoModelForCausalLM).from_pretrained(f'{out}/{name}/exp-merged', attn_implementation='eager')
    stored = next(iter(merged.parameters())).dtype
    # PEFT's own merge of our adapter, rounded to the base's dtype, as the reference for the merged weights
    ref = PeftModel.from_pretrained(hf_base(d, cls), f'{out}/{name}/exp-adapter').merge_and_unload().to(DTYPES[dtype])
    rs = ref.state_dict()
    res['merged W'] = max(maxabs(v, rs[k]) for k, v in merged.state_dict().items())
    res['merged dtype'] = f'{str(stored)[6:]}/{dtype}'
    # both in float32 from the stored weights: a model cast with .to() also rounds its rope's inv_freq buffer
    merged = merged.float()
    merged.eval()
    ref32 = hf_base(d, cls)
    ref32.load_state_dict(rs)
    ref32.eval()
    res['tf(merged)'] = maxabs(logits_of(merged, cls), logits_of(ref32, cls))
    res['ours(merged)'] = maxabs(ours_logits(f'{out}/{name}/exp-merged', cls), logits_of(merged, cls))
    res['tf(merged) vs trained'] = maxabs(logits_of(merged, cls), trained)
    return res


def refusal(name, edits, key):
    d = f'{out}/{name}/model'
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    c = {**SMALL, 'model_type': 'mistral', 'architectures': ['MistralForCausalLM'], **edits}
    json.dump(c, open(f'{d}/config.json', 'w'), indent=2)
    rc, so, se = node(BIN, 'eval', '--model', d, '--data', f'{out}/rows-gen.jsonl', '--json', '--device', 'cpu')
    lines = [l for l in se.strip().splitlines() if l]
    ok = rc == 2 and len(lines) == 1 and key in lines[0]
    return ('refused' if ok else 'NOT REFUSED AS ASKED') + f' (rc {rc}): {" | ".join(lines)[:300]}'


def main():
    os.makedirs(out, exist_ok=True)
    with open(f'{out}/rows-gen.jsonl', 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in ROWS)
    with open(f'{out}/rows-cls.jsonl', 'w') as f:
        f.writelines(json.dumps(r) + '\n' for r in CLS_ROWS)
    for name, (keys, dtype, edits, lora) in CASES.items():
        if only and name not in only:
            continue
        try:
            res = run_case(name, keys, dtype, edits, lora)
        except Exception as e:  # noqa: BLE001 — a probe: report and go on
            res = {'ERROR': f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'}
        print(name, json.dumps({k: (f'{v:.1e}' if isinstance(v, float) else v) for k, v in res.items()}), flush=True)
    for name, (edits, key) in REFUSALS.items():
        if not only or name in only:
            print(name, refusal(name, edits, key), flush=True)


if __name__ == '__main__':
    main()
