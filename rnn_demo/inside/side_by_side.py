"""Cells side by side: one name read by an RNN, a GRU and an LSTM trained on the same table, their
updates letter by letter, each with its cell's equations.

The three small models ship in checkpoints/cells/ (one layer, hidden 64, trained on data/names.csv;
checkpoints/README.md says how to rebuild them), so the view needs no training.

Shapes: T letters, H hidden, C classes.

    view = side_by_side("Kowalski")
    view.columns["gru"][3].parts["z"]   # mean and norm of the GRU's update gate at letter 4
    view.frame                          # cell, position, letter, step ‖h_t − h_{t−1}‖, guess, probability
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import torch

from rnn_demo.checkpoints import DEFAULT_CHECKPOINT, load_checkpoint
from rnn_demo.data import check_name, one_hot
from rnn_demo.inside.cells import FORMULAS, evaluating, layer_weights, run_layer
from rnn_demo.inside.letters import readable
from rnn_demo.models import NameClassifier

CELL_FOLDER = Path(DEFAULT_CHECKPOINT).parent / "cells"
CELLS = ("rnn", "gru", "lstm")
# What each vector's mean says, in a few words (the gates lie in [0, 1]).
MEANING = {"z": "share of the old state kept", "r": "share of the old state the candidate reads",
           "f": "share of the cell state kept", "i": "share of the candidate written", "o": "share of the cell shown"}


@lru_cache(maxsize=1)
def cell_models() -> dict[str, NameClassifier]:
    """The three shipped models, loaded once (read-only: nothing trains them)."""
    return {cell: load_checkpoint(CELL_FOLDER / f"{cell}.safetensors").eval() for cell in CELLS}


@dataclass
class CellStep:
    """One cell's update at one letter."""

    position: int  # 0-based
    letter: str
    parts: dict[str, tuple[float, float]]  # vector name -> (mean over the H units, ‖vector‖)
    moved: float  # ‖h_t − h_{t−1}‖
    guess: str  # the answer if the name ended here
    probability: float


@dataclass
class SideBySide:
    name: str  # normalised
    letters: list[str]
    columns: dict[str, list[CellStep]]  # cell -> one step a letter
    formulas: dict[str, list[tuple[str, str]]]  # cell -> FORMULAS[cell]
    accuracy: dict[str, float]  # cell -> the model's validation accuracy on its table
    frame: pd.DataFrame  # cell, position, letter, step, guess, probability: for the plot


@torch.no_grad()
def _steps(model: NameClassifier, clean: str) -> list[CellStep]:
    cell = model.config.cell
    (w,) = layer_weights(model)  # one layer, one direction: the models are small on purpose
    with evaluating(model):
        inputs = model.inputs(one_hot(clean)[None])  # (1, T, V)
        steps, h = [], torch.zeros(1, model.config.hidden_size)
        for t, update in run_layer(cell, w, inputs):
            probabilities = model.to_logits(update.h, update.h[:, None], torch.tensor([1]))[0].softmax(dim=0)  # (C,)
            best = int(probabilities.argmax())
            parts = {name: (value.mean().item(), value.norm().item()) for name, value in update.parts}
            steps.append(CellStep(t, clean[t], parts, (update.h - h).norm().item(), model.labels[best],
                                  probabilities[best].item()))
            h = update.h
    return steps


def side_by_side(name: str, models: dict[str, NameClassifier] | None = None) -> SideBySide:
    """The name through each cell's model. Raises DataError for a name we cannot read."""
    clean = check_name(name)
    models = models or cell_models()
    columns = {cell: _steps(model, clean) for cell, model in models.items()}
    rows = [(cell, s.position + 1, readable(s.letter), s.moved, s.guess, s.probability)
            for cell, steps in columns.items() for s in steps]
    return SideBySide(clean, list(clean), columns, {cell: FORMULAS[cell] for cell in models},
                      {cell: float(m.record.get("val_accuracy", float("nan"))) for cell, m in models.items()},
                      pd.DataFrame(rows, columns=["cell", "position", "letter", "step", "guess", "probability"]))
