"""Gradients through time: which letters move a prediction (saliency), and how fast the gradient
that should teach an early letter fades with distance (vanishing gradients).

Shapes: B batch, T time (letters), V alphabet, H hidden, C classes.

    saliency(model, "Kowalski").letters     # per letter: ‖∂logit/∂x_t‖ and gradient × input
    gradient_decay(model, names).curves     # ‖∂h_T/∂h_t‖ against T - t: this model and fresh rnn, gru, lstm
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from .cells import cell_update, evaluating, layer_outputs, layer_weights, set_keep_bias
from .data import DataError, LETTER_INDEX, check_name, collate, one_hot
from .models import CELLS, BidirectionalRNN, ModelConfig, NameClassifier, build_model

# Long real-looking surnames: the longer the name, the further the gradient has to travel.
LONG_NAMES = ("Wolfeschlegelsteinhausenbergerdorff", "Featherstonehaugh-Cholmondeley", "Papadimitropoulos")
MAX_DECAY_NAMES = 8  # names averaged in one gradient_decay call


def letter_gradients(model: NameClassifier, padded: torch.Tensor, lengths: torch.Tensor,
                     targets: torch.Tensor) -> torch.Tensor:
    """∂logit[target]/∂x for a batch: (B, T, V). Padding steps get exactly zero: packing (or the
    manual loop's mask) keeps them out of every name's answer."""
    x = padded.detach().clone().requires_grad_(True)  # (B, T, V)
    # cuDNN computes an RNN's backward only in training mode; the plain kernels do it in eval mode.
    with evaluating(model), torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
        logits = model(x, lengths)  # (B, C)
        picked = logits.gather(1, targets.to(logits.device)[:, None]).sum()  # names are independent: one backward
        (grad,) = torch.autograd.grad(picked, x)
    return grad


@dataclass
class Saliency:
    """How much each letter of a name moves the logit of one label."""

    name: str  # normalised
    label: str  # the label explained (the predicted one unless asked otherwise)
    probability: float  # of that label
    letters: pd.DataFrame  # position, letter, gradient, gradient_x_input, shade
    note: str


def saliency(model: NameClassifier, name: str, label: str | None = None) -> Saliency:
    """Per letter: ‖∂logit/∂x_t‖ (how sensitive the logit is to letter t) and gradient × input
    (∂logit/∂x_t at the letter's own one-hot column: + pushes toward the label, − away).

    Raises DataError for a name we cannot read or a label the model does not know."""
    clean = check_name(name)
    if label is not None and label not in model.labels:
        raise DataError(f"label {label!r} is not one of the model's labels ({', '.join(model.labels[:8])}, ...)")
    device = next(model.parameters()).device
    padded, lengths, _ = collate([(one_hot(clean), 0)])  # (1, T, V), (1,)
    padded = padded.to(device)
    with evaluating(model), torch.no_grad():
        probabilities = model(padded, lengths).softmax(dim=1)[0]  # (C,)
    target = model.labels.index(label) if label is not None else int(probabilities.argmax())
    grad = letter_gradients(model, padded, lengths, torch.tensor([target]))[0].cpu()  # (T, V)
    letters = torch.tensor([LETTER_INDEX[ch] for ch in clean])
    times_input = grad[torch.arange(len(clean)), letters]  # (T,): the one-hot picks one column
    biggest = times_input.abs().max().clamp_min(1e-12)
    frame = pd.DataFrame({
        "position": range(len(clean)), "letter": list(clean), "gradient": grad.norm(dim=1).tolist(),
        "gradient_x_input": times_input.tolist(), "shade": (times_input / biggest).tolist(),
    })
    note = (f"gradient × input: how much each letter pushes the logit of {model.labels[target]} up (+) or down (−), "
            "to first order; shade is it divided by the largest one.")
    return Saliency(clean, model.labels[target], probabilities[target].item(), frame, note)


# ---------------------------------------------------------------------------------------------
# Vanishing gradients


def state_gradient_norms(model: NameClassifier, name: str) -> torch.Tensor:
    """‖∂h_T/∂h_t‖ / √H for t = 0..T-1 (T, ): the top layer's last state against its state at each
    letter (the forward direction of a bidirectional model). Distance 0 reads 1 (∂h_T/∂h_T = I)."""
    clean = check_name(name)
    cell, top = model.config.cell, model.config.num_layers - 1
    w = next(w for w in layer_weights(model) if w.layer == top and not w.reverse)
    x = one_hot(clean)[None].to(w.weight_ih.device)  # (1, T, V)
    T, H = len(clean), model.config.hidden_size
    with evaluating(model), torch.enable_grad():
        with torch.no_grad():
            inputs = layer_outputs(model, x, top)  # (1, T, In): what the top layer reads
        # A zero added to every state makes each h_t a point autograd can differentiate against.
        nudges = torch.zeros(T, 1, H, device=x.device, requires_grad=True)
        h, c = x.new_zeros(1, H), (x.new_zeros(1, H) if cell == "lstm" else None)
        for t in range(T):
            update = cell_update(cell, w, inputs[:, t], h, c)
            h, c = update.h + nudges[t], update.c
        # All H rows of the Jacobian at once: one backward per row, batched.
        rows = torch.eye(H, device=x.device)[:, None, :]  # (H, 1, H)
        (jacobian,) = torch.autograd.grad(h, nudges, grad_outputs=rows, is_grads_batched=True)  # (H, T, 1, H)
    return (jacobian.pow(2).sum(dim=(0, 2, 3)).sqrt() / math.sqrt(H)).detach().cpu()  # (T,)


@dataclass
class GradientDecay:
    """‖∂h_T/∂h_t‖ against the distance T - t, for a model and fresh models of the same size."""

    curves: pd.DataFrame  # distance, norm (geometric mean over the names), series, cell, trained, keep_bias
    names: list[str]  # normalised
    note: str


def fresh_model(like: NameClassifier, cell: str, seed: int = 0, keep_bias: bool = False) -> NameClassifier:
    """A newly initialised model of the same architecture and size with another cell; keep_bias
    opens its keep gate (see cells.set_keep_bias). Leaves torch's global random state as it was."""
    config = ModelConfig(**{**like.config.to_dict(), "cell": cell})
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(config).eval()
    if keep_bias and cell != "rnn":
        set_keep_bias(model)
    return model


def _curve(model: NameClassifier, names: list[str]) -> pd.DataFrame:
    """distance, norm: the geometric mean over the names long enough to reach each distance."""
    logs: dict[int, list[float]] = {}
    for name in names:
        norms = state_gradient_norms(model, name)  # (T,), index t
        for t, norm in enumerate(norms.tolist()):
            logs.setdefault(len(norms) - 1 - t, []).append(math.log(max(norm, 1e-30)))
    return pd.DataFrame([(d, math.exp(sum(v) / len(v))) for d, v in sorted(logs.items())],
                        columns=["distance", "norm"])


def gradient_decay(model: NameClassifier, names: list[str] | tuple[str, ...] = LONG_NAMES,
                   cells: tuple[str, ...] = tuple(CELLS), seed: int = 0, keep_bias: bool = True) -> GradientDecay:
    """How ‖∂h_T/∂h_t‖ falls with distance for `model` and for fresh models (one per cell) of its size;
    keep_bias adds the fresh gated cells again with their keep gate open (cells.set_keep_bias).

    Raises DataError for a name we cannot read, ValueError for an unknown cell."""
    if isinstance(names, str):
        names = [names]
    if not names or len(names) > MAX_DECAY_NAMES:
        raise DataError(f"give 1 to {MAX_DECAY_NAMES} names, not {len(names)}")
    clean = [check_name(name) for name in names]
    unknown = [c for c in cells if c not in CELLS]
    if unknown:
        raise ValueError(f"cell {unknown[0]!r} is not one of {', '.join(CELLS)}")
    models = [(f"this model ({model.config.cell})", True, False, model)]
    models += [(f"fresh {cell}", False, False, fresh_model(model, cell, seed)) for cell in cells]
    if keep_bias:
        models += [(f"fresh {cell}, gate bias +1", False, True, fresh_model(model, cell, seed, keep_bias=True))
                   for cell in cells if cell != "rnn"]
    frames = [_curve(each, clean).assign(series=series, cell=each.config.cell, trained=trained, keep_bias=opened)
              for series, trained, opened, each in models]
    direction = " (forward direction)" if isinstance(model, BidirectionalRNN) else ""
    note = (f"‖∂h_T/∂h_t‖ of the top layer{direction}, divided by √H so that distance 0 reads 1; a geometric mean "
            f"over {len(clean)} name(s). A plain rnn multiplies by W_hh and tanh' at every step, so its curve falls "
            "geometrically. With PyTorch's default initialisation a gate sits near 0.5 and the gated cells fall as "
            "fast; with the keep gate's bias at +1 (gate near 0.9) they pass the state, and the gradient, on.")
    return GradientDecay(pd.concat(frames, ignore_index=True), clean, note)
