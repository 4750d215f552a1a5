"""TrainConfig: the hyperparameters of one training run, their checks, and a sentence on each
option that makes the network stronger (OPTIONS), shown by the page and the CLI help."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from . import limits
from .models import Architecture, ModelConfig

SCHEDULES = ("constant", "onecycle")
BALANCE_METHODS = ("weights", "logit-adjust")
KEEP_BEST = ("accuracy", "macro")

# The learning rate that suits each cell when the learner does not set one. The plain rnn cell
# overshoots at the GRU's 3e-3 (stacked rnn, classic set, 20 epochs: 0.779 against 0.805 at 1e-3).
DEFAULT_LEARNING_RATES = {"rnn": 1e-3, "gru": 3e-3, "lstm": 3e-3}


def default_learning_rate(cell: str) -> float:
    """The default Adam learning rate for a cell (rnn 1e-3, gru and lstm 3e-3)."""
    return DEFAULT_LEARNING_RATES.get(cell, 3e-3) if isinstance(cell, str) else 3e-3  # a bad cell is refused later


# One sentence on each option, for the page and the CLI help: prose, so it is data.
OPTIONS: dict[str, str] = tomllib.loads((Path(__file__).parent / "options.toml").read_text(encoding="utf-8"))


@dataclass
class TrainConfig(Architecture):
    """One training run: the network (Architecture's fields) and how to train it (these). The
    defaults train the default table well in about 20 s on a 2-core CPU."""

    epochs: int = 20
    batch_size: int = 64
    learning_rate: float | None = None  # Adam(W); None: default_learning_rate(cell)
    seed: int = 0  # one seed for the split, the initial weights and the batch order
    val_fraction: float = 0.15
    clip: float = 1.0  # max gradient norm: RNN gradients can explode over long names
    # Weight the loss so that rare labels count as much as common ones, and keep the epoch with the
    # best macro accuracy (what balancing is for) instead of the best plain accuracy.
    balance: bool = False
    max_seconds: float | None = None  # stop (keeping the best model) after this long
    # Options that make the network stronger (see OPTIONS); the defaults leave it as it was.
    weight_decay: float = 0.0  # > 0: AdamW
    label_smoothing: float = 0.0
    schedule: str = "constant"
    balance_method: str = "weights"  # with balance: weights | logit-adjust
    balance_strength: float = 1.0  # with balance: 0 changes nothing, 1 makes labels count equally
    keep_best: str | None = None  # accuracy | macro; None: macro with balance, else accuracy
    average: float = 0.0  # > 0: validate and keep a moving average of the weights with this decay
    # The wrong way round, for the leakage lesson (rnn_demo/lesson/honest.py): split the raw lines,
    # then drop duplicates within each side, so a name listed twice can sit in training and validation.
    split_before_dedup: bool = False

    def __post_init__(self):
        if self.learning_rate is None:
            self.learning_rate = default_learning_rate(self.cell)
        if self.keep_best is None:
            self.keep_best = "macro" if self.balance is True else "accuracy"
        super().__post_init__()  # raises with every problem at once

    def problems(self) -> list[str]:
        return super().problems() + _range_problems(self) + _option_problems(self)

    def model_config(self, labels: list[str]) -> ModelConfig:
        """The model this run trains, for these labels."""
        return ModelConfig(labels=list(labels), **{f.name: getattr(self, f.name) for f in fields(Architecture)})


def whole_number(field: str, value) -> int:
    """A form's or an API call's value for a whole-number field (5, 5.0, "5"), or ValueError naming the field."""
    number = real_number(field, value)
    if number != int(number):
        raise ValueError(f"{field} must be a whole number, not {value!r}")
    return int(number)


def real_number(field: str, value) -> float:
    """A form's or an API call's value for a number field, or ValueError naming the field (no NaN, no inf)."""
    try:
        if isinstance(value, bool) or value is None:
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{field} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{field} must be a finite number, not {value!r}")
    return number


def _number(value) -> bool:
    return type(value) in (int, float)  # not bool (an int in Python), not a string


def _whole(value) -> bool:
    return type(value) is int


def _range_problems(config: TrainConfig) -> list[str]:
    def bad(name, value, low, high):
        return f"{name} must be between {low} and {high}, not {value}"

    problems = []
    if not (_whole(config.epochs) and 1 <= config.epochs <= limits.MAX_EPOCHS):
        problems.append(bad("epochs", config.epochs, 1, limits.MAX_EPOCHS))
    if not (_whole(config.batch_size) and 1 <= config.batch_size <= limits.MAX_BATCH_SIZE):
        problems.append(bad("batch size", config.batch_size, 1, limits.MAX_BATCH_SIZE))
    if not (_number(config.learning_rate) and 0 < config.learning_rate <= limits.MAX_LEARNING_RATE):
        problems.append(f"learning rate must be above 0 and at most {limits.MAX_LEARNING_RATE}, "
                        f"not {config.learning_rate}")
    if not (_number(config.val_fraction) and 0.05 <= config.val_fraction <= 0.5):
        problems.append(bad("validation fraction", config.val_fraction, 0.05, 0.5))
    if not (_number(config.clip) and config.clip > 0):
        problems.append(f"gradient clip must be above 0, not {config.clip}")
    if config.max_seconds is not None and not (_number(config.max_seconds) and config.max_seconds > 0):
        problems.append(f"time limit must be above 0 seconds, not {config.max_seconds}")
    if not (_whole(config.seed) and 0 <= config.seed <= limits.MAX_SEED):
        problems.append(bad("seed", config.seed, 0, limits.MAX_SEED))
    return problems


def _option_problems(config: TrainConfig) -> list[str]:
    problems = []
    if not (_number(config.weight_decay) and 0 <= config.weight_decay <= 1):
        problems.append(f"weight decay must be between 0 and 1, not {config.weight_decay}")
    if not (_number(config.label_smoothing) and 0 <= config.label_smoothing < 1):
        problems.append(f"label smoothing must be in [0, 1), not {config.label_smoothing}")
    if config.schedule not in SCHEDULES:
        problems.append(f"schedule {config.schedule!r} is not one of {', '.join(SCHEDULES)}")
    if not (_number(config.average) and (config.average == 0 or 0.5 <= config.average < 1)):
        problems.append(f"weight averaging decay must be 0 (off) or in [0.5, 1), not {config.average}")
    if not (_number(config.balance_strength) and 0 <= config.balance_strength <= 2):
        problems.append(f"balance strength must be between 0 and 2, not {config.balance_strength}")
    if type(config.balance) is not bool:
        problems.append(f"balance must be True or False, not {config.balance!r}")
    if type(config.split_before_dedup) is not bool:
        problems.append(f"split before dedup must be True or False, not {config.split_before_dedup!r}")
    if config.keep_best not in KEEP_BEST:
        problems.append(f"keep best {config.keep_best!r} is not one of {', '.join(KEEP_BEST)}")
    if config.balance_method not in BALANCE_METHODS:
        problems.append(f"balance method {config.balance_method!r} is not one of {', '.join(BALANCE_METHODS)}")
    return problems
