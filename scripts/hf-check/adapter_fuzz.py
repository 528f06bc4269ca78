# Adapters made by PEFT itself in the configurations it allows, against our adapter loader. Not part of the product: a
# check for machines with torch + transformers + peft. From the project root:
#   HF_HUB_OFFLINE=1 python3 scripts/hf-check/adapter_fuzz.py OUT_DIR [CASES] [SEED]
# Phase 1 (here): two tiny random Mistral bases saved by save_pretrained (GQA 4/2 untied f32 with 3 layers; GQA 4/1,
# head_dim apart from hidden/heads, tied, bf16 with 2 layers). Each case is a PEFT adapter made by get_peft_model with
# init_lora_weights=False (A and B random, so every adapter changes the logits) and saved by save_pretrained: a seeded
# random draw over r, lora_alpha, use_rslora, target_modules (a list of suffixes or full names, a subset of the 7
# projections, a regex string, "all-linear", absent), layers_to_transform (+ layers_pattern), exclude_modules,
# lora_dropout, rank_pattern / alpha_pattern, CAUSAL_LM / SEQ_CLS (score head) / no task_type; then pinned cases: other
# LoRA variants (DoRA — also drawn, a quarter of the random cases —, aLoRA, KaSA, BD-LoRA, MiCA, VeLoRA), base-changing inits (PiSSA, OLoRA, LoftQ) saved as they are
# and converted to plain LoRA, other PEFT types (IA3, LoHa, LoKr, AdaLoRA, VeRA), layer_replication,
# trainable_token_indices, target_parameters, modules_to_save lm_head / embed_tokens, bias all / lora_only,
# fan_in_fan_out, adapter_model.bin (safe_serialization=False), base_model_name_or_path elsewhere, adapter tensors in
# BF16. The references: PeftModel.from_pretrained on the base reloaded in float64, logits of a right-padded batch
# (SEQ_CLS: the class logits), and of merge_and_unload where PEFT merges. A case PEFT itself cannot load is recorded.
# Phase 2: scripts/hf-check/adapter-fuzz.ts loads each adapter as the CLI does and compares (or checks the refusal).
import json, os, random, shutil, subprocess, sys, traceback, warnings
import torch
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, MistralConfig, MistralForCausalLM
from transformers.utils import logging as hf_logging
import peft
from peft import LoraConfig, PeftModel, get_peft_model

hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()
warnings.filterwarnings('ignore')
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from padded import right_padded  # noqa: E402

out = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 40
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
rng = random.Random(SEED)
torch.set_num_threads(2)
PROJ = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']
NUM_LABELS = 3

BASES = {
    'gqa-f32': dict(cfg=dict(vocab_size=96, hidden_size=32, intermediate_size=48, num_hidden_layers=3, num_attention_heads=4,
                             num_key_value_heads=2, tie_word_embeddings=False), dtype=torch.float32),
    'tied-bf16': dict(cfg=dict(vocab_size=80, hidden_size=32, intermediate_size=40, num_hidden_layers=2, num_attention_heads=4,
                               num_key_value_heads=1, head_dim=16, tie_word_embeddings=True), dtype=torch.bfloat16),
}


def make_bases():
    for i, (name, b) in enumerate(BASES.items()):
        torch.manual_seed(100 + i)
        m = MistralForCausalLM(MistralConfig(**b['cfg'], max_position_embeddings=64, bos_token_id=1, eos_token_id=2, pad_token_id=0,
                                             sliding_window=None, initializer_range=0.1, rms_norm_eps=1e-5))
        with torch.no_grad():
            for n, p in m.named_parameters():
                if 'norm' in n:
                    p.uniform_(0.5, 1.5)
        m.to(b['dtype']).save_pretrained(f'{out}/bases/{name}')


def load_base(name, task, dtype):
    d = f'{out}/bases/{name}'
    if task == 'SEQ_CLS':
        return AutoModelForSequenceClassification.from_pretrained(d, dtype=dtype, num_labels=NUM_LABELS)
    return AutoModelForCausalLM.from_pretrained(d, dtype=dtype)


def probe_batch(base):
    """Three rows, the longest 10 tokens, the others right-padded with 0 (the pad id), BOS first, no pad inside."""
    V = BASES[base]['cfg']['vocab_size']
    brng = random.Random(7)
    rows = [[1] + [brng.randrange(3, V) for _ in range(n - 1)] for n in (10, 7, 4)]
    return right_padded(rows)


def random_case(i):
    """A random LoraConfig (kwargs) with the base, task and how to save it."""
    base = rng.choice(list(BASES))
    L = BASES[base]['cfg']['num_hidden_layers']
    task = rng.choices(['CAUSAL_LM', 'SEQ_CLS', None], [6, 2, 1])[0]
    r = rng.choice([1, 2, 4, 8])
    kw = dict(r=r, lora_alpha=rng.choice([1, 4, 8, 16, 32, 2.5]), init_lora_weights=False, lora_dropout=rng.choice([0.0, 0.0, 0.1, 0.5]),
              use_rslora=rng.random() < 0.3)
    form = rng.choice(['list', 'list', 'fullnames', 'regex', 'all-linear', 'default'])
    subset = rng.sample(PROJ, rng.randint(1, 7))
    if form == 'list':
        kw['target_modules'] = subset
    elif form == 'fullnames':
        kw['target_modules'] = [f"model.layers.{l}.{'mlp' if p in ('gate_proj', 'up_proj', 'down_proj') else 'self_attn'}.{p}"
                                for l in rng.sample(range(L), rng.randint(1, L)) for p in subset]
    elif form == 'regex':
        kw['target_modules'] = rng.choice([r'.*\.(q_proj|down_proj)', r'model\.layers\.[01]\.self_attn\.(k|v)_proj', r'.*mlp\..*_proj',
                                           r'.*layers\.\d+\.(self_attn\.o|mlp\.up)_proj', r'.*_proj'])
    elif form == 'all-linear':
        kw['target_modules'] = 'all-linear'
    if form in ('list', 'default') and rng.random() < 0.35:  # PEFT refuses layers_to_transform with a string
        kw['layers_to_transform'] = rng.choice([rng.randrange(L), sorted(rng.sample(range(L), rng.randint(1, L)))])
        kw['layers_pattern'] = rng.choice([None, 'layers', ['layers']])
    if form == 'list' and len(subset) > 1 and rng.random() < 0.2:
        kw['exclude_modules'] = [f'layers.0.{"mlp" if subset[0] in ("gate_proj", "up_proj", "down_proj") else "self_attn"}.{subset[0]}']
    if rng.random() < 0.12:
        kw['rank_pattern'] = rng.choice([{'v_proj': r * 2}, {r'model.layers.0.self_attn.q_proj': 3}, {r'^model\.layers\.1\..*': 2}])
    if rng.random() < 0.12:
        kw['alpha_pattern'] = rng.choice([{'q_proj': 3.0}, {'down_proj': 64}, {r'^model\.layers\.0\..*': 1}])
    if task is not None:
        kw['task_type'] = task
    if rng.random() < 0.25:  # DoRA, its magnitudes moved off their initialisation (the norms: DoRA would compute plain LoRA)
        kw['use_dora'] = True
        return base, task, kw, dict(perturb='lora')
    return base, task, kw, {}


def lora(**kw):
    return dict(r=4, lora_alpha=8, init_lora_weights=False, target_modules=PROJ, task_type='CAUSAL_LM') | kw


# (name, base, task, LoraConfig kwargs or (PEFT config class name, kwargs), how to save it); the first four pin what the
# draw may leave out
PINNED = [
    ('rslora-all', 'gqa-f32', 'CAUSAL_LM', lora(use_rslora=True, r=8, lora_alpha=16), {}),
    ('seqcls-all-linear', 'tied-bf16', 'SEQ_CLS', dict(r=4, lora_alpha=8, init_lora_weights=False, target_modules='all-linear', task_type='SEQ_CLS'), {}),
    ('layers-pattern', 'gqa-f32', 'CAUSAL_LM', lora(layers_to_transform=[0, 2], layers_pattern='layers'), {}),
    ('seqcls-no-task-type', 'tied-bf16', 'SEQ_CLS', dict(r=4, lora_alpha=8, init_lora_weights=False, target_modules=PROJ, modules_to_save=['score']), {}),
    ('exclude', 'gqa-f32', 'CAUSAL_LM', lora(exclude_modules=r'.*layers\.1\.mlp\..*'), {}),
    ('no-task-type', 'gqa-f32', None, dict(r=2, lora_alpha=4, init_lora_weights=False, target_modules=['q_proj', 'o_proj']), {}),
    ('dropout', 'tied-bf16', 'CAUSAL_LM', lora(lora_dropout=0.3), {}),
    ('base-elsewhere', 'gqa-f32', 'CAUSAL_LM', lora(), dict(edit={'base_model_name_or_path': 'mistralai/Mistral-7B-v0.1'})),
    ('bin', 'gqa-f32', 'CAUSAL_LM', lora(), dict(safe=False)),
    ('bf16-tensors', 'tied-bf16', 'CAUSAL_LM', lora(), dict(adapter_dtype=torch.bfloat16)),
    ('layers-empty-list', 'gqa-f32', 'CAUSAL_LM', lora(), dict(edit={'layers_to_transform': []})),
    ('fullname-and-layers', 'gqa-f32', 'CAUSAL_LM', lora(target_modules=['model.layers.0.self_attn.q_proj', 'v_proj'], layers_to_transform=[1]), {}),
    ('regex-and-layers', 'gqa-f32', 'CAUSAL_LM', lora(target_modules=r'.*\.v_proj'), dict(edit={'layers_to_transform': [1]})),
    ('pattern-alone', 'gqa-f32', 'CAUSAL_LM', lora(), dict(edit={'layers_pattern': 'layers'})),
    ('layers-pattern-h', 'gqa-f32', 'CAUSAL_LM', lora(layers_to_transform=[1]), dict(edit={'layers_pattern': 'h'})),
    ('bias-all', 'gqa-f32', 'CAUSAL_LM', lora(bias='all'), {}),
    ('bias-lora-only', 'gqa-f32', 'CAUSAL_LM', lora(bias='lora_only'), {}),
    ('fan-in-fan-out', 'gqa-f32', 'CAUSAL_LM', lora(), dict(edit={'fan_in_fan_out': True})),
    ('save-lm-head', 'gqa-f32', 'CAUSAL_LM', lora(modules_to_save=['lm_head']), dict(perturb='lm_head')),
    ('save-embed', 'gqa-f32', 'CAUSAL_LM', lora(modules_to_save=['embed_tokens']), dict(perturb='embed_tokens')),
    ('target-lm-head', 'gqa-f32', 'CAUSAL_LM', lora(target_modules=['q_proj', 'lm_head']), {}),
    ('rank-pattern', 'gqa-f32', 'CAUSAL_LM', lora(rank_pattern={'v_proj': 8}), {}),
    ('alpha-pattern', 'gqa-f32', 'CAUSAL_LM', lora(alpha_pattern={'down_proj': 32}), {}),
    ('dora', 'gqa-f32', 'CAUSAL_LM', lora(use_dora=True), dict(perturb='lora')),
    ('dora-seqcls-rank-pattern', 'tied-bf16', 'SEQ_CLS', lora(use_dora=True, rank_pattern={'v_proj': 8}, lora_dropout=0.1, task_type='SEQ_CLS'),
     dict(perturb='lora')),
    ('alora', 'gqa-f32', 'CAUSAL_LM', lora(alora_invocation_tokens=[5]), {}),
    ('kasa', 'gqa-f32', 'CAUSAL_LM', ('KasaConfig', lora()), {}),
    ('bdlora', 'gqa-f32', 'CAUSAL_LM', ('BdLoraConfig', lora()), {}),
    ('velora', 'gqa-f32', 'CAUSAL_LM', ('VeloraConfig', lora()), {}),
    ('mica', 'gqa-f32', 'CAUSAL_LM', lora() | {'init_lora_weights': 'mica'}, dict(perturb='lora')),
    ('orthogonal', 'gqa-f32', 'CAUSAL_LM', lora() | {'init_lora_weights': 'orthogonal'}, dict(perturb='lora')),
    ('gaussian', 'gqa-f32', 'CAUSAL_LM', lora() | {'init_lora_weights': 'gaussian'}, dict(perturb='lora')),
    ('pissa', 'gqa-f32', 'CAUSAL_LM', lora() | {'init_lora_weights': 'pissa'}, dict(perturb='lora')),
    ('pissa-converted', 'gqa-f32', 'CAUSAL_LM', lora() | {'init_lora_weights': 'pissa'}, dict(perturb='lora', convert=True)),
    ('olora', 'gqa-f32', 'CAUSAL_LM', lora() | {'init_lora_weights': 'olora'}, dict(perturb='lora')),
    ('olora-converted', 'tied-bf16', 'CAUSAL_LM', lora() | {'init_lora_weights': 'olora'}, dict(perturb='lora', convert=True)),
    ('loftq', 'gqa-f32', 'CAUSAL_LM', lora() | {'init_lora_weights': 'loftq', 'loftq_config': ('LoftQConfig', dict(loftq_bits=4))}, dict(perturb='lora')),
    ('layer-replication', 'gqa-f32', 'CAUSAL_LM', lora(layer_replication=[[1, 3], [0, 1]]), {}),
    ('trainable-tokens', 'gqa-f32', 'CAUSAL_LM', lora(trainable_token_indices=[3, 4, 5]), dict(perturb='tokens')),
    ('target-parameters', 'gqa-f32', 'CAUSAL_LM', lora(target_parameters=['self_attn.q_proj.weight']) | {'target_modules': []}, {}),
    ('ia3', 'gqa-f32', 'CAUSAL_LM', ('IA3Config', dict(target_modules=['k_proj', 'v_proj', 'down_proj'], feedforward_modules=['down_proj'],
                                                       init_ia3_weights=False, task_type='CAUSAL_LM')), {}),
    ('loha', 'gqa-f32', 'CAUSAL_LM', ('LoHaConfig', dict(r=4, alpha=8, target_modules=PROJ, init_weights=False, task_type='CAUSAL_LM')), {}),
    ('lokr', 'gqa-f32', 'CAUSAL_LM', ('LoKrConfig', dict(r=4, alpha=8, target_modules=PROJ, init_weights=False, task_type='CAUSAL_LM')), {}),
    ('adalora', 'gqa-f32', 'CAUSAL_LM', ('AdaLoraConfig', dict(r=4, lora_alpha=8, target_modules=PROJ, init_lora_weights=False, total_step=10,
                                                               task_type='CAUSAL_LM')), dict(perturb='lora')),
    ('vera', 'gqa-f32', 'CAUSAL_LM', ('VeraConfig', dict(r=4, target_modules=['q_proj', 'v_proj'], init_weights=False, task_type='CAUSAL_LM')), {}),
]


def peft_config(kw):
    """A PEFT config from LoraConfig kwargs, or from (config class name, kwargs) for variants and other types."""
    cls, kw = ('LoraConfig', kw) if isinstance(kw, dict) else kw
    kw = dict(kw)
    for k, v in kw.items():  # sub-configs
        if isinstance(v, tuple):
            kw[k] = getattr(peft, v[0])(**v[1])
    if cls == 'KasaConfig':
        return LoraConfig(**kw, kasa_config=peft.tuners.lora.config.KasaConfig())
    if cls == 'BdLoraConfig':
        return LoraConfig(**kw, use_bdlora=peft.tuners.lora.config.BdLoraConfig(target_modules_bd_a=['q_proj', 'k_proj', 'v_proj', 'gate_proj', 'up_proj'],
                                                                                target_modules_bd_b=['o_proj', 'down_proj'], nblocks=2))
    if cls == 'VeloraConfig':
        return LoraConfig(**kw, velora_config=peft.tuners.lora.config.VeloraConfig())
    return getattr(peft, cls)(**kw)


def perturb(pm, what):
    """Random values where PEFT's init leaves a no-op or an unchanged copy, so the adapter changes the logits."""
    g = torch.Generator().manual_seed(rng.randrange(1 << 30))
    with torch.no_grad():
        for n, p in pm.named_parameters():
            hit = {'lora': 'lora_' in n, 'lm_head': 'lm_head.modules_to_save' in n, 'embed_tokens': 'embed_tokens.modules_to_save' in n,
                   'tokens': 'trainable_tokens_delta' in n}[what]
            if hit:
                p.add_(0.2 * torch.randn(p.shape, generator=g, dtype=torch.float32).to(p.dtype))


def make_case(name, base, task, kw, save):
    d = f'{out}/{name}'
    os.makedirs(d, exist_ok=True)
    meta = dict(base=base, task=task, desc=describe(kw, save), made=True)
    try:
        torch.manual_seed(rng.randrange(1 << 30))
        m = load_base(base, task, torch.float32)
        cfg = peft_config(kw)
        pm = get_peft_model(m, cfg)
        if save.get('convert'):
            pm.peft_config['default'].init_lora_weights = True
            pm.save_pretrained(f'{d}/initial')
            pm.peft_config['default'].init_lora_weights = kw['init_lora_weights']
        if save.get('perturb'):
            perturb(pm, save['perturb'])
        if task == 'SEQ_CLS':  # the head as trained: away from the base's random init, which the reference reloads anew
            with torch.no_grad():
                for n, p in pm.named_parameters():
                    if 'score.modules_to_save' in n:
                        p.normal_(0, 0.3)
        if save.get('adapter_dtype'):
            for n, p in pm.named_parameters():
                if 'lora_' in n:
                    p.data = p.data.to(save['adapter_dtype'])
        pm.save_pretrained(f'{d}/adapter', safe_serialization=save.get('safe', True),
                           **({'path_initial_model_for_weight_conversion': f'{d}/initial'} if save.get('convert') else {}))
        if save.get('edit'):
            c = json.load(open(f'{d}/adapter/adapter_config.json'))
            c.update(save['edit'])
            json.dump(c, open(f'{d}/adapter/adapter_config.json', 'w'), indent=2)
    except Exception as e:
        meta.update(made=False, error=f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}')
        json.dump(meta, open(f'{d}/meta.json', 'w'))
        return meta
    ids, mask = probe_batch(base)
    t = {'input_ids': ids.int(), 'attention_mask': mask.int()}
    try:  # PEFT's own load of the saved folder onto the base, in float64 (float32 for the inits that refuse float64)
        try:
            ref_dtype = torch.float64
            ref = PeftModel.from_pretrained(load_base(base, task, ref_dtype), f'{d}/adapter').eval()
        except TypeError:  # PiSSA, OLoRA, MiCA: 'Please initialize ... under float32, float16, or bfloat16'
            ref_dtype = torch.float32
            ref = PeftModel.from_pretrained(load_base(base, task, ref_dtype), f'{d}/adapter').eval()
        meta['ref_dtype'] = str(ref_dtype)
        with torch.no_grad():
            t['logits'] = ref(input_ids=ids, attention_mask=mask).logits.float()
            plain = load_base(base, task, ref_dtype).eval()(input_ids=ids, attention_mask=mask).logits
            meta['adapter_effect'] = ((t['logits'].double() - plain.double()).norm() / plain.double().norm()).item()
        try:
            merged = ref.merge_and_unload().eval()
            with torch.no_grad():
                t['merged_logits'] = merged(input_ids=ids, attention_mask=mask).logits.float()
        except Exception as e:
            meta['merge_error'] = f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'
        # PEFT's own float32 against its float64 (the same rel err as phase 2's, over the real positions): how far
        # float32 itself lands on this adapter, the bar for ours where a large scaling amplifies its rounding
        if ref_dtype == torch.float64:
            f32 = PeftModel.from_pretrained(load_base(base, task, torch.float32), f'{d}/adapter').eval()
            real = (lambda x: x) if task == 'SEQ_CLS' else (lambda x: x[mask.bool()])
            err = lambda a, b: ((real(a).double() - real(b).double()).norm() / real(b).double().norm()).item()
            with torch.no_grad():
                meta['peft_f32'] = err(f32(input_ids=ids, attention_mask=mask).logits, t['logits'])
                if 'merged_logits' in t:
                    meta['peft_f32_merged'] = err(f32.merge_and_unload().eval()(input_ids=ids, attention_mask=mask).logits, t['merged_logits'])
    except Exception as e:
        meta['peft_load_error'] = f'{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ""}'
    save_file({k: v.contiguous() for k, v in t.items()}, f'{d}/expected.safetensors')
    json.dump(meta, open(f'{d}/meta.json', 'w'))
    return meta


def describe(kw, save):
    cls, kw = ('', kw) if isinstance(kw, dict) else (kw[0] + ' ', kw[1])
    keys = {k: v for k, v in kw.items() if k not in ('init_lora_weights',) or v is not False}
    s = cls + ' '.join(f'{k}={json.dumps(v, default=str)}' for k, v in keys.items())
    extra = {k: (str(v) if not isinstance(v, (dict, bool, str)) else v) for k, v in save.items()}
    return s + (f' | {json.dumps(extra)}' if extra else '')


if __name__ == '__main__':
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    make_bases()
    cases = [(f'rand{i:02d}', *random_case(i)) for i in range(N)] + [(f'pin-{n}', *rest) for n, *rest in PINNED]
    for name, base, task, kw, save in cases:
        meta = make_case(name, base, task, kw, save)
        status = 'not made: ' + meta['error'] if not meta['made'] else ('PEFT cannot load it: ' + meta['peft_load_error']) if 'peft_load_error' in meta else 'made'
        print(f'{name:22s} {base:9s} {str(task):9s} {status}', flush=True)
    print(f'peft {peft.__version__}, transformers {__import__("transformers").__version__}, torch {torch.__version__}, seed {SEED}', flush=True)
    sys.exit(subprocess.run(['node', '--import', 'tsx', 'scripts/hf-check/adapter-fuzz.ts', out]).returncode)
