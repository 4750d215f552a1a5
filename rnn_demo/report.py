"""Which names a model's report is scored on, and the report itself.

A model is scored on its own validation names, which it never trained on: train() hands them over
in its DoneEvent, and the shipped model's are the default table's default split
(checkpoints/README.md). An uploaded model's split is unknown, so it is scored on the current table.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .data import DataError, clean_table
from .evaluate import Evaluation, evaluate
from .models import NameClassifier, count_parameters
from .train import DoneEvent, TrainConfig, split_for

DEFAULT_TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "names.csv"


def read_default_table() -> pd.DataFrame:
    """The project's own names table (data/names.csv) as strings, exactly as shipped."""
    return pd.read_csv(DEFAULT_TABLE_PATH, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def shipped_model_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The (training, validation) names of the shipped model: the default table's default split."""
    split = split_for(read_default_table(), TrainConfig())
    return split.train_rows, split.val_rows


def names_to_score(model: NameClassifier, val_table: pd.DataFrame | None,
                   table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """(names, what they are) for a model's report: its validation names when known, else the rows
    of `table` whose labels the model knows. Raises DataError when nothing is left to score."""
    if val_table is not None:
        return val_table, "its validation names"
    names, _ = clean_table(table)
    names = names[names["label"].isin(model.labels)]
    if names.empty:
        raise DataError("none of the table's labels are known to this model")
    return names, "the current table (an uploaded model's split is unknown)"


@dataclass
class ModelReport:
    evaluation: Evaluation
    scored_on: str  # which names, in words


def model_report(model: NameClassifier, val_table: pd.DataFrame | None, table: pd.DataFrame) -> ModelReport:
    """Evaluate a model on the names its report is scored on."""
    names, scored_on = names_to_score(model, val_table, table)
    # Clean already (a split of a clean table, or cleaned above): a language with one name still counts.
    return ModelReport(evaluate(model, names, already_clean=True), scored_on)


RUN_COLUMNS = ("arch", "cell", "hidden_size", "num_layers", "learning_rate", "val_accuracy",
               "val_macro_accuracy", "parameters", "seconds", "epochs_run")


def run_summary(config: TrainConfig, done: DoneEvent) -> dict:
    """One row of the compare table: a run's settings and results."""
    return {
        "arch": config.arch,
        "cell": config.cell,
        "hidden_size": config.hidden_size,
        "num_layers": config.num_layers,
        "learning_rate": config.learning_rate,
        "val_accuracy": done.val_accuracy,
        "val_macro_accuracy": done.val_macro_accuracy,
        "parameters": count_parameters(done.model),
        "seconds": done.seconds,
        "epochs_run": done.epochs_run,
    }
