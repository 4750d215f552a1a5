"""Figures that tell the truth about a classifier, computed from its scores on some names.

Accuracy alone flatters a model on an imbalanced table (always answering the biggest language is
right half the time on the classic set). So beside it:

- macro accuracy: the mean over languages of the share of its names that are right (recall);
- macro F1: the mean over languages of F1 = 2PR / (P + R), which also punishes answering a
  language too often (its precision P falls);
- top-3 accuracy: the right language is among the three highest scores;
- ambiguity-aware accuracy: a name the table lists under several languages ("Lee" is English,
  Chinese and Korean) counts as right for any of them; `ambiguous_names` says how many such
  names were scored.

Shapes: N names, C classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

import pandas as pd
import torch

METRIC_HELP = {
    "accuracy": "Share of the names whose top language is right.",
    "macro_accuracy": "Mean over languages of the share of its names that are right: rare languages count as "
                      "much as common ones.",
    "macro_f1": "Mean over languages of F1, the harmonic mean of precision (how often the language is right "
                "when guessed) and recall: guessing a language too often is punished too.",
    "top3_accuracy": "Share of the names whose right language is among the three highest scores.",
    "ambiguity_aware_accuracy": "Accuracy when a name the table lists under several languages counts as right "
                                "for any of them.",
    "ambiguous_names": "How many of the scored names the table lists under more than one language.",
}


@dataclass
class Scores:
    """One classifier's figures on one set of names (the same keys for the model and the baselines)."""

    accuracy: float
    macro_accuracy: float  # mean per-label recall, over labels present in the targets
    macro_f1: float  # mean per-label F1, over the same labels
    top3_accuracy: float
    ambiguity_aware_accuracy: float
    ambiguous_names: int  # scored names listed under 2+ labels in the table
    n: int  # names scored

    def to_dict(self) -> dict:
        return asdict(self)


METRICS = tuple(f.name for f in fields(Scores) if f.name != "n")


def accepted_labels(names: Sequence[str], table: pd.DataFrame, labels: list[str]) -> torch.Tensor:
    """(N, C) bool: accepted[i, c] is True when the table lists name i under label c."""
    index = {label: c for c, label in enumerate(labels)}
    listed: dict[str, set[int]] = {}
    for name, label in zip(table["name"], table["label"]):
        if label in index:
            listed.setdefault(name, set()).add(index[label])
    accepted = torch.zeros(len(names), len(labels), dtype=torch.bool)
    for i, name in enumerate(names):
        for c in listed.get(name, ()):
            accepted[i, c] = True
    return accepted


def per_label_f1(predicted: torch.Tensor, targets: torch.Tensor, n_classes: int) -> torch.Tensor:
    """(C,) F1 of each class, NaN for a class absent from the targets; 0 when never right."""
    f1 = torch.full((n_classes,), float("nan"))
    for c in targets.unique().tolist():
        true_positives = ((predicted == c) & (targets == c)).sum().item()
        guessed, actual = (predicted == c).sum().item(), (targets == c).sum().item()
        precision = true_positives / guessed if guessed else 0.0
        recall = true_positives / actual
        f1[c] = 2 * precision * recall / (precision + recall) if true_positives else 0.0
    return f1


def score(scores: torch.Tensor, targets: torch.Tensor, accepted: torch.Tensor | None = None) -> Scores:
    """Every figure from scores (N, C) (logits, log-probabilities: any monotone score), the targets
    (N,) and which labels each name is listed under (N, C) bool (None: its target only)."""
    n, n_classes = scores.shape
    if n == 0:
        raise ValueError("no names to score")
    predicted = scores.argmax(1)  # (N,)
    correct = predicted == targets
    recall = torch.stack([correct[targets == c].float().mean() for c in targets.unique().tolist()])
    top = scores.topk(min(3, n_classes), dim=1).indices  # (N, 3)
    own = torch.nn.functional.one_hot(targets, n_classes).bool()  # (N, C): a name's own label always counts
    accepted = own if accepted is None else accepted | own
    f1 = per_label_f1(predicted, targets, n_classes)
    return Scores(
        accuracy=correct.float().mean().item(),
        macro_accuracy=recall.mean().item(),
        macro_f1=f1[~f1.isnan()].mean().item(),
        top3_accuracy=(top == targets[:, None]).any(1).float().mean().item(),
        ambiguity_aware_accuracy=accepted.gather(1, predicted[:, None]).float().mean().item(),
        ambiguous_names=int((accepted.sum(1) > 1).sum()),
        n=n,
    )


def comparison_frame(rows: dict[str, Scores]) -> pd.DataFrame:
    """A small table for the page: one row per classifier (model, majority, n-gram), one column per metric."""
    frame = pd.DataFrame([{"classifier": name, **s.to_dict()} for name, s in rows.items()])
    return frame[["classifier", *METRICS, "n"]]
