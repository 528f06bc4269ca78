#!/usr/bin/python3
"""The torch half of the bf16 reference (docs/precision.md; not a test dependency): the 20 LoRA steps that
scripts/bf16-torch-reference.ts wrote to OUT_DIR (adapter init, batches, our losses), run in PyTorch in fp32
and in bf16 (frozen weights and activations bf16, LoRA factors and AdamW in f32, as PEFT with a bf16 base),
printing per-step losses and their relative differences.

Usage: node --import tsx scripts/bf16-torch-reference.ts OUT && /usr/bin/python3 scripts/bf16-torch-reference.py OUT
Needs Debian's python3-torch and ../shared/bench/torch_cpu/mistral_torch.py (MISTRAL_TORCH_DIR overrides)."""
import json
import os
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for d in [os.environ.get("MISTRAL_TORCH_DIR"), os.path.join(ROOT, "..", "shared", "bench", "torch_cpu"),
          os.path.join(ROOT, "shared", "bench", "torch_cpu")]:
    if d and os.path.exists(os.path.join(d, "mistral_torch.py")):
        sys.path.insert(0, d)
        break
import mistral_torch as mt  # noqa: E402


def lora_forward_f32(self, x):
    """PEFT's LoRA with f32 factors on a bf16 base: the input cast to the factors' dtype, the sum in the base's."""
    result = self.base_layer(x)
    return result + (self.lora_B(self.lora_A(x.to(self.lora_A.weight.dtype))) * self.scaling).to(result.dtype)


mt.LoRALinear.forward = lora_forward_f32


def batch_tensors(rows):
    """Right-padded ids (pad 0), attention mask, labels = ids with -100 on padding (our collate's targets)."""
    T = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), T, dtype=torch.long)
    mask = torch.zeros(len(rows), T, dtype=torch.long)
    for b, r in enumerate(rows):
        ids[b, : len(r)] = torch.tensor(r)
        mask[b, : len(r)] = 1
    return ids, mask, ids.masked_fill(mask == 0, -100)


def run(cfg, out, dtype):
    model = mt.MistralForCausalLM.from_pretrained(cfg["base"], dtype=dtype)
    mt.load_peft_adapter(model, os.path.join(out, "adapter_init"))
    params = mt.lora_parameters(model)
    with torch.no_grad():
        for p in params:
            p.data = p.data.float()  # the init is f32; the factors stay f32 under bf16
    opt = torch.optim.AdamW(params, lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    losses = []
    for rows in cfg["batches"]:
        ids, mask, labels = batch_tensors(rows)
        opt.zero_grad()
        _, loss = model(ids, attention_mask=mask, labels=labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    with open(os.path.join(out, "run.json")) as f:
        cfg = json.load(f)
    torch.manual_seed(0)
    t32, t16 = run(cfg, out, torch.float32), run(cfg, out, torch.bfloat16)
    o32, o16 = cfg["ours"]["fp32"], cfg["ours"]["bf16"]
    rel = lambda a, b: abs(a - b) / abs(b)  # noqa: E731
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; relative differences |a - b| / b")
    print("| step | torch fp32 | torch bf16 | ours fp32 | ours bf16 | torch bf16 vs fp32 | ours bf16 vs fp32 | ours vs torch, fp32 | ours vs torch, bf16 |")
    print("|---|---|---|---|---|---|---|---|---|")
    cols = [[], [], [], []]
    for i, (a, b, c, d) in enumerate(zip(t32, t16, o32, o16)):
        r = [rel(b, a), rel(d, c), rel(c, a), rel(d, b)]
        for k in range(4):
            cols[k].append(r[k])
        print(f"| {i + 1} | {a:.6f} | {b:.6f} | {c:.6f} | {d:.6f} | " + " | ".join(f"{x:.2e}" for x in r) + " |")
    print("| max | | | | | " + " | ".join(f"{max(c):.2e}" for c in cols) + " |")


if __name__ == "__main__":
    main()
