"""Change the network and see what breaks: knock out hidden units, clamp a gate, scale the recurrence.

The unit explorer finds units that *correlate* with a language; knocking a unit out shows whether the
model *needs* it. Every intervention runs the model's own weights through the cell equations by hand
(rnn_demo.inside.cells), the manual nn.RNNCell loop, which is where a change at every step goes.

Shapes: N names, B names of one length, T letters, In a layer's input, H hidden, U a layer's output
units (H, or 2H bidirectional: forward units first, then backward ones), F the classifier's input, C classes.

    change = parse_intervention(model, knock_out="3,7")     # or clamp="z=1@2", scale=0.5
    intervened_logits(model, ["Kowalski"], change)           # (N, C)
    outcome = compare(model, val_rows, change)               # per-language accuracy before and after
    outcome.to_dict()                                        # the CLI's "before", "after", ...
    name_effect(model, "Kowalski", change)                   # the answer as each letter arrives, before and after
    scale_effect(model, 0.5, names)                          # a scaled W_hh: how far back the gradient reaches

The first half changes the network (parse_intervention, intervened_logits); the second measures what
the change did (compare, name_effect, scale_effect).
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field, replace

import pandas as pd
import torch

from rnn_demo.data import check_name, one_hot
from rnn_demo.inside.cells import LayerWeights, cell_update, evaluating, layer_weights
from rnn_demo.inside.gradients import gradient_decay
from rnn_demo.inside.letters import readable
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


# ---------------------------------------------------------------------------------------------
# What a change did


NOT_CORRELATION = ("The unit explorer shows which units fire together with a language (a correlation); holding "
                   "a unit at zero and measuring the loss shows whether the model needs it to answer (a cause).")


@dataclass
class Outcome:
    """The intervened model against the model on the same names."""

    change: Intervention
    per_label: pd.DataFrame  # label, names, before, after, change (after - before): biggest losses first
    accuracy: tuple[float, float]  # (before, after)
    distinct_predictions_after: int  # how many labels the changed model still answers
    n: int

    def to_dict(self) -> dict:
        by_label = self.per_label.set_index("label")
        return {"before": {"accuracy": self.accuracy[0], "per_label": by_label["before"].round(4).to_dict()},
                "after": {"accuracy": self.accuracy[1], "per_label": by_label["after"].round(4).to_dict()},
                "distinct_predictions_after": self.distinct_predictions_after}

    def summary(self) -> str:
        before, after = self.accuracy
        worst = self.per_label.iloc[0]
        loses = (f"; {worst['label']} loses most ({worst['before']:.0%} → {worst['after']:.0%} of its "
                 f"{worst['names']} names)" if worst["change"] < 0 else "; no language loses")
        return (f"{self.change.describe()}: accuracy {before:.1%} → {after:.1%} on {self.n} validation names"
                f"{loses}; the changed model still answers {self.distinct_predictions_after} of "
                f"{len(self.per_label)} languages.")


def compare(model: NameClassifier, rows: pd.DataFrame, change: Intervention) -> Outcome:
    """Score the model and its intervened self on rows (name, label; names clean)."""
    rows = rows[rows["label"].isin(model.labels)]
    if rows.empty:
        raise ValueError("none of the names has a label this model knows")
    names = rows["name"].tolist()
    targets = torch.tensor([model.labels.index(label) for label in rows["label"]])
    before = intervened_logits(model, names, Intervention()).argmax(dim=1)
    after = intervened_logits(model, names, change).argmax(dim=1)
    frame = pd.DataFrame({"label": rows["label"].to_numpy(), "before": (before == targets).numpy(),
                          "after": (after == targets).numpy()})
    per_label = (frame.groupby("label", sort=True).agg(names=("before", "size"), before=("before", "mean"),
                                                        after=("after", "mean")).reset_index())
    per_label["change"] = (per_label["after"] - per_label["before"]).round(9)  # equal losses tie exactly
    per_label = per_label.sort_values(["change", "label"], kind="stable").reset_index(drop=True)
    return Outcome(change, per_label, (frame["before"].mean().item(), frame["after"].mean().item()),
                   int(after.unique().numel()), len(names))


@dataclass
class NameEffect:
    """One name before and after: the answer as each letter arrives, and the top layer's path."""

    name: str  # normalised
    answer: tuple[tuple[str, float], tuple[str, float]]  # (label, probability) before, after
    by_letter: pd.DataFrame  # position, prefix, series ("before" | "after"), label, probability
    path: pd.DataFrame  # position, letter, series, state_norm ‖h_t‖, step ‖h_t − h_{t−1}‖ (forward states)

    def to_dict(self) -> dict:
        def side(series):
            part = self.by_letter[self.by_letter["series"] == series]
            return [{"prefix": p, "label": label, "probability": round(prob, 4)}
                    for p, label, prob in zip(part["prefix"], part["label"], part["probability"])]
        (lb, pb), (la, pa) = self.answer
        return {"before": {"label": lb, "probability": round(pb, 4)}, "after": {"label": la, "probability": round(pa, 4)},
                "by_letter": {"before": side("before"), "after": side("after")}}


def name_effect(model: NameClassifier, name: str, change: Intervention) -> NameEffect:
    """A typed name through the model and its intervened self. Raises DataError for a bad name."""
    clean = check_name(name)
    prefixes = [clean[:t] for t in range(1, len(clean) + 1)]  # what it says if the name ended here
    rows, answer = [], []
    for series, each in (("before", Intervention()), ("after", change)):
        probabilities = intervened_logits(model, prefixes, each).softmax(dim=1)  # (T, C)
        best, index = probabilities.max(dim=1)
        rows += [(t + 1, readable(p), series, model.labels[i], b)
                 for t, (p, i, b) in enumerate(zip(prefixes, index.tolist(), best.tolist()))]
        answer.append((model.labels[index[-1]], best[-1].item()))
    by_letter = pd.DataFrame(rows, columns=["position", "prefix", "series", "label", "probability"])
    return NameEffect(clean, tuple(answer), by_letter, _path(model, clean, change))


def _path(model: NameClassifier, clean: str, change: Intervention) -> pd.DataFrame:
    """‖h_t‖ and ‖h_t − h_{t−1}‖ of the classifier's features after each prefix: a frozen state moves 0."""
    captured: list[torch.Tensor] = []
    hook = model.fc.register_forward_hook(lambda module, args, output: captured.append(args[0].detach()))
    rows = []
    try:
        for series, each in (("before", Intervention()), ("after", change)):
            captured.clear()
            intervened_logits(model, [clean[:t] for t in range(1, len(clean) + 1)], each)
            # Prefixes go by length, so each length's features arrive in their own call, in order.
            features = torch.cat(captured)  # (T, F)
            previous = torch.zeros_like(features[0])
            for t, state in enumerate(features):
                rows.append((t + 1, readable(clean[t]), series, state.norm().item(), (state - previous).norm().item()))
                previous = state
    finally:
        hook.remove()
    return pd.DataFrame(rows, columns=["position", "letter", "series", "state_norm", "step"])


@dataclass
class ScaleEffect:
    sigma: tuple[list[float], list[float]]  # σ_max of each layer's W_hh, before and after
    curves: pd.DataFrame  # distance, log10_norm, series ("W_hh × 1" | "W_hh × f")
    reach: tuple[int, int]  # letters back before ‖∂h_T/∂h_t‖ falls under 1 % (before, after)


def scale_effect(model: NameClassifier, factor: float, names: list[str]) -> ScaleEffect:
    """How far back the gradient reaches with W_hh as it is and times factor."""
    frames, reach = [], []
    for f, each in ((1.0, model), (factor, scaled_model(model, factor))):
        curve = gradient_decay(each, names, cells=(), keep_bias=False).curves
        frames.append(curve.assign(series=f"W_hh × {f:g}")[["distance", "log10_norm", "series"]])
        below = curve[curve["norm"] < 0.01]["distance"]
        reach.append(int(below.min()) if len(below) else int(curve["distance"].max()))
    curves = pd.concat(frames, ignore_index=True)
    curves["log10_norm"] = curves["log10_norm"].map(lambda v: max(v, -30.0) if not math.isnan(v) else v)
    return ScaleEffect((largest_singular_values(model), largest_singular_values(model, factor)), curves, tuple(reach))


def leaned_on_units(model: NameClassifier, n: int = 5) -> list[int]:
    """The n top-layer units the classifier weighs most: the largest columns of fc's weight, a unit's
    copies (its last state and, with 'last+max' pooling, its max) summed. Plain unit numbers, as parse_units takes."""
    weight = model.fc.weight.detach().abs()  # (C, F), F = U or 2U
    U = model.config.hidden_size * (2 if isinstance(model, BidirectionalRNN) else 1)
    per_unit = weight.reshape(weight.shape[0], -1, U).sum(dim=(0, 1))  # (U,)
    return per_unit.argsort(descending=True, stable=True)[:n].tolist()
