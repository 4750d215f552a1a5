"""The model's own source, as the page shows it beside the classify box."""

from __future__ import annotations

import inspect

from rnn_demo.models import MODEL_CLASSES, NameClassifier


def model_source(arch: str) -> str:
    """The source of an architecture's model class, then of the base class it builds on (which
    holds the final linear layer), so what learners read is one whole forward pass as it runs."""
    if arch not in MODEL_CLASSES:
        raise ValueError(f"architecture {arch!r} is not one of {', '.join(MODEL_CLASSES)}")
    return inspect.getsource(MODEL_CLASSES[arch]) + "\n\n" + inspect.getsource(NameClassifier)
