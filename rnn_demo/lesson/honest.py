"""Two ways the data makes a validation figure lie, as lessons the page can run in about a second.

Leakage, "split before removing duplicates": the classic set lists many names several times
(Arabic: 2,000 lines, ~108 distinct names). Split the raw lines first and the same name lands on
both sides: the validation set then partly tests memory, not generalisation. leakage_lesson()
scores a classifier both ways and shows how much each language's accuracy inflates.

Imbalance: half the classic set is Russian, so always answering "Russian" is right half the time
while knowing nothing. imbalance_lesson() shows the label counts, that majority baseline, and the
trade between accuracy and macro accuracy as a logit adjustment takes the prior out of the scores.

Both run on the n-gram baseline (rnn_demo.baselines), which trains in about a second: the
inflation and the trade are properties of the data, which any classifier that can memorise shows.
The same switch exists for the RNN (TrainConfig.split_before_dedup) and the same curve for a
trained model (model_logit_curve). Shapes: N names, C classes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
import torch

from rnn_demo import limits
from rnn_demo.baselines import MajorityBaseline, NgramBayes, _targets
from rnn_demo.data import check_name, clean_table, leaky_split, normalised_rows, split_table  # noqa: F401 (the lesson's own)
from rnn_demo.evaluate import Scores, accepted_labels, score

STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)


def _ngram_per_label(train_rows: pd.DataFrame, val_rows: pd.DataFrame, table: pd.DataFrame, labels: list[str]):
    """(Scores, per-label accuracy (C,)) of the n-gram baseline trained on one split."""
    names, targets = val_rows["name"].tolist(), _targets(val_rows, labels)
    scores = NgramBayes(train_rows, labels).scores(names)
    correct = (scores.argmax(1) == targets).float()
    per_label = torch.tensor([correct[targets == c].mean().item() if (targets == c).any() else float("nan")
                              for c in range(len(labels))])
    return score(scores, targets, accepted_labels(names, table, labels)), per_label


@dataclass
class LeakageLesson:
    overall: pd.DataFrame  # rows: honest, leaky; columns: the metrics
    per_label: pd.DataFrame  # label, validation names (both ways), share seen in training, accuracies, inflation
    seen_in_training: float  # share of the leaky validation names that are also training names
    seconds: float


def leakage_lesson(raw: pd.DataFrame, val_fraction: float = 0.15, seed: int = 0) -> LeakageLesson:
    """The n-gram baseline scored after the right split (remove duplicates, then split) and after the
    wrong one (split, then remove duplicates): how much validation accuracy inflates, per language."""
    started = time.perf_counter()
    table, report = clean_table(raw)
    labels = report.labels
    honest_train, honest_val = split_table(table, val_fraction, seed)
    leaky_train, leaky_val = leaky_split(raw, val_fraction, seed)
    honest, honest_per_label = _ngram_per_label(honest_train, honest_val, table, labels)
    leaky, leaky_per_label = _ngram_per_label(leaky_train, leaky_val, table, labels)
    seen = leaky_val.merge(leaky_train.drop_duplicates(), how="left", indicator=True)["_merge"].eq("both")
    per_label = pd.DataFrame({
        "label": labels,
        "val_names_honest": [int((honest_val["label"] == label).sum()) for label in labels],
        "val_names_leaky": [int((leaky_val["label"] == label).sum()) for label in labels],
        "seen_in_training": [seen[leaky_val["label"].to_numpy() == label].mean() for label in labels],
        "accuracy_honest": honest_per_label.tolist(),
        "accuracy_leaky": leaky_per_label.tolist(),
    })
    per_label["inflation"] = per_label["accuracy_leaky"] - per_label["accuracy_honest"]
    overall = pd.DataFrame([{"split": "honest", **honest.to_dict()}, {"split": "leaky", **leaky.to_dict()}])
    return LeakageLesson(overall, per_label.sort_values("inflation", ascending=False, ignore_index=True),
                         float(seen.mean()), time.perf_counter() - started)


def logit_adjustment_curve(scores: torch.Tensor, targets: torch.Tensor, log_prior: torch.Tensor,
                           strengths=STRENGTHS) -> pd.DataFrame:
    """(strength, accuracy, macro_accuracy) for scores (N, C) - strength * log_prior (C,): at 0 the
    scores as they are; at 1 a classifier's learned head start for common labels is taken out."""
    points = []
    for strength in strengths:
        s = score(scores - strength * log_prior, targets)
        points.append({"strength": float(strength), "accuracy": s.accuracy, "macro_accuracy": s.macro_accuracy})
    return pd.DataFrame(points)


@dataclass
class ImbalanceLesson:
    counts: pd.DataFrame  # label, names, share; biggest first
    majority: Scores  # always the biggest label, on the validation names
    curve: pd.DataFrame  # strength, accuracy, macro_accuracy (n-gram baseline)
    seconds: float


def imbalance_lesson(table: pd.DataFrame, val_fraction: float = 0.15, seed: int = 0,
                     strengths=STRENGTHS, splits: int = 1) -> ImbalanceLesson:
    """Label counts, the majority baseline and the accuracy / macro-accuracy trade of the n-gram
    baseline under logit adjustment, on the table's standard split. With `splits` > 1, the validation
    names of that many splits (seeds seed, seed + 1, ...) are pooled: a small table's one split holds
    a name or two of each small label, too few for macro accuracy to move by less than a whole name."""
    started = time.perf_counter()
    table, report = clean_table(table)
    labels = report.labels
    names, targets, majority_scores, ngram_scores = [], [], [], []
    for split_seed in range(seed, seed + splits):
        train_rows, val_rows = split_table(table, val_fraction, split_seed)
        majority = MajorityBaseline(train_rows, labels)  # the same prior each time: the split is stratified
        names += val_rows["name"].tolist()
        targets.append(_targets(val_rows, labels))
        majority_scores.append(majority.scores(val_rows["name"].tolist()))
        ngram_scores.append(NgramBayes(train_rows, labels).scores(val_rows["name"].tolist()))
    targets = torch.cat(targets)
    counts = pd.DataFrame({"label": labels, "names": [report.counts[label] for label in labels]})
    counts["share"] = counts["names"] / counts["names"].sum()
    return ImbalanceLesson(
        counts.sort_values("names", ascending=False, ignore_index=True),
        score(torch.cat(majority_scores), targets, accepted_labels(names, table, labels)),
        logit_adjustment_curve(torch.cat(ngram_scores), targets, majority.log_prior, strengths),
        time.perf_counter() - started,
    )


def model_logit_curve(model, train_table: pd.DataFrame, val_table: pd.DataFrame,
                      strengths=STRENGTHS) -> pd.DataFrame:
    """The same curve for a trained model (e.g. DoneEvent.train_table / val_table): its validation
    logits once, then shifted by each strength times the training log-prior. About a second."""
    from rnn_demo.data import NamesDataset, make_loader
    from rnn_demo.evaluate import all_logits

    loader = make_loader(NamesDataset(val_table, model.labels), 512)
    logits, targets = all_logits(model, loader, next(model.parameters()).device)
    return logit_adjustment_curve(logits, targets, MajorityBaseline(train_table, model.labels).log_prior, strengths)


def with_repeats(table: pd.DataFrame, share: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """A copy of the clean table where `share` of its names are listed 2 to 4 times, as the classic
    set lists many names: what the leakage lesson needs to show anything on a table without repeats.
    Its first rows are the clean table itself, so the right order (remove duplicates, then split)
    finds exactly the table's own split. Raises DataError for a bad table, naming its own rows."""
    table, _ = clean_table(table)
    generator = torch.Generator().manual_seed(seed)
    chosen = (torch.rand(len(table), generator=generator) < share).numpy()  # (N,) names to repeat
    times = torch.randint(1, 4, (len(table),), generator=generator).numpy()  # (N,) extra copies: 1 to 3
    extra = table.loc[table.index[chosen].repeat(times[chosen])]
    extra = extra.iloc[:max(0, limits.MAX_ROWS - len(table))]  # the copy is a table too: within the limit
    return pd.concat([table, extra], ignore_index=True)


def long_tailed(table: pd.DataFrame, ratio: float = 0.75, smallest: int = 8, seed: int = 0) -> pd.DataFrame:
    """A copy of the clean table whose labels fall off geometrically (the biggest kept whole, each next
    one `ratio` times the one before, at least `smallest` names): an imbalanced table from a balanced
    one. Raises DataError for a bad table, naming its own rows."""
    table, _ = clean_table(table)
    counts = table["label"].value_counts()  # biggest first; ties in order of first appearance
    parts = []
    for rank, label in enumerate(counts.index):
        rows = table[table["label"] == label]
        keep = max(smallest, round(counts.iloc[0] * ratio ** rank))
        parts.append(rows.sample(n=min(keep, len(rows)), random_state=seed))
    return pd.concat(parts, ignore_index=True)
