"""Step 2: names of different lengths become one (B, T, V) batch by padding.

pad_sequence appends rows of zeros to the shorter names so all reach the longest length T.
Keep `lengths`: zeros are not letters, and the next steps must know where each name ends.
Shapes: B names, T letters of the longest name, V alphabet size.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch
from torch.nn.utils.rnn import pad_sequence

from rnn_demo.data import V, normalise_name, one_hot

names = [normalise_name(n) for n in ("Li", "Nakamura", "Dvořák")]
seqs = [one_hot(n) for n in names]  # each (T_i, V)
for name, x in zip(names, seqs):
    print(f"{name:>9}: {tuple(x.shape)}")

padded = pad_sequence(seqs, batch_first=True)  # (B, T, V)
lengths = torch.tensor([len(x) for x in seqs])  # (B,)
B, T, _ = padded.shape
print(f"padded: {tuple(padded.shape)} (B, T, V)   lengths: {lengths.tolist()}")
assert padded.shape == (len(names), max(lengths), V)

# '#' a letter, '.' a padding row of zeros (the rows the model must not read as letters).
is_letter = padded.sum(dim=2) > 0  # (B, T)
for name, row in zip(names, is_letter):
    print(f"{name:>9}: " + "".join("#" if r else "." for r in row))
assert torch.equal(is_letter, torch.arange(T)[None, :] < lengths[:, None])  # zeros after each end
for b, n in enumerate(lengths.tolist()):
    assert torch.equal(padded[b, :n], seqs[b])  # the letters are untouched
    assert (padded[b, n:] == 0).all()

padding = 1 - lengths.sum().item() / (B * T)
print(f"OK 02: {B} names -> {tuple(padded.shape)}; {padding:.0%} of the rows are padding")
