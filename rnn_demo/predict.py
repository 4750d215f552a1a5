"""Top-k languages for names, with probabilities.

Shapes: B names in a batch, T letters, V alphabet, C classes.
"""

from __future__ import annotations

import torch

from . import limits
from .data import DataError, check_name, collate, one_hot
from .models import NameClassifier


@torch.no_grad()
def predict(model: NameClassifier, names: list[str], k: int = 5,
            batch_size: int = 512) -> list[list[tuple[str, float]]]:
    """For each name, its k most likely labels with probabilities, best first.

    Raises DataError for a name we cannot read. A batch gives the same numbers as one name at a
    time: packing (or masking) keeps padding out of every name's state.
    """
    if isinstance(names, str):  # a str is a list of letters: predict would classify each one
        raise DataError(f"predict takes a list of names, not one string: use [{names[:30]!r}]")
    clean = [check_name(name) for name in names]
    k = max(1, min(k, len(model.labels)))
    device = next(model.parameters()).device
    model.eval()
    results = []
    for start in range(0, len(clean), batch_size):
        chunk = clean[start:start + batch_size]
        padded, lengths, _ = collate([(one_hot(name), 0) for name in chunk])  # (B, T, V), (B,)
        probabilities = model(padded.to(device), lengths).softmax(dim=1).cpu()  # (B, C)
        top, index = probabilities.topk(k, dim=1)  # (B, k) each
        results += [
            [(model.labels[i], p) for i, p in zip(row_index.tolist(), row_top.tolist())]
            for row_top, row_index in zip(top, index)
        ]
    return results


def parse_names(text: str | list[str], limit: int = limits.MAX_CLASSIFY_NAMES) -> list[str]:
    """Names typed one per line or separated by commas -> list of names, blanks skipped.

    The one parser for the app's boxes and the CLI's arguments (a comma never occurs in a name)."""
    # Typed text: skip blank lines. Arguments (a list): each one was meant as a name, so a blank
    # one stays and is reported as a blank name by predict().
    lines = [str(item) for item in text] if isinstance(text, (list, tuple)) else str(text or "").splitlines()
    names = [part.strip() for line in lines for part in (line.split(",") if "," in line else [line])
             if part.strip() or isinstance(text, (list, tuple))]
    if not names:
        raise DataError("type a name first")
    if len(names) > limit:
        raise DataError(f"{len(names)} names; the limit is {limit} at once")
    return names


def model_batch(model: NameClassifier, clean_names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised names -> padded (B, T, V) on the model's device, lengths (B,) on the CPU."""
    padded, lengths, _ = collate([(one_hot(name), 0) for name in clean_names])
    return padded.to(next(model.parameters()).device), lengths
