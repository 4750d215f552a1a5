"""A name as the model reads it, letter by letter: the prediction after each prefix and the top
layer's hidden state after each letter (the Letters tab).

Shapes: T letters, H hidden, C classes. The model is put in eval mode and run without gradients.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from rnn_demo.data import check_name
from rnn_demo.models import BidirectionalRNN, NameClassifier
from rnn_demo.predict import model_batch

PAD = "·"  # how a padding step looks in the grids
SPACE = "␣"  # how a space looks, so "de la" does not read as padding
MAX_UNITS_SHOWN = 32  # hidden units per direction in the letter-by-letter heat map


def readable(text: str) -> str:
    return text.replace(" ", SPACE)


@dataclass
class LetterByLetter:
    """A name as the model reads it: the prediction after each prefix and the hidden state per letter."""

    letters: list[str]  # the normalised name's letters
    # rows: prefixes "n", "na", ...; columns: the full name's top-k labels, then any label that leads after a
    # shorter prefix (so every row's first choice can be read in it)
    probabilities: pd.DataFrame
    hidden: pd.DataFrame  # rows: "1 n", "2 a", ...; columns: top-layer hidden units ("h0" or "→0", "←0")
    note: str  # how to read `hidden`


def _busiest_units(half: torch.Tensor) -> list[int]:
    """Indices of at most MAX_UNITS_SHOWN units of a (T, H) state, those that vary most over the letters."""
    if half.shape[1] <= MAX_UNITS_SHOWN:
        return list(range(half.shape[1]))
    spread = half.var(dim=0, unbiased=False)  # (H,); population variance: a 1-letter name gives 0, not NaN
    return sorted(spread.argsort(descending=True, stable=True)[:MAX_UNITS_SHOWN].tolist())


def _hidden_frame(states: torch.Tensor, rows: list[str], bidirectional: bool) -> pd.DataFrame:
    """(T, H) or (T, 2H) states -> DataFrame of the busiest units, one column per unit."""
    H = states.shape[1] // 2 if bidirectional else states.shape[1]
    halves = [("→", states[:, :H]), ("←", states[:, H:])] if bidirectional else [("h", states)]
    columns = {f"{arrow}{unit}": half[:, unit].tolist()
               for arrow, half in halves for unit in _busiest_units(half)}
    return pd.DataFrame(columns, index=rows)


def _hidden_note(bidirectional: bool, H: int) -> str:
    if bidirectional:
        note = ("→ units read left to right, ← units right to left. The classifier reads the forward half "
                "after the LAST letter (bottom row) and the backward half after the FIRST letter (top row, h_n), "
                "not the backward half at the last step, which has seen only the last letter.")
    else:
        note = "Each row is the top layer's state just after that letter; the classifier reads only the last row."
    if H > MAX_UNITS_SHOWN:
        note += f" Showing the {MAX_UNITS_SHOWN} of {H} units per direction that vary most across the letters."
    return note


@torch.no_grad()
def letter_by_letter(model: NameClassifier, name: str, k: int = 5) -> LetterByLetter:
    """The prediction as each letter arrives, and the top layer's hidden state after each letter."""
    model.eval()
    clean = check_name(name)
    T, k = len(clean), max(1, min(k, len(model.labels)))
    # Every prefix as one batch with lengths 1..T: row t is what the model says after t+1 letters.
    prefixes = [clean[:t] for t in range(1, T + 1)]
    probabilities = model(*model_batch(model, prefixes)).softmax(dim=1).cpu()  # (T, C)
    top = probabilities[-1].topk(k).indices.tolist()  # the full name's best labels, best first
    # ...and every label that leads after some prefix, so each row's first choice is one of the columns.
    top += [i for i in dict.fromkeys(probabilities.argmax(dim=1).tolist()) if i not in top]
    table = pd.DataFrame(probabilities[:, top].numpy(), index=[readable(p) for p in prefixes],
                         columns=[model.labels[i] for i in top])

    states = model.hidden_states(*model_batch(model, [clean]))[0].cpu()  # (T, H) or (T, 2H)
    bidirectional = isinstance(model, BidirectionalRNN)
    rows = [f"{t} {readable(ch)}" for t, ch in enumerate(clean, start=1)]
    return LetterByLetter(
        letters=list(clean),
        probabilities=table,
        hidden=_hidden_frame(states, rows, bidirectional),
        note=_hidden_note(bidirectional, model.config.hidden_size),
    )
