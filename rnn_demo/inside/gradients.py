"""Gradients through time: which letters move a prediction (saliency), and how fast the gradient
that should teach an early letter fades with distance (vanishing gradients).

Shapes: B batch, T time (letters), V alphabet, H hidden, C classes.

    saliency(model, "Kowalski").letters     # per letter: ‖∂logit/∂x_t‖, gradient × input, integrated gradients
    gradient_decay(model, names).curves     # ‖∂h_T/∂h_t‖ against T - t: this model and fresh rnn, gru, lstm
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from rnn_demo.data import LETTER_INDEX, DataError, check_name, one_hot
from rnn_demo.inside.cells import (
    KEEP_BIAS,
    cell_update,
    evaluating,
    keep_gate_start,
    layer_outputs,
    layer_weights,
    set_keep_bias,
)
from rnn_demo.models import CELLS, BidirectionalRNN, ModelConfig, NameClassifier, build_model

# Long real-looking surnames: the longer the name, the further the gradient has to travel.
LONG_NAMES = ("Wolfeschlegelsteinhausenbergerdorff", "Featherstonehaugh-Cholmondeley", "Papadimitropoulos")
MAX_DECAY_NAMES = 8  # names averaged in one gradient_decay call
IG_STEPS = 32  # points on the path from no letters to the name (integrated gradients)


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
    letters: pd.DataFrame  # position, letter, gradient, gradient_x_input, integrated, shade
    logit_change: float  # logit(name) - logit(no letters): what the `integrated` column adds up to
    note: str


def saliency(model: NameClassifier, name: str, label: str | None = None, steps: int = IG_STEPS) -> Saliency:
    """Per letter, three measures of how much it moves the logit of `label` (default: the predicted one):

    - gradient: ‖∂logit/∂x_t‖, how sensitive the logit is to letter t;
    - gradient_x_input: ∂logit/∂x_t at the letter's own one-hot column (first order: + pushes toward
      the label, − away);
    - integrated: the same product averaged along the way from no letters (zero inputs) to the name
      (integrated gradients); these add up to logit(name) − logit(no letters). `shade` is it divided
      by the largest in size, in [-1, 1].

    Raises DataError for a name we cannot read or a label the model does not know."""
    clean = check_name(name)
    if label is not None and label not in model.labels:
        raise DataError(f"label {label!r} is not one of the model's labels ({', '.join(model.labels[:8])}, ...)")
    device = next(model.parameters()).device
    x = one_hot(clean)[None].to(device)  # (1, T, V)
    T, lengths = len(clean), torch.tensor([len(clean)])
    with evaluating(model), torch.no_grad():
        logits = model(torch.cat([x, torch.zeros_like(x)]), lengths.repeat(2))  # (2, C): the name, no letters
    probabilities = logits[0].softmax(dim=0)
    target = model.labels.index(label) if label is not None else int(probabilities.argmax())
    grad = letter_gradients(model, x, lengths, torch.tensor([target]))[0].cpu()  # (T, V)
    # Integrated gradients: the gradient at `steps` points between zero inputs and x, in one batch.
    scale = ((torch.arange(steps) + 0.5) / steps).to(device)[:, None, None]  # (S, 1, 1) midpoints
    path = letter_gradients(model, scale * x, lengths.repeat(steps), torch.full((steps,), target))  # (S, T, V)
    picks = (torch.arange(T), torch.tensor([LETTER_INDEX[ch] for ch in clean]))  # the one-hot picks one column
    integrated = path.mean(dim=0).cpu()[picks]  # (T,)
    frame = pd.DataFrame({
        "position": range(T), "letter": list(clean), "gradient": grad.norm(dim=1).tolist(),
        "gradient_x_input": grad[picks].tolist(), "integrated": integrated.tolist(),
        "shade": (integrated / integrated.abs().max().clamp_min(1e-12)).tolist(),
    })
    change = (logits[0, target] - logits[1, target]).item()
    note = (f"How much each letter pushes the logit of {model.labels[target]} up (+) or down (−): integrated "
            f"gradients from no letters to the name; the letters' shares add up to the logit's change, {change:+.2f}.")
    return Saliency(clean, model.labels[target], probabilities[target].item(), frame, change, note)


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
            inputs = layer_outputs(model, model.inputs(x), top)  # (1, T, In): what the top layer reads
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

    curves: pd.DataFrame  # distance, norm (geometric mean over the names), log10_norm, series, cell, trained, keep_bias
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
    """distance, norm, log10_norm: the geometric mean over the names long enough to reach each distance."""
    logs: dict[int, list[float]] = {}
    for name in names:
        norms = state_gradient_norms(model, name)  # (T,), index t
        for t, norm in enumerate(norms.tolist()):
            logs.setdefault(len(norms) - 1 - t, []).append(math.log(max(norm, 1e-30)))
    rows = [(d, math.exp(sum(v) / len(v)), sum(v) / len(v) / math.log(10)) for d, v in sorted(logs.items())]
    return pd.DataFrame(rows, columns=["distance", "norm", "log10_norm"])  # log10: for a plot without a log axis


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
        models += [(f"fresh {cell}, gate bias +{KEEP_BIAS:g}", False, True,
                    fresh_model(model, cell, seed, keep_bias=True)) for cell in cells if cell != "rnn"]
    frames = [_curve(each, clean).assign(series=series, cell=each.config.cell, trained=trained, keep_bias=opened)
              for series, trained, opened, each in models]
    direction = " (forward direction)" if isinstance(model, BidirectionalRNN) else ""
    note = (f"‖∂h_T/∂h_t‖ of the top layer{direction}, divided by √H so that distance 0 reads 1; a geometric "
            f"mean over {len(clean)} name(s). A plain rnn multiplies by W_hh and tanh' at every step, so its curve "
            "falls geometrically. With PyTorch's default initialisation a gate sits near 0.5 and the gated cells "
            f"fall as fast; with the keep gate's bias at +{KEEP_BIAS:g} in both bias vectors (gate near "
            f"{keep_gate_start(KEEP_BIAS):.2f}) they pass the state, and the gradient, on.")
    return GradientDecay(pd.concat(frames, ignore_index=True), clean, note)
