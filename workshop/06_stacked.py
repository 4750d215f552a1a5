"""Step 6: stacking RNN layers.

With num_layers=2 the second layer reads the first layer's states instead of letters. `output`
holds the TOP layer's state at every step; h_n holds every layer's final state, so h_n[-1] is
what the classifier reads. rnn_demo's StackedRNN is exactly this plus a Linear layer.
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
H, LAYERS = 8, 2
LABELS = ["Czech", "English", "Irish", "Japanese", "Polish"]

names = [normalise_name(n) for n in ("Li", "Nakamura", "Dvořák", "O'Brien")]
padded, lengths, _ = collate([(one_hot(n), 0) for n in names])  # (B, T, V), (B,)
B, T, _ = padded.shape

rnn = nn.RNN(V, H, num_layers=LAYERS, batch_first=True)
print("parameters:", [(name, tuple(p.shape)) for name, p in rnn.named_parameters()])
assert rnn.weight_ih_l1.shape == (H, H)  # layer 1 reads layer 0's H states, not V letters
with torch.no_grad():
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    out, h_n = rnn(packed)
    out, _ = pad_packed_sequence(out, batch_first=True)  # (B, T, H): top layer, every step
print(f"output {tuple(out.shape)} (B, T, H): top layer only   h_n {tuple(h_n.shape)} (layers, B, H)")
assert out.shape == (B, T, H) and h_n.shape == (LAYERS, B, H)
torch.testing.assert_close(h_n[-1], out[torch.arange(B), lengths - 1])  # top layer, last letter

# The package's StackedRNN: same RNN (copy its weights in) with a Linear layer on h_n[-1].
config = ModelConfig(labels=LABELS, arch="stacked", cell="rnn", hidden_size=H, num_layers=LAYERS)
model = build_model(config).eval()
model.rnn.load_state_dict(rnn.state_dict())
with torch.no_grad():
    torch.testing.assert_close(model.hidden_states(padded, lengths), out)
    logits = model(padded, lengths)  # (B, C)
    torch.testing.assert_close(logits, model.fc(h_n[-1]))
print(model)
print(f"OK 06: 2 layers -> output {tuple(out.shape)}, h_n {tuple(h_n.shape)}; "
      f"StackedRNN logits {tuple(logits.shape)} (B, C)")
