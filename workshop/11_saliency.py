"""Step 11: which letters make the answer? Gradients with respect to the input.

The one-hot letters are inputs like any other: autograd gives ∂logit/∂x_t for every letter. Times
the input (the one-hot picks one column) it says, to first order, how much letter t pushes the
logit up or down. Integrated gradients average that along the way from "no letters" (zero inputs)
to the name, and the letters' shares then add up to the logit's whole change. Padding steps get
no gradient at all: packing keeps them out of every name's answer.
Shapes: B names, T letters, V alphabet, C classes.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch

from rnn_demo.checkpoints import load_checkpoint
from rnn_demo.data import collate, one_hot
from rnn_demo.inside.gradients import letter_gradients, saliency

torch.set_num_threads(1)
model = load_checkpoint().eval()

# The gradient of one logit with respect to the one-hot input, by hand.
x = one_hot("kowalski")[None].requires_grad_(True)  # (1, T, V)
logits = model(x, torch.tensor([8]))  # (1, C)
polish = model.labels.index("Polish")
logits[0, polish].backward()
print(f"∂logit(Polish)/∂x: {tuple(x.grad.shape)} (B, T, V); at each letter's own column: "
      + " ".join(f"{ch}{g:+.1f}" for ch, g in zip("kowalski", x.grad[0, range(8), x[0].argmax(1)].tolist())))

# Integrated gradients: shares that add up to logit(name) - logit(no letters).
for name in ["Kowalski", "Ivanov", "O'Brien", "Rossi", "McDonald"]:
    view = saliency(model, name)
    shares = view.letters
    bars = " ".join(f"{ch}{v:+.1f}" for ch, v in zip(shares["letter"], shares["integrated"]))
    top = shares.loc[shares["integrated"].idxmax()]
    print(f"{name:>9} -> {view.label} {view.probability:.2f}:  {bars}   (most: {top['letter']!r} at {top['position']})")
    assert abs(shares["integrated"].sum() - view.logit_change) < 0.02 * abs(view.logit_change) + 1e-3

# In a padded batch, the steps after a name's end get exactly zero gradient.
padded, lengths, _ = collate([(one_hot(n), 0) for n in ["li", "kowalski"]])  # (2, 8, V)
grad = letter_gradients(model, padded, lengths, torch.tensor([polish, polish]))  # (B, T, V)
print(f"\n'li' in a batch padded to 8: gradient size per step {[round(g, 3) for g in grad[0].norm(dim=1).tolist()]}")
assert torch.count_nonzero(grad[0, 2:]) == 0 and torch.count_nonzero(grad[0, :2]) > 0

print("OK 11: each letter's share of the answer, from gradients; padding gets none")
