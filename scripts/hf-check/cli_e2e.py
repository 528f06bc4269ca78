# End to end through the CLI on small random model folders saved by transformers 5.17 (Mistral and Llama, f32/bf16/f16,
# sharded, tied or not, head_dim != hidden/heads, GQA 1..8, windows, odd rope θ and scalings, vocab not a multiple of 8):
# `mistral-tune train` (LoRA, a few steps), `export` of the adapter (PEFT 0.21 loads it on the HF base: its logits
# against ours), `export --merge` (transformers loads it: logits against ours), `export --format gguf` at f32 and each
# --quant (llama.cpp through node-llama-cpp: next-token log-probs against HF's PEFT model, greedy tokens at f32).
# Not part of the product.   HF_HUB_OFFLINE=1 python scripts/hf-check/cli_e2e.py OUT [CASE...]
import json, os, subprocess, sys, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_hf_sweep_small import TOK, random_model
from transformers import AutoModelForCausalLM
from transformers.utils import logging as hf_logging
from peft import PeftModel
hf_logging.set_verbosity_error()
torch.set_num_threads(1)
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
OUT = os.path.abspath(sys.argv[1])
ONLY = sys.argv[2:]
QUANTS = os.environ.get('QUANTS', 'f32,f16,bf16,q8_0,q6_k,q5_k_m,q4_k_m').split(',')
PROMPTS = [[1] + [5 + (i * 37) % 250 for i in range(13)], [1] + [260 - i * 11 for i in range(9)]]
base = dict(hidden_size=48, intermediate_size=80, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
            max_position_embeddings=64, bos_token_id=1, eos_token_id=2, initializer_range=0.08, sliding_window=None)
CASES = {
  'm_gqa2_v509_tied_f32': dict(vocab_size=509, tie_word_embeddings=True),
  'm_gqa1_hd20_v515_bf16_shard': dict(vocab_size=515, head_dim=20, num_key_value_heads=4, dtype=torch.bfloat16, shard='40KB'),
  'm_gqa4_hd8_f16_win8': dict(vocab_size=511, num_attention_heads=8, num_key_value_heads=2, head_dim=8, sliding_window=8, dtype=torch.float16),
  'm_gqa8_theta777_linear': dict(vocab_size=517, num_attention_heads=8, num_key_value_heads=1, head_dim=6, rope_parameters=dict(rope_type='linear', rope_theta=777.7, factor=2.5)),
  'm_yarn_pos32': dict(vocab_size=513, max_position_embeddings=32, head_dim=16, rope_parameters=dict(rope_type='yarn', rope_theta=12345.0, factor=4.0, original_max_position_embeddings=8)),
  'm_dynamic': dict(vocab_size=510, rope_parameters=dict(rope_type='dynamic', rope_theta=5000.0, factor=2.0)),
  'l_llama3_tied_bf16': dict(model_type='llama', vocab_size=519, tie_word_embeddings=True, dtype=torch.bfloat16, rope_parameters=dict(rope_type='llama3', rope_theta=50001.0, factor=8.0, low_freq_factor=1.0, high_freq_factor=4.0, original_max_position_embeddings=16)),
  'l_hd12_gqa2_f16_shard': dict(model_type='llama', vocab_size=514, head_dim=12, dtype=torch.float16, shard='30KB'),
  # tie_word_embeddings true with an lm_head.weight of other values in the file (transformers uses both, untied), or alone
  'm_tied_lmhead_other': dict(vocab_size=509, tie_word_embeddings=True, edit='lm_head_other'),
  'm_tied_lmhead_only': dict(vocab_size=509, tie_word_embeddings=True, edit='lm_head_only'),
  # a Ministral-style config: model_type ministral, per-layer window (layer_types), window longer than the prompts
  'ministral_layer_types': dict(model_type='ministral', vocab_size=518, head_dim=12, num_hidden_layers=3, sliding_window=20, layer_types=['sliding_attention', 'full_attention', 'sliding_attention']),
  # transformers 4's config.json form: rope_theta at the top, rope_scaling {"type": ...}
  'l_v4_rope_scaling': dict(model_type='llama', vocab_size=520, num_attention_heads=8, num_key_value_heads=1, head_dim=10, edit='v4_linear'),
  # rows of 256: every --quant's block types, not the f16 fallback of rows that fit no block
  'm_rows256_gqa4_bf16': dict(vocab_size=521, hidden_size=256, intermediate_size=512, num_attention_heads=8, num_key_value_heads=2, head_dim=32, dtype=torch.bfloat16, initializer_range=0.05),
  'm_heads3_mha_yarn_betas': dict(vocab_size=508, num_attention_heads=3, num_key_value_heads=3, head_dim=14, rope_parameters=dict(rope_type='yarn', rope_theta=3000.0, factor=2.0, original_max_position_embeddings=16, beta_fast=8.0, beta_slow=2.0)),
}

def cut_tok(d, n):
    j = json.load(open(f'{TOK}/tokenizer.json'))
    vocab = {k: v for k, v in j['model']['vocab'].items() if v < n}
    j['model']['vocab'] = vocab
    j['model']['merges'] = [m for m in j['model']['merges'] if (lambda a, b: a in vocab and b in vocab and a + b in vocab)(*(m.split(' ') if isinstance(m, str) else m))]
    json.dump(j, open(f'{d}/tokenizer.json', 'w'))
    json.dump(json.load(open(f'{TOK}/tokenizer_config.json')), open(f'{d}/tokenizer_config.json', 'w'))

def make(name, v):
    d = f'{OUT}/{name}'
    v = {**base, **v}
    dtype, shard = v.pop('dtype', torch.float32), v.pop('shard', '10GB')
    edit = v.pop('edit', None)
    m = random_model(v, v.pop('model_type', 'mistral'), len(name))
    m.to(dtype).save_pretrained(f'{d}/model', max_shard_size=shard)
    cut_tok(f'{d}/model', min(v['vocab_size'], 512))
    if edit in ('lm_head_other', 'lm_head_only'):
        from safetensors.torch import load_file, save_file
        w = load_file(f'{d}/model/model.safetensors')
        w['lm_head.weight'] = torch.randn_like(w['model.embed_tokens.weight']) * 0.08
        if edit == 'lm_head_only':
            w['lm_head.weight'] = w.pop('model.embed_tokens.weight')
        save_file(w, f'{d}/model/model.safetensors', metadata={'format': 'pt'})
    if edit == 'v4_linear':
        c = json.load(open(f'{d}/model/config.json'))
        rp = c.pop('rope_parameters')
        c['rope_theta'] = 4321.0
        c['rope_scaling'] = {'type': 'linear', 'factor': 1.5}
        json.dump(c, open(f'{d}/model/config.json', 'w'), indent=2)
    words = 'the a cat dog sat on mat ran far home big small red blue'.split()
    with open(f'{d}/train.jsonl', 'w') as f:
        for i in range(12):
            f.write(json.dumps({'prompt': ' '.join(words[(i * k) % len(words)] for k in range(1, 5)), 'completion': ' ' + ' '.join(words[(i + k) % len(words)] for k in range(3))}) + '\n')
    with open(f'{d}/train.yaml', 'w') as f:
        f.write(f'model: model\ntask: generation\ndata:\n  train: train.jsonl\nlora:\n  r: 4\n  alpha: 8\n  dropout: 0.0\n'
                f'  target_modules: [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]\noptimizer:\n  lr: 0.05\n'
                f'batch_size: 2\nmax_steps: 3\nmax_seq_len: 24\noutput_dir: run\n')

def cli(*args):
    r = subprocess.run(['node', f'{ROOT}/bin/mistral-tune.js', *args], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr).strip()

def rel(a, b):
    return float((a - b).abs().max() / b.abs().max())

def centered(x):
    x = torch.log_softmax(x.double(), -1)
    return x - x.mean(-1, keepdim=True)

def hf_last(m, prompts):
    with torch.no_grad():
        return torch.stack([m(torch.tensor([p])).logits[0, -1].double() for p in prompts])

def merged_tol(d):
    """A merged model is written in the base's dtype: its logits move by that rounding."""
    dt = json.load(open(f'{d}/model/config.json')).get('dtype')
    return {'bfloat16': 2e-2, 'float16': 3e-3}.get(dt, 1e-5)
# largest max |Δ| / max |reference| (llama.cpp: centred log-probs against HF's PEFT model; the quants' measured on random weights)
TOL = {'peft_vs_ours': lambda d: 1e-5, 'merged_hf_vs_ours': merged_tol, 'f32': lambda d: 1e-5, 'lora-f32': lambda d: 1e-5,
       'f16': lambda d: 5e-3, 'lora-f16': lambda d: 5e-3, 'bf16': lambda d: 3e-2, 'q8_0': lambda d: 5e-2, 'q6_k': lambda d: 5e-2,
       'q5_k_m': lambda d: 0.2, 'q4_k_m': lambda d: 0.2}
# the least lora_moved (max |Δ| / max |PEFT's| of HF's logits, its base against PEFT's model): an adapter that barely
# moved leaves the checks nothing to see (a 0.1% error in its scaling moves the logits by 0.1% of lora_moved)
MIN_LORA_MOVED = 1e-2
os.makedirs(OUT, exist_ok=True)
failed = 0
for name, v in CASES.items():
    if ONLY and name not in ONLY: continue
    d = f'{OUT}/{name}'
    if not os.path.exists(f'{d}/model/config.json'): make(name, v)
    rc, log = cli('train', f'{d}/train.yaml', '--overwrite')
    if rc: print(name, 'TRAIN FAILED', log[-600:]); failed += 1; continue
    for sub in ('adapter', 'merged'):
        if os.path.exists(f'{d}/{sub}'): subprocess.run(['rm', '-r', f'{d}/{sub}'])
    rc, log = cli('export', '--run', f'{d}/run', '--out', f'{d}/adapter'); assert rc == 0, log
    rc, log = cli('export', '--run', f'{d}/run', '--merge', '--out', f'{d}/merged'); assert rc == 0, log
    ggufs, refused = {}, []  # a refused export fails the case: its checks were not run
    for q in QUANTS:
        f = f'{d}/m-{q}.gguf'
        if os.path.exists(f): os.remove(f)
        rc, log = cli('export', '--run', f'{d}/run', '--format', 'gguf', '--quant', q, '--out', f)
        if rc: print(name, q, 'GGUF REFUSED:', log.splitlines()[-1]); refused.append(q); continue
        if 'warn' in log.lower(): print(name, q, 'warnings:', log[:300])
        ggufs[q] = f
    # the adapter alone (--format gguf-lora) over a GGUF of the base (f32, our export of the model folder)
    for q in ('f32', 'f16') if 'f32' in ggufs else ():
        f, b = f'{d}/lora-{q}.gguf', f'{d}/base-f32.gguf'
        for x in (f, b):
            if os.path.exists(x): os.remove(x)
        rc, log = cli('export', '--model', f'{d}/model', '--format', 'gguf', '--quant', 'f32', '--out', b); assert rc == 0, log
        rc, log = cli('export', '--run', f'{d}/run', '--format', 'gguf-lora', '--quant', q, '--out', f)
        if rc: print(name, 'GGUF-LORA REFUSED:', log.splitlines()[-1]); refused.append(f'lora-{q}'); continue
        ggufs[f'lora-{q}'] = f'{b}|{f}'
    # ours: base + the run's adapter, our merged folder's logits (node), llama.cpp's log-probs
    ours = json.loads(subprocess.run(['node', '--import', 'tsx', f'{ROOT}/scripts/hf-check/cli-e2e.ts', d, json.dumps(PROMPTS), json.dumps(ggufs)],
                                     capture_output=True, text=True, cwd=ROOT, check=True).stdout.strip().splitlines()[-1])
    hf = AutoModelForCausalLM.from_pretrained(f'{d}/model', dtype=torch.float32)
    peft = PeftModel.from_pretrained(hf, f'{d}/adapter').eval()
    ref = hf_last(peft, PROMPTS)
    with torch.no_grad():
        greedy = peft.generate(torch.tensor([PROMPTS[0]]), max_new_tokens=12, do_sample=False, min_new_tokens=12)[0, len(PROMPTS[0]):].tolist()
    merged = hf_last(AutoModelForCausalLM.from_pretrained(f'{d}/merged', dtype=torch.float32).eval(), PROMPTS)
    base_hf = hf_last(AutoModelForCausalLM.from_pretrained(f'{d}/model', dtype=torch.float32).eval(), PROMPTS)
    r = dict(lora_moved=rel(base_hf, ref), peft_vs_ours=rel(torch.tensor(ours['ours']), ref), merged_hf_vs_ours=rel(merged, torch.tensor(ours['ours'])))
    for q, lp in ours['llama'].items():
        r[q] = rel(torch.tensor(lp), centered(ref))
    # our merged weights against PEFT's merge_and_unload (float32) rounded to the base's dtype: tensors that differ by more than an ulp
    ours_m = AutoModelForCausalLM.from_pretrained(f'{d}/merged', dtype='auto').state_dict()
    dt = next(iter(ours_m.values())).dtype
    theirs_m = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(f'{d}/model', dtype=torch.float32), f'{d}/adapter').merge_and_unload().to(dt).state_dict()
    ulps = 0
    for k, t in theirs_m.items():
        a, b = ours_m[k].double(), t.double()
        tol = (b.abs() * (2 ** -7 if dt == torch.bfloat16 else 2 ** -10 if dt == torch.float16 else 2 ** -22)).clamp_min(1e-30) * 1.01
        ulps += int(((a - b).abs() > tol).sum())
    r['merged_weights_past_1ulp'] = ulps
    r['greedy_f32'] = (ours.get('gen') == greedy) if 'gen' in ours else None
    # a window shorter than prompt (+ tokens): llama.cpp attends past it (llama.context_length is the window, docs/gguf.md),
    # so its numbers are shown, not checked
    c = json.load(open(f'{d}/model/config.json'))
    window = c.get('sliding_window') if c['model_type'] != 'llama' else None
    unchecked = set(ours['llama']) if window is not None and window < max(map(len, PROMPTS)) else set()
    if window is not None and window < len(PROMPTS[0]) + 12 and r['greedy_f32'] is not None: r['greedy_f32'] = 'past-window'
    bad = [k for k, v in r.items() if isinstance(v, float) and k in TOL and k not in unchecked and v > TOL[k](d)] + \
          (['merged_weights_past_1ulp'] if r['merged_weights_past_1ulp'] else []) + (['greedy_f32'] if r['greedy_f32'] is False else []) + \
          [f'{q} refused' for q in refused] + \
          (['lora_moved'] if r['lora_moved'] < MIN_LORA_MOVED else [])
    failed += bool(bad)
    print(name, ' '.join(f'{k}={v:.1e}' if isinstance(v, float) else f'{k}={v}' for k, v in r.items()), f'FAIL {bad}' if bad else 'ok', flush=True)
    if ours.get('gen') is not None and ours['gen'] != greedy: print('   greedy llama', ours['gen'], 'hf', greedy)
print('CLI E2E', 'FAIL' if failed else 'PASS')
sys.exit(1 if failed else 0)
