"""Step 5: a classifier is an RNN plus a Linear layer on its final state.

The RNN reads the letters; its state after the last real letter (h_n, thanks to packing) is a
summary of the whole name. A Linear layer turns that (B, H) summary into C scores (logits), one
per language; softmax turns them into probabilities.
Shapes: B names, T letters, V alphabet, H hidden size, C classes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_demo.data import V, collate, normalise_name, one_hot

torch.manual_seed(0)
LABELS = ["Czech", "English", "Irish", "Japanese", "Polish"]


class OneLayerClassifier(nn.Module):
    def __init__(self, hidden_size: int, n_classes: int):
        super().__init__()
        self.rnn = nn.RNN(V, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, n_classes)

    def forward(self, padded: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
        _, h_n = self.rnn(packed)  # (1, B, H): after each name's last letter
        return self.fc(h_n[-1])  # (B, C)


model = OneLayerClassifier(hidden_size=16, n_classes=len(LABELS))
names = [normalise_name(n) for n in ("Nakamura", "Dvořák", "O'Brien", "Smith")]
padded, lengths, _ = collate([(one_hot(n), 0) for n in names])  # (B, T, V), (B,)
with torch.no_grad():
    logits = model(padded, lengths)  # (B, C)
probabilities = logits.softmax(dim=1)  # (B, C), each row sums to 1
print(f"padded {tuple(padded.shape)} (B, T, V) -> logits {tuple(logits.shape)} (B, C)")
for name, row in zip(names, probabilities):
    print(f"{name:>9}: {LABELS[row.argmax()]:<9} " + " ".join(f"{p:.2f}" for p in row.tolist()))
print("(untrained: the guesses are random and the probabilities close to 1/C)")
assert logits.shape == (len(names), len(LABELS))
torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(len(names)))

# Padding does not change a prediction: each name alone gives the same logits.
with torch.no_grad():
    alone = torch.cat([model(*collate([(one_hot(n), 0)])[:2]) for n in names])
torch.testing.assert_close(logits, alone)
n_parameters = sum(p.numel() for p in model.parameters())
print(f"OK 05: logits {tuple(logits.shape)} (B, C) from {n_parameters} parameters; same as one name at a time")
