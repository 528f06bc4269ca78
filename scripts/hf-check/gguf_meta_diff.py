# Our GGUF export's metadata against llama.cpp's own convert_hf_to_gguf.py for the same HF folders: each folder of DIR
# (config.json) converted by both at f32, the key/value sets of the two files diffed (general.* keys that name the tool
# or the file left out), and the tensors' names, shapes and values. Not part of the product.
#   python scripts/hf-check/gguf_meta_diff.py LLAMA_TREE DIR [CASE...]   (mistral-tune built: bin/mistral-tune.js)
import os, subprocess, sys
import numpy as np
LLAMA, D = sys.argv[1], sys.argv[2]
sys.path.insert(0, f'{LLAMA}/gguf-py')
from gguf import GGUFReader, GGUFValueType

def kv(path):
    r, out = GGUFReader(path), {}
    for f in r.fields.values():
        if f.name.startswith('GGUF.'): continue
        t = f.types[0] if f.types else None
        if t == GGUFValueType.ARRAY:
            sub = f.types[-1]
            v = [bytes(f.parts[i]).decode('utf8', 'replace') if sub == GGUFValueType.STRING else f.parts[i].tolist()[0] for i in f.data]
            v = ('array', len(v), hash(tuple(v)), v[:3], v[-3:])
        elif t == GGUFValueType.STRING:
            v = bytes(f.parts[f.data[0]]).decode('utf8', 'replace')
        else:
            v = (t.name, f.parts[f.data[0]].tolist()[0])
        out[f.name] = v
    return out, {t.name: (t.tensor_type.name, tuple(int(x) for x in t.shape), np.asarray(t.data).astype(np.float64)) for t in r.tensors}

only = sys.argv[3:]
for name in sorted(os.listdir(D)):
    d = f'{D}/{name}'
    if not os.path.exists(f'{d}/config.json') or (only and name not in only): continue
    theirs, ours = f'{D}/{name}.theirs.gguf', f'{D}/{name}.ours.gguf'
    for f in (theirs, ours):
        if os.path.exists(f): os.remove(f)
    c = subprocess.run([sys.executable, f'{LLAMA}/convert_hf_to_gguf.py', d, '--outtype', 'f32', '--outfile', theirs], capture_output=True, text=True)
    if c.returncode:
        print(f'{name}: convert_hf_to_gguf.py fails: {c.stderr.strip().splitlines()[-1]}')
    o = subprocess.run(['node', 'bin/mistral-tune.js', 'export', '--model', d, '--format', 'gguf', '--quant', 'f32', '--out', ours], capture_output=True, text=True)
    if o.returncode:
        print(f'{name}: ours fails: {o.stderr.strip()}')
    if c.returncode or o.returncode: continue
    (kt, tt), (ko, to) = kv(theirs), kv(ours)
    diffs = []
    for k in sorted(set(kt) | set(ko)):
        if k in ('general.name', 'general.basename', 'general.size_label', 'general.file_type', 'general.quantization_version', 'general.type', 'general.finetune'): continue
        if kt.get(k) != ko.get(k):
            diffs.append(f'    {k}: theirs {str(kt.get(k, "-"))[:150]} | ours {str(ko.get(k, "-"))[:150]}')
    for t in sorted(set(tt) | set(to)):
        a, b = tt.get(t), to.get(t)
        if a is None or b is None: diffs.append(f'    tensor {t}: theirs {a and a[:2]} ours {b and b[:2]}'); continue
        if a[:2] != b[:2]: diffs.append(f'    tensor {t}: theirs {a[:2]} ours {b[:2]}'); continue
        e = float(np.abs(a[2] - b[2]).max())
        if e > 0: diffs.append(f'    tensor {t}: max |Δ| {e:.2e}')
    print(f'{name}: {"same" if not diffs else str(len(diffs)) + " differences"}')
    print('\n'.join(diffs), flush=True)
