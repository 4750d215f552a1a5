"""Step 14: what does one hidden unit respond to?

Each of the H numbers of the hidden state is a unit. Run every name of the table and, for one
unit, keep the (name, letter) positions where it is highest: read them with the letters around
them and a pattern often shows (an ending, a prefix, a letter pair). A unit is "selective" for a
language when that language's names drive it far above the others.
Shapes: N names, T letters, U units (H, 2H when bidirectional).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.data import collate, one_hot
from rnn_demo.files import load_table
from rnn_demo.inside.units import scan_units, selective_units, unit_examples, unit_on_name

torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parent.parent
model = load_checkpoint()
table, _ = load_table(ROOT / "data" / "names.csv")

scan = scan_units(model, table)  # one pass over the table: (N, U) peaks, and each unit's top positions
print(f"{len(scan.names)} names, {len(scan.unit_labels)} units")
ranked = selective_units(scan, n=5)
print(ranked[["name", "label", "selectivity", "top_example"]].round(2).to_string(index=False))

unit = int(ranked["unit"].iloc[0])
examples = unit_examples(scan, unit, n=8)
print(f"\nunit {scan.unit_labels[unit]}, strongest letters in the table:")
print(examples[["name", "label", "shown", "activation"]].round(3).to_string(index=False))

# The same numbers by hand: every state of every name, padding left out, the highest first.
padded, lengths, _ = collate([(one_hot(n), 0) for n in scan.names])  # (N, T, V)
with torch.no_grad():
    states = model.eval().hidden_states(padded, lengths)[:, :, unit]  # (N, T)
states[torch.arange(states.shape[1]) >= lengths[:, None]] = -float("inf")
top = states.flatten().topk(8)
assert torch.allclose(top.values, torch.tensor(examples["activation"].tolist()), atol=1e-5)
assert ranked["selectivity"].is_monotonic_decreasing

trace = unit_on_name(model, "Kowalski", unit)
print(f"\nunit {scan.unit_labels[unit]} on 'Kowalski': "
      + " ".join(f"{ch}{a:+.2f}" for ch, a in zip(trace["letter"], trace["activation"])))
print("OK 14: a unit's strongest letters in the table, and the units most tied to one language")
