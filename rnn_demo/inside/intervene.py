"""Change the network and see what breaks: knock out hidden units, clamp a gate, scale the recurrence.

The unit explorer finds units that *correlate* with a language; knocking a unit out shows whether the
model *needs* it. Every intervention runs the model's own weights through the cell equations by hand
(rnn_demo.inside.cells), the manual nn.RNNCell loop, which is where a change at every step goes.

Shapes: N names, B names of one length, T letters, In a layer's input, H hidden, U a layer's output
units (H, or 2H bidirectional: forward units first, then backward ones), F the classifier's input, C classes.

    change = parse_intervention(model, knock_out="3,7")     # or clamp="z=1@2", scale=0.5
    intervened_logits(model, ["Kowalski"], change)           # (N, C)
    outcome = compare(model, val_rows, change)               # per-language accuracy before and after
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace

import torch

from rnn_demo.data import check_name, one_hot
from rnn_demo.inside.cells import LayerWeights, cell_update, evaluating, layer_weights
from rnn_demo.models import BidirectionalRNN, NameClassifier

GATES = {"gru": ("r", "z"), "lstm": ("i", "f", "o")}  # the sigmoid gates, values in [0, 1]
SCALES = (0.25, 2.0)  # the recurrence's factor: from a fast-forgetting to an exploding W_hh
BATCH = 512


@dataclass(frozen=True)
class Clamp:
    gate: str  # one of GATES[cell]
    value: float  # in [0, 1]
    start: int  # 0-based: the first letter whose step uses the clamped gate
    layer: int | None = None  # None: every layer


@dataclass(frozen=True)
class Intervention:
    """What to change at every step; the default changes nothing."""

    knock_out: dict[int, tuple[int, ...]] = field(default_factory=dict)  # layer -> its output units held at 0
    clamp: Clamp | None = None
    scale: float = 1.0  # factor on every W_hh

    def describe(self) -> str:
        parts = [f"layer {layer}: units {', '.join(map(str, units))} held at 0" if len(units) <= 12 else
                 f"layer {layer}: {len(units)} units held at 0" for layer, units in self.knock_out.items()]
        if self.clamp:
            where = "every layer" if self.clamp.layer is None else f"layer {self.clamp.layer}"
            parts.append(f"gate {self.clamp.gate} = {self.clamp.value:g} from letter {self.clamp.start + 1} "
                         f"on ({where})")
        if self.scale != 1:
            parts.append(f"W_hh × {self.scale:g}")
        return "; ".join(parts) or "nothing changed"


class InterventionError(ValueError):
    """A value the model cannot take; the message lists the valid ones."""


def _units_of(model: NameClassifier) -> int:
    return model.config.hidden_size * (2 if isinstance(model, BidirectionalRNN) else 1)


def parse_units(model: NameClassifier, text: str) -> dict[int, tuple[int, ...]]:
    """'3, 7', '0-9', '→5', '←2', 'h4', '1:4' (layer:unit), 'all', '0:all' -> {layer: units}.
    A unit without a layer is in the last layer, the one the classifier reads."""
    L, U, H = model.config.num_layers, _units_of(model), model.config.hidden_size
    named = f" (→0–→{H - 1} forward, ←0–←{H - 1} backward)" if U > H else ""
    valid = f"units 0–{U - 1}{named} of layers 0–{L - 1}, a range a-b, 'all', or layer:unit such as {L - 1}:3"
    chosen: dict[int, set[int]] = {}
    for token in re.split(r"[,\s]+", str(text or "").strip()):
        if not token:
            continue
        layer_text, _, unit_text = token.rpartition(":")
        try:
            layer = int(layer_text) if layer_text else L - 1
        except ValueError:
            raise InterventionError(f"{token!r} is not a unit: give {valid}") from None
        if not 0 <= layer < L:
            raise InterventionError(f"layer {layer} does not exist: give {valid}")
        chosen.setdefault(layer, set()).update(_unit_numbers(unit_text, U, H, valid))
    if not chosen:
        raise InterventionError(f"name the units to knock out: {valid}")
    return {layer: tuple(sorted(units)) for layer, units in sorted(chosen.items())}


def _unit_numbers(text: str, U: int, H: int, valid: str) -> range | list[int]:
    if text == "all":
        return range(U)
    match = re.fullmatch(r"(\d+)-(\d+)", text)
    if match:
        low, high = int(match[1]), int(match[2])
        if low <= high < U:
            return range(low, high + 1)
        raise InterventionError(f"{text!r} is not a range of units: give {valid}")
    offset = {"→": 0, "←": H, "h": 0}.get(text[:1], None)
    number = text[1:] if offset is not None else text
    if not number.isdigit() or int(number) + (offset or 0) >= U or (offset == H and U == H):
        raise InterventionError(f"unit {text!r} does not exist: give {valid}")
    return [int(number) + (offset or 0)]


def parse_clamp(model: NameClassifier, text: str) -> Clamp:
    """'[LAYER:]GATE=VALUE[@LETTER]', e.g. 'z=1', 'f=0@3', '0:z=1@1'; LETTER counts from 1 (default 1)."""
    cell, L = model.config.cell, model.config.num_layers
    if cell not in GATES:
        raise InterventionError(f"the {cell} cell has no gate to clamp; "
                                + "; ".join(f"{c} has {', '.join(g)}" for c, g in GATES.items()))
    valid = (f"[LAYER:]GATE=VALUE[@LETTER] with GATE one of {', '.join(GATES[cell])}, VALUE from 0 to 1, "
             f"LETTER from 1, LAYER 0–{L - 1} (every layer if left out)")
    match = re.fullmatch(r"\s*(?:(\d+):)?([a-z])\s*=\s*([0-9.]+)\s*(?:@\s*(\d+))?\s*", str(text or ""))
    if not match:
        raise InterventionError(f"{text!r} is not a clamp: give {valid}")
    layer, gate, value, letter = match.groups()
    if gate not in GATES[cell]:
        raise InterventionError(f"the {cell} cell has no gate {gate!r}: it has {', '.join(GATES[cell])}")
    try:
        value = float(value)
    except ValueError:
        raise InterventionError(f"{text!r} is not a clamp: give {valid}") from None
    if not 0 <= value <= 1 or (letter is not None and int(letter) < 1) or (layer is not None and int(layer) >= L):
        raise InterventionError(f"{text!r} is out of range: give {valid}")
    return Clamp(gate, value, int(letter or 1) - 1, None if layer is None else int(layer))


def check_scale(factor) -> float:
    low, high = SCALES
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not low <= factor <= high:
        raise InterventionError(f"the recurrent weights' factor must be from {low:g} to {high:g}, not {factor!r}")
    return float(factor)


def parse_intervention(model: NameClassifier, knock_out: str | None = None, clamp: str | None = None,
                       scale: float | None = None) -> Intervention:
    """One intervention from its parts as typed (any of the three, together or alone)."""
    return Intervention(parse_units(model, knock_out) if knock_out else {},
                        parse_clamp(model, clamp) if clamp else None,
                        check_scale(scale) if scale is not None else 1.0)


def _gate_edit(change: Intervention, layer: int, t: int):
    """The cell_update gate hook for one layer at letter t (None: nothing to change there)."""
    clamp = change.clamp
    if clamp is None or t < clamp.start or clamp.layer not in (None, layer):
        return None
    return lambda name, value: value.new_full(value.shape, clamp.value) if name == clamp.gate else value


def _run_layer(cell: str, w: LayerWeights, layer: int, inputs: torch.Tensor, change: Intervention) -> torch.Tensor:
    """One layer (one direction) over inputs (B, T, In), intervened at every step -> states (B, T, H)."""
    B, T, _ = inputs.shape
    H = w.weight_hh.shape[1]
    w = replace(w, weight_hh=w.weight_hh * change.scale)
    # This direction's share of the layer's knocked-out output units: backward ones are H..2H-1.
    offset = H if w.reverse else 0
    dead = [u - offset for u in change.knock_out.get(layer, ()) if offset <= u < offset + H]
    h = inputs.new_zeros(B, H)
    c = inputs.new_zeros(B, H) if cell == "lstm" else None
    states = [None] * T
    for t in (reversed(range(T)) if w.reverse else range(T)):
        update = cell_update(cell, w, inputs[:, t], h, c, gate=_gate_edit(change, layer, t))
        h, c = update.h, update.c
        if dead:
            h = h.clone()
            h[:, dead] = 0  # the unit says nothing to the next step, the layer above or the classifier
        states[t] = h
    return torch.stack(states, dim=1)


def _same_length_logits(model: NameClassifier, clean: list[str], change: Intervention) -> torch.Tensor:
    """Names all T letters long -> logits (B, C), through the intervened cell loop."""
    device = next(model.parameters()).device
    x = model.inputs(torch.stack([one_hot(name) for name in clean]).to(device))  # (B, T, In)
    by_layer: dict[int, list[LayerWeights]] = {}
    for w in layer_weights(model):
        by_layer.setdefault(w.layer, []).append(w)
    for layer in sorted(by_layer):  # forward, then backward: nn.RNN concatenates them in this order
        x = torch.cat([_run_layer(model.config.cell, w, layer, x, change) for w in by_layer[layer]], dim=2)
    T, H = x.shape[1], model.config.hidden_size
    # What the classifier reads (models.py): the state after the last letter; bidirectional, the
    # forward half there and the backward half after the first letter.
    last = torch.cat([x[:, -1, :H], x[:, 0, H:]], dim=1) if isinstance(model, BidirectionalRNN) else x[:, -1]
    return model.to_logits(last, x, torch.full((len(clean),), T))


@torch.no_grad()
def intervened_logits(model: NameClassifier, names: list[str], change: Intervention) -> torch.Tensor:
    """Logits (N, C) of the intervened model, in the names' order; Intervention() gives model(...)'s own."""
    clean = [check_name(name) for name in names]
    logits: list[torch.Tensor | None] = [None] * len(clean)
    by_length: dict[int, list[int]] = {}
    for i, name in enumerate(clean):
        by_length.setdefault(len(name), []).append(i)
    with evaluating(model):
        for indices in by_length.values():  # one length at a time: no padding in the hand-run loop
            for start in range(0, len(indices), BATCH):
                part = indices[start:start + BATCH]
                for i, row in zip(part, _same_length_logits(model, [clean[i] for i in part], change).cpu()):
                    logits[i] = row
    return torch.stack(logits) if logits else torch.zeros(0, len(model.labels))


def scaled_model(model: NameClassifier, factor: float) -> NameClassifier:
    """A copy of the model with every W_hh multiplied by factor (the original is untouched)."""
    copied = copy.deepcopy(model)
    with torch.no_grad():
        for w in layer_weights(copied):
            w.weight_hh.mul_(factor)
    return copied


def largest_singular_values(model: NameClassifier, factor: float = 1.0) -> list[float]:
    """σ_max of each layer's W_hh (forward direction; the cell's gates stacked, (G*H, H)), times factor."""
    return [factor * torch.linalg.matrix_norm(w.weight_hh.detach().float(), ord=2).item()
            for w in layer_weights(model) if not w.reverse]
