# The probe batches of the hf-check scripts: rows of token ids right-padded with 0 into one batch, with the attention
# mask HF takes (1 on each row's own tokens).
import torch


def right_padded(rows, length=None):
    """(ids, mask) of `rows` padded to `length` (default the longest row)."""
    T = length or max(len(r) for r in rows)
    ids = torch.zeros((len(rows), T), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask
