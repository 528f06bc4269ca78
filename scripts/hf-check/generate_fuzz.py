# Randomised greedy generation of `mistral-tune generate` and of the library's generate() against transformers' own
# model.generate(), token for token (not part of the product). Each case draws a tiny Mistral of its own (GQA / MQA /
# MHA, head_dim unlike hidden / heads, sliding_window none or shorter than prompt + new tokens, 1 and 2 included, tied
# embeddings, odd vocabularies down to 5, 1–3 layers, max_position_embeddings 12 that generation runs past), random
# weights saved by HF as a model folder with a character tokenizer of the model's own vocabulary (each token one
# character, so the CLI's text tells its ids apart) and a chat template with a generation prompt; then random settings
# (max_new_tokens or max_length, min_new_tokens or min_length, eos_token_id lists, repetition_penalty,
# no_repeat_ngram_size, bad_words_ids, sequence_bias, suppress_tokens, begin_suppress_tokens, stop_strings), each a CLI
# flag or a generation_config.json key, and a batch of 1–4 prompts of different lengths (raw, chat, or a chat that ends
# with the assistant's text, continued: the CLI's --messages). Ours runs each prompt alone (generate() takes one
# sequence); the CLI the first prompt of each case. References, per prompt: HF's generate() alone with
# use_cache=False (the model's own math; its cached generate() differs only at sliding_window 1, where its cache keeps
# every position: make_sliding_window.py; counted apart), and HF's left-padded batch (attention mask, pad_token_id),
# compared with HF alone (differences under window 1, min_length, or processors that read the pad ids are counted as
# explained). A mismatch where HF's processed scores put the top two within TIE of each other is counted as a near tie.
# The eos_token_id lists always hold config.json's EOS: ours stops at config.json's, the tokenizer's and
# generation_config.json's EOS ids together (README), HF at generation_config.json's alone. The sampling check draws
# random logits (ties, -inf) and warper settings and compares the tokens samplingProbabilities keeps (and their
# probabilities) with transformers' warpers (test/fixtures/hf-sampling/warpers.py); a top-p cut inside tied logits is
# counted apart (tie_at_cut): HF keeps the tied tokens its unstable torch.sort puts last, ours the lower ids.
# From the project root, after `npm run build`:
#   HF_HUB_OFFLINE=1 /tmp/hfvenv/bin/python scripts/hf-check/generate_fuzz.py OUT_DIR [CASES] [SEED] [FILTER_CASES] [cli|nocli]
# Prints one line per mismatch or note and a JSON tally; exit 1 on a failure (not a near tie, tie or explained note).
import json, os, random, shutil, subprocess, sys

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, processors
from transformers import MistralConfig, MistralForCausalLM, PreTrainedTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, f'{ROOT}/test/fixtures/hf-sampling')
from warpers import warpers  # noqa: E402

OUT = os.path.abspath(sys.argv[1])
N = int(sys.argv[2]) if len(sys.argv) > 2 else 20
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 0
FILTERS = int(sys.argv[4]) if len(sys.argv) > 4 else 300
CLI = (sys.argv[5] if len(sys.argv) > 5 else 'cli') == 'cli'
BIN = f'{ROOT}/bin/mistral-tune.js'
TIE = 1e-4
SPECIALS = ['<unk>', '<s>', '</s>']  # ids 0 (the pad here), 1 (BOS), 2 (EOS)
# the user's turn opens with 'a', the generation prompt is 'b'; then lowercase, uppercase, digits, CJK
ALPHABET = [c for c in 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'] + [chr(0x4E00 + i) for i in range(4000)]
TEMPLATE = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}a{{ m['content'] }}{% else %}{{ m['content'] }}{{ eos_token }}"
            "{% endif %}{% endfor %}{% if add_generation_prompt %}b{% endif %}")
torch.set_grad_enabled(False)


def random_config(rng):
    heads = rng.randint(1, 6)
    kv = rng.choice([d for d in range(1, heads + 1) if heads % d == 0])
    hidden = rng.choice(range(4, 65, 2))
    head_dim = rng.choice([d for d in (2, 4, 6, 8, 12, 16) if d * heads != hidden] or [4])
    return dict(num_attention_heads=heads, num_key_value_heads=kv, hidden_size=hidden, head_dim=head_dim,
                intermediate_size=rng.choice([3, rng.randrange(5, 120, 2)]), vocab_size=rng.choice([5, 7, 13, rng.randrange(20, 400, 2) + 1, rng.randrange(20, 400)]),
                num_hidden_layers=rng.randint(1, 3), tie_word_embeddings=rng.random() < 0.4,
                sliding_window=rng.choice([None, 1, 1, 2, 2, 3, 5, 8]), max_position_embeddings=rng.choice([12, 256, 256]),  # 12: generation runs past it
                rope_theta=rng.choice([100.0, 1e4, 1e6]), rms_norm_eps=rng.choice([1e-6, 1e-5, 1e-2]),
                bos_token_id=1, eos_token_id=2, pad_token_id=None)


def save_tokenizer(d, vocab_size):
    """A character tokenizer of `vocab_size` ids: the three specials, then one character each (no merges)."""
    vocab = {t: i for i, t in enumerate(SPECIALS + ALPHABET[:vocab_size - len(SPECIALS)])}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token='<unk>'))
    tok.add_special_tokens(SPECIALS)
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(single='<s> $A', pair='<s> $A <s> $B', special_tokens=[('<s>', 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token='<s>', eos_token='</s>', unk_token='<unk>', pad_token='<unk>', chat_template=TEMPLATE)
    fast.save_pretrained(d)
    return fast


def random_text(rng, chars, n):
    return ''.join(rng.choice(chars) for _ in range(n))


def random_settings(rng, cfg, chars):
    """HF generate() keywords (greedy) drawn at random; each one that can be a CLI flag or a generation_config.json key."""
    V = cfg['vocab_size']
    ids = lambda: rng.randrange(3, V)  # noqa: E731  a token of text
    s = {}
    if rng.random() < 0.8:
        s['max_new_tokens'] = rng.randint(1, 14)
    else:
        s['max_length'] = rng.randint(14, 26)  # the longest prompt is 12 + the template's 3
    if rng.random() < 0.3:
        s['min_new_tokens'] = rng.randint(1, 8)
    elif rng.random() < 0.15:
        s['min_length'] = rng.randint(2, 20)  # prompt + new tokens: only the file says it
    if rng.random() < 0.4:
        s['eos_token_id'] = sorted({2, *(ids() for _ in range(rng.randint(1, 3)))})
    if rng.random() < 0.3:
        s['repetition_penalty'] = rng.choice([0.7, 1.1, 1.3, 2.0])
    if rng.random() < 0.25:
        s['no_repeat_ngram_size'] = rng.randint(1, 3)
    if rng.random() < 0.25:
        s['bad_words_ids'] = [[ids() for _ in range(rng.choice([1, 1, 2, 3]))] for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.25:
        s['sequence_bias'] = [[[ids() for _ in range(rng.choice([1, 1, 2]))], rng.choice([-5.0, -1.5, 2.0, 4.0, 10.0])] for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.15:
        s['suppress_tokens'] = [ids() for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.15:
        s['begin_suppress_tokens'] = [rng.choice([2, ids()]) for _ in range(rng.randint(1, 2))]
    # HF's StopStringCriteria tokenizes "abcdef" to learn the decoder's prefix: the first six characters are needed
    if rng.random() < 0.25 and len(chars) >= 6:
        s['stop_strings'] = [random_text(rng, chars, rng.randint(1, 2)) for _ in range(rng.randint(1, 2))]
    return s


def hf_generate(m, tok, ids, s, use_cache=True, mask=None):
    kw = dict(do_sample=False, pad_token_id=0, use_cache=use_cache, output_scores=True, return_dict_in_generate=True,
              **{k: (v if k != 'sequence_bias' else {tuple(i): b for i, b in v}) for k, v in s.items()})
    kw.setdefault('eos_token_id', [2])
    if 'stop_strings' in s:
        kw['tokenizer'] = tok
    out = m.generate(torch.tensor(ids), attention_mask=mask, **kw)
    seqs = out.sequences[:, len(ids[0]):].tolist()
    scores = torch.stack(out.scores, 1) if out.scores else torch.zeros(len(ids), 0, 1)
    return seqs, scores


def trim(seq, eos):
    """A batch row's new tokens up to and with the first EOS (the rest is padding)."""
    for i, t in enumerate(seq):
        if t in eos:
            return seq[:i + 1]
    return seq


def margin(scores, step):
    """How far apart HF's two best processed scores are at `step` (inf: one token left)."""
    if step >= scores.shape[0]:
        return float('inf')
    top = torch.topk(scores[step].float(), min(2, scores.shape[1])).values
    return float(top[0] - top[1]) if top.numel() > 1 and torch.isfinite(top[1]) else float('inf')


def first_diff(a, b):
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def cli_args(case, flag_keys):
    if case['messages']:
        with open(f"{case['dir']}/messages.json", 'w') as f:
            json.dump(case['messages'][0], f)
        args = ['node', BIN, 'generate', '--model', case['dir'], '--messages', f"{case['dir']}/messages.json"]
    else:
        args = ['node', BIN, 'generate', '--model', case['dir'], '--prompt', case['texts'][0]] + ([] if case['chat'] else ['--raw'])
    flag = {'max_new_tokens': '--max-new-tokens', 'min_new_tokens': '--min-new-tokens', 'repetition_penalty': '--repetition-penalty',
            'no_repeat_ngram_size': '--no-repeat-ngram-size', 'bad_words_ids': '--bad-words-ids', 'sequence_bias': '--sequence-bias',
            'suppress_tokens': '--suppress-tokens', 'begin_suppress_tokens': '--begin-suppress-tokens', 'stop_strings': '--stop-strings'}
    for k in flag_keys:
        v = case['settings'][k]
        args += [flag[k], json.dumps(v) if isinstance(v, list) else str(v)]
    return args


def make_case(i, rng):
    cfg = random_config(rng)
    d = f'{OUT}/case{i}'
    shutil.rmtree(d, ignore_errors=True)
    torch.manual_seed(SEED * 1000 + i)
    mc = MistralConfig(**cfg, initializer_range=rng.choice([0.3, 0.6, 1.0]))
    m = MistralForCausalLM(mc).eval()
    m.save_pretrained(d)
    tok = save_tokenizer(d, cfg['vocab_size'])
    chars = ALPHABET[:cfg['vocab_size'] - 3]
    body = chars[2:] or chars  # text chars (not the template's a / b), where the vocabulary has any
    settings = random_settings(rng, cfg, chars)
    # each setting a flag or a generation_config.json key; eos_token_id, max_length and min_length only the file can say
    in_file = {k for k in settings if k in ('eos_token_id', 'max_length', 'min_length') or rng.random() < 0.4}
    gen = {'bos_token_id': 1, 'eos_token_id': 2, 'pad_token_id': 0, **{k: settings[k] for k in in_file}}
    with open(f'{d}/generation_config.json', 'w') as f:
        json.dump(gen, f)
    chat = rng.random() < 0.5
    texts = [random_text(rng, body, rng.randint(0 if chat else 1, 12)) for _ in range(rng.randint(1, 4))]
    # a chat that ends with the assistant's text: continued from it (the CLI's --messages, HF's continue_final_message)
    reply = random_text(rng, body, rng.randint(1, 4)) if chat and rng.random() < 0.3 else None
    messages = [[{'role': 'user', 'content': t}] + ([{'role': 'assistant', 'content': reply}] if reply else []) for t in texts]
    prompts = [(tok.apply_chat_template(msgs, continue_final_message=True, tokenize=True, return_dict=False) if reply else
                tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True, return_dict=False)) if chat
               else tok(t)['input_ids'] for t, msgs in zip(texts, messages)]
    return m, tok, dict(dir=d, config=cfg, settings=settings, in_file=sorted(in_file), chat=chat, texts=texts, messages=messages if reply else None, prompts=prompts)


def references(m, tok, case):
    """Per prompt: HF's ids alone (cached, and use_cache=False), its left-padded batch's, and its scores."""
    s = case['settings']
    eos = set(s.get('eos_token_id', [2]))
    refs = []
    for p in case['prompts']:
        ps = dict(s)
        if 'max_length' in ps:
            ps['max_new_tokens'] = ps.pop('max_length') - len(p)
            if ps['max_new_tokens'] < 1:
                refs.append(None)
                continue
        cached, scores = hf_generate(m, tok, [p], ps)
        uncached, uscores = hf_generate(m, tok, [p], ps, use_cache=False)
        refs.append(dict(cached=cached[0], uncached=uncached[0], scores=uscores[0], max_new=ps['max_new_tokens']))
    # the batch, left-padded with the pad id and its attention mask, as a pipeline pads it; max_length counts the padding
    L = max(len(p) for p in case['prompts'])
    if all(r is not None for r in refs) and len(case['prompts']) > 1:
        bs = {k: v for k, v in s.items() if k != 'max_length'}
        bs['max_new_tokens'] = s['max_length'] - L if 'max_length' in s else s['max_new_tokens']
        if bs['max_new_tokens'] >= 1:
            ids = [[0] * (L - len(p)) + p for p in case['prompts']]
            mask = torch.tensor([[0] * (L - len(p)) + [1] * len(p) for p in case['prompts']])
            batch, _ = hf_generate(m, tok, ids, bs, use_cache=True, mask=mask)
            for r, row in zip(refs, batch):
                r['batch'] = trim(row, eos)
                r['batch_max_new'] = bs['max_new_tokens']
    return refs


def our_jobs(case, refs):
    s = case['settings']
    jobs = []
    for p, r in zip(case['prompts'], refs):
        if r is None:
            continue
        o = {'maxNewTokens': r['max_new']}
        names = {'min_new_tokens': 'minNewTokens', 'repetition_penalty': 'repetitionPenalty', 'no_repeat_ngram_size': 'noRepeatNgramSize',
                 'bad_words_ids': 'badWordsIds', 'sequence_bias': 'sequenceBias', 'suppress_tokens': 'suppressTokens',
                 'begin_suppress_tokens': 'beginSuppressTokens', 'stop_strings': 'stopStrings'}
        for k, name in names.items():
            if k in s:
                o[name] = s[k]
        if 'min_length' in s:  # as the CLI takes the file's (generationSettings): the new tokens it leaves after the prompt
            o['minNewTokens'] = max(0, s['min_length'] - len(p))
        o['generationEos'] = s.get('eos_token_id', [2])
        o['padId'] = 0
        jobs.append(dict(kind='generate', model=case['dir'], prompt=p, options=o))
    return jobs


def random_filter_job(rng):
    V = rng.choice([1, 2, 3, 8, 50, 300])
    levels = rng.choice([3, 10, 1000])
    logits = [None if rng.random() < 0.05 else round(rng.gauss(0, 3) * levels) / levels for _ in range(V)]
    if all(x is None for x in logits):
        logits[0] = 0.0
    c = dict(temperature=rng.choice([0.3, 0.7, 1.0, 1.5, 3.0]))
    for key, values in [('top_k', [1, 2, 5, 20, 100]), ('top_p', [0.1, 0.5, 0.8, 0.95, 0.999]), ('min_p', [0.0, 0.01, 0.1, 0.5, 1.0]),
                        ('typical_p', [0.2, 0.5, 0.9, 0.99]), ('epsilon_cutoff', [1e-4, 1e-3, 0.01, 0.2]), ('eta_cutoff', [1e-4, 1e-3, 0.01, 0.3])]:
        if rng.random() < 0.35:
            c[key] = rng.choice(values)
    names = dict(temperature='temperature', top_k='topK', top_p='topP', min_p='minP', typical_p='typicalP', epsilon_cutoff='epsilonCutoff', eta_cutoff='etaCutoff')
    return c, dict(kind='filter', logits=logits, options={names[k]: v for k, v in c.items()})


def hf_filter(c, logits):
    x = torch.tensor([[-float('inf') if v is None else v for v in logits]], dtype=torch.float32)
    scores = warpers(c)(torch.zeros((1, 0), dtype=torch.long), x)[0]
    probs = torch.softmax(scores, -1)
    kept = [i for i in range(len(logits)) if torch.isfinite(scores[i])]
    return kept, probs


def run_ours(jobs, name):
    jf, af = f'{OUT}/{name}-jobs.json', f'{OUT}/{name}-answers.json'
    with open(jf, 'w') as f:
        json.dump(jobs, f)
    subprocess.run(['node', '--import', 'tsx', f'{ROOT}/scripts/hf-check/generate-fuzz.ts', jf, af], check=True, cwd=ROOT)
    with open(af) as f:
        return json.load(f)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(SEED)
    cases, jobs = [], []
    for i in range(N):
        m, tok, case = make_case(i, rng)
        refs = references(m, tok, case)
        case['refs'] = refs
        cases.append((m, tok, case))
        jobs += our_jobs(case, refs)
    answers = iter(run_ours(jobs, 'generate'))
    tally = dict(prompts=0, match=0, near_tie=0, fail=0, hf_cache_differs=0, hf_batch_differs=0, hf_batch_differs_explained=0, cli=0, cli_match=0, cli_fail=0, refused=0)
    report = []
    for m, tok, case in cases:
        c = case['config']
        desc = (f"heads {c['num_attention_heads']}/{c['num_key_value_heads']} hd {c['head_dim']} hidden {c['hidden_size']} V {c['vocab_size']} "
                f"L {c['num_hidden_layers']} sw {c['sliding_window']} tied {c['tie_word_embeddings']} {'continued chat' if case['messages'] else 'chat' if case['chat'] else 'raw'} {case['settings']}")
        for k, (p, r) in enumerate(zip(case['prompts'], case['refs'])):
            if r is None:
                continue
            a = next(answers)
            tally['prompts'] += 1
            want = r['uncached']  # the model's math; the cached one differs only where HF's cache does (window 1)
            if r['cached'] != r['uncached']:
                tally['hf_cache_differs'] += 1
                report.append(f"note {case['dir']} p{k}: HF cached {r['cached']} != use_cache=False {r['uncached']} (sw {c['sliding_window']})")
            # the batch runs HF's cache: against the cached one alone, as far as both go (max_length counts the padding).
            # Expected to differ: under window 1 (HF's cache keeps every position, padding too) and where a processor
            # reads the prompt (repetition_penalty, no_repeat_ngram_size, sequence_bias, bad_words_ids: HF's see the pad
            # ids the batch holds); counted apart from the unexplained ones
            if 'batch' in r:
                alone = trim(r['cached'], set(case['settings'].get('eos_token_id', [2])))
                n = min(len(alone), len(r['batch']))
                if r['batch'][:n] != alone[:n]:
                    sees_pads = {'repetition_penalty', 'no_repeat_ngram_size', 'sequence_bias', 'bad_words_ids'} & set(case['settings'])
                    why = 'min_length counts the padding' if 'min_length' in case['settings'] else 'window 1' if c['sliding_window'] == 1 else f'processors see the pads ({", ".join(sorted(sees_pads))})' if sees_pads else None
                    tally['hf_batch_differs_explained' if why else 'hf_batch_differs'] += 1
                    report.append(f"note {case['dir']} p{k}: HF left-padded batch {r['batch']} != alone (cached) {r['cached']}{f' [{why}]' if why else ' UNEXPLAINED'} ({desc})")
            if 'error' in a:
                tally['refused'] += 1
                report.append(f"REFUSED {case['dir']} p{k}: {a['error']} ({desc})")
                continue
            if a['ids'] == want:
                tally['match'] += 1
                continue
            step = first_diff(a['ids'], want)
            gap = margin(r['scores'], step)
            kind = 'near_tie' if gap < TIE else 'fail'
            tally[kind] += 1
            report.append(f"{kind.upper()} {case['dir']} p{k} prompt {p}: ours {a['ids']} HF {want} (step {step}, HF margin {gap:.2e}) {desc}")
        if CLI:
            r = case['refs'][0]
            if r is None:
                continue
            flags = [k for k in case['settings'] if k not in case['in_file']]
            res = subprocess.run(cli_args(case, flags), capture_output=True, text=True, cwd=ROOT)
            tally['cli'] += 1
            want = tok.decode(r['uncached'], skip_special_tokens=True)
            got = res.stdout[:-1] if res.stdout.endswith('\n') else res.stdout
            if res.returncode == 0 and got == want:
                tally['cli_match'] += 1
            else:
                tally['cli_fail'] += 1
                report.append(f"CLI {case['dir']}: rc {res.returncode} got {got!r} want {want!r} flags {flags} file {case['in_file']} {desc}\n  {res.stderr.strip()[-400:]}")
    # the sampling warpers on random logits
    frng = random.Random(SEED + 1)
    fcases = [random_filter_job(frng) for _ in range(FILTERS)]
    fanswers = run_ours([j for _, j in fcases], 'filter')
    ftally = dict(cases=0, same=0, tie_at_cut=0, differ=0)
    for (c, j), a in zip(fcases, fanswers):
        ftally['cases'] += 1
        kept, probs = hf_filter(c, j['logits'])
        # ours lists a -inf token with probability 0 where no warper cut it (never drawn); HF's score for it stays -inf
        ours = sorted(i for i in a['ids'] if j['logits'][i] is not None)
        pdiff = max((abs(float(probs[i]) - p) for i, p in zip(a['ids'], a['probs'])), default=0.0)
        if ours == kept and pdiff < 1e-5:
            ftally['same'] += 1
            continue
        only = sorted(set(ours) ^ set(kept))
        # as many kept, the others all of one logit: a cut (top-p's) inside tied tokens, where HF keeps those its
        # torch.sort put last, an unstable sort's order (ours: the lower ids); not the same set, but no other choice
        if len(ours) == len(kept) and len({j['logits'][i] for i in only}) == 1:
            ftally['tie_at_cut'] += 1
            continue
        ftally['differ'] += 1
        report.append(f"FILTER {c}: ours {ours} HF {kept} (only one side: {only}; max |Δp| {pdiff:.2e}) logits {j['logits']}")
    print('\n'.join(report))
    print(json.dumps(dict(transformers=transformers.__version__, torch=torch.__version__, seed=SEED, cases=N, **tally, filters=ftally)))
    return 1 if tally['fail'] or tally['cli_fail'] or ftally['differ'] else 0


if __name__ == '__main__':
    sys.exit(main())
