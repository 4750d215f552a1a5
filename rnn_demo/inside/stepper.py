"""LetterStep through a name: every update of every cell, with the model's own weights, in the order the
running code makes them.

Shapes: T letters, V alphabet, H hidden, C classes.

    view = step_through(model, "Kowalski")
    for step in view.steps:           # manual: letter by letter, each letter up through the layers
        step.update, step.prediction  # stacked: layer by layer, as nn.RNN runs inside
                                      # bidirectional: forward pass, backward pass, then the read

The numbers come from rnn_demo.inside.cells (the cell equations by hand); the last step's state equals the
model's own hidden state. Steps show a handful of units of every vector, and the whole vector's norm.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from rnn_demo.data import LETTER_INDEX, V, check_name, one_hot
from rnn_demo.inside.cells import FORMULAS, CellUpdate, LayerWeights, cell_update, evaluating, layer_weights
from rnn_demo.inside.source import model_source
from rnn_demo.models import BidirectionalRNN, ManualRNN, NameClassifier, StackedRNN

UNITS_SHOWN = 8  # units per vector in the bars: those that vary most over the name
FORWARD, BACKWARD = "→", "←"


@dataclass
class Vector:
    """A few units of one vector of the update, and the size of the whole vector."""

    name: str  # "z", "h_t", "h_{t-1}", ...
    formula: str  # how it is computed, in words and symbols
    units: list[int]  # which units `values` shows
    values: list[float]
    norm: float  # ‖whole vector‖₂ (all H units)


@dataclass
class LetterStep:
    """One update of one cell (or, last for a bidirectional model, what the classifier reads)."""

    number: int  # 0-based, in playing order
    phase: str  # "forward" | "backward" | "read"
    layer: int  # 0 reads the letters
    direction: str  # FORWARD or BACKWARD ("" for the read)
    position: int  # the letter's index in the name (0-based)
    letter: str
    input_index: int | None  # the one-hot column entering (layer 0); None above it
    input_note: str  # what enters, in words
    update: list[Vector]  # the cell's vectors in the order computed; the read: the two halves
    h_before: Vector | None  # None for the read
    h_after: Vector | None
    c_before: Vector | None  # lstm cell state; None for rnn and gru
    c_after: Vector | None
    prediction: pd.DataFrame | None  # label, probability: the answer as it stands (None until the top layer has one)
    prediction_note: str  # why there is no prediction at this step ("" when there is one)
    guess: str | None  # the most likely label at this step
    source_lines: list[int]  # 1-based lines of `StepThrough.source` that run this step
    explanation: str

    def bars(self) -> pd.DataFrame:
        """The update as a long table for a bar plot: vector, unit, value."""
        rows = [(v.name, f"{self.direction}{u}", value) for v in self.update for u, value in zip(v.units, v.values)]
        return pd.DataFrame(rows, columns=["vector", "unit", "value"])


@dataclass
class StepThrough:
    """A name read step by step by one model."""

    name: str  # normalised
    arch: str
    cell: str
    letters: list[str]
    steps: list[LetterStep]
    source: str  # model_source(arch): what `LetterStep.source_lines` point into
    probabilities: pd.DataFrame  # label, probability: the model's own answer for the whole name


def _vector(name: str, formula: str, value: torch.Tensor, units: list[int]) -> Vector:
    value = value.reshape(-1)  # (H,)
    return Vector(name, formula, list(units), value[units].tolist(), value.norm().item())


def _busiest(states: torch.Tensor, n: int) -> list[int]:
    """The n units of (T, H) states that vary most over the letters, in unit order."""
    spread = states.var(dim=0, unbiased=False)  # (H,); a 1-letter name gives 0, not NaN
    return sorted(spread.argsort(descending=True, stable=True)[:n].tolist())


def _lines(source: str, *needles: str) -> list[int]:
    """1-based numbers of the source lines that contain any needle (none if the code was edited)."""
    return [i for i, line in enumerate(source.splitlines(), start=1) if any(n in line for n in needles)]


@dataclass
class _Cell:
    """One computed update, before it is laid out as a LetterStep."""

    w: LayerWeights
    t: int
    x: torch.Tensor  # (In,)
    h: torch.Tensor  # (H,) before
    c: torch.Tensor | None
    update: CellUpdate


def _run_all(model: NameClassifier, clean: str) -> dict[tuple[int, bool], list[_Cell]]:
    """Every layer and direction over the name, in each one's reading order."""
    cell, H = model.config.cell, model.config.hidden_size
    letters = one_hot(clean)[None].to(next(model.parameters()).device)  # (1, T, V)
    inputs = model.inputs(letters)[0]  # (T, V), or (T, E) with an embedding: what layer 0 reads
    runs: dict[tuple[int, bool], list[_Cell]] = {}
    for w in layer_weights(model):
        if w.layer > 0 and not w.reverse:  # the layer below's states, both directions side by side
            below = [runs[(w.layer - 1, r)] for r in (False, True) if (w.layer - 1, r) in runs]
            inputs = torch.cat([torch.stack([s.update.h[0] for s in sorted(run, key=lambda s: s.t)])
                                for run in below], dim=1)  # (T, H) or (T, 2H)
        h = inputs.new_zeros(1, H)
        c = inputs.new_zeros(1, H) if cell == "lstm" else None
        run = []
        for t in (reversed(range(len(clean))) if w.reverse else range(len(clean))):
            update = cell_update(cell, w, inputs[t:t + 1], h, c)
            run.append(_Cell(w, t, inputs[t], h[0], None if c is None else c[0], update))
            h, c = update.h, update.c
        runs[(w.layer, w.reverse)] = run
    return runs


def _play_order(model: NameClassifier, runs: dict[tuple[int, bool], list[_Cell]]) -> list[_Cell]:
    """Manual: letter by letter, each letter up through the layers (the loop's order). nn.RNN:
    layer by layer, the forward direction before the backward one."""
    if isinstance(model, ManualRNN):
        return [run[t] for t in range(len(runs[(0, False)])) for run in runs.values()]
    return [cell for run in runs.values() for cell in run]


def _explain(model: NameClassifier, cell: _Cell, T: int, letter: str, source: str) -> tuple[list[int], str]:
    """The source lines that make this update, and one sentence on what the code does here."""
    i, where = cell.w.layer, f"letter {cell.t + 1} of {T} ({letter!r})"
    if isinstance(model, ManualRNN):
        needles = ["cell(x, (h[i], c[i]))", "c[i] = torch.where"] if model.config.cell == "lstm" else ["cell(x, h[i])"]
        feed = "x = padded[:, t]" if i == 0 else "x = h[i]"  # layer 0 reads the letter, the others the layer below
        lines = _lines(source, feed, "h[i] = torch.where", *needles)
        return lines, (f"Loop body, {where}, layer {i}: the cell updates h[{i}], and torch.where keeps the "
                       "update because this name has not ended.")
    layer_class = type(model.rnn).__name__
    lines = _lines(source, "self.rnn(packed)")
    if isinstance(model, StackedRNN):
        then = (f"before layer {i + 1} reads its outputs" if i + 1 < model.config.num_layers
                else "(the top layer: the classifier reads its last state)")
        return lines, f"Inside self.rnn(packed), nn.{layer_class} runs layer {i} over the whole name {then}; {where}."
    way = "backward, right to left" if cell.w.reverse else "forward, left to right"
    return lines, f"Inside self.rnn(packed), nn.{layer_class} layer {i}, {way}: {where}."


def _prediction_note(model: NameClassifier, cell: _Cell) -> str:
    """Why a step has no prediction yet: the classifier reads only the top layer (and, bidirectional,
    only once both directions have read the whole name)."""
    top = model.config.num_layers - 1
    if isinstance(model, BidirectionalRNN):
        return ("No prediction yet: the classifier reads the forward state after the last letter and the "
                "backward state after the first, so the answer appears at the last step, once both directions "
                "have read the whole name.")
    when = "once this letter reaches" if isinstance(model, ManualRNN) else "from the steps of"
    return (f"No prediction yet: this step is in layer {cell.w.layer} of a model with {top + 1} layers (0 to "
            f"{top}). The classifier reads only the top layer, so a prediction appears {when} layer {top}.")


def _input_note(model: NameClassifier, cell: _Cell, letter: str) -> str:
    index = LETTER_INDEX[letter]
    if cell.w.layer == 0 and model.embed is not None:
        return (f"letter {letter!r} (one-hot column {index} of {V}) through the embedding: row {index}, "
                f"{cell.x.numel()} numbers")
    if cell.w.layer == 0:
        return f"one-hot column {index} of {V} ({letter!r}): W_ih x_t picks column {index} of W_ih"
    sides = "forward and backward states" if isinstance(model, BidirectionalRNN) else "state"
    return f"layer {cell.w.layer - 1}'s {sides} at {letter!r} (‖x_t‖ = {cell.x.norm().item():.3f})"


@dataclass
class _Context:
    """What every step of one name shares."""

    model: NameClassifier
    clean: str
    source: str
    units: dict[tuple[int, bool], list[int]]  # (layer, reverse) -> units shown
    top: torch.Tensor  # (T, F): the top layer's state at each letter (both directions side by side)
    shown: list[int]  # labels shown in every prediction: the whole name's best k

    def prediction(self, last: torch.Tensor, letters: int) -> tuple[pd.DataFrame, str]:
        """The classifier on `last` (F,) after `letters` letters (pooling reads their states)."""
        states = self.top[:letters][None]  # (1, letters, F)
        probabilities = self.model.to_logits(last[None], states, torch.tensor([letters]))[0].softmax(dim=0)  # (C,)
        frame = pd.DataFrame({"label": [self.model.labels[i] for i in self.shown],
                              "probability": probabilities[self.shown].tolist()})
        return frame, self.model.labels[int(probabilities.argmax())]


def _step(context: _Context, number: int, cell: _Cell) -> LetterStep:
    """Lay one computed update out as a LetterStep."""
    model, units = context.model, context.units[(cell.w.layer, cell.w.reverse)]
    name_of = dict(FORMULAS[model.config.cell])
    update = [_vector(name, name_of[name], value, units) for name, value in cell.update.parts]
    prediction, guess = None, None
    if cell.w.layer == model.config.num_layers - 1 and not isinstance(model, BidirectionalRNN):
        # A one-direction model could answer now: its classifier on the top layer's state so far.
        prediction, guess = context.prediction(cell.update.h[0], cell.t + 1)
    lstm, letter = model.config.cell == "lstm", context.clean[cell.t]
    lines, explanation = _explain(model, cell, len(context.clean), letter, context.source)
    return LetterStep(
        number=number, phase="backward" if cell.w.reverse else "forward", layer=cell.w.layer,
        direction=BACKWARD if cell.w.reverse else FORWARD, position=cell.t, letter=letter,
        input_index=LETTER_INDEX[letter] if cell.w.layer == 0 else None,
        input_note=_input_note(model, cell, letter), update=update,
        h_before=_vector("h_{t-1}", "the state before this letter", cell.h, units),
        h_after=_vector("h_t", name_of["h"], cell.update.h, units),
        c_before=_vector("c_{t-1}", "the cell state before this letter", cell.c, units) if lstm else None,
        c_after=_vector("c_t", name_of["c"], cell.update.c, units) if lstm else None,
        prediction=prediction, prediction_note="" if prediction is not None else _prediction_note(model, cell),
        guess=guess, source_lines=lines, explanation=explanation,
    )


def _ends(model: NameClassifier, runs) -> list[torch.Tensor]:
    """The top layer's last state per direction: after the last letter (forward), the first (backward)."""
    top = model.config.num_layers - 1
    return [runs[(top, r)][-1].update.h[0] for r in (False, True) if (top, r) in runs]  # (H,) each


def _read_step(context: _Context, number: int, runs) -> LetterStep:
    """Bidirectional: the classifier reads the forward state after the last letter and the backward
    state after the first one (nn.RNN's h_n[-2] and h_n[-1])."""
    model, clean, top = context.model, context.clean, context.model.config.num_layers - 1
    forward, backward = _ends(model, runs)
    halves = [_vector("h_n[-2]", "forward state after the last letter", forward, context.units[(top, False)]),
              _vector("h_n[-1]", "backward state after the first letter", backward, context.units[(top, True)])]
    prediction, guess = context.prediction(torch.cat([forward, backward]), len(clean))
    return LetterStep(
        number=number, phase="read", layer=top, direction="", position=len(clean) - 1, letter=clean[-1],
        input_index=None, input_note="no new letter: both directions have read the whole name",
        update=halves, h_before=None, h_after=None, c_before=None, c_after=None, prediction=prediction,
        prediction_note="", guess=guess,
        source_lines=_lines(context.source, "torch.cat([h_n[-2], h_n[-1]]", "self.to_logits(both"),
        explanation=("The classifier reads the forward half after the LAST letter and the backward half after the "
                     "FIRST letter, joined into one 2H vector: torch.cat([h_n[-2], h_n[-1]])."),
    )


def _top_states(model: NameClassifier, runs) -> torch.Tensor:
    """(T, H) or (T, 2H): the top layer's state at each letter, in letter order."""
    top = model.config.num_layers - 1
    halves = [sorted(runs[(top, r)], key=lambda s: s.t) for r in (False, True) if (top, r) in runs]
    return torch.cat([torch.stack([s.update.h[0] for s in half]) for half in halves], dim=1)


@torch.no_grad()
def step_through(model: NameClassifier, name: str, k: int = 5, units_shown: int = UNITS_SHOWN) -> StepThrough:
    """Every update a model makes while it reads a name, in the order its code makes them.

    Raises DataError for a name we cannot read."""
    clean = check_name(name)
    if not (isinstance(units_shown, int) and units_shown >= 1):
        raise ValueError(f"units shown must be a whole number >= 1, not {units_shown!r}")
    with evaluating(model):  # no dropout anywhere: the classifier's feature dropout included
        runs = _run_all(model, clean)
        units = {key: _busiest(torch.stack([s.update.h[0] for s in run]), units_shown) for key, run in runs.items()}
        context = _Context(model, clean, model_source(model.config.arch), units, _top_states(model, runs), [])
        probabilities = model.to_logits(torch.cat(_ends(model, runs))[None], context.top[None],
                                       torch.tensor([len(clean)]))[0].softmax(dim=0)  # (C,)
        context.shown = probabilities.topk(max(1, min(k, len(model.labels)))).indices.tolist()
        steps = [_step(context, n, cell) for n, cell in enumerate(_play_order(model, runs))]
        if isinstance(model, BidirectionalRNN):
            steps.append(_read_step(context, len(steps), runs))
    return StepThrough(
        name=clean, arch=model.config.arch, cell=model.config.cell, letters=list(clean), steps=steps,
        source=context.source, probabilities=pd.DataFrame({
            "label": [model.labels[i] for i in context.shown], "probability": probabilities[context.shown].tolist()}),
    )
