"""The unit explorer: which hidden units fire for which letters of which names.

Shapes: N names, B batch, T letters, U units of the top layer (H, or 2H when bidirectional:
forward units first, then backward ones), K kept examples per unit.

    scan = scan_units(model, table)       # one pass over the table, once per model
    selective_units(scan)                 # the units most tied to one label
    unit_examples(scan, 17)               # the letters that drive unit 17 highest, in context
    unit_on_name(model, "Kowalski", 17)   # unit 17 letter by letter on a typed name
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from rnn_demo.data import DataError, check_name, collate, one_hot
from rnn_demo.inside.cells import evaluating
from rnn_demo.inside.letters import SPACE  # how a space looks, so "de la" does not read as a gap
from rnn_demo.models import BidirectionalRNN, NameClassifier

BATCH = 512
KEEP = 50  # strongest (name, letter) positions kept per unit
MIN_LABEL_NAMES = 5  # a label with fewer names is too small to call a unit selective for it
CONTEXT = 3  # letters shown either side of a position


def unit_labels(model: NameClassifier) -> list[str]:
    """How units are called: h0, h1, ... or, bidirectional, →0 ... (forward) then ←0 ... (backward)."""
    H = model.config.hidden_size
    if isinstance(model, BidirectionalRNN):
        return [f"→{u}" for u in range(H)] + [f"←{u}" for u in range(H)]
    return [f"h{u}" for u in range(H)]


def check_unit(unit: int, count: int) -> int:
    """A unit number from 0 to count - 1; ValueError naming the range otherwise."""
    if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit < count:
        raise ValueError(f"unit must be a whole number from 0 to {count - 1}, not {unit!r}")
    return unit


@dataclass
class UnitScan:
    """One pass over a table: each name's peak per unit, and each unit's strongest positions."""

    names: list[str]  # normalised
    labels: list[str]
    unit_labels: list[str]  # (U,) h5 or →5 / ←5
    peaks: torch.Tensor  # (N, U) each name's highest activation of each unit
    top_values: torch.Tensor  # (U, K) the unit's highest activations over every letter of the table
    top_names: torch.Tensor  # (U, K) which name each one is in
    top_positions: torch.Tensor  # (U, K) at which letter (0-based)


@torch.no_grad()
def scan_units(model: NameClassifier, rows: pd.DataFrame, keep: int = KEEP) -> UnitScan:
    """Run every name of rows (columns name, label) and keep, per unit, what drives it highest."""
    if len(rows) == 0:
        raise DataError("the table has no names to scan")
    names = [check_name(name) for name in rows["name"]]
    device, U = next(model.parameters()).device, len(unit_labels(model))
    peaks, values = [], torch.full((U, 0), -float("inf"))
    where = torch.zeros(U, 0, dtype=torch.long)  # flat index name * T_MAX + position
    T_MAX = max(len(n) for n in names)
    with evaluating(model):
        for start in range(0, len(names), BATCH):
            padded, lengths, _ = collate([(one_hot(n), 0) for n in names[start:start + BATCH]])
            states = model.hidden_states(padded.to(device), lengths).cpu()  # (B, T, U), zeros after each name
            B, T, _ = states.shape
            alive = torch.arange(T) < lengths[:, None]  # (B, T): real letters, not padding
            states = states.masked_fill(~alive[:, :, None], -float("inf"))
            peaks.append(states.amax(dim=1))  # (B, U)
            flat = (start + torch.arange(B))[:, None] * T_MAX + torch.arange(T)  # (B, T) flat positions
            values = torch.cat([values, states.reshape(B * T, U).T], dim=1)  # (U, K + B*T)
            where = torch.cat([where, flat.reshape(1, -1).expand(U, -1)], dim=1)
            values, best = values.topk(min(keep, values.shape[1]), dim=1)  # (U, K)
            where = where.gather(1, best)
    return UnitScan(names, rows["label"].tolist(), unit_labels(model), torch.cat(peaks), values,
                    where // T_MAX, where % T_MAX)


def selective_units(scan: UnitScan, n: int = 10) -> pd.DataFrame:
    """The n units most tied to one label: unit, label, selectivity (how many standard deviations
    that label's mean peak lies above all names' mean peak), label_mean, mean, top_example."""
    labels = pd.Series(scan.labels)
    counts = labels.value_counts()
    big = [label for label in sorted(counts.index) if counts[label] >= MIN_LABEL_NAMES] or sorted(counts.index)
    by_label = torch.stack([scan.peaks[torch.tensor((labels == label).to_numpy())].mean(dim=0)
                            for label in big])  # (L, U) each label's mean peak
    mean, spread = scan.peaks.mean(dim=0), scan.peaks.std(dim=0).clamp_min(1e-6)  # (U,)
    best_mean, best = by_label.max(dim=0)  # (U,)
    selectivity = (best_mean - mean) / spread  # (U,)
    order = selectivity.argsort(descending=True, stable=True)[:n].tolist()
    return pd.DataFrame({
        "unit": order,
        "name": [scan.unit_labels[u] for u in order],
        "label": [big[best[u]] for u in order],
        "selectivity": selectivity[order].tolist(),
        "label_mean": best_mean[order].tolist(),
        "mean": mean[order].tolist(),
        "top_example": [_in_context(scan, u, 0)["shown"] for u in order],
    })


def _in_context(scan: UnitScan, unit: int, rank: int, context: int = CONTEXT) -> dict:
    """The rank-th strongest position of a unit, with the letters around it."""
    i, p = scan.top_names[unit, rank].item(), scan.top_positions[unit, rank].item()
    name = scan.names[i]
    before, letter, after = name[max(0, p - context):p], name[p], name[p + 1:p + 1 + context]
    return {"name": name, "label": scan.labels[i], "position": p, "before": before, "letter": letter,
            "after": after, "shown": f"{before}[{letter}]{after}".replace(" ", SPACE),
            "activation": scan.top_values[unit, rank].item()}


def unit_examples(scan: UnitScan, unit: int, n: int = 10, context: int = CONTEXT) -> pd.DataFrame:
    """The n (name, letter) positions that drive a unit highest, strongest first: name, label,
    position, before, letter, after, shown ("ows[k]i"), activation. ValueError for a bad unit."""
    check_unit(unit, len(scan.unit_labels))
    kept = int(torch.isfinite(scan.top_values[unit]).sum())
    return pd.DataFrame([_in_context(scan, unit, rank, context) for rank in range(min(n, kept))],
                        columns=["name", "label", "position", "before", "letter", "after", "shown", "activation"])


@torch.no_grad()
def unit_on_name(model: NameClassifier, name: str, unit: int) -> pd.DataFrame:
    """One unit, letter by letter, on a typed name: position, letter, shown ("1 k", "2 o", ...: one
    label per letter, so the two k's of "kowalski" stay two), activation.
    DataError for a bad name, ValueError for a bad unit."""
    clean, unit = check_name(name), check_unit(unit, len(unit_labels(model)))
    padded, lengths, _ = collate([(one_hot(clean), 0)])
    with evaluating(model):
        states = model.hidden_states(padded.to(next(model.parameters()).device), lengths)[0].cpu()  # (T, U)
    width = len(str(len(clean)))  # "01 k" ... "12 x": sorted as text, the labels keep the name's order
    shown = [f"{p + 1:0{width}d} {letter}" for p, letter in enumerate(clean.replace(" ", SPACE))]
    return pd.DataFrame({"position": range(len(clean)), "letter": list(clean), "shown": shown,
                         "activation": states[:, unit].tolist()})
