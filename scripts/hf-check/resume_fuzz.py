# Resumed runs against the uninterrupted run, on train_fuzz.py's random cases (its configs, rows, bases and PEFT adapters)
# with more of the keys a resume must carry over drawn on: evaluation on val every N steps or each epoch, packing,
# accumulation, early stopping (patience, min_delta). Each case trains with the real CLI and a checkpoint every step;
# then, for two of its checkpoints, a copy of the run folder is cut back to that checkpoint (the newer ones,
# report.json and the final adapter/ or model/ removed, as a kill leaves it) and continued with `train RUN --resume`.
# Every row of metrics.jsonl (train and val), report.json's best step and stopped_early, best/ and the final adapter or
# weights must be the uninterrupted run's (≤ 1e-6 relative). Only our CLI is compared here (train_fuzz.py holds the
# uninterrupted run to HF's Trainer); torch and PEFT make the starting adapters. Not part of the product. From the
# project root, after `npm run build`:
#   HF_HUB_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/resume_fuzz.py OUT_DIR [CASES] [SEED] [FORCE]
# (FORCE as train_fuzz.py's: task, method, base.)
import json, os, random, shutil, subprocess, sys

OUT = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 10
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
FORCE = dict(kv.split('=', 1) for kv in sys.argv[4].split(',')) if len(sys.argv) > 4 and sys.argv[4] else {}
sys.argv = [sys.argv[0], OUT]  # train_fuzz (and option_parity) read their OUT_DIR at import
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_fuzz as tf  # noqa: E402
import option_parity as op  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402
import torch  # noqa: E402

TIMING = ('tokens_per_s', 'mem_bytes')  # what differs from run to run


def metrics(run):
    return [{k: v for k, v in json.loads(line).items() if k not in TIMING} for line in open(f'{run}/metrics.jsonl') if line.strip()]


def draw_cases(rng, xr):
    cases = [tf.random_case(rng, FORCE) for _ in range(N)]
    for case in cases:
        c = case['c']
        if 'eval' not in c and xr.random() < 0.6:
            c['eval'] = dict(every_steps=xr.choice([1, 2, 3, None]), samples=0)
            case['val'] = xr.randint(2, 5)
        if not case['cls'] and not case['packing'] and xr.random() < 0.35:
            case['packing'] = c['packing'] = True
            c['max_seq_len'] = xr.choice([12, 16, 24, 30, 40])
        if xr.random() < 0.5:
            c['grad_accum'] = xr.choice([2, 3, 4])
        if 'eval' in c and xr.random() < 0.8:
            c['early_stopping'] = dict(patience=xr.randint(1, 3), min_delta=xr.choice([0.0, 1e-4, 1e-3, 1e-2]))
        c['checkpoint'] = dict(every_steps=1, keep=1000)
        case.pop('fresh', None)  # (a fresh adapter's start is train_fuzz's to check)
    return cases


def prepare(i, case, d):
    """The case's rows, val and base (train_fuzz.run_case's), and its PEFT adapter (None: full fine-tuning)."""
    drng = random.Random(SEED * 7919 + i)
    cls = case['cls']
    vocab = tf.BASES[case['base']].get('vocab_size', 512) if case['base'] else 512
    rows = tf.random_rows(drng, case['n'], cls, vocab)
    val = tf.random_rows(drng, case['val'], cls, vocab) if case['val'] else []
    if not cls:  # at least one target in val, else ours refuses the split
        val = [r for r in val if any(x != -100 for x in r.get('labels', r['input_ids'])[1:])]
    if not val:
        case['c'].pop('eval', None)
        case['c'].pop('early_stopping', None)
    for f, rs in (('train.jsonl', rows), ('val.jsonl', val)):
        with open(f'{d}/{f}', 'w') as fh:
            fh.writelines(json.dumps(r) + '\n' for r in rs)
    base = tf.cls_base(case['base']) if case['full'] and cls else tf.base_folder(case['base'])
    if case['full']:
        return base, None, bool(val)
    keys = dict(case['lora'])
    if case['base']:
        layers = tf.BASES[case['base']].get('num_hidden_layers', 2)
        if 'layers_to_transform' in keys:
            keys['layers_to_transform'] = [x % layers for x in keys['layers_to_transform']]
        if 'target_modules' not in keys and ('layer_types' in tf.BASES[case['base']] or tf.BASES[case['base']].get('model_type') == 'ministral'):
            keys['target_modules'] = ['q_proj', 'v_proj']  # PEFT 0.21 has no default targets for a Ministral
    adapter = f'{d}/adapter_init'
    op.make_adapter(adapter, keys, 1000 + i, base)
    if case.get('b_zero'):
        t = load_file(f'{adapter}/adapter_model.safetensors')
        save_file({k: torch.zeros_like(v) if 'lora_B' in k else v for k, v in t.items()}, f'{adapter}/adapter_model.safetensors', metadata={'format': 'pt'})
    return base, adapter, bool(val)


def distance(run, resumed, out):
    """The largest difference of `resumed` from the uninterrupted `run` (inf: rows or a report field apart), and why."""
    full, got = metrics(run), metrics(resumed)
    if len(full) != len(got) or any(a.keys() != b.keys() for a, b in zip(full, got)):
        return float('inf'), f'metrics rows {len(got)} resumed, {len(full)} uninterrupted'
    worst, why = 0.0, ''
    for a, b in zip(full, got):
        for k, v in a.items():
            if isinstance(v, float) and isinstance(b[k], float):
                worst = max(worst, op.srel(b[k], v))
            elif v != b[k]:
                return float('inf'), f'metrics step {a.get("step")} {k}: {b[k]!r} resumed, {v!r} uninterrupted'
    reports = [json.load(open(f'{r}/report.json')) for r in (run, resumed)]
    for key in ('stopped_early',):
        if reports[0].get(key) != reports[1].get(key):
            return float('inf'), f'report.json {key}: {reports[1].get(key)!r} resumed, {reports[0].get(key)!r}'
    best = [((r.get('val') or {}).get('best') or {}).get('step') for r in reports]
    if best[0] != best[1]:
        return float('inf'), f'best step {best[1]} resumed, {best[0]} uninterrupted'
    for folder in (out, 'best'):
        if os.path.isdir(f'{run}/{folder}'):
            if not os.path.isdir(f'{resumed}/{folder}'):
                return float('inf'), f'no {folder}/ resumed'
            a, b = tf.load_weights(f'{run}/{folder}'), tf.load_weights(f'{resumed}/{folder}')
            d = max(op.rel(b[k], v) for k, v in a.items())
            if d > worst:
                worst, why = d, folder
    return worst, why


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = draw_cases(random.Random(SEED), random.Random(SEED + 99))
    resumes = bad = 0
    for i, case in enumerate(cases):
        name = f'resume{SEED}_{i:03d}'
        d = f'{OUT}/{name}'
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        try:
            base, adapter, has_val = prepare(i, case, d)
            tf.ours_run(d, case, adapter, base, f'{d}/train.jsonl', f'{d}/val.jsonl' if has_val else None)
        except Exception as e:  # noqa: BLE001
            print(f'{name} ERROR {tf.describe(case)}\n   {type(e).__name__}: {str(e)[-800:]}', flush=True)
            bad += 1
            continue
        run, out = f'{d}/run', 'model' if case['full'] else 'adapter'
        checkpoints = sorted(os.listdir(f'{run}/checkpoints'))
        picks = sorted(random.Random(SEED * 31 + i).sample(checkpoints[:-1], min(2, len(checkpoints) - 1)))
        for ck in picks:
            k = int(ck.split('-')[1])
            resumed = f'{d}/resumed-{k}'
            shutil.copytree(run, resumed)
            # as if killed after the checkpoint of step k: no report.json, nor the final adapter/ or model/ (written at the
            # end alone; the copy's would be the uninterrupted run's own, equal to it whether or not the resume writes one)
            os.remove(f'{resumed}/report.json')
            shutil.rmtree(f'{resumed}/{out}')
            for later in checkpoints:
                if int(later.split('-')[1]) > k:
                    shutil.rmtree(f'{resumed}/checkpoints/{later}')
            p = subprocess.run(['node', op.BIN, 'train', resumed, '--resume'], capture_output=True, text=True)
            resumes += 1
            if p.returncode:
                print(f'{name} resume from step {k} FAILED: {p.stderr[-800:]}', flush=True)
                bad += 1
                continue
            worst, why = distance(run, resumed, out)
            bad += worst > 1e-6
            print(f'{name} from step {k} of {len(checkpoints)} {"ok" if worst <= 1e-6 else "MISMATCH"} {worst:.1e} {why} [{tf.describe(case)}]', flush=True)
    print('RESUME FUZZ', 'PASS' if bad == 0 else f'FAIL ({bad})', f'({resumes} resumes of {N} cases, seed {SEED})')


if __name__ == '__main__':
    main()
