"""Step 4: an RNN is one cell applied letter by letter.

h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh). Loop over the time steps with nn.RNNCell
and mask by lengths: a name that has ended keeps its last real state. With the same weights the
loop gives exactly what nn.RNN on a packed batch gives; the loop is just slower.
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

names = [normalise_name(n) for n in ("Li", "Nakamura", "Dvořák", "O'Brien")]
padded, lengths, _ = collate([(one_hot(n), 0) for n in names])  # (B, T, V), (B,): step 2
B, T, _ = padded.shape

cell = nn.RNNCell(V, H)
h = torch.zeros(B, H)  # (B, H): the state before the first letter
states = []
with torch.no_grad():
    for t in range(T):
        keep = (t < lengths)[:, None]  # (B, 1): True while name b still has letters
        h = torch.where(keep, cell(padded[:, t], h), h)  # an ended name keeps its last state
        states.append(h * keep)  # zeros past the end, like pad_packed_sequence
states = torch.stack(states, dim=1)  # (B, T, H)
print(f"loop over {T} steps: states {tuple(states.shape)} (B, T, H), final h {tuple(h.shape)} (B, H)")

# Same maths, different parameter names: nn.RNN numbers its layers (weight_ih_l0, ...).
rnn = nn.RNN(V, H, batch_first=True)
print("RNNCell:", [(name, tuple(p.shape)) for name, p in cell.named_parameters()])
print("nn.RNN: ", [(name, tuple(p.shape)) for name, p in rnn.named_parameters()])
with torch.no_grad():
    for name, p in cell.named_parameters():
        getattr(rnn, f"{name}_l0").copy_(p)
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    out, h_n = rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True)  # (B, T, H)

torch.testing.assert_close(states, out)
torch.testing.assert_close(h, h_n[0])
print(f"max |loop - nn.RNN| = {(states - out).abs().max():.2e}")

# Without the mask, a short name's state runs on through the padding and ends somewhere else.
with torch.no_grad():
    h_unmasked = torch.zeros(B, H)
    for t in range(T):
        h_unmasked = cell(padded[:, t], h_unmasked)
drift = (h_unmasked - h).norm(dim=1)  # (B,)
for name, d in zip(names, drift.tolist()):
    print(f"{name:>9}: unmasked final state is {d:.3f} away")
assert drift[lengths == T].max() < 1e-6 and drift[lengths < T].min() > 1e-3

# rnn_demo's ManualRNN is this loop, with one cell per layer and a Linear layer on top.
model = build_model(ModelConfig(labels=["A", "B", "C"], arch="manual", cell="rnn", hidden_size=H, num_layers=1))
model.cells[0].load_state_dict(cell.state_dict())
with torch.no_grad():
    torch.testing.assert_close(model.hidden_states(padded, lengths), states)
    logits = model(padded, lengths)  # (B, C)
print(f"ManualRNN hidden_states match; logits {tuple(logits.shape)} (B, C)")

print("OK 04: the masked RNNCell loop equals nn.RNN with copied weights")
