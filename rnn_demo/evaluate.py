"""How good a model is on some names, in one place: the validation train() runs every epoch, the
report of a model on a table (accuracy, macro accuracy, per label, the confusion matrix, the most
confident mistakes), and the figures that tell the truth about a classifier, the same for the model
and the baselines.

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

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, fields

import pandas as pd
import torch
from torch import nn

from .data import NamesDataset, make_loader
from .files import load_table
from .models import NameClassifier


@torch.no_grad()
def all_logits(model: NameClassifier, loader, device,
               stop: Callable[[], object] | None = None) -> tuple[torch.Tensor, torch.Tensor] | None:
    """All logits (N, C) and targets (N,) of a loader, in its order; None when stop() turned true
    between two batches (a Stop or a time limit reached while validating)."""
    was_training = model.training
    model.eval()
    outs, targets = [], []
    for padded, lengths, labels in loader:
        if stop is not None and stop():
            model.train(was_training)
            return None
        outs.append(model(padded.to(device), lengths).cpu())
        targets.append(labels)
    model.train(was_training)
    return torch.cat(outs), torch.cat(targets)


def accuracies(predicted: torch.Tensor, targets: torch.Tensor, n_classes: int):
    """(accuracy, macro accuracy, per-class recall (C,) with NaN for absent classes)."""
    correct = (predicted == targets).float()
    per_class = torch.full((n_classes,), math.nan)
    for c in targets.unique().tolist():
        per_class[c] = correct[targets == c].mean()
    present = per_class[~per_class.isnan()]
    return correct.mean().item(), present.mean().item(), per_class


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
    accuracy, macro_accuracy, _ = accuracies(predicted, targets, n_classes)
    top = scores.topk(min(3, n_classes), dim=1).indices  # (N, 3)
    own = torch.nn.functional.one_hot(targets, n_classes).bool()  # (N, C): a name's own label always counts
    accepted = own if accepted is None else accepted | own
    f1 = per_label_f1(predicted, targets, n_classes)
    return Scores(
        accuracy=accuracy,
        macro_accuracy=macro_accuracy,
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


@dataclass
class Validation:
    """One pass over the validation names."""

    loss: float
    accuracy: float
    macro_accuracy: float  # mean of per-class recall: rare labels count as much
    per_class: torch.Tensor  # (C,) recall per class, NaN for classes without validation names

    def score(self, by_macro: bool) -> tuple[float, float]:
        """What "best" means: accuracy (or macro accuracy when balancing), then lower loss."""
        return (self.macro_accuracy if by_macro else self.accuracy, -self.loss)


def validate(model: NameClassifier, loader, device, stop: Callable[[], object] | None = None) -> Validation | None:
    """Loss and accuracies of a model on a loader (its validation names); None when stop() turned
    true between two batches."""
    found = all_logits(model, loader, device, stop)
    if found is None:
        return None
    logits, targets = found
    accuracy, macro, per_class = accuracies(logits.argmax(1), targets, logits.shape[1])
    loss = nn.functional.cross_entropy(logits, targets).item()
    return Validation(loss, accuracy, macro, per_class)


@dataclass
class Evaluation:
    accuracy: float  # share of names whose top label is right
    macro_accuracy: float  # mean over labels of per-label accuracy: rare labels count as much
    per_label: dict[str, float]  # label -> accuracy (recall), labels present in the table
    confusion: pd.DataFrame  # rows: true label, columns: predicted label, cells: counts
    loss: float
    n: int
    # Validation names the model got most confidently wrong: name, label, predicted, confidence.
    mistakes: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Every figure of Scores (macro F1, top-3, ambiguity-aware accuracy, ...).
    scores: Scores | None = None


def evaluate(model: NameClassifier, table: pd.DataFrame | str, batch_size: int = 512,
             device: torch.device | None = None, whole_table: pd.DataFrame | None = None,
             already_clean: bool = False) -> Evaluation:
    """Accuracy, macro accuracy, per-label accuracy, confusion matrix and every metric of
    Scores of a model on a table. `whole_table` (clean) says which names are listed under
    several labels; by default the scored table itself. already_clean: the table is a split of a
    clean table (e.g. DoneEvent.val_table), scored as it is, even a label with a single name."""
    device = device or next(model.parameters()).device
    if not already_clean:
        table, _ = load_table(table)
    dataset = NamesDataset(table, model.labels)
    logits, targets = all_logits(model, make_loader(dataset, batch_size), device)
    probabilities = logits.softmax(1)
    confidence, predicted = probabilities.max(1)
    labels = model.labels
    accuracy, macro, per_class = accuracies(predicted, targets, len(labels))
    confusion = torch.zeros(len(labels), len(labels), dtype=torch.long)
    confusion.index_put_((targets, predicted), torch.ones_like(targets), accumulate=True)
    wrong = (predicted != targets).nonzero().flatten()
    wrong = wrong[confidence[wrong].argsort(descending=True)]
    mistakes = pd.DataFrame({
        "name": [dataset.names[i] for i in wrong.tolist()],
        "label": [labels[targets[i]] for i in wrong.tolist()],
        "predicted": [labels[predicted[i]] for i in wrong.tolist()],
        "confidence": confidence[wrong].tolist(),
    })
    return Evaluation(
        accuracy=accuracy,
        macro_accuracy=macro,
        per_label={labels[c]: per_class[c].item() for c in range(len(labels)) if not per_class[c].isnan()},
        confusion=pd.DataFrame(confusion.numpy(), index=labels, columns=labels),
        loss=nn.functional.cross_entropy(logits, targets).item(),
        n=len(dataset),
        mistakes=mistakes,
        scores=score(logits, targets, accepted_labels(dataset.names, table if whole_table is None else whole_table,
                                                      labels)),
    )
