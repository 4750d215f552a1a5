"""The three cells' equations written out by hand, run with a model's own weights.

nn.RNNCell, nn.GRUCell, nn.LSTMCell (and nn.RNN / nn.GRU / nn.LSTM, one layer and direction at a
time) compute exactly this; the step-through and the gradient views show these intermediate
vectors, which the torch modules keep to themselves.

Shapes: B batch, T time, In input size (V alphabet for layer 0, H or 2H above), H hidden,
G gates per cell (rnn 1, gru 3, lstm 4). PyTorch stacks a cell's gates in one weight matrix
(G*H, In) in the order: gru r, z, n; lstm i, f, g, o.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from torch.nn.functional import linear

from rnn_demo.models import ManualRNN, NameClassifier

# What each cell computes, one formula per named vector, in the order computed.
FORMULAS = {
    "rnn": [("a", "a = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh  (pre-activation)"),
            ("h", "h_t = tanh(a)")],
    "gru": [("r", "r = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)  (reset gate)"),
            ("z", "z = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)  (update gate: 1 keeps the old state)"),
            ("n", "n = tanh(W_in x_t + b_in + r ⊙ (W_hn h_{t-1} + b_hn))  (candidate)"),
            ("h", "h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}")],
    "lstm": [("i", "i = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)  (input gate)"),
             ("f", "f = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)  (forget gate: 1 keeps the cell state)"),
             ("g", "g = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)  (candidate)"),
             ("o", "o = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)  (output gate)"),
             ("c", "c_t = f ⊙ c_{t-1} + i ⊙ g  (cell state)"),
             ("h", "h_t = o ⊙ tanh(c_t)")],
}
# The gate whose bias decides whether a cell keeps its state by default: its slice of the biases.
KEEP_GATE = {"gru": ("z", 1), "lstm": ("f", 1)}  # (name, index among the G stacked gates)
# The keep gate's bias in each of the two bias vectors when opened (the usual trick): the gate starts
# at σ(2 * KEEP_BIAS) = 0.98 instead of about σ(0) = 0.5, so a fresh cell keeps most of its state per step.
# One value everywhere (Gradients through time, the lesson, Remember the first letter): at +1 (gate 0.88)
# 0.88^35 ≈ 1 % of the first letter is left after 35 steps, and the lstm then fails Remember's k = 35.
KEEP_BIAS = 2.0


def keep_gate_start(bias: float) -> float:
    """The opened gate's value at the start: σ(bias + bias), the bias being in both bias vectors."""
    return 1 / (1 + math.exp(-2 * bias))


@dataclass
class LayerWeights:
    """One layer's weights in one direction, as the cell's equations use them."""

    layer: int  # 0 reads the letters
    reverse: bool  # True: the backward direction of a bidirectional layer (reads right to left)
    weight_ih: torch.Tensor  # (G*H, In)
    weight_hh: torch.Tensor  # (G*H, H)
    bias_ih: torch.Tensor  # (G*H,)
    bias_hh: torch.Tensor  # (G*H,)


@dataclass
class CellUpdate:
    """One step of one cell: every vector of its update (FORMULAS order), and the new state."""

    parts: list[tuple[str, torch.Tensor]]  # (name, (B, H)) pairs, e.g. ("z", ...), ending with ("h", h_t)
    h: torch.Tensor  # (B, H)
    c: torch.Tensor | None  # (B, H) lstm cell state, None for rnn and gru


GateEdit = Callable[[str, torch.Tensor], torch.Tensor]  # (gate name, value (B, H)) -> value (B, H)


def _unchanged(name: str, value: torch.Tensor) -> torch.Tensor:
    return value


def layer_weights(model: NameClassifier) -> list[LayerWeights]:
    """Every layer's (and direction's) weights, layer by layer, forward before backward."""
    if isinstance(model, ManualRNN):
        return [LayerWeights(i, False, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
                for i, cell in enumerate(model.cells)]
    rnn = model.rnn  # nn.RNN / nn.GRU / nn.LSTM names its weights weight_ih_l{layer}[_reverse]
    directions = [""] + (["_reverse"] if rnn.bidirectional else [])
    return [LayerWeights(i, suffix == "_reverse", *(getattr(rnn, f"{kind}_l{i}{suffix}") for kind in
                                                    ("weight_ih", "weight_hh", "bias_ih", "bias_hh")))
            for i in range(rnn.num_layers) for suffix in directions]


def cell_update(cell: str, w: LayerWeights, x: torch.Tensor, h: torch.Tensor,
                c: torch.Tensor | None = None, gate: GateEdit | None = None) -> CellUpdate:
    """One step: input x (B, In), previous state h (B, H) (and c for the lstm) -> every vector.
    gate(name, value) may replace a gate's value (B, H) before it is used: an intervention."""
    gate = gate or _unchanged
    gx = linear(x, w.weight_ih, w.bias_ih)  # (B, G*H): the input's share of every gate
    gh = linear(h, w.weight_hh, w.bias_hh)  # (B, G*H): the previous state's share
    if cell == "rnn":
        a = gx + gh
        h_new = torch.tanh(a)
        return CellUpdate([("a", a), ("h", h_new)], h_new, None)
    if cell == "gru":
        xr, xz, xn = gx.chunk(3, dim=1)
        hr, hz, hn = gh.chunk(3, dim=1)
        r = gate("r", torch.sigmoid(xr + hr))
        z = gate("z", torch.sigmoid(xz + hz))
        n = torch.tanh(xn + r * hn)  # the reset gate scales only the state's share of the candidate
        h_new = (1 - z) * n + z * h
        return CellUpdate([("r", r), ("z", z), ("n", n), ("h", h_new)], h_new, None)
    if cell == "lstm":
        i, f, g, o = (gx + gh).chunk(4, dim=1)
        i, f, g, o = gate("i", torch.sigmoid(i)), gate("f", torch.sigmoid(f)), torch.tanh(g), gate("o", torch.sigmoid(o))
        c_new = f * c + i * g
        h_new = o * torch.tanh(c_new)
        return CellUpdate([("i", i), ("f", f), ("g", g), ("o", o), ("c", c_new), ("h", h_new)], h_new, c_new)
    raise ValueError(f"cell {cell!r} is not one of {', '.join(FORMULAS)}")


def run_layer(cell: str, w: LayerWeights, inputs: torch.Tensor) -> Iterator[tuple[int, CellUpdate]]:
    """Run one layer (one direction) over inputs (B, T, In) from a zero state: (t, update) per
    step, t in reading order (right to left when w.reverse). All B sequences must be T long."""
    B, T, _ = inputs.shape
    H = w.weight_hh.shape[1]
    h = inputs.new_zeros(B, H)
    c = inputs.new_zeros(B, H) if cell == "lstm" else None
    for t in (reversed(range(T)) if w.reverse else range(T)):
        update = cell_update(cell, w, inputs[:, t], h, c)
        h, c = update.h, update.c
        yield t, update


def layer_outputs(model: NameClassifier, inputs: torch.Tensor, layers: int) -> torch.Tensor:
    """The states (B, T, H) or (B, T, 2H) of layer `layers - 1` (inputs itself when layers is 0):
    what the layer above reads. Sequences of one length only (no padding)."""
    by_layer: dict[int, list[LayerWeights]] = {}
    for w in layer_weights(model):
        by_layer.setdefault(w.layer, []).append(w)
    for layer in range(layers):
        halves = []
        for w in by_layer[layer]:  # forward, then backward: nn.RNN concatenates them in this order
            states = dict((t, update.h) for t, update in run_layer(model.config.cell, w, inputs))
            halves.append(torch.stack([states[t] for t in range(inputs.shape[1])], dim=1))  # (B, T, H)
        inputs = torch.cat(halves, dim=2)
    return inputs


def set_keep_bias(model: NameClassifier, value: float = KEEP_BIAS) -> None:
    """Set the keep gate's bias (lstm forget gate f, gru update gate z) to `value` in both bias
    vectors of every layer, so that a fresh cell carries its state forward by default."""
    if model.config.cell not in KEEP_GATE:
        raise ValueError(f"only gated cells ({', '.join(KEEP_GATE)}) have a gate to open, not {model.config.cell!r}")
    _, gate = KEEP_GATE[model.config.cell]
    H = model.config.hidden_size
    with torch.no_grad():
        for w in layer_weights(model):
            w.bias_ih[gate * H:(gate + 1) * H] = value
            w.bias_hh[gate * H:(gate + 1) * H] = value


@contextlib.contextmanager
def evaluating(model: NameClassifier) -> Iterator[NameClassifier]:
    """Run a model in eval mode (no dropout) and give it back in the mode it was in: a view may
    look at the live model of a training that goes on afterwards."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)
