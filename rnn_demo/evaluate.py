"""How good a model is on a names table: accuracy, macro accuracy, per-label accuracy, the
confusion matrix and the most confident mistakes. train() validates with the same functions.

Shapes: N names, C classes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn

from .data import NamesDataset, make_loader
from .files import load_table
from .metrics import Scores, accepted_labels, score
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
    # Every figure of rnn_demo.metrics (macro F1, top-3, ambiguity-aware accuracy, ...).
    scores: Scores | None = None


def evaluate(model: NameClassifier, table: pd.DataFrame | str, batch_size: int = 512,
             device: torch.device | None = None, whole_table: pd.DataFrame | None = None,
             already_clean: bool = False) -> Evaluation:
    """Accuracy, macro accuracy, per-label accuracy, confusion matrix and every metric of
    rnn_demo.metrics of a model on a table. `whole_table` (clean) says which names are listed under
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
