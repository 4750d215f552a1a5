"""Two classifiers an RNN must beat, trained on the same training names:

- MajorityBaseline: always the language with the most training names. Its accuracy is the share of
  that language: anything below it has learned nothing.
- NgramBayes: multinomial naive Bayes on a name's character n-grams (1 to 4 letters, with ^ and $
  marking the start and the end: "^ng", "ski$"). It treats a name as a bag of short pieces and
  never sees their order beyond 4 letters: what a recurrent network adds must show above it.

Both give scores (N, C), log-probabilities up to a constant per name, like a model's logits.
Shapes: N names, C classes, G distinct n-grams seen in training.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import torch

from .data import split_table
from .evaluate import Scores, accepted_labels, comparison_frame, score

BASELINE_HELP = {
    "majority": "Always answers the language with the most training names.",
    "ngram": "Naive Bayes on the name's pieces of 1 to 4 letters (start and end marked): a bag of letter "
              "groups, no order beyond 4 letters. Trains in about a second.",
}


def _targets(table: pd.DataFrame, labels: list[str]) -> torch.Tensor:
    index = {label: c for c, label in enumerate(labels)}
    unknown = sorted(set(table["label"]) - set(index))
    if unknown:
        raise ValueError(f"labels unknown to the baseline: {', '.join(unknown)}")
    return torch.tensor([index[label] for label in table["label"]], dtype=torch.long)


class MajorityBaseline:
    """Scores every name by the training share of each label: the top one is the biggest label."""

    def __init__(self, train_table: pd.DataFrame, labels: list[str]):
        self.labels = list(labels)
        counts = torch.bincount(_targets(train_table, labels), minlength=len(labels)).float()  # (C,)
        self.log_prior = (counts / counts.sum()).log()  # (C,); -inf for an absent label

    def scores(self, names: list[str]) -> torch.Tensor:
        return self.log_prior.expand(len(names), -1).clone()  # (N, C)


def ngrams(name: str, n_max: int = 4) -> list[str]:
    """All pieces of 1 to n_max letters of ^name$: 'abe' -> ^, a, b, e, $, ^a, ab, be, e$, ^ab, ..."""
    marked = f"^{name}$"
    return [marked[i:i + n] for n in range(1, n_max + 1) for i in range(len(marked) - n + 1)
            if marked[i:i + n] not in ("^", "$")]


class NgramBayes:
    """Multinomial naive Bayes: log P(label) + sum over the name's n-grams of log P(n-gram | label),
    with add-alpha smoothing. N-grams never seen in training are skipped."""

    def __init__(self, train_table: pd.DataFrame, labels: list[str], n_max: int = 4, alpha: float = 0.1):
        self.labels, self.n_max = list(labels), n_max
        targets = _targets(train_table, labels)
        self.vocabulary: dict[str, int] = {}
        rows, columns = [], []
        for name, target in zip(train_table["name"], targets.tolist()):
            for gram in ngrams(name, n_max):
                rows.append(target)
                columns.append(self.vocabulary.setdefault(gram, len(self.vocabulary)))
        counts = torch.zeros(len(labels), len(self.vocabulary))  # (C, G)
        counts.index_put_((torch.tensor(rows), torch.tensor(columns)), torch.ones(len(rows)), accumulate=True)
        smoothed = counts + alpha
        # (G, C): one row per n-gram, so a name's score is a sum of rows (an EmbeddingBag).
        self.log_likelihood = (smoothed / smoothed.sum(1, keepdim=True)).log().T.contiguous()
        self.log_prior = MajorityBaseline(train_table, labels).log_prior  # (C,)

    def scores(self, names: list[str]) -> torch.Tensor:
        indices, offsets = [], []
        for name in names:
            offsets.append(len(indices))
            indices += [self.vocabulary[g] for g in ngrams(name, self.n_max) if g in self.vocabulary]
        summed = torch.nn.functional.embedding_bag(
            torch.tensor(indices, dtype=torch.long), self.log_likelihood, torch.tensor(offsets, dtype=torch.long),
            mode="sum")  # (N, C)
        return summed + self.log_prior


Baseline = MajorityBaseline | NgramBayes


@dataclass
class BaselineResult:
    """The baselines' figures on the validation names, and how long fitting and scoring took."""

    scores: dict[str, Scores]  # "majority", "ngram"
    seconds: float


def fit_baselines(train_table: pd.DataFrame, labels: list[str]) -> dict[str, Baseline]:
    """The majority and the n-gram baseline, trained on the training names."""
    return {"majority": MajorityBaseline(train_table, labels), "ngram": NgramBayes(train_table, labels)}


def score_baselines(train_table: pd.DataFrame, val_table: pd.DataFrame, table: pd.DataFrame,
                    labels: list[str]) -> BaselineResult:
    """Train both baselines on train_table and score them on val_table; `table` (the whole clean
    table) says which names are listed under several labels."""
    started = time.perf_counter()
    names = val_table["name"].tolist()
    targets = _targets(val_table, labels)
    accepted = accepted_labels(names, table, labels)
    scores = {key: score(baseline.scores(names), targets, accepted)
              for key, baseline in fit_baselines(train_table, labels).items()}
    return BaselineResult(scores, time.perf_counter() - started)


@dataclass
class Comparison:
    """A model and the baselines, scored on the same validation names."""

    model: Scores
    baselines: BaselineResult
    scored_on: str  # which names, in words

    def frame(self) -> pd.DataFrame:
        """Rows model, majority, ngram; columns the metrics: for the page."""
        return comparison_frame({"model": self.model, **self.baselines.scores})

    def to_dict(self) -> dict:
        """The model's figures, then "baselines": {name: the same figures}: for --json."""
        return {**self.model.to_dict(), "scored_on": self.scored_on,
                "baselines": {name: s.to_dict() for name, s in self.baselines.scores.items()},
                "baselines_seconds": round(self.baselines.seconds, 3)}


def recorded_split(model, table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(training names, validation names, in words) of a clean table, split as the model's training
    split it (seed and fraction recorded in its metrics; the default split for older checkpoints).
    On the table it trained on, these are exactly the names it never saw."""
    from .config import TrainConfig

    defaults, split = TrainConfig(), model.record.get("split")
    split = split if isinstance(split, dict) else {}
    seed, fraction = split.get("seed", defaults.seed), split.get("val_fraction", defaults.val_fraction)
    if type(seed) is not int or seed < 0 or type(fraction) not in (int, float) or not 0.05 <= fraction <= 0.5:
        seed, fraction = defaults.seed, defaults.val_fraction  # a hand-edited header: the default split
    train_table, val_table = split_table(table, fraction, seed)
    return train_table, val_table, f"the validation split of the table (seed {seed}, {fraction:.0%} of each label)"


def compare(model, train_table: pd.DataFrame, val_table: pd.DataFrame,
            scored_on: str = "its validation names") -> Comparison:
    """Score a model on val_table beside baselines trained on train_table (both clean; together
    the whole table, which says which names are ambiguous)."""
    from .evaluate import evaluate  # evaluate imports the models; baselines need neither to train

    table = pd.concat([train_table, val_table], ignore_index=True)
    evaluation = evaluate(model, val_table, whole_table=table, already_clean=True)
    return Comparison(evaluation.scores, score_baselines(train_table, val_table, table, model.labels), scored_on)
