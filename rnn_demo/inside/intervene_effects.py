"""What an intervention does: per-language accuracy before and after, a name letter by letter, the
state's path, and for a scaled recurrence how far back the gradient reaches.

    outcome = compare(model, val_rows, change)        # rows: clean names with their labels
    outcome.to_dict()                                 # the CLI's "before", "after", "distinct_predictions_after"
    name_effect(model, "Kowalski", change)            # the answer as each letter arrives, before and after
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from rnn_demo.data import check_name
from rnn_demo.inside.gradients import gradient_decay
from rnn_demo.inside.intervene import Intervention, intervened_logits, largest_singular_values, scaled_model
from rnn_demo.inside.letters import readable
from rnn_demo.models import BidirectionalRNN, NameClassifier

# Why an intervention says more than the unit explorer: one line for the page and the CLI.
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
