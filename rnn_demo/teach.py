"""What the app's teaching views show: a name read letter by letter, padding and packing laid out,
the model's source, a compare-table row (the three classic mistakes are in mistakes.py).

Shapes: B batch, T time (letters), V alphabet, H hidden, C classes.

Every function returns plain tensors, dicts or DataFrames; the app only displays them.
Functions that take a model put it in eval mode and run it without gradients.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pandas as pd
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from .data import ALPHABET, DataError, check_name, collate, one_hot
from .models import MODEL_CLASSES, BidirectionalRNN, NameClassifier, count_parameters
from .train import DoneEvent, TrainConfig

PAD = "·"  # how a padding step looks in the grids
SPACE = "␣"  # how a space looks, so "de la" does not read as padding
MAX_UNITS_SHOWN = 32  # hidden units per direction in the letter-by-letter heat map

def _readable(text: str) -> str:
    return text.replace(" ", SPACE)


def model_batch(model: NameClassifier, clean_names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised names -> padded (B, T, V) on the model's device, lengths (B,) on the CPU."""
    padded, lengths, _ = collate([(one_hot(name), 0) for name in clean_names])
    return padded.to(next(model.parameters()).device), lengths


# ---------------------------------------------------------------------------------------------
# Letter by letter


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
    table = pd.DataFrame(probabilities[:, top].numpy(), index=[_readable(p) for p in prefixes],
                         columns=[model.labels[i] for i in top])

    states = model.hidden_states(*model_batch(model, [clean]))[0].cpu()  # (T, H) or (T, 2H)
    bidirectional = isinstance(model, BidirectionalRNN)
    rows = [f"{t} {_readable(ch)}" for t, ch in enumerate(clean, start=1)]
    return LetterByLetter(
        letters=list(clean),
        probabilities=table,
        hidden=_hidden_frame(states, rows, bidirectional),
        note=_hidden_note(bidirectional, model.config.hidden_size),
    )


# ---------------------------------------------------------------------------------------------
# Padding and packing


@dataclass
class PackingView:
    """What pad_sequence and pack_padded_sequence(enforce_sorted=False) do to a few names."""

    names: list[str]  # normalised, in the order given
    lengths: list[int]
    grid: pd.DataFrame  # rows: names; columns "t0".."t{T-1}"; a letter, or PAD after the name ends
    one_hot_shape: tuple[int, int, int]  # (B, T, V) of the padded tensor
    sorted_order: list[int]  # PackedSequence.sorted_indices: the names longest first
    batch_sizes: list[int]  # PackedSequence.batch_sizes: names still running at each step
    read_step: list[int]  # lengths - 1: the step whose output is each name's answer
    packed_table: pd.DataFrame  # rows: steps; the names in the packed batch and the letters they feed


def _packed_table(packed, clean: list[str]) -> pd.DataFrame:
    """One row per step: how many names run, which, and their letters decoded from packed.data."""
    letters = [ALPHABET[i] for i in packed.data.argmax(dim=1).tolist()]  # (sum of lengths,) rows of data
    order = packed.sorted_indices.tolist()
    rows, start = [], 0
    for size in packed.batch_sizes.tolist():
        rows.append({
            "batch size": size,
            "names": ", ".join(clean[i] for i in order[:size]),  # the longest names come first
            "letters": " ".join(_readable(ch) for ch in letters[start:start + size]),
        })
        start += size
    return pd.DataFrame(rows, index=[f"t{t}" for t in range(len(rows))])


def packing_view(names: list[str]) -> PackingView:
    """Pad a few names into one batch and pack it, showing every intermediate as a table."""
    if not names:
        raise DataError("give at least one name")
    clean = [check_name(name) for name in names]
    padded, lengths, _ = collate([(one_hot(name), 0) for name in clean])  # (B, T, V), (B,)
    T = padded.shape[1]
    grid = pd.DataFrame([[_readable(name[t]) if t < len(name) else PAD for t in range(T)] for name in clean],
                        index=clean, columns=[f"t{t}" for t in range(T)])
    # enforce_sorted=False: pack sorts by length itself and remembers how to undo it.
    packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
    return PackingView(
        names=clean,
        lengths=lengths.tolist(),
        grid=grid,
        one_hot_shape=tuple(padded.shape),
        sorted_order=packed.sorted_indices.tolist(),
        batch_sizes=packed.batch_sizes.tolist(),
        read_step=(lengths - 1).tolist(),
        packed_table=_packed_table(packed, clean),
    )


# ---------------------------------------------------------------------------------------------
# Source and comparison


def model_source(arch: str) -> str:
    """The source of an architecture's model class, then of the base class it builds on (which
    holds the final linear layer), so what learners read is one whole forward pass as it runs."""
    if arch not in MODEL_CLASSES:
        raise ValueError(f"architecture {arch!r} is not one of {', '.join(MODEL_CLASSES)}")
    return inspect.getsource(MODEL_CLASSES[arch]) + "\n\n" + inspect.getsource(NameClassifier)


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


# ---------------------------------------------------------------------------------------------
# An embedding is one-hot times a matrix


@dataclass
class EmbeddingLookup:
    name: str  # normalised
    one_hot: torch.Tensor  # (T, V)
    matrix: torch.Tensor  # (V, E): the embedding's weights, one row per symbol of the alphabet
    product: torch.Tensor  # (T, E): one_hot @ matrix
    rows: torch.Tensor  # (T, E): matrix[index of each letter]
    indices: list[int]  # each letter's column in the one-hot, i.e. its row in the matrix


def embedding_lookup(name: str, size: int = 4, seed: int = 0) -> EmbeddingLookup:
    """A name one-hot encoded, times a random (V, E) matrix, beside the rows picked by index: equal,
    because each one-hot row has a single 1. Raises DataError for a name without letters."""
    clean = check_name(name)
    x = one_hot(clean)  # (T, V)
    W = torch.randn(len(ALPHABET), size, generator=torch.Generator().manual_seed(seed))  # (V, E)
    indices = x.argmax(dim=1).tolist()
    return EmbeddingLookup(clean, x, W, x @ W, W[indices], indices)
