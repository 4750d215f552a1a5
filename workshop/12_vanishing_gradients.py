"""Step 12: why gated cells: the gradient through time fades, fast, in a plain rnn.

For h_t = tanh(W_ih x_t + b + W_hh h_{t-1}), one step back multiplies the gradient by the Jacobian
∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh. Over a distance d that is a product of d such matrices, and
with W_hh's largest eigenvalues below 1 it shrinks geometrically: the first letters of a long name
barely teach the weights. A gru or lstm passes its state on through a gate; opened at the start
(bias +2 in both bias vectors, gate ≈ 0.98) the gradient survives far longer.
Shapes: T letters, V alphabet, H hidden.
"""

import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find rnn_demo from anywhere

import torch

from rnn_demo.data import one_hot
from rnn_demo.inside.gradients import fresh_model, state_gradient_norms
from rnn_demo.models import ModelConfig, build_model

torch.set_num_threads(1)
NAME = "Wolfeschlegelsteinhausenbergerdorff"  # 35 letters
H = 64
like = build_model(ModelConfig(labels=["A", "B"], arch="stacked", cell="rnn", hidden_size=H, num_layers=1))
rnn_model = fresh_model(like, "rnn", seed=0)

# By hand: run the rnn, keep every h_t, multiply the one-step Jacobians from the end backwards.
w = rnn_model.rnn
with torch.no_grad():
    x = one_hot(NAME.lower())  # (T, V)
    h, states = torch.zeros(H), []
    for x_t in x:
        h = torch.tanh(w.weight_ih_l0 @ x_t + w.bias_ih_l0 + w.weight_hh_l0 @ h + w.bias_hh_l0)
        states.append(h)
    product, by_hand = torch.eye(H), [1.0]  # ∂h_T/∂h_T = I; norms divided by √H so this reads 1
    for h_t in reversed(states[1:]):  # ∂h_t/∂h_{t-1} = diag(1 - h_t²) W_hh
        product = product @ (torch.diag(1 - h_t**2) @ w.weight_hh_l0)
        by_hand.append(product.norm().item() / math.sqrt(H))
autograd = state_gradient_norms(rnn_model, NAME).flip(0)  # index: distance T - t
assert torch.allclose(torch.tensor(by_hand), autograd, rtol=1e-3, atol=1e-12)
print(f"W_hh's largest |eigenvalue|: {torch.linalg.eigvals(w.weight_hh_l0).abs().max():.2f}; "
      "chained Jacobians by hand = autograd")

# Fresh rnn, gru, lstm of the same size, and the gated ones with the keep gate opened.
curves = {cell: state_gradient_norms(fresh_model(like, cell, seed=0), NAME).flip(0) for cell in ("rnn", "gru", "lstm")}
for cell in ("gru", "lstm"):
    opened = fresh_model(like, cell, seed=0, keep_bias=True)
    curves[f"{cell}, gate open"] = state_gradient_norms(opened, NAME).flip(0)
print(f"\n‖∂h_T/∂h_t‖ / √H, fresh models, hidden {H}, over {len(NAME)} letters:")
print(f"{'distance':>22}" + "".join(f"{d:>9}" for d in (1, 5, 10, 20, 30)))
for series, norms in curves.items():
    print(f"{series:>22}" + "".join(f"{norms[d].item():9.1e}" for d in (1, 5, 10, 20, 30)))


def decades_lost(norms):  # from distance 5 to 30, on a log scale
    return math.log10(norms[5] / norms[30])


assert decades_lost(curves["rnn"]) > decades_lost(curves["lstm"])  # a fresh rnn's falls faster
assert curves["lstm, gate open"][30] > 1000 * curves["rnn"][30]
lost = {series: decades_lost(norms) for series, norms in curves.items()}
print(f"\nfrom distance 5 to 30 the rnn loses {lost['rnn']:.1f} decades, the lstm {lost['lstm']:.1f}, "
      f"the lstm with its forget gate open {lost['lstm, gate open']:.1f}")
print("Train on it: python -m rnn_demo remember-first --ks 10,100 (a label set by the first letter only)")

print("OK 12: a plain rnn's gradient through time vanishes geometrically; an open gate keeps it")
