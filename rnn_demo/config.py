"""TrainConfig: the settings of one training run (declared in settings.py) and what follows from
them: the learning rate that suits the cell, the epoch that is kept, the model it trains."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from . import settings
from .models import Architecture, ModelConfig
from .settings import OPTIONS  # noqa: F401  (re-exported: a sentence on each option)

# The learning rate that suits each cell when the learner does not set one. The plain rnn cell
# overshoots at the GRU's 3e-3 (stacked rnn, classic set, 20 epochs: 0.779 against 0.805 at 1e-3).
DEFAULT_LEARNING_RATES = {"rnn": 1e-3, "gru": 3e-3, "lstm": 3e-3}


def default_learning_rate(cell: str) -> float:
    """The default Adam learning rate for a cell (rnn 1e-3, gru and lstm 3e-3)."""
    return DEFAULT_LEARNING_RATES.get(cell, 3e-3) if isinstance(cell, str) else 3e-3  # a bad cell is refused later


@dataclass
@settings.declared(model=False)
class TrainConfig(Architecture):
    """One training run: the network (Architecture's fields) and how to train it (the settings.py
    rows not marked `model`: epochs, batch_size, learning_rate, seed, balance, ...). The defaults
    train the default table well in about 20 s on a 2-core CPU."""

    def __post_init__(self):
        if self.learning_rate is None:
            self.learning_rate = default_learning_rate(self.cell)
        if self.keep_best is None:  # balancing is for macro accuracy: keep the epoch that has the most
            self.keep_best = "macro" if self.balance is True else "accuracy"
        super().__post_init__()  # raises with every problem at once

    def problems(self) -> list[str]:
        return super().problems() + settings.problems(self, model=False)

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
