"""Step 13: a map of the hidden states.

What the classifier reads for a name is one vector, its final hidden state (H numbers). Names the
model finds alike get nearby vectors. PCA finds the two directions in which the validation names'
vectors vary most (torch.pca_lowrank); seen along those two, each name is a dot. A typed name's
nearest training names are found in all H numbers, not in the 2-D picture.
Shapes: N names, F what the classifier reads (H, 2H when bidirectional).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.inside.hidden_map import (
    SNAPSHOT_BYTES_PER_NAME,
    final_states,
    hidden_map,
    index_names,
    place_name,
    training_split,
)
from rnn_demo.report import read_default_table
from rnn_demo.train import TrainConfig

torch.set_num_threads(1)
model = load_checkpoint()  # trained on data/names.csv with the default split
train_rows, val_rows = training_split(read_default_table(), TrainConfig())

# PCA by hand: centre the states, the top right-singular vectors are the map's axes.
states = final_states(model, val_rows["name"].tolist())  # (N, F)
centred = states - states.mean(dim=0)
_, s, v = torch.linalg.svd(centred, full_matrices=False)
view = hidden_map(model, val_rows)
for axis in range(2):  # the same directions as torch.pca_lowrank's, up to sign
    assert abs(torch.dot(v[axis], view.axes[:, axis]).abs().item() - 1) < 1e-3
print(f"{len(view.points)} validation names, states {tuple(states.shape)}; the two axes hold "
      f"{view.explained[0]:.0%} and {view.explained[1]:.0%} of the variance")
assert len(view.points) == len(val_rows)

# Each language's centre on the map.
centres = view.points.groupby("label")[["x", "y"]].mean().round(1)
print(centres.T.to_string())

# Nearest training names, in the full hidden space.
index = index_names(model, train_rows)
for name in ["Kowalski", "Nakamura", "Vasquez"]:
    placed = place_name(model, view, index, name)
    near = ", ".join(f"{n} ({label}, {d:.1f})" for n, label, d in
                     zip(placed.neighbours["name"], placed.neighbours["label"], placed.neighbours["distance"]))
    print(f"{name:>9} -> {placed.guess} at ({placed.x:.1f}, {placed.y:.1f}); nearest: {near}")
some = train_rows["name"].iloc[0]
assert place_name(model, view, index, some).neighbours["name"].iloc[0] == some  # itself, at distance 0

# How often does a validation name's nearest training name carry its language?
near = torch.cdist(states, index.states).argmin(dim=1)  # (N,)
agree = sum(index.labels[i] == label for i, label in zip(near.tolist(), val_rows["label"]))
print(f"nearest training name has the same language for {agree / len(val_rows):.0%} of validation names "
      f"(chance ~{1 / val_rows['label'].nunique():.0%})")
assert agree / len(val_rows) > 5 / val_rows["label"].nunique()  # far above chance
print(f"one map per epoch while training keeps x, y only: {SNAPSHOT_BYTES_PER_NAME} bytes a name, "
      f"{SNAPSHOT_BYTES_PER_NAME * len(val_rows) / 1024:.1f} KB an epoch here")

print("OK 13: the hidden states on a map; nearest names in the full space")
