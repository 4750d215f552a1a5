"""The lesson's experiment on intervening: the typed names through the session's model as trained and
with one change at every step of the hand-run cell loop (units knocked out, a gate clamped, W_hh scaled).
"""

from __future__ import annotations

import pandas as pd

from rnn_demo.inside.intervene import NOT_CORRELATION, intervened_logits, leaned_on_units, parse_intervention
from rnn_demo.lesson.experiments import ExperimentResult, typed_names
from rnn_demo.models import NameClassifier

KNOCKED_OUT = 5  # units held at zero: the ones the classifier weighs most
SCALE = 0.5  # W_hh's factor: a recurrence that forgets faster
# The clamp each gated cell gets, and what it should do to every name.
CLAMPS = {"gru": ("z=1@2", "z = 1 from letter 2: the state never moves after the first letter, so every name "
                           "reads as its first letter"),
          "lstm": ("f=0@1", "f = 0 at every letter: the cell state forgets everything before the letter it reads")}


def intervene_experiment(text: str, model: NameClassifier) -> ExperimentResult:
    """Each typed name's answer as trained and under each change."""
    names = typed_names(text)
    units = ", ".join(map(str, sorted(leaned_on_units(model, KNOCKED_OUT))))
    changes = {"as trained": parse_intervention(model),
               f"units {units} at 0": parse_intervention(model, knock_out=units),
               f"W_hh × {SCALE:g}": parse_intervention(model, scale=SCALE)}
    clamp = CLAMPS.get(model.config.cell)
    if clamp:
        changes[clamp[0].split("@")[0] + f" from letter {clamp[0].split('@')[1]}"] = parse_intervention(model, clamp=clamp[0])
    table = pd.DataFrame({"name": names})
    for column, change in changes.items():
        probabilities = intervened_logits(model, names, change).softmax(dim=1)  # (N, C)
        best, index = probabilities.max(dim=1)
        table[column] = [f"{model.labels[i]} {p:.0%}" for i, p in zip(index.tolist(), best.tolist())]
    if model.config.cell == "gru":  # what the frozen state should say: the first letter read alone
        firsts = intervened_logits(model, [name[0] for name in names], changes["as trained"]).softmax(dim=1)
        best, index = firsts.max(dim=1)
        table["first letter alone"] = [f"{model.labels[i]} {p:.0%}" for i, p in zip(index.tolist(), best.tolist())]
    lines = [f"The same weights, run through the cell loop by hand, with one change at every step. Units {units} "
             f"are the five the classifier weighs most; W_hh × {SCALE:g} makes the recurrence forget faster."]
    if clamp:
        lines.append(f"{clamp[1]}.")
    else:
        lines.append("A plain RNN cell has no gates to clamp: train a GRU or an LSTM to clamp one.")
    lines.append(NOT_CORRELATION)
    return ExperimentResult("\n\n".join(lines), table)
