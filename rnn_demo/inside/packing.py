"""What pad_sequence and pack_padded_sequence(enforce_sorted=False) do to a few names, laid out as
tables (the Packing tab). Shapes: B names, T longest length, V alphabet."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from torch.nn.utils.rnn import pack_padded_sequence

from rnn_demo.data import ALPHABET, DataError, check_name, collate, one_hot
from rnn_demo.inside.letters import PAD, readable


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
            "letters": " ".join(readable(ch) for ch in letters[start:start + size]),
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
    grid = pd.DataFrame([[readable(name[t]) if t < len(name) else PAD for t in range(T)] for name in clean],
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
