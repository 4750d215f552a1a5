"""Step 7: a bidirectional RNN reads each name both ways.

A second, separate RNN reads the letters right to left. `output` puts both directions side by
side at every step: [..., :H] forward, [..., H:] backward. Each direction has its own "end": the
forward one after the last letter (h_n[-2]), the backward one after the FIRST letter (h_n[-1]).
Reading output at step lengths-1 gets the backward half wrong: there it has seen one letter.
Shapes: B names, T letters, V alphabet, H hidden size, C classes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_demo.data import V, collate, normalise_name, one_hot
from rnn_demo.models import ModelConfig, build_model

torch.manual_seed(0)
H = 8
LABELS = ["Czech", "English", "Irish", "Japanese", "Polish"]

names = [normalise_name(n) for n in ("Li", "Nakamura", "Dvořák", "O'Brien")]
padded, lengths, _ = collate([(one_hot(n), 0) for n in names])  # (B, T, V), (B,)
B, T, _ = padded.shape
first, last = (torch.arange(B), torch.zeros(B, dtype=torch.long)), (torch.arange(B), lengths - 1)

rnn = nn.RNN(V, H, batch_first=True, bidirectional=True)
print("parameters:", [name for name, _ in rnn.named_parameters()])  # *_reverse: the backward RNN
with torch.no_grad():
    # Packing matters more here: unpacked, the backward direction would read padding FIRST.
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    out, h_n = rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True)  # (B, T, 2H)
print(f"output {tuple(out.shape)} (B, T, 2H)   h_n {tuple(h_n.shape)} (2 directions, B, H)")
assert out.shape == (B, T, 2 * H) and h_n.shape == (2, B, H)
with torch.no_grad():
    _, h_unpacked = rnn(padded)  # the backward direction starts on the padding
short = lengths < T
assert not torch.allclose(h_unpacked[-1][short], h_n[-1][short], atol=1e-4)
print(f"unpacked, backward h_n differs for the {short.sum().item()} names shorter than T={T}")

forward, backward = out[..., :H], out[..., H:]  # (B, T, H) each
torch.testing.assert_close(h_n[-2], forward[last])  # forward: after the last letter
torch.testing.assert_close(h_n[-1], backward[first])  # backward: after reading back to the first

# The backward half at step lengths-1 is one step from zero: it has read only the last letter.
backward_cell = nn.RNNCell(V, H)
with torch.no_grad():
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(backward_cell, name).copy_(getattr(rnn, f"{name}_l0_reverse"))
    one_letter = backward_cell(padded[last])  # (B, H): the last letter alone, from a zero state
torch.testing.assert_close(backward[last], one_letter)
gap = (backward[last] - h_n[-1]).norm(dim=1)
for name, g in zip(names, gap.tolist()):
    print(f"{name:>9}: output[lengths-1] backward half = state after {name[-1]!r} only; "
          f"{g:.3f} away from h_n[-1]")
assert gap.min() > 1e-3

# The package's BidirectionalRNN joins both ends: Linear(cat(h_n[-2], h_n[-1])) -> (B, C).
config = ModelConfig(labels=LABELS, arch="bidirectional", cell="rnn", hidden_size=H, num_layers=1)
model = build_model(config).eval()
model.rnn.load_state_dict(rnn.state_dict())
with torch.no_grad():
    logits = model(padded, lengths)  # (B, C)
    torch.testing.assert_close(logits, model.fc(torch.cat([h_n[-2], h_n[-1]], dim=1)))
print(model)
print(f"OK 07: h_n[-2] forward after the last letter, h_n[-1] backward after the first; "
      f"BidirectionalRNN logits {tuple(logits.shape)} (B, C)")
