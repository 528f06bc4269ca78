# Phase 2 of scripts/hf-check/gguf-special-ids.ts: the special token ids llama.cpp's convert_hf_to_gguf.py writes for
# each folder under ROOT (gguf-py's SpecialVocab, as its _set_vocab_* call it), as JSON {folder: {kind: id}}. Not part
# of the product. LLAMA is a llama.cpp tree (node-llama-cpp's: git clone node_modules/node-llama-cpp/llama/gitRelease.bundle);
# needs numpy. Checked with Python 3.11, numpy 2.4.6:
#   python3 scripts/hf-check/gguf_special_ids.py LLAMA ROOT
import json, os, sys

sys.path.insert(0, os.path.join(sys.argv[1], 'gguf-py'))
import gguf  # noqa: E402

root = sys.argv[2]
out = {}
for name in sorted(os.listdir(root)):
    v = gguf.SpecialVocab(os.path.join(root, name))
    out[name] = {k: v.special_token_ids[k] for k in v.special_token_ids}
print(json.dumps(out))
