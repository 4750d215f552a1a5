"""Step 3: packing lets an RNN stop at each name's last letter.

An RNN run on the padded batch keeps stepping through the zero rows, so its final state for a
short name has been changed by padding. pack_padded_sequence gives the RNN only real letters:
its final state for each name is exactly what running that name alone gives.
Shapes: B names, T letters, V alphabet, H hidden size.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from rnn_demo.data import V, normalise_name, one_hot

torch.manual_seed(0)
H = 4

names = [normalise_name(n) for n in ("Li", "Nakamura", "Dvořák")]
seqs = [one_hot(n) for n in names]
padded = pad_sequence(seqs, batch_first=True)  # (B, T, V)
lengths = torch.tensor([len(x) for x in seqs])  # (B,) on the CPU: packing reads it in Python
print(f"names: {names}   lengths: {lengths.tolist()}")

# enforce_sorted=False: packing needs longest-first order; PyTorch sorts for us and records how.
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
print(f"sorted_indices: {packed.sorted_indices.tolist()}  (longest first: "
      f"{[names[i] for i in packed.sorted_indices]})")
print(f"batch_sizes:    {packed.batch_sizes.tolist()}  (names still going at each step t)")
print(f"packed.data:    {tuple(packed.data.shape)}  (sum of lengths, V): no padding rows at all")
assert packed.batch_sizes.tolist() == [(lengths > t).sum().item() for t in range(lengths.max())]
assert packed.data.shape == (lengths.sum(), V)

rnn = nn.RNN(V, H, batch_first=True)
with torch.no_grad():
    _, h_packed = rnn(packed)  # h_n (1, B, H): after each name's LAST REAL letter, in our order
    _, h_padded = rnn(padded)  # h_n (1, B, H): after the last column, padding included
    alone = torch.cat([rnn(x[None])[1][0] for x in seqs])  # (B, H): one name at a time



def show(v: torch.Tensor) -> str:
    return " ".join(f"{x:+.3f}" for x in v.tolist())


print(f"\n{'final state':<12}{'packed':<30}{'padded':<30}alone")
for b, name in enumerate(names):
    print(f"{name:>9}   {show(h_packed[0, b])}   {show(h_padded[0, b])}   {show(alone[b])}")
torch.testing.assert_close(h_packed[0], alone)  # packed: padding changed nothing
for b, n in enumerate(lengths.tolist()):
    if n < lengths.max():  # the padded run stepped on through zeros: another state
        assert not torch.allclose(h_padded[0, b], alone[b], atol=1e-4)
    else:  # the longest name has no padding: both runs agree
        torch.testing.assert_close(h_padded[0, b], alone[b])

# The padded run's step lengths-1 is right here too (a one-way RNN cannot see the future), but it
# still computed every padding step; a backward direction (step 7) would read them first.
with torch.no_grad():
    out_padded, _ = rnn(padded)  # (B, T, H)
    out_packed, _ = pad_packed_sequence(rnn(packed)[0], batch_first=True)  # (B, T, H), zeros past ends
last = torch.arange(len(names)), lengths - 1
torch.testing.assert_close(out_padded[last], alone)
torch.testing.assert_close(out_packed[last], alone)
assert (out_packed[0, lengths[0]:] == 0).all()

print(f"OK 03: packed final states equal each name alone; padded final states differ for "
      f"{(lengths < lengths.max()).sum().item()} of {len(names)} names")
